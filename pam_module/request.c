/*
 * One request to authd: send the PAM items, hand over to the loop. A PAM
 * handle keeps its connection from one stage to the next (authd serves
 * requests one after another on a connection): a login costs one connect and
 * one HELLO, not one per stage.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "err.h"
#include "pam_authd.h"

int
pamauthd_client_error(pam_handle_t *pamh, const struct pamauthd_opts *o,
    int err, const char *doing)
{
	switch (err) {
	case AUTHD_ERR_PERM:
		pam_syslog(pamh, LOG_ERR, "refusing %s: not a socket owned by "
		    "root, or its listener is not root", o->socket_path);
		return PAM_AUTHINFO_UNAVAIL;
	case AUTHD_ERR_IO:
	case AUTHD_ERR_TIMEOUT:
	case AUTHD_ERR_CLOSED:
	case AUTHD_ERR_NOMEM:
		pam_syslog(pamh, LOG_ERR, "authd at %s unavailable while %s: %s",
		    o->socket_path, doing, authd_strerror(err));
		return err == AUTHD_ERR_NOMEM ? PAM_BUF_ERR : PAM_AUTHINFO_UNAVAIL;
	default:
		/* A malformed frame: the daemon (or what answers) is broken. */
		pam_syslog(pamh, LOG_ERR, "protocol error from %s while %s: %s",
		    o->socket_path, doing, authd_strerror(err));
		return PAM_SYSTEM_ERR;
	}
}

/* A failure to connect or of the HELLO exchange. */
static int
connect_error(pam_handle_t *pamh, const struct pamauthd_opts *o, int err)
{
	if (err == AUTHD_ERR_TOO_LONG || err == AUTHD_ERR_BAD_VERSION) {
		pam_syslog(pamh, LOG_ERR, "cannot use authd at %s: %s",
		    o->socket_path, authd_strerror(err));
		return PAM_AUTHINFO_UNAVAIL;
	}
	return pamauthd_client_error(pamh, o, err, "connecting");
}

/* Connect; HELLO leaves with the first request (client.h). */
static int
connect_authd_as(pam_handle_t *pamh, const struct pamauthd_opts *o, int flags,
    struct authd_client **c_r)
{
	int r;

	r = authd_client_connect(o->socket_path, o->timeout_ms,
	    AUTHD_CLIENT_CHECK_OWNER | flags, c_r);
	return r == AUTHD_OK ? PAM_SUCCESS : connect_error(pamh, o, r);
}

static int
connect_authd(pam_handle_t *pamh, const struct pamauthd_opts *o,
    struct authd_client **c_r)
{
	return connect_authd_as(pamh, o, 0, c_r);
}

/* The connection a PAM handle keeps between stages (module data). */
struct kept_conn {
	struct authd_client *client;   /* idle, or NULL */
	pid_t pid;                     /* the process that opened it */
	char *path;                    /* the socket it goes to */
};

static void
kept_forget(struct kept_conn *k)
{
	/* close() only: a forked child's copy goes without a word to authd. */
	authd_client_close(&k->client);
	free(k->path);
	k->path = NULL;
}

static void
kept_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct kept_conn *k = data;

	kept_forget(k);
	free(k);
}

/* The handle's record, made on first use; NULL when memory is short. */
static struct kept_conn *
kept_get(pam_handle_t *pamh)
{
	const void *v = NULL;
	struct kept_conn *k;

	if (pam_get_data(pamh, PAMAUTHD_DATA_CONN, &v) == PAM_SUCCESS &&
	    v != NULL)
		return (struct kept_conn *)v;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if (pam_set_data(pamh, PAMAUTHD_DATA_CONN, k, kept_cleanup) !=
	    PAM_SUCCESS) {
		free(k);
		return NULL;
	}
	return k;
}

/*
 * The kept connection if it may carry this request: opened by this process
 * (never the parent's after a fork), to the same socket, idle and not closed
 * by authd. Otherwise it is forgotten and NULL returned.
 */
static struct authd_client *
kept_take(struct kept_conn *k, const struct pamauthd_opts *o)
{
	struct authd_client *c;

	if (k == NULL || k->client == NULL)
		return NULL;
	if (k->pid != getpid() || strcmp(k->path, o->socket_path) != 0 ||
	    !authd_client_idle(k->client)) {
		kept_forget(k);
		return NULL;
	}
	c = k->client;
	k->client = NULL;
	authd_client_set_timeout(c, o->timeout_ms);
	return c;
}

/* Keep *cp for the next stage when it is idle; close it otherwise. */
static void
kept_put(struct kept_conn *k, const struct pamauthd_opts *o,
    struct authd_client **cp)
{
	/* Whether authd closed it meanwhile is asked when it is taken again. */
	if (k == NULL || *cp == NULL || !authd_client_at_rest(*cp)) {
		authd_client_close(cp);
		return;
	}
	kept_forget(k);
	if ((k->path = strdup(o->socket_path)) == NULL) {
		authd_client_close(cp);
		return;
	}
	k->client = *cp;
	k->pid = getpid();
	*cp = NULL;
}

int
pamauthd_probe(pam_handle_t *pamh, const struct pamauthd_opts *o)
{
	struct authd_client *c = NULL;
	int r, h = AUTHD_OK;

	/* A fresh connection and a HELLO answered: authd really is there. */
	if ((r = connect_authd(pamh, o, &c)) == PAM_SUCCESS &&
	    (h = authd_client_handshake(c)) == AUTHD_ERR_BAD_VERSION) {
		/* an authd older than this module: version 1 (see below) */
		authd_client_close(&c);
		h = AUTHD_OK;
		if ((r = connect_authd_as(pamh, o, AUTHD_CLIENT_VERSION1, &c)) ==
		    PAM_SUCCESS)
			h = authd_client_handshake(c);
	}
	if (r == PAM_SUCCESS && h != AUTHD_OK)
		r = connect_error(pamh, o, h);
	/* The change itself, the next call, may use it. */
	if (r == PAM_SUCCESS)
		kept_put(kept_get(pamh), o, &c);
	authd_client_close(&c);
	return r == PAM_SUCCESS ? PAM_SUCCESS : PAM_AUTHINFO_UNAVAIL;
}

/* A string PAM item as a field, when it is set and not empty. */
static int
add_item(pam_handle_t *pamh, struct authd_buf *b, int item, uint16_t tag)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL ||
	    *(const char *)v == '\0')
		return AUTHD_OK;
	return authd_frame_add_str(b, tag, v);
}

static int
add_opt_str(struct authd_buf *b, uint16_t tag, const char *s)
{
	if (s == NULL)
		return AUTHD_OK;
	return authd_frame_add_str(b, tag, s);
}

static int
build_request(pam_handle_t *pamh, struct authd_client *c, const char *user,
    const struct pamauthd_req *req)
{
	struct authd_buf *b = authd_client_wbuf(c);
	size_t start;
	int r;

	if ((r = authd_frame_begin(b, authd_client_version(c), req->type,
	    &start)) != AUTHD_OK ||
	    (r = add_item(pamh, b, PAM_SERVICE, AUTHD_F_SERVICE)) != AUTHD_OK ||
	    (r = authd_frame_add_str(b, AUTHD_F_USER, user)) != AUTHD_OK ||
	    (r = add_item(pamh, b, PAM_TTY, AUTHD_F_TTY)) != AUTHD_OK ||
	    (r = add_item(pamh, b, PAM_RHOST, AUTHD_F_RHOST)) != AUTHD_OK ||
	    (r = add_item(pamh, b, PAM_RUSER, AUTHD_F_RUSER)) != AUTHD_OK ||
	    (r = authd_frame_add_u32(b, AUTHD_F_FLAGS, req->flags)) != AUTHD_OK ||
	    (r = add_opt_str(b, AUTHD_F_AUTHTOK, req->authtok)) != AUTHD_OK ||
	    (r = add_opt_str(b, AUTHD_F_OLD_AUTHTOK, req->old_authtok)) != AUTHD_OK ||
	    (r = add_opt_str(b, AUTHD_F_LOGIN_ID, req->login_id)) != AUTHD_OK ||
	    (r = add_opt_str(b, AUTHD_F_SESSION_ID, req->session_id)) != AUTHD_OK)
		goto out;
	if (req->send_pid &&
	    (r = authd_frame_add_u32(b, AUTHD_F_PID, (uint32_t)getpid())) != AUTHD_OK)
		goto out;
	r = authd_frame_end(b, start);
out:
	if (r != AUTHD_OK)
		authd_buf_reset(b);   /* may hold a password */
	return r;
}

/*
 * Send the request built in the write buffer (behind HELLO on a new
 * connection) and wait for the first frame of the answer; *doing_r names
 * the part that failed.
 */
static int
send_request(struct authd_client *c, const char **doing_r)
{
	int r;

	*doing_r = "sending the request";
	if ((r = authd_client_flush(c)) != AUTHD_OK)
		return r;
	*doing_r = NULL;   /* a failure of HELLO: as when connecting */
	if ((r = authd_client_handshake(c)) != AUTHD_OK)
		return r;
	*doing_r = "waiting for authd";
	return authd_client_wait(c);
}

/* A session may last hours: its connection is not held open meanwhile. */
static int
keeps_connection(const struct pamauthd_req *req, int pam_result)
{
	if (req->type == AUTHD_MSG_OPEN_SESSION ||
	    req->type == AUTHD_MSG_CLOSE_SESSION)
		return 0;
	/* Also a malformed frame after a RESULT: trust it no more. */
	return pam_result != PAM_SYSTEM_ERR;
}

int
pamauthd_request(pam_handle_t *pamh, const struct pamauthd_opts *o,
    int pam_flags, const struct pamauthd_req *req)
{
	struct pamauthd_ctx ctx = { .pamh = pamh, .opts = o, .pam_flags = pam_flags };
	struct kept_conn *kept;
	const char *user = NULL, *doing;
	int r, reused, version1 = 0;

	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL ||
	    *user == '\0') {
		pam_syslog(pamh, LOG_ERR, "no user name");
		return PAM_USER_UNKNOWN;
	}
	ctx.type = req->type;
	ctx.store_authtok = req->type == AUTHD_MSG_AUTHENTICATE;
	pamauthd_debug(&ctx, "request %u for %s via %s (authtok %s, old %s)",
	    req->type, user, o->socket_path, req->authtok ? "***" : "none",
	    req->old_authtok ? "***" : "none");
	kept = kept_get(pamh);
	for (;;) {
		reused = (ctx.client = kept_take(kept, o)) != NULL;
		if (!reused && (r = connect_authd_as(pamh, o, version1 ?
		    AUTHD_CLIENT_VERSION1 : 0, &ctx.client)) != PAM_SUCCESS)
			goto out;
		if ((r = build_request(pamh, ctx.client, user, req)) != AUTHD_OK) {
			pam_syslog(pamh, LOG_ERR, "cannot build request: %s",
			    authd_strerror(r));
			r = r == AUTHD_ERR_NOMEM ? PAM_BUF_ERR : PAM_SERVICE_ERR;
			goto out;
		}
		if ((r = send_request(ctx.client, &doing)) == AUTHD_OK)
			break;
		/*
		 * An authd older than this module knows version 1 only: it
		 * refuses our HELLO and ignores the request, which is sent
		 * again, once, offering version 1 (during an upgrade, until
		 * authd is restarted).
		 */
		if (!reused && !version1 && doing == NULL &&
		    r == AUTHD_ERR_BAD_VERSION) {
			pamauthd_debug(&ctx, "authd speaks protocol version 1 "
			    "only; asking again in it");
			authd_client_close(&ctx.client);
			version1 = 1;
			continue;
		}
		/*
		 * authd closes a connection idle for client_timeout; it may
		 * have done so just now. Nothing of an answer came: nothing
		 * was decided, and a new connection (never a third) may ask.
		 */
		if (reused && r == AUTHD_ERR_CLOSED &&
		    authd_client_buffered(ctx.client) == 0) {
			pamauthd_debug(&ctx, "authd closed the kept connection; "
			    "asking on a new one");
			authd_client_close(&ctx.client);
			continue;
		}
		r = doing == NULL ? connect_error(pamh, o, r) :
		    pamauthd_client_error(pamh, o, r, doing);
		goto out;
	}
	r = pamauthd_converse(&ctx);
	if (keeps_connection(req, r))
		kept_put(kept, o, &ctx.client);
out:
	authd_client_close(&ctx.client);
	return r;
}
