/*
 * Sessions that end on time (issue 6), through the real libpam,
 * pam_authd.so, slapd and authd: a real session (a process tree started
 * after pam_open_session, its PAM_TTY a pty the test holds the master of)
 * is warned on its terminal and then ended — every process of it — at its
 * absolute limit (session_max) and at its idle timeout (session_idle); a
 * privileged session ends at its grant's end and when its grant is
 * revoked, and one under an emergency grant at the grant's deadline for
 * approval unless it is approved meanwhile. Each end is recorded as
 * event=session_end with its reason.
 *
 * Short limits (seconds); every wait polls with a generous bound, and the
 * only lower bounds checked are ones no machine can beat (a session does
 * not end before its limit).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/itest.h"

#define PW_GOOD   "Correct-Horse-7"
#define SERVICE   "authd-test"
#define KIDS      2
#define BOUND_MS  20000
#define MAX_S     6         /* session_max of the first authd */
#define WARN_S    3         /* its session_warn */
#define IDLE_S    4         /* session_idle of the restarted authd */
#define IDLE_WARN 2
#define GRANT_S   10        /* the first grant's length */
#define EMERG_S   8         /* dbemerg's authdRoleEmergencyDeadline */
#define EMERG_END "emergency\\x20grant\\x20not\\x20approved\\x20in\\x20time"
#define ADMIN_UID 23100
#define PRIV_UID  23103
#define APPR_UID  23104
#define RST_UID   23105     /* sessions across restarts of authd */
#define GONE_UID  23106
#define ESC_UID   23107
#define HOP_UID   23108
#define ORPH_UID  23109
#define REND_UID  23110
#define SOTHER_UID 23111    /* a session on someone else's terminal */
#define OTHER_UID 23112     /* that someone */

/*
 * A login program's session on tty: a child that starts a session of its
 * own, authenticates (answers a, then b), opens the PAM session, then
 * starts KIDS `sleep 300` in it and waits. pids_r: the child, then the
 * kids. 0 when the session is open, else the PAM status.
 */
static int
open_session_tree(const char *user, const char *tty, const char *a,
    const char *b, pid_t pids_r[KIDS + 1])
{
	return itest_session_tree(SERVICE, user, tty, a, b, pids_r, KIDS);
}


static char totp_secret[128];

/*
 * Enrol uid's TOTP token as the administrator, answering the first code
 * (for the step before now, so that the current step is still free for a
 * login) with oathtool. Fills totp_secret (base32).
 */
static void
enroll(const char *uid)
{
	itest_totp_enroll(ADMIN_UID, uid, totp_secret, sizeof(totp_secret));
}

/* The TOTP code at now + offset seconds. */
static void
code_at(long offset, char *code, size_t codesz)
{
	itest_totp_code(totp_secret, offset, code, codesz);
}

/* authctl as the person with uid; its output in out. */
static int
authctl_as(int uid, char *out, size_t outsz, const char *args)
{
	return itest_sh_out(out, outsz, "setpriv --reuid=%d --regid=%d "
	    "--clear-groups '%s/authctl/authctl' -H '%s' -b '%s' %s 2>>%s/authctl.log",
	    uid, uid, itest.builddir, itest.ldapi_uri, itest.base_dn, args,
	    itest.dir);
}

/* A grant of dbadmin for sprv for secs, approved by sappr; its id. */
static void
approved_grant(long secs, char *id, size_t idsz)
{
	char out[1024], args[256];

	snprintf(args, sizeof(args), "grant request dbadmin --for %lds "
	    "--reason 'session test'", secs);
	ck_assert_msg(authctl_as(PRIV_UID, out, sizeof(out), args) == 0,
	    "grant request failed: %s (see %s/authctl.log)", out, itest.dir);
	out[strcspn(out, "\n")] = '\0';
	ck_assert_msg(out[0] != '\0', "grant request printed no id");
	snprintf(id, idsz, "%.*s", (int)idsz - 1, out);
	snprintf(args, sizeof(args), "grant approve %s --reason ok", id);
	ck_assert_msg(authctl_as(APPR_UID, out, sizeof(out), args) == 0,
	    "grant approve failed: %s (see %s/authctl.log)", out, itest.dir);
}

/* An emergency grant of dbemerg for sprv for an hour, not approved; its id. */
static void
emergency_grant(char *id, size_t idsz)
{
	char out[1024], *l;

	ck_assert_msg(authctl_as(PRIV_UID, out, sizeof(out), "grant request "
	    "dbemerg --for 1h --emergency --reason 'session test'") == 0,
	    "emergency grant request failed: %s (see %s/authctl.log)", out,
	    itest.dir);
	/* the id is the line of 16 hex digits */
	for (l = strtok(out, "\n"); l != NULL; l = strtok(NULL, "\n"))
		if (strlen(l) == 16 && strspn(l, "0123456789abcdef") == 16)
			break;
	ck_assert_msg(l != NULL, "grant request printed no id");
	snprintf(id, idsz, "%s", l);
}

/* How many records of session ends of sprv's emergency use there are. */
static int
emergency_ends(void)
{
	return itest_audit_count("event=session_end", "user=sprv", EMERG_END,
	    NULL);
}

/* Rewrite key = value in authd.conf (removed when value is NULL), restart authd. */
static void
restart_with(const char *key, const char *value)
{
	ck_assert_int_eq(itest_sh("sed -i '/^%s = /d' %s/authd.conf", key,
	    itest.dir), 0);
	if (value != NULL)
		ck_assert_int_eq(itest_sh("echo '%s = %s' >> %s/authd.conf", key,
		    value, itest.dir), 0);
}

static void
restart_authd(void)
{
	ck_assert_int_eq(itest_restart_authd(""), 0);
}

static void
setup(void)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", MAX_S);
	setenv("AUTHD_SESSION_MAX", v, 1);
	snprintf(v, sizeof(v), "%d", WARN_S);
	setenv("AUTHD_SESSION_WARN", v, 1);
	/* sprv logs in once a test with the next step's code */
	setenv("AUTHD_TOTP_WINDOW", "10", 1);
	itest_up(0);
	itest_add_person("smax", 23101, PW_GOOD);
	itest_add_person("sidle", 23102, PW_GOOD);
	/* for the privileged sessions: an administrator (TOTP enrolment), a
	 * privileged account, an approver, and a role they approve */
	itest_add_person("sadm", ADMIN_UID, PW_GOOD);
	itest_add_person("sprv", PRIV_UID, PW_GOOD);
	itest_add_person("sappr", APPR_UID, PW_GOOD);
	itest_add_person("srst", RST_UID, PW_GOOD);
	itest_add_person("sgone", GONE_UID, PW_GOOD);
	itest_add_person("sesc", ESC_UID, PW_GOOD);
	itest_add_person("shop", HOP_UID, PW_GOOD);
	itest_add_person("sorph", ORPH_UID, PW_GOOD);
	itest_add_person("srend", REND_UID, PW_GOOD);
	itest_add_person("sother", SOTHER_UID, PW_GOOD);
	itest_set_attr("sprv", "authdAccountType", "privileged");
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=authd-admins,ou=groups,%s\nchangetype: modify\nadd: member\n"
	    "member: uid=sadm,ou=people,%s\nLDIF\n", itest.ldapi_uri, itest.base_dn,
	    itest.base_dn), 0);
	ck_assert_int_eq(itest_sh("chgrp %d %s/totp.key && chmod 0640 %s/totp.key",
	    ADMIN_UID, itest.dir, itest.dir), 0);
	ck_assert_int_eq(itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=dbapprovers,ou=roles,%s\nobjectClass: groupOfNames\n"
	    "cn: dbapprovers\nmember: uid=sappr,ou=people,%s\n\n"
	    "dn: cn=dbadmin,ou=roles,%s\nobjectClass: authdRole\ncn: dbadmin\n"
	    "authdRoleMaxGrant: 86400\nauthdRoleMaxSession: 3600\n"
	    "authdRoleHost: *\nauthdRoleApprover: cn=dbapprovers,ou=roles,%s\n\n"
	    "dn: cn=dbemerg,ou=roles,%s\nobjectClass: authdRole\ncn: dbemerg\n"
	    "authdRoleMaxGrant: 86400\nauthdRoleMaxSession: 1800\n"
	    "authdRoleHost: *\nauthdRoleApprover: cn=dbapprovers,ou=roles,%s\n"
	    "authdRoleEmergency: TRUE\nauthdRoleEmergencyDeadline: %d\n"
	    "LDIF\n", itest.ldapi_uri, itest.base_dn, itest.base_dn,
	    itest.base_dn, itest.base_dn, itest.base_dn, itest.base_dn,
	    EMERG_S), 0);
	enroll("sprv");
}

static void
teardown(void)
{
	ck_assert_int_eq(itest_down(), 0);
}

/*
 * The session's processes (pids) all end within BOUND_MS, not before
 * limit_s after t0 (nothing else could have ended them sooner), and the
 * end is recorded for user ("user=NAME") with reason. t: its terminal,
 * closed once the processes are gone, or NULL.
 */
static void
expect_ended(pid_t pids[KIDS + 1], struct itest_term *t, long long t0,
    int limit_s, const char *user, const char *reason, const char *what)
{
	long long gone;

	gone = itest_wait_gone(pids, KIDS + 1, BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	if (t != NULL)
		itest_term_close(t);
	ck_assert_msg(gone >= 0, "%s: the session outlived its limit", what);
	gone = itest_now_ms() - t0;
	printf("session_limits: %s: ended %lld ms after it was opened (limit "
	    "%d s)\n", what, gone, limit_s);
	ck_assert_int_ge(gone, (limit_s - 1) * 1000);
	ck_assert_int_ge(itest_audit_wait("event=session_end", user, reason), 1);
}

START_TEST(absolute_limit_warned_then_ended)
{
	struct itest_term t;
	pid_t pids[KIDS + 1];
	long long t0, warned;

	ck_assert_int_eq(itest_term_open(&t, 23101), 0);
	t0 = itest_now_ms();
	ck_assert_int_eq(open_session_tree("smax", t.path, PW_GOOD, NULL, pids), 0);
	ck_assert_msg(itest_alive(pids, KIDS + 1) == KIDS + 1,
	    "the session's processes are not running");
	warned = itest_term_wait(&t, "this session ends", BOUND_MS);
	ck_assert_msg(warned >= 0, "no warning on the session's terminal; saw "
	    "\"%.*s\"", (int)t.nseen, t.seen);
	ck_assert_ptr_nonnull(memmem(t.seen, t.nseen, "session limit", 13));
	expect_ended(pids, &t, t0, MAX_S, "user=smax", "session\\x20limit",
	    "warned, then");
	ck_assert_int_ge(itest_audit_wait("event=session_warn", "user=smax", NULL), 1);
}
END_TEST

/*
 * The session's terminal is someone else's by the time of the warning (its
 * number given to another login): nothing is written to it, the record
 * says why, and the session still ends on time.
 */
START_TEST(terminal_of_another_not_written_to)
{
	struct itest_term t;
	pid_t pids[KIDS + 1];
	long long t0;

	ck_assert_int_eq(itest_term_open(&t, OTHER_UID), 0);
	t0 = itest_now_ms();
	ck_assert_int_eq(open_session_tree("sother", t.path, PW_GOOD, NULL,
	    pids), 0);
	ck_assert_int_ge(itest_audit_wait("event=session_warn", "user=sother",
	    "not\\x20warned\\x20(the\\x20terminal\\x20now\\x20belongs\\x20to"
	    "\\x20uid\\x2023112)"), 1);
	ck_assert_int_eq(itest_term_wait(&t, "this session ends", 0), -1);
	expect_ended(pids, &t, t0, MAX_S, "user=sother", "session\\x20limit",
	    "someone else's terminal");
}
END_TEST

/*
 * A restart of authd (a new configuration, an upgrade) does not forget the
 * sessions open on the host: this one still ends at its limit, counted
 * from when it was opened.
 */
START_TEST(limit_survives_a_restart)
{
	pid_t pids[KIDS + 1];
	long long t0;
	char out[4096];

	t0 = itest_now_ms();
	ck_assert_int_eq(open_session_tree("srst", "ssh", PW_GOOD, NULL, pids), 0);
	restart_authd();
	/* what an administrator of the host sees meanwhile */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' -c "
	    "%s/authd.conf session list", itest.builddir, itest.dir), 0);
	ck_assert_msg(strstr(out, "srst") != NULL && strstr(out, "authd-test") !=
	    NULL && strstr(out, "open, ends by session limit") != NULL, "%s", out);
	ck_assert_int_ne(itest_sh_out(out, sizeof(out), "setpriv --reuid=%d "
	    "--regid=%d --clear-groups '%s/authctl/authctl' -c %s/authd.conf "
	    "session list 2>&1", RST_UID, RST_UID, itest.builddir, itest.dir), 0);
	ck_assert_msg(strstr(out, "the host's sessions are root's") != NULL, "%s",
	    out);
	expect_ended(pids, NULL, t0, MAX_S, "user=srst", "session\\x20limit",
	    "open across a restart of authd");
	/* "ssh" is no terminal to warn on: the record says so */
	ck_assert_int_eq(itest_audit_count("event=session_warn", "user=srst",
	    "not\\x20warned\\x20(no\\x20terminal)", NULL), 1);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' -c "
	    "%s/authd.conf session list --all", itest.builddir, itest.dir), 0);
	ck_assert_msg(strstr(out, "ended: session limit") != NULL, "%s", out);
	/* without --all, an ended session is not listed */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' -c "
	    "%s/authd.conf session list", itest.builddir, itest.dir), 0);
	ck_assert_msg(strstr(out, "srst") == NULL, "%s", out);
	ck_assert_int_eq(itest_sh("grep -q '1 session read back' %s/authd.log",
	    itest.dir), 0);
}
END_TEST

/*
 * A process that left the session's tree (a double fork and setsid(), as
 * `setsid -f` or a daemon does) is no descendant of the login program and
 * not in its session; with pam_loginuid in the stack the kernel's audit
 * session still names it, and it ends with the session.
 */
START_TEST(process_that_left_the_tree_ends_too)
{
	pid_t pids[KIDS + 1];
	long long gone;

	if (!itest_can_set_loginuid()) {
		printf("session_limits: SKIP process_that_left_the_tree_ends_too: "
		    "this machine does not let the test set a loginuid\n");
		return;
	}
	ck_assert_int_eq(itest_session_tree_opts(SERVICE, "sesc", "ssh", PW_GOOD,
	    NULL, pids, KIDS, ITEST_TREE_AUDIT | ITEST_TREE_ESCAPE), 0);
	ck_assert_msg(itest_alive(pids, KIDS + 1) == KIDS + 1,
	    "the session's processes are not running");
	gone = itest_wait_gone(pids, KIDS + 1, BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	ck_assert_msg(gone >= 0, "a process that left the session's tree "
	    "outlived the session");
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=sesc",
	    "session\\x20limit"), 1);
}
END_TEST

/*
 * authd crashes (SIGKILL); while it is down the person's account is
 * disabled, which no change event will tell the next authd. It reads the
 * session back and ends it once its view of the people is in step.
 */
START_TEST(revoked_while_authd_was_down)
{
	pid_t pids[KIDS + 1];
	long long gone;

	restart_with("session_max", NULL);
	restart_authd();
	ck_assert_int_eq(open_session_tree("sgone", "ssh", PW_GOOD, NULL, pids), 0);
	/* gone, or a zombie of this process (a subreaper) */
	ck_assert_int_eq(itest_sh("p=$(cat %s/authd.pid) && kill -KILL $p && "
	    "while ps -o stat= -p $p | grep -qv Z; do sleep 0.05; done",
	    itest.dir), 0);
	itest_set_attr("sgone", "authdAccountState", "disabled");
	restart_authd();
	gone = itest_wait_gone(pids, KIDS + 1, BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	ck_assert_msg(gone >= 0, "the session of an account disabled while "
	    "authd was down was not ended");
	printf("session_limits: a session whose account was disabled while "
	    "authd was down ended %lld ms after the restart\n", gone);
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=sgone",
	    "account\\x20disabled\\x20since\\x20the\\x20login"), 1);
}
END_TEST

/* How many processes of process group pgrp are running, after reaping
 * what this process, a subreaper, inherited of them. */
static int
group_running(pid_t pgrp)
{
	char cmd[160], out[64];

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	snprintf(cmd, sizeof(cmd), "ps -eo pgid=,stat= | awk '$1 == %ld && "
	    "$2 !~ /^Z/' | wc -l", (long)pgrp);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s", cmd), 0);
	return atoi(out);
}

/* Milliseconds until no process of process group pgrp runs, or -1 after
 * bound_ms. */
static long long
group_gone(pid_t pgrp, long long bound_ms)
{
	long long t0 = itest_now_ms();

	do {
		if (group_running(pgrp) == 0)
			return itest_now_ms() - t0;
		usleep(10000);
	} while (itest_now_ms() - t0 < bound_ms);
	return -1;
}

/*
 * A process that forks and exits every 0.1 ms, its child going on the
 * same way, and ignores SIGHUP: no list of the session's processes
 * names it for long, yet it ends with the session (its process group is
 * signalled whole).
 */
START_TEST(forking_process_ends_with_its_session)
{
	pid_t pids[KIDS + 1];
	long long gone;

	/* the hop's generations are orphaned to this process, which reaps them
	 * (not to the runner, where thousands would wait) */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_int_eq(itest_session_tree_opts(SERVICE, "shop", "ssh", PW_GOOD,
	    NULL, pids, KIDS, ITEST_TREE_HOP), 0);
	ck_assert_int_ge(group_running(pids[0]), 2);    /* the login, the hop */
	itest_set_attr("shop", "authdAccountState", "disabled");
	gone = group_gone(pids[0], BOUND_MS);
	if (gone < 0)
		(void)kill(-pids[0], SIGKILL);
	ck_assert_msg(gone >= 0, "a process forking away outlived its session");
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=shop",
	    "account\\x20disabled"), 1);
}
END_TEST

/*
 * A login program killed without closing its session, with every process
 * of it: the session is forgotten (recorded) rather than kept for good, to
 * be ended one day through a pid that names another program by then.
 */
START_TEST(session_of_a_killed_login_forgotten)
{
	pid_t pids[KIDS + 1];
	char out[4096];

	ck_assert_int_eq(open_session_tree("sorph", "ssh", PW_GOOD, NULL, pids), 0);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' -c "
	    "%s/authd.conf session list", itest.builddir, itest.dir), 0);
	ck_assert_msg(strstr(out, "sorph") != NULL, "%s", out);
	itest_kill_all(pids, KIDS + 1);
	ck_assert_int_ge(itest_wait_gone(pids, KIDS + 1, BOUND_MS), 0);
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=sorph",
	    "forgotten"), 1);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' -c "
	    "%s/authd.conf session list --all", itest.builddir, itest.dir), 0);
	ck_assert_msg(strstr(out, "sorph") == NULL, "%s", out);
}
END_TEST

/*
 * authd stopped after it marked a session ended and before its SIGKILL
 * (here: the mark written into the file while authd is down): the next
 * authd ends what still runs of it.
 */
START_TEST(ended_session_still_running_after_a_restart)
{
	pid_t pids[KIDS + 1];

	ck_assert_int_eq(open_session_tree("srend", "ssh", PW_GOOD, NULL, pids), 0);
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' stop-authd %s "
	    ">/dev/null 2>&1", itest.srcdir, itest.dir), 0);
	ck_assert_int_eq(itest_sh("grep -q 'user=srend' %s/state/sessions && "
	    "sed -i '/user=srend/{s/ ended=[0-9]*//;s/$/ ended=1/}' "
	    "%s/state/sessions", itest.dir, itest.dir), 0);
	ck_assert_int_eq(itest_alive(pids, KIDS + 1), KIDS + 1);
	restart_authd();
	ck_assert_msg(itest_wait_gone(pids, KIDS + 1, BOUND_MS) >= 0,
	    "the processes of a session ended before a restart still run");
}
END_TEST

/* Files in state_dir are replaced by name: a folder others can write to is
 * refused, by name, and authd does not start. */
START_TEST(state_dir_must_be_authds_own)
{
	ck_assert_int_eq(itest_sh("mkdir -p %s/open && chmod 0777 %s/open",
	    itest.dir, itest.dir), 0);
	ck_assert_int_eq(itest_sh("sed -i 's|^state_dir = .*|state_dir = %s/open|' "
	    "%s/authd.conf", itest.dir, itest.dir), 0);
	ck_assert_int_ne(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_sh("tail -n 20 %s/up.log %s/authd.log 2>/dev/null | "
	    "grep -q 'state_dir %s/open: must be a directory of authd.s own'",
	    itest.dir, itest.dir, itest.dir), 0);
	ck_assert_int_eq(itest_sh("sed -i 's|^state_dir = .*|state_dir = %s/state|' "
	    "%s/authd.conf", itest.dir, itest.dir), 0);
	restart_authd();
}
END_TEST

START_TEST(idle_timeout_warned_then_ended)
{
	struct itest_term t;
	pid_t pids[KIDS + 1];
	long long t0, warned;
	char v[16];

	restart_with("session_max", NULL);
	snprintf(v, sizeof(v), "%d", IDLE_S);
	restart_with("session_idle", v);
	snprintf(v, sizeof(v), "%d", IDLE_WARN);
	restart_with("session_warn", v);
	restart_authd();
	ck_assert_int_eq(itest_term_open(&t, 23102), 0);
	t0 = itest_now_ms();
	ck_assert_int_eq(open_session_tree("sidle", t.path, PW_GOOD, NULL, pids), 0);
	warned = itest_term_wait(&t, "this session ends", BOUND_MS);
	ck_assert_msg(warned >= 0, "no idle warning on the session's terminal; "
	    "saw \"%.*s\"", (int)t.nseen, t.seen);
	ck_assert_ptr_nonnull(memmem(t.seen, t.nseen, "(idle)", 6));
	expect_ended(pids, &t, t0, IDLE_S, "user=sidle", "idle", "idle session");
	/* a session on no terminal of its user has no idle limit */
	ck_assert_int_eq(open_session_tree("sidle", "ssh", PW_GOOD, NULL, pids), 0);
	sleep(IDLE_S + 2);
	ck_assert_msg(itest_alive(pids, KIDS + 1) == KIDS + 1,
	    "a session without a terminal was ended as idle");
	itest_kill_all(pids, KIDS + 1);
}
END_TEST


/*
 * A privileged session is tied to the grant its login was let in under;
 * one opened without that login (another module authenticated it) would
 * have nothing to end it, and is refused.
 */
START_TEST(privileged_session_needs_its_login)
{
	struct pam_run run;
	pam_handle_t *pamh;
	int r;

	pamh = itest_pam_start(SERVICE, "sprv", &run);
	r = pam_open_session(pamh, 0);
	itest_pam_end(pamh, r);
	ck_assert_int_eq(r, PAM_PERM_DENIED);
	ck_assert_int_eq(itest_audit_wait("event=open_session", "user=sprv",
	    "result=perm_denied"), 1);
	/* a regular account's session opens the same way */
	pamh = itest_pam_start(SERVICE, "smax", &run);
	r = pam_open_session(pamh, 0);
	if (r == PAM_SUCCESS)
		(void)pam_close_session(pamh, 0);
	itest_pam_end(pamh, r);
	ck_assert_int_eq(r, PAM_SUCCESS);
}
END_TEST

START_TEST(privileged_session_ends_with_its_grant)
{
	struct itest_term t;
	pid_t pids[KIDS + 1];
	char id[128], code[16];
	long long t0, gone;

	/* no absolute limit now: the grant alone ends the session */
	restart_with("session_max", NULL);
	restart_authd();
	approved_grant(GRANT_S, id, sizeof(id));
	t0 = itest_now_ms();
	ck_assert_int_eq(itest_term_open(&t, PRIV_UID), 0);
	code_at(0, code, sizeof(code));
	ck_assert_msg(open_session_tree("sprv", t.path, PW_GOOD, code, pids) == 0,
	    "the privileged login under an approved grant failed");
	ck_assert_msg(itest_term_wait(&t, "this session ends", BOUND_MS) >= 0,
	    "no warning before the grant's end; saw \"%.*s\"", (int)t.nseen, t.seen);
	ck_assert_ptr_nonnull(memmem(t.seen, t.nseen, "grant ended", 11));
	gone = itest_wait_gone(pids, KIDS + 1, BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	itest_term_close(&t);
	ck_assert_msg(gone >= 0, "the privileged session outlived its grant");
	gone = itest_now_ms() - t0;
	printf("session_limits: privileged session ended %lld ms after its "
	    "%d s grant was requested\n", gone, GRANT_S);
	/* until has a one-second resolution: not before GRANT_S - 2 s */
	ck_assert_int_ge(gone, (GRANT_S - 2) * 1000);
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=sprv",
	    "grant\\x20ended"), 1);
}
END_TEST

START_TEST(privileged_session_ends_when_its_grant_is_revoked)
{
	pid_t pids[KIDS + 1];
	char id[128], code[16];
	long long gone;

	approved_grant(3600, id, sizeof(id));
	/* the next step: the last login used this one */
	code_at(30, code, sizeof(code));
	ck_assert_msg(open_session_tree("sprv", "ssh", PW_GOOD, code, pids) == 0,
	    "the privileged login under an approved grant failed");
	sleep(1);
	ck_assert_msg(itest_alive(pids, KIDS + 1) == KIDS + 1,
	    "the privileged session ended before its grant was revoked");
	/* revoked in the directory (authctl grant revoke writes the same) */
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null "
	    "<<'LDIF'\ndn: cn=%s,ou=grants,%s\nchangetype: modify\nreplace: "
	    "authdGrantState\nauthdGrantState: revoked\nLDIF\n", itest.ldapi_uri,
	    id, itest.base_dn), 0);
	gone = itest_wait_gone(pids, KIDS + 1, BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	ck_assert_msg(gone >= 0, "the session outlived its grant's revocation");
	printf("session_limits: revoked grant's session ended in %lld ms\n", gone);
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=sprv",
	    "grant\\x20revoked"), 1);
}
END_TEST

/*
 * An emergency grant lets its holder in before approval, until its role's
 * deadline for approval; a session opened then, one second before that
 * deadline or at once as here, does not outlive it unapproved (before, it
 * ran to the grant's end or the role's maximum session: an hour here).
 */
START_TEST(emergency_session_ends_unapproved)
{
	struct itest_term t;
	pid_t pids[KIDS + 1];
	char id[128], code[16];
	int before = emergency_ends(), warned;
	long long t0;

	restart_with("session_max", NULL);
	restart_authd();
	t0 = itest_now_ms();
	emergency_grant(id, sizeof(id));
	ck_assert_int_eq(itest_term_open(&t, PRIV_UID), 0);
	code_at(60, code, sizeof(code));
	ck_assert_msg(open_session_tree("sprv", t.path, PW_GOOD, code, pids) == 0,
	    "the privileged login under an emergency grant failed");
	warned = itest_term_wait(&t, "this session ends", BOUND_MS) >= 0 &&
	    memmem(t.seen, t.nseen, "emergency grant not approved in time",
	    36) != NULL;
	if (!warned)
		itest_kill_all(pids, KIDS + 1);
	ck_assert_msg(warned, "no warning before the emergency deadline; saw "
	    "\"%.*s\"", (int)t.nseen, t.seen);
	/* the deadline counts from createTimestamp, whole seconds: it is no
	 * sooner than EMERG_S - 1 s after t0, which expect_ended checks */
	expect_ended(pids, &t, t0, EMERG_S, "user=sprv", EMERG_END,
	    "unapproved emergency session");
	ck_assert_int_eq(emergency_ends(), before + 1);
	ck_assert_int_ge(itest_audit_wait("event=session_warn", "user=sprv",
	    "emergency\\x20grant"), 1);
}
END_TEST

/* Approved before its deadline, the grant's session goes on to its normal
 * end (the role's maximum session here). */
START_TEST(emergency_session_approved_meanwhile_goes_on)
{
	pid_t pids[KIDS + 1];
	char id[128], code[16], out[4096], args[256], gone[1024];
	int before = emergency_ends(), alive;
	long long t0;

	restart_with("session_max", NULL);
	restart_authd();
	t0 = itest_now_ms();
	emergency_grant(id, sizeof(id));
	code_at(90, code, sizeof(code));
	ck_assert_msg(open_session_tree("sprv", "ssh", PW_GOOD, code, pids) == 0,
	    "the privileged login under an emergency grant failed");
	(void)itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' -c "
	    "%s/authd.conf session list", itest.builddir, itest.dir);
	if (strstr(out, "ends by emergency grant not approved in time") == NULL)
		itest_kill_all(pids, KIDS + 1);
	ck_assert_msg(strstr(out, "ends by emergency grant not approved in time")
	    != NULL, "%s", out);
	snprintf(args, sizeof(args), "grant approve %s --reason ok", id);
	ck_assert_msg(authctl_as(APPR_UID, out, sizeof(out), args) == 0,
	    "grant approve failed: %s (see %s/authctl.log)", out, itest.dir);
	/* well past the deadline for approval */
	while (itest_now_ms() - t0 < (EMERG_S + 4) * 1000LL)
		usleep(100000);
	alive = itest_alive(pids, KIDS + 1);
	(void)itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' -c "
	    "%s/authd.conf session list", itest.builddir, itest.dir);
	itest_kill_all(pids, KIDS + 1);
	/* over, before any check can stop the test: the next logins must
	 * rest on emergency grants again, not on this approved one */
	snprintf(args, sizeof(args), "grant revoke %s --reason done", id);
	ck_assert_int_eq(authctl_as(PRIV_UID, gone, sizeof(gone), args), 0);
	ck_assert_msg(alive == KIDS + 1, "a session whose emergency grant was "
	    "approved in time was ended (%d of %d processes left)", alive,
	    KIDS + 1);
	ck_assert_msg(strstr(out, "sprv") != NULL && strstr(out,
	    "ends by session limit") != NULL, "%s", out);
	ck_assert_int_eq(emergency_ends(), before);
}
END_TEST

/* The deadline for approval is kept with the session: a restart of authd
 * does not let it run on. */
START_TEST(emergency_deadline_survives_a_restart)
{
	pid_t pids[KIDS + 1];
	char id[128], code[16];
	int before = emergency_ends();
	long long t0;

	restart_with("session_max", NULL);
	restart_authd();
	t0 = itest_now_ms();
	emergency_grant(id, sizeof(id));
	code_at(120, code, sizeof(code));
	ck_assert_msg(open_session_tree("sprv", "ssh", PW_GOOD, code, pids) == 0,
	    "the privileged login under an emergency grant failed");
	restart_authd();
	expect_ended(pids, NULL, t0, EMERG_S, "user=sprv", EMERG_END,
	    "emergency session across a restart of authd");
	ck_assert_int_eq(emergency_ends(), before + 1);
}
END_TEST

static Suite *
limits_suite(void)
{
	Suite *s = suite_create("session_limits");
	TCase *tc = tcase_create("limits");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, absolute_limit_warned_then_ended);
	tcase_add_test(tc, terminal_of_another_not_written_to);
	tcase_add_test(tc, limit_survives_a_restart);
	tcase_add_test(tc, process_that_left_the_tree_ends_too);
	tcase_add_test(tc, revoked_while_authd_was_down);
	tcase_add_test(tc, forking_process_ends_with_its_session);
	tcase_add_test(tc, session_of_a_killed_login_forgotten);
	tcase_add_test(tc, ended_session_still_running_after_a_restart);
	tcase_add_test(tc, state_dir_must_be_authds_own);
	tcase_add_test(tc, privileged_session_needs_its_login);
	tcase_add_test(tc, privileged_session_ends_with_its_grant);
	tcase_add_test(tc, privileged_session_ends_when_its_grant_is_revoked);
	tcase_add_test(tc, emergency_session_ends_unapproved);
	tcase_add_test(tc, emergency_session_approved_meanwhile_goes_on);
	tcase_add_test(tc, emergency_deadline_survives_a_restart);
	tcase_add_test(tc, idle_timeout_warned_then_ended);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (getuid() != 0 || system("command -v oathtool >/dev/null") != 0) {
		printf("SKIP: needs root (slapd, ptys owned by the test people) "
		    "and oathtool\n");
		return 77;
	}
	/* the grandchildren of the session trees are reaped here */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	sr = srunner_create(limits_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
