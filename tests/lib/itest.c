#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "proc_alive.h"

struct itest_env itest;

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "itest: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int
vsh(char *out, size_t outsz, const char *fmt, va_list ap)
{
	char cmd[8192];
	FILE *p;
	size_t n = 0;
	int st;

	if (vsnprintf(cmd, sizeof(cmd), fmt, ap) >= (int)sizeof(cmd))
		die("command too long");
	if ((p = popen(cmd, "r")) == NULL)
		die("popen: %s", strerror(errno));
	if (out != NULL && outsz > 0) {
		size_t r;

		while (n + 1 < outsz && (r = fread(out + n, 1, outsz - 1 - n, p)) > 0)
			n += r;
		out[n] = '\0';
	}
	{
		char sink[512];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int
itest_sh(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsh(NULL, 0, fmt, ap);
	va_end(ap);
	return r;
}

int
itest_sh_out(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsh(out, outsz, fmt, ap);
	va_end(ap);
	return r;
}

static void
env_value(const char *env, const char *key, char *out, size_t outsz)
{
	char pat[64];
	const char *p, *e;
	size_t n;

	snprintf(pat, sizeof(pat), "%s=", key);
	for (p = env; (p = strstr(p, pat)) != NULL; p++)
		if (p == env || p[-1] == '\n')
			break;
	if (p == NULL)
		die("authd-local env has no %s", key);
	p += strlen(pat);
	if (*p == '\'' || *p == '"')
		p++;
	e = strchr(p, '\n');
	n = e != NULL ? (size_t)(e - p) : strlen(p);
	while (n > 0 && (p[n - 1] == '\'' || p[n - 1] == '"'))
		n--;
	if (n >= outsz)
		die("%s too long", key);
	memcpy(out, p, n);
	out[n] = '\0';
}

void
itest_up(int fail_delay_ms)
{
	char env[4096];
	const char *s;

	s = getenv("AUTHD_SRCDIR");
	snprintf(itest.srcdir, sizeof(itest.srcdir), "%s", s != NULL ? s : ".");
	s = getenv("AUTHD_BUILDDIR");
	snprintf(itest.builddir, sizeof(itest.builddir), "%s", s != NULL ? s : ".");
	snprintf(itest.dir, sizeof(itest.dir), "/tmp/at.XXXXXX");
	if (mkdtemp(itest.dir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	setenv("AUTHD_BUILDDIR", itest.builddir, 1);
	/* people who are not root run PAM in some tests: let them read the service files */
	chmod(itest.dir, 0755);
	if (itest_sh("AUTHD_FAIL_DELAY_MS=%d '%s/scripts/authd-local' up %s >%s/up.log 2>&1",
	    fail_delay_ms, itest.srcdir, itest.dir, itest.dir) != 0) {
		itest_sh("cat %s/up.log >&2", itest.dir);
		(void)itest_down();
		die("could not start slapd and authd");
	}
	if (itest_sh_out(env, sizeof(env), "'%s/scripts/authd-local' env %s",
	    itest.srcdir, itest.dir) != 0)
		die("authd-local env failed");
	env_value(env, "LDAPI_URI", itest.ldapi_uri, sizeof(itest.ldapi_uri));
	env_value(env, "BASE_DN", itest.base_dn, sizeof(itest.base_dn));
	env_value(env, "PAM_CONFDIR", itest.confdir, sizeof(itest.confdir));
	env_value(env, "AUTHD_SOCKET", itest.socket, sizeof(itest.socket));
	env_value(env, "AUTHD_USER_SOCKET", itest.user_socket, sizeof(itest.user_socket));
	env_value(env, "AUTHD_AUDIT_LOG", itest.audit_log, sizeof(itest.audit_log));
	setenv("LDAPI_URI", itest.ldapi_uri, 1);
	setenv("BASE_DN", itest.base_dn, 1);
}

int
itest_down(void)
{
	int sanitizer_report;

	if (itest.dir[0] == '\0')
		return 0;
	itest_sh("'%s/scripts/authd-local' down %s >/dev/null 2>&1", itest.srcdir, itest.dir);
	/* authd has exited: a sanitized build has written its reports by now. */
	sanitizer_report = itest_sh("grep -E 'Sanitizer|runtime error:' %s/authd.log >&2",
	    itest.dir) == 0;
	if (sanitizer_report)
		fprintf(stderr, "itest: authd reported a sanitizer error (above)\n");
	if (getenv("AUTHD_KEEP_TEST_DIR") == NULL)
		itest_sh("rm -rf %s", itest.dir);
	else
		fprintf(stderr, "itest: kept %s\n", itest.dir);
	itest.dir[0] = '\0';
	return sanitizer_report;
}

void
itest_add_person(const char *name, long uid_number, const char *password)
{
	if (itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: uid=%s,ou=people,%s\n"
	    "objectClass: inetOrgPerson\nobjectClass: posixAccount\nobjectClass: authdAccount\n"
	    "uid: %s\ncn: Test %s\nsn: %s\nuidNumber: %ld\ngidNumber: %ld\n"
	    "homeDirectory: /home/%s\nloginShell: /bin/sh\nauthdAccountState: active\n"
	    "authdAccountType: regular\nuserPassword: %s\n"
	    "LDIF\n",
	    itest.ldapi_uri, name, itest.base_dn, name, name, name, uid_number,
	    uid_number, name, password) != 0)
		die("could not add %s", name);
	/* An add by an administrator may mark the password for change: clear it. */
	itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: uid=%s,ou=people,%s\nchangetype: modify\ndelete: pwdReset\n"
	    "LDIF\n", itest.ldapi_uri, name, itest.base_dn);
}

void
itest_totp_enroll(long admin_uid, const char *uid, char *secret,
    size_t secretsz)
{
	char out[8192], *e;

	if (itest_sh_out(out, sizeof(out),
	    "cd %s || exit 1; rm -f fifo.%s; mkfifo fifo.%s || exit 1; "
	    "(setpriv --reuid=%ld --regid=%ld --clear-groups '%s/authctl/authctl' "
	    "-c %s/authd.conf totp enroll %s <fifo.%s >enroll.%s 2>&1; "
	    "echo $? >enroll-rc.%s) & "
	    "exec 3>fifo.%s; "
	    "for i in $(seq 1 400); do grep -q otpauth enroll.%s && break; sleep 0.05; done; "
	    "s=$(sed -n 's/.*secret=\\([A-Z2-7]*\\).*/\\1/p' enroll.%s); "
	    "oathtool --totp -b \"$s\" -N \"@$(( $(date +%%s) - 30 ))\" >&3; exec 3>&-; wait; "
	    "echo \"$s\"; cat enroll-rc.%s",
	    itest.dir, uid, uid, admin_uid, admin_uid, itest.builddir, itest.dir,
	    uid, uid, uid, uid, uid, uid, uid, uid) != 0 ||
	    (e = strchr(out, '\n')) == NULL)
		die("TOTP enrolment of %s failed; see %s/enroll.%s", uid,
		    itest.dir, uid);
	*e = '\0';
	snprintf(secret, secretsz, "%.*s", (int)secretsz - 1, out);
	if (strlen(secret) < 32 || e[1] != '0')
		die("TOTP enrolment of %s failed; see %s/enroll.%s", uid,
		    itest.dir, uid);
}

void
itest_totp_code(const char *secret, long offset, char *code, size_t codesz)
{
	char out[64];

	if (itest_sh_out(out, sizeof(out),
	    "oathtool --totp -b '%s' -N \"@$(( $(date +%%s) + %ld ))\"", secret,
	    offset) != 0)
		die("oathtool failed");
	out[strcspn(out, "\n")] = '\0';
	if (strlen(out) != 6)
		die("oathtool gave \"%s\", not a 6-digit code", out);
	snprintf(code, codesz, "%s", out);
}

void
itest_set_attr(const char *name, const char *attr, const char *value)
{
	if (itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: uid=%s,ou=people,%s\nchangetype: modify\nreplace: %s\n%s: %s\n"
	    "LDIF\n", itest.ldapi_uri, name, itest.base_dn, attr, attr, value) != 0)
		die("could not set %s of %s", attr, name);
}

void
itest_add_pwpolicy(const char *name, long max_age, long warning, int grace)
{
	if (itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=%s,ou=policies,%s\nobjectClass: device\nobjectClass: pwdPolicy\n"
	    "cn: %s\npwdAttribute: userPassword\npwdMaxAge: %ld\npwdExpireWarning: %ld\n"
	    "pwdGraceAuthNLimit: %d\npwdMustChange: TRUE\npwdAllowUserChange: TRUE\n"
	    "pwdMinLength: 12\npwdCheckQuality: 2\nLDIF\n", itest.ldapi_uri, name,
	    itest.base_dn, name, max_age, warning, grace) != 0)
		die("could not add the password policy %s", name);
}

void
itest_use_pwpolicy(const char *person, const char *policy)
{
	char dn[1100];

	snprintf(dn, sizeof(dn), "cn=%s,ou=policies,%s", policy, itest.base_dn);
	itest_set_attr(person, "pwdPolicySubentry", dn);
}

static void
shown_add(struct pam_run *run, char kind, const char *text)
{
	size_t n = strlen(run->shown);

	snprintf(run->shown + n, sizeof(run->shown) - n, "%c:%s\n", kind,
	    text != NULL ? text : "");
}

static int
conv(int num, const struct pam_message **msgs, struct pam_response **resp_r,
    void *data)
{
	struct pam_run *run = data;
	struct pam_response *resp;
	int i;

	if ((resp = calloc((size_t)num, sizeof(*resp))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num; i++) {
		switch (msgs[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			shown_add(run, 'P', msgs[i]->msg);
			run->prompts++;
			if (run->next_answer >= run->nanswers) {
				free(resp);
				return PAM_CONV_ERR;
			}
			resp[i].resp = strdup(run->answers[run->next_answer++]);
			break;
		case PAM_TEXT_INFO:
			shown_add(run, 'I', msgs[i]->msg);
			break;
		case PAM_ERROR_MSG:
			shown_add(run, 'E', msgs[i]->msg);
			break;
		default:
			free(resp);
			return PAM_CONV_ERR;
		}
	}
	*resp_r = resp;
	return PAM_SUCCESS;
}

pam_handle_t *
itest_pam_start(const char *service, const char *user, struct pam_run *run)
{
	struct pam_conv c = { conv, run };
	pam_handle_t *pamh = NULL;
	int r;

	r = pam_start_confdir(service, user, &c, itest.confdir, &pamh);
	if (r != PAM_SUCCESS)
		die("pam_start_confdir(%s, %s): %d", service, user, r);
	pam_set_item(pamh, PAM_TTY, "pts/7");
	return pamh;
}

pam_handle_t *
itest_pam_answering(const char *service, const char *user, struct pam_run *run,
    ...)
{
	const char *answer;
	va_list ap;

	memset(run, 0, sizeof(*run));
	va_start(ap, run);
	while ((answer = va_arg(ap, const char *)) != NULL) {
		if (run->nanswers == sizeof(run->answers) / sizeof(run->answers[0]))
			die("itest_pam_answering: more than %zu answers",
			    run->nanswers);
		run->answers[run->nanswers++] = answer;
	}
	va_end(ap);
	return itest_pam_start(service, user, run);
}

int
itest_pam_end(pam_handle_t *pamh, int status)
{
	return pam_end(pamh, status);
}

int
itest_login(const char *service, const char *user, const char *password,
    struct pam_run *run)
{
	pam_handle_t *pamh;
	int r;

	pamh = itest_pam_answering(service, user, run, password, NULL);
	r = pam_authenticate(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

int
itest_audit_count(const char *needle, ...)
{
	char line[4096];
	const char *needles[16];
	size_t n = 0, i;
	va_list ap;
	FILE *f;
	int count = 0;

	needles[n++] = needle;
	va_start(ap, needle);
	while (n < 16 && (needles[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	if ((f = fopen(itest.audit_log, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		for (i = 0; i < n; i++)
			if (strstr(line, needles[i]) == NULL)
				break;
		if (i == n)
			count++;
	}
	fclose(f);
	return count;
}

const char *
itest_change_on_last_grace(pam_handle_t *pamh, struct pam_run *run,
    const char *user)
{
	static char why[9000];
	char needle[160];
	int r;

	why[0] = '\0';
	if (strstr(run->shown, "this was its last grace login. Change it now.") ==
	    NULL)
		snprintf(why, sizeof(why), "not told to change now: %s", run->shown);
	else if ((r = pam_acct_mgmt(pamh, 0)) != PAM_NEW_AUTHTOK_REQD)
		snprintf(why, sizeof(why), "acct_mgmt %d, not NEW_AUTHTOK_REQD", r);
	else if ((r = pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK)) !=
	    PAM_SUCCESS)
		snprintf(why, sizeof(why), "chauthtok %d: %s", r, run->shown);
	else if (strstr(run->shown, "Password changed.") == NULL)
		snprintf(why, sizeof(why), "not told it changed: %s", run->shown);
	itest_pam_end(pamh, PAM_SUCCESS);
	snprintf(needle, sizeof(needle), "user=%s ", user);
	if (why[0] == '\0' && itest_audit_count("event=chauthtok", needle,
	    "result=success ", "last\\x20grace\\x20login", NULL) != 1)
		snprintf(why, sizeof(why), "no record of %s's change on the "
		    "connection of the last grace login", user);
	return why[0] != '\0' ? why : NULL;
}

const char *
itest_locked_alike(const struct pam_run *known, const struct pam_run *unknown,
    const char *nobody)
{
	static char why[17000];

	if (strstr(known->shown, "locked") == NULL)
		snprintf(why, sizeof(why), "the person not told locked: %s",
		    known->shown);
	else if (strstr(unknown->shown, "locked") == NULL)
		snprintf(why, sizeof(why), "%s not told locked: %s", nobody,
		    unknown->shown);
	else if (itest_audit_reason(nobody, "maxtries",
	    "unknown user; decoy locked") < 1)
		snprintf(why, sizeof(why), "no record of %s's decoy locked", nobody);
	else
		return NULL;
	return why;
}

int
itest_audit_reason(const char *user, const char *result, const char *phrase)
{
	char u[128], r[64], esc[512];
	size_t i, n = 0;

	for (i = 0; phrase[i] != '\0' && n + 5 < sizeof(esc); i++) {
		if (phrase[i] == ' ') {
			memcpy(esc + n, "\\x20", 4);
			n += 4;
		} else
			esc[n++] = phrase[i];
	}
	esc[n] = '\0';
	snprintf(u, sizeof(u), "user=%s ", user);
	snprintf(r, sizeof(r), "result=%s ", result);
	return itest_audit_count("event=authenticate", u, r, esc, NULL);
}

int
itest_audit_wait(const char *a, const char *b, const char *c)
{
	struct timespec t0, t;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if ((n = itest_audit_count(a, b, c, NULL)) >= 1)
			return n;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 20)
			return n;
		usleep(20000);
	}
}

/* As pam_loginuid does: the kernel starts a new audit session. */
static int
set_loginuid(void)
{
	int fd, ok;

	if ((fd = open("/proc/self/loginuid", O_WRONLY)) == -1)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

int
itest_can_set_loginuid(void)
{
	pid_t p;
	int status;

	if ((p = fork()) == 0)
		_exit(set_loginuid() == 0 ? 0 : 1);
	return p > 0 && waitpid(p, &status, 0) == p && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0;
}

int
itest_session_tree(const char *service, const char *user, const char *tty,
    const char *a, const char *b, pid_t *pids_r, size_t nkids)
{
	return itest_session_tree_opts(service, user, tty, a, b, pids_r, nkids, 0);
}

int
itest_session_tree_opts(const char *service, const char *user,
    const char *tty, const char *a, const char *b, pid_t *pids_r,
    size_t nkids, int opts)
{
	int p[2], status, n;
	size_t i;
	pid_t kid;

	if (pipe(p) != 0)
		die("pipe: %s", strerror(errno));
	if ((pids_r[0] = fork()) == 0) {
		struct pam_run run;
		pam_handle_t *pamh;
		int r = PAM_SUCCESS;

		close(p[0]);
		setsid();
		if ((opts & ITEST_TREE_AUDIT) && set_loginuid() != 0) {
			n = -1;
			(void)write(p[1], &n, sizeof(n));
			_exit(1);
		}
		memset(&run, 0, sizeof(run));
		run.answers[run.nanswers++] = a;
		if (b != NULL)
			run.answers[run.nanswers++] = b;
		pamh = itest_pam_start(service, user, &run);
		if (tty != NULL)
			r = pam_set_item(pamh, PAM_TTY, tty);
		if (r == PAM_SUCCESS &&
		    (r = pam_authenticate(pamh, 0)) == PAM_SUCCESS &&
		    (r = pam_acct_mgmt(pamh, 0)) == PAM_SUCCESS)
			r = pam_open_session(pamh, 0);
		if (r != PAM_SUCCESS) {
			n = -r;
			(void)write(p[1], &n, sizeof(n));
			_exit(1);
		}
		for (i = 0; i < nkids; i++) {
			int escape = (opts & ITEST_TREE_ESCAPE) && i + 1 == nkids;

			if ((kid = fork()) == 0) {
				if ((opts & ITEST_TREE_HOP) && i + 1 == nkids) {
					close(p[1]);
					long long until = itest_now_ms() + 30000;

					/* as nohup: only the SIGKILL ends it */
					signal(SIGHUP, SIG_IGN);
					/* a generation lives ~0.1 ms, less than a scan
					 * of /proc takes; gone by itself in 30 s */
					while (itest_now_ms() < until) {
						usleep(100);
						if (fork() > 0)
							_exit(0);
					}
					_exit(0);
				}
				if (escape) {
					/* the process left reports itself */
					if (fork() != 0)
						_exit(0);
					setsid();
					n = (int)getpid();
					(void)write(p[1], &n, sizeof(n));
					close(p[1]);
				}
				execlp("sleep", "sleep", "300", (char *)NULL);
				_exit(127);
			}
			if (escape) {
				(void)waitpid(kid, NULL, 0);
				continue;
			}
			n = (int)kid;
			(void)write(p[1], &n, sizeof(n));
		}
		close(p[1]);
		/* the login program waits for the shell; killed with its session */
		for (;;)
			pause();
	}
	close(p[1]);
	for (i = 0; i < nkids; i++) {
		if (read(p[0], &n, sizeof(n)) != sizeof(n) || n <= 0) {
			close(p[0]);
			(void)waitpid(pids_r[0], &status, 0);
			return n < 0 ? -n : -1;
		}
		pids_r[i + 1] = (pid_t)n;
	}
	close(p[0]);
	return 0;
}

long long
itest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
itest_alive(const pid_t *pids, size_t n)
{
	size_t i, left = 0;

	for (i = 0; i < n; i++)
		left += proc_alive(pids[i]);
	return left;
}

long long
itest_wait_gone(const pid_t *pids, size_t n, long long bound_ms)
{
	long long t0 = itest_now_ms();

	do {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (itest_alive(pids, n) == 0)
			return itest_now_ms() - t0;
		usleep(10000);
	} while (itest_now_ms() - t0 < bound_ms);
	return -1;
}

void
itest_kill_all(const pid_t *pids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (proc_alive(pids[i]))
			kill(pids[i], SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

pid_t
itest_authd_pid(void)
{
	char path[300], line[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/authd.pid", itest.dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	return (pid_t)atol(line);
}

int
itest_set_conf(const char *key, const char *value)
{
	return itest_sh("if grep -q '^%s = ' %s/authd.conf; then "
	    "sed -i 's#^%s = .*#%s = %s#' %s/authd.conf; "
	    "else echo '%s = %s' >> %s/authd.conf; fi",
	    key, itest.dir, key, key, value, itest.dir, key, value, itest.dir);
}

int
itest_restart_authd(const char *env)
{
	return itest_sh("%s setsid '%s/scripts/authd-local' restart-authd %s "
	    ">>%s/up.log 2>&1", env, itest.srcdir, itest.dir, itest.dir);
}

int
itest_unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
itest_closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 0;
}

int
itest_log_lines(const char *phrase)
{
	return itest_log_lines_of("authd.log", phrase);
}

int
itest_log_lines_of(const char *log, const char *phrase)
{
	char out[32];

	if (itest_sh_out(out, sizeof(out), "grep -c -F -- '%s' %s/%s || true",
	    phrase, itest.dir, log) != 0)
		return -1;
	return atoi(out);
}

int
itest_term_open(struct itest_term *t, uid_t uid)
{
	struct group *tty;
	char *name;

	memset(t, 0, sizeof(*t));
	t->slave = -1;
	if ((t->master = posix_openpt(O_RDWR | O_NOCTTY)) == -1)
		return -1;
	if (grantpt(t->master) != 0 || unlockpt(t->master) != 0 ||
	    (name = ptsname(t->master)) == NULL)
		goto fail;
	snprintf(t->path, sizeof(t->path), "%s", name);
	/* as sshd does: the terminal belongs to the person logging in, and
	 * group tty may write to it (wall, write, authd's warnings) */
	if (chown(t->path, uid, (tty = getgrnam("tty")) != NULL ? tty->gr_gid :
	    (gid_t)-1) != 0 || chmod(t->path, 0620) != 0 ||
	    (t->slave = open(t->path, O_RDWR | O_NOCTTY)) == -1)
		goto fail;
	(void)fcntl(t->master, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	close(t->master);
	return -1;
}

void
itest_term_close(struct itest_term *t)
{
	if (t->slave != -1)
		close(t->slave);
	close(t->master);
}

long long
itest_term_wait(struct itest_term *t, const char *needle, long long bound_ms)
{
	struct pollfd pfd;
	long long t0 = itest_now_ms();
	ssize_t n;

	do {
		if (memmem(t->seen, t->nseen, needle, strlen(needle)) != NULL)
			return itest_now_ms() - t0;
		pfd.fd = t->master;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) == 1 && t->nseen + 1 < sizeof(t->seen) &&
		    (n = read(t->master, t->seen + t->nseen,
		    sizeof(t->seen) - 1 - t->nseen)) > 0)
			t->nseen += (size_t)n;
	} while (itest_now_ms() - t0 < bound_ms);
	return -1;
}

void
itest_nss_env(char *out, size_t outsz, const char *so_path)
{
	char asan[512] = "";

	(void)itest_sh_out(asan, sizeof(asan), "ldd '%s' | awk '/libasan/ "
	    "{ printf \"%%s \", $3 } /libubsan/ { printf \"%%s \", $3 }'",
	    so_path);
	snprintf(out, outsz, "AUTHD_NSS_SOCKET='%s/nss.sock' LD_PRELOAD='%s"
	    "libnss_wrapper.so' ASAN_OPTIONS=detect_leaks=0 "
	    "NSS_WRAPPER_MODULE_SO_PATH='%s' NSS_WRAPPER_MODULE_FN_PREFIX=authd "
	    "NSS_WRAPPER_PASSWD=/etc/passwd NSS_WRAPPER_GROUP=/etc/group",
	    itest.dir, asan, so_path);
}
