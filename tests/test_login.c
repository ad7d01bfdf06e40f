/*
 * Password logins end to end: a private slapd with the shipped schema,
 * overlays and ACLs, a real authd, and real libpam loading pam_authd.so from
 * service files in the test's own folder (pam_start_confdir).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "authd/user_rate.h"
#include "buf.h"
#include "err.h"
#include "lib/itest.h"
#include "proto.h"

#define PW_GOOD "Correct-Horse-7"
#define PW_BAD  "Wrong-Horse-7x"
#define FAIL_DELAY_MS 300

static const char *svc = "authd-test";
static const char *svc2 = "authd-second";      /* a second authd, same slapd */
static const char *second_log = "second/authd.log";  /* its log */

START_TEST(right_password_logs_in)
{
	struct pam_run run;
	pam_handle_t *pamh;

	itest_add_person("anna", 20001, PW_GOOD);
	ck_assert_int_eq(itest_login(svc, "anna", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "P:Password: ") != NULL, "shown: %s", run.shown);
	ck_assert_msg(strstr(run.shown, "I:Authorised use only") != NULL,
	    "no banner: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=anna",
	    "result=success", NULL), 1);

	memset(&run, 0, sizeof(run));
	pamh = itest_pam_start(svc, "anna", &run);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	itest_pam_end(pamh, PAM_SUCCESS);
}
END_TEST

/*
 * use_first_pass: the password an earlier module of the stack asked for
 * (pam_unix, which fails for a person it does not know) goes in the
 * request (AUTHTOK); pam_authd asks nothing more, and a wrong one is
 * refused.
 */
START_TEST(first_pass_from_the_stack)
{
	char first[64];
	struct pam_run run;
	int r;

	itest_add_person("fiona", 20061, PW_GOOD);
	snprintf(first, sizeof(first), "%s-first", svc);
	ck_assert_int_eq(itest_sh("{ echo 'auth optional pam_unix.so'; "
	    "sed -e '/^auth/s/$/ use_first_pass/' '%s/%s'; } > '%s/%s'",
	    itest.confdir, svc, itest.confdir, first), 0);
	for (r = 0; r < 2; r++) {
		ck_assert_int_eq(itest_login(first, "fiona", r == 0 ? PW_GOOD :
		    PW_BAD, &run), r == 0 ? PAM_SUCCESS : PAM_AUTH_ERR);
		ck_assert_int_eq(run.prompts, 1);
	}
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=fiona",
	    "result=success", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=fiona",
	    "result=auth_err", NULL), 1);
}
END_TEST

/* Protocol errors recorded so far (authd names no user in them). */
static int
protocol_errors(void)
{
	return itest_audit_count("event=protocol_error", NULL);
}

/*
 * An answer longer than authd takes (AUTHD_SECRET_MAX) is not sent: the
 * module says so, answers "not done, too long" (protocol.md section 8) and
 * authd ends the request with CONV_ERR and records why. Before, an answer
 * of 513-4096 bytes went out, authd dropped the frame as malformed and the
 * login ended in PAM_SYSTEM_ERR with a protocol_error record.
 */
START_TEST(answer_longer_than_a_secret_refused)
{
	char longest[AUTHD_SECRET_MAX + 1], too_long[AUTHD_SECRET_MAX + 2];
	struct pam_run run;
	int errors = protocol_errors();

	itest_add_person("wanda", 20062, PW_GOOD);
	memset(longest, 'x', AUTHD_SECRET_MAX);
	longest[AUTHD_SECRET_MAX] = '\0';
	memset(too_long, 'x', AUTHD_SECRET_MAX + 1);
	too_long[AUTHD_SECRET_MAX + 1] = '\0';

	/* 512 bytes still go: a wrong password like any other */
	ck_assert_int_eq(itest_login(svc, "wanda", longest, &run), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, "E:") == NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_reason("wanda", "auth_err", "wrong"), 1);

	ck_assert_int_eq(itest_login(svc, "wanda", too_long, &run), PAM_CONV_ERR);
	ck_assert_msg(strstr(run.shown, "E:The answer is too long (at most "
	    "512 bytes).\n") != NULL, "shown: %s", run.shown);
	/* a refusal's record may follow its RESULT */
	ck_assert_int_eq(itest_audit_wait("user=wanda ", "result=conv_err ",
	    "reason=the\\x20answer\\x20was\\x20too\\x20long\\x20to\\x20send"), 1);
	ck_assert_int_eq(protocol_errors(), errors);
}
END_TEST

/*
 * A password an earlier module of the stack took that is longer than authd
 * takes is not sent either: with try_first_pass authd prompts for it, with
 * use_first_pass (no prompting) authd ends the request with CONV_ERR.
 */
START_TEST(stack_password_longer_than_a_secret_not_sent)
{
	char too_long[AUTHD_SECRET_MAX + 2], service[64];
	struct pam_run run;
	pam_handle_t *pamh;
	int errors = protocol_errors(), r;

	itest_add_person("xiao", 20099, PW_GOOD);
	memset(too_long, 'x', AUTHD_SECRET_MAX + 1);
	too_long[AUTHD_SECRET_MAX + 1] = '\0';

	/* pam_unix asks (and fails: xiao is not in /etc/passwd) */
	snprintf(service, sizeof(service), "%s-try", svc);
	ck_assert_int_eq(itest_sh("{ echo 'auth optional pam_unix.so'; "
	    "sed -e '/^auth/s/$/ try_first_pass/' '%s/%s'; } > '%s/%s'",
	    itest.confdir, svc, itest.confdir, service), 0);
	pamh = itest_pam_answering(service, "xiao", &run, too_long, PW_GOOD,
	    NULL);
	r = pam_authenticate(pamh, 0);
	itest_pam_end(pamh, r);
	ck_assert_int_eq(r, PAM_SUCCESS);
	/* pam_unix's prompt, then authd's */
	ck_assert_int_eq(run.prompts, 2);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=xiao ",
	    "result=success ", NULL), 1);

	snprintf(service, sizeof(service), "%s-use", svc);
	ck_assert_int_eq(itest_sh("{ echo 'auth optional pam_unix.so'; "
	    "sed -e '/^auth/s/$/ use_first_pass/' '%s/%s'; } > '%s/%s'",
	    itest.confdir, svc, itest.confdir, service), 0);
	ck_assert_int_eq(itest_login(service, "xiao", too_long, &run),
	    PAM_CONV_ERR);
	ck_assert_int_eq(run.prompts, 1);
	ck_assert_int_eq(itest_audit_wait("user=xiao ", "result=conv_err ",
	    "prompting\\x20not\\x20allowed"), 1);
	ck_assert_int_eq(protocol_errors(), errors);
}
END_TEST

/*
 * The same for the current password in chauthtok: a PAM_OLDAUTHTOK of an
 * earlier module of the password stack that is longer than authd takes is
 * not sent as OLD_AUTHTOK, and authd asks for the current password. Before,
 * authd dropped the malformed request: PAM_SYSTEM_ERR and a protocol_error
 * record. pam_stress sets it: each one asks a new password and makes the
 * PAM_AUTHTOK it found PAM_OLDAUTHTOK, so the second of two passes on the
 * first's new password as the current one (PAM_SILENT: without it
 * pam_stress takes the answer to its info message as the new password).
 */
START_TEST(stack_old_password_longer_than_a_secret_not_sent)
{
	char too_long[AUTHD_SECRET_MAX + 2], service[64];
	struct pam_run run;
	pam_handle_t *pamh;
	int errors = protocol_errors(), r;

	itest_add_person("yuki", 20114, PW_GOOD);
	memset(too_long, 'x', AUTHD_SECRET_MAX + 1);
	too_long[AUTHD_SECRET_MAX + 1] = '\0';
	snprintf(service, sizeof(service), "%s-old", svc);
	ck_assert_int_eq(itest_sh("{ echo 'password requisite pam_stress.so expired'; "
	    "echo 'password requisite pam_stress.so expired'; cat '%s/%s'; } > "
	    "'%s/%s'", itest.confdir, svc, itest.confdir, service), 0);
	pamh = itest_pam_answering(service, "yuki", &run,
	    too_long,            /* the first pam_stress */
	    too_long,
	    "Stress-New-Pass-3", /* the second */
	    "Stress-New-Pass-3",
	    PW_GOOD,             /* authd: the current */
	    "Brand-New-Pass-8",  /* authd: new, retyped */
	    "Brand-New-Pass-8",
	    NULL);
	r = pam_chauthtok(pamh, PAM_SILENT);
	itest_pam_end(pamh, r);
	ck_assert_msg(r == PAM_SUCCESS, "pam_chauthtok: %d, shown: %s", r, run.shown);
	ck_assert_msg(strstr(run.shown, "P:Current password: ") != NULL,
	    "authd did not ask for the current password: %s", run.shown);
	ck_assert_int_eq(run.prompts, 7);
	ck_assert_int_eq(protocol_errors(), errors);
	ck_assert_int_eq(itest_login(svc, "yuki", "Brand-New-Pass-8", &run),
	    PAM_SUCCESS);
}
END_TEST

START_TEST(wrong_password_refused)
{
	struct pam_run run;

	itest_add_person("bert", 20002, PW_GOOD);
	ck_assert_int_eq(itest_login(svc, "bert", PW_BAD, &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=bert",
	    "result=auth_err", "wrong", NULL), 1);
}
END_TEST

START_TEST(unknown_user_looks_like_wrong_password)
{
	struct pam_run known, unknown;

	itest_add_person("cora", 20003, PW_GOOD);
	ck_assert_int_eq(itest_login(svc, "cora", PW_BAD, &known), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_login(svc, "nosuchperson", PW_BAD, &unknown), PAM_AUTH_ERR);
	/* The caller sees exactly the same conversation... */
	ck_assert_str_eq(known.shown, unknown.shown);
	/* ...but the audit log tells them apart. */
	ck_assert_int_eq(itest_audit_count("user=nosuchperson", "result=auth_err",
	    "unknown", NULL), 1);
	ck_assert_int_eq(itest_audit_count("user=cora", "result=auth_err",
	    "unknown", NULL), 0);
}
END_TEST

/*
 * The directory finds a person under a full-width spelling of the name
 * (uid is caseIgnoreMatch, with Unicode folding): such a name is nobody's
 * unless it is the entry's uid exactly, as for the name service. Before,
 * "ｐａｔ" logged in as pat, and its plan was pat's.
 */
START_TEST(full_width_name_is_nobody)
{
	static const char wide[] = "\xef\xbd\x90\xef\xbd\x81\xef\xbd\x94";
	struct pam_run run;
	char who[64];

	itest_add_person("pat", 20097, PW_GOOD);
	ck_assert_int_eq(itest_sh("ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b "
	    "'ou=people,%s' '(uid=%s)' dn | grep -q '^dn: uid=pat,'",
	    itest.ldapi_uri, itest.base_dn, wide), 0);
	ck_assert_int_eq(itest_login(svc, wide, PW_GOOD, &run), PAM_AUTH_ERR);
	snprintf(who, sizeof(who), "user=%s ", wide);
	ck_assert_int_eq(itest_audit_count("event=authenticate", who,
	    "result=auth_err", "unknown", NULL), 1);
	ck_assert_int_eq(itest_login(svc, "pat", PW_GOOD, &run), PAM_SUCCESS);
}
END_TEST

START_TEST(lockout_after_failures)
{
	struct pam_run run;
	int i;

	itest_add_person("dora", 20004, PW_GOOD);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(itest_login(svc, "dora", PW_BAD, &run), PAM_AUTH_ERR);
	/* Now even the right password is refused, with a clear message. */
	ck_assert_int_eq(itest_login(svc, "dora", PW_GOOD, &run), PAM_MAXTRIES);
	ck_assert_msg(strstr(run.shown, "locked") != NULL, "shown: %s", run.shown);
	ck_assert_int_ge(itest_audit_count("user=dora", "result=maxtries", NULL), 1);
}
END_TEST

/*
 * An unknown name locks as a person does: after the default policy's
 * pwdMaxFailure (5) wrong passwords, the next attempt, with any password,
 * shows the locked message and ends in PAM_MAXTRIES, as a person's does
 * with the right one; at every step the two show the same lines. The
 * audit log says the locked name is a decoy. Before, the unknown name said
 * the ordinary failure for ever, and six attempts told it was nobody's.
 * Through service: both_locked_on is the last step, lock_side_by_side_on
 * all of them.
 */
static void
both_locked_on(const char *service, const char *person, const char *nobody)
{
	struct pam_run known, unknown;

	ck_assert_int_eq(itest_login(service, person, PW_GOOD, &known),
	    PAM_MAXTRIES);
	ck_assert_int_eq(itest_login(service, nobody, PW_GOOD, &unknown),
	    PAM_MAXTRIES);
	ck_assert_msg(strstr(unknown.shown, "locked") != NULL, "shown: %s",
	    unknown.shown);
	ck_assert_str_eq(known.shown, unknown.shown);
}

static void
lock_side_by_side_on(const char *service, const char *person,
    const char *nobody)
{
	struct pam_run known, unknown;
	int i;

	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(itest_login(service, person, PW_BAD, &known),
		    PAM_AUTH_ERR);
		ck_assert_int_eq(itest_login(service, nobody, PW_BAD, &unknown),
		    PAM_AUTH_ERR);
		ck_assert_str_eq(known.shown, unknown.shown);
	}
	both_locked_on(service, person, nobody);
}

static void
lock_side_by_side(const char *person, const char *nobody)
{
	lock_side_by_side_on(svc, person, nobody);
}

/*
 * The decoys' locks are also saved at the minute's sweep, not only when
 * authd stops: one killed outright (no stop, no save then) still knows a
 * name it locked more than a minute before. The save is seen as the file's
 * change, waited for up to 75 s (the sweep runs every 60 s from the start).
 */
START_TEST(decoy_lock_saved_each_minute)
{
	struct pam_run known, unknown;
	char path[600];
	struct timespec locked;
	struct stat st;
	pid_t pid;
	int i;

	itest_add_person("lene", 20131, PW_GOOD);
	snprintf(path, sizeof(path), "%s/state/decoy-locks", itest.dir);
	lock_side_by_side("lene", "nobody-lene");
	/* written after the lock: a sweep earlier in the same second is not it */
	clock_gettime(CLOCK_REALTIME, &locked);
	for (i = 0; i < 750; i++) {
		if (stat(path, &st) == 0 && (st.st_mtim.tv_sec > locked.tv_sec ||
		    (st.st_mtim.tv_sec == locked.tv_sec &&
		    st.st_mtim.tv_nsec > locked.tv_nsec)))
			break;
		usleep(100000);
	}
	ck_assert_msg(i < 750, "%s not written within 75 s of the lock", path);

	pid = itest_authd_pid();
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	for (i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(50000);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_ne(itest_authd_pid(), pid);
	ck_assert_int_eq(itest_login(svc, "lene", PW_GOOD, &known), PAM_MAXTRIES);
	ck_assert_int_eq(itest_login(svc, "nobody-lene", PW_GOOD, &unknown),
	    PAM_MAXTRIES);
	ck_assert_str_eq(known.shown, unknown.shown);
}
END_TEST

/*
 * The failures the directory recorded on the timing entry (pwdFailureTime,
 * the last five): a decoy's bind there hashes the password and records one,
 * as a person's wrong password does. A locked person's bind does neither
 * (ppolicy refuses it first), so neither may a locked decoy's.
 */
static int chauthtok_as(const char *user, const char *old_pw,
    const char *new_pw, struct pam_run *run, long long *ms_r);

static void
timing_failures(char *out, size_t outsz)
{
	ck_assert_int_eq(itest_sh_out(out, outsz, "ldapsearch -LLL -Q -Y "
	    "EXTERNAL -H '%s' -b 'cn=authd-timing,ou=system,%s' -s base "
	    "pwdFailureTime | grep '^pwdFailureTime:' | sort", itest.ldapi_uri,
	    itest.base_dn), 0);
}

START_TEST(unknown_name_locks_like_a_person)
{
	struct pam_run known, unknown;

	itest_add_person("delia", 20110, PW_GOOD);
	lock_side_by_side("delia", "nobody-delia");
	ck_assert_int_eq(itest_audit_reason("nobody-delia", "maxtries",
	    "unknown user; decoy locked"), 1);
	/* and it stays locked, in any case of its name (as the directory's) */
	ck_assert_int_eq(itest_login(svc, "delia", PW_BAD, &known), PAM_MAXTRIES);
	ck_assert_int_eq(itest_login(svc, "NoBody-Delia", PW_BAD, &unknown),
	    PAM_MAXTRIES);
	ck_assert_str_eq(known.shown, unknown.shown);
	ck_assert_int_eq(itest_audit_reason("NoBody-Delia", "maxtries",
	    "unknown user; decoy locked"), 1);
	/* another unknown name is not locked by it */
	ck_assert_int_eq(itest_login(svc, "nobody-delib", PW_BAD, &unknown),
	    PAM_AUTH_ERR);
}
END_TEST

/*
 * A locked decoy costs what a locked person's attempt costs: the directory
 * refuses a locked person's bind before hashing the password, so a locked
 * decoy does not bind the timing entry (which hashes, about the time of
 * one {ARGON2} hash more: a locked name that answered later would be
 * nobody's). Seen on the timing entry, which records each bind's failure:
 * none is added while the name is locked, one is by an unlocked unknown
 * name (the observation sees a bind). Through the event loop's bind (a
 * password login) and through chauthtok.
 */
START_TEST(locked_decoy_binds_as_a_locked_person)
{
	struct pam_run known, unknown;
	char before[2048], after[2048];

	itest_add_person("mira", 20113, PW_GOOD);
	lock_side_by_side("mira", "nobody-mira");
	timing_failures(before, sizeof(before));
	ck_assert_int_eq(itest_login(svc, "mira", PW_BAD, &known), PAM_MAXTRIES);
	ck_assert_int_eq(itest_login(svc, "nobody-mira", PW_BAD, &unknown),
	    PAM_MAXTRIES);
	ck_assert_str_eq(known.shown, unknown.shown);
	ck_assert_int_eq(chauthtok_as("nobody-mira", PW_BAD, "Brand-New-Pass-9",
	    &unknown, NULL), PAM_MAXTRIES);
	timing_failures(after, sizeof(after));
	ck_assert_str_eq(before, after);
	/* an unlocked unknown name binds it, and that is seen */
	ck_assert_int_eq(itest_login(svc, "nobody-mirb", PW_BAD, &unknown),
	    PAM_AUTH_ERR);
	timing_failures(after, sizeof(after));
	ck_assert_str_ne(before, after);
}
END_TEST

/* A decoy's lock is kept across a restart of authd, as the directory keeps a person's. */
START_TEST(decoy_lock_survives_restart)
{
	struct pam_run known, unknown;

	itest_add_person("lars", 20111, PW_GOOD);
	lock_side_by_side("lars", "nobody-lars");
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_login(svc, "lars", PW_GOOD, &known), PAM_MAXTRIES);
	ck_assert_int_eq(itest_login(svc, "nobody-lars", PW_GOOD, &unknown),
	    PAM_MAXTRIES);
	ck_assert_str_eq(known.shown, unknown.shown);
	ck_assert_int_eq(itest_audit_reason("nobody-lars", "maxtries",
	    "unknown user; decoy locked"), 2);
}
END_TEST

/* (Re)start the second authd, on a host without TOTP: no site key. */
static void
second_without_site_key(void)
{
	ck_assert_int_eq(itest_sh("AUTHD_NO_SITE_KEY=1 '%s/scripts/authd-local' "
	    "second-authd %s >>%s/second.log 2>&1", itest.srcdir, itest.dir,
	    itest.dir), 0);
	ck_assert_int_eq(itest_sh("! grep -q '^totp_key_file' "
	    "%s/second/authd.conf", itest.dir), 0);
}

/*
 * A host without TOTP has no site key to draw the decoys' key from: authd
 * makes a key of its own in state_dir at its first start (root's, 0600)
 * and reads it at the next, so a decoy's lock survives a restart there
 * too (with a key of each run's own, its saved locks would be another
 * key's, never read). A key file it cannot use is named in the log with
 * what to do; that run has a random key (the locks kept are not read) and
 * serves as before.
 */
START_TEST(decoy_key_of_a_host_without_site_key)
{
	struct pam_run run;
	char key[600];
	struct stat st;

	itest_add_person("lotta", 20132, PW_GOOD);
	itest_add_person("lukas", 20133, PW_GOOD);
	second_without_site_key();
	snprintf(key, sizeof(key), "%s/second/state/decoy.key", itest.dir);
	ck_assert_int_eq(lstat(key, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_uid, 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_size, 65);               /* 64 hex digits, newline */
	ck_assert_int_eq(itest_log_lines_of(second_log,
	    "a decoy key made for this host"), 1);

	lock_side_by_side_on(svc2, "lotta", "nobody-lotta");
	second_without_site_key();                      /* stopped, started */
	ck_assert_int_eq(itest_log_lines_of(second_log,
	    "a decoy key made for this host"), 1);
	ck_assert_int_eq(itest_log_lines_of(second_log, "a random key for this run"),
	    0);
	both_locked_on(svc2, "lotta", "nobody-lotta");

	/* not a key: named, with what to do; a random key, serving */
	ck_assert_int_eq(itest_sh("echo not-a-key > %s", key), 0);
	second_without_site_key();
	ck_assert_int_eq(itest_log_lines_of(second_log,
	    "decoy key must be 64 hex digits"), 1);
	ck_assert_int_eq(itest_log_lines_of(second_log,
	    "remove the file to have a new key made"), 1);
	ck_assert_int_eq(itest_login(svc2, "lukas", PW_GOOD, &run), PAM_SUCCESS);
	/* the lock was kept under the other key: not read this run */
	ck_assert_int_eq(itest_login(svc2, "nobody-lotta", PW_GOOD, &run),
	    PAM_AUTH_ERR);
	/* a key others can read is not used either, nor replaced */
	ck_assert_int_eq(itest_sh("openssl rand -hex 32 > %s && chmod 0644 %s",
	    key, key), 0);
	second_without_site_key();
	ck_assert_int_eq(itest_log_lines_of(second_log,
	    "decoy key must be owned by root, mode 0600 or 0640"), 1);
	ck_assert_int_eq(lstat(key, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(itest_login(svc2, "lukas", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_sh("kill $(cat %s/second/authd.pid)", itest.dir), 0);
}
END_TEST

static void
make_admin(const char *name, long uidn)
{
	itest_add_person(name, uidn, PW_GOOD);
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=authd-admins,ou=groups,%s\nchangetype: modify\nadd: member\n"
	    "member: uid=%s,ou=people,%s\nLDIF\n", itest.ldapi_uri, itest.base_dn,
	    name, itest.base_dn), 0);
}

/*
 * The administrator of uid admin_uid sets name's password to pw with
 * authctl, acting as themselves (SASL EXTERNAL over ldapi): a temporary
 * one, which must be changed at the next login (ppolicy pwdReset).
 */
static void
admin_sets_password(long admin_uid, const char *name, const char *pw)
{
	char pwfile[300];
	FILE *f;

	snprintf(pwfile, sizeof(pwfile), "%s/temp-pw-%s", itest.dir, name);
	ck_assert((f = fopen(pwfile, "w")) != NULL);
	fprintf(f, "%s\n", pw);
	fclose(f);
	itest_sh("chown %ld:%ld %s; chmod 0600 %s", admin_uid, admin_uid, pwfile,
	    pwfile);
	ck_assert_int_eq(itest_sh("setpriv --reuid=%ld --regid=%ld --clear-groups "
	    "'%s/authctl/authctl' -H '%s' -b '%s' user passwd %s --password-file %s",
	    admin_uid, admin_uid, itest.builddir, itest.ldapi_uri, itest.base_dn,
	    name, pwfile), 0);
}

START_TEST(temporary_password_must_be_changed)
{
	struct pam_run run;
	pam_handle_t *pamh;

	make_admin("emil", 20005);
	itest_add_person("fumi", 20006, PW_GOOD);
	admin_sets_password(20005, "fumi", "Temp-Passw0rd-1");

	pamh = itest_pam_answering(svc, "fumi", &run,
	    "Temp-Passw0rd-1",
	    "short",            /* refused by the policy */
	    "short",
	    "Brand-New-Pass-9",
	    "Brand-New-Pass-9",
	    NULL);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_NEW_AUTHTOK_REQD);
	ck_assert_msg(strstr(run.shown, "must change") != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "too short") != NULL,
	    "the policy's reason was not shown: %s", run.shown);
	itest_pam_end(pamh, PAM_SUCCESS);

	ck_assert_int_eq(itest_login(svc, "fumi", "Temp-Passw0rd-1", &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_login(svc, "fumi", "Brand-New-Pass-9", &run), PAM_SUCCESS);
	memset(&run, 0, sizeof(run));
	pamh = itest_pam_start(svc, "fumi", &run);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	itest_pam_end(pamh, PAM_SUCCESS);
}
END_TEST

/* pam_acct_mgmt alone on a new handle, as sshd calls it after a key. */
static int
acct_mgmt_for(const char *user, struct pam_run *run)
{
	pam_handle_t *pamh;
	int r;

	memset(run, 0, sizeof(*run));
	pamh = itest_pam_start(svc, user, run);
	r = pam_acct_mgmt(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

START_TEST(disabled_and_suspended_refused)
{
	struct pam_run run;

	itest_add_person("gin", 20007, PW_GOOD);
	itest_add_person("hana", 20008, PW_GOOD);
	itest_set_attr("gin", "authdAccountState", "disabled");
	itest_set_attr("hana", "authdAccountState", "suspended");
	ck_assert_int_eq(acct_mgmt_for("gin", &run), PAM_ACCT_EXPIRED);
	ck_assert_msg(strstr(run.shown, "disabled") != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(acct_mgmt_for("hana", &run), PAM_PERM_DENIED);
	ck_assert_msg(strstr(run.shown, "suspended") != NULL, "shown: %s", run.shown);
	itest_set_attr("hana", "authdAccountState", "active");
	ck_assert_int_eq(acct_mgmt_for("hana", &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=gin",
	    "result=acct_expired", NULL), 1);
}
END_TEST

START_TEST(last_login_shown_next_time)
{
	struct pam_run run;
	pam_handle_t *pamh;

	itest_add_person("iori", 20009, PW_GOOD);
	ck_assert_int_eq(itest_login(svc, "iori", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "first login") != NULL, "shown: %s", run.shown);

	pamh = itest_pam_answering(svc, "iori", &run, PW_GOOD, NULL);
	pam_set_item(pamh, PAM_RHOST, "ws01.example.com");
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_open_session(pamh, 0), PAM_SUCCESS);
	ck_assert_ptr_nonnull(pam_getenv(pamh, "AUTHD_SESSION_ID"));
	ck_assert_int_eq(pam_close_session(pamh, 0), PAM_SUCCESS);
	itest_pam_end(pamh, PAM_SUCCESS);

	ck_assert_int_eq(itest_login(svc, "iori", PW_BAD, &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_login(svc, "iori", PW_BAD, &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_login(svc, "iori", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "Last login:") != NULL, "shown: %s", run.shown);
	ck_assert_msg(strstr(run.shown, "ws01.example.com") != NULL, "shown: %s", run.shown);
	ck_assert_msg(strstr(run.shown, "Last logout:") != NULL, "shown: %s", run.shown);
	ck_assert_msg(strstr(run.shown, "2 failed login attempts") != NULL,
	    "shown: %s", run.shown);
	/* The successful login reset the count. */
	ck_assert_int_eq(itest_login(svc, "iori", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "failed login") == NULL, "shown: %s", run.shown);
}
END_TEST

/* A caller that is not root may test only its own password. */
START_TEST(non_root_caller_only_self)
{
	pid_t pid;
	int st;

	itest_add_person("jun", 20010, PW_GOOD);
	itest_add_person("kai", 20011, PW_GOOD);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct pam_run run;
		pam_handle_t *pamh;
		int other, self, session;

		if (setgid(20010) != 0 || setuid(20010) != 0)
			_exit(90);
		other = itest_login("authd-user", "kai", PW_GOOD, &run);
		self = itest_login("authd-user", "jun", PW_GOOD, &run);
		/* a session, even its own, is not for it to open (root's) */
		pamh = itest_pam_start("authd-user", "jun", &run);
		session = pam_open_session(pamh, 0);
		itest_pam_end(pamh, session);
		_exit(other == PAM_AUTH_ERR && self == PAM_SUCCESS &&
		    session == PAM_PERM_DENIED ? 0 : other == PAM_SUCCESS ? 91 :
		    session != PAM_PERM_DENIED ? 93 : 92);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "child status %d (91: tested another user's password; 93: opened "
	    "a session)", st);
	ck_assert_int_ge(itest_audit_count("user=kai", "peer_uid=20010",
	    "result=auth_err", NULL), 1);
	ck_assert_int_eq(itest_audit_wait("event=open_session", "user=jun",
	    "result=perm_denied"), 1);
}
END_TEST

static int
raw_connect(const char *path)
{
	int fd = itest_unix_connect(path);

	ck_assert_int_ge(fd, 0);
	return fd;
}

/* authd closes the connection: read() returns 0 or an error, never hangs. */
static void
assert_closed_by_authd(int fd)
{
	struct timeval tv = { 5, 0 };
	char buf[256];
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	ck_assert_msg(n == 0 || errno != EAGAIN, "authd kept a bad connection open");
	close(fd);
}

START_TEST(garbage_leaves_authd_serving)
{
	static const unsigned char oversized[] = {
		0x41, 0x44, 1, 1, 0x7f, 0xff, 0xff, 0xff };
	static const unsigned char bad_version[] = { 0x41, 0x44, 9, 1, 0, 0, 0, 0 };
	struct pam_run run;
	pid_t before = itest_authd_pid();
	int fd, idle;

	itest_add_person("lena", 20012, PW_GOOD);
	fd = raw_connect(itest.socket);
	ck_assert_int_eq(write(fd, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	assert_closed_by_authd(fd);
	fd = raw_connect(itest.socket);
	ck_assert_int_eq(write(fd, oversized, sizeof(oversized)), (ssize_t)sizeof(oversized));
	assert_closed_by_authd(fd);
	fd = raw_connect(itest.socket);
	ck_assert_int_eq(write(fd, bad_version, sizeof(bad_version)), (ssize_t)sizeof(bad_version));
	assert_closed_by_authd(fd);
	/* An idle connection that never speaks does not block anyone. */
	idle = raw_connect(itest.socket);
	ck_assert_int_eq(itest_login(svc, "lena", PW_GOOD, &run), PAM_SUCCESS);
	close(idle);
	ck_assert_int_eq(itest_authd_pid(), before);
	ck_assert_int_eq(kill(before, 0), 0);
}
END_TEST

/*
 * One user cannot take the user socket from the others: past 16 of its
 * connections, more are closed at once; root's logins go on.
 */
START_TEST(user_socket_connections_per_uid)
{
	struct pam_run run;
	pid_t pid;
	int st;

	itest_add_person("lio", 20052, PW_GOOD);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fds[17], i;

		if (setgid(20052) != 0 || setuid(20052) != 0)
			_exit(90);
		for (i = 0; i < 17; i++)
			if ((fds[i] = itest_unix_connect(itest.user_socket)) < 0)
				_exit(91);
		/* the 17th: closed without a word; the first still open */
		if (!itest_closed_within(fds[16], 5000))
			_exit(92);
		if (itest_closed_within(fds[0], 0))
			_exit(93);
		/* its own login works again once it lets go of them (when authd
		 * has seen them close) */
		for (i = 0; i < 16; i++)
			close(fds[i]);
		for (i = 0; i < 100; i++) {
			if (itest_login("authd-user", "lio", PW_GOOD, &run) ==
			    PAM_SUCCESS)
				_exit(0);
			usleep(50000);
		}
		_exit(94);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d "
	    "(92: the 17th connection was kept)", st);
	ck_assert_int_eq(itest_login(svc, "lio", PW_GOOD, &run), PAM_SUCCESS);
}
END_TEST

START_TEST(directory_down_then_back)
{
	struct pam_run run;
	pid_t before = itest_authd_pid();

	itest_add_person("mio", 20013, PW_GOOD);
	ck_assert_int_eq(itest_login(svc, "mio", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-stop %s >/dev/null",
	    itest.srcdir, itest.dir), 0);
	ck_assert_int_eq(itest_login(svc, "mio", PW_GOOD, &run), PAM_AUTHINFO_UNAVAIL);
	ck_assert_msg(strstr(run.shown, "unreachable") != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-start %s >/dev/null",
	    itest.srcdir, itest.dir), 0);
	ck_assert_int_eq(itest_login(svc, "mio", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_authd_pid(), before);
	ck_assert_int_ge(itest_audit_count("user=mio", "result=authinfo_unavail", NULL), 1);
}
END_TEST

/* A config value of authd's ("" when unset). */
static void
conf_value(const char *key, char *out, size_t outsz)
{
	ck_assert_int_eq(itest_sh_out(out, outsz, "sed -n 's#^%s = ##p' "
	    "%s/authd.conf", key, itest.dir), 0);
	out[strcspn(out, "\n")] = '\0';
}

/* Wait for n children; how many did not exit 0. */
static int
wait_kids(const pid_t *kids, int n)
{
	int k, status, bad = 0;

	for (k = 0; k < n; k++) {
		ck_assert_int_eq(waitpid(kids[k], &status, 0), kids[k]);
		bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	return bad;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

#define FLOOD_MS 3000

/* As uid, connections with 8 bytes of garbage each for FLOOD_MS. */
static void
flood_for(const struct timespec *t0)
{
	static const char garbage[8] = "GARBAGE!";
	int fd;

	while (seconds_since(t0) * 1000 < FLOOD_MS) {
		if ((fd = itest_unix_connect(itest.user_socket)) < 0)
			continue;
		/* refused ones are closed already: no SIGPIPE */
		if (send(fd, garbage, sizeof(garbage), MSG_NOSIGNAL) == -1 &&
		    errno != EPIPE && errno != ECONNRESET)
			_exit(93);
		close(fd);
	}
}

/*
 * As uid: two processes flood the user socket for FLOOD_MS while, halfway,
 * a login of its own is tried (the flood takes every token as it comes
 * back, so none is there for it). Exit 0 when the login is refused as a
 * user would see it (authd unavailable).
 */
static void
flood_user_socket(uid_t uid, const char *user)
{
	struct pam_run run;
	struct timespec t0;
	pid_t flooder[2];
	int i, r;

	if (setgid(uid) != 0 || setuid(uid) != 0)
		_exit(90);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 2; i++)
		if ((flooder[i] = fork()) == 0) {
			flood_for(&t0);
			_exit(0);
		}
	usleep(FLOOD_MS * 1000 / 2);
	r = itest_login("authd-user", user, PW_GOOD, &run);
	for (i = 0; i < 2; i++)
		if (flooder[i] > 0)
			(void)waitpid(flooder[i], NULL, 0);
	switch (r) {
	case PAM_AUTHINFO_UNAVAIL: _exit(0);
	case PAM_SUCCESS: _exit(91);
	default: _exit(94);
	}
}

/* As uid, a login on the user socket, tried once every 3 s (3 tokens back
 * in between; a login costs one); 0 when one succeeds. */
static void
login_after_refill(uid_t uid, const char *user)
{
	struct pam_run run;
	int i;

	if (setgid(uid) != 0 || setuid(uid) != 0)
		_exit(90);
	for (i = 0; i < 4; i++) {
		sleep(3);
		if (itest_login("authd-user", user, PW_GOOD, &run) == PAM_SUCCESS)
			_exit(0);
	}
	_exit(92);
}

/* The refusals of uid's the rate limit counted, summed over its count
 * records ("N connections and requests ... since the last count"). */
static long
rate_counted(long uid)
{
	char out[64];

	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "grep -F "
	    "'since\\x20the\\x20last\\x20count' %s | grep -F 'event=rate_limit' | "
	    "grep -F 'peer_uid=%ld ' | grep -o -E 'reason=[0-9]+' | cut -d= -f2 | "
	    "awk '{ s += $1 } END { print s + 0 }'", itest.audit_log, uid), 0);
	return atol(out);
}

/*
 * One user cannot flood the audit log through the user socket: past a burst
 * of USER_RATE_BURST, its connections are taken at USER_RATE_PER_S a second
 * and the others closed unread, without a record each; the first refusal is
 * recorded once. Root's logins (the privileged socket) go on during the
 * flood, and the user's own logins come back once its bucket refills. The
 * bound on the records is the test's own elapsed time, so a slow machine
 * makes it looser, never false.
 */
START_TEST(user_socket_rate_per_uid)
{
	struct pam_run run;
	struct timespec t0;
	pid_t pid;
	int st, root_login, records, bound, first;
	double secs;

	itest_add_person("rafa", 20063, PW_GOOD);
	ck_assert_int_eq(itest_audit_count("peer_uid=20063 ", NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		flood_user_socket(20063, "rafa");
	/* the burst is spent within the first second */
	usleep(FLOOD_MS * 1000 / 2);
	root_login = itest_login(svc, "rafa", PW_GOOD, &run);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	records = itest_audit_count("event=protocol_error", "peer_uid=20063 ",
	    NULL);
	secs = seconds_since(&t0);
	bound = USER_RATE_BURST + (int)(secs * USER_RATE_PER_S) + 2;

	ck_assert_int_eq(root_login, PAM_SUCCESS);
	ck_assert_msg(records > 0 && records <= bound, "%d protocol_error "
	    "records of uid 20063 in %.1f s (at most %d)", records, secs, bound);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "flood child "
	    "status %d (91: its login went through during the flood)", st);
	ck_assert_int_le(itest_log_lines("protocol error from uid 20063 "), bound);
	/* the first refusal, once; the count of them comes with the sweep */
	first = itest_audit_wait("event=rate_limit", "peer_uid=20063 ",
	    "result=perm_denied reason=over\\x20the\\x20rate\\x20limit");
	ck_assert_int_eq(first, 1);
	ck_assert_int_eq(itest_log_lines("uid 20063: over the rate limit"), 1);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		login_after_refill(20063, "rafa");
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "refill child "
	    "status %d (92: no login of its own after 12 s)", st);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=rafa",
	    "peer_uid=20063 ", "result=success", NULL), 1);
	/* the refusals after the first are counted: recorded each minute and,
	 * for the last minute's, when authd stops */
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_gt(rate_counted(20063), 0);
}
END_TEST

/*
 * With the directory gone, the event loop's bind connections are tried again
 * at most once a second (each failed try says so in authd.log), not once per
 * login; the logins meanwhile go to the workers and are refused as
 * unavailable. When the directory is back, the loop opens its connections
 * again and says so, and from then on binds every password itself (authd's
 * debug log names each bind handed to a worker). No failure delay here, so the logins come faster than
 * one a second (and all while authd's copy of the login policies is fresh:
 * without it nothing is decided on the loop). The bound on the tries is the
 * test's own elapsed time, so a slow machine makes it looser, never false.
 */
START_TEST(loop_binds_rest_while_directory_down)
{
	static const char tried[] = "binds go to workers for now";
	static const char back[] = "binds are back on the event loop";
	static const char on_worker[] = "a worker binds";
	struct pam_run run;
	struct timespec t0;
	char delay[32];
	int i, tries, backs, workers;
	double secs;
	pid_t before;

	itest_add_person("yui", 20050, PW_GOOD);
	conf_value("fail_delay_ms", delay, sizeof(delay));
	ck_assert_int_eq(itest_set_conf("fail_delay_ms", "0"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	before = itest_authd_pid();
	ck_assert_int_eq(itest_login(svc, "yui", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-stop %s >/dev/null",
	    itest.srcdir, itest.dir), 0);
	tries = itest_log_lines(tried);
	backs = itest_log_lines(back);
	workers = itest_log_lines(on_worker);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 12; i++)
		ck_assert_int_eq(itest_login(svc, "yui", PW_GOOD, &run),
		    PAM_AUTHINFO_UNAVAIL);
	secs = seconds_since(&t0);
	tries = itest_log_lines(tried) - tries;
	workers = itest_log_lines(on_worker) - workers;
	/* the directory back first: the later tests need it whatever happens here */
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-start %s >/dev/null",
	    itest.srcdir, itest.dir), 0);
	ck_assert_msg(tries >= 1, "the loop never tried to connect");
	ck_assert_msg(workers >= 1, "no bind handed to a worker while the loop "
	    "had no connection");
	ck_assert_msg(tries <= (int)secs + 2, "%d connect tries in %.1f s for 12 "
	    "logins: not resting a second between them", tries, secs);
	/* logins work at once (workers); within about a second the loop is back */
	for (i = 0; i < 100 && itest_log_lines(back) == backs; i++) {
		ck_assert_int_eq(itest_login(svc, "yui", PW_GOOD, &run), PAM_SUCCESS);
		usleep(50000);
	}
	ck_assert_msg(itest_log_lines(back) == backs + 1, "authd.log never said the "
	    "loop's bind connections were open again");
	/* from now on the loop binds: no login's bind is handed to a worker */
	workers = itest_log_lines(on_worker);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(itest_login(svc, "yui", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_login(svc, "yui", PW_BAD, &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_log_lines(on_worker), workers);
	ck_assert_int_eq(itest_authd_pid(), before);
	ck_assert_int_eq(itest_set_conf("fail_delay_ms", delay), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

/*
 * A request sits unread in slapd's socket (slapd is frozen): bytes in a
 * connection's queue, or a connection not yet accepted (-a: the listening
 * socket's Recv-Q is its backlog).
 */
static int
slapd_has_unread_request(void)
{
	return itest_sh("ss -xaH | grep -F '%s/slapd/ldapi' | awk '$3 > 0 "
	    "{ found = 1 } END { exit !found }'", itest.dir) == 0;
}

/*
 * authd restarted with ldap_timeout = new_timeout (timeout gets the setting
 * it had), and user logged in three times (the loop's bind connections are
 * open): slapd's pid, for SIGSTOP and SIGCONT.
 */
static pid_t
directory_after_logins(const char *user, const char *new_timeout,
    char *timeout, size_t len)
{
	struct pam_run run;
	char pid[32];
	pid_t slapd;
	int i;

	conf_value("ldap_timeout", timeout, len);
	ck_assert_int_eq(itest_set_conf("ldap_timeout", new_timeout), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(itest_login(svc, user, PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_sh_out(pid, sizeof(pid), "cat %s/slapd/slapd.pid",
	    itest.dir), 0);
	slapd = (pid_t)atol(pid);
	ck_assert_int_gt(slapd, 1);
	return slapd;
}

/*
 * Freeze slapd (SIGSTOP). A guard wakes it after 60 s whatever happens: a
 * test that fails while it is frozen must not leave the next tests hanging
 * on a directory that never answers.
 */
static void
freeze(pid_t slapd)
{
	/* in a session of its own: check ends the test's process group */
	ck_assert_int_eq(itest_sh("setsid sh -c 'sleep 60; kill -CONT %ld' "
	    ">/dev/null 2>&1 </dev/null &", (long)slapd), 0);
	ck_assert_int_eq(kill(slapd, SIGSTOP), 0);
}

/*
 * A login of user in a child, started while slapd is frozen: returned once
 * its bind waits, unread, in slapd's socket. The child exits 0 when the
 * login is refused as unavailable with the "unreachable" message.
 */
static pid_t
login_waiting_on_directory(const char *user)
{
	struct pam_run run;
	pid_t child;
	int i, status;

	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		status = itest_login(svc, user, PW_GOOD, &run);
		_exit(status == PAM_AUTHINFO_UNAVAIL &&
		    strstr(run.shown, "unreachable") != NULL ? 0 : 1);
	}
	for (i = 0; i < 200 && !slapd_has_unread_request(); i++)
		usleep(50 * 1000);
	ck_assert_msg(slapd_has_unread_request(), "no bind reached slapd");
	return child;
}

/*
 * A directory that stops answering without going away (frozen): the login
 * waiting on its bind holds up nobody else's conversation, is refused
 * cleanly after ldap_timeout (its bind is not sent again), and logins work
 * again when the directory answers, without a restart of authd.
 */
START_TEST(hung_directory_holds_up_nobody)
{
	struct pam_run run;
	pid_t slapd, child;
	char timeout[32];
	int fd, status;

	itest_add_person("nora", 20019, PW_GOOD);
	slapd = directory_after_logins("nora", "1", timeout, sizeof(timeout));
	freeze(slapd);
	child = login_waiting_on_directory("nora");
	/* meanwhile authd reads and judges another connection */
	fd = raw_connect(itest.socket);
	ck_assert_int_eq(write(fd, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	assert_closed_by_authd(fd);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_int_eq(kill(slapd, SIGCONT), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the login during the freeze was not refused as unavailable");
	ck_assert_int_eq(itest_sh("grep -q 'no reply within 1000 ms; the login "
	    "is refused as unavailable' %s/authd.log", itest.dir), 0);
	ck_assert_int_eq(itest_login(svc, "nora", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_ge(itest_audit_count("user=nora", "result=authinfo_unavail",
	    NULL), 1);
	ck_assert_int_eq(itest_set_conf("ldap_timeout", timeout[0] != '\0' ?
	    timeout : "5"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

/*
 * The directory dies while a bind waits in its socket: the connection's
 * end, not ldap_timeout, refuses the login as unavailable at once (its
 * bind is not sent again), and logins work when the directory is back.
 */
START_TEST(directory_lost_during_bind)
{
	struct pam_run run;
	pid_t slapd, child;
	char timeout[32];
	int status;

	itest_add_person("vera", 20077, PW_GOOD);
	/* long enough that only the lost connection can end the wait */
	slapd = directory_after_logins("vera", "30", timeout, sizeof(timeout));
	freeze(slapd);
	child = login_waiting_on_directory("vera");
	ck_assert_int_eq(kill(slapd, SIGKILL), 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	/* back first: the next tests need it whatever this one finds */
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-start %s >/dev/null",
	    itest.srcdir, itest.dir), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the login whose directory died was not refused as unavailable");
	ck_assert_int_eq(itest_sh("grep -q 'connection lost before the reply; the "
	    "login is refused as unavailable' %s/authd.log", itest.dir), 0);
	ck_assert_int_ge(itest_audit_count("user=vera", "result=authinfo_unavail",
	    NULL), 1);
	ck_assert_int_eq(itest_login(svc, "vera", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_set_conf("ldap_timeout", timeout[0] != '\0' ?
	    timeout : "5"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

/* Values of pwdFailureTime on a person's entry (ppolicy's failure count). */
static int
failures_of(const char *uid)
{
	char out[64];

	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "ldapsearch -Q -LLL -Y "
	    "EXTERNAL -H '%s' -b uid=%s,ou=people,%s -s base pwdFailureTime | "
	    "grep -c '^pwdFailureTime:' || true", itest.ldapi_uri, uid,
	    itest.base_dn), 0);
	return atoi(out);
}

/*
 * A wrong password whose bind the directory does not answer within
 * ldap_timeout is refused as unavailable, and counts once toward the
 * lockout when the directory comes back: the bind is sent once and its late
 * reply taken, not sent again on a worker (which counted it twice).
 */
START_TEST(unanswered_wrong_password_counts_once)
{
	struct pam_run run;
	pid_t slapd, child;
	char timeout[32];
	int i, status;

	itest_add_person("stall", 20055, PW_GOOD);
	slapd = directory_after_logins("stall", "1", timeout, sizeof(timeout));
	ck_assert_int_eq(failures_of("stall"), 0);
	freeze(slapd);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(itest_login(svc, "stall", PW_BAD, &run) ==
		    PAM_AUTHINFO_UNAVAIL ? 0 : 1);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_int_eq(kill(slapd, SIGCONT), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the wrong password during the freeze was not refused as unavailable");
	/* the directory works through what it was sent, then nothing more comes */
	for (i = 0; i < 100 && failures_of("stall") == 0; i++)
		usleep(50 * 1000);
	usleep(500 * 1000);
	ck_assert_int_eq(failures_of("stall"), 1);
	ck_assert_int_eq(itest_login(svc, "stall", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_set_conf("ldap_timeout", timeout[0] != '\0' ?
	    timeout : "5"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

/*
 * Six people PREFIX0..PREFIX5 (uids from uid0), and authd restarted with
 * one bind connection on its event loop; pool gets the setting it had.
 */
static void
six_people_one_bind_connection(const char *prefix, long uid0, char *pool,
    size_t poolsz)
{
	char name[32];
	int k;

	for (k = 0; k < 6; k++) {
		snprintf(name, sizeof(name), "%s%d", prefix, k);
		itest_add_person(name, uid0 + k, PW_GOOD);
	}
	conf_value("ldap_bind_pool_size", pool, poolsz);
	ck_assert_int_eq(itest_set_conf("ldap_bind_pool_size", "1"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}

/* authd restarted with the bind connections it had before. */
static void
restore_bind_connections(const char *pool)
{
	ck_assert_int_eq(itest_set_conf("ldap_bind_pool_size", pool[0] != '\0' ?
	    pool : "16"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}

/*
 * More logins at once than the event loop has bind connections: they wait
 * their turn and each gets its own answer (a right password in, a wrong one
 * out), with one record each.
 */
START_TEST(logins_queue_for_the_loops_bind_connections)
{
	struct pam_run run;
	pid_t kids[6];
	char pool[32], name[32];
	int i, k;

	six_people_one_bind_connection("queue", 20020, pool, sizeof(pool));
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(itest_login(svc, "queue0", PW_GOOD, &run), PAM_SUCCESS);
	for (k = 0; k < 6; k++) {
		kids[k] = fork();
		ck_assert_int_ge(kids[k], 0);
		if (kids[k] != 0)
			continue;
		/* each child its own person, one wrong password among four */
		snprintf(name, sizeof(name), "queue%d", k);
		for (i = 0; i < 4; i++) {
			int wrong = i == 1;

			if (itest_login(svc, name, wrong ? PW_BAD : PW_GOOD, &run) !=
			    (wrong ? PAM_AUTH_ERR : PAM_SUCCESS))
				_exit(1);
		}
		_exit(0);
	}
	ck_assert_int_eq(wait_kids(kids, 6), 0);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=queue",
	    "result=success", NULL), 2 + 6 * 3);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=queue",
	    "result=auth_err", "wrong\\x20password", NULL), 6);
	restore_bind_connections(pool);
}
END_TEST

/* Wait (bounded) until the audit log holds at least n records matching a, b. */
static int
audit_reaches(const char *a, const char *b, int n)
{
	int i;

	for (i = 0; i < 600; i++) {
		if (itest_audit_count(a, b, NULL) >= n)
			return 1;
		usleep(50 * 1000);
	}
	return 0;
}

/*
 * The directory stops while logins are under way, several of them queued
 * for the loop's one bind connection: every login ends, let in or refused
 * as unavailable, each with its record; authd keeps running, its chain
 * verifies, and logins are let in again once the directory is back.
 */
START_TEST(directory_stops_under_load)
{
	char stop[256], pool[32], name[32], path[300];
	struct pam_run run;
	pid_t kids[6], before;
	int i, k, r, total = 0, base, ok;
	FILE *f;

	six_people_one_bind_connection("load", 20030, pool, sizeof(pool));
	before = itest_authd_pid();
	ck_assert_int_eq(itest_login(svc, "load0", PW_GOOD, &run), PAM_SUCCESS);
	snprintf(stop, sizeof(stop), "%s/stop-logins", itest.dir);
	base = itest_audit_count("event=authenticate", "user=load", NULL);
	ok = itest_audit_count("user=load", "result=success", NULL);
	for (k = 0; k < 6; k++) {
		kids[k] = fork();
		ck_assert_int_ge(kids[k], 0);
		if (kids[k] != 0)
			continue;
		snprintf(name, sizeof(name), "load%d", k);
		for (i = 0; access(stop, F_OK) != 0 && i < 5000; i++) {
			r = itest_login(svc, name, PW_GOOD, &run);
			if (r != PAM_SUCCESS && r != PAM_AUTHINFO_UNAVAIL)
				_exit(1);
		}
		snprintf(path, sizeof(path), "%s/kid%d", itest.dir, k);
		if ((f = fopen(path, "w")) == NULL)
			_exit(1);
		fprintf(f, "%d\n", i);
		_exit(fclose(f) == 0 ? 0 : 1);
	}
	ck_assert(audit_reaches("user=load", "result=success", ok + 12));
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-stop %s >/dev/null",
	    itest.srcdir, itest.dir), 0);
	ck_assert(audit_reaches("user=load", "result=authinfo_unavail", 6));
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-start %s >/dev/null",
	    itest.srcdir, itest.dir), 0);
	ok = itest_audit_count("user=load", "result=success", NULL);
	ck_assert(audit_reaches("user=load", "result=success", ok + 12));
	ck_assert_int_eq(itest_sh("touch %s", stop), 0);
	ck_assert_int_eq(wait_kids(kids, 6), 0);
	for (k = 0; k < 6; k++) {
		snprintf(path, sizeof(path), "%s/kid%d", itest.dir, k);
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%d", &i) == 1)
				total += i;
			fclose(f);
		}
	}
	/* one record for every login, none lost, none twice */
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=load", NULL),
	    base + total);
	ck_assert_int_eq(itest_authd_pid(), before);
	ck_assert_int_eq(itest_sh("'%s/authctl/authctl' audit verify '%s' >/dev/null",
	    itest.builddir, itest.audit_log), 0);
	ck_assert_int_eq(itest_login(svc, "load0", PW_GOOD, &run), PAM_SUCCESS);
	restore_bind_connections(pool);
}
END_TEST

/*
 * ldap:// with StartTLS (the default for ldap:// URIs). slapd gets a
 * certificate from a CA made here and refuses every operation without a
 * security layer (olcSecurity ssf=1; ldapi counts as one); authd reaches it
 * at ldap://127.0.0.1 trusting that CA: logins are let in and refused as
 * usual, one after another and several at once, so both the workers' and
 * the event loop's own binds go over TLS.
 */
/* A CA and a certificate for 127.0.0.1 signed by it, in DIR/tls. */
static void
make_test_certs(void)
{
	ck_assert_int_eq(itest_sh("set -e; d=%s/tls; mkdir -p $d; cd $d; "
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
	    "-nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=authd-test-ca "
	    "2>/dev/null; openssl req -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr "
	    "-subj /CN=127.0.0.1 2>/dev/null; printf 'subjectAltName=IP:127.0.0.1\\n' "
	    "> ext; openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out srv.pem -days 2 -extfile ext 2>/dev/null",
	    itest.dir), 0);
}

/* slapd's ldap:// URI (plain LDAP on 127.0.0.1). */
static void
slapd_ldap_uri(char *uri, size_t urisz)
{
	ck_assert_int_eq(itest_sh_out(uri, urisz, "eval \"$('%s/ldap_schema/"
	    "authd-slapd' env %s/slapd)\" && printf %%s \"$LDAP_URI\"",
	    itest.srcdir, itest.dir), 0);
	uri[strcspn(uri, "\n")] = '\0';
	ck_assert_msg(strncmp(uri, "ldap://", 7) == 0, "LDAP_URI: %s", uri);
}

/*
 * slapd asks no security layer of plain LDAP (deleting olcSecurity would
 * leave the running server's requirement in place until a restart).
 */
static void
no_security_layer_needed(void)
{
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<LDIF\n"
	    "dn: cn=config\nchangetype: modify\nreplace: olcSecurity\n"
	    "olcSecurity: ssf=0\nLDIF\n", itest.ldapi_uri), 0);
}

START_TEST(starttls_to_the_directory)
{
	char uri[256], old_uri[256], ca[300];
	struct pam_run run;
	pid_t kids[4];
	int i, k;

	itest_add_person("tilda", 20040, PW_GOOD);
	make_test_certs();
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<LDIF\n"
	    "dn: cn=config\nchangetype: modify\nreplace: olcTLSCACertificateFile\n"
	    "olcTLSCACertificateFile: %s/tls/ca.pem\n-\n"
	    "replace: olcTLSCertificateFile\nolcTLSCertificateFile: %s/tls/srv.pem\n-\n"
	    "replace: olcTLSCertificateKeyFile\n"
	    "olcTLSCertificateKeyFile: %s/tls/srv.key\n-\n"
	    "replace: olcSecurity\nolcSecurity: ssf=1\nLDIF\n", itest.ldapi_uri,
	    itest.dir, itest.dir, itest.dir), 0);
	slapd_ldap_uri(uri, sizeof(uri));
	/* without a security layer slapd refuses; with StartTLS it answers */
	ck_assert_int_ne(itest_sh("ldapwhoami -x -H '%s' -D uid=tilda,ou=people,%s "
	    "-w '%s' >/dev/null 2>&1", uri, itest.base_dn, PW_GOOD), 0);
	ck_assert_int_eq(itest_sh("LDAPTLS_CACERT=%s/tls/ca.pem ldapwhoami -ZZ -x "
	    "-H '%s' -D uid=tilda,ou=people,%s -w '%s' >/dev/null", itest.dir, uri,
	    itest.base_dn, PW_GOOD), 0);

	conf_value("ldap_uri", old_uri, sizeof(old_uri));
	snprintf(ca, sizeof(ca), "%s/tls/ca.pem", itest.dir);
	ck_assert_int_eq(itest_set_conf("ldap_uri", uri), 0);
	ck_assert_int_eq(itest_set_conf("ldap_ca_file", ca), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(itest_login(svc, "tilda", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_login(svc, "tilda", PW_BAD, &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_login(svc, "nobody-tls", PW_BAD, &run), PAM_AUTH_ERR);
	for (k = 0; k < 4; k++) {
		kids[k] = fork();
		ck_assert_int_ge(kids[k], 0);
		if (kids[k] != 0)
			continue;
		for (i = 0; i < 5; i++)
			if (itest_login(svc, "tilda", PW_GOOD, &run) != PAM_SUCCESS)
				_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(wait_kids(kids, 4), 0);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=tilda ",
	    "result=success", NULL), 3 + 4 * 5);

	ck_assert_int_eq(itest_set_conf("ldap_uri", old_uri), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	no_security_layer_needed();
}
END_TEST

/*
 * A TLS 1.3 server sends session tickets just after the handshake (OpenSSL
 * does by default; Debian's slapd, built with GnuTLS, does not): they make
 * the event loop's idle bind connections readable with nothing for LDAP in
 * them. Such a connection must stay open, not be taken for a closed one:
 * here slapd is reached through a TLS 1.3 front end that sends tickets
 * (tests/tls-front.py, Python's OpenSSL), and once the loop's connections
 * are open, logins are judged on them, none handed to a worker, none
 * reopened.
 */
START_TEST(tls13_session_tickets_keep_the_loops_connections)
{
	static const char on_worker[] = "a worker binds";
	static const char closed[] = "an idle connection closed";
	char uri[256], old_uri[256], port[32], ca[300], front[300];
	struct pam_run run;
	int i, workers, drops, conns;

	itest_add_person("ume", 20051, PW_GOOD);
	no_security_layer_needed();   /* the front end speaks plain LDAP to slapd */
	make_test_certs();
	slapd_ldap_uri(uri, sizeof(uri));
	ck_assert_int_eq(itest_sh("cd %s/tls && rm -f front.port && "
	    "{ python3 '%s/tests/tls-front.py' srv.pem srv.key $(echo '%s' | "
	    "sed 's#^ldap://##; s#/.*##; s#:# #') front.port >front.log 2>&1 & "
	    "echo $! >front.pid; } && for i in $(seq 1 100); do "
	    "[ -s front.port ] && exit 0; sleep 0.05; done; exit 1",
	    itest.dir, itest.srcdir, uri), 0);
	ck_assert_int_eq(itest_sh_out(port, sizeof(port), "cat %s/tls/front.port",
	    itest.dir), 0);
	port[strcspn(port, "\n")] = '\0';
	snprintf(front, sizeof(front), "ldaps://127.0.0.1:%s", port);
	snprintf(ca, sizeof(ca), "%s/tls/ca.pem", itest.dir);
	conf_value("ldap_uri", old_uri, sizeof(old_uri));
	ck_assert_int_eq(itest_set_conf("ldap_uri", front), 0);
	ck_assert_int_eq(itest_set_conf("ldap_ca_file", ca), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	/* the first login opens the loop's connections; their tickets follow */
	ck_assert_int_eq(itest_login(svc, "ume", PW_GOOD, &run), PAM_SUCCESS);
	usleep(500000);
	workers = itest_log_lines(on_worker);
	drops = itest_log_lines(closed);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(itest_login(svc, "ume", i == 2 ? PW_BAD : PW_GOOD,
		    &run), i == 2 ? PAM_AUTH_ERR : PAM_SUCCESS);
		usleep(200000);
	}
	conns = itest_sh("grep -q 'TLSv1.3 tickets=2' %s/tls/front.log", itest.dir);
	ck_assert_int_eq(itest_set_conf("ldap_uri", old_uri), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	(void)itest_sh("kill $(cat %s/tls/front.pid)", itest.dir);
	ck_assert_msg(conns == 0, "the front end did not speak TLS 1.3 with tickets");
	ck_assert_int_eq(itest_log_lines(closed), drops);
	ck_assert_int_eq(itest_log_lines(on_worker), workers);
}
END_TEST

/*
 * name (uid) under a new policy (policy) of passwords that expire after a
 * second, with grace logins left, once its password expired:
 * authenticated with it on a handle that gives newpw twice when asked
 * (run).
 */
static pam_handle_t *
logged_in_expired(const char *policy, int grace, const char *name, long uid,
    const char *newpw, struct pam_run *run)
{
	pam_handle_t *pamh;

	itest_add_pwpolicy(policy, 1, 0, grace);
	itest_add_person(name, uid, PW_GOOD);
	itest_use_pwpolicy(name, policy);
	sleep(3);
	pamh = itest_pam_answering(svc, name, run, PW_GOOD, newpw, newpw, NULL);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	return pamh;
}

/*
 * A server that accepts connections and never speaks TLS, first of the
 * URIs: its handshake gives up after ldap_timeout and the next URI serves
 * the login. With libldap 2.5.13 a synchronous connection's handshake is
 * retried in a busy loop for ever (a worker at 100% CPU) and the login got
 * no answer.
 */
START_TEST(silent_tls_server_fails_over)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	char old_uri[256], uri[600];
	struct pam_run run;
	long long t0, took;
	pid_t kid;
	int lfd;

	itest_add_person("sina", 20070, PW_GOOD);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 64), 0);   /* the kernel accepts; nobody reads */
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	conf_value("ldap_uri", old_uri, sizeof(old_uri));
	snprintf(uri, sizeof(uri), "ldaps://127.0.0.1:%u %s",
	    (unsigned)ntohs(sa.sin_port), old_uri);
	ck_assert_int_eq(itest_set_conf("ldap_uri", uri), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	t0 = itest_now_ms();
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		/* check's handler of SIGALRM would kill the whole test */
		signal(SIGALRM, SIG_DFL);
		alarm(40);
		_exit(itest_login(svc, "sina", PW_GOOD, &run) == PAM_SUCCESS ? 0 : 1);
	}
	ck_assert_msg(wait_kids(&kid, 1) == 0, "no login within 40 s");
	took = itest_now_ms() - t0;
	ck_assert_int_eq(itest_login(svc, "sina", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_set_conf("ldap_uri", old_uri), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	close(lfd);
	ck_assert_msg(took < 20000, "the login took %lld ms", took);
}
END_TEST

START_TEST(expiry_warning_and_grace_logins)
{
	struct pam_run run;
	pam_handle_t *pamh;

	/* Thirty days of life, warned about sixty days ahead: always warned. */
	itest_add_pwpolicy("warn-early", 30L * 86400, 60L * 86400, 0);
	itest_add_person("olga", 20015, PW_GOOD);
	itest_use_pwpolicy("olga", "warn-early");
	ck_assert_int_eq(itest_login(svc, "olga", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "Your password expires in") != NULL,
	    "no expiry warning: %s", run.shown);

	/* A password that expires after a second, with two grace logins. */
	pamh = logged_in_expired("short-life", 2, "pia", 20016,
	    "Graced-Passw0rd-2", &run);
	ck_assert_msg(strstr(run.shown, "1 grace login left") != NULL, "shown: %s",
	    run.shown);
	/* A grace login is only good for changing the password... */
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_NEW_AUTHTOK_REQD);
	/* ...which takes the last (its bind is one more) */
	ck_assert_int_eq(pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK), PAM_SUCCESS);
	itest_pam_end(pamh, PAM_SUCCESS);
	ck_assert_int_eq(itest_login(svc, "pia", PW_GOOD, &run), PAM_AUTH_ERR);

	/* the last grace login: last_grace_login_changes_password */
}
END_TEST

/*
 * An expired password (pwdChangedTime + pwdMaxAge passed) with no bind to
 * say so: sshd after a public-key login calls only pam_acct_mgmt, and
 * forces a change on PAM_NEW_AUTHTOK_REQD. authd reads the person's policy
 * (pwdPolicySubentry): grace logins left, the change is forced and can be
 * made; none left, refused as a password login would be.
 */
/* user's account stage alone (no password before it): must change now. */
static void
told_expired_without_a_bind(const char *user, struct pam_run *run)
{
	ck_assert_msg(acct_mgmt_for(user, run) == PAM_NEW_AUTHTOK_REQD,
	    "shown: %s", run->shown);
	ck_assert_msg(strstr(run->shown, "E:Your password has expired; you "
	    "must change it now.") != NULL, "shown: %s", run->shown);
}

START_TEST(expired_password_without_a_bind)
{
	struct pam_run run;
	pam_handle_t *pamh;

	itest_add_pwpolicy("short-life3", 3, 0, 2);
	itest_add_pwpolicy("no-grace", 3, 0, 0);
	itest_add_pwpolicy("last-grace", 3, 0, 1);
	itest_add_person("sven", 20118, PW_GOOD);
	itest_use_pwpolicy("sven", "short-life3");
	itest_add_person("tove", 20119, PW_GOOD);
	itest_use_pwpolicy("tove", "no-grace");
	itest_add_person("ugo", 20120, PW_GOOD);
	itest_use_pwpolicy("ugo", "last-grace");

	/* before expiry: valid */
	ck_assert_msg(acct_mgmt_for("sven", &run) == PAM_SUCCESS, "shown: %s",
	    run.shown);
	ck_assert_msg(acct_mgmt_for("tove", &run) == PAM_SUCCESS, "shown: %s",
	    run.shown);
	sleep(5);

	told_expired_without_a_bind("sven", &run);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=sven ",
	    "result=new_authtok_reqd", "reason=must\\x20change\\x20(expired:"
	    "\\x20pwdChangedTime\\x20+\\x20pwdMaxAge\\x20passed;\\x202\\x20"
	    "grace\\x20logins\\x20left)", NULL), 1);
	/* the change sshd then asks for goes through (a grace login's bind) */
	pamh = itest_pam_answering(svc, "sven", &run, PW_GOOD,
	    "Renewed-Passw0rd-9", "Renewed-Passw0rd-9", NULL);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_NEW_AUTHTOK_REQD);
	ck_assert_msg(pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK) ==
	    PAM_SUCCESS, "shown: %s", run.shown);
	itest_pam_end(pamh, PAM_SUCCESS);
	ck_assert_int_eq(itest_login(svc, "sven", "Renewed-Passw0rd-9", &run),
	    PAM_SUCCESS);

	/* no grace login at all: what a password login meets */
	ck_assert_msg(acct_mgmt_for("tove", &run) == PAM_ACCT_EXPIRED,
	    "shown: %s", run.shown);
	ck_assert_msg(strstr(run.shown, "E:Your password has expired. Contact "
	    "your administrator.") != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=tove ",
	    "result=acct_expired", "no\\x20grace\\x20login\\x20left", NULL), 1);

	/* the last grace login used on another handle, not changed: none left
	 * for a later acct_mgmt (the entry records it) */
	pamh = itest_pam_answering(svc, "ugo", &run, PW_GOOD, NULL);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	itest_pam_end(pamh, PAM_SUCCESS);
	ck_assert_msg(acct_mgmt_for("ugo", &run) == PAM_ACCT_EXPIRED,
	    "shown: %s", run.shown);
}
END_TEST

/*
 * pwdGraceExpiry: grace logins are let in only so long after the expiry,
 * however many are left (slapo-ppolicy at a bind). acct_mgmt without a bind
 * says the same: before that time the change is forced, after it the
 * account stage refuses as a password login is refused.
 */
/*
 * A pwdPolicySubentry longer than 255 bytes (a policy named at length) is
 * read like a short one: its password expires for the account stage
 * without a bind. authd kept 255 bytes of the DN and, for a longer one,
 * checked nothing.
 */
START_TEST(long_policy_dn_expires_without_a_bind)
{
	char name[300];
	struct pam_run run;

	snprintf(name, sizeof(name), "a-policy-named-at-length-%0205d", 7);
	ck_assert_uint_gt(strlen(name) + strlen(",ou=policies,") +
	    strlen(itest.base_dn) + 3, 255);
	itest_add_pwpolicy(name, 3, 0, 2);
	itest_add_person("wilma", 20135, PW_GOOD);
	itest_use_pwpolicy("wilma", name);
	ck_assert_msg(acct_mgmt_for("wilma", &run) == PAM_SUCCESS, "shown: %s",
	    run.shown);
	sleep(5);
	told_expired_without_a_bind("wilma", &run);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=wilma ",
	    "result=new_authtok_reqd", NULL), 1);
}
END_TEST

START_TEST(grace_logins_end_with_grace_expiry)
{
	struct pam_run run;

	itest_add_pwpolicy("grace-ends", 1, 0, 3);
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null "
	    "<<'LDIF'\ndn: cn=grace-ends,ou=policies,%s\nchangetype: modify\n"
	    "add: pwdGraceExpiry\npwdGraceExpiry: 5\nLDIF\n", itest.ldapi_uri,
	    itest.base_dn), 0);
	itest_add_person("wren", 20130, PW_GOOD);
	itest_use_pwpolicy("wren", "grace-ends");

	/* expired (more than 1 s), grace logins still let in (up to 6 s) */
	usleep(2500000);
	ck_assert_msg(acct_mgmt_for("wren", &run) == PAM_NEW_AUTHTOK_REQD,
	    "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=wren ",
	    "result=new_authtok_reqd", "3\\x20grace\\x20logins\\x20left",
	    NULL), 1);

	/* past pwdGraceExpiry: none, though no grace login was used */
	sleep(5);
	ck_assert_msg(acct_mgmt_for("wren", &run) == PAM_ACCT_EXPIRED,
	    "shown: %s", run.shown);
	ck_assert_msg(strstr(run.shown, "E:Your password has expired. Contact "
	    "your administrator.") != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=wren ",
	    "result=acct_expired", "pwdGraceExpiry\\x20passed", NULL), 1);
	/* and slapd refuses the password login the same way */
	ck_assert_int_eq(itest_login(svc, "wren", PW_GOOD, &run), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, "expired") != NULL, "shown: %s",
	    run.shown);
}
END_TEST

/*
 * A person on the last grace login: a change's bind would be refused (no
 * grace left), so authd keeps that login's own connection, still bound as
 * the person, and the change on the same PAM handle uses it (grace_hold.h).
 */
START_TEST(last_grace_login_changes_password)
{
	struct pam_run run;
	pam_handle_t *pamh;
	const char *why;

	itest_add_pwpolicy("one-grace", 1, 0, 1);
	itest_add_person("quin", 20017, PW_GOOD);
	itest_use_pwpolicy("quin", "one-grace");
	itest_add_person("rosa", 20117, PW_GOOD);
	itest_use_pwpolicy("rosa", "one-grace");
	sleep(3);

	pamh = itest_pam_answering(svc, "quin", &run, PW_GOOD,
	    "Graced-Passw0rd-2", "Graced-Passw0rd-2", NULL);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "Ask an administrator") == NULL,
	    "shown: %s", run.shown);
	why = itest_change_on_last_grace(pamh, &run, "quin");
	ck_assert_msg(why == NULL, "%s", why);
	ck_assert_int_eq(itest_login(svc, "quin", PW_GOOD, &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_login(svc, "quin", "Graced-Passw0rd-2", &run),
	    PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "grace") == NULL, "shown: %s", run.shown);

	/* A weak new password is refused with the policy's reason; the
	 * connection stays held for the next try on the same handle. */
	pamh = itest_pam_answering(svc, "rosa", &run, PW_GOOD, "short", "short",
	    "Graced-Passw0rd-3", "Graced-Passw0rd-3", NULL);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_NEW_AUTHTOK_REQD);
	ck_assert_int_eq(pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK),
	    PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "too short") != NULL, "shown: %s",
	    run.shown);
	ck_assert_msg(strstr(run.shown, "Password changed.") != NULL, "shown: %s",
	    run.shown);
	itest_pam_end(pamh, PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=chauthtok", "user=rosa ",
	    "result=authtok_err ", "too\\x20short", NULL), 1);
	ck_assert_int_eq(itest_login(svc, "rosa", PW_GOOD, &run), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_login(svc, "rosa", "Graced-Passw0rd-3", &run),
	    PAM_SUCCESS);
}
END_TEST

/*
 * The connection held after the last grace login is lost before the
 * change (slapd restarted): the change cannot be made on it, and a bind
 * would be refused (no grace left). The person is told that, and to ask an
 * administrator, not that the directory is unreachable and to try later.
 */
START_TEST(last_grace_connection_lost_says_so)
{
	struct pam_run run;
	pam_handle_t *pamh;
	int r;

	pamh = logged_in_expired("one-grace-x", 1, "xena", 20136,
	    "Graced-Passw0rd-5", &run);
	ck_assert_msg(strstr(run.shown, "last grace login. Change it now.") !=
	    NULL, "shown: %s", run.shown);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_NEW_AUTHTOK_REQD);
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-stop %s "
	    ">/dev/null && '%s/scripts/authd-local' slapd-start %s >/dev/null",
	    itest.srcdir, itest.dir, itest.srcdir, itest.dir), 0);
	r = pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
	itest_pam_end(pamh, r);
	ck_assert_int_eq(r, PAM_AUTHTOK_ERR);
	ck_assert_msg(strstr(run.shown, "no grace login is left to change it") !=
	    NULL && strstr(run.shown, "unreachable") == NULL, "shown: %s",
	    run.shown);
	ck_assert_int_eq(itest_audit_count("event=chauthtok", "user=xena ",
	    "result=authtok_err ", "no\\x20grace\\x20login\\x20left",
	    "connection\\x20of\\x20the\\x20last\\x20grace\\x20login\\x20was\\x20lost",
	    NULL), 1);
	/* nothing changed: the old password is still the one, expired */
	ck_assert_int_ne(itest_login(svc, "xena", "Graced-Passw0rd-5", &run),
	    PAM_SUCCESS);
}
END_TEST

/*
 * The held connections are GRACE_HOLD_MAX (8): nine people on their last
 * grace login at once, the ninth is told to ask an administrator, as before
 * the hold, and its change is refused with that reason; the eight change
 * their passwords on the connections held for them.
 */
START_TEST(grace_hold_full_ninth_asks_an_administrator)
{
	enum { N = 9 };
	struct pam_run run[N];
	pam_handle_t *pamh[N];
	char name[N][8];
	const char *why;
	int i, workers;

	/* a fresh authd: nothing held by the tests before */
	ck_assert_int_eq(itest_restart_authd(""), 0);
	itest_add_pwpolicy("one-grace9", 1, 0, 1);
	for (i = 0; i < N; i++) {
		snprintf(name[i], sizeof(name[i]), "gh%d", i);
		itest_add_person(name[i], 20121 + i, PW_GOOD);
		itest_use_pwpolicy(name[i], "one-grace9");
	}
	sleep(3);
	/* the loop's bind connections opened at start: no login waits for them
	 * (a bind on a worker leaves no connection to hold) */
	workers = itest_log_lines("a worker binds");

	for (i = 0; i < N; i++) {
		pamh[i] = itest_pam_answering(svc, name[i], &run[i], PW_GOOD,
		    "Held-Passw0rd-8", "Held-Passw0rd-8", NULL);
		ck_assert_int_eq(pam_authenticate(pamh[i], 0), PAM_SUCCESS);
		ck_assert_int_eq(pam_acct_mgmt(pamh[i], 0), PAM_NEW_AUTHTOK_REQD);
	}
	ck_assert_int_eq(itest_log_lines("a worker binds"), workers);
	ck_assert_msg(strstr(run[N - 1].shown, "you can no longer change it. "
	    "Ask an administrator to set a new one.") != NULL, "shown: %s",
	    run[N - 1].shown);

	/* the ninth: refused, with its own record, and nothing changed */
	ck_assert_int_eq(pam_chauthtok(pamh[N - 1], PAM_CHANGE_EXPIRED_AUTHTOK),
	    PAM_AUTHTOK_ERR);
	ck_assert_msg(strstr(run[N - 1].shown, "Password changed.") == NULL,
	    "shown: %s", run[N - 1].shown);
	itest_pam_end(pamh[N - 1], PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=chauthtok", "user=gh8 ",
	    "result=success", NULL), 0);
	ck_assert_int_eq(itest_audit_count("event=chauthtok", "user=gh8 ",
	    "password\\x20expired,\\x20no\\x20grace\\x20login\\x20left", NULL), 1);
	ck_assert_int_eq(itest_login(svc, "gh8", "Held-Passw0rd-8", &run[N - 1]),
	    PAM_AUTH_ERR);

	/* the eight: each on the connection held for it */
	for (i = 0; i < N - 1; i++) {
		why = itest_change_on_last_grace(pamh[i], &run[i], name[i]);
		ck_assert_msg(why == NULL, "%s: %s", name[i], why);
	}
	ck_assert_int_eq(itest_login(svc, "gh3", "Held-Passw0rd-8", &run[0]),
	    PAM_SUCCESS);
}
END_TEST

/*
 * A screen locker's PAM handle, run as uid through the user socket: the
 * stages it calls, one connection kept between them (request.c). answers
 * go to the prompts in order; change: pam_chauthtok when acct_mgmt says a
 * change is due. Results are -1 for a stage not called.
 */
struct locker_run {
	int auth, acct, change;
	char login_id[64];          /* AUTHD_LOGIN_ID after the authentication */
	char shown[8192];
};

static void
locker_child(int fd, uid_t uid, const char *user, const char *const *answers,
    size_t nanswers, int change)
{
	struct locker_run out;
	struct pam_run run;
	pam_handle_t *pamh;
	const char *id;
	size_t i;

	memset(&out, 0, sizeof(out));
	out.auth = out.acct = out.change = -1;
	if (setgid(uid) != 0 || setuid(uid) != 0)
		_exit(90);
	memset(&run, 0, sizeof(run));
	for (i = 0; i < nanswers && i < 16; i++)
		run.answers[i] = answers[i];
	run.nanswers = i;
	pamh = itest_pam_start("authd-user", user, &run);
	if (answers[0] != NULL)
		out.auth = pam_authenticate(pamh, 0);
	if ((id = pam_getenv(pamh, "AUTHD_LOGIN_ID")) != NULL)
		snprintf(out.login_id, sizeof(out.login_id), "%s", id);
	if (answers[0] == NULL || out.auth == PAM_SUCCESS)
		out.acct = pam_acct_mgmt(pamh, 0);
	if (change && out.acct == PAM_NEW_AUTHTOK_REQD)
		out.change = pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
	itest_pam_end(pamh, PAM_SUCCESS);
	memcpy(out.shown, run.shown, sizeof(out.shown));
	_exit(write(fd, &out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 91);
}

/* answers NULL-terminated; { NULL }: acct_mgmt alone (another module
 * authenticated). */
static void
as_locker(uid_t uid, const char *user, const char *const *answers, int change,
    struct locker_run *out)
{
	size_t n = 0;
	pid_t pid;
	int p[2], st;

	while (answers[n] != NULL)
		n++;
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		locker_child(p[1], uid, user, answers, n, change);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], out, sizeof(*out)), (ssize_t)sizeof(*out));
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
}

/*
 * A screen locker is told to change an expired password as a login
 * program is: after a grace login through the user socket, acct_mgmt says
 * a change is due, with root's socket's words, and the person can change
 * it there.
 */
START_TEST(user_socket_grace_login_must_change)
{
	static const char *const first[] = { PW_GOOD, "Locker-Passw0rd-3",
	    "Locker-Passw0rd-3", NULL };
	static const char *const again[] = { "Locker-Passw0rd-3", NULL };
	struct locker_run lr;
	struct pam_run run;
	pam_handle_t *pamh;

	itest_add_pwpolicy("locker-grace", 1, 0, 3);
	itest_add_person("tara", 20100, PW_GOOD);
	itest_add_person("ulla", 20101, PW_GOOD);
	itest_use_pwpolicy("tara", "locker-grace");
	itest_use_pwpolicy("ulla", "locker-grace");
	sleep(3);
	/* root's socket, for the words */
	pamh = itest_pam_answering(svc, "ulla", &run, PW_GOOD, NULL);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_NEW_AUTHTOK_REQD);
	itest_pam_end(pamh, PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "E:Your password has expired; you must "
	    "change it now.") != NULL, "root's socket showed: %s", run.shown);

	as_locker(20100, "tara", first, 1, &lr);
	ck_assert_int_eq(lr.auth, PAM_SUCCESS);
	ck_assert_msg(strstr(lr.shown, "grace logins left") != NULL, "shown: %s",
	    lr.shown);
	ck_assert_msg(lr.acct == PAM_NEW_AUTHTOK_REQD, "acct_mgmt %d after a "
	    "grace login through the user socket (shown: %s)", lr.acct, lr.shown);
	ck_assert_msg(strstr(lr.shown, "E:Your password has expired; you must "
	    "change it now.") != NULL, "shown: %s", lr.shown);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=tara ",
	    "peer_uid=20100 ", "result=new_authtok_reqd", NULL), 1);
	/* the change through the same socket, with the password just typed */
	ck_assert_msg(lr.change == PAM_SUCCESS, "chauthtok %d (shown: %s)",
	    lr.change, lr.shown);
	ck_assert_msg(strstr(lr.shown, "I:Password changed.") != NULL,
	    "shown: %s", lr.shown);
	/* asked for the new one twice, not again for the one it logged in with */
	ck_assert_msg(strstr(lr.shown, "P:New password: \nP:Retype new password: ")
	    != NULL && strstr(lr.shown, "Current password") == NULL, "shown: %s",
	    lr.shown);
	ck_assert_int_eq(itest_audit_count("event=chauthtok", "user=tara ",
	    "peer_uid=20100 ", "result=success", NULL), 1);
	/* and nothing is due with the new one */
	as_locker(20100, "tara", again, 0, &lr);
	ck_assert_int_eq(lr.auth, PAM_SUCCESS);
	ck_assert_msg(lr.acct == PAM_SUCCESS, "acct_mgmt %d after the change "
	    "(shown: %s)", lr.acct, lr.shown);
}
END_TEST

/*
 * An acct_mgmt that no login id tells about the grace login (a new
 * connection: another PAM handle, or the kept one closed by authd while the
 * locker waited) hears it from the entry, which ppolicy marks at every grace
 * login (pwdGraceUseTime). The user socket's login id is still not in
 * root's ring: from root's socket it is unknown, and the entry says it.
 */
START_TEST(user_socket_grace_known_on_another_connection)
{
	static const char *const login[] = { PW_GOOD, NULL };
	static const char *const acct_only[] = { NULL };
	struct locker_run lr;
	struct pam_run run;
	pam_handle_t *pamh;
	char env[96], id[64];

	itest_add_pwpolicy("locker-grace2", 1, 0, 3);
	itest_add_person("zora", 20104, PW_GOOD);
	itest_use_pwpolicy("zora", "locker-grace2");
	sleep(3);
	as_locker(20104, "zora", login, 0, &lr);
	ck_assert_int_eq(lr.auth, PAM_SUCCESS);
	ck_assert_int_eq(lr.acct, PAM_NEW_AUTHTOK_REQD);
	ck_assert_int_eq((int)strlen(lr.login_id), 32);
	memcpy(id, lr.login_id, sizeof(id));

	as_locker(20104, "zora", acct_only, 0, &lr);
	ck_assert_msg(lr.acct == PAM_NEW_AUTHTOK_REQD, "acct_mgmt %d on a new "
	    "connection after a grace login (shown: %s)", lr.acct, lr.shown);
	ck_assert_msg(strstr(lr.shown, "E:Your password has expired; you must "
	    "change it now.") != NULL, "shown: %s", lr.shown);

	/* root's socket, with the user socket's login id */
	memset(&run, 0, sizeof(run));
	pamh = itest_pam_start(svc, "zora", &run);
	snprintf(env, sizeof(env), "AUTHD_LOGIN_ID=%s", id);
	ck_assert_int_eq(pam_putenv(pamh, env), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_NEW_AUTHTOK_REQD);
	itest_pam_end(pamh, PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "E:Your password has expired; you must "
	    "change it now.") != NULL, "shown: %s", run.shown);
	/* the first acct_mgmt was told by its connection, the two others by
	 * the entry: the user socket's login is in no ring */
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=zora ",
	    "result=new_authtok_reqd", "reason=must\\x20change\\x20(expired,"
	    "\\x20grace\\x20login)", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=zora ",
	    "result=new_authtok_reqd", "the\\x20entry\\x20records\\x201\\x20"
	    "grace\\x20login\\x20used", NULL), 2);
}
END_TEST

/* The same for a password an administrator set (ppolicy pwdReset). */
START_TEST(user_socket_reset_password_must_change)
{
	static const char *const temp[] = { "Temp-Passw0rd-1", "Locker-Passw0rd-4",
	    "Locker-Passw0rd-4", NULL };
	struct locker_run lr;

	make_admin("vito", 20102);
	itest_add_person("wes", 20103, PW_GOOD);
	admin_sets_password(20102, "wes", "Temp-Passw0rd-1");

	as_locker(20103, "wes", temp, 1, &lr);
	ck_assert_int_eq(lr.auth, PAM_SUCCESS);
	ck_assert_msg(lr.acct == PAM_NEW_AUTHTOK_REQD, "acct_mgmt %d after an "
	    "administrator's reset, through the user socket (shown: %s)", lr.acct,
	    lr.shown);
	ck_assert_msg(strstr(lr.shown, "E:You must change your password now (an "
	    "administrator reset it).") != NULL, "shown: %s", lr.shown);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=wes ",
	    "peer_uid=20103 ", "result=new_authtok_reqd", NULL), 1);
	ck_assert_msg(lr.change == PAM_SUCCESS, "chauthtok %d (shown: %s)",
	    lr.change, lr.shown);
}
END_TEST

/*
 * Each socket has max_clients of its own: the user socket full (here 4)
 * closes more of its connections at once, and root's logins through the
 * other socket go on.
 */
START_TEST(max_clients_per_socket)
{
	char max[32];
	struct pam_run run;
	int fds[5], i;

	itest_add_person("maxi", 20054, PW_GOOD);
	conf_value("max_clients", max, sizeof(max));
	ck_assert_int_eq(itest_set_conf("max_clients", "4"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	for (i = 0; i < 5; i++)
		ck_assert_int_ge(fds[i] = itest_unix_connect(itest.user_socket), 0);
	ck_assert(itest_closed_within(fds[4], 5000));
	ck_assert(!itest_closed_within(fds[0], 0));
	ck_assert_int_eq(itest_login(svc, "maxi", PW_GOOD, &run), PAM_SUCCESS);
	for (i = 0; i < 5; i++)
		close(fds[i]);
	ck_assert_int_eq(itest_set_conf("max_clients", max[0] != '\0' ? max :
	    "1024"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

/*
 * One PAM handle: authenticate answering password, then acct_mgmt, after
 * setting item (PAM_TTY, PAM_SERVICE; 0: none) to value and pausing
 * pause_ms, in a child process of this one when in_child.
 */
static int
login_then_acct_changed(const char *user, const char *password, int item,
    const char *value, int pause_ms, int in_child, struct pam_run *run)
{
	pam_handle_t *pamh;
	pid_t pid;
	int r, status;

	pamh = itest_pam_answering(svc, user, run, password, NULL);
	if ((r = pam_authenticate(pamh, 0)) == PAM_SUCCESS) {
		if (item != 0)
			ck_assert_int_eq(pam_set_item(pamh, item, value), PAM_SUCCESS);
		usleep((useconds_t)pause_ms * 1000);
		if (!in_child)
			r = pam_acct_mgmt(pamh, 0);
		else {
			ck_assert_int_ne(pid = fork(), -1);
			if (pid == 0)
				_exit(pam_acct_mgmt(pamh, 0));
			ck_assert_int_eq(waitpid(pid, &status, 0), pid);
			ck_assert(WIFEXITED(status));
			r = WEXITSTATUS(status);
		}
	}
	itest_pam_end(pamh, r);
	return r;
}

/* The same on another tty (NULL: the same) after pause_ms, in this process. */
static int
login_then_acct(const char *user, const char *password, const char *tty_after,
    int pause_ms, struct pam_run *run)
{
	return login_then_acct_changed(user, password, tty_after != NULL ?
	    PAM_TTY : 0, tty_after, pause_ms, 0, run);
}

#define DECIDED_AHEAD "decided\\x20with\\x20the\\x20authentication"

/*
 * authd decides acct_mgmt with a successful authentication and records it
 * then (acct_ahead_ms): the module's acct_mgmt right after is answered from
 * it, with no second record. Another terminal, another service, another
 * process, a refusal, or a call after the time ask authd as before.
 */
START_TEST(acct_mgmt_decided_with_authentication)
{
	struct pam_run run;
	char ahead[32], again[64];

	itest_add_person("ahead", 20053, PW_GOOD);
	ck_assert_int_eq(login_then_acct("ahead", PW_GOOD, NULL, 0, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    "result=success", DECIDED_AHEAD, NULL), 1);

	/* the items changed between the stages: authd is asked */
	ck_assert_int_eq(login_then_acct("ahead", PW_GOOD, "pts/8", 0, &run),
	    PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    "tty=pts/8", "result=success", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    DECIDED_AHEAD, NULL), 2);

	/* another service (the same handle, the same stack), another process:
	 * authd is asked */
	ck_assert_int_eq(itest_sh("cp '%s/%s' '%s/%s-again'", itest.confdir, svc,
	    itest.confdir, svc), 0);
	snprintf(again, sizeof(again), "%s-again", svc);
	ck_assert_int_eq(login_then_acct_changed("ahead", PW_GOOD, PAM_SERVICE,
	    again, 0, 0, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    "-again ", "result=success", NULL), 1);
	ck_assert_int_eq(login_then_acct_changed("ahead", PW_GOOD, 0, NULL, 0, 1,
	    &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    "result=success", NULL), 7);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    DECIDED_AHEAD, NULL), 4);

	/* a refusal is never decided ahead: acct_mgmt shows it as before */
	itest_set_attr("ahead", "authdAccountState", "disabled");
	ck_assert_int_eq(login_then_acct("ahead", PW_GOOD, NULL, 0, &run),
	    PAM_ACCT_EXPIRED);
	ck_assert_msg(strstr(run.shown, "E:Your account is disabled.") != NULL,
	    "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    "result=acct_expired", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    DECIDED_AHEAD, NULL), 4);
	itest_set_attr("ahead", "authdAccountState", "active");

	/* past acct_ahead_ms (1 ms here), authd is asked */
	conf_value("acct_ahead_ms", ahead, sizeof(ahead));
	ck_assert_int_eq(itest_set_conf("acct_ahead_ms", "1"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(login_then_acct("ahead", PW_GOOD, NULL, 20, &run), PAM_SUCCESS);
	/* 1 + 2 (ahead, then asked on pts/8) + 2 + 2 (ahead, then asked for
	 * sshd, in a child) + 0 (refused) + 2 (ahead, asked) */
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    "result=success", NULL), 9);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=ahead",
	    "result=success", "within\\x201\\x20ms", NULL), 1);
	ck_assert_int_eq(itest_set_conf("acct_ahead_ms", ahead[0] != '\0' ?
	    ahead : "1000"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

/*
 * The conversation of a login during whose password prompt an
 * administrator disables the account: the prompt is answered only once
 * authd's view has the change (another handle's acct_mgmt says so).
 */
static int
conv_disabled_meanwhile(int num, const struct pam_message **msgs,
    struct pam_response **resp_r, void *data)
{
	struct pam_run other;
	int i, tries;

	(void)data;
	if (num != 1 || msgs[0]->msg_style != PAM_PROMPT_ECHO_OFF) {
		*resp_r = calloc((size_t)num, sizeof(**resp_r));
		return *resp_r != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
	}
	itest_set_attr("leaver", "authdAccountState", "disabled");
	for (tries = 0; tries < 100 &&
	    acct_mgmt_for("leaver", &other) != PAM_ACCT_EXPIRED; tries++)
		usleep(50 * 1000);
	if ((*resp_r = calloc(1, sizeof(**resp_r))) == NULL ||
	    ((*resp_r)[0].resp = strdup(PW_GOOD)) == NULL)
		return PAM_BUF_ERR;
	for (i = 1; i < num; i++)
		(*resp_r)[i].resp = NULL;
	return PAM_SUCCESS;
}

/*
 * acct_mgmt decided ahead judges the account as it is when the password
 * has been checked, not as the plan read it before the prompt: an account
 * disabled while its holder typed is refused by acct_mgmt.
 */
/*
 * The decision made ahead holds acct_ahead_ms at most, and never past the
 * end of the person's validity: a login in its last seconds whose account
 * stage comes after the end asks authd, and is refused. A second authd with
 * acct_ahead_ms 5000, so that without the cap the decision would still hold
 * when the account stage comes (the validity ends about 2 s after the login).
 */
START_TEST(acct_ahead_ends_with_the_validity)
{
	struct pam_run run;
	pam_handle_t *pamh;
	char until[32], ms[32];
	struct tm tm;
	time_t end;

	itest_add_person("valentina", 20134, PW_GOOD);
	ck_assert_int_eq(itest_sh("AUTHD_ACCT_AHEAD_MS=5000 '%s/scripts/authd-local' "
	    "second-authd %s >>%s/second.log 2>&1", itest.srcdir, itest.dir,
	    itest.dir), 0);
	ck_assert_int_eq(itest_log_lines_of("second/authd.conf",
	    "acct_ahead_ms = 5000"), 1);
	/* authdValidUntil's own second is still within (whole seconds) */
	end = time(NULL) + 3;
	ck_assert_ptr_nonnull(gmtime_r(&end, &tm));
	ck_assert_uint_gt(strftime(until, sizeof(until), "%Y%m%d%H%M%SZ", &tm), 0);
	itest_set_attr("valentina", "authdValidUntil", until);
	sleep(1);                       /* the view has heard of it */

	pamh = itest_pam_answering(svc2, "valentina", &run, PW_GOOD, NULL);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_msg(time(NULL) <= end, "the login came after the validity's end");
	/* decided ahead, for no longer than the validity has left (< 4 s) */
	ck_assert_int_eq(itest_sh_out(ms, sizeof(ms), "sed -n 's/.*event=acct_mgmt "
	    "user=valentina .*result=success.*for\\\\x20acct_mgmt\\\\x20within"
	    "\\\\x20\\([0-9]*\\)\\\\x20ms.*/\\1/p' %s/second/audit.log",
	    itest.dir), 0);
	ck_assert_msg(atoi(ms) > 0 && atoi(ms) < 4000, "decided ahead for '%s' ms",
	    ms);
	while (time(NULL) <= end)       /* past its last second */
		usleep(100000);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_ACCT_EXPIRED);
	itest_pam_end(pamh, PAM_ACCT_EXPIRED);
	ck_assert_msg(strstr(run.shown, "Your account expired on") != NULL,
	    "shown: %s", run.shown);
	ck_assert_int_eq(itest_log_lines_of("second/audit.log",
	    "event=acct_mgmt user=valentina "), 2);
	ck_assert_int_eq(itest_log_lines_of("second/audit.log",
	    "reason=validity\\x20ended"), 1);
	ck_assert_int_eq(itest_sh("kill $(cat %s/second/authd.pid)", itest.dir), 0);
}
END_TEST

START_TEST(acct_ahead_reads_the_account_again)
{
	struct pam_conv c = { conv_disabled_meanwhile, NULL };
	pam_handle_t *pamh = NULL;

	itest_add_person("leaver", 20056, PW_GOOD);
	ck_assert_int_eq(pam_start_confdir(svc, "leaver", &c, itest.confdir,
	    &pamh), PAM_SUCCESS);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_ACCT_EXPIRED);
	pam_end(pamh, PAM_ACCT_EXPIRED);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=leaver",
	    DECIDED_AHEAD, NULL), 0);
	itest_set_attr("leaver", "authdAccountState", "active");
}
END_TEST

/* A frame of an older client, speaking protocol version 1 only. */
static void
v1_request(int fd, uint8_t type, const char *user, const char *password)
{
	struct authd_buf *b = authd_buf_new(AUTHD_FRAME_MAX * 2);
	size_t start;

	ck_assert_ptr_nonnull(b);
	if (type == AUTHD_MSG_AUTHENTICATE) {
		ck_assert_int_eq(authd_frame_begin(b, 1, AUTHD_MSG_HELLO, &start), AUTHD_OK);
		ck_assert_int_eq(authd_frame_add_u8(b, AUTHD_F_VERSION_MIN, 1), AUTHD_OK);
		ck_assert_int_eq(authd_frame_add_u8(b, AUTHD_F_VERSION_MAX, 1), AUTHD_OK);
		ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);
	}
	ck_assert_int_eq(authd_frame_begin(b, 1, type, &start), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_SERVICE, svc), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_USER, user), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_TTY, "pts/7"), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_u32(b, AUTHD_F_FLAGS,
	    AUTHD_REQ_SILENT | AUTHD_REQ_NO_PROMPT), AUTHD_OK);
	if (password != NULL)
		ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_AUTHTOK, password),
		    AUTHD_OK);
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);
	ck_assert_int_eq(write(fd, authd_buf_ptr(b), authd_buf_len(b)),
	    (ssize_t)authd_buf_len(b));
	authd_buf_free(&b);
}

/* Read frames until a RESULT; its result, and whether ACCT_AHEAD_MS came. */
static int
v1_result(int fd, int *ahead_r)
{
	static uint8_t in[AUTHD_FRAME_MAX * 2];
	static size_t have;
	struct timeval tv = { 10, 0 };
	struct authd_msg m;
	size_t used;
	uint8_t result;
	ssize_t n;
	int r;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		while ((r = authd_frame_decode(in, have, &m, &used)) ==
		    AUTHD_ERR_INCOMPLETE) {
			n = read(fd, in + have, sizeof(in) - have);
			ck_assert_msg(n > 0, "authd closed or said nothing");
			have += (size_t)n;
		}
		ck_assert_int_eq(r, AUTHD_OK);
		ck_assert_int_eq(m.version, 1);
		if (m.type == AUTHD_MSG_RESULT) {
			ck_assert_int_eq(authd_msg_get_u8(&m, AUTHD_F_RESULT,
			    &result), AUTHD_OK);
			*ahead_r = authd_msg_field(&m, AUTHD_F_ACCT_AHEAD_MS) != NULL;
		}
		memmove(in, in + used, have - used);
		have -= used;
		if (m.type == AUTHD_MSG_RESULT)
			return result;
	}
}

/*
 * An older pam_authd.so speaks version 1: authd serves it, and decides
 * nothing ahead for it (version 1 has no ACCT_AHEAD_MS; it asks acct_mgmt).
 */
START_TEST(version_1_client_served)
{
	int fd, ahead = -1;

	itest_add_person("older", 20115, PW_GOOD);
	fd = raw_connect(itest.socket);
	v1_request(fd, AUTHD_MSG_AUTHENTICATE, "older", PW_GOOD);
	ck_assert_int_eq(v1_result(fd, &ahead), AUTHD_R_SUCCESS);
	ck_assert_int_eq(ahead, 0);
	v1_request(fd, AUTHD_MSG_ACCT_MGMT, "older", NULL);
	ck_assert_int_eq(v1_result(fd, &ahead), AUTHD_R_SUCCESS);
	close(fd);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=older",
	    "result=success", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=older",
	    DECIDED_AHEAD, NULL), 0);
}
END_TEST

START_TEST(audit_chain_verifies)
{
	struct pam_run run;

	itest_add_person("nao", 20014, PW_GOOD);
	ck_assert_int_eq(itest_login(svc, "nao", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_sh("'%s/authctl/authctl' audit verify '%s' >/dev/null",
	    itest.builddir, itest.audit_log), 0);
}
END_TEST

/* The seq of the audit log's last record. */
static unsigned long long
last_audit_seq(void)
{
	char out[64];

	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "tail -n 1 %s | "
	    "sed -n 's/^seq=\\([0-9]*\\) .*/\\1/p'", itest.audit_log), 0);
	return strtoull(out, NULL, 10);
}

/* Whether the directory holds a checkpoint of seq (read as its root). */
static int
checkpoint_held(unsigned long long seq)
{
	char chain[AUTHD_AUDIT_HASH_LEN + 1];

	/* of the log's chain: a rotated file's chain has numbers of its own */
	ck_assert_int_eq(authd_audit_chain_of(itest.audit_log, chain), AUTHD_OK);
	return itest_sh("ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b ou=audit,%s "
	    "'(&(objectClass=authdAuditCheckpoint)(authdCheckpointSeq=%llu)"
	    "(authdCheckpointChain=%s))' dn | grep -q '^dn: cn='", itest.ldapi_uri,
	    itest.base_dn, seq, chain) == 0;
}

/* authctl audit verify --checkpoints of a copy of the log, as uid; its status. */
static int
verify_copy(int uid, char *out, size_t outsz)
{
	return itest_sh_out(out, outsz, "setpriv --reuid=%d --regid=%d "
	    "--clear-groups '%s/authctl/authctl' -H '%s' -b '%s' audit verify "
	    "--checkpoints %s/audit-copy.log 2>&1", uid, uid, itest.builddir,
	    itest.ldapi_uri, itest.base_dn, itest.dir);
}

/*
 * authd restarted with a checkpoint every second, user (added) logged in,
 * and the directory holding a checkpoint of the log's last record: its seq.
 */
static unsigned long long
login_checkpointed(const char *user, int uid)
{
	struct pam_run run;
	unsigned long long seq;
	int i;

	ck_assert_int_eq(itest_set_conf("audit_checkpoint_interval", "1"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	itest_add_person(user, uid, PW_GOOD);
	ck_assert_int_eq(itest_login(svc, user, PW_GOOD, &run), PAM_SUCCESS);
	seq = last_audit_seq();
	ck_assert_uint_gt(seq, 0);
	for (i = 0; i < 100 && !checkpoint_held(seq); i++)
		usleep(100 * 1000);
	ck_assert_msg(checkpoint_held(seq), "no checkpoint of seq %llu", seq);
	return seq;
}

/*
 * The head of the audit chain is kept in the directory (ou=audit): what the
 * file alone cannot show, records cut off its end, is found; authd may add
 * checkpoints but neither change nor delete them; a clean stop leaves one
 * of its last record.
 */
START_TEST(audit_checkpoints_in_directory)
{
	struct pam_run run;
	unsigned long long seq;
	char out[1024], dn[512];

	seq = login_checkpointed("cato", 20078);

	/* an auditor (any person) checks a copy of the log */
	ck_assert_int_eq(itest_sh("cp %s %s/audit-copy.log && chmod 0644 "
	    "%s/audit-copy.log", itest.audit_log, itest.dir, itest.dir), 0);
	ck_assert_msg(verify_copy(20078, out, sizeof(out)) == 0, "%s", out);
	ck_assert_msg(strstr(out, "chain intact") != NULL &&
	    strstr(out, "; the last, taken") != NULL, "%s", out);
	/* root on the host, as the directory's root over ldapi, the same */
	ck_assert_msg(itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' -H '%s' "
	    "-b '%s' audit verify --checkpoints %s 2>&1", itest.builddir,
	    itest.ldapi_uri, itest.base_dn, itest.audit_log) == 0, "%s", out);
	ck_assert_msg(strstr(out, "; the last, taken") != NULL, "%s", out);
	/*
	 * an entry whose hash is longer than a hash, though its first 64
	 * digits are the record's, is no checkpoint (not cut to fit); the
	 * options may follow the file
	 */
	ck_assert_int_eq(itest_sh("l=$(grep '^seq=%llu ' %s); c=$(head -n 1 %s | "
	    "sed 's/.* hash=//'); printf 'dn: cn=long-%llu,ou=audit,%s\n"
	    "objectClass: authdAuditCheckpoint\ncn: long-%llu\n"
	    "authdCheckpointHost: elsewhere\nauthdCheckpointChain: %%s\n"
	    "authdCheckpointSeq: %llu\nauthdCheckpointHash: %%s0\n"
	    "authdCheckpointTime: 20260101000000Z\n' \"$c\" \"${l##* hash=}\" | "
	    "ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null", seq, itest.audit_log,
	    itest.audit_log, seq, itest.base_dn, seq, seq, itest.ldapi_uri), 0);
	ck_assert_msg(itest_sh_out(out, sizeof(out), "setpriv --reuid=20078 "
	    "--regid=20078 --clear-groups '%s/authctl/authctl' -H '%s' -b '%s' "
	    "audit verify %s/audit-copy.log --checkpoints 2>&1", itest.builddir,
	    itest.ldapi_uri, itest.base_dn, itest.dir) == 0, "%s", out);
	ck_assert_msg(strstr(out, "(1 entry that is not a checkpoint ignored: no "
	    "seq, or a hash that is not 64 hex digits)") != NULL, "%s", out);
	/* its last record cut off: the chain alone still verifies */
	ck_assert_int_eq(itest_sh("sed -i '$d' %s/audit-copy.log", itest.dir), 0);
	ck_assert_int_ne(verify_copy(20078, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "chain intact") != NULL &&
	    strstr(out, "records removed from the end") != NULL, "%s", out);

	/* authd's own identity can neither delete nor change one */
	ck_assert_int_eq(itest_sh_out(dn, sizeof(dn), "ldapsearch -Q -LLL -Y "
	    "EXTERNAL -H '%s' -b ou=audit,%s '(authdCheckpointSeq=%llu)' dn | "
	    "sed -n 's/^dn: //p' | head -n 1", itest.ldapi_uri, itest.base_dn,
	    seq), 0);
	dn[strcspn(dn, "\n")] = '\0';
	ck_assert_int_eq(itest_sh("ldapdelete -x -H '%s' -D cn=authd,ou=services,%s "
	    "-y \"$(sed -n 's/^bind_password_file = //p' %s/authd.conf)\" '%s' "
	    "2>/dev/null", itest.ldapi_uri, itest.base_dn, itest.dir, dn), 50);
	ck_assert_int_eq(itest_sh("printf 'dn: %s\\nchangetype: modify\\nreplace: "
	    "authdCheckpointHash\\nauthdCheckpointHash: %064d\\n' | ldapmodify -x "
	    "-H '%s' -D cn=authd,ou=services,%s -y \"$(sed -n 's/^bind_password_file"
	    " = //p' %s/authd.conf)\" 2>/dev/null", dn, 0, itest.ldapi_uri,
	    itest.base_dn, itest.dir), 50);
	ck_assert(checkpoint_held(seq));

	/* a clean stop checkpoints the last records, whatever the interval */
	ck_assert_int_eq(itest_set_conf("audit_checkpoint_interval", "3600"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(itest_login(svc, "cato", PW_GOOD, &run), PAM_SUCCESS);
	seq = last_audit_seq();
	ck_assert(!checkpoint_held(seq));
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_msg(checkpoint_held(seq), "no checkpoint of seq %llu at the stop",
	    seq);
	ck_assert_int_eq(itest_set_conf("audit_checkpoint_interval", "300"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

/*
 * logrotate renames the log and sends SIGUSR1: authd goes on in a new file
 * at the same path, whose first record names the old chain's end; both
 * files verify, and logins are recorded in the new one.
 */
START_TEST(audit_log_rotated)
{
	struct pam_run run;
	char out[512];
	int i;

	/* the old chain checkpointed far past where the new one will be */
	ck_assert_uint_gt(login_checkpointed("rota", 20079), 3);
	ck_assert_int_eq(itest_sh("mv %s %s.1 && kill -USR1 %ld", itest.audit_log,
	    itest.audit_log, (long)itest_authd_pid()), 0);
	for (i = 0; i < 100 && itest_sh("grep -q ' event=audit_continue ' %s "
	    "2>/dev/null", itest.audit_log) != 0; i++)
		usleep(50 * 1000);
	ck_assert_int_eq(itest_sh("head -n 1 %s | grep -q '^seq=1 .* "
	    "event=audit_continue '", itest.audit_log), 0);
	/* it names the old file's last record */
	ck_assert_int_eq(itest_sh("h=$(tail -n 1 %s.1 | sed 's/.* hash=//'); "
	    "head -n 1 %s | grep -q \" prev_file_hash=$h \"", itest.audit_log,
	    itest.audit_log), 0);
	ck_assert_int_eq(itest_login(svc, "rota", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("user=rota", "result=success",
	    "event=authenticate", NULL), 1);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "'%s/authctl/authctl' "
	    "audit verify %s.1 && '%s/authctl/authctl' audit verify %s",
	    itest.builddir, itest.audit_log, itest.builddir, itest.audit_log), 0);
	ck_assert_int_eq(itest_sh("grep -q 'SIGUSR1: the audit log .* was "
	    "rotated' %s/authd.log", itest.dir), 0);
	/* the new chain is checkpointed too, though its seqs are lower */
	for (i = 0; i < 100 && itest_sh("c=$(head -n 1 %s | sed 's/.* hash=//'); "
	    "ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b ou=audit,%s "
	    "\"(authdCheckpointChain=$c)\" dn | grep -q '^dn: '", itest.audit_log,
	    itest.ldapi_uri, itest.base_dn) != 0; i++)
		usleep(100 * 1000);
	ck_assert_msg(i < 100, "the new chain was never checkpointed");
	ck_assert_int_eq(itest_set_conf("audit_checkpoint_interval", "300"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
}
END_TEST

/* Lines of the audit log at path with every needle (up to three). */
static int
count_in(const char *path, const char *a, const char *b, const char *c)
{
	char out[32];

	if (itest_sh_out(out, sizeof(out), "grep -F -- '%s' %s | grep -F -- '%s' | "
	    "grep -c -F -- '%s'", a, path, b, c) > 1)
		return -1;
	return atoi(out);
}

/*
 * No login is granted unless its record was written: with the audit log's
 * file system full, logins are refused (the daemon goes on serving), every
 * success on the way there has its records, and freeing space is enough.
 */
START_TEST(no_login_without_its_record)
{
	char fs[256], log[300];
	struct pam_run run;
	pid_t pid;
	int i, r, ok = 0, refused = 0, refusal = PAM_SUCCESS, granted, same;
	int after, verified;

	itest_add_person("rin", 20116, PW_GOOD);
	snprintf(fs, sizeof(fs), "%s/auditfs", itest.dir);
	snprintf(log, sizeof(log), "%s/audit.log", fs);
	if (itest_sh("mkdir -p %s && mount -t tmpfs -o size=64k,mode=0700 tmpfs %s",
	    fs, fs) != 0) {
		fprintf(stderr, "no_login_without_its_record: cannot mount a "
		    "tmpfs here; not run\n");
		return;
	}
	ck_assert_int_eq(itest_set_conf("audit_log", log), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	pid = itest_authd_pid();
	ck_assert_int_eq(itest_login(svc, "rin", PW_GOOD, &run), PAM_SUCCESS);
	/* Fill the file system: the log can grow only inside its last page. */
	itest_sh("dd if=/dev/zero of=%s/fill bs=4k >/dev/null 2>&1", fs);
	for (i = 0; i < 60 && refused == 0; i++) {
		r = itest_login(svc, "rin", PW_GOOD, &run);
		if (r == PAM_SUCCESS)
			ok++;
		else {
			refused++;
			refusal = r;
		}
	}
	granted = count_in(log, "event=authenticate", "user=rin", "result=success");
	itest_sh("rm -f %s/fill", fs);
	r = itest_login(svc, "rin", PW_GOOD, &run);
	same = itest_authd_pid() == pid && kill(pid, 0) == 0;
	after = count_in(log, "event=authenticate", "user=rin", "result=success");
	verified = itest_sh("'%s/authctl/authctl' audit verify '%s' >/dev/null",
	    itest.builddir, log) == 0;
	/* Put the log back where the other tests look for it. */
	itest_set_conf("audit_log", itest.audit_log);
	itest_restart_authd("");
	itest_sh("umount %s", fs);

	ck_assert_msg(refused == 1, "no refusal in %d logins with the disk full", i);
	ck_assert_int_eq(refusal, PAM_SYSTEM_ERR);
	/* every login granted has its record, the refused one none */
	ck_assert_int_eq(granted, ok + 1);
	ck_assert_int_eq(r, PAM_SUCCESS);
	ck_assert_int_eq(after, granted + 1);
	ck_assert_msg(verified, "the chain does not verify");
	ck_assert_msg(same, "authd did not keep serving");
}
END_TEST

/* Restart authd, with fdatasync() failing while flag exists, or as usual. */
static void
restart_authd(const char *flag)
{
	char env[2600];

	if (flag == NULL) {
		ck_assert_int_eq(itest_restart_authd(""), 0);
		return;
	}
	/* what is tested is the synced log, whatever the run's default; an
	 * ASan authd accepts a preloaded library ahead of its runtime */
	ck_assert_int_eq(itest_set_conf("audit_fsync", "yes"), 0);
	snprintf(env, sizeof(env), "LD_PRELOAD='%s/tests/.libs/failsync.so' "
	    "AUTHD_TEST_FAILSYNC='%s' "
	    "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\"",
	    itest.builddir, flag);
	ck_assert_int_eq(itest_restart_authd(env), 0);
}

/*
 * A record written but not synced (the disk refuses to sync) grants
 * nothing: the decision that was a success is refused, and a later record
 * says so, for whoever reads the file once the disk is back.
 */
START_TEST(no_login_when_its_record_is_not_synced)
{
	char flag[300];
	struct pam_run run;
	unsigned long long seq_ok, seq_bad, seq;
	int r_ok, r_bad, r_again, i, held_unsynced;

	itest_add_person("sora", 20018, PW_GOOD);
	snprintf(flag, sizeof(flag), "%s/failsync", itest.dir);
	/* a checkpoint every second: none may name a record not on disk */
	ck_assert_int_eq(itest_set_conf("audit_checkpoint_interval", "1"), 0);
	restart_authd(flag);
	r_ok = itest_login(svc, "sora", PW_GOOD, &run);
	seq_ok = last_audit_seq();
	for (i = 0; i < 100 && !checkpoint_held(seq_ok); i++)
		usleep(100 * 1000);
	itest_sh("touch %s", flag);
	r_bad = itest_login(svc, "sora", PW_GOOD, &run);
	sleep(3);
	seq_bad = last_audit_seq();
	held_unsynced = 0;
	for (seq = seq_ok + 1; seq <= seq_bad; seq++)
		held_unsynced += checkpoint_held(seq);
	itest_sh("rm -f %s", flag);
	r_again = itest_login(svc, "sora", PW_GOOD, &run);
	restart_authd(NULL);

	ck_assert_msg(checkpoint_held(seq_ok), "no checkpoint of seq %llu", seq_ok);
	ck_assert_uint_gt(seq_bad, seq_ok);
	ck_assert_msg(held_unsynced == 0, "a checkpoint names a record the disk "
	    "refused (seqs %llu-%llu)", seq_ok + 1, seq_bad);
	/* once the disk syncs again, so do the checkpoints */
	ck_assert_msg(checkpoint_held(last_audit_seq()), "no checkpoint of the "
	    "last record after the stop");

	ck_assert_int_eq(r_ok, PAM_SUCCESS);
	ck_assert_int_eq(r_bad, PAM_SYSTEM_ERR);
	ck_assert_int_eq(r_again, PAM_SUCCESS);
	/* three successes written, one of them refused afterwards */
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=sora",
	    "result=success", NULL), 3);
	ck_assert_int_eq(itest_audit_wait("event=authenticate", "user=sora",
	    "result=system_err"), 1);
	ck_assert_int_eq(itest_audit_reason("sora", "system_err",
	    "could not be synced to disk"), 1);
	/* and the acct_mgmt decided with it, written in the same write */
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=sora",
	    "result=success", NULL), 3);
	ck_assert_int_eq(itest_audit_wait("event=acct_mgmt", "user=sora",
	    "result=system_err"), 1);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=sora",
	    "result=system_err", "the\\x20authentication\\x20it\\x20was\\x20"
	    "decided\\x20with\\x20could\\x20not\\x20be\\x20synced", NULL), 1);
}
END_TEST

/*
 * As uid, on one connection of the user socket, ACCT_MGMT for its own
 * account again and again (a valid request: each one a record); exits with
 * how many RESULTs came before authd closed the connection (255: never).
 */
static void
own_requests_until_closed(uid_t uid, const char *user)
{
	static uint8_t in[AUTHD_FRAME_MAX * 2];
	struct authd_buf *b;
	struct authd_msg m;
	size_t start, have = 0, used;
	int fd, results = 0, i, r;
	ssize_t n;

	if (setgid(uid) != 0 || setuid(uid) != 0 ||
	    (fd = itest_unix_connect(itest.user_socket)) < 0 ||
	    (b = authd_buf_new(AUTHD_FRAME_MAX * 2)) == NULL)
		_exit(254);
	for (i = 0; i < 200; i++) {
		authd_buf_reset(b);
		if ((i == 0 && (authd_frame_begin(b, 1, AUTHD_MSG_HELLO,
		    &start) != AUTHD_OK ||
		    authd_frame_add_u8(b, AUTHD_F_VERSION_MIN, 1) != AUTHD_OK ||
		    authd_frame_add_u8(b, AUTHD_F_VERSION_MAX, 1) != AUTHD_OK ||
		    authd_frame_end(b, start) != AUTHD_OK)) ||
		    authd_frame_begin(b, 1, AUTHD_MSG_ACCT_MGMT, &start) != AUTHD_OK ||
		    authd_frame_add_str(b, AUTHD_F_SERVICE, "authd-user") != AUTHD_OK ||
		    authd_frame_add_str(b, AUTHD_F_USER, user) != AUTHD_OK ||
		    authd_frame_end(b, start) != AUTHD_OK)
			_exit(254);
		if (send(fd, authd_buf_ptr(b), authd_buf_len(b), MSG_NOSIGNAL) !=
		    (ssize_t)authd_buf_len(b))
			_exit(results);
		/* frames until this request's RESULT */
		for (;;) {
			while ((r = authd_frame_decode(in, have, &m, &used)) ==
			    AUTHD_ERR_INCOMPLETE) {
				if ((n = read(fd, in + have, sizeof(in) - have)) <= 0)
					_exit(results);
				have += (size_t)n;
			}
			if (r != AUTHD_OK)
				_exit(253);
			memmove(in, in + used, have - used);
			have -= used;
			if (m.type == AUTHD_MSG_RESULT)
				break;
		}
		results++;
	}
	_exit(255);
}

/*
 * Valid requests count too: a connection's token covers its first request,
 * each further one takes one of its own; past the burst authd closes the
 * connection, without a record of the refused request.
 */
START_TEST(user_socket_rate_counts_requests)
{
	struct timespec t0;
	pid_t pid;
	int st, answered, records, bound;
	double secs;

	itest_add_person("remi", 20064, PW_GOOD);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		own_requests_until_closed(20064, "remi");
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	answered = WEXITSTATUS(st);
	secs = seconds_since(&t0);
	bound = USER_RATE_BURST + (int)(secs * USER_RATE_PER_S) + 2;
	ck_assert_msg(answered >= USER_RATE_BURST - 1 && answered <= bound,
	    "%d requests answered on one connection in %.1f s (at most %d; "
	    "255: never closed)", answered, secs, bound);
	records = itest_audit_wait("event=acct_mgmt", "peer_uid=20064 ", NULL);
	ck_assert_int_le(records, answered);
	ck_assert_int_eq(itest_audit_wait("event=rate_limit", "peer_uid=20064 ",
	    "reason=over\\x20the\\x20rate\\x20limit"), 1);
}
END_TEST

/* pam_chauthtok as root's caller makes it: the current password, the new one twice. */
static int
chauthtok_as(const char *user, const char *old_pw, const char *new_pw,
    struct pam_run *run, long long *ms_r)
{
	pam_handle_t *pamh;
	long long t0;
	int r;

	pamh = itest_pam_answering(svc, user, run, old_pw, new_pw, new_pw, NULL);
	t0 = itest_now_ms();
	r = pam_chauthtok(pamh, 0);
	if (ms_r != NULL)
		*ms_r = itest_now_ms() - t0;
	itest_pam_end(pamh, r);
	return r;
}

/*
 * A password-change service running as root may name anyone: an unknown
 * user gets what a wrong current password gets (code, lines, delay); the
 * audit log tells them apart.
 */
START_TEST(chauthtok_unknown_user_looks_like_wrong_password)
{
	struct pam_run known, unknown, run;
	long long known_ms, unknown_ms;

	itest_add_person("kiko", 20081, PW_GOOD);
	ck_assert_int_eq(chauthtok_as("kiko", PW_BAD, "Brand-New-Pass-9", &known,
	    &known_ms), PAM_AUTHTOK_RECOVERY_ERR);
	ck_assert_int_eq(chauthtok_as("nosuchkiko", PW_BAD, "Brand-New-Pass-9",
	    &unknown, &unknown_ms), PAM_AUTHTOK_RECOVERY_ERR);
	ck_assert_str_eq(known.shown, unknown.shown);
	ck_assert_msg(known_ms >= FAIL_DELAY_MS && unknown_ms >= FAIL_DELAY_MS,
	    "known %lld ms, unknown %lld ms", known_ms, unknown_ms);
	ck_assert_int_eq(itest_audit_count("event=chauthtok", "user=nosuchkiko",
	    "result=authtok_recovery_err", "unknown", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=chauthtok", "user=kiko ",
	    "result=authtok_recovery_err", "wrong", NULL), 1);
	ck_assert_int_eq(itest_login(svc, "kiko", PW_GOOD, &run), PAM_SUCCESS);
}
END_TEST

/*
 * A password-change service (root's caller) naming an unknown user: its
 * wrong current passwords count as a person's do (their bind), and once
 * locked it answers as a locked person's change does.
 */
START_TEST(chauthtok_unknown_user_locks_like_a_person)
{
	struct pam_run known, unknown;
	int i;

	itest_add_person("lisa", 20112, PW_GOOD);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(chauthtok_as("lisa", PW_BAD, "Brand-New-Pass-9",
		    &known, NULL), PAM_AUTHTOK_RECOVERY_ERR);
		ck_assert_int_eq(chauthtok_as("nobody-lisa", PW_BAD,
		    "Brand-New-Pass-9", &unknown, NULL), PAM_AUTHTOK_RECOVERY_ERR);
		ck_assert_str_eq(known.shown, unknown.shown);
	}
	ck_assert_int_eq(chauthtok_as("lisa", PW_GOOD, "Brand-New-Pass-9",
	    &known, NULL), PAM_MAXTRIES);
	ck_assert_int_eq(chauthtok_as("nobody-lisa", PW_GOOD,
	    "Brand-New-Pass-9", &unknown, NULL), PAM_MAXTRIES);
	ck_assert_msg(strstr(unknown.shown, "locked") != NULL, "shown: %s",
	    unknown.shown);
	ck_assert_str_eq(known.shown, unknown.shown);
}
END_TEST

/*
 * An account that may not log in may not change its password either; the
 * reason goes only to whoever gives the current password.
 */
START_TEST(chauthtok_refused_when_account_may_not_log_in)
{
	static const struct {
		const char *attr, *value, *shown;
		int result;
	} cases[] = {
		{ "authdAccountState", "disabled", "disabled", PAM_PERM_DENIED },
		{ "authdAccountState", "suspended", "suspended", PAM_PERM_DENIED },
		{ "authdValidUntil", "20000101000000Z", "expired on", PAM_PERM_DENIED },
	};
	struct pam_run run;
	size_t i;

	itest_add_person("lumi", 20082, PW_GOOD);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		itest_set_attr("lumi", cases[i].attr, cases[i].value);
		ck_assert_int_eq(chauthtok_as("lumi", PW_BAD, "Brand-New-Pass-9",
		    &run, NULL), PAM_AUTHTOK_RECOVERY_ERR);
		ck_assert_msg(strstr(run.shown, cases[i].shown) == NULL,
		    "told without the password: %s", run.shown);
		ck_assert_int_eq(chauthtok_as("lumi", PW_GOOD, "Brand-New-Pass-9",
		    &run, NULL), cases[i].result);
		ck_assert_msg(strstr(run.shown, cases[i].shown) != NULL,
		    "%s: shown: %s", cases[i].value, run.shown);
		ck_assert_msg(strstr(run.shown, "Password changed") == NULL,
		    "%s: shown: %s", cases[i].value, run.shown);
		ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' "
		    ">/dev/null <<'LDIF'\ndn: uid=lumi,ou=people,%s\nchangetype: "
		    "modify\ndelete: %s\nLDIF\n", itest.ldapi_uri, itest.base_dn,
		    cases[i].attr), 0);
	}
	ck_assert_int_eq(itest_audit_count("event=chauthtok", "user=lumi ",
	    "result=perm_denied", NULL), 3);
	/* the password is the one it was */
	ck_assert_int_eq(itest_login(svc, "lumi", "Brand-New-Pass-9", &run),
	    PAM_AUTH_ERR);
	ck_assert_int_eq(itest_login(svc, "lumi", PW_GOOD, &run), PAM_SUCCESS);
}
END_TEST

/*
 * A session refused at opening (the account suspended since acct_mgmt)
 * writes no last login: the next login must not show one that never was.
 */
START_TEST(refused_session_records_no_login)
{
	struct pam_run run;
	pam_handle_t *pamh;

	itest_add_person("mika", 20083, PW_GOOD);
	pamh = itest_pam_answering(svc, "mika", &run, PW_GOOD, NULL);
	pam_set_item(pamh, PAM_RHOST, "ws07.example.com");
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	itest_set_attr("mika", "authdAccountState", "suspended");
	ck_assert_int_eq(pam_open_session(pamh, 0), PAM_PERM_DENIED);
	itest_pam_end(pamh, PAM_PERM_DENIED);
	ck_assert_int_eq(itest_audit_count("event=open_session", "user=mika ",
	    "result=success", NULL), 0);

	itest_set_attr("mika", "authdAccountState", "active");
	ck_assert_int_eq(itest_login(svc, "mika", PW_GOOD, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "first login") != NULL &&
	    strstr(run.shown, "ws07") == NULL, "shown: %s", run.shown);
}
END_TEST

static Suite *
login_suite(void)
{
	Suite *s = suite_create("login");
	TCase *tc = tcase_create("password");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, right_password_logs_in);
	tcase_add_test(tc, first_pass_from_the_stack);
	tcase_add_test(tc, answer_longer_than_a_secret_refused);
	tcase_add_test(tc, stack_password_longer_than_a_secret_not_sent);
	tcase_add_test(tc, stack_old_password_longer_than_a_secret_not_sent);
	tcase_add_test(tc, wrong_password_refused);
	tcase_add_test(tc, unknown_user_looks_like_wrong_password);
	tcase_add_test(tc, full_width_name_is_nobody);
	tcase_add_test(tc, lockout_after_failures);
	tcase_add_test(tc, unknown_name_locks_like_a_person);
	tcase_add_test(tc, decoy_lock_survives_restart);
	tcase_add_test(tc, decoy_key_of_a_host_without_site_key);
	tcase_add_test(tc, locked_decoy_binds_as_a_locked_person);
	tcase_add_test(tc, temporary_password_must_be_changed);
	tcase_add_test(tc, disabled_and_suspended_refused);
	tcase_add_test(tc, last_login_shown_next_time);
	tcase_add_test(tc, non_root_caller_only_self);
	tcase_add_test(tc, garbage_leaves_authd_serving);
	tcase_add_test(tc, user_socket_connections_per_uid);
	tcase_add_test(tc, user_socket_rate_per_uid);
	tcase_add_test(tc, user_socket_rate_counts_requests);
	tcase_add_test(tc, max_clients_per_socket);
	tcase_add_test(tc, directory_down_then_back);
	tcase_add_test(tc, loop_binds_rest_while_directory_down);
	tcase_add_test(tc, hung_directory_holds_up_nobody);
	tcase_add_test(tc, directory_lost_during_bind);
	tcase_add_test(tc, audit_checkpoints_in_directory);
	tcase_add_test(tc, audit_log_rotated);
	tcase_add_test(tc, unanswered_wrong_password_counts_once);
	tcase_add_test(tc, logins_queue_for_the_loops_bind_connections);
	tcase_add_test(tc, directory_stops_under_load);
	tcase_add_test(tc, starttls_to_the_directory);
	tcase_add_test(tc, tls13_session_tickets_keep_the_loops_connections);
	tcase_add_test(tc, silent_tls_server_fails_over);
	tcase_add_test(tc, expiry_warning_and_grace_logins);
	tcase_add_test(tc, last_grace_login_changes_password);
	tcase_add_test(tc, last_grace_connection_lost_says_so);
	tcase_add_test(tc, grace_hold_full_ninth_asks_an_administrator);
	tcase_add_test(tc, expired_password_without_a_bind);
	tcase_add_test(tc, grace_logins_end_with_grace_expiry);
	tcase_add_test(tc, long_policy_dn_expires_without_a_bind);
	tcase_add_test(tc, acct_mgmt_decided_with_authentication);
	tcase_add_test(tc, acct_ahead_reads_the_account_again);
	tcase_add_test(tc, acct_ahead_ends_with_the_validity);
	tcase_add_test(tc, version_1_client_served);
	tcase_add_test(tc, audit_chain_verifies);
	tcase_add_test(tc, no_login_without_its_record);
	tcase_add_test(tc, no_login_when_its_record_is_not_synced);
	suite_add_tcase(s, tc);
	/* a screen locker's password change, through the user socket */
	tc = tcase_create("locker");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, user_socket_grace_login_must_change);
	tcase_add_test(tc, user_socket_grace_known_on_another_connection);
	tcase_add_test(tc, user_socket_reset_password_must_change);
	suite_add_tcase(s, tc);

	/* a minute's wait of its own: CK_RUN_CASE=minute runs it alone */
	tc = tcase_create("minute");
	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, decoy_lock_saved_each_minute);
	suite_add_tcase(s, tc);

	tc = tcase_create("account_paths");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, chauthtok_unknown_user_looks_like_wrong_password);
	tcase_add_test(tc, chauthtok_unknown_user_locks_like_a_person);
	tcase_add_test(tc, chauthtok_refused_when_account_may_not_log_in);
	tcase_add_test(tc, refused_session_records_no_login);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		fprintf(stderr, "test_login: needs root (slapd, authd, setuid children)\n");
		return 77;
	}
	if (access("/usr/sbin/slapd", X_OK) != 0) {
		fprintf(stderr, "test_login: slapd is not installed\n");
		return 77;
	}
	itest_up(FAIL_DELAY_MS);
	sr = srunner_create(login_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (itest_down() != 0)
		failed++;
	return failed == 0 ? 0 : 1;
}
