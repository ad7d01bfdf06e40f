/*
 * pam_authd.so driven by real libpam (pam_start_confdir) against a fake
 * authd: a thread in this test that listens on a root-owned UNIX socket in a
 * temporary folder and plays a script through common/proto.h. It checks what
 * the module does with each kind of step and result; the real daemon is the
 * integration tests' business.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <security/pam_appl.h>

#include "err.h"
#include "pam_module/pam_authd.h"
#include "proto.h"

#define SERVICE     "authd-test"
#define PASSWORD    "secret"
#define MAX_CONNS   8
#define MAX_REQS    16
#define SRV_WAIT_MS 5000

/* What the fake authd saw of one request. */
struct seen {
	int conn;                /* the connection that carried it */
	uint8_t type;
	uint32_t flags;
	uint32_t pid;
	int has_pid;
	char user[64];
	char service[64];
	char tty[64];
	char rhost[64];
	char authtok[64];
	char old_authtok[64];
	char login_id[64];
	char session_id[64];
	char answer[64];
	int answer_status;
};

/* One connection the fake accepted. */
struct fconn {
	int id;
	int fd;                  /* -1 once closed */
	int hello;               /* HELLO answered */
	int pipelined;           /* the request was read with HELLO, before our HELLO */
	int nreqs;               /* requests it carried */
	struct authd_buf *rbuf;
	size_t last;
};

struct fake;
/* One request, recorded in f->seen[req]: 0 keeps the connection, -1 closes it. */
typedef int (*script_fn)(struct fake *f, struct fconn *c, int req);

struct fake {
	char dir[64];
	char sock[96];
	int lfd;
	pthread_t thr;
	volatile int stop;
	script_fn script;
	uint8_t acct_result;     /* what script_password answers to ACCT_MGMT */
	int reject_version;      /* answer HELLO with RESULT PROTOCOL_ERR */
	int only_version1;       /* as an authd older than version 2 */
	uint8_t version;         /* the version the last HELLO agreed on */
	int hello_after_request; /* answer HELLO only once the request is here */
	int close_after_auth;    /* close after the AUTHENTICATE result (idle) */
	int drop_reused;         /* close on a reused connection's next request */
	const char *drop_after_info; /* ... after this INFO step */
	int nconns;              /* connections accepted */
	int nreqs;               /* requests received */
	volatile int nclosed;    /* connections that ended */
	struct fconn conns[MAX_CONNS];
	struct seen seen[MAX_REQS];
	char failure[256];       /* the first thing the script did not get */
	struct authd_buf *wbuf;
};

/* What the login program's conversation function saw. */
struct convlog {
	int prompts;
	char info[256];
	char error[256];
};

static struct fake *fk;

static void
srv_fail(struct fake *f, const char *fmt, ...)
{
	va_list ap;

	if (f->failure[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(f->failure, sizeof(f->failure), fmt, ap);
	va_end(ap);
}

/* A whole frame already read from c (the last one handed out aside)? */
static int
srv_buffered(struct fconn *c)
{
	struct authd_msg m;
	size_t used;

	if (c->last > 0)
		authd_buf_consume(c->rbuf, c->last);
	c->last = 0;
	return authd_frame_decode(authd_buf_ptr(c->rbuf),
	    authd_buf_len(c->rbuf), &m, &used) == AUTHD_OK;
}

static int
srv_recv(struct fconn *c, struct authd_msg *m)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	size_t used;
	ssize_t n;
	int r;

	if (c->last > 0)
		authd_buf_consume(c->rbuf, c->last);
	c->last = 0;
	for (;;) {
		r = authd_frame_decode(authd_buf_ptr(c->rbuf),
		    authd_buf_len(c->rbuf), m, &used);
		if (r == AUTHD_OK) {
			c->last = used;
			return AUTHD_OK;
		}
		if (r != AUTHD_ERR_INCOMPLETE)
			return r;
		if (poll(&pfd, 1, SRV_WAIT_MS) != 1)
			return AUTHD_ERR_TIMEOUT;
		n = authd_buf_read(c->rbuf, c->fd, NULL);
		if (n == -1 && errno == EMSGSIZE)
			return AUTHD_ERR_TOO_LONG;
		if (n <= 0)
			return AUTHD_ERR_CLOSED;
	}
}

/* Read until a whole frame is buffered, without taking it. */
static int
srv_wait_frame(struct fconn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	while (!srv_buffered(c)) {
		if (poll(&pfd, 1, SRV_WAIT_MS) != 1)
			return -1;
		if (authd_buf_read(c->rbuf, c->fd, NULL) <= 0)
			return -1;
	}
	return 0;
}

static void
srv_write(int fd, const void *p, size_t len)
{
	ssize_t n;

	while (len > 0 && (n = send(fd, p, len, MSG_NOSIGNAL)) > 0) {
		p = (const char *)p + n;
		len -= (size_t)n;
	}
}

static void
srv_flush(struct fake *f, int fd)
{
	srv_write(fd, authd_buf_ptr(f->wbuf), authd_buf_len(f->wbuf));
	authd_buf_reset(f->wbuf);
}

static void
srv_result(struct fake *f, int fd, uint8_t result, const char *env1,
    const char *env2)
{
	size_t st;

	authd_frame_begin(f->wbuf, f->version, AUTHD_MSG_RESULT, &st);
	authd_frame_add_u8(f->wbuf, AUTHD_F_RESULT, result);
	if (env1 != NULL)
		authd_frame_add_str(f->wbuf, AUTHD_F_ENV, env1);
	if (env2 != NULL)
		authd_frame_add_str(f->wbuf, AUTHD_F_ENV, env2);
	authd_frame_end(f->wbuf, st);
	srv_flush(f, fd);
}

static void srv_wait_close(struct fake *f, int fd);

static int
srv_hello(struct fake *f, struct fconn *c)
{
	struct authd_msg m;
	uint8_t lo, hi;
	size_t st;

	if (srv_recv(c, &m) != AUTHD_OK || m.type != AUTHD_MSG_HELLO ||
	    authd_msg_get_u8(&m, AUTHD_F_VERSION_MIN, &lo) != AUTHD_OK ||
	    authd_msg_get_u8(&m, AUTHD_F_VERSION_MAX, &hi) != AUTHD_OK ||
	    authd_msg_field(&m, AUTHD_F_CLIENT) == NULL) {
		srv_fail(f, "conn %d: no proper HELLO", c->id);
		return -1;
	}
	/* The same read brought the request: HELLO did not wait for ours. */
	c->pipelined = srv_buffered(c);
	f->version = 1;
	if (f->reject_version || (f->only_version1 && lo > 1)) {
		/* As authd: RESULT PROTOCOL_ERR, and the rest is ignored. */
		srv_result(f, c->fd, AUTHD_R_PROTOCOL_ERR, NULL, NULL);
		srv_wait_close(f, c->fd);
		return -1;
	}
	if (f->hello_after_request && srv_wait_frame(c) != 0) {
		srv_fail(f, "conn %d: no request before our HELLO", c->id);
		return -1;
	}
	f->version = hi < AUTHD_PROTO_VERSION_MAX ? hi : AUTHD_PROTO_VERSION_MAX;
	authd_frame_begin(f->wbuf, f->version, AUTHD_MSG_HELLO, &st);
	authd_frame_add_u8(f->wbuf, AUTHD_F_VERSION, f->version);
	authd_frame_end(f->wbuf, st);
	srv_flush(f, c->fd);
	c->hello = 1;
	return 0;
}

static void
get_str(const struct authd_msg *m, uint16_t tag, char *out, size_t outsz)
{
	if (authd_msg_get_str(m, tag, out, outsz) != AUTHD_OK)
		out[0] = '\0';
}

static void
srv_record(struct seen *s, const struct authd_msg *m)
{
	s->type = m->type;
	authd_msg_get_u32(m, AUTHD_F_FLAGS, &s->flags);
	s->has_pid = authd_msg_get_u32(m, AUTHD_F_PID, &s->pid) == AUTHD_OK;
	get_str(m, AUTHD_F_USER, s->user, sizeof(s->user));
	get_str(m, AUTHD_F_SERVICE, s->service, sizeof(s->service));
	get_str(m, AUTHD_F_TTY, s->tty, sizeof(s->tty));
	get_str(m, AUTHD_F_RHOST, s->rhost, sizeof(s->rhost));
	get_str(m, AUTHD_F_AUTHTOK, s->authtok, sizeof(s->authtok));
	get_str(m, AUTHD_F_OLD_AUTHTOK, s->old_authtok, sizeof(s->old_authtok));
	get_str(m, AUTHD_F_LOGIN_ID, s->login_id, sizeof(s->login_id));
	get_str(m, AUTHD_F_SESSION_ID, s->session_id, sizeof(s->session_id));
}

static void
srv_close(struct fake *f, struct fconn *c)
{
	close(c->fd);
	c->fd = -1;
	f->nclosed++;
}

/* The next thing on c: HELLO, or a request for the script, or the end. */
static void
srv_serve(struct fake *f, struct fconn *c)
{
	struct authd_msg m;
	int r, req;

	if (!c->hello) {
		if (srv_hello(f, c) != 0)
			srv_close(f, c);
		return;
	}
	if ((r = srv_recv(c, &m)) == AUTHD_ERR_CLOSED) {
		srv_close(f, c);
		return;
	}
	if (r != AUTHD_OK || f->nreqs == MAX_REQS) {
		srv_fail(f, "conn %d: no request: %s", c->id, authd_strerror(r));
		srv_close(f, c);
		return;
	}
	req = f->nreqs++;
	c->nreqs++;
	f->seen[req].conn = c->id;
	srv_record(&f->seen[req], &m);
	if (f->script(f, c, req) != 0)
		srv_close(f, c);
}

static void
srv_accept(struct fake *f)
{
	struct fconn *c;
	int fd;

	if ((fd = accept(f->lfd, NULL, NULL)) == -1)
		return;
	if (f->nconns == MAX_CONNS) {
		srv_fail(f, "too many connections");
		close(fd);
		return;
	}
	c = &f->conns[f->nconns];
	c->id = f->nconns++;
	c->fd = fd;
	if ((c->rbuf = authd_buf_new(AUTHD_FRAME_MAX * 2)) == NULL) {
		srv_fail(f, "out of memory");
		srv_close(f, c);
	}
}

/* Serves every open connection, one request at a time. */
static void *
srv_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd[MAX_CONNS + 1];
	struct fconn *which[MAX_CONNS + 1];
	int i, n, timeout;

	while (!f->stop) {
		n = 1;
		timeout = 50;
		pfd[0].fd = f->lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < f->nconns; i++) {
			if (f->conns[i].fd == -1)
				continue;
			if (f->conns[i].hello && srv_buffered(&f->conns[i]))
				timeout = 0;
			pfd[n].fd = f->conns[i].fd;
			pfd[n].events = POLLIN;
			which[n++] = &f->conns[i];
		}
		if (poll(pfd, (nfds_t)n, timeout) == -1)
			continue;
		if ((pfd[0].revents & POLLIN) != 0)
			srv_accept(f);
		for (i = 1; i < n; i++)
			if (pfd[i].revents != 0 ||
			    (which[i]->hello && srv_buffered(which[i])))
				srv_serve(f, which[i]);
	}
	for (i = 0; i < f->nconns; i++)
		if (f->conns[i].fd != -1)
			srv_close(f, &f->conns[i]);
	return NULL;
}

/* Wait (a little) until the fake has seen n connections end. */
static int
wait_closed(int n)
{
	int i;

	for (i = 0; i < 500 && fk->nclosed < n; i++)
		poll(NULL, 0, 10);
	return fk->nclosed >= n;
}

static void
srv_step(struct fake *f, int fd, uint8_t kind, const char *text)
{
	size_t st;

	authd_frame_begin(f->wbuf, f->version, AUTHD_MSG_STEP, &st);
	authd_frame_add_u8(f->wbuf, AUTHD_F_STEP_KIND, kind);
	if (text != NULL)
		authd_frame_add_str(f->wbuf, AUTHD_F_TEXT, text);
	/* like authd, mark the account's password prompt */
	if (text != NULL && strcmp(text, "Password: ") == 0)
		authd_frame_add_u32(f->wbuf, AUTHD_F_OPTIONS, AUTHD_STEP_OPT_AUTHTOK);
	authd_frame_end(f->wbuf, st);
	srv_flush(f, fd);
}

/* A step that needs an answer; the answer is recorded. */
static int
srv_ask(struct fake *f, struct fconn *c, int req, uint8_t kind,
    const char *text)
{
	struct seen *s = &f->seen[req];
	struct authd_msg m;
	uint8_t status = 255;

	srv_step(f, c->fd, kind, text);
	if (srv_recv(c, &m) != AUTHD_OK || m.type != AUTHD_MSG_ANSWER) {
		srv_fail(f, "conn %d: no ANSWER", c->id);
		return -1;
	}
	get_str(&m, AUTHD_F_ANSWER, s->answer, sizeof(s->answer));
	authd_msg_get_u8(&m, AUTHD_F_ANSWER_STATUS, &status);
	s->answer_status = status;
	return 0;
}

/* Wait until the module hangs up (or the test ends). */
static void
srv_wait_close(struct fake *f, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	while (!f->stop) {
		if (poll(&pfd, 1, 100) == 1 && read(fd, &c, 1) <= 0)
			return;
	}
}

static void
fake_start(script_fn script)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	ck_assert_ptr_null(fk);
	fk = calloc(1, sizeof(*fk));
	ck_assert_ptr_nonnull(fk);
	fk->script = script;
	strcpy(fk->dir, "/tmp/pamt.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fk->dir));
	snprintf(fk->sock, sizeof(fk->sock), "%s/s", fk->dir);
	fk->wbuf = authd_buf_new(AUTHD_FRAME_MAX);
	ck_assert_ptr_nonnull(fk->wbuf);
	strcpy(sun.sun_path, fk->sock);
	fk->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fk->lfd, 0);
	ck_assert_int_eq(bind(fk->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fk->lfd, 8), 0);
	ck_assert_int_eq(pthread_create(&fk->thr, NULL, srv_main, fk), 0);
}

/* Stop the server thread; its records are then safe to read. */
static void
fake_stop(void)
{
	if (fk == NULL || fk->stop)
		return;
	fk->stop = 1;
	pthread_join(fk->thr, NULL);
	close(fk->lfd);
}

static void
teardown(void)
{
	char path[160];
	int i;

	if (fk == NULL)
		return;
	fake_stop();
	for (i = 0; i < fk->nconns; i++)
		authd_buf_free(&fk->conns[i].rbuf);
	unlink(fk->sock);
	snprintf(path, sizeof(path), "%s/%s", fk->dir, SERVICE);
	unlink(path);
	rmdir(fk->dir);
	authd_buf_free(&fk->wbuf);
	free(fk);
	fk = NULL;
}

static void
assert_script_ok(void)
{
	fake_stop();
	ck_assert_msg(fk->failure[0] == '\0', "fake authd: %s", fk->failure);
}

static int
conv_fn(int n, const struct pam_message **msg, struct pam_response **resp_r,
    void *data)
{
	struct convlog *log = data;
	struct pam_response *resp;
	int i;

	if ((resp = calloc((size_t)n, sizeof(*resp))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			log->prompts++;
			resp[i].resp = strdup(PASSWORD);
			break;
		case PAM_PROMPT_ECHO_ON:
			log->prompts++;
			resp[i].resp = strdup("visible");
			break;
		case PAM_TEXT_INFO:
			snprintf(log->info, sizeof(log->info), "%s", msg[i]->msg);
			break;
		case PAM_ERROR_MSG:
			snprintf(log->error, sizeof(log->error), "%s", msg[i]->msg);
			break;
		}
	}
	*resp_r = resp;
	return PAM_SUCCESS;
}

/* A service file in the fake's folder: every stage through pam_authd.so. */
static void
write_service(const char *socket_path, const char *auth_lines_extra,
    const char *opts)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fk->dir, SERVICE);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	if (auth_lines_extra != NULL)
		fprintf(fp, "%s\n", auth_lines_extra);
	fprintf(fp, "auth required %s socket=%s %s\n", PAM_AUTHD_SO, socket_path, opts);
	fprintf(fp, "account required %s socket=%s %s\n", PAM_AUTHD_SO, socket_path, opts);
	fprintf(fp, "session required %s socket=%s %s\n", PAM_AUTHD_SO, socket_path, opts);
	fprintf(fp, "password required %s socket=%s %s\n", PAM_AUTHD_SO, socket_path, opts);
	ck_assert_int_eq(fclose(fp), 0);
}

static pam_handle_t *
start_pam(struct convlog *log, struct pam_conv *conv)
{
	pam_handle_t *pamh = NULL;

	memset(log, 0, sizeof(*log));
	conv->conv = conv_fn;
	conv->appdata_ptr = log;
	ck_assert_int_eq(pam_start_confdir(SERVICE, "alice", conv, fk->dir,
	    &pamh), PAM_SUCCESS);
	return pamh;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- scripts --- */

/*
 * Password prompt, a greeting, success with a login id (and junk in ENV);
 * the knobs of struct fake close or drop connections on the way.
 */
static int
script_password(struct fake *f, struct fconn *c, int req)
{
	int fd = c->fd;

	if (f->drop_reused > 0 && c->nreqs > 1) {
		f->drop_reused--;
		if (f->drop_after_info != NULL)
			srv_step(f, fd, AUTHD_STEP_INFO, f->drop_after_info);
		return -1;
	}
	switch (f->seen[req].type) {
	case AUTHD_MSG_AUTHENTICATE:
		if (srv_ask(f, c, req, AUTHD_STEP_PROMPT_ECHO_OFF,
		    "Password: ") != 0)
			return -1;
		srv_step(f, fd, AUTHD_STEP_INFO, "hello");
		srv_result(f, fd, AUTHD_R_SUCCESS, "AUTHD_LOGIN_ID=abc",
		    "LD_PRELOAD=/tmp/evil.so");
		return f->close_after_auth ? -1 : 0;
	case AUTHD_MSG_OPEN_SESSION:
		srv_result(f, fd, AUTHD_R_SUCCESS, "AUTHD_SESSION_ID=s1", NULL);
		return 0;
	case AUTHD_MSG_ACCT_MGMT:
		srv_result(f, fd, f->acct_result, NULL, NULL);
		return 0;
	case AUTHD_MSG_CHAUTHTOK:
		if (srv_ask(f, c, req, AUTHD_STEP_PROMPT_ECHO_OFF,
		    "New password: ") != 0)
			return -1;
		srv_result(f, fd, AUTHD_R_SUCCESS, NULL, NULL);
		return 0;
	default:
		srv_result(f, fd, AUTHD_R_SUCCESS, NULL, NULL);
		return 0;
	}
}

static int
script_maxtries(struct fake *f, struct fconn *c, int req)
{
	srv_step(f, c->fd, AUTHD_STEP_ERROR, "Account locked");
	srv_result(f, c->fd, AUTHD_R_MAXTRIES, NULL, NULL);
	return 0;
}

static int
script_garbage(struct fake *f, struct fconn *c, int req)
{
	static const char junk[] = "HTTP/1.1 400 Bad Request\r\n\r\n";

	srv_write(c->fd, junk, sizeof(junk) - 1);
	srv_wait_close(f, c->fd);
	return -1;
}

/* A frame that is well formed but says nonsense: a step with an unknown kind. */
static int
script_bad_step(struct fake *f, struct fconn *c, int req)
{
	srv_step(f, c->fd, 99, "??");
	srv_wait_close(f, c->fd);
	return -1;
}

static int
script_hang(struct fake *f, struct fconn *c, int req)
{
	srv_wait_close(f, c->fd);
	return -1;
}

static int
script_close_midway(struct fake *f, struct fconn *c, int req)
{
	return -1;
}

static int
script_fido2(struct fake *f, struct fconn *c, int req)
{
	if (srv_ask(f, c, req, AUTHD_STEP_FIDO2_ASSERT, NULL) != 0)
		return -1;
	srv_result(f, c->fd, AUTHD_R_AUTH_ERR, NULL, NULL);
	return 0;
}

/* First request: a wrong password; the second expects it as AUTHTOK. */
static int
script_first_pass(struct fake *f, struct fconn *c, int req)
{
	if (req == 0) {
		if (srv_ask(f, c, req, AUTHD_STEP_PROMPT_ECHO_OFF,
		    "Password: ") != 0)
			return -1;
		srv_result(f, c->fd, AUTHD_R_AUTH_ERR, NULL, NULL);
	} else
		srv_result(f, c->fd, AUTHD_R_SUCCESS, NULL, NULL);
	return 0;
}

/* --- tests --- */

START_TEST(test_password_login)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;
	const char *id;

	fake_start(script_password);
	write_service(fk->sock, NULL, "debug");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_set_item(pamh, PAM_TTY, "pts/7"), PAM_SUCCESS);
	ck_assert_int_eq(pam_set_item(pamh, PAM_RHOST, "10.0.0.9"), PAM_SUCCESS);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(log.prompts, 1);
	ck_assert_str_eq(log.info, "hello");
	ck_assert_ptr_nonnull(id = pam_getenv(pamh, "AUTHD_LOGIN_ID"));
	ck_assert_str_eq(id, "abc");
	/* Only AUTHD_* names reach the environment. */
	ck_assert_ptr_null(pam_getenv(pamh, "LD_PRELOAD"));

	/* acct_mgmt carries the login id from authenticate. */
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	/* No change was due: the password is no longer kept for chauthtok. */
	ck_assert_int_eq(pam_chauthtok(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_script_ok();
	/*
	 * authenticate and acct_mgmt on one connection; chauthtok's
	 * preliminary check opens a new one (it must reach authd), which the
	 * change then uses.
	 */
	ck_assert_int_eq(fk->nconns, 2);
	ck_assert_int_eq(fk->nreqs, 3);
	ck_assert_int_eq(fk->seen[0].conn, 0);
	ck_assert_int_eq(fk->seen[1].conn, 0);
	ck_assert_int_eq(fk->conns[0].pipelined, 1);
	ck_assert_int_eq(fk->conns[1].pipelined, 0);
	ck_assert_int_eq(fk->seen[2].conn, 1);
	ck_assert_int_eq(fk->seen[2].type, AUTHD_MSG_CHAUTHTOK);
	ck_assert_str_eq(fk->seen[2].old_authtok, "");
	ck_assert_int_eq(fk->seen[0].type, AUTHD_MSG_AUTHENTICATE);
	ck_assert_str_eq(fk->seen[0].user, "alice");
	ck_assert_str_eq(fk->seen[0].service, SERVICE);
	ck_assert_str_eq(fk->seen[0].tty, "pts/7");
	ck_assert_str_eq(fk->seen[0].rhost, "10.0.0.9");
	ck_assert_int_eq(fk->seen[0].has_pid, 0);
	ck_assert_str_eq(fk->seen[0].answer, PASSWORD);
	ck_assert_int_eq(fk->seen[0].answer_status, 0);
	ck_assert_str_eq(fk->seen[0].authtok, "");
	ck_assert_int_eq(fk->seen[1].type, AUTHD_MSG_ACCT_MGMT);
	ck_assert_str_eq(fk->seen[1].login_id, "abc");
}
END_TEST

START_TEST(test_silent)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, PAM_SILENT), PAM_SUCCESS);
	ck_assert_str_eq(log.info, "");
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	ck_assert_uint_eq(fk->seen[0].flags & AUTHD_REQ_SILENT, AUTHD_REQ_SILENT);
}
END_TEST

START_TEST(test_session_ids)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	write_service(fk->sock, NULL, "");
	/* As OpenSSH does: the session in another handle, the id via the environment. */
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_putenv(pamh, "AUTHD_LOGIN_ID=xyz"), PAM_SUCCESS);
	ck_assert_int_eq(pam_open_session(pamh, 0), PAM_SUCCESS);
	ck_assert_str_eq(pam_getenv(pamh, "AUTHD_SESSION_ID"), "s1");
	/* A session may last hours: its connection is not kept open. */
	ck_assert_msg(wait_closed(1), "the module kept the session's connection");
	ck_assert_int_eq(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 2);
	ck_assert_int_eq(fk->seen[1].conn, 1);
	ck_assert_int_eq(fk->seen[0].type, AUTHD_MSG_OPEN_SESSION);
	ck_assert_str_eq(fk->seen[0].login_id, "xyz");
	ck_assert_int_eq(fk->seen[0].has_pid, 1);
	ck_assert_uint_eq(fk->seen[0].pid, (uint32_t)getpid());
	ck_assert_int_eq(fk->seen[1].type, AUTHD_MSG_CLOSE_SESSION);
	ck_assert_str_eq(fk->seen[1].session_id, "s1");
}
END_TEST

START_TEST(test_forced_change)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	/* As login(1) does after an administrator's reset. */
	fk->acct_result = AUTHD_R_NEW_AUTHTOK_REQD;
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_NEW_AUTHTOK_REQD);
	/* setcred before the change (test_setcred_drops_kept_password) */
	ck_assert_int_eq(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	ck_assert_int_eq(pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK),
	    PAM_SUCCESS);
	ck_assert_int_eq(log.prompts, 2);
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	/*
	 * authenticate and acct_mgmt on one connection; the preliminary probe
	 * on a new one, HELLO alone and answered; the change itself on that.
	 */
	ck_assert_int_eq(fk->nconns, 2);
	ck_assert_int_eq(fk->conns[1].hello, 1);
	ck_assert_int_eq(fk->conns[1].pipelined, 0);
	ck_assert_int_eq(fk->nreqs, 3);
	ck_assert_int_eq(fk->seen[2].conn, 1);
	ck_assert_int_eq(fk->seen[2].type, AUTHD_MSG_CHAUTHTOK);
	/* libpam has cleared PAM_AUTHTOK by now: the module kept the password. */
	ck_assert_str_eq(fk->seen[2].old_authtok, PASSWORD);
	ck_assert_str_eq(fk->seen[2].login_id, "abc");
	ck_assert_str_eq(fk->seen[2].answer, PASSWORD);
	ck_assert_uint_eq(fk->seen[2].flags & AUTHD_REQ_CHANGE_EXPIRED,
	    AUTHD_REQ_CHANGE_EXPIRED);
}
END_TEST

/*
 * An application that keeps its handle (a screen locker) may call only
 * authenticate and setcred: the password the module keeps for a forced
 * change must not outlive setcred then. With a change due (acct_mgmt said
 * so) it stays for chauthtok, whichever of setcred and chauthtok comes
 * first (test_forced_change).
 */
START_TEST(test_setcred_drops_kept_password)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	ck_assert_int_eq(pam_chauthtok(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	ck_assert_int_eq(fk->nreqs, 2);
	ck_assert_int_eq(fk->seen[1].type, AUTHD_MSG_CHAUTHTOK);
	ck_assert_str_eq(fk->seen[1].old_authtok, "");
}
END_TEST

START_TEST(test_maxtries)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_maxtries);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_MAXTRIES);
	ck_assert_str_eq(log.error, "Account locked");
	pam_end(pamh, PAM_MAXTRIES);
	assert_script_ok();
}
END_TEST

START_TEST(test_garbage)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;
	int r;

	fake_start(script_garbage);
	write_service(fk->sock, NULL, "timeout=5");
	pamh = start_pam(&log, &conv);
	r = pam_authenticate(pamh, 0);
	ck_assert_msg(r == PAM_SYSTEM_ERR || r == PAM_AUTHINFO_UNAVAIL,
	    "garbage gave %d", r);
	pam_end(pamh, r);
	assert_script_ok();
}
END_TEST

START_TEST(test_unknown_step)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_bad_step);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SYSTEM_ERR);
	pam_end(pamh, PAM_SYSTEM_ERR);
	assert_script_ok();
}
END_TEST

START_TEST(test_closed_midway)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_close_midway);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	pam_end(pamh, PAM_AUTHINFO_UNAVAIL);
	assert_script_ok();
}
END_TEST

START_TEST(test_no_common_version)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	fk->reject_version = 1;
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_eq(log.prompts, 0);
	/* And the preliminary check of chauthtok, which reads the answer. */
	ck_assert_int_eq(pam_chauthtok(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	pam_end(pamh, PAM_AUTHINFO_UNAVAIL);
	assert_script_ok();
	ck_assert_int_eq(fk->nreqs, 0);
}
END_TEST

START_TEST(test_old_authd_version1)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	/* authd not yet restarted after an upgrade of the module */
	fake_start(script_password);
	fk->only_version1 = 1;
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(log.prompts, 1);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	/* passwd's preliminary check reaches it too */
	ck_assert_int_eq(pam_chauthtok(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	/* refused once, then both requests on one version-1 connection */
	ck_assert_int_eq(fk->seen[0].conn, 1);
	ck_assert_int_eq(fk->seen[1].conn, 1);
	ck_assert_int_eq(fk->seen[1].type, AUTHD_MSG_ACCT_MGMT);
	/* the probe: refused once, then version 1, which the change uses */
	ck_assert_int_eq(fk->nconns, 4);
	ck_assert_int_eq(fk->nreqs, 3);
	ck_assert_int_eq(fk->seen[2].conn, 3);
	ck_assert_int_eq(fk->seen[2].type, AUTHD_MSG_CHAUTHTOK);
	ck_assert_int_eq(fk->version, 1);
}
END_TEST

START_TEST(test_timeout)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;
	double t0, dt;

	fake_start(script_hang);
	write_service(fk->sock, NULL, "timeout=1");
	pamh = start_pam(&log, &conv);
	t0 = now_s();
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	dt = now_s() - t0;
	ck_assert_msg(dt > 0.9 && dt < 3.0, "timeout took %.2f s", dt);
	pam_end(pamh, PAM_AUTHINFO_UNAVAIL);
	assert_script_ok();
}
END_TEST

START_TEST(test_not_root_owned)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	ck_assert_int_eq(chown(fk->sock, 65534, 65534), 0);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_eq(log.prompts, 0);
	pam_end(pamh, PAM_AUTHINFO_UNAVAIL);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 0);
}
END_TEST

START_TEST(test_not_a_socket)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;
	char path[160];
	FILE *fp;

	fake_start(script_password);
	snprintf(path, sizeof(path), "%s/plain", fk->dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fclose(fp);
	write_service(path, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	pam_end(pamh, PAM_AUTHINFO_UNAVAIL);
	unlink(path);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 0);
}
END_TEST

START_TEST(test_socket_missing)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;
	char path[160];
	double t0, dt;

	fake_start(script_password);
	snprintf(path, sizeof(path), "%s/nothing-here", fk->dir);
	write_service(path, NULL, "");
	pamh = start_pam(&log, &conv);
	t0 = now_s();
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	dt = now_s() - t0;
	ck_assert_msg(dt < 0.5, "a missing socket took %.2f s", dt);
	/* And the preliminary check of chauthtok says the same. */
	ck_assert_int_eq(pam_chauthtok(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	pam_end(pamh, PAM_AUTHINFO_UNAVAIL);
	assert_script_ok();
}
END_TEST

START_TEST(test_device_step_falls_back)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_fido2);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	pam_end(pamh, PAM_AUTH_ERR);
	assert_script_ok();
	ck_assert_int_eq(fk->seen[0].answer_status, 2);
}
END_TEST

START_TEST(test_use_first_pass)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;
	char first[256];

	fake_start(script_first_pass);
	/* The first module prompts (and fails); the second reuses the password. */
	snprintf(first, sizeof(first), "auth optional %s socket=%s",
	    PAM_AUTHD_SO, fk->sock);
	write_service(fk->sock, first, "use_first_pass");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(log.prompts, 1);
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	/* Two modules of the stack, one connection. */
	ck_assert_int_eq(fk->nconns, 1);
	ck_assert_int_eq(fk->nreqs, 2);
	ck_assert_str_eq(fk->seen[1].authtok, PASSWORD);
	ck_assert_uint_eq(fk->seen[1].flags & AUTHD_REQ_NO_PROMPT,
	    AUTHD_REQ_NO_PROMPT);
}
END_TEST

START_TEST(test_use_first_pass_without_token)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	write_service(fk->sock, NULL, "use_first_pass");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	ck_assert_int_eq(log.prompts, 0);
	pam_end(pamh, PAM_AUTH_ERR);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 0);
}
END_TEST

/* A login's stages share one connection; HELLO goes with the first request. */
START_TEST(test_one_connection)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	/* Our HELLO only once the request is here: the module must not wait. */
	fk->hello_after_request = 1;
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 1);
	ck_assert_int_eq(fk->conns[0].pipelined, 1);
	ck_assert_int_eq(fk->nreqs, 2);
	ck_assert_int_eq(fk->seen[0].type, AUTHD_MSG_AUTHENTICATE);
	ck_assert_int_eq(fk->seen[1].type, AUTHD_MSG_ACCT_MGMT);
	ck_assert_str_eq(fk->seen[1].login_id, "abc");
}
END_TEST

/* authd closed the idle connection between stages: a new one, no error. */
START_TEST(test_idle_closed)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	fk->close_after_auth = 1;
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert(wait_closed(1));
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 2);
	ck_assert_int_eq(fk->nreqs, 2);
	ck_assert_int_eq(fk->seen[1].conn, 1);
	ck_assert_int_eq(fk->seen[1].type, AUTHD_MSG_ACCT_MGMT);
	ck_assert_str_eq(fk->seen[1].login_id, "abc");
}
END_TEST

/* Closed with the request unanswered: asked again, once, on a new connection. */
START_TEST(test_retry_unanswered)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	fk->drop_reused = 1;
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 2);
	ck_assert_int_eq(fk->nreqs, 3);
	ck_assert_int_eq(fk->seen[1].conn, 0);
	ck_assert_int_eq(fk->seen[1].type, AUTHD_MSG_ACCT_MGMT);
	ck_assert_int_eq(fk->seen[2].conn, 1);
	ck_assert_int_eq(fk->seen[2].type, AUTHD_MSG_ACCT_MGMT);
}
END_TEST

/* Once part of an answer came, the request is not sent again. */
START_TEST(test_no_retry_after_step)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;

	fake_start(script_password);
	fk->drop_reused = 1;
	fk->drop_after_info = "one moment";
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	ck_assert_str_eq(log.info, "one moment");
	pam_end(pamh, PAM_AUTHINFO_UNAVAIL);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 1);
	ck_assert_int_eq(fk->nreqs, 2);
}
END_TEST

/* A child never speaks on its parent's connection; the parent's still works. */
START_TEST(test_fork_own_connection)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;
	pid_t pid;
	int status, r;

	fake_start(script_password);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		r = pam_acct_mgmt(pamh, 0);
		pam_end(pamh, r);
		_exit(r == PAM_SUCCESS ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 2);
	ck_assert_int_eq(fk->nreqs, 3);
	ck_assert_int_eq(fk->seen[1].conn, 1);
	ck_assert_int_eq(fk->seen[1].type, AUTHD_MSG_ACCT_MGMT);
	ck_assert_int_eq(fk->seen[2].conn, 0);
	ck_assert_int_eq(fk->seen[2].type, AUTHD_MSG_ACCT_MGMT);
}
END_TEST

/* The module's connection to the fake: its peer has the fake's path. */
static int
module_fd(void)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		len = sizeof(sun);
		memset(&sun, 0, sizeof(sun));
		if (getpeername(fd, (struct sockaddr *)&sun, &len) == 0 &&
		    sun.sun_family == AF_UNIX && strcmp(sun.sun_path, fk->sock) == 0)
			return fd;
	}
	return -1;
}

/* The application closed the kept fd and the number went to a file. */
START_TEST(test_fd_reused_by_application)
{
	struct convlog log;
	struct pam_conv conv;
	pam_handle_t *pamh;
	int fd, other;

	fake_start(script_password);
	write_service(fk->sock, NULL, "");
	pamh = start_pam(&log, &conv);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_ge(fd = module_fd(), 0);
	ck_assert_int_ge(other = open("/dev/null", O_RDONLY), 0);
	ck_assert_int_eq(dup2(other, fd), fd);
	close(other);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	/* Neither used nor closed by the module. */
	ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
	close(fd);
	assert_script_ok();
	ck_assert_int_eq(fk->nconns, 2);
	ck_assert_int_eq(fk->seen[1].conn, 1);
}
END_TEST

START_TEST(test_result_mapping)
{
	int r;

	ck_assert_int_eq(pamauthd_map_result(AUTHD_R_SUCCESS), PAM_SUCCESS);
	ck_assert_int_eq(pamauthd_map_result(AUTHD_R_MAXTRIES), PAM_MAXTRIES);
	ck_assert_int_eq(pamauthd_map_result(AUTHD_R_NEW_AUTHTOK_REQD),
	    PAM_NEW_AUTHTOK_REQD);
	ck_assert_int_eq(pamauthd_map_result(AUTHD_R_AUTHTOK_RECOVERY_ERR),
	    PAM_AUTHTOK_RECOVERY_ERR);
	ck_assert_int_eq(pamauthd_map_result(AUTHD_R_PROTOCOL_ERR), PAM_SYSTEM_ERR);
	ck_assert_int_eq(pamauthd_map_result(AUTHD_R_IGNORE), PAM_IGNORE);
	/* Nothing but SUCCESS, and nothing unknown, may ever become PAM_SUCCESS. */
	for (r = 1; r <= 255; r++)
		ck_assert_int_ne(pamauthd_map_result(r), PAM_SUCCESS);
	ck_assert_int_eq(pamauthd_map_result(200), PAM_SYSTEM_ERR);
}
END_TEST

static Suite *
pam_module_suite(void)
{
	Suite *s = suite_create("pam_module");
	TCase *tc = tcase_create("fake authd");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_password_login);
	tcase_add_test(tc, test_silent);
	tcase_add_test(tc, test_session_ids);
	tcase_add_test(tc, test_forced_change);
	tcase_add_test(tc, test_setcred_drops_kept_password);
	tcase_add_test(tc, test_maxtries);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_unknown_step);
	tcase_add_test(tc, test_closed_midway);
	tcase_add_test(tc, test_no_common_version);
	tcase_add_test(tc, test_old_authd_version1);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_not_root_owned);
	tcase_add_test(tc, test_not_a_socket);
	tcase_add_test(tc, test_socket_missing);
	tcase_add_test(tc, test_device_step_falls_back);
	tcase_add_test(tc, test_use_first_pass);
	tcase_add_test(tc, test_use_first_pass_without_token);
	tcase_add_test(tc, test_one_connection);
	tcase_add_test(tc, test_idle_closed);
	tcase_add_test(tc, test_retry_unanswered);
	tcase_add_test(tc, test_no_retry_after_step);
	tcase_add_test(tc, test_fork_own_connection);
	tcase_add_test(tc, test_fd_reused_by_application);
	tcase_add_test(tc, test_result_mapping);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	/* The fake authd must be root for the module to trust it. */
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root\n");
		return 77;
	}
	sr = srunner_create(pam_module_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
