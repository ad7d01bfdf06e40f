# authd/: the IC card verifier (verifier_card). Include from authd/local.mk
# once the v2 verifier interface is in (verify_card.c is written against it).
libauthd_daemon_la_SOURCES += authd/card.c authd/card.h \
	authd/dir_card.c authd/dir_card.h authd/verify_card.c
libauthd_daemon_la_CFLAGS += $(LDAP_CFLAGS) $(CRYPTO_CFLAGS)
