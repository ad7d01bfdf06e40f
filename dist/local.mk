# dist/: what a host runs authd with, made with configure's paths: a systemd
# unit (--with-systemdsystemunitdir=no leaves it out) and a logrotate file.
# tests/dist.sh checks both (systemd-analyze, a real logrotate run).
dist_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g'

dist/authd.service: $(srcdir)/dist/authd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) dist && $(dist_subst) $(srcdir)/dist/authd.service.in > $@
dist/logrotate.d/authd: $(srcdir)/dist/authd.logrotate.in Makefile
	$(AM_V_GEN)$(MKDIR_P) dist/logrotate.d && \
	    $(dist_subst) $(srcdir)/dist/authd.logrotate.in > $@

if INSTALL_SYSTEMD_UNIT
systemdsystemunit_DATA = dist/authd.service
endif
logrotatedir = $(sysconfdir)/logrotate.d
logrotate_DATA = dist/logrotate.d/authd
# made even when not installed: tests/dist.sh reads them
noinst_DATA = dist/authd.service dist/logrotate.d/authd
CLEANFILES += dist/authd.service dist/logrotate.d/authd
EXTRA_DIST += dist/authd.service.in dist/authd.logrotate.in

TESTS += tests/dist.sh
EXTRA_DIST += tests/dist.sh
