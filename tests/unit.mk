# tests/: Check unit tests, one program per area of common/.
# They need no directory, network or privilege; `make check` runs them.
unit_tests = \
	tests/test_proto \
	tests/test_buf \
	tests/test_conf \
	tests/test_audit
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)

unit_cflags = $(AM_CFLAGS) $(CHECK_CFLAGS)
unit_ldadd = libauthd_audit.la libauthd_common.la $(CHECK_LIBS)

tests_test_proto_SOURCES = tests/test_proto.c
tests_test_proto_CFLAGS = $(unit_cflags)
tests_test_proto_LDADD = $(unit_ldadd)

tests_test_buf_SOURCES = tests/test_buf.c
tests_test_buf_CFLAGS = $(unit_cflags)
tests_test_buf_LDADD = $(unit_ldadd)

tests_test_conf_SOURCES = tests/test_conf.c
tests_test_conf_CFLAGS = $(unit_cflags)
tests_test_conf_LDADD = $(unit_ldadd)

tests_test_audit_SOURCES = tests/test_audit.c
tests_test_audit_CFLAGS = $(unit_cflags)
tests_test_audit_LDADD = $(unit_ldadd)

# The sessions authd keeps across its restarts (authd/session_store.c): built
# from the daemon's own sources, no directory needed.
check_PROGRAMS += tests/test_session_store
TESTS += tests/test_session_store
tests_test_session_store_SOURCES = tests/test_session_store.c \
	authd/session_store.c authd/session.c authd/proc_kill.c
tests_test_session_store_CFLAGS = $(unit_cflags)
tests_test_session_store_LDADD = $(unit_ldadd)

# The user socket's rate limit (authd/user_rate.c), on the test's own clock.
check_PROGRAMS += tests/test_user_rate
TESTS += tests/test_user_rate
tests_test_user_rate_SOURCES = tests/test_user_rate.c authd/user_rate.c
tests_test_user_rate_CFLAGS = $(unit_cflags)
tests_test_user_rate_LDADD = $(unit_ldadd)

# The account's validity dates at their edges (authd/dir.h), no directory.
check_PROGRAMS += tests/test_account
TESTS += tests/test_account
tests_test_account_SOURCES = tests/test_account.c
tests_test_account_CFLAGS = $(unit_cflags)
tests_test_account_LDADD = $(CHECK_LIBS)

# The wipe of what a login's methods collected (authd/plan.c).
check_PROGRAMS += tests/test_plan
TESTS += tests/test_plan
tests_test_plan_SOURCES = tests/test_plan.c
tests_test_plan_CFLAGS = $(unit_cflags) -I$(top_srcdir)/authd -pthread
tests_test_plan_LDADD = libauthd_daemon.la libauthd_dir.la libauthd_audit.la \
	libauthd_common.la $(LDAP_LIBS) $(CRYPTO_LIBS) $(CHECK_LIBS) -lpthread
