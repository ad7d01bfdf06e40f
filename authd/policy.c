#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "err.h"
#include "log.h"
#include "policy.h"
#include "schema.h"
#include "verifier.h"

/* One authdPolicy entry as read. */
struct policy {
	char name[POLICY_NAME_MAX];
	char services[POLICY_MAX_SERVICES][64];
	size_t n_services;           /* 0: any */
	int any_service;             /* "*" listed */
	unsigned classes;            /* CLASS_* bits; 0: any */
	struct policy_req req;
	struct policy_req remote_req;
	int has_remote_req;
	unsigned methods;
	unsigned remote_methods;
	int has_remote_methods;
	int invalid;
	char error[160];
};

static const char *const class_names[] = { "3A", "3B", "3C", "2", "1" };
#define N_CLASSES (sizeof(class_names) / sizeof(class_names[0]))

static struct {
	pthread_mutex_t mu;
	struct policy v[POLICY_MAX];
	size_t n;
	int too_many;    /* more than POLICY_MAX: which applies is unknown */
	time_t loaded;
	int have;
} cache = { .mu = PTHREAD_MUTEX_INITIALIZER };

unsigned
policy_method_bit(const char *name)
{
	if (strcmp(name, "password") == 0)
		return POLICY_M_PASSWORD;
	if (strcmp(name, "totp") == 0)
		return POLICY_M_TOTP;
	if (strcmp(name, "fido2") == 0)
		return POLICY_M_FIDO2;
	if (strcmp(name, "card") == 0)
		return POLICY_M_CARD;
	return 0;
}

static unsigned
class_bit(const char *cls)
{
	size_t i;

	for (i = 0; i < N_CLASSES; i++)
		if (strcasecmp(cls, class_names[i]) == 0)
			return 1u << i;
	return 0;
}

static unsigned
category_bit(const char *s, size_t len)
{
	if (len == 9 && strncmp(s, "knowledge", len) == 0)
		return FACTOR_KNOWLEDGE;
	if (len == 10 && strncmp(s, "possession", len) == 0)
		return FACTOR_POSSESSION;
	if ((len == 9 && strncmp(s, "inherence", len) == 0) ||
	    (len == 9 && strncmp(s, "biometric", len) == 0))
		return FACTOR_INHERENCE;
	return 0;
}

static unsigned
popcount3(unsigned v)
{
	return (v & 1u) + ((v >> 1) & 1u) + ((v >> 2) & 1u);
}

int
policy_parse_require(const char *text, struct policy_req *r, char *err,
    size_t errlen)
{
	const char *p = text, *end, *q, *comma;
	unsigned bit;
	char *numend;
	long n;

	memset(r, 0, sizeof(*r));
	snprintf(r->text, sizeof(r->text), "%s", text);
	if (*p == '\0')
		goto bad;
	while (*p != '\0') {
		end = strchr(p, '+');
		if (end == NULL)
			end = p + strlen(p);
		if ((q = memchr(p, ':', (size_t)(end - p))) != NULL) {
			/* Nof:a,b,c */
			if (r->n != 0 || !isdigit((unsigned char)*p))
				goto bad;
			n = strtol(p, &numend, 10);
			if (numend + 2 != q || strncmp(numend, "of", 2) != 0 ||
			    n < 1 || n > 3)
				goto bad;
			for (q++; q < end; q = comma + 1) {
				comma = memchr(q, ',', (size_t)(end - q));
				if (comma == NULL)
					comma = end;
				if ((bit = category_bit(q, (size_t)(comma - q))) == 0 ||
				    (r->of & bit))
					goto bad;
				r->of |= bit;
				if (comma == end)
					break;
			}
			if ((unsigned)n > popcount3(r->of))
				goto bad;
			r->n = (int)n;
		} else {
			if ((bit = category_bit(p, (size_t)(end - p))) == 0)
				goto bad;
			r->must |= bit;
		}
		p = *end == '+' ? end + 1 : end;
		if (*end == '+' && *p == '\0')
			goto bad;
	}
	return AUTHD_OK;
bad:
	snprintf(err, errlen, "'%.80s' is not a requirement (e.g. knowledge+possession, "
	    "2of:knowledge,possession,inherence)", text);
	return AUTHD_ERR_INVALID;
}

int
policy_satisfied(const struct policy_req *r, unsigned proven)
{
	if ((proven & r->must) != r->must)
		return 0;
	return r->n == 0 || popcount3(proven & r->of) >= (unsigned)r->n;
}

int
policy_wants(const struct policy_req *r, unsigned proven, unsigned category)
{
	if (proven & category)
		return 0;
	if (r->must & category)
		return 1;
	return r->n != 0 && (r->of & category) &&
	    popcount3(proven & r->of) < (unsigned)r->n;
}

unsigned
policy_missing(const struct policy_req *r, unsigned possible)
{
	unsigned missing = r->must & ~possible;

	if (r->n != 0 && popcount3(possible & r->of) < (unsigned)r->n)
		missing |= r->of & ~possible;
	return missing;
}

void
policy_categories_str(unsigned cats, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	if (cats & FACTOR_KNOWLEDGE)
		n += (size_t)snprintf(out + n, outsz - n, "knowledge");
	if ((cats & FACTOR_POSSESSION) && n < outsz)
		n += (size_t)snprintf(out + n, outsz - n, "%spossession",
		    n > 0 ? "+" : "");
	if ((cats & FACTOR_INHERENCE) && n < outsz)
		n += (size_t)snprintf(out + n, outsz - n, "%sinherence",
		    n > 0 ? "+" : "");
	if (n == 0)
		snprintf(out, outsz, "none");
}

/* Reading the entries */

static const char *const policy_attrs[] = {
	"cn", AUTHD_AT_POLICY_SERVICE, AUTHD_AT_POLICY_CLASS,
	AUTHD_AT_POLICY_REQUIRE, AUTHD_AT_POLICY_METHOD,
	AUTHD_AT_POLICY_REMOTE_REQUIRE, AUTHD_AT_POLICY_REMOTE_METHOD, NULL
};

/* Mark p unreadable; the first reason is kept. */
static void
invalid(struct policy *p, const char *why)
{
	if (p->invalid)
		return;
	p->invalid = 1;
	snprintf(p->error, sizeof(p->error), "%s", why);
}

static unsigned
read_methods(LDAP *ld, LDAPMessage *e, const char *attr, struct policy *p,
    int *present_r)
{
	struct berval **vals;
	char name[32], why[64];
	unsigned bits = 0, b;
	size_t i;

	*present_r = 0;
	if ((vals = ldap_get_values_len(ld, e, attr)) == NULL)
		return 0;
	*present_r = 1;
	for (i = 0; vals[i] != NULL; i++) {
		snprintf(name, sizeof(name), "%.*s", (int)vals[i]->bv_len,
		    vals[i]->bv_val);
		if ((b = policy_method_bit(name)) == 0) {
			snprintf(why, sizeof(why), "unknown method '%s'", name);
			invalid(p, why);
		}
		bits |= b;
	}
	ldap_value_free_len(vals);
	return bits;
}

static int
read_require(LDAP *ld, LDAPMessage *e, const char *attr, struct policy *p,
    struct policy_req *r)
{
	struct berval **vals;
	char text[128], why[160];

	if ((vals = ldap_get_values_len(ld, e, attr)) == NULL)
		return 0;
	snprintf(text, sizeof(text), "%.*s", (int)vals[0]->bv_len, vals[0]->bv_val);
	ldap_value_free_len(vals);
	if (policy_parse_require(text, r, why, sizeof(why)) != AUTHD_OK)
		invalid(p, why);
	return 1;
}

static void
read_policy(LDAP *ld, LDAPMessage *e, struct policy *p)
{
	struct berval **vals;
	char cls[16], why[80];
	size_t i;
	int present;

	memset(p, 0, sizeof(*p));
	if ((vals = ldap_get_values_len(ld, e, "cn")) != NULL) {
		snprintf(p->name, sizeof(p->name), "%.*s", (int)vals[0]->bv_len,
		    vals[0]->bv_val);
		ldap_value_free_len(vals);
	}
	if ((vals = ldap_get_values_len(ld, e, AUTHD_AT_POLICY_SERVICE)) != NULL) {
		for (i = 0; vals[i] != NULL; i++) {
			if (vals[i]->bv_len == 1 && vals[i]->bv_val[0] == '*') {
				p->any_service = 1;
				continue;
			}
			if (p->n_services == POLICY_MAX_SERVICES ||
			    vals[i]->bv_len >= sizeof(p->services[0])) {
				invalid(p, "too many or too long services");
				continue;
			}
			snprintf(p->services[p->n_services++], sizeof(p->services[0]),
			    "%.*s", (int)vals[i]->bv_len, vals[i]->bv_val);
		}
		ldap_value_free_len(vals);
	} else
		p->any_service = 1;
	if ((vals = ldap_get_values_len(ld, e, AUTHD_AT_POLICY_CLASS)) != NULL) {
		for (i = 0; vals[i] != NULL; i++) {
			snprintf(cls, sizeof(cls), "%.*s", (int)vals[i]->bv_len,
			    vals[i]->bv_val);
			if (class_bit(cls) == 0) {
				snprintf(why, sizeof(why),
				    "unknown class '%s' (3A, 3B, 3C, 2 or 1)", cls);
				invalid(p, why);
			}
			p->classes |= class_bit(cls);
		}
		ldap_value_free_len(vals);
	}
	if (!read_require(ld, e, AUTHD_AT_POLICY_REQUIRE, p, &p->req))
		invalid(p, "no " AUTHD_AT_POLICY_REQUIRE);
	p->has_remote_req = read_require(ld, e, AUTHD_AT_POLICY_REMOTE_REQUIRE, p,
	    &p->remote_req);
	p->methods = read_methods(ld, e, AUTHD_AT_POLICY_METHOD, p, &present);
	if (!present)
		invalid(p, "no " AUTHD_AT_POLICY_METHOD);
	p->remote_methods = read_methods(ld, e, AUTHD_AT_POLICY_REMOTE_METHOD, p,
	    &p->has_remote_methods);
	if (p->invalid)
		authd_log(LOG_ERR, "policy %s: %s; logins under it are refused",
		    p->name, p->error);
}

static int
load_locked(struct dir_conn *dc, const struct authd_conf *conf)
{
	LDAP *ld = NULL;
	LDAPMessage *res = NULL, *e;
	int st, truncated = 0;
	size_t n = 0;

	st = dir_service_search(dc, conf->policy_dn, "(objectClass=authdPolicy)",
	    policy_attrs, POLICY_MAX + 1, (struct ldap **)&ld,
	    (struct ldapmsg **)&res, &truncated);
	if (st == DIR_NOT_FOUND) {
		/* No policy folder: every login gets the default. */
		cache.n = 0;
		cache.too_many = 0;
		goto done;
	}
	if (st != DIR_OK)
		return st;
	for (e = ldap_first_entry(ld, res); e != NULL && n < POLICY_MAX;
	    e = ldap_next_entry(ld, e))
		read_policy(ld, e, &cache.v[n++]);
	/* The one left out may be the one that applies: refuse, not guess. */
	cache.too_many = truncated || e != NULL;
	if (cache.too_many)
		authd_log(LOG_ERR, "more than %d login policies under %s: "
		    "logins are refused until some are removed", POLICY_MAX,
		    conf->policy_dn);
	ldap_msgfree(res);
	cache.n = n;
done:
	cache.loaded = time(NULL);
	cache.have = 1;
	return DIR_OK;
}

static int
has_service(const struct policy *p, const char *service)
{
	size_t i;

	for (i = 0; i < p->n_services; i++)
		if (strcmp(p->services[i], service) == 0)
			return 1;
	return 0;
}

/* -1 when p does not apply, else its specificity. */
static int
score(const struct policy *p, const char *service, unsigned cls)
{
	int s = 0;

	if (has_service(p, service))
		s += 2;
	else if (!p->any_service)
		return -1;
	if (p->classes != 0) {
		if ((p->classes & cls) == 0)
			return -1;
		s += 1;
	}
	return s;
}

static void
fill_default(struct policy_eff *eff)
{
	char err[8];

	memset(eff, 0, sizeof(*eff));
	snprintf(eff->name, sizeof(eff->name), "default");
	(void)policy_parse_require("knowledge", &eff->req, err, sizeof(err));
	eff->methods = POLICY_M_PASSWORD;
}

int
policy_for(struct dir_conn *dc, const struct authd_conf *conf,
    const char *service, int remote, struct policy_eff *eff_r)
{
	const struct policy *best = NULL;
	unsigned cls = conf->system_class != NULL ? class_bit(conf->system_class) : 0;
	time_t now = time(NULL);
	size_t i;
	int st, s, best_s = -1;

	fill_default(eff_r);
	if (dc == NULL) {
		/* On the event loop: never wait for a worker's refresh. */
		if (pthread_mutex_trylock(&cache.mu) != 0)
			return DIR_NO_CONN;
		if (!cache.have || now - cache.loaded >= POLICY_TTL ||
		    now < cache.loaded) {
			pthread_mutex_unlock(&cache.mu);
			return DIR_NO_CONN;
		}
	} else
		pthread_mutex_lock(&cache.mu);
	if (!cache.have || now - cache.loaded >= POLICY_TTL || now < cache.loaded) {
		st = load_locked(dc, conf);
		if (st != DIR_OK && !cache.have) {
			pthread_mutex_unlock(&cache.mu);
			return st;
		}
		if (st != DIR_OK)
			authd_log(LOG_WARNING, "login policies: cannot refresh (%s); "
			    "using the copy read %lld s ago", dir_conn_error(dc),
			    (long long)(now - cache.loaded));
	}
	for (i = 0; i < cache.n; i++) {
		s = score(&cache.v[i], service, cls);
		if (s > best_s || (s == best_s && s >= 0 &&
		    strcmp(cache.v[i].name, best->name) < 0)) {
			best = &cache.v[i];
			best_s = s;
		}
	}
	if (cache.too_many) {
		snprintf(eff_r->name, sizeof(eff_r->name), "too-many");
		eff_r->invalid = 1;
		snprintf(eff_r->error, sizeof(eff_r->error), "more than %d login "
		    "policies in the directory", POLICY_MAX);
	} else if (best != NULL) {
		snprintf(eff_r->name, sizeof(eff_r->name), "%s", best->name);
		eff_r->req = remote && best->has_remote_req ? best->remote_req :
		    best->req;
		eff_r->methods = remote && best->has_remote_methods ?
		    best->remote_methods : best->methods;
		eff_r->invalid = best->invalid;
		snprintf(eff_r->error, sizeof(eff_r->error), "%s", best->error);
	}
	pthread_mutex_unlock(&cache.mu);
	return DIR_OK;
}

