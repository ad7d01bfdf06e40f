# tests/: the IC card factor. test_card: authd/card.c's verdicts with keys,
# CAs and certificates made by OpenSSL in the test (no directory, no token).
# test_card_login: a SoftHSM2 token made by tests/lib/card-setup.sh, the
# real pam_authd.so and its card helper, slapd and authd (needs the
# multi-factor engine; skips itself until the card verifier is in authd).
check_PROGRAMS += tests/test_card
TESTS += tests/test_card
tests_test_card_SOURCES = tests/test_card.c authd/card.c authd/card.h
tests_test_card_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_card_LDADD = libauthd_common.la $(CHECK_LIBS) $(CRYPTO_LIBS)

check_PROGRAMS += tests/test_card_login
TESTS += tests/test_card_login
tests_test_card_login_SOURCES = tests/test_card_login.c
tests_test_card_login_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_card_login_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS)
EXTRA_tests_test_card_login_DEPENDENCIES = pam_module/pam_authd.la \
	pam_module/pam_authd_card$(EXEEXT) authctl/authctl$(EXEEXT)
EXTRA_DIST += tests/lib/card-setup.sh

# authctl card register/list/show against a real slapd.
TESTS += tests/card-register.sh
EXTRA_DIST += tests/card-register.sh
