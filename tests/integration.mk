# Integration tests: real slapd + authd + libpam (see tests/lib/itest.h).
check_LTLIBRARIES += tests/libitest.la
tests_libitest_la_SOURCES = tests/lib/itest.c tests/lib/itest.h \
	tests/lib/proc_alive.c tests/lib/proc_alive.h
tests_libitest_la_LIBADD = $(PAM_LIBS)

# Preloaded into authd by test_login: fdatasync() fails on demand. Built
# without the sanitizers (it only forwards a call).
check_LTLIBRARIES += tests/failsync.la
tests_failsync_la_SOURCES = tests/lib/failsync.c
tests_failsync_la_CFLAGS = $(WARN_CFLAGS)
tests_failsync_la_LDFLAGS = -module -avoid-version -shared -rpath '$(abs_builddir)'
tests_failsync_la_LIBADD = -ldl

check_PROGRAMS += tests/test_login
tests_test_login_SOURCES = tests/test_login.c
tests_test_login_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_login_LDADD = tests/libitest.la libauthd_audit.la libauthd_common.la $(CHECK_LIBS) $(PAM_LIBS)
TESTS += tests/test_login

# authd as an account of its own (user =, authd/privdrop.h).
check_PROGRAMS += tests/test_privdrop
tests_test_privdrop_SOURCES = tests/test_privdrop.c
tests_test_privdrop_CPPFLAGS = $(AM_CPPFLAGS) $(NSS_AUTHD_SO_DEFINE)
tests_test_privdrop_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_privdrop_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS)
EXTRA_tests_test_privdrop_DEPENDENCIES = pam_module/pam_authd.la \
	nss/libnss_authd.la authd/authd$(EXEEXT)
TESTS += tests/test_privdrop

# The integration tests find the scripts in the source tree and the programs
# in the build tree.
AM_TESTS_ENVIRONMENT = \
	AUTHD_SRCDIR='$(abs_top_srcdir)'; export AUTHD_SRCDIR; \
	AUTHD_BUILDDIR='$(abs_top_builddir)'; export AUTHD_BUILDDIR;
EXTRA_DIST += scripts/authd-local

TESTS += tests/pamtester.sh
EXTRA_DIST += tests/pamtester.sh tests/tls-front.py
