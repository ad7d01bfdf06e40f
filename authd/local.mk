# authd/: the daemon. Its code is a convenience library so that tests link
# the same objects; dir.c (the directory) is one of its own.
noinst_LTLIBRARIES += libauthd_dir.la libauthd_daemon.la

libauthd_dir_la_SOURCES = authd/dir.c authd/dir.h \
	authd/dir_nss.c authd/dir_nss.h
libauthd_dir_la_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) -pthread
libauthd_dir_la_LIBADD = $(LDAP_LIBS)

libauthd_daemon_la_SOURCES = \
	authd/checkpoint.c authd/checkpoint.h \
	authd/server.h authd/server.c \
	authd/loop.c authd/loop.h \
	authd/conn.c authd/conn.h \
	authd/user_rate.c authd/user_rate.h \
	authd/worker.c authd/worker.h \
	authd/bind_async.c authd/bind_async.h \
	authd/job.c authd/job.h \
	authd/auth.c authd/auth.h \
	authd/decide.h authd/decide_auth.c authd/decide_session.c \
	authd/verifier.h authd/verify_password.c \
	authd/mailbox.c authd/mailbox.h \
	authd/session.c authd/session.h \
	authd/session_store.c authd/session_store.h \
	authd/login_ids.c authd/login_ids.h \
	authd/grace_hold.c authd/grace_hold.h \
	authd/messages.c authd/messages.h \
	authd/nss_server.c authd/nss_server.h \
	authd/privdrop.c authd/privdrop.h
libauthd_daemon_la_CFLAGS = $(AM_CFLAGS) -pthread

sbin_PROGRAMS += authd/authd
authd_authd_SOURCES = authd/main.c
authd_authd_CFLAGS = $(AM_CFLAGS) -pthread
authd_authd_LDADD = libauthd_daemon.la libauthd_dir.la libauthd_audit.la libauthd_common.la \
	$(LDAP_LIBS) $(CRYPTO_LIBS) -lpthread

noinst_PROGRAMS += authd/dir_probe
authd_dir_probe_SOURCES = authd/dir_probe.c
authd_dir_probe_CFLAGS = $(AM_CFLAGS) -pthread
authd_dir_probe_LDADD = libauthd_dir.la libauthd_common.la $(LDAP_LIBS) \
	$(CRYPTO_LIBS) -lpthread

# The in-memory view of the people entries (persistent search, view.c) and
# the login path's lookup that prefers it (account.c).
libauthd_dir_la_SOURCES += authd/view.c authd/view.h \
	authd/sync.c authd/sync.h
libauthd_daemon_la_SOURCES += authd/account.c authd/account.h

# Multi-factor login: the policies in the directory (policy.c) and the table
# of every verifier (verifiers.c).
libauthd_dir_la_SOURCES += authd/policy.c authd/policy.h
libauthd_daemon_la_SOURCES += authd/verifiers.c

# TOTP (authd/totp.h): the codes and the seed crypto, shared with authctl and
# the tests; the token in the directory (dir_totp.c); the verifier.
noinst_LTLIBRARIES += libauthd_totp.la
libauthd_totp_la_SOURCES = authd/totp.c authd/totp.h \
	authd/key_file.c authd/key_file.h
libauthd_totp_la_CFLAGS = $(AM_CFLAGS) $(OATH_CFLAGS) $(CRYPTO_CFLAGS) -pthread
libauthd_totp_la_LIBADD = $(OATH_LIBS) $(CRYPTO_LIBS)
libauthd_dir_la_SOURCES += authd/dir_totp.c authd/dir_totp.h
libauthd_daemon_la_SOURCES += authd/verify_totp.c
authd_authd_LDADD += libauthd_totp.la libauthd_common.la $(OATH_LIBS) $(CRYPTO_LIBS)
libauthd_daemon_la_SOURCES += authd/plan.c authd/plan.h
# Decoy plans drawn from the real ones (decoy.h); log() from libm.
libauthd_daemon_la_SOURCES += authd/decoy.c authd/decoy.h
# Decoys lock as people do (decoy_lock.h), under the default password
# policy read from the directory (ppolicy.c).
libauthd_daemon_la_SOURCES += authd/decoy_lock.c authd/decoy_lock.h
libauthd_dir_la_SOURCES += authd/ppolicy.c authd/ppolicy.h
libauthd_daemon_la_LIBADD = -lm

# FIDO2 (authd/fido2.h): assertion verification with libfido2 (fido2.c,
# shared with authctl and the tests), the credentials in the directory
# (dir_fido2.c), the verifier.
noinst_LTLIBRARIES += libauthd_fido2.la
libauthd_fido2_la_SOURCES = authd/fido2.c authd/fido2.h
libauthd_fido2_la_CFLAGS = $(AM_CFLAGS) $(FIDO2_CFLAGS) $(CRYPTO_CFLAGS)
libauthd_fido2_la_LIBADD = $(FIDO2_LIBS) $(CRYPTO_LIBS)
libauthd_dir_la_SOURCES += authd/dir_fido2.c
libauthd_daemon_la_SOURCES += authd/verify_fido2.c
authd_authd_LDADD += libauthd_fido2.la $(FIDO2_LIBS)

# The IC card (authd/card.h): certificate chain, registration and signature
# checks (card.c), the cards in the directory (dir_card.c), the verifier.
include authd/card.mk

# Sessions that end on time (issue 6): deadlines, idle timeouts and warnings
# (deadline.c), and the grants followed by a persistent search so that a
# revoked or shortened grant ends its sessions (grant_view.c).
libauthd_daemon_la_SOURCES += authd/deadline.c authd/deadline.h \
	authd/grant_view.c authd/grant_view.h

# Privileged accounts (issue 6): grants of privileged roles honoured from the
# directory (grant.c: loader + pure evaluation) and the rules that need no
# grant (privileged.c: default names, forced multi-factor login).
libauthd_dir_la_SOURCES += authd/grant.c authd/grant.h \
	authd/privileged.c authd/privileged.h
