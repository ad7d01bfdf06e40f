# Revocation reaches every host (issue 5): lost, suspended and resumed
# cards, sessions ended with every process, a disabled account, two slapds in
# multi-provider replication with one authd each, a stale persistent search.
# Real slapd, authd, libpam, pam_authd.so and its card helper, SoftHSM2.
check_PROGRAMS += tests/test_revoke
TESTS += tests/test_revoke
tests_test_revoke_SOURCES = tests/test_revoke.c
tests_test_revoke_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_revoke_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS)
EXTRA_tests_test_revoke_DEPENDENCIES = pam_module/pam_authd.la \
	pam_module/pam_authd_card$(EXEEXT) authctl/authctl$(EXEEXT) \
	authd/authd$(EXEEXT)
