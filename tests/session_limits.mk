# Sessions that end on time (issue 6): a real session tree on a pty warned
# and ended at its absolute limit and idle timeout; privileged sessions
# ended at their grant's end and on revocation. Real slapd, authd, libpam.
check_PROGRAMS += tests/test_session_limits
TESTS += tests/test_session_limits
tests_test_session_limits_SOURCES = tests/test_session_limits.c
tests_test_session_limits_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_session_limits_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS)
EXTRA_tests_test_session_limits_DEPENDENCIES = pam_module/pam_authd.la \
	authctl/authctl$(EXEEXT) authd/authd$(EXEEXT)
