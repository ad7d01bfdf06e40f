# doc/: the man pages (installed) and the protocol (distributed).
dist_man_MANS += doc/authd.8 doc/pam_authd.8 doc/authctl.8 doc/authd.conf.5 doc/libnss_authd.8 \
	doc/authd-slapd.8
EXTRA_DIST += doc/protocol.md
