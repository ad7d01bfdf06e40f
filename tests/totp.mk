# TOTP: unit tests of authd/totp.c, and logins with password + code end to end.
check_PROGRAMS += tests/test_totp
TESTS += tests/test_totp
tests_test_totp_SOURCES = tests/test_totp.c
tests_test_totp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/authd
tests_test_totp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_totp_LDADD = libauthd_totp.la libauthd_common.la $(OATH_LIBS) \
	$(CRYPTO_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/test_totp_login
TESTS += tests/test_totp_login
tests_test_totp_login_SOURCES = tests/test_totp_login.c
tests_test_totp_login_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_totp_login_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS)
