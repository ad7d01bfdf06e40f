#!/bin/bash
# The systemd unit of dist/ as systemd reads it: systemd-analyze verify
# finds nothing to say of it (its ExecStart pointed at the built authd, the
# only change), and it says what authd needs. The logrotate file is run
# for real by tests/pamtester.sh.
set -uo pipefail
export AUTHD_BUILDDIR=${AUTHD_BUILDDIR:-$PWD}
command -v systemd-analyze >/dev/null ||
    { echo "SKIP: systemd-analyze missing (scripts/install-deps --test)"; exit 77; }
unit=$AUTHD_BUILDDIR/dist/authd.service
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
[ -f "$unit" ] || fail "$unit was not made"

dir=$(mktemp -d /tmp/du.XXXXXX)
trap 'rm -rf "$dir"' EXIT
# the installed path of authd, as configure made it, becomes the built one
sbin=$(sed -n 's|^ExecStart=\([^ ]*\)/authd .*|\1|p' "$unit")
[ -n "$sbin" ] || fail "no ExecStart=.../authd in $unit"
sed "s|$sbin/authd |$AUTHD_BUILDDIR/authd/authd |" "$unit" > "$dir/authd.service"
grep -q "^ExecStartPre=$AUTHD_BUILDDIR/authd/authd -t$" "$dir/authd.service" ||
    fail "ExecStartPre is not authd -t"
out=$(cd "$dir" && systemd-analyze verify --man=no ./authd.service 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] ||
    fail "systemd-analyze verify (exit $rc) said: $out"
ok "systemd-analyze verify has nothing to say"

# what authd does as root, and nothing more (authd.conf(5), user)
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$caps" = "CAP_CHOWN CAP_DAC_OVERRIDE CAP_KILL CAP_SETGID CAP_SETPCAP CAP_SETUID " ] ||
    fail "capabilities: $caps"
grep -q '^Type=forking$' "$unit" && grep -q "^PIDFile=$(sed -n 's|^ExecStart=.* -p ||p' "$unit")$" "$unit" ||
    fail "Type=forking with the pid file authd writes"
grep -q "^ReadWritePaths=.*-[^ ]*/lib/authd -[^ ]*/log/authd -[^ ]*/authd$" "$unit" ||
    fail "ReadWritePaths: the state folder, the log's, the sockets'"
ok "forking with its pid file, six capabilities, its folders writable"
