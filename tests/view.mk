# authd's in-memory view of the directory (persistent search): real slapd +
# authd + libpam, like tests/integration.mk.
check_PROGRAMS += tests/test_view
tests_test_view_SOURCES = tests/test_view.c
tests_test_view_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_view_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS)
TESTS += tests/test_view
