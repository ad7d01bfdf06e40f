# ldap_schema/: the directory side of authd — schema (both forms), the
# private-slapd tool authd-slapd with its templates, and the password
# character-class module that slapd's ppolicy loads.
#
# Installed:
#   $(sbindir)/authd-slapd            (a copy that knows the paths below)
#   $(pkgdatadir)/schema/*            schema, templates, README
#   $(pkglibdir)/authd_pwcheck.so     for pwdCheckModule in a policy entry
# Tests and the demo run the source copy, ldap_schema/authd-slapd, which
# finds the templates beside itself and the module in the build tree.

schemadir = $(pkgdatadir)/schema
dist_schema_DATA = \
	ldap_schema/authd.schema \
	ldap_schema/authd.ldif \
	ldap_schema/slapd-config.ldif.in \
	ldap_schema/base.ldif.in \
	ldap_schema/demo.ldif.in \
	ldap_schema/README.md

authdslapddir = $(sbindir)
authdslapd_SCRIPTS = ldap_schema/installed/authd-slapd
EXTRA_DIST += ldap_schema/authd-slapd
CLEANFILES += ldap_schema/installed/authd-slapd

ldap_schema/installed/authd-slapd: $(top_srcdir)/ldap_schema/authd-slapd Makefile
	$(AM_V_GEN)$(MKDIR_P) ldap_schema/installed && \
	sed -e 's|^AUTHD_SCHEMA_DIR_DEFAULT=.*|AUTHD_SCHEMA_DIR_DEFAULT=$(schemadir)|' \
	    -e 's|^AUTHD_PWCHECK_DEFAULT=.*|AUTHD_PWCHECK_DEFAULT=$(authdmoddir)/authd_pwcheck.so|' \
	    $(top_srcdir)/ldap_schema/authd-slapd >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# A module slapd dlopen()s: no sanitizers (slapd is not built with them)
# and only check_password exported.
authdmoddir = $(pkglibdir)
authdmod_LTLIBRARIES = ldap_schema/pwcheck/authd_pwcheck.la
ldap_schema_pwcheck_authd_pwcheck_la_SOURCES = ldap_schema/pwcheck/authd_pwcheck.c
ldap_schema_pwcheck_authd_pwcheck_la_CPPFLAGS = $(LDAP_CFLAGS)
ldap_schema_pwcheck_authd_pwcheck_la_CFLAGS = $(WARN_CFLAGS)
ldap_schema_pwcheck_authd_pwcheck_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^check_password$$'
