# Sourced by the shell tests that drive authctl against a private slapd
# (authctl-users.sh, card-register.sh, card-lifecycle.sh) and without one
# (authctl-cli.sh). Needs AUTHCTL and DIR set; attr and check read
# LDAPI_URI when called.

failures=0
ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }

# run WHO ARGS...: authctl as WHO (a uid number, or "root"; "me": whoever
# runs the test); sets out, err, rc.
run() {
	local who=$1
	shift
	if [ "$who" = root ] || [ "$who" = me ]; then
		"$AUTHCTL" "$@" >"$DIR/out" 2>"$DIR/err"
	else
		setpriv --reuid="$who" --regid="$who" --clear-groups \
		    "$AUTHCTL" "$@" >"$DIR/out" 2>"$DIR/err"
	fi
	rc=$?
	out=$(cat "$DIR/out")
	err=$(cat "$DIR/err")
}

# expect RC TEXT DESCRIPTION: last run exited RC and its output contains TEXT.
expect() {
	if [ "$rc" -eq "$1" ] && [[ "$out$err" == *"$2"* ]]; then
		ok "$3"
	else
		fail "$3 (exit $rc, wanted $1 and \"$2\")"
		printf '  stdout: %s\n  stderr: %s\n' "$out" "$err"
	fi
}

# attr DN ATTR: the values of ATTR read as root (the rootdn), one per line.
attr() {
	ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$LDAPI_URI" -b "$1" \
	    -s base "(objectClass=*)" "$2" | sed -n "s/^$2: //p"
}

# check DN ATTR VALUE WHAT: ATTR of DN is exactly VALUE.
check() {
	local v
	v=$(attr "$1" "$2")
	[ "$v" = "$3" ] && ok "$4" || fail "$4 ($2 is \"$v\", wanted \"$3\")"
}
