/*
 * The view of grants (see grant_view.h): a consumer of sync.c.
 *
 * Entries are indexed by the DN of the grant they belong to (the grant
 * itself, or the parent of an approval), lower-cased, so that a grant and
 * its approvals share one chain. DNs come from slapd in the form they were
 * written, as do the grant DNs the login path keeps (grant.c), and are
 * compared without case.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "conf.h"
#include "dir.h"
#include "err.h"
#include "grant_view.h"
#include "log.h"
#include "schema.h"
#include "sync.h"

#define GV_BUCKETS 1024
#define GV_DN_MAX  512
#define GV_FILTER  "(|(objectClass=" AUTHD_OC_GRANT ")(objectClass=" \
	AUTHD_OC_APPROVAL "))"

struct gv_entry {
	struct gv_entry *next;       /* chain of its grant's bucket */
	int approval;                /* an approval child, else the grant */
	char dn[GV_DN_MAX];
	char grant_dn[GV_DN_MAX];    /* the grant: dn, or its parent */
	char state[16];              /* grant: authdGrantState */
	int emergency;               /* grant: authdGrantEmergency TRUE */
	time_t until;                /* grant: authdGrantUntil, 0 unreadable */
	char decision[16];           /* approval: approve | deny */
};

struct grant_view {
	const struct authd_conf *conf;
	struct sync *sync;
	grant_view_notify_fn notify;
	void *notify_arg;
	char *base;
	struct gv_entry *by_grant[GV_BUCKETS];   /* behind the sync's lock */
};

static size_t
dn_slot(const char *dn)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *dn != '\0'; dn++) {
		h ^= (unsigned char)tolower((unsigned char)*dn);
		h *= 1099511628211ULL;
	}
	return (size_t)(h % GV_BUCKETS);
}

/* GeneralizedTime → time_t; 0 when absent or malformed. */
static time_t
gentime(const char *s)
{
	time_t t;

	return dir_parse_gentime(s, strlen(s), &t) == 0 ? t : 0;
}

static int
has_class(LDAP *ld, LDAPMessage *msg, const char *oc)
{
	struct berval **vals;
	size_t i;
	int r = 0;

	vals = ldap_get_values_len(ld, msg, "objectClass");
	for (i = 0; vals != NULL && vals[i] != NULL && !r; i++)
		r = vals[i]->bv_len == strlen(oc) &&
		    strncasecmp(vals[i]->bv_val, oc, vals[i]->bv_len) == 0;
	ldap_value_free_len(vals);
	return r;
}

/* The DN without its first RDN (an escaped comma does not end it). */
static void
parent_dn(const char *dn, char *out, size_t outsz)
{
	const char *p;

	for (p = dn; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == ',') {
			snprintf(out, outsz, "%s", p + 1);
			return;
		}
	}
	out[0] = '\0';
}

static void *
parse_entry(void *arg, LDAP *ld, LDAPMessage *msg, int *skip_r)
{
	struct gv_entry *e;
	char *dn, buf[32];

	(void)arg;
	*skip_r = 0;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((dn = ldap_get_dn(ld, msg)) == NULL || strlen(dn) >= GV_DN_MAX) {
		ldap_memfree(dn);
		free(e);
		*skip_r = 1;
		return NULL;
	}
	snprintf(e->dn, sizeof(e->dn), "%s", dn);
	ldap_memfree(dn);
	if (has_class(ld, msg, AUTHD_OC_APPROVAL)) {
		e->approval = 1;
		parent_dn(e->dn, e->grant_dn, sizeof(e->grant_dn));
		dir_entry_value(ld, msg, AUTHD_AT_APPROVAL_DECISION, e->decision,
		    sizeof(e->decision));
		return e;
	}
	snprintf(e->grant_dn, sizeof(e->grant_dn), "%s", e->dn);
	dir_entry_value(ld, msg, AUTHD_AT_GRANT_STATE, e->state,
	    sizeof(e->state));
	dir_entry_value(ld, msg, AUTHD_AT_GRANT_EMERGENCY, buf, sizeof(buf));
	e->emergency = strcasecmp(buf, "TRUE") == 0;
	dir_entry_value(ld, msg, AUTHD_AT_GRANT_UNTIL, buf, sizeof(buf));
	e->until = gentime(buf);
	return e;
}

static void
link_entry(void *arg, void *obj)
{
	struct grant_view *gv = arg;
	struct gv_entry *e = obj;
	size_t s = dn_slot(e->grant_dn);

	e->next = gv->by_grant[s];
	gv->by_grant[s] = e;
}

static void
unlink_entry(void *arg, void *obj)
{
	struct grant_view *gv = arg;
	struct gv_entry *e = obj, **ep;

	for (ep = &gv->by_grant[dn_slot(e->grant_dn)]; *ep != NULL;
	    ep = &(*ep)->next)
		if (*ep == e) {
			*ep = e->next;
			break;
		}
}

/* The grant's own state lets it stand (its approvals aside). */
static int
state_stands(const struct gv_entry *g)
{
	return strcmp(g->state, AUTHD_GRANT_APPROVED) == 0 ||
	    (g->emergency && strcmp(g->state, AUTHD_GRANT_REQUESTED) == 0);
}

static const char *
fall_reason(const struct gv_entry *now)
{
	if (now == NULL)
		return "grant deleted";
	if (strcmp(now->state, AUTHD_GRANT_REVOKED) == 0)
		return "grant revoked";
	if (strcmp(now->state, AUTHD_GRANT_DENIED) == 0)
		return "grant denied";
	return "grant no longer approved";
}

/*
 * Outside the lock: what changed ends or shortens sessions, or lets the
 * sessions of an emergency grant outlive its deadline for approval.
 * Approving writes the approval child and the grant's state one after the
 * other: each tells, and the lookup after the second finds both.
 */
static void
changed(void *arg, const void *oldp, const void *nowp)
{
	struct grant_view *gv = arg;
	const struct gv_entry *old = oldp, *now = nowp, *any;

	if (gv->notify == NULL || (any = now != NULL ? now : old) == NULL)
		return;
	if (any->approval) {
		if (now != NULL && strcasecmp(now->decision, "deny") == 0 &&
		    (old == NULL || strcasecmp(old->decision, "deny") != 0))
			gv->notify(gv->notify_arg, any->grant_dn, 0, 0, 0,
			    "grant denied");
		else if (old != NULL && strcasecmp(old->decision, "approve") == 0 &&
		    (now == NULL || strcasecmp(now->decision, "approve") != 0))
			gv->notify(gv->notify_arg, any->grant_dn, 0, 0, 0,
			    "grant approval withdrawn");
		else if (now != NULL && strcasecmp(now->decision, "approve") == 0 &&
		    (old == NULL || strcasecmp(old->decision, "approve") != 0))
			gv->notify(gv->notify_arg, any->grant_dn, 1, 1, 0,
			    "grant approved");
		return;
	}
	if (old != NULL && state_stands(old)) {
		if (now == NULL || !state_stands(now)) {
			authd_log(LOG_NOTICE, "grants: %s: %s", old->dn,
			    fall_reason(now));
			gv->notify(gv->notify_arg, old->dn, 0, 0, 0,
			    fall_reason(now));
			return;
		}
		if (now->until != 0 && (old->until == 0 ||
		    now->until < old->until)) {
			authd_log(LOG_NOTICE, "grants: %s now ends earlier",
			    now->dn);
			gv->notify(gv->notify_arg, now->dn, 1, 0, now->until,
			    "grant shortened");
		}
	}
	if (old != NULL && now != NULL &&
	    strcmp(now->state, AUTHD_GRANT_APPROVED) == 0 &&
	    strcmp(old->state, AUTHD_GRANT_APPROVED) != 0)
		gv->notify(gv->notify_arg, now->dn, 1, 1, 0, "grant approved");
}

static void
on_down(void *arg, const char *err, int first, int fresh)
{
	(void)arg;
	(void)fresh;
	authd_log(first ? LOG_WARNING : LOG_DEBUG, "grants: %s; revoked grants "
	    "end their sessions once the search is back", err);
}

static const struct sync_ops grant_ops = {
	.name = "grants",
	.one = "entry",
	.many = "entries",
	.stale_from_start = 0,
	.parse = parse_entry,
	.link = link_entry,
	.unlink = unlink_entry,
	.changed = changed,
	.free_obj = free,
	.on_down = on_down,
};

int
grant_view_new(const struct authd_conf *conf, struct dir_pool *pool,
    grant_view_notify_fn notify, void *arg, struct grant_view **gv_r)
{
	static const char *const attrs[] = {
		"objectClass", AUTHD_AT_GRANT_STATE, AUTHD_AT_GRANT_EMERGENCY,
		AUTHD_AT_GRANT_UNTIL, AUTHD_AT_APPROVAL_DECISION, NULL
	};
	struct grant_view *gv;
	size_t len;
	int r;

	*gv_r = NULL;
	if (conf == NULL || pool == NULL || conf->base_dn == NULL)
		return AUTHD_ERR_INVALID;
	if ((gv = calloc(1, sizeof(*gv))) == NULL)
		return AUTHD_ERR_NOMEM;
	gv->conf = conf;
	gv->notify = notify;
	gv->notify_arg = arg;
	len = strlen(AUTHD_GRANTS_RDN) + 1 + strlen(conf->base_dn) + 1;
	if ((gv->base = malloc(len)) == NULL) {
		free(gv);
		return AUTHD_ERR_NOMEM;
	}
	snprintf(gv->base, len, "%s,%s", AUTHD_GRANTS_RDN, conf->base_dn);
	if ((r = sync_new(pool, gv->base, GV_FILTER, attrs,
	    conf->view_staleness, &grant_ops, gv, &gv->sync)) != AUTHD_OK) {
		free(gv->base);
		free(gv);
		return r;
	}
	*gv_r = gv;
	return AUTHD_OK;
}

int
grant_view_start(struct grant_view *gv)
{
	return sync_start(gv->sync);
}

void
grant_view_free(struct grant_view **gvp)
{
	struct grant_view *gv;

	if (gvp == NULL || (gv = *gvp) == NULL)
		return;
	sync_free(&gv->sync);
	free(gv->base);
	free(gv);
	*gvp = NULL;
}

int
grant_view_lookup(struct grant_view *gv, const char *dn, int *standing_r,
    int *approved_r, time_t *until_r)
{
	const struct gv_entry *e, *grant = NULL;
	int approve = 0, deny = 0, fresh, r;

	if (gv == NULL || dn == NULL)
		return GRANT_VIEW_NOT_FRESH;
	sync_rdlock(gv->sync);
	if ((fresh = sync_fresh_locked(gv->sync)) == SYNC_STALE) {
		r = GRANT_VIEW_NOT_FRESH;
		goto out;
	}
	for (e = gv->by_grant[dn_slot(dn)]; e != NULL; e = e->next) {
		if (strcasecmp(e->grant_dn, dn) != 0)
			continue;
		if (!e->approval)
			grant = e;
		else if (strcasecmp(e->decision, "approve") == 0)
			approve = 1;
		else if (strcasecmp(e->decision, "deny") == 0)
			deny = 1;
	}
	if (grant == NULL) {
		r = fresh == SYNC_LIVE ? GRANT_VIEW_NOT_FOUND : GRANT_VIEW_NOT_FRESH;
		goto out;
	}
	*standing_r = !deny && (strcmp(grant->state, AUTHD_GRANT_APPROVED) == 0 ?
	    approve : state_stands(grant));
	*approved_r = !deny && approve &&
	    strcmp(grant->state, AUTHD_GRANT_APPROVED) == 0;
	*until_r = grant->until;
	r = GRANT_VIEW_FOUND;
 out:
	sync_unlock(gv->sync);
	return r;
}
