#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "dir.h"
#include "grant.h"
#include "log.h"
#include "privileged.h"
#include "schema.h"

/* Pure part: the rules of grant.h. */

int
grant_gtime(const char *s, time_t *t_r)
{
	return dir_parse_gentime(s, strlen(s), t_r);
}

int
grant_dns_add(struct grant_dns *l, const char *s)
{
	char **nv, *c;

	if ((c = strdup(s)) == NULL)
		return -1;
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		free(c);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = c;
	return 0;
}

static void
dns_free(struct grant_dns *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
grant_facts_clear(struct grant_facts *g)
{
	dns_free(&g->hosts);
	dns_free(&g->approvers);
	dns_free(&g->requesters);
	memset(g, 0, sizeof(*g));
}

static int
dns_has(const struct grant_dns *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* A person's entry: directly under people_dn. Never the rootdn or a raw
 * peercred identity, which no ACL binds to a person. */
static int
is_person(const char *dn, const char *people_dn)
{
	size_t n = strlen(dn), m = strlen(people_dn);
	const char *rdn_end;

	if (m == 0 || n <= m + 1 || dn[n - m - 1] != ',' ||
	    strcasecmp(dn + n - m, people_dn) != 0)
		return 0;
	rdn_end = strchr(dn, ',');
	return rdn_end == dn + n - m - 1 && strstr(dn, "cn=peercred") == NULL;
}

static void
stamp(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%Y%m%d%H%M%SZ", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
}

enum grant_verdict
grant_evaluate(const struct grant_facts *g, const struct grant_ctx *ctx,
    char *why, size_t whylen)
{
	char a[32], b[32];
	int approved_ok = 0;
	size_t i;

	if (!g->have_role) {
		snprintf(why, whylen, "role %.200s not found", g->role_dn);
		return GRANT_REFUSED;
	}
	if (strcasecmp(g->holder, ctx->holder_dn) != 0) {
		snprintf(why, whylen, "held by %.200s", g->holder);
		return GRANT_REFUSED;
	}
	for (i = 0; i < g->hosts.n; i++)
		if (strcmp(g->hosts.v[i], "*") == 0 ||
		    strcasecmp(g->hosts.v[i], ctx->host) == 0)
			break;
	if (i == g->hosts.n) {
		snprintf(why, whylen, "role does not cover host %.100s", ctx->host);
		return GRANT_REFUSED;
	}
	if (g->from == 0 || g->until == 0 || g->until <= g->from) {
		snprintf(why, whylen, "no valid window");
		return GRANT_REFUSED;
	}
	if (ctx->now < g->from || ctx->now >= g->until) {
		stamp(g->from, a, sizeof(a));
		stamp(g->until, b, sizeof(b));
		snprintf(why, whylen, "outside its window %s-%s", a, b);
		return GRANT_REFUSED;
	}
	if (g->max_grant > 0 && g->until - g->from > g->max_grant) {
		snprintf(why, whylen, "window of %llds exceeds the role's maximum %lds",
		    (long long)(g->until - g->from), g->max_grant);
		return GRANT_REFUSED;
	}
	/* Who asked: a person entitled to, never a hand-written entry. */
	if (!is_person(g->creator, ctx->people_dn)) {
		snprintf(why, whylen, "not requested by a person (created by %.200s)",
		    g->creator[0] != '\0' ? g->creator : "nobody");
		return GRANT_REFUSED;
	}
	if (g->requesters_listed ? !dns_has(&g->requesters, g->creator) :
	    strcasecmp(g->creator, g->holder) != 0) {
		snprintf(why, whylen, "%.200s may not request this role", g->creator);
		return GRANT_REFUSED;
	}
	if (strcasecmp(g->state, AUTHD_GRANT_DENIED) == 0 ||
	    strcasecmp(g->state, AUTHD_GRANT_REVOKED) == 0) {
		snprintf(why, whylen, "%s", g->state);
		return GRANT_REFUSED;
	}
	if (g->have_approval && strcasecmp(g->decision, "approve") != 0) {
		snprintf(why, whylen, "denied by %.200s", g->approver);
		return GRANT_REFUSED;
	}
	/* The approval: by someone else who holds an approver role. */
	if (!g->have_approval)
		snprintf(why, whylen, "not approved");
	else if (!is_person(g->approver, ctx->people_dn))
		snprintf(why, whylen, "approval not by a person (created by %.200s)",
		    g->approver);
	else if (strcasecmp(g->approver, g->creator) == 0 ||
	    strcasecmp(g->approver, g->holder) == 0)
		snprintf(why, whylen, "self-approval by %.200s", g->approver);
	else if (!dns_has(&g->approvers, g->approver))
		snprintf(why, whylen, "approved by %.200s, who holds no approver "
		    "role of it%s%.200s%s", g->approver, g->unguarded_group[0] ?
		    "; approver group " : "", g->unguarded_group,
		    g->unguarded_group[0] ? " not counted: outside ou=roles, "
		    "administrators could change who is in it" : "");
	else if (strcasecmp(g->state, AUTHD_GRANT_APPROVED) != 0)
		snprintf(why, whylen, "state %s", g->state);
	else
		approved_ok = 1;
	if (approved_ok) {
		snprintf(why, whylen, "approved by %.200s", g->approver);
		return GRANT_HONOURED;
	}
	/* Emergency use: before approval, within the role's deadline. */
	if (g->emergency && g->role_emergency &&
	    strcasecmp(g->state, AUTHD_GRANT_REQUESTED) == 0 && g->created != 0) {
		if (ctx->now < g->created + g->emergency_deadline) {
			stamp(g->created + g->emergency_deadline, a, sizeof(a));
			snprintf(why, whylen, "emergency, unapproved (approval due by %s)", a);
			return GRANT_EMERGENCY;
		}
		snprintf(why + strlen(why), whylen - strlen(why),
		    "; emergency approval deadline passed");
	}
	return GRANT_REFUSED;
}

enum grant_verdict
grant_choose(const struct grant_facts *gs, size_t n, const struct grant_ctx *ctx,
    struct grant_hold *hold_r, char *why, size_t whylen)
{
	enum grant_verdict best = GRANT_REFUSED, v;
	char w[384];
	size_t i, best_i = 0;
	int have_refusal = 0;

	memset(hold_r, 0, sizeof(*hold_r));
	snprintf(why, whylen, "no grant");
	for (i = 0; i < n; i++) {
		v = grant_evaluate(&gs[i], ctx, w, sizeof(w));
		if (v == GRANT_REFUSED) {
			/* every refusal, for the audit, while nothing is honoured */
			if (best == GRANT_REFUSED) {
				size_t len = have_refusal ? strlen(why) : 0;

				if (len < whylen)
					snprintf(why + len, whylen - len, "%sgrant %s: %s",
					    have_refusal ? "; " : "", gs[i].cn, w);
			}
			have_refusal = 1;
			continue;
		}
		/* approved beats emergency; then the later end */
		if (best == GRANT_REFUSED ||
		    (v == GRANT_HONOURED && best == GRANT_EMERGENCY) ||
		    (v == best && gs[i].until > gs[best_i].until)) {
			best = v;
			best_i = i;
			snprintf(why, whylen, "grant %s: %s", gs[i].cn, w);
		}
	}
	if (best == GRANT_REFUSED)
		return best;
	snprintf(hold_r->dn, sizeof(hold_r->dn), "%s", gs[best_i].dn);
	snprintf(hold_r->role, sizeof(hold_r->role), "%s", gs[best_i].role_dn);
	hold_r->until = gs[best_i].until;
	hold_r->max_session = gs[best_i].max_session;
	hold_r->emergency = best == GRANT_EMERGENCY;
	if (hold_r->emergency)
		hold_r->emergency_deadline = gs[best_i].created +
		    gs[best_i].emergency_deadline;
	return best;
}

/* The loader: what the directory says, read as authd. */

/* The first value of attr, or "". */
static void
first(LDAP *ld, LDAPMessage *e, const char *attr, char *out, size_t outsz)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);

	out[0] = '\0';
	if (v != NULL && v[0] != NULL)
		snprintf(out, outsz, "%.*s", (int)v[0]->bv_len, v[0]->bv_val);
	ldap_value_free_len(v);
}

static time_t
first_time(LDAP *ld, LDAPMessage *e, const char *attr)
{
	char s[64];
	time_t t;

	first(ld, e, attr, s, sizeof(s));
	return grant_gtime(s, &t) == 0 ? t : 0;
}

/* Every value of attr (normalised as DNs when dn) appended to l. */
static int
all_values(LDAP *ld, LDAPMessage *e, const char *attr, int dn, struct grant_dns *l)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char raw[GRANT_DN_MAX], n[GRANT_DN_MAX];
	size_t i;
	int r = 0;

	for (i = 0; v != NULL && v[i] != NULL && r == 0; i++) {
		snprintf(raw, sizeof(raw), "%.*s", (int)v[i]->bv_len, v[i]->bv_val);
		if (dn)
			priv_dn_normalise(raw, n, sizeof(n));
		r = grant_dns_add(l, dn ? n : raw);
	}
	ldap_value_free_len(v);
	return r;
}

/* One entry at dn (filter), its attributes through fn. DIR_NOT_FOUND when absent. */
typedef int (*entry_fn)(LDAP *ld, LDAPMessage *e, void *arg);

static int
read_entry(struct dir_conn *dc, const char *dn, const char *filter,
    const char *const *attrs, entry_fn fn, void *arg)
{
	LDAPMessage *res = NULL, *e;
	LDAP *ld = NULL;
	int st, truncated = 0;

	st = dir_service_search(dc, dn, filter, attrs, 2, (struct ldap **)&ld,
	    (struct ldapmsg **)&res, &truncated);
	if (st != DIR_OK)
		return st;
	/* the search is a subtree one: take the entry itself */
	for (e = ldap_first_entry(ld, res); e != NULL; e = ldap_next_entry(ld, e)) {
		char *edn = ldap_get_dn(ld, e);
		int same = edn != NULL && strcasecmp(edn, dn) == 0;

		ldap_memfree(edn);
		if (same)
			break;
	}
	if (e == NULL)
		e = ldap_first_entry(ld, res);
	st = e == NULL ? DIR_NOT_FOUND : fn(ld, e, arg) == 0 ? DIR_OK : DIR_ERROR;
	ldap_msgfree(res);
	return st;
}

static int
take_approval(LDAP *ld, LDAPMessage *e, void *arg)
{
	struct grant_facts *g = arg;
	char raw[GRANT_DN_MAX];

	g->have_approval = 1;
	first(ld, e, AUTHD_AT_APPROVAL_DECISION, g->decision, sizeof(g->decision));
	first(ld, e, "creatorsName", raw, sizeof(raw));
	priv_dn_normalise(raw, g->approver, sizeof(g->approver));
	return 0;
}

static int
take_members(LDAP *ld, LDAPMessage *e, void *arg)
{
	return all_values(ld, e, "member", 1, arg);
}

/* A requester: a group's members, or the account itself. */
static int
take_requester(LDAP *ld, LDAPMessage *e, void *arg)
{
	struct berval **oc = ldap_get_values_len(ld, e, "objectClass");
	char *dn, n[GRANT_DN_MAX];
	size_t i;
	int group = 0, r;

	for (i = 0; oc != NULL && oc[i] != NULL; i++)
		if (oc[i]->bv_len == 11 && strncasecmp(oc[i]->bv_val,
		    "groupOfNames", 11) == 0)
			group = 1;
	ldap_value_free_len(oc);
	if (group)
		return all_values(ld, e, "member", 1, arg);
	if ((dn = ldap_get_dn(ld, e)) == NULL)
		return -1;
	priv_dn_normalise(dn, n, sizeof(n));
	ldap_memfree(dn);
	r = grant_dns_add(arg, n);
	return r;
}

struct role_read {
	struct grant_facts *g;
	struct grant_dns approver_groups, requester_dns;
};

static int
take_role(LDAP *ld, LDAPMessage *e, void *arg)
{
	struct role_read *rr = arg;
	struct grant_facts *g = rr->g;
	char s[64];

	g->have_role = 1;
	first(ld, e, AUTHD_AT_ROLE_MAX_GRANT, s, sizeof(s));
	g->max_grant = strtol(s, NULL, 10);
	first(ld, e, AUTHD_AT_ROLE_MAX_SESSION, s, sizeof(s));
	g->max_session = strtol(s, NULL, 10);
	first(ld, e, AUTHD_AT_ROLE_EMERGENCY, s, sizeof(s));
	g->role_emergency = strcasecmp(s, "TRUE") == 0;
	first(ld, e, AUTHD_AT_ROLE_EMERGENCY_DEADLINE, s, sizeof(s));
	g->emergency_deadline = strtol(s, NULL, 10);
	if (g->max_grant < 0 || g->max_session < 0 || g->emergency_deadline < 0)
		return -1;
	if (all_values(ld, e, AUTHD_AT_ROLE_HOST, 0, &g->hosts) != 0 ||
	    all_values(ld, e, AUTHD_AT_ROLE_APPROVER, 1, &rr->approver_groups) != 0 ||
	    all_values(ld, e, AUTHD_AT_ROLE_REQUESTER, 1, &rr->requester_dns) != 0)
		return -1;
	g->requesters_listed = rr->requester_dns.n > 0;
	return 0;
}

/* The approval, the role, its approvers and requesters of grant g. */
static int
load_related(struct dir_conn *dc, const char *base_dn, struct grant_facts *g)
{
	static const char *const approval_attrs[] = {
		AUTHD_AT_APPROVAL_DECISION, "creatorsName", NULL
	};
	static const char *const role_attrs[] = {
		AUTHD_AT_ROLE_MAX_GRANT, AUTHD_AT_ROLE_MAX_SESSION, AUTHD_AT_ROLE_HOST,
		AUTHD_AT_ROLE_APPROVER, AUTHD_AT_ROLE_EMERGENCY,
		AUTHD_AT_ROLE_EMERGENCY_DEADLINE, AUTHD_AT_ROLE_REQUESTER, NULL
	};
	static const char *const member_attrs[] = { "member", NULL };
	static const char *const requester_attrs[] = { "objectClass", "member", NULL };
	struct role_read rr;
	char adn[GRANT_DN_MAX + 32];
	size_t i;
	int st;

	memset(&rr, 0, sizeof(rr));
	rr.g = g;
	snprintf(adn, sizeof(adn), AUTHD_APPROVAL_RDN ",%s", g->dn);
	st = read_entry(dc, adn, "(objectClass=" AUTHD_OC_APPROVAL ")",
	    approval_attrs, take_approval, g);
	if (st != DIR_OK && st != DIR_NOT_FOUND)
		goto out;
	st = DIR_OK;
	if (g->role_dn[0] == '\0')
		goto out;
	st = read_entry(dc, g->role_dn, "(objectClass=" AUTHD_OC_ROLE ")",
	    role_attrs, take_role, &rr);
	if (st == DIR_NOT_FOUND) {
		st = DIR_OK;
		goto out;
	}
	for (i = 0; st == DIR_OK && i < rr.approver_groups.n; i++) {
		if (!priv_approver_group_guarded(rr.approver_groups.v[i],
		    base_dn)) {
			if (g->unguarded_group[0] == '\0')
				snprintf(g->unguarded_group,
				    sizeof(g->unguarded_group), "%s",
				    rr.approver_groups.v[i]);
			continue;
		}
		st = read_entry(dc, rr.approver_groups.v[i], "(objectClass=groupOfNames)",
		    member_attrs, take_members, &g->approvers);
		if (st == DIR_NOT_FOUND)
			st = DIR_OK;
	}
	for (i = 0; st == DIR_OK && i < rr.requester_dns.n; i++) {
		st = read_entry(dc, rr.requester_dns.v[i], "(objectClass=*)",
		    requester_attrs, take_requester, &g->requesters);
		if (st == DIR_NOT_FOUND)
			st = DIR_OK;
	}
out:
	dns_free(&rr.approver_groups);
	dns_free(&rr.requester_dns);
	return st;
}

static void
take_grant(LDAP *ld, LDAPMessage *e, struct grant_facts *g)
{
	char raw[GRANT_DN_MAX], s[16];
	char *dn = ldap_get_dn(ld, e);

	snprintf(g->dn, sizeof(g->dn), "%s", dn != NULL ? dn : "");
	ldap_memfree(dn);
	first(ld, e, "cn", g->cn, sizeof(g->cn));
	first(ld, e, AUTHD_AT_GRANT_ROLE, raw, sizeof(raw));
	priv_dn_normalise(raw, g->role_dn, sizeof(g->role_dn));
	first(ld, e, AUTHD_AT_GRANT_HOLDER, raw, sizeof(raw));
	priv_dn_normalise(raw, g->holder, sizeof(g->holder));
	first(ld, e, AUTHD_AT_GRANT_STATE, g->state, sizeof(g->state));
	first(ld, e, AUTHD_AT_GRANT_EMERGENCY, s, sizeof(s));
	g->emergency = strcasecmp(s, "TRUE") == 0;
	g->from = first_time(ld, e, AUTHD_AT_GRANT_FROM);
	g->until = first_time(ld, e, AUTHD_AT_GRANT_UNTIL);
	g->created = first_time(ld, e, "createTimestamp");
	first(ld, e, "creatorsName", raw, sizeof(raw));
	priv_dn_normalise(raw, g->creator, sizeof(g->creator));
}

int
grant_find(struct dir_conn *dc, const struct authd_conf *conf,
    const char *holder_dn, time_t now, enum grant_verdict *verdict_r,
    struct grant_hold *hold_r, char *why, size_t whylen)
{
	static const char *const attrs[] = {
		"cn", AUTHD_AT_GRANT_ROLE, AUTHD_AT_GRANT_HOLDER, AUTHD_AT_GRANT_FROM,
		AUTHD_AT_GRANT_UNTIL, AUTHD_AT_GRANT_STATE, AUTHD_AT_GRANT_EMERGENCY,
		"creatorsName", "createTimestamp", NULL
	};
	struct grant_facts *gs = NULL;
	struct grant_ctx ctx;
	struct berval bv;
	LDAPMessage *res = NULL, *e;
	LDAP *ld = NULL;
	char base[GRANT_DN_MAX], filter[2 * GRANT_DN_MAX], holder[GRANT_DN_MAX];
	char people[GRANT_DN_MAX], ended[32];
	size_t n = 0, i;
	int st, truncated = 0, too_many;

	*verdict_r = GRANT_REFUSED;
	memset(hold_r, 0, sizeof(*hold_r));
	snprintf(why, whylen, "no grant");
	priv_dn_normalise(holder_dn, holder, sizeof(holder));
	priv_dn_normalise(conf->people_dn != NULL ? conf->people_dn : "", people,
	    sizeof(people));
	snprintf(base, sizeof(base), AUTHD_GRANTS_RDN ",%s", conf->base_dn);
	bv.bv_val = holder;
	bv.bv_len = strlen(holder);
	{
		struct berval esc = { 0, NULL };

		if (ldap_bv2escaped_filter_value(&bv, &esc) != 0) {
			snprintf(why, whylen, "out of memory");
			return DIR_ERROR;
		}
		/* ended grants never stand again: left out, so that a holder's
		 * history does not crowd out the grant in force */
		stamp(now, ended, sizeof(ended));
		snprintf(filter, sizeof(filter), "(&(objectClass=" AUTHD_OC_GRANT
		    ")(" AUTHD_AT_GRANT_HOLDER "=%s)(!(" AUTHD_AT_GRANT_UNTIL "<=%s)))",
		    esc.bv_val, ended);
		ldap_memfree(esc.bv_val);
	}
	st = dir_service_search(dc, base, filter, attrs, GRANT_MAX + 1,
	    (struct ldap **)&ld, (struct ldapmsg **)&res, &truncated);
	if (st == DIR_NOT_FOUND)
		return DIR_OK;           /* no ou=grants: nobody holds a grant */
	if (st != DIR_OK) {
		snprintf(why, whylen, "reading grants: %s", dir_conn_error(dc));
		return st;
	}
	if ((gs = calloc(GRANT_MAX, sizeof(*gs))) == NULL) {
		ldap_msgfree(res);
		snprintf(why, whylen, "out of memory");
		return DIR_ERROR;
	}
	for (e = ldap_first_entry(ld, res); e != NULL && n < GRANT_MAX;
	    e = ldap_next_entry(ld, e))
		take_grant(ld, e, &gs[n++]);
	too_many = truncated || e != NULL;
	/* the entries' ld belongs to the connection: done with it before more searches */
	ldap_msgfree(res);
	/* The one left out may be the one in force: refuse, not guess. */
	if (too_many) {
		snprintf(why, whylen, "more than %d grants not yet ended name %.200s; "
		    "none is honoured until some end or are removed", GRANT_MAX,
		    holder);
		authd_log(LOG_ERR, "privileged: %s", why);
		goto out;
	}
	for (i = 0, st = DIR_OK; i < n && st == DIR_OK; i++)
		st = load_related(dc, conf->base_dn != NULL ? conf->base_dn :
		    "", &gs[i]);
	if (st != DIR_OK) {
		snprintf(why, whylen, "reading a grant's role or approval: %s",
		    dir_conn_error(dc));
		goto out;
	}
	ctx.holder_dn = holder;
	ctx.host = conf->host_name != NULL ? conf->host_name : "";
	ctx.people_dn = people;
	ctx.now = now;
	*verdict_r = grant_choose(gs, n, &ctx, hold_r, why, whylen);
out:
	for (i = 0; i < n; i++)
		grant_facts_clear(&gs[i]);
	free(gs);
	return st;
}
