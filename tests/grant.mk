# Privileged IDs (issue 6): the grant evaluation and the privileged-account
# rules as units (test_grant), and logins of privileged accounts through real
# slapd + authd + libpam with grants made by authctl as the people who act
# (test_grant_login).
check_PROGRAMS += tests/test_grant
TESTS += tests/test_grant
tests_test_grant_SOURCES = tests/test_grant.c
tests_test_grant_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/authd $(CHECK_CFLAGS) \
	$(LDAP_CFLAGS) -pthread
tests_test_grant_LDADD = libauthd_dir.la libauthd_common.la $(CHECK_LIBS) \
	$(LDAP_LIBS) $(CRYPTO_LIBS) -lpthread

check_PROGRAMS += tests/test_grant_login
TESTS += tests/test_grant_login
tests_test_grant_login_SOURCES = tests/test_grant_login.c
tests_test_grant_login_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_grant_login_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS)
EXTRA_tests_test_grant_login_DEPENDENCIES = pam_module/pam_authd.la \
	authctl/authctl$(EXEEXT) authd/authd$(EXEEXT)
