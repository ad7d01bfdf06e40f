# bench/: measured figures, not tests. See bench/README.md.
noinst_PROGRAMS += bench/bench_login
bench_bench_login_SOURCES = bench/bench_login.c
bench_bench_login_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) -pthread
bench_bench_login_LDADD = $(LDAP_LIBS) $(PAM_LIBS) -lpthread
EXTRA_DIST += bench/run-login-bench bench/README.md bench/first_prompt.py \
	bench/lib.sh bench/run-peer-bench

# bench_nss: getpwnam() through libnss_authd.so.2 beside files and raw LDAP.
noinst_PROGRAMS += bench/bench_nss
bench_bench_nss_SOURCES = bench/bench_nss.c
bench_bench_nss_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) -pthread
bench_bench_nss_LDADD = $(LDAP_LIBS) -ldl -lpthread
EXTRA_DIST += bench/run-nss-bench

# bench_mfa: password + TOTP and password + card logins (run-mfa-bench).
noinst_PROGRAMS += bench/bench_mfa
bench_bench_mfa_SOURCES = bench/bench_mfa.c
bench_bench_mfa_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/authd
bench_bench_mfa_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) -pthread
bench_bench_mfa_LDADD = libauthd_totp.la libauthd_common.la $(OATH_LIBS) \
	$(CRYPTO_LIBS) $(PAM_LIBS) -lpthread
EXTRA_DIST += bench/run-mfa-bench

# bench_revoke: revocation latency, same host and across two replicating
# directories (run-revoke-bench).
noinst_PROGRAMS += bench/bench_revoke
bench_bench_revoke_SOURCES = bench/bench_revoke.c bench/answers.c bench/answers.h \
	tests/lib/proc_alive.c
bench_bench_revoke_CFLAGS = $(AM_CFLAGS)
bench_bench_revoke_LDADD = $(PAM_LIBS)
EXTRA_DIST += bench/run-revoke-bench

# bench_session: session end precision, from a grant's end to the end of its
# session's last process (run-session-bench).
noinst_PROGRAMS += bench/bench_session
bench_bench_session_SOURCES = bench/bench_session.c bench/answers.c bench/answers.h \
	tests/lib/proc_alive.c
bench_bench_session_CFLAGS = $(AM_CFLAGS) $(OATH_CFLAGS)
bench_bench_session_LDADD = $(OATH_LIBS) $(PAM_LIBS)
EXTRA_DIST += bench/run-session-bench

# bench_floor: the machine's wakeup round trip and fdatasync latency, the
# floor under every figure above (bench/README.md).
noinst_PROGRAMS += bench/bench_floor
bench_bench_floor_SOURCES = bench/bench_floor.c
bench_bench_floor_CFLAGS = $(AM_CFLAGS) -pthread
bench_bench_floor_LDADD = -lpthread
