/*
 * The in-memory view of the people entries (see view.h).
 *
 * The persistent search. libldap's ldap_sync_* drives it: ldap_sync_init()
 * runs the refresh phase and returns when it is done, ldap_sync_poll() then
 * delivers the persist phase one message at a time. Three traps of libldap
 * 2.5.13 shape this file:
 *  - ldap_sync_poll() hands the first message of the chain ldap_result()
 *    returned to the handler of every message in that chain. On a handle of
 *    its own that chain holds one message; every callback checks that it is
 *    so, and if it ever is not, the session is dropped and the view reloads
 *    everything (no cookie) rather than trust a lost or doubled message.
 *  - After a slapd restart the session log is gone, and a resume answers
 *    with a present phase (a PRESENTS_IDSET of all live entryUUIDs, or
 *    present messages) instead of deletes. The view therefore keeps every
 *    entry by entryUUID, marks what each session mentions, and at the end
 *    of a present phase drops what was not mentioned (RFC 4533 3.4.1). The
 *    end of a present phase reaches the callback as LDAP_SYNC_CAPI_DONE for
 *    both kinds of refreshDone, so the callback reads the message's tag.
 *  - ldap_sync_poll() waits ls_timeout seconds (an explicit timeout, so the
 *    handle's LDAP_OPT_TIMEOUT does not apply; ls_timelimit stays 0, no
 *    server-side limit, which a persistent search must not have). The poll
 *    timeout of one second bounds how long the thread takes to notice that
 *    authd is stopping; view_free() also shuts the socket down, which wakes
 *    a refresh in progress at once.
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

#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "conf.h"
#include "dir.h"
#include "err.h"
#include "log.h"
#include "schema.h"
#include "view.h"

#define VIEW_UUID_LEN      16
#define VIEW_KEY_MAX       255
#define VIEW_BUCKETS_MIN   256
#define VIEW_POLL_SECONDS  1
#define VIEW_BACKOFF_MIN_MS 100
#define VIEW_BACKOFF_MAX_MS 5000
#define VIEW_FILTER        "(objectClass=posixAccount)"

struct view_entry;

/* One normalised uid value of an entry, in the uid index. */
struct view_key {
	struct view_key *next;
	struct view_entry *entry;
	char *key;
};

struct view_entry {
	struct view_entry *next_uuid;
	struct view_entry *next_uidn;
	unsigned char uuid[VIEW_UUID_LEN];
	unsigned gen;                /* the session that last mentioned it */
	int bad;                     /* could not be parsed: ask the directory */
	struct view_key *keys;
	size_t nkeys;
	struct dir_account acct;
};

struct view {
	const struct authd_conf *conf;
	struct dir_pool *pool;
	view_notify_fn notify;       /* a usable person no longer is */
	void *notify_arg;

	/* The entries and the freshness, behind lock. */
	pthread_rwlock_t lock;
	struct view_entry **by_uuid;
	struct view_entry **by_uidn;
	struct view_key **by_uid;
	size_t nbuckets;
	size_t nentries;
	int live;                    /* connected and refreshed */
	int ever_live;
	struct timespec lost_at;     /* CLOCK_MONOTONIC, when live ended */

	/* Thread control, behind mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
	int sock;                    /* the search's socket, -1 when none */
	pthread_t thread;
	int started;

	/* The search thread's own. */
	ldap_sync_t ls;
	unsigned gen;
	int desync;                  /* a chained message: reload everything */
	int ended;                   /* the server ended the search */
	char err[512];
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
uuid_slot(const struct view *v, const unsigned char *uuid)
{
	return (size_t)(hash_bytes(uuid, VIEW_UUID_LEN) % v->nbuckets);
}

static size_t
uid_slot(const struct view *v, const char *key)
{
	return (size_t)(hash_bytes(key, strlen(key)) % v->nbuckets);
}

static size_t
uidn_slot(const struct view *v, long n)
{
	return (size_t)(hash_bytes(&n, sizeof(n)) % v->nbuckets);
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
entry_free(struct view_entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nkeys; i++)
		free(e->keys[i].key);
	free(e->keys);
	free(e);
}

/* Index operations; all under the write lock. */

static void
unlink_entry(struct view *v, struct view_entry *e)
{
	struct view_entry **ep;
	struct view_key **kp;
	size_t i;

	for (ep = &v->by_uuid[uuid_slot(v, e->uuid)]; *ep != NULL;
	    ep = &(*ep)->next_uuid)
		if (*ep == e) {
			*ep = e->next_uuid;
			break;
		}
	if (e->acct.uid_number >= 0)
		for (ep = &v->by_uidn[uidn_slot(v, e->acct.uid_number)];
		    *ep != NULL; ep = &(*ep)->next_uidn)
			if (*ep == e) {
				*ep = e->next_uidn;
				break;
			}
	for (i = 0; i < e->nkeys; i++)
		for (kp = &v->by_uid[uid_slot(v, e->keys[i].key)]; *kp != NULL;
		    kp = &(*kp)->next)
			if (*kp == &e->keys[i]) {
				*kp = e->keys[i].next;
				break;
			}
	v->nentries--;
}

static void
link_entry(struct view *v, struct view_entry *e)
{
	size_t i, s;

	s = uuid_slot(v, e->uuid);
	e->next_uuid = v->by_uuid[s];
	v->by_uuid[s] = e;
	e->next_uidn = NULL;
	if (e->acct.uid_number >= 0) {
		s = uidn_slot(v, e->acct.uid_number);
		e->next_uidn = v->by_uidn[s];
		v->by_uidn[s] = e;
	}
	for (i = 0; i < e->nkeys; i++) {
		s = uid_slot(v, e->keys[i].key);
		e->keys[i].next = v->by_uid[s];
		v->by_uid[s] = &e->keys[i];
	}
	v->nentries++;
}

static struct view_entry *
find_uuid(const struct view *v, const unsigned char *uuid)
{
	struct view_entry *e;

	for (e = v->by_uuid[uuid_slot(v, uuid)]; e != NULL; e = e->next_uuid)
		if (memcmp(e->uuid, uuid, VIEW_UUID_LEN) == 0)
			return e;
	return NULL;
}

/* Double the tables when they fill up; failure only costs speed. */
static void
maybe_grow(struct view *v)
{
	struct view_entry **all, *e, *next;
	size_t i, n = 0, old = v->nbuckets, count = v->nentries;
	struct view_entry **u, **d;
	struct view_key **k;

	if (v->nentries < v->nbuckets)
		return;
	if ((all = calloc(count, sizeof(*all))) == NULL)
		return;
	u = calloc(old * 2, sizeof(*u));
	d = calloc(old * 2, sizeof(*d));
	k = calloc(old * 2, sizeof(*k));
	if (u == NULL || d == NULL || k == NULL) {
		free(all);
		free(u);
		free(d);
		free(k);
		return;
	}
	for (i = 0; i < old; i++)
		for (e = v->by_uuid[i]; e != NULL; e = next) {
			next = e->next_uuid;
			all[n++] = e;
		}
	free(v->by_uuid);
	free(v->by_uidn);
	free(v->by_uid);
	v->by_uuid = u;
	v->by_uidn = d;
	v->by_uid = k;
	v->nbuckets = old * 2;
	v->nentries = 0;
	for (i = 0; i < n; i++)
		link_entry(v, all[i]);
	free(all);
}

static void
mark_lost(struct view *v)
{
	pthread_rwlock_wrlock(&v->lock);
	if (v->live) {
		v->live = 0;
		clock_gettime(CLOCK_MONOTONIC, &v->lost_at);
	}
	pthread_rwlock_unlock(&v->lock);
}

/*
 * Under the read lock. FRESH_LIVE: the search is connected and refreshed,
 * the view holds everything. FRESH_RECENT: it broke less than
 * view_staleness ago; what the view holds may be used, but someone added
 * since is missing, so an absent name is the directory's to answer.
 * Otherwise 0.
 */
#define FRESH_LIVE   2
#define FRESH_RECENT 1

static int
fresh_locked(const struct view *v)
{
	struct timespec now;
	long long ms;

	if (v->live)
		return FRESH_LIVE;
	if (!v->ever_live)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - v->lost_at.tv_sec) * 1000 +
	    (now.tv_nsec - v->lost_at.tv_nsec) / 1000000;
	return ms < (long long)v->conf->view_staleness * 1000 ? FRESH_RECENT : 0;
}

/* The search thread's side: turning sync messages into entries. */

static int
stopping(struct view *v)
{
	return __atomic_load_n(&v->stopping, __ATOMIC_ACQUIRE);
}

/* libldap 2.5.13 passes the chain's first message for each (see the top). */
static int
check_single(struct view *v, LDAPMessage *msg)
{
	if (ldap_next_message(v->ls.ls_ld, msg) == NULL)
		return 0;
	if (!v->desync)
		authd_log(LOG_WARNING, "view: libldap delivered a chain of "
		    "messages; reloading the view");
	v->desync = 1;
	return -1;
}

/* A fresh entry from an add or modify message, not yet linked. */
static struct view_entry *
entry_from_message(struct view *v, LDAPMessage *msg,
    const unsigned char *uuid)
{
	struct view_entry *e;
	struct berval **vals;
	char key[VIEW_KEY_MAX + 1], err[256];
	size_t i, n;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	memcpy(e->uuid, uuid, VIEW_UUID_LEN);
	if (dir_account_from_entry(v->ls.ls_ld, msg, &e->acct, err,
	    sizeof(err)) != DIR_OK) {
		authd_log(LOG_WARNING, "view: %s; the directory will be asked "
		    "for this entry", err);
		e->bad = 1;
	}
	vals = ldap_get_values_len(v->ls.ls_ld, msg, "uid");
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

/* Outside the lock: old (usable) became now (NULL: gone). */
static void
tell(struct view *v, const struct view_entry *old, const struct view_entry *now)
{
	if (v->notify == NULL || old == NULL || old->bad ||
	    !usable_state(old->acct.state))
		return;
	if (now == NULL)
		v->notify(v->notify_arg, old->acct.dn, "deleted");
	else if (!now->bad && !usable_state(now->acct.state))
		v->notify(v->notify_arg, now->acct.dn, now->acct.state);
}

static void
remove_uuid(struct view *v, const unsigned char *uuid)
{
	struct view_entry *e;

	pthread_rwlock_wrlock(&v->lock);
	if ((e = find_uuid(v, uuid)) != NULL)
		unlink_entry(v, e);
	pthread_rwlock_unlock(&v->lock);
	if (e != NULL)
		tell(v, e, NULL);
	entry_free(e);
}

static void
mark_present(struct view *v, const unsigned char *uuid)
{
	struct view_entry *e;

	pthread_rwlock_wrlock(&v->lock);
	if ((e = find_uuid(v, uuid)) != NULL)
		e->gen = v->gen;
	pthread_rwlock_unlock(&v->lock);
}

/* End of a present phase: what this session did not mention is gone. */
static void
drop_unmentioned(struct view *v)
{
	struct view_entry *e, *next, *gone = NULL;
	size_t i, n = 0;

	pthread_rwlock_wrlock(&v->lock);
	for (i = 0; i < v->nbuckets; i++)
		for (e = v->by_uuid[i]; e != NULL; e = next) {
			next = e->next_uuid;
			if (e->gen == v->gen)
				continue;
			unlink_entry(v, e);
			e->next_uuid = gone;
			gone = e;
			n++;
		}
	pthread_rwlock_unlock(&v->lock);
	for (e = gone; e != NULL; e = next) {
		next = e->next_uuid;
		tell(v, e, NULL);
		entry_free(e);
	}
	if (n > 0)
		authd_log(LOG_DEBUG, "view: %zu entr%s no longer present",
		    n, n == 1 ? "y" : "ies");
}

static int
on_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *uuid,
    ldap_sync_refresh_t phase)
{
	struct view *v = ls->ls_private;
	struct view_entry *e, *old;

	if (check_single(v, msg) != 0)
		return LDAP_OTHER;
	if (uuid == NULL || uuid->bv_len != VIEW_UUID_LEN) {
		authd_log(LOG_WARNING, "view: entry without a usable "
		    "entryUUID; reloading the view");
		v->desync = 1;
		return LDAP_OTHER;
	}
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENT:
		mark_present(v, (unsigned char *)uuid->bv_val);
		return LDAP_SUCCESS;
	case LDAP_SYNC_CAPI_DELETE:
		remove_uuid(v, (unsigned char *)uuid->bv_val);
		return LDAP_SUCCESS;
	case LDAP_SYNC_CAPI_ADD:
	case LDAP_SYNC_CAPI_MODIFY:
		break;
	default:
		return LDAP_SUCCESS;
	}
	/* Changed entries may come as adds: an add replaces. */
	if ((e = entry_from_message(v, msg, (unsigned char *)uuid->bv_val)) ==
	    NULL) {
		authd_log(LOG_ERR, "view: out of memory; reloading the view");
		v->desync = 1;
		return LDAP_NO_MEMORY;
	}
	e->gen = v->gen;
	pthread_rwlock_wrlock(&v->lock);
	if ((old = find_uuid(v, e->uuid)) != NULL)
		unlink_entry(v, old);
	link_entry(v, e);
	maybe_grow(v);
	pthread_rwlock_unlock(&v->lock);
	/* e stays valid: only this thread frees entries */
	tell(v, old, e);
	entry_free(old);
	return LDAP_SUCCESS;
}

/* The Sync Info message's own tag (refreshPresent, refreshDelete, ...). */
static ber_tag_t
info_tag(LDAP *ld, LDAPMessage *msg)
{
	struct berval *data = NULL;
	BerElement *ber;
	ber_tag_t tag = LBER_DEFAULT;
	ber_len_t len;
	char *oid = NULL;

	if (ldap_parse_intermediate(ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS)
		return LBER_DEFAULT;
	if (oid != NULL && strcmp(oid, LDAP_SYNC_INFO) == 0 && data != NULL &&
	    (ber = ber_init(data)) != NULL) {
		tag = ber_peek_tag(ber, &len);
		ber_free(ber, 1);
	}
	ldap_memfree(oid);
	ber_bvfree(data);
	return tag;
}

static int
on_intermediate(ldap_sync_t *ls, LDAPMessage *msg, BerVarray uuids,
    ldap_sync_refresh_t phase)
{
	struct view *v = ls->ls_private;
	size_t i;

	if (check_single(v, msg) != 0)
		return LDAP_OTHER;
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENTS_IDSET:
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++)
			if (uuids[i].bv_len == VIEW_UUID_LEN)
				mark_present(v, (unsigned char *)uuids[i].bv_val);
		break;
	case LDAP_SYNC_CAPI_DELETES_IDSET:
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++)
			if (uuids[i].bv_len == VIEW_UUID_LEN)
				remove_uuid(v, (unsigned char *)uuids[i].bv_val);
		break;
	default:
		/* refreshPresent ends a present phase, done or not */
		if (info_tag(ls->ls_ld, msg) == LDAP_TAG_SYNC_REFRESH_PRESENT)
			drop_unmentioned(v);
		break;
	}
	return LDAP_SUCCESS;
}

static int
on_result(ldap_sync_t *ls, LDAPMessage *msg, int refresh_deletes)
{
	struct view *v = ls->ls_private;

	if (check_single(v, msg) != 0)
		return LDAP_OTHER;
	/* a search that ends after a present phase ends that phase too */
	if (refresh_deletes == 0)
		drop_unmentioned(v);
	v->ended = 1;
	return LDAP_SUCCESS;
}

static void
forget_cookie(struct view *v)
{
	if (v->ls.ls_cookie.bv_val != NULL)
		ldap_memfree(v->ls.ls_cookie.bv_val);
	v->ls.ls_cookie.bv_val = NULL;
	v->ls.ls_cookie.bv_len = 0;
}

/* Publish the socket so that view_free() can wake a blocked call. */
static int
publish_socket(struct view *v, LDAP *ld)
{
	int fd = -1, stop;

	(void)ldap_get_option(ld, LDAP_OPT_DESC, &fd);
	pthread_mutex_lock(&v->mu);
	v->sock = fd;
	stop = v->stopping;
	pthread_mutex_unlock(&v->mu);
	return stop ? -1 : 0;
}

static void
close_session(struct view *v)
{
	pthread_mutex_lock(&v->mu);
	v->sock = -1;
	pthread_mutex_unlock(&v->mu);
	if (v->ls.ls_ld != NULL) {
		ldap_unbind_ext(v->ls.ls_ld, NULL, NULL);
		v->ls.ls_ld = NULL;
	}
}

/*
 * One session: connect, refresh, follow changes until the search breaks or
 * authd stops. Returns 1 when the view was live during it, else 0.
 */
static int
run_session(struct view *v)
{
	LDAP *ld = NULL;
	size_t n;
	int rc, was_live = 0;

	snprintf(v->err, sizeof(v->err), "search failed");
	if (dir_service_open(v->pool, &ld, v->err, sizeof(v->err)) != DIR_OK)
		return 0;
	v->ls.ls_ld = ld;
	if (publish_socket(v, ld) != 0)
		goto out;
	v->gen++;
	v->desync = v->ended = 0;
	rc = ldap_sync_init(&v->ls, LDAP_SYNC_REFRESH_AND_PERSIST);
	if (rc != LDAP_SUCCESS || v->desync || v->ended) {
		if (rc == LDAP_SYNC_REFRESH_REQUIRED) {
			/* the server cannot resume from the cookie: reload */
			forget_cookie(v);
			snprintf(v->err, sizeof(v->err), "full reload required");
		} else
			snprintf(v->err, sizeof(v->err), "refresh: %s",
			    v->desync ? "reload needed" : v->ended ?
			    "ended by the server" : rc == -1 ? "connection lost" :
			    ldap_err2string(rc));
		goto out;
	}
	pthread_rwlock_wrlock(&v->lock);
	v->live = v->ever_live = 1;
	n = v->nentries;
	pthread_rwlock_unlock(&v->lock);
	was_live = 1;
	authd_log(LOG_INFO, "view: in step with the directory, %zu "
	    "entr%s", n, n == 1 ? "y" : "ies");
	while (!stopping(v)) {
		/* 0: a message handled, or a second without one */
		rc = ldap_sync_poll(&v->ls);
		if (rc == 0 && !v->desync && !v->ended)
			continue;
		if (rc == LDAP_SYNC_REFRESH_REQUIRED)
			forget_cookie(v);
		snprintf(v->err, sizeof(v->err), "persistent search: %s",
		    v->desync ? "reload needed" : rc == -1 ? "connection lost" :
		    rc == 0 ? "ended by the server" : ldap_err2string(rc));
		break;
	}
 out:
	if (v->desync)
		forget_cookie(v);
	mark_lost(v);
	close_session(v);
	return was_live;
}

static void *
view_main(void *arg)
{
	struct view *v = arg;
	struct timespec until;
	long backoff = VIEW_BACKOFF_MIN_MS;
	int failing = 0, stale_said = 0, fresh;

	while (!stopping(v)) {
		if (run_session(v)) {
			backoff = VIEW_BACKOFF_MIN_MS;
			failing = 0;
			stale_said = 0;
		}
		if (stopping(v))
			break;
		pthread_rwlock_rdlock(&v->lock);
		fresh = fresh_locked(v);
		pthread_rwlock_unlock(&v->lock);
		if (!failing && fresh)
			authd_log(LOG_WARNING, "view: %s; answering from the view "
			    "for up to %d s, then from the directory", v->err,
			    v->conf->view_staleness);
		else if (!failing)
			authd_log(LOG_WARNING, "view: %s; the directory answers "
			    "until the search works", v->err);
		else
			authd_log(LOG_DEBUG, "view: %s", v->err);
		if (!failing && !fresh)
			stale_said = 1;
		failing = 1;
		if (!fresh && !stale_said) {
			authd_log(LOG_WARNING, "view: stale; every lookup goes "
			    "to the directory until the search is back");
			stale_said = 1;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += backoff / 1000;
		until.tv_nsec += (backoff % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&v->mu);
		while (!v->stopping &&
		    pthread_cond_timedwait(&v->cv, &v->mu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&v->mu);
		backoff = backoff * 2 > VIEW_BACKOFF_MAX_MS ?
		    VIEW_BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}

/* Strings of ldap_sync_t are freed by ldap_sync_destroy(): libldap's. */
static int
setup_search(struct view *v)
{
	const char *const *attrs = dir_account_attr_list();
	size_t i, n;

	ldap_sync_initialize(&v->ls);
	for (n = 0; attrs[n] != NULL; n++)
		;
	v->ls.ls_base = ldap_strdup(v->conf->people_dn);
	v->ls.ls_filter = ldap_strdup(VIEW_FILTER);
	v->ls.ls_attrs = ldap_memcalloc(n + 1, sizeof(char *));
	if (v->ls.ls_base == NULL || v->ls.ls_filter == NULL ||
	    v->ls.ls_attrs == NULL)
		return AUTHD_ERR_NOMEM;
	for (i = 0; i < n; i++)
		if ((v->ls.ls_attrs[i] = ldap_strdup(attrs[i])) == NULL)
			return AUTHD_ERR_NOMEM;
	v->ls.ls_scope = LDAP_SCOPE_SUBTREE;
	v->ls.ls_timelimit = 0;
	v->ls.ls_sizelimit = 0;
	v->ls.ls_timeout = VIEW_POLL_SECONDS;
	v->ls.ls_search_entry = on_entry;
	v->ls.ls_intermediate = on_intermediate;
	v->ls.ls_search_result = on_result;
	v->ls.ls_private = v;
	return AUTHD_OK;
}

int
view_new(const struct authd_conf *conf, struct dir_pool *pool,
    struct view **view_r)
{
	struct view *v;

	*view_r = NULL;
	if (conf == NULL || pool == NULL || conf->people_dn == NULL)
		return AUTHD_ERR_INVALID;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return AUTHD_ERR_NOMEM;
	v->conf = conf;
	v->pool = pool;
	v->sock = -1;
	v->nbuckets = VIEW_BUCKETS_MIN;
	pthread_rwlock_init(&v->lock, NULL);
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	v->by_uuid = calloc(v->nbuckets, sizeof(*v->by_uuid));
	v->by_uidn = calloc(v->nbuckets, sizeof(*v->by_uidn));
	v->by_uid = calloc(v->nbuckets, sizeof(*v->by_uid));
	if (v->by_uuid == NULL || v->by_uidn == NULL || v->by_uid == NULL ||
	    setup_search(v) != AUTHD_OK) {
		view_free(&v);
		return AUTHD_ERR_NOMEM;
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
	if (pthread_create(&v->thread, NULL, view_main, v) != 0)
		return AUTHD_ERR_NOMEM;
	v->started = 1;
	return AUTHD_OK;
}

void
view_free(struct view **vp)
{
	struct view *v;
	struct view_entry *e, *next;
	size_t i;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	if (v->started) {
		pthread_mutex_lock(&v->mu);
		__atomic_store_n(&v->stopping, 1, __ATOMIC_RELEASE);
		/* wakes a refresh or poll blocked on the socket */
		if (v->sock != -1)
			(void)shutdown(v->sock, SHUT_RDWR);
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->thread, NULL);
	}
	close_session(v);
	ldap_sync_destroy(&v->ls, 0);
	for (i = 0; v->by_uuid != NULL && i < v->nbuckets; i++)
		for (e = v->by_uuid[i]; e != NULL; e = next) {
			next = e->next_uuid;
			entry_free(e);
		}
	free(v->by_uuid);
	free(v->by_uidn);
	free(v->by_uid);
	pthread_cond_destroy(&v->cv);
	pthread_mutex_destroy(&v->mu);
	pthread_rwlock_destroy(&v->lock);
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
	pthread_rwlock_rdlock(&v->lock);
	if ((fresh = fresh_locked(v)) == 0) {
		r = VIEW_NOT_FRESH;
		goto out;
	}
	for (k = v->by_uid[uid_slot(v, key)]; k != NULL; k = k->next) {
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
		if (fresh != FRESH_LIVE)
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
	pthread_rwlock_unlock(&v->lock);
	return r;
}

int
view_account_by_uid_number(struct view *v, long uid_number,
    struct dir_account *acct_r)
{
	struct view_entry *e, *found = NULL;
	int fresh, r = VIEW_NOT_FOUND;

	if (v == NULL || uid_number < 0)
		return VIEW_NOT_FRESH;
	pthread_rwlock_rdlock(&v->lock);
	if ((fresh = fresh_locked(v)) == 0) {
		r = VIEW_NOT_FRESH;
		goto out;
	}
	for (e = v->by_uidn[uidn_slot(v, uid_number)]; e != NULL;
	    e = e->next_uidn) {
		if (e->acct.uid_number != uid_number)
			continue;
		if (found != NULL || e->bad) {
			r = VIEW_NOT_FRESH;
			goto out;
		}
		found = e;
	}
	if (found != NULL) {
		*acct_r = found->acct;
		r = VIEW_FOUND;
	} else if (fresh != FRESH_LIVE)
		r = VIEW_NOT_FRESH;
 out:
	pthread_rwlock_unlock(&v->lock);
	return r;
}

void
view_stats(struct view *v, size_t *n_r, int *fresh_r)
{
	if (v == NULL) {
		*n_r = 0;
		*fresh_r = 0;
		return;
	}
	pthread_rwlock_rdlock(&v->lock);
	*n_r = v->nentries;
	*fresh_r = fresh_locked(v) == FRESH_LIVE;
	pthread_rwlock_unlock(&v->lock);
}
