# tests/schema.mk: ldap_schema/ (schema, overlays, ACLs, authd-slapd)
# against a real private slapd.  The script skips (77) without slapd.
TESTS += tests/schema-acl.sh
EXTRA_DIST += tests/schema-acl.sh
