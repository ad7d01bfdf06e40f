# Multi-factor login policies (authd/policy.c, authd/plan.c): the grammar as
# units, and logins under policies through real slapd + authd + libpam.
check_PROGRAMS += tests/test_mfa_policy
tests_test_mfa_policy_SOURCES = tests/test_mfa_policy.c authd/plan.c
tests_test_mfa_policy_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/authd $(CHECK_CFLAGS) $(LDAP_CFLAGS) -pthread
tests_test_mfa_policy_LDADD = tests/libitest.la libauthd_dir.la libauthd_common.la \
	$(CHECK_LIBS) $(PAM_LIBS) $(LDAP_LIBS) $(CRYPTO_LIBS) -lpthread
TESTS += tests/test_mfa_policy
