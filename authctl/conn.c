#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include <ldap.h>

#include "conn.h"
#include "err.h"
#include "log.h"
#include "secret.h"

/* What slapd calls a local caller it could not map to an entry. */
#define PEERCRED_SUFFIX ",cn=peercred,cn=external,cn=auth"
#define MAX_URIS 16

static int
is_unreachable(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ||
	    rc == LDAP_TIMEOUT;
}

/* Split -H (spaces or commas) or take the config's list. */
static size_t
collect_uris(struct actl *a, char *buf, size_t bufsz, const char **uris)
{
	size_t n = 0, i;
	char *tok, *save = NULL;

	if (a->uri_override != NULL) {
		snprintf(buf, bufsz, "%s", a->uri_override);
		for (tok = strtok_r(buf, " ,\t", &save); tok != NULL && n < MAX_URIS;
		    tok = strtok_r(NULL, " ,\t", &save))
			uris[n++] = tok;
		return n;
	}
	for (i = 0; i < a->conf.n_ldap_uris && n < MAX_URIS; i++)
		uris[n++] = a->conf.ldap_uris[i];
	return n;
}

static int
set_options(struct actl *a, LDAP *ld)
{
	int version = LDAP_VERSION3, hard = LDAP_OPT_X_TLS_HARD, zero = 0;
	struct timeval tv;

	tv.tv_sec = a->conf.ldap_timeout > 0 ? a->conf.ldap_timeout : 5;
	tv.tv_usec = 0;
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS)
		return -1;
	if (a->conf.ldap_ca_file != NULL) {
		if (ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE,
		    a->conf.ldap_ca_file) != LDAP_OPT_SUCCESS ||
		    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &hard) != LDAP_OPT_SUCCESS ||
		    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS)
			return -1;
	}
	return 0;
}

/* One URI: initialise, StartTLS when asked, bind. Returns the LDAP result code. */
static int
try_uri(struct actl *a, const char *uri, const char *password, LDAP **ld_r,
    const char **step_r)
{
	struct berval cred;
	LDAP *ld = NULL;
	int rc;

	*ld_r = NULL;
	*step_r = "connecting";
	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS)
		return rc;
	*ld_r = ld;
	if (set_options(a, ld) != 0)
		return LDAP_OTHER;
	/*
	 * As authd does (authd/dir.c): libldap 2.5.13 bounds a TLS handshake
	 * by the network timeout only on an asynchronous connection, and spins
	 * for ever on a server that accepts and never speaks TLS.
	 */
	if (strncasecmp(uri, "ldapi://", 8) != 0 && ldap_set_option(ld,
	    LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON) != LDAP_OPT_SUCCESS)
		return LDAP_OTHER;
	*step_r = "starting TLS (StartTLS; ldap_starttls = no turns it off)";
	if (strncasecmp(uri, "ldap://", 7) == 0 && a->conf.ldap_starttls != 0 &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS)
		return rc;
	*step_r = a->bind_dn != NULL ? "binding as the -D DN" :
	    "binding with SASL EXTERNAL";
	if (a->bind_dn != NULL) {
		cred.bv_val = (char *)password;
		cred.bv_len = strlen(password);
		rc = ldap_sasl_bind_s(ld, a->bind_dn, LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL);
	} else {
		/*
		 * slapd knows EXTERNAL itself: no SASL library needed here. An
		 * empty initial response (no authzid) finishes the exchange in
		 * one round; without one slapd answers saslBindInProgress.
		 */
		cred.bv_val = "";
		cred.bv_len = 0;
		rc = ldap_sasl_bind_s(ld, NULL, "EXTERNAL", &cred, NULL, NULL, NULL);
	}
	return rc;
}

static int
ends_with_ci(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

/* Ask slapd who we are; refuse to act as a local caller it could not map. */
static int
who_am_i(struct actl *a)
{
	struct berval *authzid = NULL;
	const char *dn;
	uid_t uid = getuid();
	int rc, ret = ACTL_FAIL;

	if ((rc = ldap_whoami_s(a->ld, &authzid, NULL, NULL)) != LDAP_SUCCESS) {
		actl_ldap_error(a, rc, "asking who we are bound as", NULL, 0);
		goto out;
	}
	if (authzid == NULL || authzid->bv_len == 0) {
		fprintf(stderr, "authctl: the directory treats this connection "
		    "as anonymous; ask an administrator\n");
		goto out;
	}
	dn = authzid->bv_val;
	if (strncasecmp(dn, "dn:", 3) == 0)
		dn += 3;
	if (a->bind_dn == NULL && uid == 0) {
		/* uid 0 is the directory's root: allowed, recorded as such */
		a->actor = strdup("root");
	} else if (ends_with_ci(dn, PEERCRED_SUFFIX)) {
		fprintf(stderr, "authctl: slapd did not map uid %lu to a person; "
		    "ask an administrator\n", (unsigned long)uid);
		authd_syslog(LOG_NOTICE, "uid %lu not mapped to a person by %s (%s)",
		    (unsigned long)uid, a->uri, dn);
		goto out;
	} else
		a->actor = strdup(dn);
	if (a->actor == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		goto out;
	}
	if (strcmp(a->actor, dn) == 0)
		fprintf(stderr, "authctl: acting as %s on %s\n", dn, a->uri);
	else
		fprintf(stderr, "authctl: acting as %s (%s) on %s\n", a->actor, dn,
		    a->uri);
	authd_syslog(LOG_INFO, "uid %lu acting as %s (%s) on %s", (unsigned long)uid,
	    a->actor, dn, a->uri);
	ret = ACTL_OK;
 out:
	ber_bvfree(authzid);
	return ret;
}

int
actl_connect(struct actl *a)
{
	const char *uris[MAX_URIS];
	char buf[4096], err[512], *password = NULL;
	const char *step = "connecting";
	size_t n, i, tried = 0;
	LDAP *ld = NULL;
	int rc = LDAP_SERVER_DOWN, ret = ACTL_FAIL;

	if ((n = collect_uris(a, buf, sizeof(buf), uris)) == 0) {
		fprintf(stderr, "authctl: no directory to talk to: give -H URI "
		    "or set ldap_uri in %s\n", a->conf_path);
		return ACTL_FAIL;
	}
	if (a->bind_dn != NULL &&
	    authd_read_secret_file(a->password_file, &password, err, sizeof(err)) != AUTHD_OK) {
		fprintf(stderr, "authctl: %s\n", err);
		return ACTL_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (a->bind_dn == NULL && strncasecmp(uris[i], "ldapi://", 8) != 0)
			continue;    /* EXTERNAL proves a local uid only over ldapi */
		tried++;
		if ((rc = try_uri(a, uris[i], password, &ld, &step)) == LDAP_SUCCESS)
			break;
		if (!is_unreachable(rc)) {
			/* the server answered: a refusal, not a reason to fail over */
			a->ld = ld;
			ld = NULL;
			actl_ldap_error(a, rc, step, NULL, 0);
			goto out;
		}
		fprintf(stderr, "authctl: %s: %s%s\n", uris[i], ldap_err2string(rc),
		    i + 1 < n ? "; trying the next" : "");
		ldap_unbind_ext_s(ld, NULL, NULL);
		ld = NULL;
	}
	if (tried == 0) {
		fprintf(stderr, "authctl: binding as yourself needs an ldapi:// URI "
		    "(SASL EXTERNAL); for other URIs give -D DN -y PASSWORDFILE\n");
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		fprintf(stderr, "authctl: no directory server answered\n");
		goto out;
	}
	a->ld = ld;
	ld = NULL;
	if ((a->uri = strdup(uris[i])) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		goto out;
	}
	ret = who_am_i(a);
 out:
	authd_secret_free(&password);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	if (ret != ACTL_OK)
		actl_disconnect(a);
	return ret;
}

void
actl_disconnect(struct actl *a)
{
	if (a->ld != NULL)
		ldap_unbind_ext_s(a->ld, NULL, NULL);
	a->ld = NULL;
	free(a->uri);
	a->uri = NULL;
}

int
actl_delete_recorded(struct actl *a, const char *dn, const char *event,
    const char *user, const char *done)
{
	char what[1100], reason[768];
	int rc;

	if ((rc = ldap_delete_ext_s(a->ld, dn, NULL, NULL)) != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "removing %s", dn);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, event, user, "refused", reason);
		return ACTL_FAIL;
	}
	actl_record(a, event, user, "success", done);
	return ACTL_OK;
}

int
actl_ldap_error(struct actl *a, int rc, const char *what, char *reason_r,
    size_t reasonlen)
{
	char *diag = NULL, reason[768], shown_reason[3072], shown_what[4096];

	if (a->ld != NULL)
		ldap_get_option(a->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	if (diag != NULL && *diag != '\0')
		snprintf(reason, sizeof(reason), "%s (%s)", ldap_err2string(rc), diag);
	else
		snprintf(reason, sizeof(reason), "%s", ldap_err2string(rc));
	/* the server's message and what may name entries and values */
	actl_printable_copy(reason, shown_reason, sizeof(shown_reason));
	actl_printable_copy(what, shown_what, sizeof(shown_what));
	if (is_unreachable(rc))
		fprintf(stderr, "authctl: lost the directory%s%s while %s: %s\n",
		    a->uri != NULL ? " at " : "", a->uri != NULL ? a->uri : "",
		    shown_what, shown_reason);
	else if (rc < 0)        /* libldap's own errors: nothing was refused */
		fprintf(stderr, "authctl: failed while %s: %s\n", shown_what,
		    shown_reason);
	else
		fprintf(stderr, "authctl: the directory refused: %s while %s\n",
		    shown_reason, shown_what);
	if (reason_r != NULL)
		snprintf(reason_r, reasonlen, "%s", reason);
	ldap_memfree(diag);
	return ACTL_FAIL;
}

static int
search_page(struct actl *a, const char *base, int scope, const char *filter,
    char **attrs, actl_entry_fn fn, void *arg, struct berval *cookie, int *more_r)
{
	LDAPControl *page = NULL, *sctrls[2] = { NULL, NULL }, **rctrls = NULL, *resp;
	LDAPMessage *res = NULL, *e;
	ber_int_t count;
	int rc, err = LDAP_SUCCESS;

	*more_r = 0;
	if ((rc = ldap_create_page_control(a->ld, 500, cookie, 0, &page)) != LDAP_SUCCESS)
		return rc;
	sctrls[0] = page;
	rc = ldap_search_ext_s(a->ld, base, scope, filter, attrs, 0, sctrls,
	    NULL, NULL, LDAP_NO_LIMIT, &res);
	if (res == NULL)
		goto out;
	for (e = ldap_first_entry(a->ld, res); e != NULL;
	    e = ldap_next_entry(a->ld, e))
		if (fn(a, e, arg) != 0)
			goto out;
	if (ldap_parse_result(a->ld, res, &err, NULL, NULL, NULL, &rctrls, 0) != LDAP_SUCCESS)
		goto out;
	rc = err;
	if (rc != LDAP_SUCCESS || rctrls == NULL ||
	    (resp = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL)) == NULL)
		goto out;
	ber_memfree(cookie->bv_val);
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	if (ldap_parse_pageresponse_control(a->ld, resp, &count, cookie) == LDAP_SUCCESS &&
	    cookie->bv_len > 0)
		*more_r = 1;
 out:
	ldap_controls_free(rctrls);
	ldap_control_free(page);
	ldap_msgfree(res);
	return rc;
}

int
actl_search(struct actl *a, const char *base, int scope, const char *filter,
    char **attrs, actl_entry_fn fn, void *arg)
{
	struct berval cookie = { 0, NULL };
	int rc, more;

	do {
		rc = search_page(a, base, scope, filter, attrs, fn, arg, &cookie, &more);
	} while (rc == LDAP_SUCCESS && more);
	ber_memfree(cookie.bv_val);
	return rc;
}

char *
actl_filter_escape(const char *value)
{
	struct berval in, out = { 0, NULL };
	char *s;

	in.bv_val = (char *)value;
	in.bv_len = strlen(value);
	if (ldap_bv2escaped_filter_value(&in, &out) != 0)
		return NULL;
	s = strdup(out.bv_val);
	ber_memfree(out.bv_val);
	return s;
}

char *
actl_person_dn(const struct actl *a, const char *uid)
{
	char *dn;

	if (asprintf(&dn, "uid=%s,%s", uid, a->people_dn) < 0)
		return NULL;
	return dn;
}

/* Bytes of the UTF-8 sequence starting at p (at most n), 0 if it is none. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* U+0080-U+009F: C1 controls (0x9b starts a CSI on some terminals) */
	if (p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	return len;
}

char *
actl_printable(char *s, size_t cap)
{
	return actl_printable_copy(s, s, cap);
}

char *
actl_printable_copy(const char *s, char *dst, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *in = (const unsigned char *)s;
	char out[4096];
	size_t i = 0, o = 0, n = strlen(s), k;

	while (i < n && o + 5 < sizeof(out)) {
		if (in[i] >= 0x20 && in[i] < 0x7f) {
			out[o++] = (char)in[i++];
		} else if ((k = utf8_len(in + i, n - i)) > 0) {
			if (o + k + 1 >= sizeof(out))
				break;
			memcpy(out + o, in + i, k);
			o += k;
			i += k;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[in[i] >> 4];
			out[o++] = hex[in[i] & 15];
			i++;
		}
	}
	out[o] = '\0';
	if (cap > 0)
		snprintf(dst, cap, "%s", out);
	return dst;
}

int
actl_first_value(struct actl *a, LDAPMessage *e, const char *attr,
    char *out, size_t outsz)
{
	struct berval **vals;
	int n;

	out[0] = '\0';
	if ((vals = ldap_get_values_len(a->ld, e, attr)) == NULL)
		return 0;
	n = ldap_count_values_len(vals);
	if (n > 0)
		snprintf(out, outsz, "%.*s", (int)vals[0]->bv_len, vals[0]->bv_val);
	ldap_value_free_len(vals);
	return n;
}
