/*
 * The directory behind authd's login path (see dir.h).
 *
 * Each pooled connection holds two LDAP handles: a service handle bound as
 * authd's own identity (reads accounts, writes login metadata) and a bind
 * handle that only ever carries users' binds, so a user's identity never
 * leaks into authd's reads and writes.
 *
 * Handles connect lazily. When a server stops answering (down, connect
 * error, timeout) the handle is dropped and the operation retried once,
 * starting from the next URI of the list. The pool remembers the URI that
 * last worked, so that every handle starts there and one dead server costs
 * one timeout, not one per handle; the pool stays on it (sticky failover)
 * until it fails in turn.
 *
 * Lockout: pwdAccountLockedTime in the entry only says a lock was set. With
 * a pwdLockoutDuration the lock may already have expired, and authd does not
 * read the policy, so dir_account.locked is a hint for messages; the bind's
 * DIR_LOCKED is the authority.
 *
 * Expiry: pwdMaxAge is the policy's, so the entry's pwdPolicySubentry is
 * read with it (ppolicy.h reads the policy; decide_auth.c compares).
 * Besides, ppolicy writes a pwdGraceUseTime value at every grace login,
 * before it answers the bind, and a password change removes them: present
 * at all, the password expired and grace logins are being used, whoever
 * asks and on whatever connection.
 *
 * The process must ignore SIGPIPE: libldap writes to sockets with write(2).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <ldap.h>

#include "conf.h"
#include "dir.h"
#include "err.h"
#include "log.h"
#include "schema.h"
#include "secret.h"

#define DIR_USER_MAX 255
/* RFC 4515 escapes take three bytes per input byte. */
#define DIR_FILTER_MAX (64 + 3 * DIR_USER_MAX)
/* pwdAccountLockedTime meaning "locked until an administrator unlocks". */
#define DIR_LOCKED_FOREVER "000001010000Z"

struct dir_handle {
	LDAP *ld;
	size_t uri;              /* the URI in use */
};

struct dir_conn {
	struct dir_pool *pool;
	struct dir_handle svc;   /* bound as conf->bind_dn */
	struct dir_handle bind;  /* users' binds only */
	int busy;
	char err[512];
};

struct dir_pool {
	const struct authd_conf *conf;
	char *bind_pw;           /* kept for rebinds; wiped at free */
	size_t preferred_uri;    /* where connects start (atomic) */
	pthread_mutex_t lock;
	pthread_cond_t freed;
	size_t n_conns;
	struct dir_conn *conns;
};

/* What one round trip said. */
struct dir_reply {
	int code;                     /* LDAP result code (negative: client side) */
	char diag[256];               /* the server's diagnostic message */
	int has_pp;                   /* a ppolicy response control came back */
	LDAPPasswordPolicyError pp_error;
	int pp_expire;                /* timeBeforeExpiration, -1 when absent */
	int pp_grace;                 /* graceAuthNsRemaining, -1 when absent */
};

static const char *const dir_account_attrs[] = {
	"uid", "uidNumber", AUTHD_AT_STATE, AUTHD_AT_TYPE, AUTHD_AT_VALID_FROM,
	AUTHD_AT_VALID_UNTIL, AUTHD_AT_LAST_LOGIN_TIME, AUTHD_AT_LAST_LOGIN_HOST,
	AUTHD_AT_LAST_LOGIN_SVC, AUTHD_AT_LAST_LOGOUT_TIME, AUTHD_AT_FAILED_LOGINS,
	"pwdFailureTime", "pwdAccountLockedTime", "pwdReset", "pwdChangedTime",
	"pwdGraceUseTime", "pwdPolicySubentry", NULL
};

static void dir_set_error(struct dir_conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
dir_set_error(struct dir_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* Results after which another server may do better. */
static int
dir_is_down(int code)
{
	return code == LDAP_SERVER_DOWN || code == LDAP_CONNECT_ERROR ||
	    code == LDAP_TIMEOUT || code == LDAP_UNAVAILABLE ||
	    code == LDAP_BUSY;
}

static void
dir_reply_error(struct dir_conn *c, const char *what, const struct dir_reply *r)
{
	dir_set_error(c, "%s: %s%s%s", what, ldap_err2string(r->code),
	    r->diag[0] != '\0' ? ": " : "", r->diag);
}

static void
dir_timeval(const struct dir_conn *c, struct timeval *tv)
{
	tv->tv_sec = c->pool->conf->ldap_timeout > 0 ?
	    c->pool->conf->ldap_timeout : 5;
	tv->tv_usec = 0;
}

static int
dir_uri_wants_tls(const struct authd_conf *conf, const char *uri)
{
	if (strncasecmp(uri, "ldaps://", 8) == 0)
		return 1;
	return conf->ldap_starttls && strncasecmp(uri, "ldap://", 7) == 0;
}

/* Options of every handle; TLS ones only where the URI needs TLS. */
static int
dir_set_options(struct dir_conn *c, LDAP *ld, const char *uri)
{
	const struct authd_conf *conf = c->pool->conf;
	struct timeval tv;
	int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	int keep_idle = 60, keep_probes = 3, keep_interval = 20;
	int rc;

	dir_timeval(c, &tv);
	if ((rc = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF)))
		return rc;
	/*
	 * TCP keepalive: a connection a firewall forgot while idle is found
	 * dead within about two minutes, not by a login's bind timing out
	 * (which is not sent again). Not every libldap has them: best effort.
	 */
	(void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &keep_idle);
	(void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &keep_probes);
	(void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &keep_interval);
	if (!dir_uri_wants_tls(conf, uri))
		return LDAP_SUCCESS;
	if (conf->ldap_ca_file != NULL && (rc = ldap_set_option(ld,
	    LDAP_OPT_X_TLS_CACERTFILE, conf->ldap_ca_file)) != LDAP_SUCCESS)
		return rc;
	if ((rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT,
	    &demand)) != LDAP_SUCCESS)
		return rc;
	/*
	 * libldap 2.5.13 (ldap_int_tls_start) bounds the TLS handshake by
	 * LDAP_OPT_NETWORK_TIMEOUT only on an asynchronous connection: on a
	 * synchronous one it makes the socket non-blocking and then retries
	 * the handshake in a busy loop, for ever when the server accepts and
	 * never speaks TLS (a worker spinning at 100% CPU, its connection lost
	 * to the pool). Fixed upstream by ITS#8047.
	 */
	if ((rc = ldap_set_option(ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON)) !=
	    LDAP_SUCCESS)
		return rc;
	/* per-handle TLS settings take effect only in a new context */
	return ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
}

/* A reply with nothing in it yet. */
static void
dir_reply_init(struct dir_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->pp_error = PP_noError;
	r->pp_expire = r->pp_grace = -1;
}

/* What a bind said before anything came back. */
static void
dir_bind_result_init(struct dir_bind_result *res)
{
	memset(res, 0, sizeof(*res));
	res->grace_left = -1;
	res->expire_in = -1;
}

/*
 * The reply ldap_result() returned n for (res): its code, diagnostic and
 * ppolicy control; n == 0 is a timeout.
 */
static int
dir_read_reply(LDAP *ld, int n, LDAPMessage *res, struct dir_reply *r,
    LDAPMessage **res_r)
{
	LDAPControl **ctrls = NULL, *pp;
	char *diag = NULL;
	ber_int_t expire = -1, grace = -1;
	int rc;

	dir_reply_init(r);
	if (res_r != NULL)
		*res_r = NULL;
	if (n == 0) {
		r->code = LDAP_TIMEOUT;
		goto out;
	}
	if (n < 0) {
		if (ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &r->code) !=
		    LDAP_OPT_SUCCESS || r->code == LDAP_SUCCESS)
			r->code = LDAP_SERVER_DOWN;
		goto out;
	}
	rc = ldap_parse_result(ld, res, &r->code, NULL, &diag, NULL, &ctrls, 0);
	if (rc != LDAP_SUCCESS) {
		r->code = rc;
		goto out;
	}
	if (diag != NULL)
		snprintf(r->diag, sizeof(r->diag), "%s", diag);
	pp = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, ctrls, NULL);
	if (pp != NULL && ldap_parse_passwordpolicy_control(ld, pp, &expire,
	    &grace, &r->pp_error) == LDAP_SUCCESS) {
		r->has_pp = 1;
		r->pp_expire = expire;
		r->pp_grace = grace;
	}
	if (res_r != NULL) {
		*res_r = res;
		res = NULL;
	}
 out:
	ldap_memfree(diag);
	ldap_controls_free(ctrls);
	ldap_msgfree(res);
	return r->code;
}

/* Wait for msgid's reply (dir_read_reply). */
static int
dir_wait_reply(struct dir_conn *c, LDAP *ld, int msgid, struct dir_reply *r,
    LDAPMessage **res_r)
{
	LDAPMessage *res = NULL;
	struct timeval tv;
	int n;

	dir_timeval(c, &tv);
	n = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
	return dir_read_reply(ld, n, res, r, res_r);
}

/* Send a simple bind, with the ppolicy request control when asked. */
static int
dir_bind_request(LDAP *ld, const char *dn, const char *password, int ppolicy,
    int *msgid_r)
{
	LDAPControl *pp = NULL, *sctrls[2] = { NULL, NULL };
	struct berval cred;
	int rc;

	if (ppolicy) {
		if ((rc = ldap_create_passwordpolicy_control(ld, &pp)) !=
		    LDAP_SUCCESS)
			return rc;
		sctrls[0] = pp;
	}
	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	rc = ldap_sasl_bind(ld, dn, LDAP_SASL_SIMPLE, &cred, sctrls, NULL,
	    msgid_r);
	if (pp != NULL)
		ldap_control_free(pp);
	return rc;
}

/* Simple bind and its reply. */
static int
dir_simple_bind(struct dir_conn *c, LDAP *ld, const char *dn,
    const char *password, int ppolicy, struct dir_reply *r)
{
	int msgid, rc;

	if ((rc = dir_bind_request(ld, dn, password, ppolicy, &msgid)) !=
	    LDAP_SUCCESS) {
		dir_reply_init(r);
		r->code = rc;
		return rc;
	}
	return dir_wait_reply(c, ld, msgid, r, NULL);
}

/* Open a handle on one URI and reach the server (StartTLS when asked). */
static int
dir_open_uri(struct dir_conn *c, const char *uri, LDAP **ld_r)
{
	const struct authd_conf *conf = c->pool->conf;
	LDAP *ld = NULL;
	char *diag;
	int rc;

	*ld_r = NULL;
	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS)
		goto out;
	if ((rc = dir_set_options(c, ld, uri)) != LDAP_SUCCESS)
		goto out;
	if (conf->ldap_starttls && strncasecmp(uri, "ldap://", 7) == 0)
		rc = ldap_start_tls_s(ld, NULL, NULL);
	else
		rc = ldap_connect(ld);
	if (rc != LDAP_SUCCESS)
		goto out;
	*ld_r = ld;
	ld = NULL;
 out:
	if (rc != LDAP_SUCCESS) {
		diag = NULL;
		if (ld != NULL)
			ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
		dir_set_error(c, "%s: %s%s%s", uri, ldap_err2string(rc),
		    diag != NULL ? ": " : "", diag != NULL ? diag : "");
		ldap_memfree(diag);
	}
	if (ld != NULL)
		ldap_unbind_ext(ld, NULL, NULL);
	return rc;
}

static void
dir_handle_drop(struct dir_conn *c, struct dir_handle *h)
{
	size_t failed = h->uri, next;

	if (h->ld != NULL) {
		ldap_unbind_ext(h->ld, NULL, NULL);
		h->ld = NULL;
	}
	/* move on only if no other thread has moved the pool already */
	next = (failed + 1) % c->pool->conf->n_ldap_uris;
	__atomic_compare_exchange_n(&c->pool->preferred_uri, &failed, next, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/*
 * Connect h if needed, trying every URI once from the preferred one; the
 * service handle is bound as authd. DIR_OK, DIR_UNAVAILABLE or DIR_ERROR.
 */
static int
dir_handle_ready(struct dir_conn *c, struct dir_handle *h, int service)
{
	const struct authd_conf *conf = c->pool->conf;
	struct dir_reply r;
	LDAP *ld;
	size_t i, idx, start;

	if (h->ld != NULL)
		return DIR_OK;
	start = __atomic_load_n(&c->pool->preferred_uri, __ATOMIC_RELAXED);
	for (i = 0; i < conf->n_ldap_uris; i++) {
		idx = (start + i) % conf->n_ldap_uris;
		if (dir_open_uri(c, conf->ldap_uris[idx], &ld) != LDAP_SUCCESS)
			continue;
		if (service && dir_simple_bind(c, ld, conf->bind_dn,
		    c->pool->bind_pw, 0, &r) != LDAP_SUCCESS) {
			ldap_unbind_ext(ld, NULL, NULL);
			dir_set_error(c, "%s: bind as %s: %s%s%s",
			    conf->ldap_uris[idx], conf->bind_dn,
			    ldap_err2string(r.code), r.diag[0] ? ": " : "",
			    r.diag);
			if (dir_is_down(r.code))
				continue;
			return DIR_ERROR;
		}
		h->ld = ld;
		h->uri = idx;
		__atomic_store_n(&c->pool->preferred_uri, idx, __ATOMIC_RELAXED);
		return DIR_OK;
	}
	return DIR_UNAVAILABLE;
}

/* A finished reply that was not a success: the caller's status for it. */
static int
dir_status_of(int code)
{
	switch (code) {
	case LDAP_INSUFFICIENT_ACCESS:
	case LDAP_UNWILLING_TO_PERFORM:
	case LDAP_CONFIDENTIALITY_REQUIRED:
	case LDAP_STRONG_AUTH_REQUIRED:
		return DIR_REFUSED;
	default:
		return dir_is_down(code) ? DIR_UNAVAILABLE : DIR_ERROR;
	}
}

static int
dir_escape_filter(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (o + 4 > outsz)
			return -1;
		if (*p == '*' || *p == '(' || *p == ')' || *p == '\\') {
			snprintf(out + o, 4, "\\%02x", *p);
			o += 3;
		} else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return 0;
}

static int
dir_user_name_ok(const char *user)
{
	size_t len;
	const unsigned char *p;

	if (user == NULL || (len = strlen(user)) == 0 || len > DIR_USER_MAX)
		return 0;
	for (p = (const unsigned char *)user; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static int
dir_digits(const char *s, size_t n, int *v_r)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*v_r = v;
	return 0;
}

/*
 * GeneralizedTime (RFC 4517): YYYYmmddHH[MM[SS]][(.|,)fraction](Z|+hhmm|-hhmm)
 * to UTC seconds. slapd writes YYYYmmddHHMMSS[.ffffff]Z.
 */
int
dir_parse_gentime(const char *s, size_t len, time_t *t_r)
{
	struct tm tm;
	size_t i = 0;
	int y, mo, d, h, mi = 0, sec = 0, oh, om;
	long off = 0;
	time_t t;

	if (len < 11 || dir_digits(s, 4, &y) || dir_digits(s + 4, 2, &mo) ||
	    dir_digits(s + 6, 2, &d) || dir_digits(s + 8, 2, &h))
		return -1;
	i = 10;
	if (i + 2 <= len && isdigit((unsigned char)s[i])) {
		if (dir_digits(s + i, 2, &mi))
			return -1;
		i += 2;
		if (i + 2 <= len && isdigit((unsigned char)s[i])) {
			if (dir_digits(s + i, 2, &sec))
				return -1;
			i += 2;
		}
	}
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		for (i++; i < len && isdigit((unsigned char)s[i]); i++)
			;
	}
	if (i + 1 == len && s[i] == 'Z')
		off = 0;
	else if (i + 5 == len && (s[i] == '+' || s[i] == '-') &&
	    dir_digits(s + i + 1, 2, &oh) == 0 &&
	    dir_digits(s + i + 3, 2, &om) == 0)
		off = (s[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
	else
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*t_r = t - off;
	return 0;
}

int
dir_format_gentime(time_t when, char *out, size_t outsz)
{
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL ||
	    strftime(out, outsz, "%Y%m%d%H%M%SZ", &tm) == 0)
		return -1;
	return 0;
}

/* A value as a C string; refuses embedded NULs, truncates to outsz - 1. */
static int
dir_copy_value(const struct berval *bv, char *out, size_t outsz)
{
	size_t n;

	if (memchr(bv->bv_val, '\0', bv->bv_len) != NULL)
		return -1;
	n = bv->bv_len < outsz - 1 ? bv->bv_len : outsz - 1;
	memcpy(out, bv->bv_val, n);
	out[n] = '\0';
	return 0;
}

/* First value of attr; 0 when found, 1 when absent, -1 when malformed. */
static int
dir_first_value(LDAP *ld, LDAPMessage *e, const char *attr, char *out,
    size_t outsz)
{
	struct berval **vals;
	int r = 1;

	out[0] = '\0';
	if ((vals = ldap_get_values_len(ld, e, attr)) == NULL)
		return 1;
	if (vals[0] != NULL)
		r = dir_copy_value(vals[0], out, outsz);
	ldap_value_free_len(vals);
	return r;
}

int
dir_entry_value(LDAP *ld, LDAPMessage *e, const char *attr, char *out,
    size_t outsz)
{
	struct berval **v;
	int r = 0;

	out[0] = '\0';
	if ((v = ldap_get_values_len(ld, e, attr)) == NULL)
		return 0;
	if (v[0] != NULL) {
		if (v[0]->bv_len >= outsz ||
		    memchr(v[0]->bv_val, '\0', v[0]->bv_len) != NULL)
			r = -1;
		else {
			memcpy(out, v[0]->bv_val, v[0]->bv_len);
			out[v[0]->bv_len] = '\0';
			r = 1;
		}
	}
	ldap_value_free_len(v);
	return r;
}

static int
dir_time_value(LDAP *ld, LDAPMessage *e, const char *attr, time_t *t_r)
{
	char buf[64];
	int r;

	*t_r = 0;
	if ((r = dir_first_value(ld, e, attr, buf, sizeof(buf))) != 0)
		return r < 0 ? -1 : 0;
	return dir_parse_gentime(buf, strlen(buf), t_r);
}

static int
dir_long_value(LDAP *ld, LDAPMessage *e, const char *attr, long *v_r)
{
	char buf[32], *end;
	long v;
	int r;

	if ((r = dir_first_value(ld, e, attr, buf, sizeof(buf))) != 0)
		return r < 0 ? -1 : 1;
	v = strtol(buf, &end, 10);
	if (end == buf || *end != '\0')
		return -1;
	*v_r = v;
	return 0;
}

const char *const *
dir_account_attr_list(void)
{
	return dir_account_attrs;
}

/*
 * A person's pwdPolicySubentry, kept once for everyone who names it: a site
 * has a few policies and thousands of people (the view holds an account
 * for each), so an account holds a pointer, valid for the life of the
 * process. "" for none; NULL when DIR_POLICY_DNS are kept already or
 * memory is short.
 */
static const char *
policy_dn_kept(const char *dn)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char *kept[DIR_POLICY_DNS];
	static size_t n;
	const char *r = NULL;
	size_t i;

	if (dn[0] == '\0')
		return "";
	pthread_mutex_lock(&mu);
	for (i = 0; i < n && r == NULL; i++)
		if (strcmp(kept[i], dn) == 0)
			r = kept[i];
	if (r == NULL && n < DIR_POLICY_DNS && (kept[n] = strdup(dn)) != NULL)
		r = kept[n++];
	pthread_mutex_unlock(&mu);
	return r;
}

/* Fill a from one entry read with dir_account_attr_list() (also the view's). */
int
dir_account_from_entry(LDAP *ld, LDAPMessage *e, struct dir_account *a,
    char *err, size_t errlen)
{
	struct berval **vals;
	char *dn, buf[64], policy[DIR_POLICY_DN_MAX + 1];
	const char *bad = NULL;
	long n;
	int r;

	memset(a, 0, sizeof(*a));
	a->uid_number = -1;
	if ((dn = ldap_get_dn(ld, e)) == NULL) {
		snprintf(err, errlen, "entry without a DN");
		return DIR_ERROR;
	}
	r = snprintf(a->dn, sizeof(a->dn), "%s", dn);
	ldap_memfree(dn);
	if (r < 0 || (size_t)r >= sizeof(a->dn)) {
		snprintf(err, errlen, "DN too long");
		return DIR_ERROR;
	}
	if (dir_first_value(ld, e, "uid", a->uid, sizeof(a->uid)) < 0)
		bad = "uid";
	if ((r = dir_long_value(ld, e, "uidNumber", &n)) < 0)
		bad = "uidNumber";
	else if (r == 0)
		a->uid_number = n;
	if (dir_first_value(ld, e, AUTHD_AT_STATE, a->state,
	    sizeof(a->state)) < 0)
		bad = AUTHD_AT_STATE;
	if (dir_first_value(ld, e, AUTHD_AT_TYPE, a->type, sizeof(a->type)) < 0)
		bad = AUTHD_AT_TYPE;
	if (dir_time_value(ld, e, AUTHD_AT_VALID_FROM, &a->valid_from) < 0)
		bad = AUTHD_AT_VALID_FROM;
	if (dir_time_value(ld, e, AUTHD_AT_VALID_UNTIL, &a->valid_until) < 0)
		bad = AUTHD_AT_VALID_UNTIL;
	if (dir_time_value(ld, e, AUTHD_AT_LAST_LOGIN_TIME,
	    &a->last_login_time) < 0)
		bad = AUTHD_AT_LAST_LOGIN_TIME;
	if (dir_first_value(ld, e, AUTHD_AT_LAST_LOGIN_HOST,
	    a->last_login_host, sizeof(a->last_login_host)) < 0)
		bad = AUTHD_AT_LAST_LOGIN_HOST;
	if (dir_first_value(ld, e, AUTHD_AT_LAST_LOGIN_SVC,
	    a->last_login_service, sizeof(a->last_login_service)) < 0)
		bad = AUTHD_AT_LAST_LOGIN_SVC;
	if (dir_time_value(ld, e, AUTHD_AT_LAST_LOGOUT_TIME,
	    &a->last_logout_time) < 0)
		bad = AUTHD_AT_LAST_LOGOUT_TIME;
	if ((r = dir_long_value(ld, e, AUTHD_AT_FAILED_LOGINS, &n)) < 0)
		bad = AUTHD_AT_FAILED_LOGINS;
	else if (r == 0 && n > 0)
		a->failures = n > 100000 ? 100000 : (unsigned)n;
	if ((vals = ldap_get_values_len(ld, e, "pwdFailureTime")) != NULL) {
		a->failures += (unsigned)ldap_count_values_len(vals);
		ldap_value_free_len(vals);
	}
	/* present at all: locked (see the top of this file) */
	if ((vals = ldap_get_values_len(ld, e, "pwdAccountLockedTime")) != NULL) {
		a->locked = 1;
		ldap_value_free_len(vals);
	}
	if (dir_first_value(ld, e, "pwdReset", buf, sizeof(buf)) == 0 &&
	    strcasecmp(buf, "TRUE") == 0)
		a->pwd_reset = 1;
	if (dir_time_value(ld, e, "pwdChangedTime", &a->pwd_changed) < 0)
		bad = "pwdChangedTime";
	if ((vals = ldap_get_values_len(ld, e, "pwdGraceUseTime")) != NULL) {
		a->grace_used = (unsigned)ldap_count_values_len(vals);
		ldap_value_free_len(vals);
	}
	/* too long or too many to keep: no expiry check, never a refusal
	 * (ppolicy.h) */
	if (dir_entry_value(ld, e, "pwdPolicySubentry", policy,
	    sizeof(policy)) < 0 || (a->policy_dn = policy_dn_kept(policy)) ==
	    NULL) {
		a->policy_dn = "";
		a->policy_unknown = 1;
	}
	if (bad != NULL) {
		snprintf(err, errlen, "%s: malformed %s", a->dn, bad);
		return DIR_ERROR;
	}
	return DIR_OK;
}

/* Fill a from the one entry found. */
static int
dir_fill_account(struct dir_conn *c, LDAP *ld, LDAPMessage *e,
    struct dir_account *a)
{
	return dir_account_from_entry(ld, e, a, c->err, sizeof(c->err));
}

/* One search; DIR_OK with the single entry's account, or a status. */
static int
dir_search_account(struct dir_conn *c, LDAP *ld, const char *filter,
    struct dir_account *a, int *code_r)
{
	const struct authd_conf *conf = c->pool->conf;
	LDAPMessage *res = NULL;
	struct dir_reply r;
	struct timeval tv;
	int msgid, n, rc, st;

	dir_timeval(c, &tv);
	rc = ldap_search_ext(ld, conf->people_dn, LDAP_SCOPE_SUBTREE, filter,
	    (char **)dir_account_attrs, 0, NULL, NULL, &tv, 2, &msgid);
	if (rc != LDAP_SUCCESS) {
		*code_r = rc;
		dir_set_error(c, "search: %s", ldap_err2string(rc));
		return dir_status_of(rc);
	}
	*code_r = dir_wait_reply(c, ld, msgid, &r, &res);
	if (r.code == LDAP_SIZELIMIT_EXCEEDED) {
		dir_set_error(c, "search %s: more than one entry", filter);
		st = DIR_ERROR;
		goto out;
	}
	if (r.code != LDAP_SUCCESS) {
		dir_reply_error(c, "search", &r);
		st = dir_status_of(r.code);
		goto out;
	}
	if ((n = ldap_count_entries(ld, res)) == 0) {
		st = DIR_NOT_FOUND;
		goto out;
	}
	if (n != 1) {
		dir_set_error(c, "search %s: more than one entry", filter);
		st = DIR_ERROR;
		goto out;
	}
	st = dir_fill_account(c, ld, ldap_first_entry(ld, res), a);
 out:
	ldap_msgfree(res);
	return st;
}

int
dir_account_lookup(struct dir_conn *c, const char *user,
    struct dir_account *acct_r)
{
	char esc[DIR_FILTER_MAX], filter[DIR_FILTER_MAX + 64];
	int attempt, code = LDAP_SUCCESS, st;

	memset(acct_r, 0, sizeof(*acct_r));
	acct_r->uid_number = -1;
	if (!dir_user_name_ok(user) ||
	    dir_escape_filter(user, esc, sizeof(esc)) != 0)
		return DIR_NOT_FOUND;
	snprintf(filter, sizeof(filter),
	    "(&(objectClass=posixAccount)(uid=%s))", esc);
	for (attempt = 0; attempt < 2; attempt++) {
		if ((st = dir_handle_ready(c, &c->svc, 1)) != DIR_OK)
			return st;
		st = dir_search_account(c, c->svc.ld, filter, acct_r, &code);
		if (!dir_is_down(code))
			return st;
		dir_handle_drop(c, &c->svc);
		memset(acct_r, 0, sizeof(*acct_r));
		acct_r->uid_number = -1;
	}
	return DIR_UNAVAILABLE;
}

/*
 * A kept handle the server has closed (a restart, an idle timeout): its
 * socket reads as ended. Bytes waiting (a notice of disconnection, TLS
 * session tickets) leave it to the next reply's reading.
 */
static int
dir_handle_closed(LDAP *ld)
{
	struct pollfd pfd = { .events = POLLIN | POLLRDHUP };
	char byte;
	ssize_t n;

	if (ldap_get_option(ld, LDAP_OPT_DESC, &pfd.fd) != LDAP_OPT_SUCCESS ||
	    pfd.fd < 0)
		return 1;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLHUP | POLLERR | POLLRDHUP))
		return 1;
	do
		n = recv(pfd.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	return n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/*
 * A user's bind on the bind handle, tried again on another server only
 * when the first one never had it: the request could not be sent, or the
 * server answered busy or unavailable. Once a server may have read it
 * (no reply in time, the connection lost while waiting) it is not sent
 * again: ppolicy would count a wrong password twice.
 */
static int
dir_user_bind(struct dir_conn *c, const char *dn, const char *password,
    struct dir_reply *r)
{
	int attempt, st, msgid, rc;

	for (attempt = 0; attempt < 2; attempt++) {
		if (c->bind.ld != NULL && dir_handle_closed(c->bind.ld))
			dir_handle_drop(c, &c->bind);
		if ((st = dir_handle_ready(c, &c->bind, 0)) != DIR_OK)
			return st;
		if ((rc = dir_bind_request(c->bind.ld, dn, password, 1,
		    &msgid)) == LDAP_SUCCESS)
			rc = dir_wait_reply(c, c->bind.ld, msgid, r, NULL);
		else {
			dir_reply_init(r);
			r->code = rc;
			msgid = -1;      /* not sent */
		}
		if (!dir_is_down(rc))
			return DIR_OK;
		dir_reply_error(c, "bind", r);
		dir_handle_drop(c, &c->bind);
		if (msgid != -1 && rc != LDAP_BUSY && rc != LDAP_UNAVAILABLE)
			break;
	}
	return DIR_UNAVAILABLE;
}

/*
 * What the reply to a person's bind means (timing: the bind was the timing
 * entry's, for someone the directory does not hold: always DIR_INVALID).
 */
static int
dir_bind_verdict(int timing, const struct dir_reply *r,
    struct dir_bind_result *res_r)
{
	snprintf(res_r->message, sizeof(res_r->message), "%s", r->diag);
	if (timing)
		return DIR_INVALID;
	if (r->code == LDAP_SUCCESS) {
		if (r->has_pp) {
			res_r->must_change = r->pp_error == PP_changeAfterReset;
			res_r->grace_left = r->pp_grace;
			res_r->expire_in = r->pp_expire;
		}
		return DIR_OK;
	}
	if (r->code == LDAP_INVALID_CREDENTIALS) {
		if (r->has_pp && r->pp_error == PP_accountLocked)
			return DIR_LOCKED;
		if (r->has_pp && r->pp_error == PP_passwordExpired)
			return DIR_EXPIRED;
		return DIR_INVALID;
	}
	return dir_status_of(r->code);
}

/* The DN a person's bind goes to (the timing entry for NULL), or NULL
 * when no bind must be made: an empty password would be an
 * unauthenticated bind, which succeeds. */
static const char *
dir_bind_target(const struct dir_pool *pool, const char *dn,
    const char *password)
{
	const char *target = dn != NULL ? dn : pool->conf->timing_dn;

	if (password == NULL || password[0] == '\0' || target == NULL ||
	    target[0] == '\0')
		return NULL;
	return target;
}

int
dir_password_bind(struct dir_conn *c, const char *dn, const char *password,
    struct dir_bind_result *res_r)
{
	const char *target = dir_bind_target(c->pool, dn, password);
	struct dir_reply r;
	int st;

	dir_bind_result_init(res_r);
	if (target == NULL)
		return DIR_INVALID;
	if ((st = dir_user_bind(c, target, password, &r)) != DIR_OK)
		return st;
	if (dn != NULL && r.code != LDAP_SUCCESS)
		dir_reply_error(c, "bind", &r);
	return dir_bind_verdict(dn == NULL, &r, res_r);
}

LDAP *
dir_conn_take_bind(struct dir_conn *c)
{
	LDAP *ld = c->bind.ld;

	c->bind.ld = NULL;
	return ld;
}

int
dir_bind_handle_open(struct dir_pool *pool, LDAP **ld_r, int *fd_r, char *err,
    size_t errlen)
{
	struct dir_conn tmp;
	Sockbuf *sb = NULL;
	int st;

	memset(&tmp, 0, sizeof(tmp));
	tmp.pool = pool;
	*ld_r = NULL;
	*fd_r = -1;
	if ((st = dir_handle_ready(&tmp, &tmp.bind, 0)) != DIR_OK) {
		snprintf(err, errlen, "%s", tmp.err);
		return st;
	}
	if (ldap_get_option(tmp.bind.ld, LDAP_OPT_SOCKBUF, &sb) !=
	    LDAP_OPT_SUCCESS || sb == NULL ||
	    ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_NONBLOCK, (void *)1) != 1 ||
	    ldap_get_option(tmp.bind.ld, LDAP_OPT_DESC, fd_r) !=
	    LDAP_OPT_SUCCESS || *fd_r < 0) {
		ldap_unbind_ext(tmp.bind.ld, NULL, NULL);
		*fd_r = -1;
		snprintf(err, errlen, "cannot make a connection's reads "
		    "non-blocking");
		return DIR_ERROR;
	}
	*ld_r = tmp.bind.ld;
	return DIR_OK;
}

void
dir_bind_handle_close(LDAP *ld)
{
	if (ld != NULL)
		ldap_unbind_ext(ld, NULL, NULL);
}

int
dir_bind_send(struct dir_pool *pool, LDAP *ld, const char *dn,
    const char *password, int *msgid_r)
{
	const char *target = dir_bind_target(pool, dn, password);

	if (target == NULL)
		return DIR_INVALID;
	return dir_bind_request(ld, target, password, 1, msgid_r) ==
	    LDAP_SUCCESS ? DIR_OK : DIR_UNAVAILABLE;
}

int
dir_bind_receive(LDAP *ld, int msgid, int timing, struct dir_bind_result *res_r,
    int *status_r)
{
	struct timeval zero = { 0, 0 };
	LDAPMessage *res = NULL;
	struct dir_reply r;
	int n;

	dir_bind_result_init(res_r);
	if ((n = ldap_result(ld, msgid, LDAP_MSG_ALL, &zero, &res)) == 0)
		return 0;
	dir_read_reply(ld, n, res, &r, NULL);
	if (dir_is_down(r.code))
		return -1;
	*status_r = dir_bind_verdict(timing, &r, res_r);
	return 1;
}

/* A sentence for the person whose new password ppolicy refused. */
static void
dir_quality_message(const struct dir_reply *r, char *msg, size_t msglen)
{
	const char *s;

	/* ppolicy says passwordInHistory when the value is the current one */
	if (strstr(r->diag, "not being changed") != NULL) {
		if (msg != NULL && msglen > 0)
			snprintf(msg, msglen, "The new password must differ "
			    "from the current one.");
		return;
	}
	switch (r->has_pp ? r->pp_error : PP_noError) {
	case PP_passwordTooShort:
		s = "The new password is too short.";
		break;
	case PP_passwordTooLong:
		s = "The new password is too long.";
		break;
	case PP_passwordInHistory:
		s = "The new password was used recently; choose another.";
		break;
	case PP_insufficientPasswordQuality:
		s = "The new password does not meet the quality rules (mix "
		    "upper and lower case letters, digits and symbols).";
		break;
	case PP_passwordTooYoung:
		s = "The password was changed too recently; try again later.";
		break;
	case PP_passwordModNotAllowed:
		s = "This password may not be changed here; ask an "
		    "administrator.";
		break;
	default:
		s = "The new password was refused by the password policy.";
		break;
	}
	if (msg == NULL || msglen == 0)
		return;
	/* a check module may say more than the generic texts of ppolicy */
	if (r->diag[0] == '\0' ||
	    !strcasecmp(r->diag, "Password fails quality checking policy") ||
	    !strcasecmp(r->diag, "Password is in history of old passwords") ||
	    !strcasecmp(r->diag, "Password is too young to change") ||
	    !strcasecmp(r->diag, "Password is too short for policy"))
		snprintf(msg, msglen, "%s", s);
	else if (r->has_pp && r->pp_error == PP_insufficientPasswordQuality)
		snprintf(msg, msglen, "The new password does not meet the "
		    "quality rules: %s.", r->diag);
	else
		snprintf(msg, msglen, "%s (%s)", s, r->diag);
}

/* The Password Modify operation on ld, bound as dn. */
static int
dir_passwd_exop(struct dir_conn *c, LDAP *ld, const char *dn,
    const char *old_pw, const char *new_pw, struct dir_reply *r)
{
	LDAPControl *pp = NULL, *sctrls[2] = { NULL, NULL };
	struct berval user, oldbv, newbv;
	int msgid, rc;

	memset(r, 0, sizeof(*r));
	r->pp_error = PP_noError;
	if ((rc = ldap_create_passwordpolicy_control(ld, &pp)) !=
	    LDAP_SUCCESS) {
		r->code = rc;
		goto out;
	}
	sctrls[0] = pp;
	user.bv_val = (char *)dn;
	user.bv_len = strlen(dn);
	oldbv.bv_val = (char *)old_pw;
	oldbv.bv_len = strlen(old_pw);
	newbv.bv_val = (char *)new_pw;
	newbv.bv_len = strlen(new_pw);
	rc = ldap_passwd(ld, &user, &oldbv, &newbv, sctrls, NULL, &msgid);
	if (rc != LDAP_SUCCESS) {
		r->code = rc;
		goto out;
	}
	dir_wait_reply(c, ld, msgid, r, NULL);
 out:
	if (pp != NULL)
		ldap_control_free(pp);
	return r->code;
}

/* What a change may not be asked with: DIR_OK, or its refusal. */
static int
dir_change_args(const char *dn, const char *old_pw, const char *new_pw,
    char *message, size_t msglen)
{
	if (message != NULL && msglen > 0)
		message[0] = '\0';
	if (dn == NULL || dn[0] == '\0' || old_pw == NULL || old_pw[0] == '\0')
		return DIR_WRONG_OLD;
	if (new_pw == NULL || new_pw[0] == '\0') {
		if (message != NULL && msglen > 0)
			snprintf(message, msglen,
			    "The new password must not be empty.");
		return DIR_QUALITY;
	}
	return DIR_OK;
}

/*
 * The change on ld, bound as dn, and what its reply means. Not retried
 * elsewhere: a change that timed out may have been made, and a retry would
 * then report the old password as wrong.
 */
static int
dir_modify_bound(struct dir_conn *c, LDAP *ld, const char *dn,
    const char *old_pw, const char *new_pw, char *message, size_t msglen)
{
	struct dir_reply r;

	if (dir_passwd_exop(c, ld, dn, old_pw, new_pw, &r) == LDAP_SUCCESS)
		return DIR_OK;
	dir_reply_error(c, "password modify", &r);
	if (dir_is_down(r.code))
		return DIR_UNAVAILABLE;
	if (r.code == LDAP_CONSTRAINT_VIOLATION) {
		dir_quality_message(&r, message, msglen);
		return DIR_QUALITY;
	}
	if (r.code == LDAP_UNWILLING_TO_PERFORM && !r.has_pp)
		return DIR_WRONG_OLD;
	if (message != NULL && msglen > 0)
		snprintf(message, msglen, "%s", r.diag[0] != '\0' ? r.diag :
		    ldap_err2string(r.code));
	return r.code == LDAP_INSUFFICIENT_ACCESS ? DIR_REFUSED : DIR_ERROR;
}

int
dir_password_change(struct dir_conn *c, const char *dn, const char *old_pw,
    const char *new_pw, char *message, size_t msglen)
{
	struct dir_reply r;
	int st;

	if ((st = dir_change_args(dn, old_pw, new_pw, message, msglen)) !=
	    DIR_OK)
		return st;
	if ((st = dir_user_bind(c, dn, old_pw, &r)) != DIR_OK)
		return st;
	if (r.code == LDAP_INVALID_CREDENTIALS) {
		dir_reply_error(c, "bind", &r);
		if (r.has_pp && r.pp_error == PP_accountLocked)
			return DIR_LOCKED;
		if (r.has_pp && r.pp_error == PP_passwordExpired)
			return DIR_EXPIRED;
		return DIR_WRONG_OLD;
	}
	if (r.code != LDAP_SUCCESS) {
		dir_reply_error(c, "bind", &r);
		return dir_status_of(r.code);
	}
	st = dir_modify_bound(c, c->bind.ld, dn, old_pw, new_pw, message,
	    msglen);
	if (st == DIR_UNAVAILABLE)
		dir_handle_drop(c, &c->bind);
	return st;
}

int
dir_password_change_bound(struct dir_conn *c, struct ldap *ld, const char *dn,
    const char *old_pw, const char *new_pw, char *message, size_t msglen)
{
	int st;

	if ((st = dir_change_args(dn, old_pw, new_pw, message, msglen)) !=
	    DIR_OK)
		return st;
	if (ld == NULL)
		return DIR_UNAVAILABLE;
	return dir_modify_bound(c, ld, dn, old_pw, new_pw, message, msglen);
}

/* A modify as authd, retried once on another server. */
/* An add or a modify on the service handle (dir_service_modify, dir_service_add). */
static int
service_write(struct dir_conn *c, const char *dn, LDAPMod **mods, int add,
    int *ldap_rc_r)
{
	struct dir_reply r;
	int attempt, msgid, rc, st;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((st = dir_handle_ready(c, &c->svc, 1)) != DIR_OK)
			return st;
		rc = add ? ldap_add_ext(c->svc.ld, dn, mods, NULL, NULL, &msgid) :
		    ldap_modify_ext(c->svc.ld, dn, mods, NULL, NULL, &msgid);
		if (rc != LDAP_SUCCESS)
			r.code = rc;
		else
			dir_wait_reply(c, c->svc.ld, msgid, &r, NULL);
		if (ldap_rc_r != NULL)
			*ldap_rc_r = r.code;
		if (r.code == LDAP_SUCCESS)
			return DIR_OK;
		if (rc != LDAP_SUCCESS)
			dir_set_error(c, "%s %s: %s", add ? "add" : "modify", dn,
			    ldap_err2string(rc));
		else
			dir_reply_error(c, add ? "add" : "modify", &r);
		if (!dir_is_down(r.code))
			return dir_status_of(r.code);
		dir_handle_drop(c, &c->svc);
	}
	return DIR_UNAVAILABLE;
}

int
dir_service_modify(struct dir_conn *c, const char *dn, LDAPMod **mods,
    int *ldap_rc_r)
{
	return service_write(c, dn, mods, 0, ldap_rc_r);
}

int
dir_service_add(struct dir_conn *c, const char *dn, LDAPMod **mods,
    int *ldap_rc_r)
{
	return service_write(c, dn, mods, 1, ldap_rc_r);
}

static int
dir_modify(struct dir_conn *c, const char *dn, LDAPMod **mods)
{
	return dir_service_modify(c, dn, mods, NULL);
}

/* Replace attr by value; NULL or "" removes it. */
static void
dir_mod_replace(LDAPMod *mod, char **vals, const char *attr, const char *value)
{
	memset(mod, 0, sizeof(*mod));
	mod->mod_op = LDAP_MOD_REPLACE;
	mod->mod_type = (char *)attr;
	vals[0] = value != NULL && value[0] != '\0' ? (char *)value : NULL;
	vals[1] = NULL;
	mod->mod_values = vals;
}

int
dir_record_login(struct dir_conn *c, const char *dn, time_t when,
    const char *host, const char *service)
{
	LDAPMod m[4], *mods[5];
	char *v[4][2], now[32];
	size_t i;

	if (dn == NULL || dn[0] == '\0')
		return DIR_ERROR;
	if (dir_format_gentime(when, now, sizeof(now)) != 0) {
		dir_set_error(c, "bad time");
		return DIR_ERROR;
	}
	dir_mod_replace(&m[0], v[0], AUTHD_AT_LAST_LOGIN_TIME, now);
	dir_mod_replace(&m[1], v[1], AUTHD_AT_LAST_LOGIN_HOST, host);
	dir_mod_replace(&m[2], v[2], AUTHD_AT_LAST_LOGIN_SVC, service);
	dir_mod_replace(&m[3], v[3], AUTHD_AT_FAILED_LOGINS, "0");
	for (i = 0; i < 4; i++)
		mods[i] = &m[i];
	mods[4] = NULL;
	return dir_modify(c, dn, mods);
}

int
dir_record_logout(struct dir_conn *c, const char *dn, time_t when)
{
	LDAPMod m, *mods[2];
	char *v[2], now[32];

	if (dn == NULL || dn[0] == '\0')
		return DIR_ERROR;
	if (dir_format_gentime(when, now, sizeof(now)) != 0) {
		dir_set_error(c, "bad time");
		return DIR_ERROR;
	}
	dir_mod_replace(&m, v, AUTHD_AT_LAST_LOGOUT_TIME, now);
	mods[0] = &m;
	mods[1] = NULL;
	return dir_modify(c, dn, mods);
}

int
dir_service_search(struct dir_conn *c, const char *base, const char *filter,
    const char *const *attrs, int sizelimit, LDAP **ld_r, LDAPMessage **res_r,
    int *truncated_r)
{
	struct dir_reply r;
	struct timeval tv;
	int attempt, msgid, rc, st;

	*ld_r = NULL;
	*res_r = NULL;
	*truncated_r = 0;
	for (attempt = 0; attempt < 2; attempt++) {
		if ((st = dir_handle_ready(c, &c->svc, 1)) != DIR_OK)
			return st;
		dir_timeval(c, &tv);
		rc = ldap_search_ext(c->svc.ld, base, LDAP_SCOPE_SUBTREE, filter,
		    (char **)attrs, 0, NULL, NULL, &tv, sizelimit, &msgid);
		if (rc == LDAP_SUCCESS)
			rc = dir_wait_reply(c, c->svc.ld, msgid, &r, res_r);
		else {
			memset(&r, 0, sizeof(r));
			r.code = rc;
		}
		if (dir_is_down(rc)) {
			ldap_msgfree(*res_r);
			*res_r = NULL;
			dir_reply_error(c, "search", &r);
			dir_handle_drop(c, &c->svc);
			continue;
		}
		if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
			*truncated_r = rc == LDAP_SIZELIMIT_EXCEEDED;
			*ld_r = c->svc.ld;
			return DIR_OK;
		}
		ldap_msgfree(*res_r);
		*res_r = NULL;
		dir_reply_error(c, "search", &r);
		return rc == LDAP_NO_SUCH_OBJECT ? DIR_NOT_FOUND : dir_status_of(rc);
	}
	return DIR_UNAVAILABLE;
}

int
dir_service_open(struct dir_pool *pool, LDAP **ld_r, char *err, size_t errlen)
{
	struct dir_conn tmp;
	int st;

	memset(&tmp, 0, sizeof(tmp));
	tmp.pool = pool;
	*ld_r = NULL;
	if ((st = dir_handle_ready(&tmp, &tmp.svc, 1)) == DIR_OK)
		*ld_r = tmp.svc.ld;
	else
		snprintf(err, errlen, "%s", tmp.err);
	return st;
}

const char *
dir_conn_error(const struct dir_conn *c)
{
	return c != NULL ? c->err : "no connection";
}

int
dir_pool_new(const struct authd_conf *conf, struct dir_pool **pool_r)
{
	struct dir_pool *p = NULL;
	char err[256];
	size_t i;
	int proto, r;

	*pool_r = NULL;
	if (conf == NULL || conf->n_ldap_uris == 0 || conf->bind_dn == NULL ||
	    conf->bind_password_file == NULL || conf->people_dn == NULL ||
	    conf->ldap_pool_size < 1)
		return AUTHD_ERR_INVALID;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return AUTHD_ERR_NOMEM;
	p->conf = conf;
	p->n_conns = (size_t)conf->ldap_pool_size;
	if ((p->conns = calloc(p->n_conns, sizeof(*p->conns))) == NULL) {
		free(p);
		return AUTHD_ERR_NOMEM;
	}
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p->conns);
		free(p);
		return AUTHD_ERR_NOMEM;
	}
	if (pthread_cond_init(&p->freed, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p->conns);
		free(p);
		return AUTHD_ERR_NOMEM;
	}
	for (i = 0; i < p->n_conns; i++)
		p->conns[i].pool = p;
	/* initialise libldap's globals here, before worker threads race */
	ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &proto);
	r = authd_read_secret_file(conf->bind_password_file, &p->bind_pw, err,
	    sizeof(err));
	if (r != AUTHD_OK) {
		authd_log(LOG_ERR, "bind_password_file: %s", err);
		dir_pool_free(&p);
		return r;
	}
	*pool_r = p;
	return AUTHD_OK;
}

void
dir_pool_free(struct dir_pool **poolp)
{
	struct dir_pool *p;
	size_t i;

	if (poolp == NULL || (p = *poolp) == NULL)
		return;
	for (i = 0; i < p->n_conns; i++) {
		if (p->conns[i].svc.ld != NULL)
			ldap_unbind_ext(p->conns[i].svc.ld, NULL, NULL);
		if (p->conns[i].bind.ld != NULL)
			ldap_unbind_ext(p->conns[i].bind.ld, NULL, NULL);
	}
	authd_secret_free(&p->bind_pw);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->lock);
	free(p->conns);
	free(p);
	*poolp = NULL;
}

struct dir_conn *
dir_pool_get(struct dir_pool *pool)
{
	struct dir_conn *c = NULL;
	size_t i;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		for (i = 0; i < pool->n_conns; i++) {
			if (!pool->conns[i].busy) {
				c = &pool->conns[i];
				break;
			}
		}
		if (c != NULL)
			break;
		pthread_cond_wait(&pool->freed, &pool->lock);
	}
	c->busy = 1;
	c->err[0] = '\0';
	pthread_mutex_unlock(&pool->lock);
	return c;
}

void
dir_pool_put(struct dir_pool *pool, struct dir_conn *conn)
{
	if (conn == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	conn->busy = 0;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}
