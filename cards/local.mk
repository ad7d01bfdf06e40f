# cards/: the IC card lifecycle — the state table (card_state, pure C) and
# the CRL of cards no longer valid (card_crl, OpenSSL). authctl links it;
# tests/test_card_state walks the table.
noinst_LTLIBRARIES += libauthd_cards.la
libauthd_cards_la_SOURCES = \
	cards/card_state.c cards/card_state.h \
	cards/card_crl.c cards/card_crl.h
libauthd_cards_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
libauthd_cards_la_LIBADD = $(CRYPTO_LIBS)
