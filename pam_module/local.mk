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
	pam_module/ahead.c \
	pam_module/stages.c
pam_module_libpam_authd_impl_la_CFLAGS = $(AM_CFLAGS) -fPIC

pammod_LTLIBRARIES = pam_module/pam_authd.la
pam_module_pam_authd_la_SOURCES = pam_module/pam_authd.c
# -z nodelete: libpam loads the module for every handle and unloads it at
# pam_end; a program that starts many (a display manager, a gateway, the
# benchmark) then maps and relocates it once, not once per login. Its one
# process-wide state, the FIDO2 plugin's entry point (fido2_load.c, meant to
# be loaded once per process), now lives as long as the plugin it points
# into; what a login decides stays in its handle (pam_set_data).
pam_module_pam_authd_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-Wl,--version-script=$(top_srcdir)/pam_module/export.sym -Wl,-z,nodelete
pam_module_pam_authd_la_LIBADD = pam_module/libpam_authd_impl.la \
	libauthd_common.la $(PAM_LIBS)
EXTRA_pam_module_pam_authd_la_DEPENDENCIES = $(top_srcdir)/pam_module/export.sym
EXTRA_DIST += pam_module/export.sym

# The IC card step (card.c) runs its PKCS#11 work in a helper process, so
# that pam_authd.so links neither libp11 nor libcrypto and a stuck card
# reader is killed after card_timeout (pam_module/card_proto.h).
pam_module_libpam_authd_impl_la_SOURCES += pam_module/card.c pam_module/card_proto.h
pam_module_libpam_authd_impl_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPAMAUTHD_CARD_HELPER='"$(pkglibexecdir)/pam_authd_card"'
pkglibexec_PROGRAMS = pam_module/pam_authd_card
pam_module_pam_authd_card_SOURCES = pam_module/card_helper.c pam_module/card_proto.h
pam_module_pam_authd_card_CFLAGS = $(AM_CFLAGS) $(P11_CFLAGS) $(CRYPTO_CFLAGS)
pam_module_pam_authd_card_LDADD = $(P11_LIBS) $(CRYPTO_LIBS)

# The FIDO2_ASSERT step. fido2.c (in the module) reads the step, asks the
# PIN and answers authd; everything that calls libfido2 is in the plugin
# pam_authd_fido2.so (fido2_plugin.h), installed beside pam_authd.so and
# loaded by fido2_load.c on the first FIDO2 step, so that pam_authd.so links
# neither libfido2 nor libcrypto. fido2_dev.c finds the key (hidraw, or the
# unix: development transport of fido2_dev.h) for the plugin and authctl.
noinst_LTLIBRARIES += pam_module/libfido2dev.la
pam_module_libfido2dev_la_SOURCES = pam_module/fido2_dev.c pam_module/fido2_dev.h
pam_module_libfido2dev_la_CFLAGS = $(AM_CFLAGS) $(FIDO2_CFLAGS) -fPIC
pam_module_libfido2dev_la_LIBADD = $(FIDO2_LIBS)
pam_module_libpam_authd_impl_la_SOURCES += pam_module/fido2.c \
	pam_module/fido2_load.c pam_module/fido2_plugin.h

pammod_LTLIBRARIES += pam_module/pam_authd_fido2.la
pam_module_pam_authd_fido2_la_SOURCES = pam_module/fido2_plugin.c \
	pam_module/fido2_plugin.h
pam_module_pam_authd_fido2_la_CFLAGS = $(AM_CFLAGS) $(FIDO2_CFLAGS)
pam_module_pam_authd_fido2_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -Wl,--version-script=$(top_srcdir)/pam_module/fido2_plugin.sym
pam_module_pam_authd_fido2_la_LIBADD = pam_module/libfido2dev.la $(FIDO2_LIBS)
EXTRA_pam_module_pam_authd_fido2_la_DEPENDENCIES = \
	$(top_srcdir)/pam_module/fido2_plugin.sym
EXTRA_DIST += pam_module/fido2_plugin.sym
