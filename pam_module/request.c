/* One request to authd: connect, send the PAM items, hand over to the loop. */
#include "config.h"

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

static int
connect_authd(pam_handle_t *pamh, const struct pamauthd_opts *o,
    struct authd_client **c_r)
{
	int r;

	r = authd_client_connect(o->socket_path, o->timeout_ms,
	    AUTHD_CLIENT_CHECK_OWNER, c_r);
	if (r == AUTHD_OK)
		return PAM_SUCCESS;
	if (r == AUTHD_ERR_TOO_LONG || r == AUTHD_ERR_BAD_VERSION) {
		pam_syslog(pamh, LOG_ERR, "cannot use authd at %s: %s",
		    o->socket_path, authd_strerror(r));
		return PAM_AUTHINFO_UNAVAIL;
	}
	return pamauthd_client_error(pamh, o, r, "connecting");
}

int
pamauthd_probe(pam_handle_t *pamh, const struct pamauthd_opts *o)
{
	struct authd_client *c = NULL;
	int r;

	r = connect_authd(pamh, o, &c);
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

int
pamauthd_request(pam_handle_t *pamh, const struct pamauthd_opts *o,
    int pam_flags, const struct pamauthd_req *req)
{
	struct pamauthd_ctx ctx = { .pamh = pamh, .opts = o, .pam_flags = pam_flags };
	const char *user = NULL;
	int r;

	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL ||
	    *user == '\0') {
		pam_syslog(pamh, LOG_ERR, "no user name");
		return PAM_USER_UNKNOWN;
	}
	ctx.store_authtok = req->type == AUTHD_MSG_AUTHENTICATE;
	pamauthd_debug(&ctx, "request %u for %s via %s (authtok %s, old %s)",
	    req->type, user, o->socket_path, req->authtok ? "***" : "none",
	    req->old_authtok ? "***" : "none");
	if ((r = connect_authd(pamh, o, &ctx.client)) != PAM_SUCCESS)
		goto out;
	if ((r = build_request(pamh, ctx.client, user, req)) != AUTHD_OK) {
		pam_syslog(pamh, LOG_ERR, "cannot build request: %s",
		    authd_strerror(r));
		r = r == AUTHD_ERR_NOMEM ? PAM_BUF_ERR : PAM_SERVICE_ERR;
		goto out;
	}
	if ((r = authd_client_flush(ctx.client)) != AUTHD_OK) {
		r = pamauthd_client_error(pamh, o, r, "sending the request");
		goto out;
	}
	r = pamauthd_converse(&ctx);
out:
	authd_client_close(&ctx.client);
	return r;
}
