# authd/: the IC card verifier (verifier_card). Include from authd/local.mk
# once the v2 verifier interface is in (verify_card.c is written against it).
libauthd_daemon_la_SOURCES += authd/card.c authd/card.h \
	authd/dir_card.c authd/dir_card.h authd/verify_card.c
libauthd_daemon_la_CFLAGS += $(LDAP_CFLAGS) $(CRYPTO_CFLAGS)

# Revocation reaches every host (issue 5): the view of cards (a second
# persistent search), ending the sessions that depended on a revoked card or
# account (revoke.c), and finding a session's processes (proc_kill.c).
libauthd_daemon_la_SOURCES += authd/card_view.c authd/card_view.h \
	authd/revoke.c authd/revoke.h authd/proc_kill.c authd/proc_kill.h
