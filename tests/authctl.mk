# tests/: authctl against a private slapd (ldap_schema/authd-slapd --demo).
# Needs root and slapd; skips (77) otherwise.
TESTS += tests/authctl-users.sh
EXTRA_DIST += tests/authctl-users.sh tests/lib/authctl-test.sh

# authctl's help and usage errors: no directory, no privilege.
TESTS += tests/authctl-cli.sh
EXTRA_DIST += tests/authctl-cli.sh
