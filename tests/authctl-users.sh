#!/bin/bash
# authctl against a real private slapd (ldap_schema/authd-slapd --demo):
# an administrator, acting as herself through SASL EXTERNAL over ldapi, adds,
# shows, lists, suspends, disables and enables a person, sets a temporary
# password and unlocks a lockout; a non-administrator is refused by the
# directory; the audit log's chain verifies and an edit is caught.
# Exit 77 (skipped) when slapd or the tools are missing or we are not root.
set -u

srcdir=${AUTHD_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${AUTHD_BUILDDIR:-$PWD}
AUTHCTL=$builddir/authctl/authctl
SLAPCTL=$srcdir/ldap_schema/authd-slapd

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (setpriv to the demo people's uids)"
for t in /usr/sbin/slapd ldapsearch ldapwhoami ldapmodify setpriv; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -x "$AUTHCTL" ] || { echo "FAIL: $AUTHCTL not built"; exit 1; }
[ -x "$SLAPCTL" ] || { echo "FAIL: $SLAPCTL missing"; exit 1; }

DIR=$(mktemp -d /tmp/sl.XXXXXX)
cleanup() { "$SLAPCTL" stop "$DIR" >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT

. "$srcdir/tests/lib/authctl-test.sh"

"$SLAPCTL" init "$DIR" --demo --hash SSHA >/dev/null 2>&1 ||
    { echo "FAIL: authd-slapd init"; exit 1; }
"$SLAPCTL" start "$DIR" || { echo "FAIL: authd-slapd start"; exit 1; }
eval "$("$SLAPCTL" env "$DIR")"
PEOPLE=ou=people,$BASE_DN

ADMIN=$(attr "uid=yamada,$PEOPLE" uidNumber)      # the demo administrator
CLERK=$(attr "uid=sato,$PEOPLE" uidNumber)        # an ordinary person
[ -n "$ADMIN" ] && [ -n "$CLERK" ] || { echo "FAIL: demo people missing"; exit 1; }

# The administrator's own config: a dead URI first (failover), and an
# audit log she may append to.
ETC=$DIR/etc
mkdir -m 0755 "$ETC"
cat >"$ETC/authd.conf" <<CONF
ldap_uri = ldapi://%2Fnonexistent%2Fldapi $LDAPI_URI
base_dn = $BASE_DN
audit_log = $ETC/audit.log
CONF
: >"$ETC/audit.log"
chmod 0644 "$ETC/authd.conf"
chmod 0600 "$ETC/audit.log"
chown "$ADMIN" "$ETC/authd.conf" "$ETC/audit.log"
C=(-c "$ETC/authd.conf")
P=uid=kimura,$PEOPLE

run "$ADMIN" "${C[@]}" user add kimura --name "Jiro Kimura" --department zeimu \
    --type contractor --employee-number C3001 --valid-until 2031-03-31
expect 0 "added $P" "user add as the administrator"
[[ "$err" == *"acting as uid=yamada,$PEOPLE"* ]] &&
    ok "authctl says who acts" || fail "no 'acting as' line: $err"
[ "$(attr "$P" creatorsName)" = "uid=yamada,$PEOPLE" ] &&
    ok "slapd records the administrator as the creator" ||
    fail "creatorsName is $(attr "$P" creatorsName)"
[ "$(attr "$P" uidNumber)" = 10006 ] && ok "uid number = highest + 1" ||
    fail "uidNumber $(attr "$P" uidNumber)"
[ "$(attr "$P" authdAccountState)" = active ] && ok "new account is active" ||
    fail "state $(attr "$P" authdAccountState)"
# A password nobody knows, so that ppolicy counts failures from the first
# day (it keeps no count for an entry without one): stored hashed, never
# printed, not temporary; a wrong bind as the person is counted.
PWV=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$LDAPI_URI" -b "$P" -s base \
    "(objectClass=*)" userPassword | sed -n 's/^userPassword:: //p' | base64 -d)
[[ "$PWV" == "{SSHA}"* ]] && ok "a new person has a hashed userPassword" ||
    fail "userPassword of a new person: '$PWV'"
[ -z "$(attr "$P" pwdReset)" ] && ok "not a temporary password (no pwdReset)" ||
    fail "pwdReset on a new person"
[[ "$out" == *"no usable password yet"* ]] && ok "user add says there is no usable password" ||
    fail "user add: $out"
[ -n "$PWV" ] && [ -z "$(grep -rlF -e "$PWV" "$DIR/out" "$DIR/err" "$ETC" 2>/dev/null)" ] &&
    ok "the password's hash is nowhere in authctl's output or files" || fail "hash written"
ldapwhoami -x -H "$LDAPI_URI" -D "$P" -w 'Wrong-Guess-123' >/dev/null 2>&1 &&
    fail "a guessed password binds"
[ "$(attr "$P" pwdFailureTime | wc -l)" -eq 1 ] &&
    ok "a wrong bind as a new person is counted (pwdFailureTime)" ||
    fail "no pwdFailureTime after a wrong bind as a new person"
# A server that accepts connections and never speaks TLS, first of the
# URIs: the handshake gives up after ldap_timeout and the next URI serves
# (libldap 2.5.13 spun for ever on a synchronous connection).
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True); time.sleep(120)' >"$DIR/silent.port" &
silent=$!
for _ in $(seq 50); do [ -s "$DIR/silent.port" ] && break; sleep 0.1; done
sed -e "s#^ldap_uri = .*#ldap_uri = ldaps://127.0.0.1:$(cat "$DIR/silent.port") $LDAPI_URI#" \
    -e '$a ldap_timeout = 2' "$ETC/authd.conf" >"$ETC/silent.conf"
chmod 0644 "$ETC/silent.conf"
# (a simple bind: SASL EXTERNAL goes to ldapi:// URIs only)
(umask 077 && awk '$1 == "yamada" { printf "%s", $2 }' \
    "$DIR/demo-passwords.txt" >"$ETC/yamada.pw")
SECONDS=0
timeout 60 "$AUTHCTL" -c "$ETC/silent.conf" -D "uid=yamada,$PEOPLE" \
    -y "$ETC/yamada.pw" user show kimura >"$DIR/out" 2>"$DIR/err"
rc=$? out=$(cat "$DIR/out") err=$(cat "$DIR/err")
took=$SECONDS
rm -f "$ETC/yamada.pw"
kill "$silent" 2>/dev/null; wait "$silent" 2>/dev/null
expect 0 "Jiro Kimura" "a server that never speaks TLS first: the next URI serves"
[ "$took" -lt 30 ] && ok "... after ldap_timeout (${took} s)" ||
    fail "user show took ${took} s past a silent TLS server"
run "$ADMIN" "${C[@]}" user show kimura
[[ "$out" == *"password"*"set with the entry"*"known to nobody"* &&
    "$out" == *"must change password"*"no"* ]] &&
    ok "user show: the password was set with the entry, known to nobody" ||
    fail "user show of a new person: $out"

run "$ADMIN" "${C[@]}" user add kimura --name "Jiro Kimura"
expect 1 "authctl: kimura already exists (uid=kimura," "adding twice is refused, naming the person"
run "$ADMIN" "${C[@]}" user add 'Bad!' --name "X Y"
expect 2 "not a valid user name" "a bad user name is a usage error"
run "$ADMIN" "${C[@]}" user add ok1 --name "X Y" --valid-from 2024-02-30
expect 2 "is not a date" "an impossible date is a usage error"

run "$ADMIN" "${C[@]}" user show kimura
expect 0 "Jiro Kimura" "user show"
# A last-login host is written by PAM clients: a terminal escape in it is
# shown escaped, never sent to the administrator's terminal raw.
printf 'dn: uid=kimura,%s\nchangetype: modify\nreplace: authdLastLoginHost\nauthdLastLoginHost: evil\033[2Jhost\xc2\x9b\n' \
    "$PEOPLE" | ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null
run "$ADMIN" "${C[@]}" user show kimura
if [[ "$out" == *$'\033'* || "$out" == *$'\xc2\x9b'* ]]; then
	fail "user show printed a terminal escape raw"
else
	expect 0 'evil\x1b[2Jhost\xc2\x9b' "user show escapes control characters from the directory"
fi
[[ "$out" == *"lifecycle state"*active* && "$out" == *"until 2031-03-31 23:59:59"* ]] &&
    ok "user show: lifecycle and validity in local time" || fail "user show: $out"

run "$ADMIN" "${C[@]}" user list --type contractor
expect 0 "kimura" "user list --type"
[[ "$out" == *tanaka* && "$out" != *sato* ]] && ok "user list filters by type" ||
    fail "user list --type contractor: $out"
# user list escapes them too: a name and a department with terminal escapes,
# and a uid with a C1 CSI (the directory's syntax allows both).
printf 'dn: uid=kimura,%s\nchangetype: modify\nreplace: cn\ncn: Jiro\033]0;pwned\007 Kimura\n-\nreplace: departmentNumber\ndepartmentNumber: zeimu\033[2J\n' \
    "$PEOPLE" | ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null ||
    fail "ldapmodify of kimura's name and department"
printf 'dn: cn=csi,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nobjectClass: authdAccount\ncn: csi\nsn: csi\nuid: csi\xc2\x9b6n\nuidNumber: 19999\ngidNumber: 10000\nhomeDirectory: /nonexistent\nauthdAccountType: contractor\n' \
    "$PEOPLE" | ldapmodify -a -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null ||
    fail "ldapadd of a uid with a C1 control"
run "$ADMIN" "${C[@]}" user list --type contractor
if [[ "$out" == *$'\033'* || "$out" == *$'\007'* || "$out" == *$'\xc2\x9b'* ]]; then
	fail "user list printed a terminal escape raw"
else
	expect 0 'Jiro\x1b]0;pwned\x07 Kimura' "user list escapes a name's control characters"
	expect 0 'zeimu\x1b[2J' "user list escapes a department's"
	expect 0 'csi\xc2\x9b6n' "user list escapes a uid's C1 control"
fi
printf 'dn: uid=kimura,%s\nchangetype: modify\nreplace: cn\ncn: Jiro Kimura\n-\nreplace: departmentNumber\ndepartmentNumber: zeimu\n\ndn: cn=csi,%s\nchangetype: delete\n' \
    "$PEOPLE" "$PEOPLE" | ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null ||
    fail "ldapmodify back"

run "$ADMIN" "${C[@]}" user suspend kimura --reason "on leave"
expect 0 "kimura: state is now suspended" "user suspend"
[ "$(attr "$P" authdAccountState)" = suspended ] &&
    [ "$(attr "$P" authdStateReason)" = "on leave" ] &&
    ok "suspended with its reason" || fail "state after suspend"
run "$ADMIN" "${C[@]}" user list --state suspended
[[ "$out" == *kimura* && "$out" != *sato* ]] && ok "user list --state" ||
    fail "user list --state suspended: $out"
run "$ADMIN" "${C[@]}" user disable kimura
expect 0 "state is now disabled" "user disable"
[ "$(attr "$P" authdAccountState)" = disabled ] && ok "disabled" || fail "not disabled"
run "$ADMIN" "${C[@]}" user enable kimura
expect 0 "state is now active" "user enable"
[ "$(attr "$P" authdAccountState)" = active ] && [ -z "$(attr "$P" authdStateReason)" ] &&
    ok "active again, old reason gone" || fail "state after enable"
# --help is an option, never another option's value: a reason "-h" is a
# reason, and the account is disabled with it.
run "$ADMIN" "${C[@]}" user disable kimura --reason -h
expect 0 "kimura: state is now disabled" "a reason -h is a value, not --help"
check "$P" authdStateReason "-h" "disabled with the reason -h"
run "$ADMIN" "${C[@]}" user enable kimura --reason --help
expect 0 "kimura: state is now active" "a reason --help is a value too"
check "$P" authdAccountState active "active again"

# A temporary password, generated and printed once.
run "$ADMIN" "${C[@]}" user passwd kimura
expect 0 "must be changed at the first login" "user passwd (generated)"
TEMP=$(sed -n 's/^temporary password for kimura: //p' "$DIR/out")
[ ${#TEMP} -eq 16 ] && [[ $TEMP == *[A-Z]* && $TEMP == *[a-z]* && $TEMP == *[0-9]* ]] &&
    ok "generated password: 16 characters, mixed classes" ||
    fail "generated password '$TEMP'"
[ "$(attr "$P" pwdReset)" = TRUE ] && ok "pwdReset is TRUE" || fail "pwdReset not set"
run "$ADMIN" "${C[@]}" user show kimura
[[ "$out" == *"password"*"temporary, set"* && "$out" == *"must change password"*"yes"* ]] &&
    ok "user show: a temporary password" || fail "user show after user passwd: $out"
bind=$(ldapwhoami -x -H "$LDAPI_URI" -D "$P" -w "$TEMP" -e ppolicy 2>&1)
[ $? -eq 0 ] && [[ $bind == *"must be changed"* ]] &&
    ok "the person binds with it and must change it" || fail "bind: $bind"

# A temporary password from a file the administrator owns.
(umask 077 && printf 'Kari-Pass-2024x\n' >"$ETC/pw")
chown "$ADMIN" "$ETC/pw"
run "$ADMIN" "${C[@]}" user passwd kimura --password-file "$ETC/pw"
expect 0 "temporary password set" "user passwd --password-file"
[[ "$out" != *Kari-Pass* ]] && ok "a password from a file is not printed" ||
    fail "password printed"
ldapwhoami -x -H "$LDAPI_URI" -D "$P" -w 'Kari-Pass-2024x' >/dev/null 2>&1 &&
    ok "the file's password works" || fail "bind with the file's password"

# Lockout after 5 failures, then unlock.
for i in 1 2 3 4 5; do
	ldapwhoami -x -H "$LDAPI_URI" -D "$P" -w wrong >/dev/null 2>&1
done
[ -n "$(attr "$P" pwdAccountLockedTime)" ] && ok "locked after 5 failures" ||
    fail "not locked after 5 failures"
run "$ADMIN" "${C[@]}" user show kimura
[[ "$out" == *"password locked"*"yes, since"* && "$out" == *"failed attempts"*"5 since"* ]] &&
    ok "user show reports the lock and failures" || fail "user show: $out"
run "$ADMIN" "${C[@]}" user unlock kimura
expect 0 "kimura: unlocked" "user unlock"
[ -z "$(attr "$P" pwdAccountLockedTime)" ] && [ -z "$(attr "$P" pwdFailureTime)" ] &&
    ok "lock and failure times gone" || fail "still locked"
ldapwhoami -x -H "$LDAPI_URI" -D "$P" -w 'Kari-Pass-2024x' >/dev/null 2>&1 &&
    ok "the person can bind again" || fail "bind after unlock"
run "$ADMIN" "${C[@]}" user unlock kimura
expect 0 "kimura: not locked" "unlock when not locked"

# Refusals: a person who is no administrator, and a uid slapd cannot map.
run "$CLERK" -H "$LDAPI_URI" -b "$BASE_DN" user disable kimura
expect 1 "authctl: the directory refused: Insufficient access" \
    "a non-administrator is refused by the directory"
[ "$(attr "$P" authdAccountState)" = active ] && ok "state unchanged" ||
    fail "a refused disable changed the state"
run "$CLERK" -H "$LDAPI_URI" -b "$BASE_DN" user show sato
expect 0 "Hanako Sato" "a person may show her own entry"
run "$CLERK" -H "$LDAPI_URI" -b "$BASE_DN" user show kimura
expect 1 "no person $P that you may read" "but not another's"
run 4242 -H "$LDAPI_URI" -b "$BASE_DN" user list
expect 1 "slapd did not map uid 4242 to a person" "an unmapped uid is told so"

# A simple bind with -D and -y (root's own password file).
(umask 077 && sed -n 's/^yamada //p' "$DIR/demo-passwords.txt" >"$DIR/yamada.pw")
run root -H "$LDAPI_URI" -b "$BASE_DN" -D "uid=yamada,$PEOPLE" -y "$DIR/yamada.pw" \
    user list --department zeimu
expect 0 "kimura" "simple bind with -D/-y"
chmod 0644 "$DIR/yamada.pw"
run root -H "$LDAPI_URI" -b "$BASE_DN" -D "uid=yamada,$PEOPLE" -y "$DIR/yamada.pw" \
    user list
expect 1 "yamada.pw" "a password file readable by others is refused"
chmod 0600 "$DIR/yamada.pw"
ln -sf "$DIR/yamada.pw" "$DIR/yamada-link.pw"
run root -H "$LDAPI_URI" -b "$BASE_DN" -D "uid=yamada,$PEOPLE" -y "$DIR/yamada-link.pw" \
    user list
expect 1 "a symbolic link" "a password file given through a symbolic link is refused"

# root acting through sudo: the record names who ran sudo beside the actor.
install -m 0644 "$ETC/authd.conf" "$DIR/root.conf"    # root reads only root's
SUDO_USER=sato run root -c "$DIR/root.conf" -D "uid=yamada,$PEOPLE" -y "$DIR/yamada.pw" \
    user suspend kimura --reason "sudo check"
expect 0 "" "root's authctl (via sudo) acts"
grep -q 'event=user_suspend user=kimura .*actor=uid\\x3dyamada,.* sudo_user=sato' \
    "$ETC/audit.log" && ok "the audit record names the sudo user" ||
    fail "no sudo_user in: $(grep user_suspend "$ETC/audit.log" | tail -1)"

# The audit log: every change above, chained.
grep -q 'event=user_add user=kimura .*result=success' "$ETC/audit.log" &&
    grep -q 'actor=uid\\x3dyamada' "$ETC/audit.log" &&
    ok "audit log records the actions and the actor" || fail "audit log: $(cat "$ETC/audit.log")"
grep -q 'event=user_add user=kimura .*result=refused reason=already\\x20exists' \
    "$ETC/audit.log" && ok "the second add of kimura is recorded as refused" ||
    fail "no refused user_add of kimura: $(grep user_add "$ETC/audit.log")"
grep -q 'Kari-Pass' "$ETC/audit.log" && fail "a password reached the audit log" ||
    ok "no password in the audit log"
n=$(wc -l <"$ETC/audit.log")
run root audit verify "$ETC/audit.log"
expect 0 "$ETC/audit.log: $n records, chain intact" "audit verify: intact"
sed '3s/user=kimura/user=sato/' "$ETC/audit.log" >"$DIR/edited.log"
run root audit verify "$DIR/edited.log"
expect 1 "$DIR/edited.log: line 3:" "audit verify: an edited record"
sed '2d' "$ETC/audit.log" >"$DIR/cut.log"
run root audit verify "$DIR/cut.log"
expect 1 "$DIR/cut.log: line 2:" "audit verify: a removed record"
# A crash in the middle of writing record 3: the next writer ends the line
# and writes record 3 again, chained to record 2.
{ sed -n '1,2p' "$ETC/audit.log"; printf 'seq=3 time=2026\n'; sed -n '3,$p' "$ETC/audit.log"; } \
    >"$DIR/torn.log"
run root audit verify "$DIR/torn.log"
expect 0 "$DIR/torn.log: $n records, chain intact; line 3: a record cut short by a crash" \
    "audit verify: a record torn by a crash is stepped over"
"$AUTHCTL" audit verify "$ETC/audit.log" >/dev/full 2>"$DIR/err"
rc=$? out="" err=$(cat "$DIR/err")
expect 1 "cannot write the output" "output that cannot be written is a failure"
run root audit verify
expect 2 "usage:" "audit verify without a file"

# A record the audit log does not take: the change stands, stderr says the
# record is missing from the log, and the exit status is 3.
cp "$ETC/authd.conf" "$ETC/broken.conf"
sed -i "s|^audit_log = .*|audit_log = $ETC/broken.log|" "$ETC/broken.conf"
printf 'not a record\n' >"$ETC/broken.log"
chown "$ADMIN" "$ETC/broken.conf" "$ETC/broken.log"
run "$ADMIN" -c "$ETC/broken.conf" user suspend kimura --reason "log broken"
expect 3 "missing from the audit log $ETC/broken.log" \
    "a log that cannot be opened: exit 3 and a message"
check "$P" authdAccountState suspended "the change is made all the same"
FAILSYNC=$builddir/tests/.libs/failsync.so
[ -f "$FAILSYNC" ] || fail "$FAILSYNC not built"
touch "$DIR/failsync"
LD_PRELOAD=$FAILSYNC AUTHD_TEST_FAILSYNC=$DIR/failsync \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    run "$ADMIN" "${C[@]}" user enable kimura
rm -f "$DIR/failsync"
expect 3 "missing from the audit log $ETC/audit.log" \
    "a disk that does not sync the record: exit 3 and a message"
check "$P" authdAccountState active "the change is made all the same"
# An administrator who may not write the log records in syslog: exit 0.
install -m 0600 /dev/null "$DIR/root-only.log"
sed "s|^audit_log = .*|audit_log = $DIR/root-only.log|" "$ETC/authd.conf" >"$ETC/nolog.conf"
chown "$ADMIN" "$ETC/nolog.conf"
run "$ADMIN" -c "$ETC/nolog.conf" user enable kimura
expect 0 "kimura: state is now active" "a log the caller may not write: exit 0"
run root user disable --help
expect 0 "usage: authctl [global options] user disable" "--help"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all authctl checks passed"
