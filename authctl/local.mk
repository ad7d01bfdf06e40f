# authctl/: the administrators' command line tool (admins are not root: bindir).
bin_PROGRAMS += authctl/authctl
authctl_authctl_SOURCES = \
	authctl/authctl.h \
	authctl/main.c \
	authctl/conn.c authctl/conn.h \
	authctl/opts.c authctl/opts.h \
	authctl/value.c authctl/value.h \
	authctl/mods.c authctl/mods.h \
	authctl/record.c \
	authctl/user_add.c \
	authctl/user_show.c \
	authctl/user_state.c \
	authctl/user_passwd.c \
	authctl/password_gen.c authctl/password_gen.h \
	authctl/audit_cmd.c
authctl_authctl_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS)
authctl_authctl_LDADD = libauthd_audit.la libauthd_common.la $(LDAP_LIBS)
# authctl totp: TOTP tokens (the seed crypto of authd/totp.c; QR codes).
authctl_authctl_SOURCES += authctl/totp.c authctl/cmd_totp.h
authctl_authctl_CFLAGS += $(QRENCODE_CFLAGS)
authctl_authctl_LDADD += libauthd_totp.la libauthd_common.la $(OATH_LIBS) \
	$(CRYPTO_LIBS) $(QRENCODE_LIBS)
# authctl card: IC card registration (the certificate checks of authd/card.c).
authctl_authctl_SOURCES += authctl/card.c authctl/cmd_card.h authd/card.c authd/card.h
authctl_authctl_LDADD += $(CRYPTO_LIBS)
# authctl card issue/activate/suspend/.../crl: the lifecycle (cards/).
authctl_authctl_SOURCES += authctl/card_int.h authctl/card_life.c authctl/card_report.c
authctl_authctl_LDADD += libauthd_cards.la $(CRYPTO_LIBS)
# authctl fido2: FIDO2 security keys (the key through pam_module/fido2_dev.c,
# the AAGUID helpers of authd/fido2.c).
authctl_authctl_SOURCES += authctl/fido2.c authctl/fido2_model.c \
	authctl/cmd_fido2.h
authctl_authctl_CFLAGS += $(FIDO2_CFLAGS)
authctl_authctl_LDADD += pam_module/libfido2dev.la libauthd_fido2.la \
	$(FIDO2_LIBS) $(CRYPTO_LIBS)
# authctl grant: requests, approvals and reports of privileged roles.
authctl_authctl_SOURCES += authctl/grant.c authctl/cmd_grant.h
# authctl session list: the host's sessions as authd keeps them.
authctl_authctl_SOURCES += authctl/session.c authd/session_store.c \
	authd/session.c authd/proc_kill.c
# authctl user add refuses default names (authd/privileged.c, pure).
authctl_authctl_SOURCES += authd/privileged.c authd/privileged.h
