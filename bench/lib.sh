# shellcheck shell=bash
# Shell functions of the login benchmarks (run-login-bench, run-peer-bench).
# Sourced; the caller sets src (the source tree) and password.
# shellcheck disable=SC2154

# add_people DIR N [FIRST]: people benchFIRST..bench(FIRST+N-1), active, with
# the bench password, in the private directory of DIR (scripts/authd-local).
add_people() {
	local dir=$1 n=$2 first=${3:-0}
	eval "$("$src/scripts/authd-local" env "$dir")"
	python3 - "$BASE_DN" "$n" "$password" "$first" > "$dir/people.ldif" <<'PY'
import sys
base, n, pw, first = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for i in range(first, first + n):
    print(f"""dn: uid=bench{i},ou=people,{base}
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: authdAccount
uid: bench{i}
cn: Bench {i}
sn: Bench
uidNumber: {30000 + i}
gidNumber: {30000 + i}
homeDirectory: /home/bench{i}
authdAccountState: active
userPassword: {pw}
""")
PY
	ldapadd -c -Q -Y EXTERNAL -H "$LDAPI_URI" -f "$dir/people.ldif" >/dev/null
	# entries added by the directory's root may be marked "must change"
	python3 - "$BASE_DN" "$n" "$first" > "$dir/unreset.ldif" <<'PY'
import sys
base, n, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(first, first + n):
    print(f"dn: uid=bench{i},ou=people,{base}\nchangetype: modify\ndelete: pwdReset\n")
PY
	ldapmodify -c -Q -Y EXTERNAL -H "$LDAPI_URI" -f "$dir/unreset.ldif" >/dev/null 2>&1 || true
}

# The logins/s figure of one bench_login line.
rate_of() { sed -n 's/.*logins\/s=\([0-9]*\).*/\1/p' <<<"$1"; }
# The rate of one bench_login line as a percentage of another's, one decimal.
rate_ratio() {
	local pam raw
	pam=$(rate_of "$1"); raw=$(rate_of "$2")
	[ -n "$pam" ] && [ -n "$raw" ] && [ "$raw" -gt 0 ] || { echo "?"; return; }
	awk -v p="$pam" -v r="$raw" 'BEGIN { printf "%.1f%%", 100 * p / r }'
}
