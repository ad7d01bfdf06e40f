# common/: the convenience library every program and test links.
noinst_LTLIBRARIES += libauthd_common.la
libauthd_common_la_SOURCES = \
	common/err.c common/err.h \
	common/buf.c common/buf.h \
	common/proto.c common/proto.h \
	common/secret.c common/secret.h \
	common/log.c common/log.h \
	common/conf.c common/conf.h \
	common/audit.c common/audit.h \
	common/client.c common/client.h
libauthd_common_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) -fPIC
libauthd_common_la_LIBADD = $(CRYPTO_LIBS)
