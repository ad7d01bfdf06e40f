# Integration tests: real slapd + authd + libpam (see tests/lib/itest.h).
check_LTLIBRARIES += tests/libitest.la
tests_libitest_la_SOURCES = tests/lib/itest.c tests/lib/itest.h
tests_libitest_la_LIBADD = $(PAM_LIBS)

check_PROGRAMS += tests/test_login
tests_test_login_SOURCES = tests/test_login.c
tests_test_login_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_login_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS)
TESTS += tests/test_login

# The integration tests find the scripts in the source tree and the programs
# in the build tree.
AM_TESTS_ENVIRONMENT = \
	AUTHD_SRCDIR='$(abs_top_srcdir)'; export AUTHD_SRCDIR; \
	AUTHD_BUILDDIR='$(abs_top_builddir)'; export AUTHD_BUILDDIR;
EXTRA_DIST += scripts/authd-local

TESTS += tests/pamtester.sh
EXTRA_DIST += tests/pamtester.sh
