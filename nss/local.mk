# nss/: libnss_authd.so.2, the NSS module (passwd, group, initgroups) that asks
# authd over its NSS socket. Installed beside libc's own modules; exports only
# the _nss_authd_* functions (export.sym, checked by tests/nss_dlsym_check).
nsslibdir = $(libdir)
nsslib_LTLIBRARIES = nss/libnss_authd.la
nss_libnss_authd_la_SOURCES = nss/nss_authd.c nss/nss_authd.h \
	nss/nss_client.c nss/nss_client.h
nss_libnss_authd_la_CFLAGS = $(AM_CFLAGS) -fPIC -pthread
# -version-info 2:0:0 gives the soname libnss_authd.so.2 that glibc looks for.
nss_libnss_authd_la_LDFLAGS = $(AM_LDFLAGS) -shared -version-info 2:0:0 \
	-Wl,--version-script=$(top_srcdir)/nss/export.sym -Wl,-z,nodelete
nss_libnss_authd_la_LIBADD = libauthd_common.la -lpthread
EXTRA_nss_libnss_authd_la_DEPENDENCIES = $(top_srcdir)/nss/export.sym
EXTRA_DIST += nss/export.sym
