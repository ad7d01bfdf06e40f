/*
 * The generic persistent search (see sync.h).
 *
 * libldap's ldap_sync_* drives it: ldap_sync_init() runs the refresh phase
 * and returns when it is done, ldap_sync_poll() then delivers the persist
 * phase one message at a time. Three traps of libldap 2.5.13 shape this
 * file:
 *  - ldap_sync_poll() hands the first message of the chain ldap_result()
 *    returned to the handler of every message in that chain. On a handle of
 *    its own that chain holds one message; every callback checks that it is
 *    so, and if it ever is not, the session is dropped and everything is
 *    reloaded (no cookie) rather than trust a lost or doubled message.
 *  - After a slapd restart the session log is gone, and a resume answers
 *    with a present phase (a PRESENTS_IDSET of all live entryUUIDs, or
 *    present messages) instead of deletes. Every entry is therefore kept by
 *    entryUUID with the generation of the session that last mentioned it,
 *    and at the end of a present phase what was not mentioned is dropped
 *    (RFC 4533 3.4.1). The end of a present phase reaches the callback as
 *    LDAP_SYNC_CAPI_DONE for both kinds of refreshDone, so the callback
 *    reads the message's tag.
 *  - ldap_sync_poll() waits ls_timeout seconds (an explicit timeout, so the
 *    handle's LDAP_OPT_TIMEOUT does not apply; ls_timelimit stays 0, no
 *    server-side limit, which a persistent search must not have). The poll
 *    timeout of one second bounds how long the thread takes to notice that
 *    authd is stopping; sync_free() also shuts the socket down, which wakes
 *    a refresh in progress at once.
 * Changed entries may arrive as "add": an add replaces.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "dir.h"
#include "err.h"
#include "log.h"
#include "sync.h"

#define SYNC_BUCKETS_MIN   256
#define SYNC_POLL_SECONDS  1
#define SYNC_BACKOFF_MIN_MS 100
#define SYNC_BACKOFF_MAX_MS 5000

struct sync_entry {
	struct sync_entry *next;
	unsigned char uuid[SYNC_UUID_LEN];
	unsigned gen;                /* the session that last mentioned it */
	void *obj;
};

struct sync {
	struct dir_pool *pool;
	const struct sync_ops *ops;
	void *arg;
	int staleness;

	/* The entries and the freshness, behind lock. */
	pthread_rwlock_t lock;
	struct sync_entry **by_uuid;
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

static size_t
uuid_slot(size_t nbuckets, const unsigned char *uuid)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < SYNC_UUID_LEN; i++) {
		h ^= uuid[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h % nbuckets);
}

static int
stopping(struct sync *s)
{
	return __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE);
}

/* Table operations; all under the write lock. */

static struct sync_entry *
find_uuid(const struct sync *s, const unsigned char *uuid)
{
	struct sync_entry *e;

	for (e = s->by_uuid[uuid_slot(s->nbuckets, uuid)]; e != NULL;
	    e = e->next)
		if (memcmp(e->uuid, uuid, SYNC_UUID_LEN) == 0)
			return e;
	return NULL;
}

static void
unlink_uuid(struct sync *s, struct sync_entry *e)
{
	struct sync_entry **ep;

	for (ep = &s->by_uuid[uuid_slot(s->nbuckets, e->uuid)]; *ep != NULL;
	    ep = &(*ep)->next)
		if (*ep == e) {
			*ep = e->next;
			break;
		}
	s->nentries--;
	s->ops->unlink(s->arg, e->obj);
}

/* Double the table when it fills up; failure only costs speed. */
static void
maybe_grow(struct sync *s)
{
	struct sync_entry **t, *e, *next;
	size_t i, slot, n = s->nbuckets * 2;

	if (s->nentries < s->nbuckets || (t = calloc(n, sizeof(*t))) == NULL)
		return;
	for (i = 0; i < s->nbuckets; i++)
		for (e = s->by_uuid[i]; e != NULL; e = next) {
			next = e->next;
			slot = uuid_slot(n, e->uuid);
			e->next = t[slot];
			t[slot] = e;
		}
	free(s->by_uuid);
	s->by_uuid = t;
	s->nbuckets = n;
}

static void
link_uuid(struct sync *s, struct sync_entry *e)
{
	size_t slot;

	maybe_grow(s);
	slot = uuid_slot(s->nbuckets, e->uuid);
	e->next = s->by_uuid[slot];
	s->by_uuid[slot] = e;
	s->nentries++;
	s->ops->link(s->arg, e->obj);
}

static void
entry_free(struct sync *s, struct sync_entry *e)
{
	if (e == NULL)
		return;
	s->ops->free_obj(e->obj);
	free(e);
}

static void
tell(struct sync *s, const struct sync_entry *old, const struct sync_entry *now)
{
	if (s->ops->changed != NULL)
		s->ops->changed(s->arg, old != NULL ? old->obj : NULL,
		    now != NULL ? now->obj : NULL);
}

static void
mark_lost(struct sync *s)
{
	pthread_rwlock_wrlock(&s->lock);
	if (s->live) {
		s->live = 0;
		clock_gettime(CLOCK_MONOTONIC, &s->lost_at);
	}
	pthread_rwlock_unlock(&s->lock);
}

int
sync_fresh_locked(const struct sync *s)
{
	struct timespec now;
	long long ms;

	if (s->live)
		return SYNC_LIVE;
	if (!s->ever_live && !s->ops->stale_from_start)
		return SYNC_STALE;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - s->lost_at.tv_sec) * 1000 +
	    (now.tv_nsec - s->lost_at.tv_nsec) / 1000000;
	return ms < (long long)s->staleness * 1000 ? SYNC_RECENT : SYNC_STALE;
}

/* The search thread's side: turning sync messages into entries. */

/* libldap 2.5.13 passes the chain's first message for each (see the top). */
static int
check_single(struct sync *s, LDAPMessage *msg)
{
	if (ldap_next_message(s->ls.ls_ld, msg) == NULL)
		return 0;
	if (!s->desync)
		authd_log(LOG_WARNING, "%s: libldap delivered a chain of "
		    "messages; reloading", s->ops->name);
	s->desync = 1;
	return -1;
}

static void
remove_uuid(struct sync *s, const unsigned char *uuid)
{
	struct sync_entry *e;

	pthread_rwlock_wrlock(&s->lock);
	if ((e = find_uuid(s, uuid)) != NULL)
		unlink_uuid(s, e);
	pthread_rwlock_unlock(&s->lock);
	if (e != NULL)
		tell(s, e, NULL);
	entry_free(s, e);
}

static void
mark_present(struct sync *s, const unsigned char *uuid)
{
	struct sync_entry *e;

	pthread_rwlock_wrlock(&s->lock);
	if ((e = find_uuid(s, uuid)) != NULL)
		e->gen = s->gen;
	pthread_rwlock_unlock(&s->lock);
}

/* End of a present phase: what this session did not mention is gone. */
static void
drop_unmentioned(struct sync *s)
{
	struct sync_entry *e, *next, *gone = NULL;
	size_t i, n = 0;

	pthread_rwlock_wrlock(&s->lock);
	for (i = 0; i < s->nbuckets; i++)
		for (e = s->by_uuid[i]; e != NULL; e = next) {
			next = e->next;
			if (e->gen == s->gen)
				continue;
			unlink_uuid(s, e);
			e->next = gone;
			gone = e;
			n++;
		}
	pthread_rwlock_unlock(&s->lock);
	for (e = gone; e != NULL; e = next) {
		next = e->next;
		tell(s, e, NULL);
		entry_free(s, e);
	}
	if (n > 0)
		authd_log(LOG_DEBUG, "%s: %zu %s no longer present",
		    s->ops->name, n, n == 1 ? s->ops->one : s->ops->many);
}

static int
on_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *uuid,
    ldap_sync_refresh_t phase)
{
	struct sync *s = ls->ls_private;
	struct sync_entry *e, *old;
	int skip = 0;

	if (check_single(s, msg) != 0)
		return LDAP_OTHER;
	if (uuid == NULL || uuid->bv_len != SYNC_UUID_LEN) {
		authd_log(LOG_WARNING, "%s: entry without a usable "
		    "entryUUID; reloading", s->ops->name);
		s->desync = 1;
		return LDAP_OTHER;
	}
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENT:
		mark_present(s, (unsigned char *)uuid->bv_val);
		return LDAP_SUCCESS;
	case LDAP_SYNC_CAPI_DELETE:
		remove_uuid(s, (unsigned char *)uuid->bv_val);
		return LDAP_SUCCESS;
	case LDAP_SYNC_CAPI_ADD:
	case LDAP_SYNC_CAPI_MODIFY:
		break;
	default:
		return LDAP_SUCCESS;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->obj = s->ops->parse(s->arg, ls->ls_ld, msg, &skip)) == NULL) {
		free(e);
		if (skip) {
			remove_uuid(s, (unsigned char *)uuid->bv_val);
			return LDAP_SUCCESS;
		}
		authd_log(LOG_ERR, "%s: out of memory; reloading", s->ops->name);
		s->desync = 1;
		return LDAP_NO_MEMORY;
	}
	memcpy(e->uuid, uuid->bv_val, SYNC_UUID_LEN);
	e->gen = s->gen;
	pthread_rwlock_wrlock(&s->lock);
	if ((old = find_uuid(s, e->uuid)) != NULL)
		unlink_uuid(s, old);
	link_uuid(s, e);
	pthread_rwlock_unlock(&s->lock);
	/* e stays valid: only this thread frees entries */
	tell(s, old, e);
	entry_free(s, old);
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
	struct sync *s = ls->ls_private;
	size_t i;

	if (check_single(s, msg) != 0)
		return LDAP_OTHER;
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENTS_IDSET:
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++)
			if (uuids[i].bv_len == SYNC_UUID_LEN)
				mark_present(s, (unsigned char *)uuids[i].bv_val);
		break;
	case LDAP_SYNC_CAPI_DELETES_IDSET:
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++)
			if (uuids[i].bv_len == SYNC_UUID_LEN)
				remove_uuid(s, (unsigned char *)uuids[i].bv_val);
		break;
	default:
		/* refreshPresent ends a present phase, done or not */
		if (info_tag(ls->ls_ld, msg) == LDAP_TAG_SYNC_REFRESH_PRESENT)
			drop_unmentioned(s);
		break;
	}
	return LDAP_SUCCESS;
}

static int
on_result(ldap_sync_t *ls, LDAPMessage *msg, int refresh_deletes)
{
	struct sync *s = ls->ls_private;

	if (check_single(s, msg) != 0)
		return LDAP_OTHER;
	/* a search that ends after a present phase ends that phase too */
	if (refresh_deletes == 0)
		drop_unmentioned(s);
	s->ended = 1;
	return LDAP_SUCCESS;
}

static void
forget_cookie(struct sync *s)
{
	if (s->ls.ls_cookie.bv_val != NULL)
		ldap_memfree(s->ls.ls_cookie.bv_val);
	s->ls.ls_cookie.bv_val = NULL;
	s->ls.ls_cookie.bv_len = 0;
}

/* Publish the socket so that sync_free() can wake a blocked call. */
static int
publish_socket(struct sync *s, LDAP *ld)
{
	int fd = -1, stop;

	(void)ldap_get_option(ld, LDAP_OPT_DESC, &fd);
	pthread_mutex_lock(&s->mu);
	s->sock = fd;
	stop = s->stopping;
	pthread_mutex_unlock(&s->mu);
	return stop ? -1 : 0;
}

static void
close_search(struct sync *s)
{
	pthread_mutex_lock(&s->mu);
	s->sock = -1;
	pthread_mutex_unlock(&s->mu);
	if (s->ls.ls_ld != NULL) {
		ldap_unbind_ext(s->ls.ls_ld, NULL, NULL);
		s->ls.ls_ld = NULL;
	}
}

/*
 * One session: connect, refresh, follow changes until the search breaks or
 * authd stops. Returns 1 when it was in step during it, else 0.
 */
static int
run_session(struct sync *s)
{
	LDAP *ld = NULL;
	size_t n;
	int rc, was_live = 0;

	snprintf(s->err, sizeof(s->err), "search failed");
	if (dir_service_open(s->pool, &ld, s->err, sizeof(s->err)) != DIR_OK)
		return 0;
	s->ls.ls_ld = ld;
	if (publish_socket(s, ld) != 0)
		goto out;
	s->gen++;
	s->desync = s->ended = 0;
	rc = ldap_sync_init(&s->ls, LDAP_SYNC_REFRESH_AND_PERSIST);
	if (rc != LDAP_SUCCESS || s->desync || s->ended) {
		if (rc == LDAP_SYNC_REFRESH_REQUIRED) {
			/* the server cannot resume from the cookie: reload */
			forget_cookie(s);
			snprintf(s->err, sizeof(s->err), "full reload required");
		} else
			snprintf(s->err, sizeof(s->err), "refresh: %s",
			    s->desync ? "reload needed" : s->ended ?
			    "ended by the server" : rc == -1 ? "connection lost" :
			    ldap_err2string(rc));
		goto out;
	}
	pthread_rwlock_wrlock(&s->lock);
	s->live = s->ever_live = 1;
	n = s->nentries;
	pthread_rwlock_unlock(&s->lock);
	was_live = 1;
	authd_log(LOG_INFO, "%s: in step with the directory, %zu %s",
	    s->ops->name, n, n == 1 ? s->ops->one : s->ops->many);
	while (!stopping(s)) {
		/* 0: a message handled, or a second without one */
		rc = ldap_sync_poll(&s->ls);
		if (rc == 0 && !s->desync && !s->ended)
			continue;
		if (rc == LDAP_SYNC_REFRESH_REQUIRED)
			forget_cookie(s);
		snprintf(s->err, sizeof(s->err), "persistent search: %s",
		    s->desync ? "reload needed" : rc == -1 ? "connection lost" :
		    rc == 0 ? "ended by the server" : ldap_err2string(rc));
		break;
	}
 out:
	if (s->desync)
		forget_cookie(s);
	mark_lost(s);
	close_search(s);
	return was_live;
}

static void *
sync_main(void *arg)
{
	struct sync *s = arg;
	struct timespec until;
	long backoff = SYNC_BACKOFF_MIN_MS;
	int failing = 0, fresh;

	while (!stopping(s)) {
		if (run_session(s)) {
			backoff = SYNC_BACKOFF_MIN_MS;
			failing = 0;
		}
		if (stopping(s))
			break;
		pthread_rwlock_rdlock(&s->lock);
		fresh = sync_fresh_locked(s) != SYNC_STALE;
		pthread_rwlock_unlock(&s->lock);
		if (s->ops->on_down != NULL)
			s->ops->on_down(s->arg, s->err, !failing, fresh);
		else
			authd_log(failing ? LOG_DEBUG : LOG_WARNING, "%s: %s",
			    s->ops->name, s->err);
		failing = 1;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += backoff / 1000;
		until.tv_nsec += (backoff % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&s->mu);
		while (!s->stopping &&
		    pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&s->mu);
		backoff = backoff * 2 > SYNC_BACKOFF_MAX_MS ?
		    SYNC_BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}

/* Strings of ldap_sync_t are freed by ldap_sync_destroy(): libldap's. */
static int
setup_search(struct sync *s, const char *base, const char *filter,
    const char *const *attrs)
{
	size_t i, n;

	ldap_sync_initialize(&s->ls);
	for (n = 0; attrs[n] != NULL; n++)
		;
	s->ls.ls_base = ldap_strdup(base);
	s->ls.ls_filter = ldap_strdup(filter);
	s->ls.ls_attrs = ldap_memcalloc(n + 1, sizeof(char *));
	if (s->ls.ls_base == NULL || s->ls.ls_filter == NULL ||
	    s->ls.ls_attrs == NULL)
		return AUTHD_ERR_NOMEM;
	for (i = 0; i < n; i++)
		if ((s->ls.ls_attrs[i] = ldap_strdup(attrs[i])) == NULL)
			return AUTHD_ERR_NOMEM;
	s->ls.ls_scope = LDAP_SCOPE_SUBTREE;
	s->ls.ls_timelimit = 0;
	s->ls.ls_sizelimit = 0;
	s->ls.ls_timeout = SYNC_POLL_SECONDS;
	s->ls.ls_search_entry = on_entry;
	s->ls.ls_intermediate = on_intermediate;
	s->ls.ls_search_result = on_result;
	s->ls.ls_private = s;
	return AUTHD_OK;
}

int
sync_new(struct dir_pool *pool, const char *base, const char *filter,
    const char *const *attrs, int staleness, const struct sync_ops *ops,
    void *arg, struct sync **s_r)
{
	struct sync *s;

	*s_r = NULL;
	if (pool == NULL || base == NULL || filter == NULL || attrs == NULL ||
	    ops == NULL || ops->parse == NULL || ops->link == NULL ||
	    ops->unlink == NULL || ops->free_obj == NULL)
		return AUTHD_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return AUTHD_ERR_NOMEM;
	s->pool = pool;
	s->ops = ops;
	s->arg = arg;
	s->staleness = staleness;
	s->sock = -1;
	s->nbuckets = SYNC_BUCKETS_MIN;
	pthread_rwlock_init(&s->lock, NULL);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	/* never in step yet: for stale_from_start, the staleness counts from now */
	clock_gettime(CLOCK_MONOTONIC, &s->lost_at);
	if ((s->by_uuid = calloc(s->nbuckets, sizeof(*s->by_uuid))) == NULL ||
	    setup_search(s, base, filter, attrs) != AUTHD_OK) {
		sync_free(&s);
		return AUTHD_ERR_NOMEM;
	}
	*s_r = s;
	return AUTHD_OK;
}

int
sync_start(struct sync *s)
{
	if (pthread_create(&s->thread, NULL, sync_main, s) != 0)
		return AUTHD_ERR_NOMEM;
	s->started = 1;
	return AUTHD_OK;
}

void
sync_free(struct sync **sp)
{
	struct sync *s;
	struct sync_entry *e, *next;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
		/* wakes a refresh or poll blocked on the socket */
		if (s->sock != -1)
			(void)shutdown(s->sock, SHUT_RDWR);
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	close_search(s);
	ldap_sync_destroy(&s->ls, 0);
	for (i = 0; s->by_uuid != NULL && i < s->nbuckets; i++)
		for (e = s->by_uuid[i]; e != NULL; e = next) {
			next = e->next;
			entry_free(s, e);
		}
	free(s->by_uuid);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	pthread_rwlock_destroy(&s->lock);
	free(s);
	*sp = NULL;
}

void
sync_rdlock(struct sync *s)
{
	pthread_rwlock_rdlock(&s->lock);
}

void
sync_unlock(struct sync *s)
{
	pthread_rwlock_unlock(&s->lock);
}

void
sync_foreach_locked(struct sync *s, void (*fn)(void *obj, void *arg),
    void *arg)
{
	struct sync_entry *e;
	size_t i;

	for (i = 0; i < s->nbuckets; i++)
		for (e = s->by_uuid[i]; e != NULL; e = e->next)
			fn(e->obj, arg);
}
