# tests/: pam_authd.so on its own — its exported symbols, and the module
# driven by real libpam against a scripted fake authd inside the test.
PAM_AUTHD_SO_DEFINE = -DPAM_AUTHD_SO='"$(abs_top_builddir)/pam_module/.libs/pam_authd.so"'

check_PROGRAMS += tests/dlsym_check tests/test_pam_module
TESTS += tests/dlsym_check tests/test_pam_module

tests_dlsym_check_SOURCES = tests/dlsym_check.c tests/lib/exports.c tests/lib/exports.h
tests_dlsym_check_CPPFLAGS = $(AM_CPPFLAGS) $(PAM_AUTHD_SO_DEFINE)
tests_dlsym_check_LDADD = -ldl
EXTRA_tests_dlsym_check_DEPENDENCIES = pam_module/pam_authd.la \
	pam_module/pam_authd_fido2.la

tests_test_pam_module_SOURCES = tests/test_pam_module.c
tests_test_pam_module_CPPFLAGS = $(AM_CPPFLAGS) $(PAM_AUTHD_SO_DEFINE)
tests_test_pam_module_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
tests_test_pam_module_LDADD = pam_module/libpam_authd_impl.la libauthd_common.la \
	$(CHECK_LIBS) $(PAM_LIBS) -lpthread
EXTRA_tests_test_pam_module_DEPENDENCIES = pam_module/pam_authd.la \
	pam_module/pam_authd_fido2.la
