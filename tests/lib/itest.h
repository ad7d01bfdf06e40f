/*
 * Integration test support: a private slapd + authd started by
 * scripts/authd-local, people added to the directory, and PAM conversations
 * run through the real libpam with pam_start_confdir().
 */
#ifndef AUTHD_ITEST_H
#define AUTHD_ITEST_H

#include <security/pam_appl.h>
#include <stddef.h>
#include <sys/types.h>

struct itest_env {
	char dir[128];          /* the run folder */
	char ldapi_uri[256];
	char base_dn[128];
	char confdir[256];      /* PAM service files */
	char socket[256];
	char user_socket[256];
	char audit_log[256];
	char srcdir[1024];
	char builddir[1024];
};

extern struct itest_env itest;

/* Start slapd + authd (fail_delay_ms as given); exit(1) with a message on failure. */
void itest_up(int fail_delay_ms);
/* Stop both; returns 1 when authd's log shows a sanitizer report (ASan/UBSan
 * builds run the daemon sanitized too), else 0. */
int itest_down(void);
/* Run a shell command with the env of the setup; returns its exit status. */
int itest_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like itest_sh but captures stdout (NUL-terminated, truncated to outsz). */
int itest_sh_out(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A connection to the UNIX stream socket at path, or -1 (no assertion: also
 * for forked children). */
int itest_unix_connect(const char *path);
/* Whether the peer closed fd within ms. */
int itest_closed_within(int fd, int ms);

/* Add a person uid=NAME with uidNumber and password (no must-change). */
void itest_add_person(const char *name, long uid_number, const char *password);
/*
 * Enrol uid's TOTP token with authctl as the administrator admin_uid (a
 * member of authd-admins), answering its first code from the printed URI
 * with oathtool for the step before now (the current step stays free for a
 * login). The seed, base32, into secret.
 */
void itest_totp_enroll(long admin_uid, const char *uid, char *secret,
    size_t secretsz);
/* The code of secret at now + offset seconds (oathtool). */
void itest_totp_code(const char *secret, long offset, char *code,
    size_t codesz);
/* Replace one attribute of a person as the directory's root. */
void itest_set_attr(const char *name, const char *attr, const char *value);
/*
 * A ppolicy password policy cn=name,ou=policies (max_age and warning in
 * seconds, grace logins, length 12 and quality checked), and a person
 * under it (pwdPolicySubentry).
 */
void itest_add_pwpolicy(const char *name, long max_age, long warning, int grace);
void itest_use_pwpolicy(const char *person, const char *policy);

/* What a PAM transaction showed and answered. */
struct pam_run {
	const char *answers[16];   /* answers to prompts, in order */
	size_t nanswers;
	size_t next_answer;
	char shown[8192];          /* "P:prompt\n" "I:info\n" "E:error\n" */
	int prompts;
};

/* pam_start_confdir(service, user) with a conversation driven by run. */
pam_handle_t *itest_pam_start(const char *service, const char *user, struct pam_run *run);
/* The same with run made afresh to give these answers in order (then NULL). */
pam_handle_t *itest_pam_answering(const char *service, const char *user,
    struct pam_run *run, ...);
int itest_pam_end(pam_handle_t *pamh, int status);
/* One call: authenticate (and acct_mgmt when acct) with the given answers. */
int itest_login(const char *service, const char *user, const char *password,
    struct pam_run *run_r);

/* Number of lines in the audit log containing every one of the NULL-terminated needles. */
int itest_audit_count(const char *needle, ...);
/*
 * pamh authenticated user on the last grace login (run what it showed):
 * told to change now, the account stage says a change is due, the change
 * is made with its record on the connection of the last grace login. Ends
 * pamh. NULL, or what went otherwise.
 */
const char *itest_change_on_last_grace(pam_handle_t *pamh, struct pam_run *run,
    const char *user);
/*
 * After a person's last attempt and a name that is nobody's: both told they
 * are locked, and the decoy's lock recorded ("unknown user; decoy locked").
 * NULL, or what went otherwise.
 */
const char *itest_locked_alike(const struct pam_run *known,
    const struct pam_run *unknown, const char *nobody);
/*
 * A login program's session: a child that starts a session of its own,
 * authenticates (answering a, then b), passes acct_mgmt, opens the PAM
 * session on service (with PAM_TTY tty when not NULL), then starts nkids
 * `sleep 300` in it and waits. pids_r (nkids + 1): the child, then the kids.
 * 0 when the session is open, else the PAM status (or -1).
 */
int itest_session_tree(const char *service, const char *user, const char *tty,
    const char *a, const char *b, pid_t *pids_r, size_t nkids);
/*
 * The same with opts: ITEST_TREE_AUDIT, the login program first sets its
 * loginuid as pam_loginuid does (the kernel gives it an audit session of
 * its own); ITEST_TREE_ESCAPE, the last kid leaves the tree (it forks a
 * process that calls setsid() and exits, so that the process left is no
 * descendant of the login program nor in its session), and its pid in
 * pids_r is that of the process left; ITEST_TREE_HOP, the last kid forks
 * and exits every 0.1 ms, its child going on the same way (a process that
 * is never the same one long enough to be listed and signalled), ignoring
 * SIGHUP, for 30 s at most (the caller should be a subreaper that reaps
 * them); its
 * pid in pids_r is the first's. All stay in the login program's process
 * group, pids_r[0].
 */
#define ITEST_TREE_AUDIT  1
#define ITEST_TREE_ESCAPE 2
#define ITEST_TREE_HOP    4
int itest_session_tree_opts(const char *service, const char *user,
    const char *tty, const char *a, const char *b, pid_t *pids_r,
    size_t nkids, int opts);
/*
 * The environment assignments under which getent, id and the like resolve
 * through the NSS module at so_path and the test's authd (DIR/nss.sock):
 * Debian's nss_wrapper, and the sanitizer runtime first when the module is
 * a sanitized build's. Put before the command in itest_sh.
 */
void itest_nss_env(char *out, size_t outsz, const char *so_path);

/* A terminal for a session: a pty's master, and its slave's path given to
 * uid and group tty, mode 0620, as sshd does (the slave held open so that
 * the line discipline stays up); what the master read so far in seen. */
struct itest_term {
	int master;
	int slave;
	char path[64];
	char seen[4096];
	size_t nseen;
};
/* 0, or -1 with errno. */
int itest_term_open(struct itest_term *t, uid_t uid);
void itest_term_close(struct itest_term *t);
/* Read the master until needle shows; milliseconds it took, or -1 past
 * bound_ms. */
long long itest_term_wait(struct itest_term *t, const char *needle,
    long long bound_ms);

/* Whether this process may set a loginuid (give a child an audit session). */
int itest_can_set_loginuid(void);

/* authd's pid (DIR/authd.pid), or -1. */
pid_t itest_authd_pid(void);
/* key = value in authd.conf: the line replaced, or added. 0 or the status. */
int itest_set_conf(const char *key, const char *value);
/*
 * Restart authd (its config read again), in a session of its own: check
 * ends each test's process group, and authd must outlive the test. env:
 * assignments put before the command, or "". 0 or the exit status.
 */
int itest_restart_authd(const char *env);

/* Milliseconds on the monotonic clock. */
long long itest_now_ms(void);
/* How many of pids[] still run (zombies do not count). */
size_t itest_alive(const pid_t *pids, size_t n);
/* Milliseconds until none of pids[] runs (exited children reaped on the
 * way), or -1 past bound_ms. */
long long itest_wait_gone(const pid_t *pids, size_t n, long long bound_ms);
/* SIGKILL what still runs of pids[], then reap. */
void itest_kill_all(const pid_t *pids, size_t n);

/* Like itest_audit_count with up to three needles (c may be NULL), but for
 * records written in the background (session ends): polls up to 20 s. */
int itest_audit_wait(const char *a, const char *b, const char *c);
/* Lines of authd's own log (DIR/authd.log) holding phrase (no single quote in it). */
int itest_log_lines(const char *phrase);
/* The same in another log of the test's folder (e.g. "second/authd.log"). */
int itest_log_lines_of(const char *log, const char *phrase);
/* Records of event=authenticate for user with result whose reason holds
 * phrase, written with plain spaces (the log carries them as \x20). */
int itest_audit_reason(const char *user, const char *result, const char *phrase);

#endif
