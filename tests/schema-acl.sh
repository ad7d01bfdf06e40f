#!/bin/bash
# The shipped schema, overlays and ACLs, checked against a real private
# slapd built by ldap_schema/authd-slapd.  Each step says what it checks;
# the first mismatch fails the test.  Exit 77 (skip) without slapd.
set -uo pipefail

top_srcdir=${srcdir:-$(dirname "$0")/..}
schema=$top_srcdir/ldap_schema
authd_slapd=$schema/authd-slapd
SLAPD=${SLAPD:-/usr/sbin/slapd}

if [ ! -x "$SLAPD" ] || ! command -v ldapsearch >/dev/null; then
	echo "SKIP: slapd or ldap-utils missing (apt-get install -y slapd ldap-utils)"
	exit 77
fi
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	echo "SKIP: needs root and setpriv (to act as a person over ldapi)"
	exit 77
fi

dir=$(mktemp -d /tmp/sl.XXXXXX)
cleanup() {
	"$authd_slapd" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT

step=0
fail() {
	echo "FAIL: $*"
	[ -f "$dir/out" ] && head -n 40 "$dir/out" | sed "s/^/    | /"
	exit 1
}
check() {
	step=$((step + 1))
	printf '%2d. %s\n' "$step" "$1"
}
# run EXPECTED-RC COMMAND...: output to $dir/out
run() {
	local want=$1 rc
	shift
	"$@" >"$dir/out" 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || fail "exit $rc, expected $want: $*"
}
has() { grep -q -- "$1" "$dir/out" || fail "output lacks '$1'"; }
lacks() { ! grep -q -- "$1" "$dir/out" || fail "output has '$1'"; }

# Definitions of a schema file, one per line, whitespace collapsed: the
# slapd.conf form and the cn=config form must give the same lines.
defs_schema() {
	awk '/^#/ || /^[ \t]*$/ { next }
	/^[ \t]/ { cur = cur " " $0; next }
	{ if (cur != "") print cur; cur = $0 }
	END { if (cur != "") print cur }' "$1" |
	    sed -E 's/^objectidentifier/OID/; s/^attributetype/AT/;
		s/^objectclass/OC/; s/[[:space:]]+/ /g; s/ $//'
}
defs_ldif() {
	awk '/^#/ { next } /^ / { cur = cur substr($0, 2); next }
	{ if (cur != "") print cur; cur = $0 }
	END { if (cur != "") print cur }' "$1" |
	    grep -E '^olc(ObjectIdentifier|AttributeTypes|ObjectClasses):' |
	    sed -E 's/^olcObjectIdentifier:/OID/; s/^olcAttributeTypes:/AT/;
		s/^olcObjectClasses:/OC/; s/[[:space:]]+/ /g; s/ $//'
}

check "authd.schema and authd.ldif define the same things"
defs_schema "$schema/authd.schema" | sort >"$dir/defs.schema"
defs_ldif "$schema/authd.ldif" | sort >"$dir/defs.ldif"
run 0 diff "$dir/defs.schema" "$dir/defs.ldif"
for at in authdAccountState authdAccountType authdValidFrom authdValidUntil authdLastLoginTime authdLastLoginHost authdLastLoginService authdLastLogoutTime authdFailedLogins authdStateReason; do
	grep -q "NAME '$at'" "$dir/defs.schema" || fail "authd.schema lacks $at"
done

check "authd.schema loads into slapd (slaptest, slapd.conf form)"
cat >"$dir/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include $(realpath "$schema/authd.schema")
EOF
run 0 slaptest -u -f "$dir/slapd.conf"

check "authd-slapd init --demo builds a private slapd (authd.ldif, overlays, ACLs)"
run 0 "$authd_slapd" init "$dir" --demo
has "yamada"
pwcheck=yes
if [ "${AUTHD_PWCHECK:-}" = none ]; then
	pwcheck=no
	echo "    (AUTHD_PWCHECK=none: character classes not checked)"
elif grep -q 'no character-class module' "$dir/out"; then
	fail "authd_pwcheck.so not found: build it (make" \
	    "ldap_schema/pwcheck/authd_pwcheck.la) and run from the build" \
	    "tree, or set AUTHD_PWCHECK=/path/authd_pwcheck.so (or none)"
fi
[ "$(stat -c %a "$dir/authd.secret")" = 600 ] || fail "authd.secret not 0600"
[ "$(stat -c %a "$dir/demo-passwords.txt")" = 600 ] || fail "demo-passwords.txt not 0600"

check "authd-slapd start answers; env gives the variables"
run 0 "$authd_slapd" start "$dir"
"$authd_slapd" env "$dir" >"$dir/env" || fail "env failed"
eval "$(cat "$dir/env")"
for v in LDAPI_URI LDAP_URI BASE_DN BIND_DN BIND_PW_FILE; do
	[ -n "${!v:-}" ] || fail "env lacks $v"
done
people="ou=people,$BASE_DN"
admins="cn=authd-admins,ou=groups,$BASE_DN"
pw() { awk -v u="$1" '$1 == u { print $2 }' "$dir/demo-passwords.txt"; }

root() { "$@" -Q -Y EXTERNAL -H "$LDAPI_URI"; }
authd() { "$@" -x -H "$LDAPI_URI" -D "$BIND_DN" -y "$BIND_PW_FILE"; }
person() { local u=$1; shift; "$@" -x -H "$LDAP_URI" -D "uid=$u,$people" -w "$(pw "$u")"; }
# as the local user with that person's uidNumber, SASL EXTERNAL over ldapi
as_uid() {
	local n=$1; shift
	setpriv --reuid="$n" --regid=10000 --clear-groups \
	    "$@" -Q -Y EXTERNAL -H "$LDAPI_URI"
}

check "slapd's worker threads: twice the CPUs, at least 4 (cn=config olcThreads)"
want=$((2 * $(nproc)))
[ "$want" -ge 4 ] || want=4
[ -n "${AUTHD_SLAPD_THREADS:-}" ] && want=$AUTHD_SLAPD_THREADS
run 0 root ldapsearch -o ldif-wrap=no -LLL -b cn=config -s base olcThreads
has "^olcThreads: $want\$"
run 1 "$authd_slapd" init "$dir.threads" --threads 1
has "--threads: a number 2-1024 (slapd's olcThreads), not 1"
[ ! -e "$dir.threads" ] || fail "a refused init left $dir.threads behind"

check "the schema in cn=config holds authdAccount"
run 0 root ldapsearch -o ldif-wrap=no -LLL -b cn=subschema -s base objectClasses
has "NAME 'authdAccount'"

check "a demo person binds with the printed password, over ldap:// and ldapi://"
run 0 person sato ldapwhoami
has "dn:uid=sato,$people"
run 0 ldapwhoami -x -H "$LDAPI_URI" -D "uid=sato,$people" -w "$(pw sato)"
has "dn:uid=sato,$people"

check "a wrong password is refused (rc 49)"
run 49 ldapwhoami -x -H "$LDAP_URI" -D "uid=sato,$people" -w "Wrong-pass-123"

check "authd's identity cannot read userPassword"
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "uid=sato,$people" -s base userPassword authdAccountState
has "authdAccountState: active"
lacks "userPassword"

check "authd's identity reads pwdFailureTime, uidNumber, entryUUID"
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "uid=sato,$people" -s base pwdFailureTime uidNumber entryUUID
has "pwdFailureTime:"
has "uidNumber: 10002"
has "entryUUID:"

check "authd's identity reads the default password policy's lockout (decoys lock by it)"
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "cn=default,ou=policies,$BASE_DN" -s base pwdMaxFailure pwdLockout pwdLockoutDuration pwdFailureCountInterval
has "^pwdMaxFailure: 5\$"
has "^pwdLockout: TRUE\$"
has "^pwdLockoutDuration: 1800\$"
has "^pwdFailureCountInterval: 0\$"

check "authd's identity reads expiry (pwdMaxAge, pwdGraceAuthNLimit) of the policies and pwdPolicySubentry"
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "ou=policies,$BASE_DN" -s one '(objectClass=pwdPolicy)' pwdMaxAge pwdGraceAuthNLimit
has "^dn: cn=default,ou=policies,$BASE_DN\$"
has "^pwdMaxAge: 7776000\$"
has "^pwdGraceAuthNLimit: 3\$"
has "^dn: cn=privileged,ou=policies,$BASE_DN\$"
has "^pwdGraceAuthNLimit: 0\$"
run 0 root ldapmodify <<EOF
dn: uid=sato,$people
changetype: modify
replace: pwdPolicySubentry
pwdPolicySubentry: cn=privileged,ou=policies,$BASE_DN
EOF
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "uid=sato,$people" -s base pwdPolicySubentry
has "^pwdPolicySubentry: cn=privileged,ou=policies,$BASE_DN\$"
run 0 root ldapmodify <<EOF
dn: uid=sato,$people
changetype: modify
delete: pwdPolicySubentry
EOF

check "authd's identity reads group memberships (admins, posix groups)"
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "ou=groups,$BASE_DN" '(objectClass=*)' member memberUid
has "member: uid=yamada,$people"
has "memberUid: sato"

check "authd's identity writes authdLastLoginTime and authdFailedLogins"
run 0 authd ldapmodify <<EOF
dn: uid=sato,$people
changetype: modify
replace: authdLastLoginTime
authdLastLoginTime: 20250101090000Z
-
replace: authdLastLoginHost
authdLastLoginHost: pc-soumu-01
-
replace: authdFailedLogins
authdFailedLogins: 0
EOF

check "authd's identity cannot change authdAccountState (rc 50)"
run 50 authd ldapmodify <<EOF
dn: uid=sato,$people
changetype: modify
replace: authdAccountState
authdAccountState: disabled
EOF

check "a person reads their own authd* attributes but not userPassword"
run 0 person sato ldapsearch -o ldif-wrap=no -LLL -b "uid=sato,$people" -s base '*' authdLastLoginTime
has "authdAccountState: active"
has "authdLastLoginTime: 20250101090000Z"
lacks "userPassword"

check "a person cannot change their own authdAccountState (rc 50)"
run 50 person sato ldapmodify <<EOF
dn: uid=sato,$people
changetype: modify
replace: authdAccountState
authdAccountState: active
EOF

check "a person cannot write their own login data (rc 50)"
run 50 person sato ldapmodify <<EOF
dn: uid=sato,$people
changetype: modify
replace: authdFailedLogins
authdFailedLogins: 0
EOF

check "a person sees nothing of another person"
run 32 person sato ldapsearch -o ldif-wrap=no -LLL -b "uid=suzuki,$people" -s base
lacks "dn:"

check "anonymous over TCP finds no people"
run 32 ldapsearch -o ldif-wrap=no -LLL -x -H "$LDAP_URI" -b "$people" '(uid=*)' uid
lacks "dn:"

check "SASL EXTERNAL maps the admin's local uid to their entry"
run 0 as_uid 10001 ldapwhoami
has "dn:uid=yamada,$people"

check "SASL EXTERNAL of a person who is no admin cannot read others"
run 32 as_uid 10002 ldapsearch -o ldif-wrap=no -LLL -b "uid=suzuki,$people" -s base
lacks "dn:"

check "the admin disables a person (authdAccountState: disabled)"
run 0 as_uid 10001 ldapmodify <<EOF
dn: uid=suzuki,$people
changetype: modify
replace: authdAccountState
authdAccountState: disabled
-
replace: authdStateReason
authdStateReason: test: disabled by the administrator
EOF
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "uid=suzuki,$people" -s base authdAccountState
has "authdAccountState: disabled"

check "a state outside the list is refused (constraint overlay, rc 19)"
run 19 as_uid 10001 ldapmodify <<EOF
dn: uid=suzuki,$people
changetype: modify
replace: authdAccountState
authdAccountState: on-holiday
EOF

check "the admin cannot administer their own entry (rc 50)"
run 50 as_uid 10001 ldapmodify <<EOF
dn: uid=yamada,$people
changetype: modify
replace: authdValidUntil
authdValidUntil: 20991231000000Z
EOF

check "the admin cannot read password hashes either"
run 0 as_uid 10001 ldapsearch -o ldif-wrap=no -LLL -b "uid=suzuki,$people" -s base userPassword uid
has "uid: suzuki"
lacks "userPassword"

check "the admin resets a password (Password Modify): pwdReset TRUE appears"
run 0 as_uid 10001 ldappasswd -s "Temp-pass-4821" "uid=suzuki,$people"
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "uid=suzuki,$people" -s base pwdReset
has "pwdReset: TRUE"

check "after the reset the person must change it: other operations rc 50"
run 50 ldapsearch -o ldif-wrap=no -LLL -x -H "$LDAP_URI" -D "uid=suzuki,$people" -w "Temp-pass-4821" \
    -e ppolicy -b "uid=suzuki,$people" -s base uid
has "Password must be changed"
has "restricted"

check "a too short new password is refused (rc 19)"
run 1 ldappasswd -x -H "$LDAP_URI" -D "uid=suzuki,$people" -w "Temp-pass-4821" \
    -a "Temp-pass-4821" -s "Sh0rt-pw"
has "Constraint violation (19)"

if [ "$pwcheck" = yes ]; then
	check "a long password of one character class is refused (rc 19)"
	run 1 ldappasswd -x -H "$LDAP_URI" -D "uid=suzuki,$people" -w "Temp-pass-4821" \
	    -a "Temp-pass-4821" -s "onlylowercaseletters"
	has "Constraint violation (19)"
	has "at least 3 of"
	check "two classes are still refused (rc 19)"
	run 1 ldappasswd -x -H "$LDAP_URI" -D "uid=suzuki,$people" -w "Temp-pass-4821" \
	    -a "Temp-pass-4821" -s "lowercase-and-symbols"
	has "Constraint violation (19)"
fi

check "a good new password is taken and clears pwdReset"
run 0 ldappasswd -x -H "$LDAP_URI" -D "uid=suzuki,$people" -w "Temp-pass-4821" \
    -a "Temp-pass-4821" -s "Good-pass-8413x"
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "uid=suzuki,$people" -s base pwdReset
lacks "pwdReset"

check "a password from the history is refused (rc 19)"
run 1 ldappasswd -x -H "$LDAP_URI" -D "uid=suzuki,$people" -w "Good-pass-8413x" \
    -a "Good-pass-8413x" -s "Temp-pass-4821"
has "Constraint violation (19)"

check "5 wrong binds lock the account; the 6th bind with the right password fails"
for i in 1 2 3 4 5; do
	ldapwhoami -x -H "$LDAP_URI" -D "uid=ito,$people" -w "Wrong-pass-$i" >/dev/null 2>&1
done
run 49 person ito ldapwhoami -e ppolicy
has "Account locked"
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "uid=ito,$people" -s base pwdAccountLockedTime
has "pwdAccountLockedTime:"

check "the admin unlocks it (deletes pwdAccountLockedTime); the password works again"
run 0 as_uid 10001 ldapmodify <<EOF
dn: uid=ito,$people
changetype: modify
delete: pwdAccountLockedTime
EOF
run 0 person ito ldapwhoami
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "uid=ito,$people" -s base pwdAccountLockedTime pwdFailureTime
lacks "pwdAccountLockedTime:"
lacks "pwdFailureTime:"

check "accesslog records the admin's change with their DN as reqAuthzID"
run 0 as_uid 10001 ldapsearch -o ldif-wrap=no -LLL -b cn=accesslog \
    "(&(reqDN=uid=suzuki,$people)(reqType=modify))" reqAuthzID reqMod
has "reqAuthzID: uid=yamada,$people"
has "reqMod: authdAccountState:= disabled"
lacks "reqMod: userPassword"

check "accesslog is closed to authd and to people"
run 32 authd ldapsearch -o ldif-wrap=no -LLL -b cn=accesslog '(objectClass=*)' 1.1
lacks "dn:"
run 32 person sato ldapsearch -o ldif-wrap=no -LLL -b cn=accesslog '(objectClass=*)' 1.1
lacks "dn:"

check "a person who is no admin cannot add people (rc 50)"
run 50 person sato ldapadd <<EOF
dn: uid=mallory,$people
objectClass: inetOrgPerson
uid: mallory
cn: Mallory
sn: Mallory
EOF

check "the admin adds and deletes a person"
run 0 as_uid 10001 ldapadd <<EOF
dn: uid=watanabe,$people
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: authdAccount
uid: watanabe
cn: Yui Watanabe
sn: Watanabe
uidNumber: 10099
gidNumber: 10000
homeDirectory: /home/watanabe
authdAccountState: active
authdAccountType: regular
EOF
run 0 as_uid 10001 ldapdelete "uid=watanabe,$people"

check "the admin cannot add members to cn=authd-admins (root only)"
run 50 as_uid 10001 ldapmodify <<EOF
dn: $admins
changetype: modify
add: member
member: uid=sato,$people
EOF

# Grants (ldap_schema/README.md "Privileged roles and grants"): suzuki
# approves, sato holds, ito is a listed requester of one role, yamada (an
# administrator) is nobody special here.
grant_add() {	# UID ID ROLE HOLDER: adds cn=ID,ou=grants as that local uid
	as_uid "$1" ldapadd <<EOF
dn: cn=$2,ou=grants,$BASE_DN
objectClass: authdGrant
cn: $2
authdGrantRole: cn=$3,ou=roles,$BASE_DN
authdGrantHolder: uid=$4,$people
authdGrantFrom: 20250101000000Z
authdGrantUntil: 20990101000000Z
authdGrantReason: test
authdGrantState: requested
authdGrantEmergency: FALSE
EOF
}
grant_state() {	# UID ID STATE: replace, as authctl does
	as_uid "$1" ldapmodify <<EOF
dn: cn=$2,ou=grants,$BASE_DN
changetype: modify
replace: authdGrantState
authdGrantState: $3
EOF
}
run 0 root ldapadd <<EOF
dn: cn=web-approvers,ou=roles,$BASE_DN
objectClass: groupOfNames
cn: web-approvers
member: uid=suzuki,$people

dn: cn=web-admin,ou=roles,$BASE_DN
objectClass: authdRole
cn: web-admin
authdRoleMaxGrant: 7200
authdRoleMaxSession: 600
authdRoleHost: *
authdRoleApprover: cn=web-approvers,ou=roles,$BASE_DN

dn: cn=on-behalf,ou=roles,$BASE_DN
objectClass: authdRole
cn: on-behalf
authdRoleMaxGrant: 7200
authdRoleMaxSession: 600
authdRoleHost: *
authdRoleApprover: cn=web-approvers,ou=roles,$BASE_DN
authdRoleRequester: uid=ito,$people
EOF

check "an administrator sets no approver's password nor uidNumber, nor deletes them (insufficient access); another's password yes"
run 1 as_uid 10001 ldappasswd -s "Temp-pass-5931" "uid=suzuki,$people"
has "Insufficient access"
run 50 as_uid 10001 ldapmodify <<EOF
dn: uid=suzuki,$people
changetype: modify
replace: uidNumber
uidNumber: 10099
EOF
run 50 as_uid 10001 ldapdelete "uid=suzuki,$people"
run 0 as_uid 10001 ldappasswd -s "Temp-pass-5932" "uid=ito,$people"

check "nor a CISO member's; an approver is still suspended and made active by them"
ciso_member() {	# add|delete UID, as root
	root ldapmodify <<EOF
dn: cn=ciso,ou=groups,$BASE_DN
changetype: modify
$1: member
member: uid=$2,$people
EOF
}
admin_sets_state() {	# UID STATE, as the administrator
	as_uid 10001 ldapmodify <<EOF
dn: uid=$1,$people
changetype: modify
replace: authdAccountState
authdAccountState: $2
EOF
}
run 0 ciso_member add ito
run 1 as_uid 10001 ldappasswd -s "Temp-pass-5933" "uid=ito,$people"
has "Insufficient access"
run 0 ciso_member delete ito
run 0 as_uid 10001 ldappasswd -s "Temp-pass-5934" "uid=ito,$people"
run 0 admin_sets_state suzuki suspended
run 0 admin_sets_state suzuki active

check "a person adds a grant that they hold"
run 0 grant_add 10002 g-own web-admin sato

check "nobody else adds a grant naming them, an administrator neither (rc 50)"
run 50 grant_add 10005 g-other web-admin sato
run 50 grant_add 10001 g-admin web-admin sato

check "a role's listed requester adds a grant naming someone else"
run 0 grant_add 10005 g-behalf on-behalf sato

check "the holder cannot approve their own grant's state (rc 50); the approver can"
run 50 grant_state 10002 g-own approved
run 0 grant_state 10003 g-own approved

check "the holder revokes; the requester revokes the grant they asked for"
run 0 grant_state 10002 g-own revoked
run 0 grant_state 10005 g-behalf revoked

check "a revocation sticks: holder, requester and approver are refused (rc 50)"
run 50 grant_state 10002 g-own approved
run 50 grant_state 10002 g-own requested
run 50 grant_state 10005 g-behalf requested
run 50 grant_state 10003 g-own approved
run 50 as_uid 10002 ldapmodify <<EOF
dn: cn=g-own,ou=grants,$BASE_DN
changetype: modify
delete: authdGrantState
authdGrantState: revoked
-
add: authdGrantState
authdGrantState: approved
EOF
run 0 authd ldapsearch -o ldif-wrap=no -LLL -b "cn=g-own,ou=grants,$BASE_DN" -s base authdGrantState
has "authdGrantState: revoked"

check "authd-slapd start twice restarts it"
pid1=$(cat "$dir/slapd.pid")
run 0 "$authd_slapd" start "$dir"
run 0 "$authd_slapd" start "$dir"
pid2=$(cat "$dir/slapd.pid")
[ "$pid1" != "$pid2" ] || fail "pid unchanged: not restarted"
[ ! -d "/proc/$pid1" ] || [ "$(awk '{print $3}' "/proc/$pid1/stat")" = Z ] ||
    fail "old slapd $pid1 still runs"
run 0 person sato ldapwhoami

check "authd-slapd stop leaves no slapd process"
run 0 "$authd_slapd" stop "$dir"
[ ! -e "/proc/$pid2" ] || fail "slapd $pid2 still there after stop"
run 3 "$authd_slapd" status "$dir"

check "a socket path over 100 characters is refused with a message"
long=/tmp/$(printf 'x%.0s' $(seq 1 100))
run 1 "$authd_slapd" init "$long"
has "too long"
[ ! -e "$long" ] || fail "$long was created"

echo "PASS: $step checks"
