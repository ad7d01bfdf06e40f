# tests/: the IC card lifecycle. test_card_state walks the state table of
# cards/ (no directory); card-lifecycle.sh drives authctl card ... against a
# real private slapd with certificates from tests/lib/card-setup.sh.
check_PROGRAMS += tests/test_card_state
TESTS += tests/test_card_state
tests_test_card_state_SOURCES = tests/test_card_state.c
tests_test_card_state_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_card_state_LDADD = libauthd_cards.la $(CHECK_LIBS)

TESTS += tests/card-lifecycle.sh
EXTRA_DIST += tests/card-lifecycle.sh
