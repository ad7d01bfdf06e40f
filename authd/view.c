/*
 * The in-memory view of the people entries (see view.h).
 *
 * The persistent search is sync.c's (connection, refresh and persist,
 * cookie, reconnection, present and delete phases, libldap 2.5.13's
 * traps); this file turns people entries into accounts, indexes them by
 * uid, and says when a usable person no longer is.
 *
 * Races with the write path, and why the view is good enough for them:
 *  - The login display ("N failed attempts since the last success") is read
 *    before the bind, as it was with a search: a successful bind clears
 *    pwdFailureTime, and that change reaches the view within the sync
 *    latency (well under a millisecond here). Two logins of the same person
 *    in quick succession may both show the same count and last login; a
 *    search made at the same moment would have shown the same. Nothing is
 *    hidden: a stale display can only overstate failures, never drop one
 *    that was written before the view's copy.
 *  - A failed bind writes pwdFailureTime (and, at the limit,
 *    pwdAccountLockedTime) before slapd answers. The next attempt of the
 *    same conversation comes after fail_delay_ms, long after the view has
 *    the change. A lockout right after a success: the lock is decided by
 *    slapd at the bind (DIR_LOCKED is the authority); acct_mgmt's "locked"
 *    from the view is a hint, and a view a millisecond behind can only be
 *    behind by one change, in either direction, exactly as a search issued
 *    a millisecond earlier.
 *  - A disabled or deleted person is refused as soon as the change arrives
 *    (design decision 2: pushed, within about a second, here within
 *    milliseconds); a view that cannot follow changes stops answering after
 *    view_staleness seconds.
 *
 * Names. uid is compared with caseIgnoreMatch: ASCII case folded, leading
 * and trailing spaces ignored, inner runs of spaces as one. The view keys
 * every uid value so normalised; a name asked for that holds a space or a
 * byte outside ASCII is left to the directory (VIEW_NOT_FRESH), as is a name
 * that two entries share (the directory reports that as an error) and an
 * entry the view could not parse.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "conf.h"
#include "dir.h"
#include "err.h"
#include "log.h"
#include "privileged.h"
#include "schema.h"
#include "sync.h"
#include "view.h"

#define VIEW_KEY_MAX       255
#define VIEW_BUCKETS_MIN   256
#define VIEW_FILTER        "(objectClass=posixAccount)"
#define VIEW_NAME_WARNINGS 20    /* accounts named off privileged_names, a run */

struct view_entry;

/* One normalised uid value of an entry, in the uid index. */
struct view_key {
	struct view_key *next;
	struct view_entry *entry;
	char *key;
};

struct view_entry {
	int bad;                     /* could not be parsed: ask the directory */
	struct view_key *keys;
	size_t nkeys;
	struct dir_account acct;
};

struct view {
	const struct authd_conf *conf;
	struct sync *sync;
	view_notify_fn notify;       /* a usable person no longer is */
	void *notify_arg;
	int stale_said;              /* the search thread's: "stale" logged */
	int name_warnings;           /* the search thread's: name_pattern_said */

	/* The index by uid, behind the sync's lock. */
	struct view_key **by_uid;
	size_t nbuckets;
	size_t nlinked;
};

static uint64_t
hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0) {
		h ^= *b++;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t
uid_slot(size_t nbuckets, const char *key)
{
	return (size_t)(hash_bytes(key, strlen(key)) % nbuckets);
}

/*
 * caseIgnoreMatch for ASCII: lower case, no leading or trailing spaces,
 * inner runs of spaces as one. -1 when the result would not fit.
 */
static int
normalise_uid(const char *in, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;
	int space = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch == ' ') {
			space = o > 0;
			continue;
		}
		if (space) {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = ' ';
			space = 0;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)tolower(ch);
	}
	out[o] = '\0';
	return 0;
}

/* A name the view can answer for: ASCII without spaces or controls. */
static int
query_key(const char *user, char *key, size_t keysz)
{
	const unsigned char *p;
	size_t len;

	if (user == NULL || (len = strlen(user)) == 0 || len >= keysz)
		return -1;
	for (p = (const unsigned char *)user; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return -1;
	return normalise_uid(user, len, key, keysz);
}

static void
entry_free(void *obj)
{
	struct view_entry *e = obj;
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nkeys; i++)
		free(e->keys[i].key);
	free(e->keys);
	free(e);
}

/* Index operations; all under the sync's write lock. */

static void
index_entry(struct view_key **by_uid, size_t nbuckets, struct view_entry *e)
{
	size_t i, s;

	for (i = 0; i < e->nkeys; i++) {
		s = uid_slot(nbuckets, e->keys[i].key);
		e->keys[i].next = by_uid[s];
		by_uid[s] = &e->keys[i];
	}
}

struct regrow {
	struct view_key **by_uid;
	size_t nbuckets;
	const struct view_entry *skip;   /* being linked: not yet indexed */
};

static void
reindex_one(void *obj, void *arg)
{
	struct regrow *g = arg;

	if (obj != g->skip)
		index_entry(g->by_uid, g->nbuckets, obj);
}

/* Double the index when it fills up; failure only costs speed. */
static void
maybe_grow(struct view *v, const struct view_entry *linking)
{
	struct regrow g;

	if (v->nlinked < v->nbuckets)
		return;
	g.nbuckets = v->nbuckets * 2;
	g.skip = linking;
	if ((g.by_uid = calloc(g.nbuckets, sizeof(*g.by_uid))) == NULL)
		return;
	sync_foreach_locked(v->sync, reindex_one, &g);
	free(v->by_uid);
	v->by_uid = g.by_uid;
	v->nbuckets = g.nbuckets;
}

static void
link_entry(void *arg, void *obj)
{
	struct view *v = arg;
	struct view_entry *e = obj;

	maybe_grow(v, e);
	index_entry(v->by_uid, v->nbuckets, e);
	v->nlinked++;
}

static void
unlink_entry(void *arg, void *obj)
{
	struct view *v = arg;
	struct view_entry *e = obj;
	struct view_key **kp;
	size_t i;

	for (i = 0; i < e->nkeys; i++)
		for (kp = &v->by_uid[uid_slot(v->nbuckets, e->keys[i].key)];
		    *kp != NULL; kp = &(*kp)->next)
			if (*kp == &e->keys[i]) {
				*kp = e->keys[i].next;
				break;
			}
	v->nlinked--;
}

/* The search thread's side: an add or modify message as an entry. */
static void *
parse_entry(void *arg, LDAP *ld, LDAPMessage *msg, int *skip_r)
{
	struct view_entry *e;
	struct berval **vals;
	char key[VIEW_KEY_MAX + 1], err[256];
	size_t i, n;

	(void)arg;
	*skip_r = 0;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (dir_account_from_entry(ld, msg, &e->acct, err, sizeof(err)) !=
	    DIR_OK) {
		authd_log(LOG_WARNING, "view: %s; the directory will be asked "
		    "for this entry", err);
		e->bad = 1;
	}
	vals = ldap_get_values_len(ld, msg, "uid");
	n = vals != NULL ? (size_t)ldap_count_values_len(vals) : 0;
	if (n > 0 && (e->keys = calloc(n, sizeof(*e->keys))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		/* a value that does not fit is not a name anyone can ask for */
		if (normalise_uid(vals[i]->bv_val, vals[i]->bv_len, key,
		    sizeof(key)) != 0 || key[0] == '\0' ||
		    memchr(vals[i]->bv_val, '\0', vals[i]->bv_len) != NULL)
			continue;
		if ((e->keys[e->nkeys].key = strdup(key)) == NULL)
			goto fail;
		e->keys[e->nkeys].entry = e;
		e->nkeys++;
	}
	ldap_value_free_len(vals);
	return e;
 fail:
	ldap_value_free_len(vals);
	entry_free(e);
	return NULL;
}

static int
usable_state(const char *state)
{
	return strcmp(state, AUTHD_STATE_SUSPENDED) != 0 &&
	    strcmp(state, AUTHD_STATE_DISABLED) != 0 &&
	    strcmp(state, AUTHD_STATE_PENDING_DEL) != 0;
}

/* Whether e's type and name disagree under privileged_names. */
static int
name_off_pattern(const struct view *v, const struct view_entry *e)
{
	return e != NULL && !e->bad && v->conf->privileged_names != NULL &&
	    priv_is_privileged(&e->acct) !=
	    priv_name_patterned(v->conf, e->acct.uid);
}

/*
 * An account whose type and name disagree under privileged_names shows by
 * its prompts and lockout that it exists, where a decoy of its name would
 * look otherwise (authd.conf(5)): said when it arrives so (every such
 * account at a start) or becomes so, at most VIEW_NAME_WARNINGS times a run.
 */
static void
name_pattern_said(struct view *v, const struct view_entry *old,
    const struct view_entry *now)
{
	int privileged;

	if (!name_off_pattern(v, now) || name_off_pattern(v, old) ||
	    v->name_warnings > VIEW_NAME_WARNINGS)
		return;
	if (v->name_warnings++ == VIEW_NAME_WARNINGS) {
		authd_log(LOG_WARNING, "view: further accounts whose type and "
		    "name disagree under privileged_names are not named");
		return;
	}
	privileged = priv_is_privileged(&now->acct);
	authd_log(LOG_WARNING, "view: %s is %sprivileged but its name is %sof "
	    "privileged_names: its prompts and lockout show that it exists, "
	    "as unknown names like it are played as %s", now->acct.uid,
	    privileged ? "" : "not ", privileged ? "not " : "",
	    privileged ? "a person's" : "a privileged account's");
}

/* Outside the lock: old (usable) became now (NULL: gone). */
static void
changed(void *arg, const void *oldp, const void *nowp)
{
	struct view *v = arg;
	const struct view_entry *old = oldp, *now = nowp;

	name_pattern_said(v, old, now);
	if (v->notify == NULL || old == NULL || old->bad ||
	    !usable_state(old->acct.state))
		return;
	if (now == NULL)
		v->notify(v->notify_arg, old->acct.dn, "deleted");
	else if (!now->bad && !usable_state(now->acct.state))
		v->notify(v->notify_arg, now->acct.dn, now->acct.state);
}

static void
on_down(void *arg, const char *err, int first, int fresh)
{
	struct view *v = arg;

	if (first) {
		v->stale_said = !fresh;
		if (fresh)
			authd_log(LOG_WARNING, "view: %s; answering from the view "
			    "for up to %d s, then from the directory", err,
			    v->conf->view_staleness);
		else
			authd_log(LOG_WARNING, "view: %s; the directory answers "
			    "until the search works", err);
		return;
	}
	authd_log(LOG_DEBUG, "view: %s", err);
	if (!fresh && !v->stale_said) {
		authd_log(LOG_WARNING, "view: stale; every lookup goes to the "
		    "directory until the search is back");
		v->stale_said = 1;
	}
}

static const struct sync_ops view_ops = {
	.name = "view",
	.one = "entry",
	.many = "entries",
	.stale_from_start = 0,
	.parse = parse_entry,
	.link = link_entry,
	.unlink = unlink_entry,
	.changed = changed,
	.free_obj = entry_free,
	.on_down = on_down,
};

int
view_new(const struct authd_conf *conf, struct dir_pool *pool,
    struct view **view_r)
{
	struct view *v;
	int r;

	*view_r = NULL;
	if (conf == NULL || pool == NULL || conf->people_dn == NULL)
		return AUTHD_ERR_INVALID;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return AUTHD_ERR_NOMEM;
	v->conf = conf;
	v->nbuckets = VIEW_BUCKETS_MIN;
	if ((v->by_uid = calloc(v->nbuckets, sizeof(*v->by_uid))) == NULL) {
		view_free(&v);
		return AUTHD_ERR_NOMEM;
	}
	if ((r = sync_new(pool, conf->people_dn, VIEW_FILTER,
	    dir_account_attr_list(), conf->view_staleness, &view_ops, v,
	    &v->sync)) != AUTHD_OK) {
		view_free(&v);
		return r;
	}
	*view_r = v;
	return AUTHD_OK;
}

void
view_set_notify(struct view *v, view_notify_fn fn, void *arg)
{
	v->notify = fn;
	v->notify_arg = arg;
}

int
view_start(struct view *v)
{
	return sync_start(v->sync);
}

void
view_free(struct view **vp)
{
	struct view *v;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	/* stops the search and frees the entries */
	sync_free(&v->sync);
	free(v->by_uid);
	free(v);
	*vp = NULL;
}

int
view_account_lookup(struct view *v, const char *user,
    struct dir_account *acct_r)
{
	char key[VIEW_KEY_MAX + 1];
	struct view_key *k;
	struct view_entry *found = NULL;
	int fresh, r = VIEW_NOT_FOUND;

	if (v == NULL || query_key(user, key, sizeof(key)) != 0)
		return VIEW_NOT_FRESH;
	sync_rdlock(v->sync);
	if ((fresh = sync_fresh_locked(v->sync)) == SYNC_STALE) {
		r = VIEW_NOT_FRESH;
		goto out;
	}
	for (k = v->by_uid[uid_slot(v->nbuckets, key)]; k != NULL;
	    k = k->next) {
		if (strcmp(k->key, key) != 0)
			continue;
		if (found != NULL && found != k->entry) {
			/* two people, one name: the directory says what that is */
			r = VIEW_NOT_FRESH;
			goto out;
		}
		found = k->entry;
	}
	if (found == NULL) {
		if (fresh != SYNC_LIVE)
			r = VIEW_NOT_FRESH;
		goto out;
	}
	if (found->bad) {
		r = VIEW_NOT_FRESH;
		goto out;
	}
	*acct_r = found->acct;
	r = VIEW_FOUND;
 out:
	sync_unlock(v->sync);
	return r;
}

