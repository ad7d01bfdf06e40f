# pam_module/: pam_authd.so. The logic lives in a convenience library that
# tests link; the module itself is only the pam_sm_* entry points and
# exports nothing else (export.sym, checked by tests/dlsym_check).
noinst_LTLIBRARIES += pam_module/libpam_authd_impl.la
pam_module_libpam_authd_impl_la_SOURCES = \
	pam_module/pam_authd.h \
	pam_module/options.c \
	pam_module/request.c \
	pam_module/conversation.c \
	pam_module/env.c \
	pam_module/stages.c
pam_module_libpam_authd_impl_la_CFLAGS = $(AM_CFLAGS) -fPIC

pammod_LTLIBRARIES = pam_module/pam_authd.la
pam_module_pam_authd_la_SOURCES = pam_module/pam_authd.c
pam_module_pam_authd_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-Wl,--version-script=$(top_srcdir)/pam_module/export.sym
pam_module_pam_authd_la_LIBADD = pam_module/libpam_authd_impl.la \
	libauthd_common.la $(PAM_LIBS)
EXTRA_pam_module_pam_authd_la_DEPENDENCIES = $(top_srcdir)/pam_module/export.sym
EXTRA_DIST += pam_module/export.sym
