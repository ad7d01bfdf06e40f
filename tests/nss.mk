# tests/: libnss_authd.so.2 — its exported symbols, the module against a fake
# authd (malformed answers), and end to end against a private slapd + authd.
NSS_AUTHD_SO_DEFINE = -DNSS_AUTHD_SO='"$(abs_top_builddir)/nss/.libs/libnss_authd.so.2"'

check_PROGRAMS += tests/nss_dlsym_check tests/test_nss_module tests/test_nss
TESTS += tests/nss_dlsym_check tests/test_nss_module tests/test_nss

tests_nss_dlsym_check_SOURCES = tests/nss_dlsym_check.c tests/lib/exports.c tests/lib/exports.h
tests_nss_dlsym_check_CPPFLAGS = $(AM_CPPFLAGS) $(NSS_AUTHD_SO_DEFINE)
tests_nss_dlsym_check_LDADD = -ldl
EXTRA_tests_nss_dlsym_check_DEPENDENCIES = nss/libnss_authd.la

tests_test_nss_module_SOURCES = tests/test_nss_module.c
tests_test_nss_module_CPPFLAGS = $(AM_CPPFLAGS) $(NSS_AUTHD_SO_DEFINE)
tests_test_nss_module_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
tests_test_nss_module_LDADD = libauthd_common.la $(CHECK_LIBS) -ldl -lpthread
EXTRA_tests_test_nss_module_DEPENDENCIES = nss/libnss_authd.la

tests_test_nss_SOURCES = tests/test_nss.c
tests_test_nss_CPPFLAGS = $(AM_CPPFLAGS) $(NSS_AUTHD_SO_DEFINE)
tests_test_nss_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_nss_LDADD = tests/libitest.la $(CHECK_LIBS) $(PAM_LIBS) -ldl
EXTRA_tests_test_nss_DEPENDENCIES = nss/libnss_authd.la authd/authd
