# authctl/: the administrators' command line tool (admins are not root: bindir).
bin_PROGRAMS += authctl/authctl
authctl_authctl_SOURCES = \
	authctl/authctl.h \
	authctl/main.c \
	authctl/conn.c authctl/conn.h \
	authctl/opts.c authctl/opts.h \
	authctl/value.c authctl/value.h \
	authctl/mods.c authctl/mods.h \
	authctl/record.c \
	authctl/user_add.c \
	authctl/user_show.c \
	authctl/user_state.c \
	authctl/user_passwd.c \
	authctl/audit_cmd.c
authctl_authctl_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS)
authctl_authctl_LDADD = libauthd_audit.la libauthd_common.la $(LDAP_LIBS)
