#!/bin/bash
# Logins through pamtester, the way an administrator would try a PAM stack:
# a private slapd + authd (scripts/authd-local), pamtester reading the service
# file from the test's folder through pam_wrapper.
set -uo pipefail
src=${AUTHD_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export AUTHD_BUILDDIR=${AUTHD_BUILDDIR:-$PWD}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v pamtester >/dev/null && [ -x /usr/sbin/slapd ] || { echo "SKIP: pamtester or slapd missing"; exit 77; }
wrapper=$(ls /usr/lib/*/libpam_wrapper.so 2>/dev/null | head -n 1)
[ -n "$wrapper" ] || { echo "SKIP: libpam-wrapper missing"; exit 77; }

dir=$(mktemp -d /tmp/pt.XXXXXX)
cleanup() { "$src/scripts/authd-local" down "$dir" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$dir/out" ] && sed 's/^/  | /' "$dir/out"; exit 1; }
ok() { echo "ok: $*"; }

AUTHD_FAIL_DELAY_MS=200 "$src/scripts/authd-local" up "$dir" >"$dir/up.log" 2>&1 ||
    { cat "$dir/up.log"; fail "could not start slapd and authd"; }
eval "$("$src/scripts/authd-local" env "$dir")"

ldapadd -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null <<LDIF || fail "ldapadd"
dn: uid=pia,ou=people,$BASE_DN
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: authdAccount
uid: pia
cn: Pia Tester
sn: Tester
uidNumber: 20100
gidNumber: 20100
homeDirectory: /home/pia
authdAccountState: active
userPassword: Pamtester-Pass-1
LDIF
ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null 2>&1 <<LDIF
dn: uid=pia,ou=people,$BASE_DN
changetype: modify
delete: pwdReset
LDIF

# A sanitized pam_authd.so in a program that is not sanitized needs the
# sanitizer runtime loaded first.
preload=$wrapper
if ldd "$AUTHD_BUILDDIR/pam_module/.libs/pam_authd.so" | grep -q libasan; then
	preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so) $wrapper"
	export ASAN_OPTIONS=detect_leaks=0
fi
pt() {
	local pw=$1; shift
	printf '%s\n' "$pw" | LD_PRELOAD="$preload" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$PAM_CONFDIR" pamtester authd-test "$@" >"$dir/out" 2>&1
}

pt Pamtester-Pass-1 pia authenticate acct_mgmt open_session close_session ||
    fail "right password refused"
grep -q "successfully authenticated" "$dir/out" || fail "no success shown"
grep -q "Authorised use only" "$dir/out" || fail "no banner before login"
grep -q "This is your first login" "$dir/out" || fail "no first-login notice"
ok "right password: authenticated, account valid, session opened and closed"

pt Pamtester-Pass-1 pia authenticate || fail "second login refused"
grep -q "Last login: .* from " "$dir/out" || fail "last login not shown"
grep -q "Last logout: " "$dir/out" || fail "last logout not shown"
ok "second login shows the last login and logout"

pt Wrong-Password-1 pia authenticate && fail "wrong password accepted"
grep -q "Authentication failure" "$dir/out" || fail "wrong password: no failure shown"
sed 's/pia/USER/g' "$dir/out" > "$dir/wrong"
ok "wrong password refused"

pt Wrong-Password-1 nobody-here authenticate && fail "unknown user accepted"
sed 's/nobody-here/USER/g' "$dir/out" > "$dir/unknown"
cmp -s "$dir/wrong" "$dir/unknown" || { diff "$dir/wrong" "$dir/unknown"; fail "unknown user looks different from a wrong password"; }
ok "unknown user looks exactly like a wrong password"

grep -q "event=authenticate .*user=nobody-here .*reason=unknown" "$AUTHD_AUDIT_LOG" ||
    fail "audit log does not name the unknown user"
"$AUTHD_BUILDDIR/authctl/authctl" audit verify "$AUTHD_AUDIT_LOG" >"$dir/out" 2>&1 ||
    fail "audit chain does not verify"
ok "audit log tells them apart and its chain verifies"

# The shipped logrotate file (dist/), run for real on this authd's log: its
# paths and pid file are this test's, the rest as shipped.
if command -v logrotate >/dev/null; then
	lr=$AUTHD_BUILDDIR/dist/logrotate.d/authd
	sed -e "s|^[^ ]*/audit\.log {|$AUTHD_AUDIT_LOG {|" \
	    -e "s|cat [^)]*/authd\.pid|cat $dir/authd.pid|" "$lr" > "$dir/logrotate.conf"
	grep -q "^$AUTHD_AUDIT_LOG {" "$dir/logrotate.conf" &&
	    grep -q "kill -USR1 \"\$(cat $dir/authd.pid)\"" "$dir/logrotate.conf" ||
	    fail "the paths of $lr are not where this test expects them"
	before=$(grep -c . "$AUTHD_AUDIT_LOG")
	logrotate -f -s "$dir/logrotate.state" "$dir/logrotate.conf" >"$dir/out" 2>&1 ||
	    fail "logrotate with the shipped file"
	[ "$(grep -c . "$AUTHD_AUDIT_LOG.1")" = "$before" ] || fail "the log was not renamed whole"
	pt Pamtester-Pass-1 pia authenticate || fail "login after the rotation refused"
	grep -q "event=audit_continue .*prev_file_seq=" "$AUTHD_AUDIT_LOG" ||
	    fail "authd did not go on in the new log"
	grep -q "event=authenticate .*user=pia .*result=success" "$AUTHD_AUDIT_LOG" ||
	    fail "the login after the rotation is not in the new log"
	"$AUTHD_BUILDDIR/authctl/authctl" audit verify "$AUTHD_AUDIT_LOG" >"$dir/out" 2>&1 &&
	    "$AUTHD_BUILDDIR/authctl/authctl" audit verify "$AUTHD_AUDIT_LOG.1" >"$dir/out" 2>&1 ||
	    fail "a rotated log does not verify"
	ok "the shipped logrotate file rotates the log; authd goes on in the new one"
else
	echo "skip: logrotate missing (scripts/install-deps --test): the shipped logrotate file not run"
fi
echo "pamtester: all checks passed"
