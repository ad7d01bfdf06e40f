# common/: the convenience libraries every program and test links.
# libauthd_common has no dependency beyond libc, because pam_authd.so links it
# and every login program dlopen()s that module on each PAM transaction:
# pulling libcrypto in there cost more than the rest of a login.
noinst_LTLIBRARIES += libauthd_common.la libauthd_audit.la
libauthd_common_la_SOURCES = \
	common/err.c common/err.h \
	common/buf.c common/buf.h \
	common/proto.c common/proto.h \
	common/secret.c common/secret.h \
	common/log.c common/log.h \
	common/conf.c common/conf.h \
	common/client.c common/client.h \
	common/nss_proto.c common/nss_proto.h \
	common/pct.c common/pct.h
libauthd_common_la_CFLAGS = $(AM_CFLAGS) -fPIC

# The audit log (SHA-256 chain) for authd, authctl and the tests.
libauthd_audit_la_SOURCES = common/audit.c common/audit.h
libauthd_audit_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) -fPIC
libauthd_audit_la_LIBADD = libauthd_common.la $(CRYPTO_LIBS)
