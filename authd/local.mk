# authd/: the daemon. Its code is a convenience library so that tests link
# the same objects; dir.c (the directory) is one of its own.
noinst_LTLIBRARIES += libauthd_dir.la libauthd_daemon.la

libauthd_dir_la_SOURCES = authd/dir.c authd/dir.h \
	authd/dir_nss.c authd/dir_nss.h
libauthd_dir_la_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) -pthread
libauthd_dir_la_LIBADD = $(LDAP_LIBS)

libauthd_daemon_la_SOURCES = \
	authd/server.h authd/server.c \
	authd/loop.c authd/loop.h \
	authd/conn.c authd/conn.h \
	authd/worker.c authd/worker.h \
	authd/job.c authd/job.h \
	authd/auth.c authd/auth.h \
	authd/decide.h authd/decide_auth.c authd/decide_session.c \
	authd/verifier.h authd/verify_password.c \
	authd/session.c authd/session.h \
	authd/login_ids.c authd/login_ids.h \
	authd/messages.c authd/messages.h \
	authd/nss_server.c authd/nss_server.h
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
libauthd_dir_la_SOURCES += authd/view.c authd/view.h
libauthd_daemon_la_SOURCES += authd/account.c authd/account.h
