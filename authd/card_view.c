/*
 * The in-memory view of the IC cards (see card_view.h).
 *
 * The search follows view.c's rules, for the same libldap 2.5.13 traps:
 * its own connection; every callback checks that libldap handed it a
 * single message (else the session is dropped and everything reloaded);
 * entries kept by entryUUID with the generation of the session that last
 * mentioned them, so that the end of a present phase (a resume after a
 * slapd restart) drops what was not mentioned; a one-second poll so that
 * card_view_free() is noticed; reconnection with back-off.
 *
 * Tables: a fixed number of buckets by entryUUID and by fingerprint; a
 * site has about one card per person, and a chain of a few entries costs
 * nothing next to a login.
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

#define CV_UUID_LEN         16
#define CV_BUCKETS          4096
#define CV_POLL_SECONDS     1
#define CV_BACKOFF_MIN_MS   100
#define CV_BACKOFF_MAX_MS   5000
#define CV_FILTER           "(objectClass=" AUTHD_OC_CARD ")"
/* Added to the schema with the card lifecycle; asked for, used when there. */
#define CV_AT_SUSPENDED_UNTIL "authdCardSuspendedUntil"

struct cv_entry {
	struct cv_entry *next_uuid;
	struct cv_entry *next_fpr;
	unsigned char uuid[CV_UUID_LEN];
	unsigned gen;
	uint8_t fpr[CARD_FPR_LEN];
	struct card_status st;
};

struct card_view {
	const struct authd_conf *conf;
	struct dir_pool *pool;
	card_view_notify_fn notify;
	void *notify_arg;

	pthread_rwlock_t lock;
	struct cv_entry *by_uuid[CV_BUCKETS];
	struct cv_entry *by_fpr[CV_BUCKETS];
	size_t nentries;
	int live;
	struct timespec lost_at;     /* CLOCK_MONOTONIC: since when not live */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
	int sock;
	pthread_t thread;
	int started;

	ldap_sync_t ls;
	unsigned gen;
	int desync;
	int ended;
	char err[512];
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

static int
stopping(struct card_view *v)
{
	return __atomic_load_n(&v->stopping, __ATOMIC_ACQUIRE);
}

/* Index operations, under the write lock. */

static void
unlink_entry(struct card_view *v, struct cv_entry *e)
{
	struct cv_entry **ep;

	for (ep = &v->by_uuid[hash_bytes(e->uuid, CV_UUID_LEN)]; *ep != NULL;
	    ep = &(*ep)->next_uuid)
		if (*ep == e) {
			*ep = e->next_uuid;
			break;
		}
	for (ep = &v->by_fpr[hash_bytes(e->st.fpr, strlen(e->st.fpr))];
	    *ep != NULL; ep = &(*ep)->next_fpr)
		if (*ep == e) {
			*ep = e->next_fpr;
			break;
		}
	v->nentries--;
}

static void
link_entry(struct card_view *v, struct cv_entry *e)
{
	size_t s;

	s = hash_bytes(e->uuid, CV_UUID_LEN);
	e->next_uuid = v->by_uuid[s];
	v->by_uuid[s] = e;
	s = hash_bytes(e->st.fpr, strlen(e->st.fpr));
	e->next_fpr = v->by_fpr[s];
	v->by_fpr[s] = e;
	v->nentries++;
}

static struct cv_entry *
find_uuid(const struct card_view *v, const unsigned char *uuid)
{
	struct cv_entry *e;

	for (e = v->by_uuid[hash_bytes(uuid, CV_UUID_LEN)]; e != NULL;
	    e = e->next_uuid)
		if (memcmp(e->uuid, uuid, CV_UUID_LEN) == 0)
			return e;
	return NULL;
}

/* "YYYYmmddHHMMSS[.f]Z" (GeneralizedTime in UTC) → time_t; 0 when malformed. */
static time_t
gentime(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y%m%d%H%M%S", &tm)) == NULL)
		return 0;
	while (*end == '.' || (*end >= '0' && *end <= '9'))
		end++;
	if (strcmp(end, "Z") != 0)
		return 0;
	return timegm(&tm);
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
tell(struct card_view *v, const struct card_status *old,
    const struct card_status *now)
{
	if (v->notify != NULL && old != NULL && is_active(old) &&
	    (now == NULL || !is_active(now)))
		v->notify(v->notify_arg, old, now);
}

static void
mark_lost(struct card_view *v)
{
	pthread_rwlock_wrlock(&v->lock);
	if (v->live) {
		v->live = 0;
		clock_gettime(CLOCK_MONOTONIC, &v->lost_at);
	}
	pthread_rwlock_unlock(&v->lock);
}

static int
check_single(struct card_view *v, LDAPMessage *msg)
{
	if (ldap_next_message(v->ls.ls_ld, msg) == NULL)
		return 0;
	if (!v->desync)
		authd_log(LOG_WARNING, "card view: libldap delivered a chain of "
		    "messages; reloading the view");
	v->desync = 1;
	return -1;
}

static void
first_value(LDAP *ld, LDAPMessage *msg, const char *attr, char *out,
    size_t outsz)
{
	struct berval **vals;

	out[0] = '\0';
	vals = ldap_get_values_len(ld, msg, attr);
	if (vals != NULL && vals[0] != NULL && vals[0]->bv_len < outsz &&
	    memchr(vals[0]->bv_val, '\0', vals[0]->bv_len) == NULL) {
		memcpy(out, vals[0]->bv_val, vals[0]->bv_len);
		out[vals[0]->bv_len] = '\0';
	}
	ldap_value_free_len(vals);
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
status_from_message(struct card_view *v, LDAPMessage *msg,
    struct card_status *st, uint8_t fpr[CARD_FPR_LEN])
{
	LDAP *ld = v->ls.ls_ld;
	struct berval **cert;
	char *dn;
	size_t i;

	memset(st, 0, sizeof(*st));
	if ((dn = ldap_get_dn(ld, msg)) == NULL)
		return -1;
	snprintf(st->dn, sizeof(st->dn), "%s", dn);
	ldap_memfree(dn);
	parent_dn(st->dn, st->holder_dn, sizeof(st->holder_dn));
	first_value(ld, msg, AUTHD_AT_CARD_SERIAL, st->serial, sizeof(st->serial));
	first_value(ld, msg, AUTHD_AT_CARD_STATE, st->state, sizeof(st->state));
	first_value(ld, msg, CV_AT_SUSPENDED_UNTIL, st->suspended_until,
	    sizeof(st->suspended_until));
	/* the certificate is the truth; the stored fingerprint a fall-back */
	cert = ldap_get_values_len(ld, msg, AUTHD_AT_CARD_CERT);
	if (cert != NULL && cert[0] != NULL &&
	    card_fingerprint((const uint8_t *)cert[0]->bv_val, cert[0]->bv_len,
	    fpr) == AUTHD_OK)
		card_fpr_hex(fpr, st->fpr);
	ldap_value_free_len(cert);
	if (st->fpr[0] == '\0') {
		first_value(ld, msg, AUTHD_AT_CARD_FINGERPRINT, st->fpr,
		    sizeof(st->fpr));
		for (i = 0; st->fpr[i] != '\0'; i++)
			st->fpr[i] = (char)tolower((unsigned char)st->fpr[i]);
	}
	return fpr_from_hex(st->fpr, fpr);
}

static void
remove_uuid(struct card_view *v, const unsigned char *uuid)
{
	struct cv_entry *e;

	pthread_rwlock_wrlock(&v->lock);
	if ((e = find_uuid(v, uuid)) != NULL)
		unlink_entry(v, e);
	pthread_rwlock_unlock(&v->lock);
	if (e != NULL) {
		tell(v, &e->st, NULL);
		free(e);
	}
}

static void
mark_present(struct card_view *v, const unsigned char *uuid)
{
	struct cv_entry *e;

	pthread_rwlock_wrlock(&v->lock);
	if ((e = find_uuid(v, uuid)) != NULL)
		e->gen = v->gen;
	pthread_rwlock_unlock(&v->lock);
}

static void
drop_unmentioned(struct card_view *v)
{
	struct cv_entry *e, *next, *gone = NULL;
	size_t i;

	pthread_rwlock_wrlock(&v->lock);
	for (i = 0; i < CV_BUCKETS; i++)
		for (e = v->by_uuid[i]; e != NULL; e = next) {
			next = e->next_uuid;
			if (e->gen == v->gen)
				continue;
			unlink_entry(v, e);
			e->next_uuid = gone;
			gone = e;
		}
	pthread_rwlock_unlock(&v->lock);
	for (e = gone; e != NULL; e = next) {
		next = e->next_uuid;
		tell(v, &e->st, NULL);
		free(e);
	}
}

static int
on_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *uuid,
    ldap_sync_refresh_t phase)
{
	struct card_view *v = ls->ls_private;
	struct cv_entry *e, *old;

	if (check_single(v, msg) != 0)
		return LDAP_OTHER;
	if (uuid == NULL || uuid->bv_len != CV_UUID_LEN) {
		authd_log(LOG_WARNING, "card view: entry without a usable "
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
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		authd_log(LOG_ERR, "card view: out of memory; reloading");
		v->desync = 1;
		return LDAP_NO_MEMORY;
	}
	memcpy(e->uuid, uuid->bv_val, CV_UUID_LEN);
	e->gen = v->gen;
	if (status_from_message(v, msg, &e->st, e->fpr) != 0) {
		/* no certificate: it proves nothing and is not held */
		authd_log(LOG_DEBUG, "card view: %s has no usable certificate",
		    e->st.dn);
		free(e);
		remove_uuid(v, (unsigned char *)uuid->bv_val);
		return LDAP_SUCCESS;
	}
	pthread_rwlock_wrlock(&v->lock);
	if ((old = find_uuid(v, e->uuid)) != NULL)
		unlink_entry(v, old);
	link_entry(v, e);
	pthread_rwlock_unlock(&v->lock);
	if (old != NULL) {
		tell(v, &old->st, &e->st);
		free(old);
	}
	return LDAP_SUCCESS;
}

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
	struct card_view *v = ls->ls_private;
	size_t i;

	if (check_single(v, msg) != 0)
		return LDAP_OTHER;
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENTS_IDSET:
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++)
			if (uuids[i].bv_len == CV_UUID_LEN)
				mark_present(v, (unsigned char *)uuids[i].bv_val);
		break;
	case LDAP_SYNC_CAPI_DELETES_IDSET:
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++)
			if (uuids[i].bv_len == CV_UUID_LEN)
				remove_uuid(v, (unsigned char *)uuids[i].bv_val);
		break;
	default:
		if (info_tag(ls->ls_ld, msg) == LDAP_TAG_SYNC_REFRESH_PRESENT)
			drop_unmentioned(v);
		break;
	}
	return LDAP_SUCCESS;
}

static int
on_result(ldap_sync_t *ls, LDAPMessage *msg, int refresh_deletes)
{
	struct card_view *v = ls->ls_private;

	if (check_single(v, msg) != 0)
		return LDAP_OTHER;
	if (refresh_deletes == 0)
		drop_unmentioned(v);
	v->ended = 1;
	return LDAP_SUCCESS;
}

static void
forget_cookie(struct card_view *v)
{
	if (v->ls.ls_cookie.bv_val != NULL)
		ldap_memfree(v->ls.ls_cookie.bv_val);
	v->ls.ls_cookie.bv_val = NULL;
	v->ls.ls_cookie.bv_len = 0;
}

static int
publish_socket(struct card_view *v, LDAP *ld)
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
close_search(struct card_view *v)
{
	pthread_mutex_lock(&v->mu);
	v->sock = -1;
	pthread_mutex_unlock(&v->mu);
	if (v->ls.ls_ld != NULL) {
		ldap_unbind_ext(v->ls.ls_ld, NULL, NULL);
		v->ls.ls_ld = NULL;
	}
}

/* One search: 1 when it was in step during it, else 0. */
static int
run_session(struct card_view *v)
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
		if (rc == LDAP_SYNC_REFRESH_REQUIRED)
			forget_cookie(v);
		snprintf(v->err, sizeof(v->err), "refresh: %s",
		    v->desync ? "reload needed" : v->ended ? "ended by the server" :
		    rc == -1 ? "connection lost" : ldap_err2string(rc));
		goto out;
	}
	pthread_rwlock_wrlock(&v->lock);
	v->live = 1;
	n = v->nentries;
	pthread_rwlock_unlock(&v->lock);
	was_live = 1;
	authd_log(LOG_INFO, "card view: in step with the directory, %zu "
	    "card%s", n, n == 1 ? "" : "s");
	while (!stopping(v)) {
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
	close_search(v);
	return was_live;
}

static void *
card_view_main(void *arg)
{
	struct card_view *v = arg;
	struct timespec until;
	long backoff = CV_BACKOFF_MIN_MS;
	int failing = 0;

	while (!stopping(v)) {
		if (run_session(v)) {
			backoff = CV_BACKOFF_MIN_MS;
			failing = 0;
		}
		if (stopping(v))
			break;
		if (!failing)
			authd_log(LOG_WARNING, "card view: %s; card logins are "
			    "refused if it stays down for %d s", v->err,
			    v->conf->view_staleness);
		else
			authd_log(LOG_DEBUG, "card view: %s", v->err);
		failing = 1;
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
		backoff = backoff * 2 > CV_BACKOFF_MAX_MS ? CV_BACKOFF_MAX_MS :
		    backoff * 2;
	}
	return NULL;
}

static int
setup_search(struct card_view *v)
{
	static const char *const attrs[] = {
		AUTHD_AT_CARD_CERT, AUTHD_AT_CARD_FINGERPRINT, AUTHD_AT_CARD_SERIAL,
		AUTHD_AT_CARD_STATE, CV_AT_SUSPENDED_UNTIL, NULL
	};
	size_t i, n = sizeof(attrs) / sizeof(attrs[0]) - 1;

	ldap_sync_initialize(&v->ls);
	v->ls.ls_base = ldap_strdup(v->conf->people_dn);
	v->ls.ls_filter = ldap_strdup(CV_FILTER);
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
	v->ls.ls_timeout = CV_POLL_SECONDS;
	v->ls.ls_search_entry = on_entry;
	v->ls.ls_intermediate = on_intermediate;
	v->ls.ls_search_result = on_result;
	v->ls.ls_private = v;
	return AUTHD_OK;
}

int
card_view_new(const struct authd_conf *conf, struct dir_pool *pool,
    card_view_notify_fn notify, void *arg, struct card_view **cv_r)
{
	struct card_view *v;

	*cv_r = NULL;
	if (conf == NULL || pool == NULL || conf->people_dn == NULL)
		return AUTHD_ERR_INVALID;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return AUTHD_ERR_NOMEM;
	v->conf = conf;
	v->pool = pool;
	v->notify = notify;
	v->notify_arg = arg;
	v->sock = -1;
	pthread_rwlock_init(&v->lock, NULL);
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	/* never in step yet: the staleness counts from now */
	clock_gettime(CLOCK_MONOTONIC, &v->lost_at);
	if (setup_search(v) != AUTHD_OK) {
		card_view_free(&v);
		return AUTHD_ERR_NOMEM;
	}
	*cv_r = v;
	return AUTHD_OK;
}

int
card_view_start(struct card_view *v)
{
	if (pthread_create(&v->thread, NULL, card_view_main, v) != 0)
		return AUTHD_ERR_NOMEM;
	v->started = 1;
	__atomic_store_n(&global_view, v, __ATOMIC_RELEASE);
	return AUTHD_OK;
}

void
card_view_free(struct card_view **vp)
{
	struct card_view *v;
	struct cv_entry *e, *next;
	size_t i;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	if (__atomic_load_n(&global_view, __ATOMIC_ACQUIRE) == v)
		__atomic_store_n(&global_view, NULL, __ATOMIC_RELEASE);
	if (v->started) {
		pthread_mutex_lock(&v->mu);
		__atomic_store_n(&v->stopping, 1, __ATOMIC_RELEASE);
		if (v->sock != -1)
			(void)shutdown(v->sock, SHUT_RDWR);
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->thread, NULL);
	}
	close_search(v);
	ldap_sync_destroy(&v->ls, 0);
	for (i = 0; i < CV_BUCKETS; i++)
		for (e = v->by_uuid[i]; e != NULL; e = next) {
			next = e->next_uuid;
			free(e);
		}
	pthread_cond_destroy(&v->cv);
	pthread_mutex_destroy(&v->mu);
	pthread_rwlock_destroy(&v->lock);
	free(v);
	*vp = NULL;
}

/* Under the read lock: 2 live, 1 out of step for less than the staleness, 0 stale. */
static int
fresh_locked(const struct card_view *v)
{
	struct timespec now;
	long long ms;

	if (v->live)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - v->lost_at.tv_sec) * 1000 +
	    (now.tv_nsec - v->lost_at.tv_nsec) / 1000000;
	return ms < (long long)v->conf->view_staleness * 1000 ? 1 : 0;
}

int
card_view_lookup(struct card_view *v, const char *fpr_hex,
    struct card_status *st_r)
{
	struct cv_entry *e;
	int fresh, r;

	if (v == NULL || fpr_hex == NULL)
		return CARD_VIEW_STALE;
	pthread_rwlock_rdlock(&v->lock);
	fresh = fresh_locked(v);
	if (fresh == 0) {
		r = CARD_VIEW_STALE;
		goto out;
	}
	if (fresh == 1) {
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
	pthread_rwlock_unlock(&v->lock);
	return r;
}

int
card_view_active_for(struct card_view *v, const char *holder_dn,
    struct card_reg *regs, size_t max, size_t *n_r)
{
	struct cv_entry *e;
	size_t i;
	int fresh;

	*n_r = 0;
	if (v == NULL || holder_dn == NULL)
		return CARD_VIEW_STALE;
	pthread_rwlock_rdlock(&v->lock);
	if ((fresh = fresh_locked(v)) != 2) {
		pthread_rwlock_unlock(&v->lock);
		return fresh == 1 ? CARD_VIEW_RECENT : CARD_VIEW_STALE;
	}
	/* DNs as the directory returned them: compared without case */
	for (i = 0; i < CV_BUCKETS && *n_r < max; i++)
		for (e = v->by_uuid[i]; e != NULL && *n_r < max; e = e->next_uuid)
			if (is_active(&e->st) &&
			    strcasecmp(e->st.holder_dn, holder_dn) == 0) {
				memcpy(regs[*n_r].fpr, e->fpr, CARD_FPR_LEN);
				snprintf(regs[*n_r].serial, sizeof(regs[*n_r].serial),
				    "%s", e->st.serial);
				(*n_r)++;
			}
	pthread_rwlock_unlock(&v->lock);
	return CARD_VIEW_FOUND;
}

void
card_view_stats(struct card_view *v, size_t *n_r, int *live_r)
{
	if (v == NULL) {
		*n_r = 0;
		*live_r = 0;
		return;
	}
	pthread_rwlock_rdlock(&v->lock);
	*n_r = v->nentries;
	*live_r = v->live;
	pthread_rwlock_unlock(&v->lock);
}

struct card_view *
card_view_global(void)
{
	return __atomic_load_n(&global_view, __ATOMIC_ACQUIRE);
}
