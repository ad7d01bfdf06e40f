# FIDO2: the software authenticator of the tests (tests/lib/softfido2, CBOR
# with libcbor: test-only, hence -lcbor here and not in configure), the
# verification of its assertions (unit), and logins through PAM with the
# module reaching it through libfido2 (integration).
check_LTLIBRARIES += tests/libsoftfido2.la
tests_libsoftfido2_la_SOURCES = tests/lib/softfido2.c tests/lib/softfido2.h
tests_libsoftfido2_la_CFLAGS = $(AM_CFLAGS) $(FIDO2_CFLAGS) $(CRYPTO_CFLAGS) -pthread
tests_libsoftfido2_la_LIBADD = -lcbor $(FIDO2_LIBS) $(CRYPTO_LIBS) -lpthread

check_PROGRAMS += tests/test_fido2
TESTS += tests/test_fido2
tests_test_fido2_SOURCES = tests/test_fido2.c
tests_test_fido2_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/authd -I$(top_srcdir)/tests/lib
tests_test_fido2_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(FIDO2_CFLAGS)
tests_test_fido2_LDADD = libauthd_fido2.la tests/libsoftfido2.la \
	libauthd_common.la $(FIDO2_LIBS) $(CRYPTO_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/test_fido2_login
TESTS += tests/test_fido2_login
tests_test_fido2_login_SOURCES = tests/test_fido2_login.c
tests_test_fido2_login_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib
tests_test_fido2_login_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(FIDO2_CFLAGS)
tests_test_fido2_login_LDADD = tests/libitest.la tests/libsoftfido2.la \
	libauthd_common.la $(FIDO2_LIBS) $(CHECK_LIBS) $(PAM_LIBS)

EXTRA_DIST += tests/lib/fido2-attestation.sh
