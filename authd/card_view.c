/*
 * The in-memory view of the IC cards (see card_view.h).
 *
 * The search is sync.c's (its own connection, the chained-message check,
 * present phases, reconnection with back-off); this file turns card
 * entries into card statuses, indexes them by fingerprint and tells its
 * owner when an active card no longer is. Fail closed: never in step
 * counts as out of step since the view was made.
 *
 * Tables: a fixed number of buckets by entryUUID and by fingerprint; a
 * site has about one card per person, and a chain of a few entries costs
 * nothing next to a login.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "card.h"
#include "card_view.h"
#include "conf.h"
#include "dir.h"
#include "err.h"
#include "log.h"
#include "schema.h"
#include "sync.h"

#define CV_BUCKETS          4096
#define CV_FILTER           "(objectClass=" AUTHD_OC_CARD ")"
/* Added to the schema with the card lifecycle; asked for, used when there. */
#define CV_AT_SUSPENDED_UNTIL "authdCardSuspendedUntil"

struct cv_entry {
	struct cv_entry *next_fpr;
	uint8_t fpr[CARD_FPR_LEN];
	struct card_status st;
};

struct card_view {
	const struct authd_conf *conf;
	struct sync *sync;
	card_view_notify_fn notify;
	void *notify_arg;

	/* By fingerprint, behind the sync's lock. */
	struct cv_entry *by_fpr[CV_BUCKETS];
};

static struct card_view *global_view;

static size_t
hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0) {
		h ^= *b++;
		h *= 1099511628211ULL;
	}
	return (size_t)(h % CV_BUCKETS);
}

/* Index operations, under the sync's write lock. */

static void
unlink_entry(void *arg, void *obj)
{
	struct card_view *v = arg;
	struct cv_entry *e = obj, **ep;

	for (ep = &v->by_fpr[hash_bytes(e->st.fpr, strlen(e->st.fpr))];
	    *ep != NULL; ep = &(*ep)->next_fpr)
		if (*ep == e) {
			*ep = e->next_fpr;
			break;
		}
}

static void
link_entry(void *arg, void *obj)
{
	struct card_view *v = arg;
	struct cv_entry *e = obj;
	size_t s;

	s = hash_bytes(e->st.fpr, strlen(e->st.fpr));
	e->next_fpr = v->by_fpr[s];
	v->by_fpr[s] = e;
}

/* GeneralizedTime → time_t; 0 when absent or malformed. */
static time_t
gentime(const char *s)
{
	time_t t;

	return dir_parse_gentime(s, strlen(s), &t) == 0 ? t : 0;
}

int
card_status_usable(const struct card_status *st, time_t now)
{
	time_t until;

	if (strcmp(st->state, AUTHD_CARD_ACTIVE) == 0)
		return 1;
	if (strcmp(st->state, "suspended") != 0 || st->suspended_until[0] == '\0')
		return 0;
	until = gentime(st->suspended_until);
	return until != 0 && now >= until;
}

static int
is_active(const struct card_status *st)
{
	return card_status_usable(st, time(NULL));
}

/* Outside the lock: tell the owner a card it may depend on is gone. */
static void
changed(void *arg, const void *oldp, const void *nowp)
{
	struct card_view *v = arg;
	const struct cv_entry *old = oldp, *now = nowp;

	if (v->notify != NULL && old != NULL && is_active(&old->st) &&
	    (now == NULL || !is_active(&now->st)))
		v->notify(v->notify_arg, &old->st, now != NULL ? &now->st : NULL);
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

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
fpr_from_hex(const char *hex, uint8_t out[CARD_FPR_LEN])
{
	size_t i;
	int hi, lo;

	if (strlen(hex) != CARD_FPR_HEX_LEN)
		return -1;
	for (i = 0; i < CARD_FPR_LEN; i++) {
		if ((hi = hex_nibble(hex[2 * i])) < 0 ||
		    (lo = hex_nibble(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* 0 with st and fpr filled, -1 for an entry that identifies no card. */
static int
status_from_message(LDAP *ld, LDAPMessage *msg, struct card_status *st,
    uint8_t fpr[CARD_FPR_LEN])
{
	struct berval **cert;
	char *dn;
	size_t i;

	memset(st, 0, sizeof(*st));
	if ((dn = ldap_get_dn(ld, msg)) == NULL)
		return -1;
	snprintf(st->dn, sizeof(st->dn), "%s", dn);
	ldap_memfree(dn);
	parent_dn(st->dn, st->holder_dn, sizeof(st->holder_dn));
	dir_entry_value(ld, msg, AUTHD_AT_CARD_SERIAL, st->serial,
	    sizeof(st->serial));
	dir_entry_value(ld, msg, AUTHD_AT_CARD_STATE, st->state,
	    sizeof(st->state));
	dir_entry_value(ld, msg, CV_AT_SUSPENDED_UNTIL, st->suspended_until,
	    sizeof(st->suspended_until));
	/* the certificate is the truth; the stored fingerprint a fall-back */
	cert = ldap_get_values_len(ld, msg, AUTHD_AT_CARD_CERT);
	if (cert != NULL && cert[0] != NULL &&
	    card_fingerprint((const uint8_t *)cert[0]->bv_val, cert[0]->bv_len,
	    fpr) == AUTHD_OK)
		card_fpr_hex(fpr, st->fpr);
	ldap_value_free_len(cert);
	if (st->fpr[0] == '\0') {
		dir_entry_value(ld, msg, AUTHD_AT_CARD_FINGERPRINT, st->fpr,
		    sizeof(st->fpr));
		for (i = 0; st->fpr[i] != '\0'; i++)
			st->fpr[i] = (char)tolower((unsigned char)st->fpr[i]);
	}
	return fpr_from_hex(st->fpr, fpr);
}

/* An add or modify message as a card; an entry without a certificate
 * proves nothing and is not held. */
static void *
parse_entry(void *arg, LDAP *ld, LDAPMessage *msg, int *skip_r)
{
	struct cv_entry *e;

	(void)arg;
	*skip_r = 0;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (status_from_message(ld, msg, &e->st, e->fpr) != 0) {
		authd_log(LOG_DEBUG, "card view: %s has no usable certificate",
		    e->st.dn);
		free(e);
		*skip_r = 1;
		return NULL;
	}
	return e;
}

static void
on_down(void *arg, const char *err, int first, int fresh)
{
	struct card_view *v = arg;

	(void)fresh;
	if (first)
		authd_log(LOG_WARNING, "card view: %s; card logins are "
		    "refused if it stays down for %d s", err,
		    v->conf->view_staleness);
	else
		authd_log(LOG_DEBUG, "card view: %s", err);
}

static const struct sync_ops card_ops = {
	.name = "card view",
	.one = "card",
	.many = "cards",
	.stale_from_start = 1,
	.parse = parse_entry,
	.link = link_entry,
	.unlink = unlink_entry,
	.changed = changed,
	.free_obj = free,
	.on_down = on_down,
};

int
card_view_new(const struct authd_conf *conf, struct dir_pool *pool,
    card_view_notify_fn notify, void *arg, struct card_view **cv_r)
{
	static const char *const attrs[] = {
		AUTHD_AT_CARD_CERT, AUTHD_AT_CARD_FINGERPRINT, AUTHD_AT_CARD_SERIAL,
		AUTHD_AT_CARD_STATE, CV_AT_SUSPENDED_UNTIL, NULL
	};
	struct card_view *v;
	int r;

	*cv_r = NULL;
	if (conf == NULL || pool == NULL || conf->people_dn == NULL)
		return AUTHD_ERR_INVALID;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return AUTHD_ERR_NOMEM;
	v->conf = conf;
	v->notify = notify;
	v->notify_arg = arg;
	if ((r = sync_new(pool, conf->people_dn, CV_FILTER, attrs,
	    conf->view_staleness, &card_ops, v, &v->sync)) != AUTHD_OK) {
		free(v);
		return r;
	}
	*cv_r = v;
	return AUTHD_OK;
}

int
card_view_start(struct card_view *v)
{
	int r;

	if ((r = sync_start(v->sync)) != AUTHD_OK)
		return r;
	__atomic_store_n(&global_view, v, __ATOMIC_RELEASE);
	return AUTHD_OK;
}

void
card_view_free(struct card_view **vp)
{
	struct card_view *v;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	if (__atomic_load_n(&global_view, __ATOMIC_ACQUIRE) == v)
		__atomic_store_n(&global_view, NULL, __ATOMIC_RELEASE);
	/* stops the search and frees the cards */
	sync_free(&v->sync);
	free(v);
	*vp = NULL;
}

int
card_view_lookup(struct card_view *v, const char *fpr_hex,
    struct card_status *st_r)
{
	struct cv_entry *e;
	int fresh, r;

	if (v == NULL || fpr_hex == NULL)
		return CARD_VIEW_STALE;
	sync_rdlock(v->sync);
	fresh = sync_fresh_locked(v->sync);
	if (fresh == SYNC_STALE) {
		r = CARD_VIEW_STALE;
		goto out;
	}
	if (fresh == SYNC_RECENT) {
		r = CARD_VIEW_RECENT;
		goto out;
	}
	r = CARD_VIEW_NOT_FOUND;
	for (e = v->by_fpr[hash_bytes(fpr_hex, strlen(fpr_hex))]; e != NULL;
	    e = e->next_fpr)
		if (strcmp(e->st.fpr, fpr_hex) == 0) {
			*st_r = e->st;
			r = CARD_VIEW_FOUND;
			/* a second entry with the same certificate: the active
			 * one counts only if no other says otherwise */
			if (!is_active(&e->st))
				break;
		}
 out:
	sync_unlock(v->sync);
	return r;
}

struct active_for {
	const char *holder_dn;
	struct card_reg *regs;
	size_t max;
	size_t *n_r;
};

static void
add_active(void *obj, void *arg)
{
	const struct cv_entry *e = obj;
	struct active_for *a = arg;

	/* DNs as the directory returned them: compared without case */
	if (*a->n_r >= a->max || !is_active(&e->st) ||
	    strcasecmp(e->st.holder_dn, a->holder_dn) != 0)
		return;
	memcpy(a->regs[*a->n_r].fpr, e->fpr, CARD_FPR_LEN);
	snprintf(a->regs[*a->n_r].serial, sizeof(a->regs[*a->n_r].serial),
	    "%s", e->st.serial);
	(*a->n_r)++;
}

int
card_view_active_for(struct card_view *v, const char *holder_dn,
    struct card_reg *regs, size_t max, size_t *n_r)
{
	struct active_for a;
	int fresh;

	*n_r = 0;
	if (v == NULL || holder_dn == NULL)
		return CARD_VIEW_STALE;
	sync_rdlock(v->sync);
	if ((fresh = sync_fresh_locked(v->sync)) != SYNC_LIVE) {
		sync_unlock(v->sync);
		return fresh == SYNC_RECENT ? CARD_VIEW_RECENT : CARD_VIEW_STALE;
	}
	a.holder_dn = holder_dn;
	a.regs = regs;
	a.max = max;
	a.n_r = n_r;
	sync_foreach_locked(v->sync, add_active, &a);
	sync_unlock(v->sync);
	return CARD_VIEW_FOUND;
}

struct card_view *
card_view_global(void)
{
	return __atomic_load_n(&global_view, __ATOMIC_ACQUIRE);
}
