# Multi-factor login policies (authd/policy.c, authd/plan.c): the grammar as
# units, and logins under policies through real slapd + authd + libpam.
check_PROGRAMS += tests/test_mfa_policy
tests_test_mfa_policy_SOURCES = tests/test_mfa_policy.c authd/plan.c
tests_test_mfa_policy_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/authd $(CHECK_CFLAGS) $(LDAP_CFLAGS) -pthread
tests_test_mfa_policy_LDADD = tests/libitest.la libauthd_dir.la libauthd_common.la \
	$(CHECK_LIBS) $(PAM_LIBS) $(LDAP_LIBS) $(CRYPTO_LIBS) -lpthread
TESTS += tests/test_mfa_policy

# Decoy plans drawn from real ones (authd/decoy.c): a unit test.
check_PROGRAMS += tests/test_decoy
TESTS += tests/test_decoy
tests_test_decoy_SOURCES = tests/test_decoy.c authd/decoy.c authd/decoy_lock.c
tests_test_decoy_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/authd -pthread
tests_test_decoy_LDADD = libauthd_common.la $(CRYPTO_LIBS) $(CHECK_LIBS) -lm -lpthread
