# bench/: measured figures, not tests. See bench/README.md.
noinst_PROGRAMS += bench/bench_login
bench_bench_login_SOURCES = bench/bench_login.c
bench_bench_login_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) -pthread
bench_bench_login_LDADD = $(LDAP_LIBS) $(PAM_LIBS) -lpthread
EXTRA_DIST += bench/run-login-bench bench/README.md

# bench_nss: getpwnam() through libnss_authd.so.2 beside files and raw LDAP.
noinst_PROGRAMS += bench/bench_nss
bench_bench_nss_SOURCES = bench/bench_nss.c
bench_bench_nss_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) -pthread
bench_bench_nss_LDADD = $(LDAP_LIBS) -ldl -lpthread
EXTRA_DIST += bench/run-nss-bench
