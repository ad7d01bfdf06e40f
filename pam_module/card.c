/*
 * The CARD_SIGN step (see card_proto.h): start the helper, learn which card is
 * there, ask its PIN through the PAM conversation, let the helper sign
 * authd's challenge, and answer authd with the certificate and signature.
 * No card (or no working helper) is ANSWER_STATUS 2, so that authd can offer
 * the policy's other methods; a PIN the card refused is ANSWER_STATUS 1 with
 * ANSWER "pin refused" and authd counts it as a failed factor. The card's
 * own retry counter is the card's business.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "card_proto.h"
#include "err.h"
#include "pam_authd.h"
#include "secret.h"

#define ANSWER_DONE       0
#define ANSWER_CANCELLED  1
#define ANSWER_NO_DEVICE  2

/*
 * Variables a PKCS#11 module may need; everything else stays behind. Read
 * with secure_getenv: in a setuid program (su, sudo) the environment is the
 * invoking user's, and a configuration file of theirs would have the helper,
 * running as root, load a module or write a file of their choosing.
 */
static const char *const pass_env[] = {
	"SOFTHSM2_CONF", "OPENSC_CONF", "PCSCLITE_CSOCK_NAME", NULL
};

struct helper {
	pid_t pid;
	int fd;
	int timeout_ms;
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
spawn_helper(const struct pamauthd_opts *o, struct helper *h)
{
	char *env[8], *argv[3];
	size_t n = 0, i;
	int sv[2], devnull;
	pid_t pid;

	h->pid = -1;
	h->fd = -1;
	for (i = 0; pass_env[i] != NULL && n + 1 < sizeof(env) / sizeof(env[0]); i++) {
		const char *v = secure_getenv(pass_env[i]);
		char *e;

		if (v != NULL && asprintf(&e, "%s=%s", pass_env[i], v) >= 0)
			env[n++] = e;
	}
	env[n] = NULL;
	argv[0] = (char *)o->card_helper;
	argv[1] = (char *)o->pkcs11_module;
	argv[2] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		pid = -1;
		goto out;
	}
	if ((pid = fork()) == 0) {
		/* the child: the socket as stdin and stdout, nothing else open */
		if (dup2(sv[1], 0) == -1 || dup2(sv[1], 1) == -1)
			_exit(127);
		if ((devnull = open("/dev/null", O_WRONLY)) != -1)
			dup2(devnull, 2);
		closefrom(3);
		signal(SIGPIPE, SIG_DFL);
		execve(argv[0], argv, env);
		_exit(127);
	}
	close(sv[1]);
	if (pid == -1)
		close(sv[0]);
	else {
		h->pid = pid;
		h->fd = sv[0];
	}
 out:
	for (i = 0; i < n; i++)
		free(env[i]);
	return pid == -1 ? -1 : 0;
}

/* The helper is done or too slow: it goes either way. */
static void
reap_helper(struct helper *h)
{
	if (h->fd != -1)
		close(h->fd);
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	h->fd = -1;
	h->pid = -1;
}

static int
send_all(struct helper *h, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = send(h->fd, p, len, MSG_NOSIGNAL)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes before the deadline (ms on CLOCK_MONOTONIC). */
static int
recv_all(struct helper *h, void *buf, size_t len, long deadline)
{
	struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
	uint8_t *p = buf;
	ssize_t n;
	long left;
	int r;

	while (len > 0) {
		if ((left = deadline - now_ms()) <= 0)
			return AUTHD_ERR_TIMEOUT;
		if ((r = poll(&pfd, 1, (int)left)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? AUTHD_ERR_TIMEOUT : AUTHD_ERR_IO;
		if ((n = recv(h->fd, p, len, 0)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return AUTHD_ERR_CLOSED;
		p += n;
		len -= (size_t)n;
	}
	return AUTHD_OK;
}

static int
recv_blob(struct helper *h, uint8_t *buf, size_t max, size_t *len_r, long deadline)
{
	uint8_t hd[2];
	size_t n;
	int r;

	if ((r = recv_all(h, hd, 2, deadline)) != AUTHD_OK)
		return r;
	n = (size_t)hd[0] << 8 | hd[1];
	if (n > max)
		return AUTHD_ERR_TOO_LONG;
	*len_r = n;
	return recv_all(h, buf, n, deadline);
}

/* The answer to authd: CERT + SIGNATURE, or only a status and a word. */
static int
answer_card(struct pamauthd_ctx *ctx, uint8_t status, const char *word,
    const uint8_t *cert, size_t cert_len, const uint8_t *sig, size_t sig_len)
{
	struct authd_buf *b = authd_client_wbuf(ctx->client);
	size_t start;
	int r;

	if ((r = authd_frame_begin(b, authd_client_version(ctx->client),
	    AUTHD_MSG_ANSWER, &start)) != AUTHD_OK ||
	    (word != NULL &&
	    (r = authd_frame_add_str(b, AUTHD_F_ANSWER, word)) != AUTHD_OK) ||
	    (cert != NULL &&
	    (r = authd_frame_add(b, AUTHD_F_CERT, cert, cert_len)) != AUTHD_OK) ||
	    (sig != NULL &&
	    (r = authd_frame_add(b, AUTHD_F_SIGNATURE, sig, sig_len)) != AUTHD_OK) ||
	    (r = authd_frame_add_u8(b, AUTHD_F_ANSWER_STATUS, status)) != AUTHD_OK ||
	    (r = authd_frame_end(b, start)) != AUTHD_OK) {
		authd_buf_reset(b);
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "building the card's answer");
	}
	if ((r = authd_client_flush(ctx->client)) != AUTHD_OK)
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "sending the card's answer");
	return PAM_SUCCESS;
}

/* A token label is the card's text: only printable ASCII reaches the prompt. */
static void
clean_label(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < outsz; i++)
		out[n++] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, outsz, "the card");
}

/* Ask the PIN and hand it to the helper; the PIN is wiped here. */
static int
give_pin(struct pamauthd_ctx *ctx, struct helper *h, const char *label, int ask)
{
	uint8_t msg[3 + CARD_HELPER_MAX_PIN];
	char *pin = NULL;
	size_t len = 0;
	int r;

	if (ask) {
		r = pam_prompt(ctx->pamh, PAM_PROMPT_ECHO_OFF, &pin, "PIN for %s: ",
		    label);
		if (r != PAM_SUCCESS || pin == NULL ||
		    (len = strlen(pin)) > CARD_HELPER_MAX_PIN) {
			authd_secret_free(&pin);
			msg[0] = 0;
			(void)send_all(h, msg, 1);
			return -1;
		}
	}
	msg[0] = 1;
	msg[1] = (uint8_t)(len >> 8);
	msg[2] = (uint8_t)len;
	if (len > 0)
		memcpy(msg + 3, pin, len);
	authd_secret_free(&pin);
	r = send_all(h, msg, 3 + len);
	explicit_bzero(msg, sizeof(msg));
	return r == 0 ? 1 : 0;
}

int
pamauthd_step_card(struct pamauthd_ctx *ctx, uint8_t kind,
    const struct authd_msg *msg)
{
	uint8_t cert[CARD_HELPER_MAX_BLOB], sig[CARD_HELPER_MAX_BLOB];
	const struct authd_field *chal;
	struct helper h = { -1, -1, 0 };
	uint8_t hd[2], status = CARD_HELPER_ERROR, raw_label[CARD_HELPER_MAX_LABEL];
	char label[CARD_HELPER_MAX_LABEL + 1];
	size_t raw_len = 0, cert_len = 0, sig_len = 0;
	uint32_t options = 0;
	long deadline;
	int r, given;

	(void)kind;
	if ((chal = authd_msg_field(msg, AUTHD_F_CHALLENGE)) == NULL ||
	    chal->len == 0 || chal->len > 64)
		return pamauthd_client_error(ctx->pamh, ctx->opts,
		    chal == NULL ? AUTHD_ERR_MISSING : AUTHD_ERR_BAD_FIELD,
		    "reading the card step's challenge");
	if ((r = authd_msg_get_u32(msg, AUTHD_F_OPTIONS, &options)) != AUTHD_OK &&
	    r != AUTHD_ERR_MISSING)
		return pamauthd_client_error(ctx->pamh, ctx->opts, r,
		    "reading the card step's options");
	if (spawn_helper(ctx->opts, &h) != 0) {
		pam_syslog(ctx->pamh, LOG_ERR, "cannot start %s: %m",
		    ctx->opts->card_helper);
		return answer_card(ctx, ANSWER_NO_DEVICE, NULL, NULL, 0, NULL, 0);
	}
	/* finding the card: the helper's first hard deadline */
	deadline = now_ms() + ctx->opts->card_timeout_ms;
	hd[0] = (uint8_t)(chal->len >> 8);
	hd[1] = (uint8_t)chal->len;
	if (send_all(&h, hd, 2) != 0 || send_all(&h, chal->val, chal->len) != 0 ||
	    (r = recv_all(&h, &status, 1, deadline)) != AUTHD_OK ||
	    (r = recv_blob(&h, raw_label, sizeof(raw_label), &raw_len, deadline)) !=
	    AUTHD_OK || status != CARD_HELPER_OK) {
		if (status != CARD_HELPER_NO_CARD)
			pam_syslog(ctx->pamh, LOG_WARNING, "card helper %s: %s",
			    ctx->opts->card_helper, r == AUTHD_ERR_TIMEOUT ?
			    "timed out" : "failed");
		pamauthd_debug(ctx, "card step: no usable card");
		reap_helper(&h);
		return answer_card(ctx, ANSWER_NO_DEVICE, NULL, NULL, 0, NULL, 0);
	}
	clean_label(raw_label, raw_len, label, sizeof(label));
	/* the person types at their own pace: no deadline around the prompt */
	given = give_pin(ctx, &h, label, (options & AUTHD_STEP_OPT_PIN) != 0);
	if (given <= 0) {
		reap_helper(&h);
		return answer_card(ctx, ANSWER_CANCELLED, given < 0 ?
		    CARD_ANSWER_CANCELLED : CARD_ANSWER_ERROR, NULL, 0, NULL, 0);
	}
	deadline = now_ms() + ctx->opts->card_timeout_ms;
	status = CARD_HELPER_ERROR;
	if ((r = recv_all(&h, &status, 1, deadline)) == AUTHD_OK &&
	    (r = recv_blob(&h, cert, sizeof(cert), &cert_len, deadline)) == AUTHD_OK &&
	    status == CARD_HELPER_OK)
		r = recv_blob(&h, sig, sizeof(sig), &sig_len, deadline);
	reap_helper(&h);
	if (r != AUTHD_OK) {
		pam_syslog(ctx->pamh, LOG_WARNING, "card helper %s: %s",
		    ctx->opts->card_helper, r == AUTHD_ERR_TIMEOUT ?
		    "timed out while signing" : "failed while signing");
		status = CARD_HELPER_ERROR;
	}
	pamauthd_debug(ctx, "card step: helper status %u", status);
	switch (status) {
	case CARD_HELPER_OK:
		return answer_card(ctx, ANSWER_DONE, NULL, cert, cert_len, sig,
		    sig_len);
	case CARD_HELPER_PIN_REFUSED:
		return answer_card(ctx, ANSWER_CANCELLED, CARD_ANSWER_PIN_REFUSED,
		    NULL, 0, NULL, 0);
	case CARD_HELPER_PIN_LOCKED:
		return answer_card(ctx, ANSWER_CANCELLED, CARD_ANSWER_PIN_LOCKED,
		    NULL, 0, NULL, 0);
	default:
		return answer_card(ctx, ANSWER_CANCELLED, CARD_ANSWER_ERROR,
		    NULL, 0, NULL, 0);
	}
}
