# tests/: authctl against a private slapd (ldap_schema/authd-slapd --demo).
# Needs root and slapd; skips (77) otherwise.
TESTS += tests/authctl-users.sh
EXTRA_DIST += tests/authctl-users.sh tests/lib/authctl-test.sh

# authctl's records (authctl/record.c): the syslog line, and a record the
# audit log does not take. Built from authctl's own source, no directory.
check_PROGRAMS += tests/test_authctl_record
TESTS += tests/test_authctl_record
tests_test_authctl_record_SOURCES = tests/test_authctl_record.c authctl/record.c
tests_test_authctl_record_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/authctl
tests_test_authctl_record_CFLAGS = $(unit_cflags) $(LDAP_CFLAGS)
tests_test_authctl_record_LDADD = $(unit_ldadd)

# authctl's help and usage errors: no directory, no privilege.
TESTS += tests/authctl-cli.sh
EXTRA_DIST += tests/authctl-cli.sh
