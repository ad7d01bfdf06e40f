/*
 * authd as an account of its own (`user` in authd.conf, authd/privdrop.h):
 * refused with the fix named, by `authd -t` and at the start, while its
 * files are not that account's; then serving as it with CAP_KILL alone and
 * no way back to root: password logins, a rotation of its log, NSS answers,
 * a disabled account's session ended, a session warned on its terminal
 * through group tty and ended on time (and the warning it cannot give
 * without that group recorded). Real slapd, authd, libpam, pam_authd.so
 * and libnss_authd.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/types.h>

#include <check.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/itest.h"

#define ACCOUNT  "authd-run"
#define PW_GOOD  "Correct-Horse-7"
#define KIDS     2
#define BOUND_MS 10000

/* The value of a line of /proc/PID/status ("Uid", "CapEff"...), or "". */
static void
proc_status(pid_t pid, const char *field, char *out, size_t outsz)
{
	char path[64], line[256];
	size_t n = strlen(field);
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			snprintf(out, outsz, "%s", line + n + 1 +
			    strspn(line + n + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	fclose(f);
}

/* `authd -t` of the test's config with one more line: its status, and
 * what it said in out. */
static int
check_with(const char *line, char *out, size_t outsz)
{
	return itest_sh_out(out, outsz, "cp %s/authd.conf %s/try.conf && "
	    "echo '%s' >> %s/try.conf && '%s/authd/authd' -t -c %s/try.conf "
	    "2>&1", itest.dir, itest.dir, line, itest.dir, itest.builddir,
	    itest.dir);
}

static void
setup(void)
{
	itest_up(0);
	/* in group tty, as authd.conf(5) says, for the session warnings */
	ck_assert_int_eq(itest_sh("{ id %s >/dev/null 2>&1 || useradd --system "
	    "--no-create-home --shell /usr/sbin/nologin %s; } && usermod -a -G "
	    "tty %s", ACCOUNT, ACCOUNT, ACCOUNT), 0);
	itest_add_person("pdan", 23001, PW_GOOD);
	itest_add_person("pdee", 23002, PW_GOOD);
	itest_add_person("pdff", 23003, PW_GOOD);
	itest_add_person("pdgg", 23004, PW_GOOD);
}

static void
teardown(void)
{
	ck_assert_int_eq(itest_down(), 0);
}

/* `authd -t` of the test's config: its status, and what it said in out. */
static int
check_conf(char *out, size_t outsz)
{
	return itest_sh_out(out, outsz, "'%s/authd/authd' -t -c %s/authd.conf "
	    "2>&1", itest.builddir, itest.dir);
}

/*
 * What is wrong is said twice alike: by authd -t, and by authd refusing to
 * start (in its log).
 */
static void
refused_for(const char *phrase)
{
	char out[2048];

	ck_assert_int_ne(check_conf(out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, phrase) != NULL, "authd -t said: %s", out);
	ck_assert_int_ne(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_log_lines(phrase), 1);
}

START_TEST(refused_until_its_files_are_its_own)
{
	char out[2048], phrase[512];

	/* the config check names the line and what to do */
	ck_assert_int_ne(check_with("user = nosuch-account", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "try.conf:") != NULL && strstr(out,
	    "user: no local account 'nosuch-account' (make one: useradd "
	    "--system") != NULL, "authd -t said: %s", out);
	ck_assert_int_ne(check_with("user = root", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "user: 'root' is root's account") != NULL,
	    "authd -t said: %s", out);

	ck_assert_int_eq(itest_set_conf("user", ACCOUNT), 0);
	/* state_dir is root's, made by the runs before */
	refused_for("owned by " ACCOUNT);
	ck_assert_int_eq(itest_log_lines("(chown " ACCOUNT " "), 1);
	ck_assert_int_eq(itest_sh("chown %s %s/state", ACCOUNT, itest.dir), 0);
	/* the TOTP site key is read at each use: root's alone, 0600 */
	refused_for("totp_key_file: as " ACCOUNT ", the account of user:");
	ck_assert_int_eq(itest_sh("chgrp %s %s/totp.key && chmod 0640 "
	    "%s/totp.key", ACCOUNT, itest.dir, itest.dir), 0);
	/* slapd's ldapi socket in a folder the account may not enter */
	ck_assert_int_eq(itest_sh("chmod 0700 %s/slapd", itest.dir), 0);
	refused_for("cannot be reached by " ACCOUNT ", the account of user "
	    "(Permission denied)");
	ck_assert_int_eq(itest_sh("chmod 0711 %s/slapd", itest.dir), 0);
	/* a card CA of root's alone, 0600: read at each card check */
	ck_assert_int_eq(itest_sh("openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj /CN=cards "
	    "-days 1 -out %s/card-ca.pem 2>/dev/null && chmod 0600 "
	    "%s/card-ca.pem", itest.dir, itest.dir), 0);
	snprintf(out, sizeof(out), "%s/card-ca.pem", itest.dir);
	ck_assert_int_eq(itest_set_conf("card_ca_file", out), 0);
	snprintf(phrase, sizeof(phrase), "card_ca_file %s/card-ca.pem: not "
	    "readable by " ACCOUNT, itest.dir);
	refused_for(phrase);
	ck_assert_int_eq(itest_sh("sed -i '/^card_ca_file = /d' %s/authd.conf",
	    itest.dir), 0);

	ck_assert_int_eq(check_conf(out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "configuration OK") != NULL, "authd -t said: "
	    "%s", out);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_log_lines("running as " ACCOUNT " (uid "), 1);
	/* the test's folder is root's: a rotation's log is made for it */
	ck_assert_int_eq(itest_log_lines("the new log of a rotation must be "
	    "made for it, owned by it (logrotate: create 0600 " ACCOUNT
	    " root)"), 1);

	/* a state_dir not there yet is made for the account */
	snprintf(out, sizeof(out), "%s/fresh-state", itest.dir);
	ck_assert_int_eq(itest_set_conf("state_dir", out), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_sh("[ \"$(stat -c %%U:%%a %s/fresh-state)\" = "
	    "%s:700 ]", itest.dir, ACCOUNT), 0);
	snprintf(out, sizeof(out), "%s/state", itest.dir);
	ck_assert_int_eq(itest_set_conf("state_dir", out), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

START_TEST(serves_as_its_account)
{
	struct passwd *pw = getpwnam(ACCOUNT);
	char want[128], got[128], env[2048], out[512];
	pid_t pid = itest_authd_pid();
	struct pam_run run;

	ck_assert_ptr_nonnull(pw);
	ck_assert_int_gt(pid, 0);
	snprintf(want, sizeof(want), "%ld\t%ld\t%ld\t%ld", (long)pw->pw_uid,
	    (long)pw->pw_uid, (long)pw->pw_uid, (long)pw->pw_uid);
	proc_status(pid, "Uid", got, sizeof(got));
	ck_assert_str_eq(got, want);
	snprintf(want, sizeof(want), "%ld\t%ld\t%ld\t%ld", (long)pw->pw_gid,
	    (long)pw->pw_gid, (long)pw->pw_gid, (long)pw->pw_gid);
	proc_status(pid, "Gid", got, sizeof(got));
	ck_assert_str_eq(got, want);
	/* CAP_KILL (5) alone, nothing more to be had */
	proc_status(pid, "CapEff", got, sizeof(got));
	ck_assert_str_eq(got, "0000000000000020");
	proc_status(pid, "CapPrm", got, sizeof(got));
	ck_assert_str_eq(got, "0000000000000020");
	proc_status(pid, "CapBnd", got, sizeof(got));
	ck_assert_str_eq(got, "0000000000000020");
	proc_status(pid, "NoNewPrivs", got, sizeof(got));
	ck_assert_str_eq(got, "1");

	ck_assert_int_eq(itest_login("authd-test", "pdan", PW_GOOD, &run),
	    PAM_SUCCESS);
	ck_assert_int_eq(itest_login("authd-test", "pdan", "Wrong-Horse-7",
	    &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=pdan",
	    "result=success", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=pdan",
	    "result=auth_err", NULL), 1);
	/* the NSS module still takes it for authd (SO_PEERCRED: root at
	 * listen()) and gets its answers */
	itest_nss_env(env, sizeof(env), NSS_AUTHD_SO);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent passwd pdan",
	    env), 0);
	ck_assert_msg(strncmp(out, "pdan:x:23001:23001:", 19) == 0, "getent "
	    "said: %s", out);

	/* a rotation as logrotate makes it: renamed, a new file of the
	 * account's in a folder it cannot write to, SIGUSR1 */
	ck_assert_int_eq(itest_sh("mv %s %s.1 && install -m 0600 -o %s -g root "
	    "/dev/null %s && kill -USR1 %ld", itest.audit_log, itest.audit_log,
	    ACCOUNT, itest.audit_log, (long)pid), 0);
	ck_assert_int_eq(itest_login("authd-test", "pdan", PW_GOOD, &run),
	    PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=audit_continue",
	    "prev_file_seq=", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=pdan",
	    "result=success", NULL), 1);
	ck_assert_int_eq(itest_sh("'%s/authctl/authctl' audit verify %s "
	    ">/dev/null && '%s/authctl/authctl' audit verify %s.1 >/dev/null",
	    itest.builddir, itest.audit_log, itest.builddir, itest.audit_log), 0);
}
END_TEST

/* Ending a session needs CAP_KILL: its processes are not authd's. */
START_TEST(ends_a_disabled_accounts_session)
{
	pid_t pids[KIDS + 1];
	long long ms;

	ck_assert_int_eq(itest_session_tree("authd-test", "pdee", NULL,
	    PW_GOOD, NULL, pids, KIDS), 0);
	ck_assert_int_eq(itest_alive(pids, KIDS + 1), KIDS + 1);
	itest_set_attr("pdee", "authdAccountState", "disabled");
	ms = itest_wait_gone(pids, KIDS + 1, BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	ck_assert_msg(ms >= 0, "the session outlived the disabled account");
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=pdee",
	    NULL), 1);
	/* what outlives a restart is written by the account at the stop */
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_sh("[ \"$(stat -c %%U %s/state/decoys)\" = "
	    "%s ]", itest.dir, ACCOUNT), 0);
}
END_TEST

/*
 * Sessions that end on time, as the account: warned on the session's
 * terminal (through group tty), then ended. Out of that group the warning
 * cannot be given, and its record says so.
 */
START_TEST(warns_on_the_terminal_then_ends_on_time)
{
	struct itest_term t;
	pid_t pids[KIDS + 1];
	long long ms;

	ck_assert_int_eq(itest_set_conf("session_max", "6"), 0);
	ck_assert_int_eq(itest_set_conf("session_warn", "3"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_term_open(&t, 23003), 0);
	ck_assert_int_eq(itest_session_tree("authd-test", "pdff", t.path,
	    PW_GOOD, NULL, pids, KIDS), 0);
	ms = itest_term_wait(&t, "this session ends", 2 * BOUND_MS);
	ck_assert_msg(ms >= 0, "no warning on the terminal; saw \"%.*s\"",
	    (int)t.nseen, t.seen);
	ms = itest_wait_gone(pids, KIDS + 1, 2 * BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	itest_term_close(&t);
	ck_assert_msg(ms >= 0, "the session outlived its limit");
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=pdff",
	    "session\\x20limit"), 1);

	ck_assert_int_eq(itest_sh("gpasswd -d %s tty >/dev/null", ACCOUNT), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_term_open(&t, 23004), 0);
	ck_assert_int_eq(itest_session_tree("authd-test", "pdgg", t.path,
	    PW_GOOD, NULL, pids, KIDS), 0);
	ck_assert_int_ge(itest_audit_wait("event=session_warn", "user=pdgg",
	    "not\\x20warned\\x20(Permission\\x20denied)"), 1);
	ms = itest_wait_gone(pids, KIDS + 1, 2 * BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	ck_assert_int_eq(itest_term_wait(&t, "this session ends", 0), -1);
	itest_term_close(&t);
	ck_assert_msg(ms >= 0, "the session outlived its limit");
}
END_TEST

static Suite *
privdrop_suite(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc = tcase_create("privdrop");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, refused_until_its_files_are_its_own);
	tcase_add_test(tc, serves_as_its_account);
	tcase_add_test(tc, ends_a_disabled_accounts_session);
	tcase_add_test(tc, warns_on_the_terminal_then_ends_on_time);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (getuid() != 0) {
		printf("SKIP: needs root (slapd, useradd, an account to become)\n");
		return 77;
	}
	/* the grandchildren of the session trees are reaped here */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	sr = srunner_create(privdrop_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
