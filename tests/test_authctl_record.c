/*
 * authctl's records (authctl/record.c): the syslog line of an administrator
 * who may not write the audit log, and a record the log does not take.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authctl.h"
#include "log.h"

/* audit.c's fdatasync is this one: it fails while sync_fail is set. */
static int sync_fail;

int
fdatasync(int fd)
{
	if (sync_fail) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

static char dir[PATH_MAX];
static char logpath[PATH_MAX + 32];
static int syslog_fd = -1;

/* A syslog socket of the test's own, and a struct actl for its records. */
static void
setup(void)
{
	struct sockaddr_un sun;
	const char *t = getenv("TMPDIR");
	char path[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/actl-record.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/audit.log", dir);
	snprintf(path, sizeof(path), "%s/log", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path));
	syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(syslog_fd, 0);
	ck_assert_int_eq(bind(syslog_fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	authd_syslog_set_path(path);
	sync_fail = 0;
	unsetenv("SUDO_USER");
}

static void
teardown(void)
{
	char path[PATH_MAX + 32];

	close(syslog_fd);
	syslog_fd = -1;
	snprintf(path, sizeof(path), "%s/log", dir);
	unlink(path);
	unlink(logpath);
	rmdir(dir);
}

/*
 * The first line sent to the test's syslog socket since the last call that
 * contains needle ("" when none); the lines before it are dropped.
 */
static void
syslog_line_with(const char *needle, char *buf, size_t bufsz)
{
	ssize_t n;

	while ((n = recv(syslog_fd, buf, bufsz - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		if (strstr(buf, needle) != NULL)
			return;
	}
	buf[0] = '\0';
}

static size_t
count(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (; (haystack = strstr(haystack, needle)) != NULL; haystack++)
		n++;
	return n;
}

static void
actl_init(struct actl *a, const char *audit_log)
{
	memset(a, 0, sizeof(*a));
	ck_assert_int_eq(authd_conf_init(&a->conf), 0);
	a->conf_inited = 1;
	/* never the default, the host's own log */
	free(a->conf.audit_log);
	a->conf.audit_log = NULL;
	if (audit_log != NULL)
		ck_assert_ptr_nonnull(a->conf.audit_log = strdup(audit_log));
	a->conf.audit_fsync = 1;
	ck_assert_ptr_nonnull(a->actor = strdup("uid=yamada,ou=people,dc=example,dc=com"));
}

static void
actl_fini(struct actl *a)
{
	actl_record_close(a);
	authd_conf_free(&a->conf);
	free(a->actor);
}

/*
 * Without a log the caller may write, the record is one syslog line whose
 * values are escaped as in the audit log: a reason or a user cannot add an
 * actor= or any other field of its own.
 */
START_TEST(syslog_line_escapes_values)
{
	struct actl a;
	char line[8192];

	actl_init(&a, NULL);
	actl_record(&a, "user_disable", "bob result=success", "refused",
	    "x actor=cn=ciso\nevent=forged");
	syslog_line_with("]: event=", line, sizeof(line));
	ck_assert_msg(strstr(line, "]: event=user_disable user=bob\\x20result\\x3dsuccess "
	    "uid=") != NULL, "got: %s", line);
	ck_assert_msg(strstr(line, " result=refused reason=x\\x20actor\\x3dcn\\x3dciso"
	    "\\x0aevent\\x3dforged actor=uid\\x3dyamada,ou\\x3dpeople,dc\\x3dexample,"
	    "dc\\x3dcom") != NULL, "got: %s", line);
	ck_assert_msg(count(line, " actor=") == 1 && count(line, " event=") == 1 &&
	    count(line, " result=") == 1, "got: %s", line);
	/* syslog is where such a record belongs: nothing is missing */
	ck_assert_int_eq(a.audit_failed, 0);
	ck_assert_int_eq(actl_record_status(&a, ACTL_OK), ACTL_OK);
	actl_fini(&a);
}
END_TEST

/*
 * A log the caller may write that does not take the record (the disk
 * refuses to sync it): the record goes to syslog, and the command that
 * did its work exits ACTL_UNRECORDED; one that failed keeps its status.
 */
START_TEST(record_the_log_does_not_take)
{
	struct actl a;
	char line[8192];
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(logpath, "w"));
	fclose(f);
	actl_init(&a, logpath);
	actl_record(&a, "user_enable", "bob", "success", "state active");
	ck_assert_int_eq(a.audit_failed, 0);
	syslog_line_with("]: event=", line, sizeof(line));
	ck_assert_str_eq(line, "");                /* in the log, not for syslog */
	sync_fail = 1;
	actl_record(&a, "user_disable", "bob", "success", "state disabled");
	syslog_line_with("]: event=", line, sizeof(line));
	ck_assert_msg(strstr(line, "]: event=user_disable user=bob ") != NULL &&
	    strstr(line, " reason=state\\x20disabled ") != NULL, "got: %s", line);
	ck_assert_int_eq(a.audit_failed, 1);
	ck_assert_int_eq(actl_record_status(&a, ACTL_OK), ACTL_UNRECORDED);
	ck_assert_int_eq(actl_record_status(&a, ACTL_FAIL), ACTL_FAIL);
	ck_assert_int_eq(actl_record_status(&a, ACTL_USAGE), ACTL_USAGE);
	actl_fini(&a);
}
END_TEST

/* A log that cannot be opened (its end is not a record) is no better. */
START_TEST(log_that_cannot_be_opened)
{
	struct actl a;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(logpath, "w"));
	fputs("not a record\n", f);
	fclose(f);
	actl_init(&a, logpath);
	actl_record(&a, "user_disable", "bob", "success", "state disabled");
	ck_assert_int_eq(a.audit_failed, 1);
	ck_assert_int_eq(actl_record_status(&a, ACTL_OK), ACTL_UNRECORDED);
	actl_fini(&a);
}
END_TEST

static Suite *
record_suite(void)
{
	Suite *s = suite_create("authctl_record");
	TCase *tc = tcase_create("record");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, syslog_line_escapes_values);
	tcase_add_test(tc, record_the_log_does_not_take);
	tcase_add_test(tc, log_that_cannot_be_opened);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(record_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
