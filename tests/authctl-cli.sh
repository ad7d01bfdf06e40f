#!/bin/bash
# authctl's command line, where no directory is needed: help and usage
# errors. Runs as anyone; the config named (-c) does not exist, so that
# whatever reads it fails and shows.
set -u

srcdir=${AUTHD_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${AUTHD_BUILDDIR:-$PWD}
AUTHCTL=$builddir/authctl/authctl
[ -x "$AUTHCTL" ] || { echo "FAIL: $AUTHCTL not built"; exit 1; }

DIR=$(mktemp -d /tmp/actl-cli.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
. "$srcdir/tests/lib/authctl-test.sh"
NOCONF=(-c "$DIR/no-such.conf")

# Every command answers --help and -h before it reads the config.
commands=$("$AUTHCTL" help | sed -n 's/^  \([a-z0-9]\+\) \([a-z0-9-]\+\)\( .*\)\{0,1\}$/\1 \2/p')
[ "$(printf '%s\n' "$commands" | wc -l)" -gt 30 ] ||
    fail "authctl help lists too few commands: $commands"
while read -r group name; do
	run me "${NOCONF[@]}" "$group" "$name" --help
	expect 0 "usage: authctl [global options] $group $name" "$group $name --help"
	run me "${NOCONF[@]}" "$group" "$name" -h
	expect 0 "usage: authctl [global options] $group $name" "$group $name -h"
done <<<"$commands"

# An option's value that reads -h or --help is a value: the command goes on
# (to the config it cannot read) instead of printing help.
run me "${NOCONF[@]}" user disable bob --reason -h
expect 1 "cannot read $DIR/no-such.conf" "user disable --reason -h: -h is the reason"
run me "${NOCONF[@]}" card lost 0A1B --reason --help
expect 1 "cannot read $DIR/no-such.conf" "card lost --reason --help: --help is the reason"
run me "${NOCONF[@]}" user add bob --name -h
expect 1 "cannot read $DIR/no-such.conf" "user add --name -h: -h is the name"
# after a value, --help is an option again
run me "${NOCONF[@]}" user disable bob --reason x --help
expect 0 "usage: authctl [global options] user disable" "--help after --reason x"

# authctl help GROUP tells the group's commands, as authctl GROUP lists them.
run me help audit
expect 0 "usage: authctl [global options] audit verify [--checkpoints] FILE" \
    "help audit: the group's command"
expect 0 "check the hash chain of an audit log" "help audit: with its summary"
run me help user
[ "$rc" -eq 0 ] && [ "$(grep -c '^usage: authctl \[global options\] user ' "$DIR/out")" -eq 8 ] &&
    ok "help user: all eight user commands" || fail "help user (exit $rc): $out$err"
run me help nosuch
expect 2 'no command group "nosuch"' "help of an unknown group"
run me help audit nosuch
expect 2 'no command "audit nosuch"' "help of an unknown command"
run me help audit verify x
expect 2 "authctl help: too many arguments" "help with an argument too many"
[[ "$err" != *'no command "audit verify"'* ]] && ok "help does not deny audit verify" ||
    fail "help audit verify x: $err"

# getopt's messages name the command as it was typed.
run me "${NOCONF[@]}" user add bob --name
expect 2 "authctl user add: option '--name' requires an argument" \
    "a missing option argument names authctl user add"
run me "${NOCONF[@]}" card list --bogus
expect 2 "authctl card list: unrecognized option '--bogus'" \
    "an unknown option names authctl card list"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all authctl command line checks passed"
