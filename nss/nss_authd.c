/*
 * libnss_authd.so.2: people and groups of the directory for the operating
 * system, asked of authd over its NSS socket. See libnss_authd(8).
 *
 *   passwd: files authd
 *   group:  files authd
 *
 * No shadow: passwords never leave the directory. Every answer is checked
 * before it reaches the caller's buffer; anything malformed, late or
 * oversized is "unavailable", so that `files` keeps working. Lookups keep no
 * state; each enumeration (passwd, group) has one, behind a mutex.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nss_authd.h"
#include "nss_client.h"

#define EXPORT __attribute__((visibility("default")))

/* Set in authd itself: it must never wait for its own answer. Not honoured
 * in a set-user-ID program: a user could switch directory names off there. */
static int
disabled(void)
{
	return secure_getenv("AUTHD_NSS_SELF") != NULL;
}

/*
 * A name no directory entry can have (empty, too long, with a newline, which
 * the protocol cannot carry): NOTFOUND without asking, never UNAVAIL, so that
 * nsswitch.conf's [NOTFOUND=...] rules see what is true.
 */
static int
no_such_name(const char *name, int *errnop)
{
	if (name != NULL && name[0] != '\0' && strlen(name) <= AUTHD_NSS_NAME_MAX &&
	    strchr(name, '\n') == NULL)
		return 0;
	*errnop = ENOENT;
	return 1;
}

/* Copy a field into the caller's buffer: 0, or -1 when it does not fit. */
static int
put_str(char **p, size_t *left, const struct authd_nss_field *fld, char **out)
{
	if ((size_t)fld->len + 1 > *left)
		return -1;
	memcpy(*p, fld->val, fld->len);
	(*p)[fld->len] = '\0';
	*out = *p;
	*p += fld->len + 1;
	*left -= (size_t)fld->len + 1;
	return 0;
}

static int
put_cstr(char **p, size_t *left, const char *s, char **out)
{
	struct authd_nss_field f = { 0, (uint16_t)strlen(s), (const uint8_t *)s };

	return put_str(p, left, &f, out);
}

enum { FILL_OK = 0, FILL_ERANGE = 1, FILL_BAD = -1 };

#define SEEN(tag) (1u << (tag))

static int
fill_passwd(const struct authd_nss_frame *f, struct passwd *pw, char *buf,
    size_t buflen)
{
	struct authd_nss_field fld;
	size_t off = 0, left = buflen;
	unsigned seen = 0;
	char *p = buf;
	int range = 0;

	if (f->type != AUTHD_NSS_PASSWD)
		return FILL_BAD;
	memset(pw, 0, sizeof(*pw));
	while (authd_nss_field_next(f, &off, &fld)) {
		char **dst = NULL;

		if (fld.tag > AUTHD_NSS_F_STATUS || (seen & SEEN(fld.tag)))
			return FILL_BAD;
		seen |= SEEN(fld.tag);
		switch (fld.tag) {
		case AUTHD_NSS_F_NAME:
			if (fld.len == 0 || fld.len > AUTHD_NSS_NAME_MAX)
				return FILL_BAD;
			dst = &pw->pw_name;
			break;
		case AUTHD_NSS_F_ID:
			pw->pw_uid = authd_nss_field_u32(&fld);
			break;
		case AUTHD_NSS_F_GID:
			pw->pw_gid = authd_nss_field_u32(&fld);
			break;
		case AUTHD_NSS_F_GECOS:
			dst = &pw->pw_gecos;
			break;
		case AUTHD_NSS_F_HOME:
			dst = &pw->pw_dir;
			break;
		case AUTHD_NSS_F_SHELL:
			dst = &pw->pw_shell;
			break;
		default:
			return FILL_BAD;
		}
		if (dst != NULL && !range && put_str(&p, &left, &fld, dst) != 0)
			range = 1;
	}
	if ((seen & (SEEN(AUTHD_NSS_F_NAME) | SEEN(AUTHD_NSS_F_ID) |
	    SEEN(AUTHD_NSS_F_GID))) != (SEEN(AUTHD_NSS_F_NAME) |
	    SEEN(AUTHD_NSS_F_ID) | SEEN(AUTHD_NSS_F_GID)))
		return FILL_BAD;
	/* The directory never speaks for root (authd skips such entries). */
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return FILL_BAD;
	if (range || put_cstr(&p, &left, "x", &pw->pw_passwd) != 0)
		return FILL_ERANGE;
	if (pw->pw_gecos == NULL && put_cstr(&p, &left, "", &pw->pw_gecos) != 0)
		return FILL_ERANGE;
	if (pw->pw_dir == NULL && put_cstr(&p, &left, "", &pw->pw_dir) != 0)
		return FILL_ERANGE;
	if (pw->pw_shell == NULL && put_cstr(&p, &left, "", &pw->pw_shell) != 0)
		return FILL_ERANGE;
	return FILL_OK;
}

static int
fill_group(const struct authd_nss_frame *f, struct group *gr, char *buf,
    size_t buflen)
{
	struct authd_nss_field fld;
	size_t off = 0, left, nmem = 0, i = 0, pad;
	unsigned seen = 0;
	char *p;

	if (f->type != AUTHD_NSS_GROUP)
		return FILL_BAD;
	memset(gr, 0, sizeof(*gr));
	while (authd_nss_field_next(f, &off, &fld)) {
		if (fld.tag == AUTHD_NSS_F_MEMBER) {
			if (fld.len == 0 || fld.len > AUTHD_NSS_NAME_MAX)
				return FILL_BAD;
			nmem++;
			continue;
		}
		if ((fld.tag != AUTHD_NSS_F_NAME && fld.tag != AUTHD_NSS_F_ID) ||
		    (seen & SEEN(fld.tag)))
			return FILL_BAD;
		seen |= SEEN(fld.tag);
		if (fld.tag == AUTHD_NSS_F_ID)
			gr->gr_gid = authd_nss_field_u32(&fld);
		else if (fld.len == 0 || fld.len > AUTHD_NSS_NAME_MAX)
			return FILL_BAD;
	}
	if (seen != (SEEN(AUTHD_NSS_F_NAME) | SEEN(AUTHD_NSS_F_ID)) ||
	    gr->gr_gid == 0)
		return FILL_BAD;
	/* The member array first, aligned for pointers, then the strings. */
	pad = (sizeof(char *) - ((uintptr_t)buf % sizeof(char *))) % sizeof(char *);
	if (buflen < pad || (buflen - pad) / sizeof(char *) < nmem + 1)
		return FILL_ERANGE;
	gr->gr_mem = (char **)(void *)(buf + pad);
	p = buf + pad + (nmem + 1) * sizeof(char *);
	left = buflen - pad - (nmem + 1) * sizeof(char *);
	off = 0;
	while (authd_nss_field_next(f, &off, &fld)) {
		if (fld.tag == AUTHD_NSS_F_NAME) {
			if (put_str(&p, &left, &fld, &gr->gr_name) != 0)
				return FILL_ERANGE;
		} else if (fld.tag == AUTHD_NSS_F_MEMBER) {
			if (put_str(&p, &left, &fld, &gr->gr_mem[i++]) != 0)
				return FILL_ERANGE;
		}
	}
	gr->gr_mem[i] = NULL;
	if (put_cstr(&p, &left, "x", &gr->gr_passwd) != 0)
		return FILL_ERANGE;
	return FILL_OK;
}

/* The status a STATUS frame (or its absence) stands for. */
static enum nss_status
status_answer(const struct authd_nss_frame *f, int *errnop)
{
	struct authd_nss_field fld;
	size_t off = 0;

	if (f->type == AUTHD_NSS_STATUS && authd_nss_field_next(f, &off, &fld) &&
	    fld.tag == AUTHD_NSS_F_STATUS && fld.len == 1) {
		switch (fld.val[0]) {
		case AUTHD_NSS_S_NOTFOUND:
		case AUTHD_NSS_S_END:
		case AUTHD_NSS_S_DISABLED:
			*errnop = ENOENT;
			return NSS_STATUS_NOTFOUND;
		default:
			break;
		}
	}
	*errnop = EAGAIN;
	return NSS_STATUS_UNAVAIL;
}

static enum nss_status
finish(int fill, int *errnop)
{
	if (fill == FILL_OK)
		return NSS_STATUS_SUCCESS;
	if (fill == FILL_ERANGE) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	*errnop = EAGAIN;
	return NSS_STATUS_UNAVAIL;
}

/*
 * Send one lookup and take its answer: NSS_STATUS_SUCCESS with an entry in
 * *f (c still open, the caller closes it), or the status to return (c
 * closed; status_answer never says SUCCESS).
 */
static enum nss_status
ask(uint8_t type, const char *name, uint32_t id, struct nssc *c,
    struct authd_nss_frame *f, int *errnop)
{
	enum nss_status st;

	if (disabled() || nssc_request(c, type, name, name == NULL, id) != 0 ||
	    nssc_recv(c, f) != 0) {
		if (!disabled())
			nssc_close(c);
		*errnop = EAGAIN;
		return NSS_STATUS_UNAVAIL;
	}
	if (f->type != AUTHD_NSS_STATUS)
		return NSS_STATUS_SUCCESS;
	st = status_answer(f, errnop);
	nssc_close(c);
	return st;
}

static enum nss_status
lookup_passwd(uint8_t type, const char *name, uid_t uid, struct passwd *pw,
    char *buf, size_t buflen, int *errnop)
{
	struct authd_nss_frame f;
	struct nssc c;
	enum nss_status st;
	int fill;

	if ((st = ask(type, name, (uint32_t)uid, &c, &f, errnop)) !=
	    NSS_STATUS_SUCCESS)
		return st;
	fill = fill_passwd(&f, pw, buf, buflen);
	/* An answer about someone else is no answer. */
	if (fill == FILL_OK && (name != NULL ? strcmp(pw->pw_name, name) != 0 :
	    pw->pw_uid != uid))
		fill = FILL_BAD;
	nssc_close(&c);
	return finish(fill, errnop);
}

static enum nss_status
lookup_group(uint8_t type, const char *name, gid_t gid, struct group *gr,
    char *buf, size_t buflen, int *errnop)
{
	struct authd_nss_frame f;
	struct nssc c;
	enum nss_status st;
	int fill;

	if ((st = ask(type, name, (uint32_t)gid, &c, &f, errnop)) !=
	    NSS_STATUS_SUCCESS)
		return st;
	fill = fill_group(&f, gr, buf, buflen);
	if (fill == FILL_OK && (name != NULL ? strcmp(gr->gr_name, name) != 0 :
	    gr->gr_gid != gid))
		fill = FILL_BAD;
	nssc_close(&c);
	return finish(fill, errnop);
}

EXPORT enum nss_status
_nss_authd_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t buflen, int *errnop)
{
	if (no_such_name(name, errnop))
		return NSS_STATUS_NOTFOUND;
	return lookup_passwd(AUTHD_NSS_GETPWNAM, name, 0, pw, buf, buflen, errnop);
}

EXPORT enum nss_status
_nss_authd_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
    int *errnop)
{
	if (uid == 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	return lookup_passwd(AUTHD_NSS_GETPWUID, NULL, uid, pw, buf, buflen, errnop);
}

EXPORT enum nss_status
_nss_authd_getgrnam_r(const char *name, struct group *gr, char *buf,
    size_t buflen, int *errnop)
{
	if (no_such_name(name, errnop))
		return NSS_STATUS_NOTFOUND;
	return lookup_group(AUTHD_NSS_GETGRNAM, name, 0, gr, buf, buflen, errnop);
}

EXPORT enum nss_status
_nss_authd_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen,
    int *errnop)
{
	if (gid == 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	return lookup_group(AUTHD_NSS_GETGRGID, NULL, gid, gr, buf, buflen, errnop);
}

EXPORT enum nss_status
_nss_authd_initgroups_dyn(const char *user, gid_t group, long int *start,
    long int *size, gid_t **groupsp, long int limit, int *errnop)
{
	struct authd_nss_frame f;
	struct authd_nss_field fld;
	struct nssc c;
	enum nss_status st;
	size_t off = 0;
	long int i, added = 0;
	gid_t gid, *g;

	if (no_such_name(user, errnop))
		return NSS_STATUS_NOTFOUND;
	if ((st = ask(AUTHD_NSS_INITGROUPS, user, 0, &c, &f, errnop)) !=
	    NSS_STATUS_SUCCESS)
		return st;
	if (f.type != AUTHD_NSS_GIDS) {
		/* another kind of entry: unavailable, as any wrong answer */
		st = status_answer(&f, errnop);
		nssc_close(&c);
		return st;
	}
	while (authd_nss_field_next(&f, &off, &fld)) {
		if (fld.tag != AUTHD_NSS_F_GID)
			break;
		gid = (gid_t)authd_nss_field_u32(&fld);
		if (gid == group || gid == 0)
			continue;
		for (i = 0; i < *start; i++)
			if ((*groupsp)[i] == gid)
				break;
		if (i < *start)
			continue;
		if (*start == *size) {
			long int n = *size > 0 ? *size * 2 : 16;

			if (limit > 0 && n > limit)
				n = limit;
			if (n <= *size)
				break;      /* the caller's limit is reached */
			if ((g = realloc(*groupsp, (size_t)n * sizeof(gid_t))) == NULL) {
				nssc_close(&c);
				*errnop = ENOMEM;
				return NSS_STATUS_TRYAGAIN;
			}
			*groupsp = g;
			*size = n;
		}
		(*groupsp)[(*start)++] = gid;
		added++;
	}
	nssc_close(&c);
	if (added == 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	return NSS_STATUS_SUCCESS;
}

/*
 * Enumeration: one connection from the first getXXent_r to END; an entry
 * that did not fit the caller's buffer (ERANGE) is kept for the next call.
 */
struct ent {
	pthread_mutex_t mu;
	struct nssc c;
	int open;
	int done;
	int have;                  /* cur holds an entry not yet delivered */
	struct authd_nss_frame cur;
};

static struct ent pwent = { PTHREAD_MUTEX_INITIALIZER, { -1, 0, NULL, 0, 0, 0 },
    0, 0, 0, { 0, NULL, 0 } };
static struct ent grent = { PTHREAD_MUTEX_INITIALIZER, { -1, 0, NULL, 0, 0, 0 },
    0, 0, 0, { 0, NULL, 0 } };

static void
ent_reset(struct ent *e)
{
	pthread_mutex_lock(&e->mu);
	if (e->open)
		nssc_close(&e->c);
	e->open = e->done = e->have = 0;
	pthread_mutex_unlock(&e->mu);
}

/* The next entry's frame in e->cur; NSS_STATUS_SUCCESS or the status to return. */
/* No more entries from this enumeration (under e->mu). */
static void
ent_stop(struct ent *e)
{
	nssc_close(&e->c);
	e->open = 0;
	e->done = 1;
}

static enum nss_status
ent_next(struct ent *e, uint8_t req, uint8_t entry_type, int *errnop)
{
	enum nss_status st;

	if (e->have)
		return NSS_STATUS_SUCCESS;
	if (e->done) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	if (!e->open) {
		if (disabled() || nssc_request(&e->c, req, NULL, 0, 0) != 0) {
			*errnop = EAGAIN;
			return NSS_STATUS_UNAVAIL;
		}
		e->open = 1;
	}
	nssc_rearm(&e->c);
	if (nssc_recv(&e->c, &e->cur) != 0 ||
	    (e->cur.type != entry_type && e->cur.type != AUTHD_NSS_STATUS)) {
		st = NSS_STATUS_UNAVAIL;
		*errnop = EAGAIN;
	} else if (e->cur.type == AUTHD_NSS_STATUS)
		st = status_answer(&e->cur, errnop);
	else {
		e->have = 1;
		return NSS_STATUS_SUCCESS;
	}
	ent_stop(e);
	return st;
}

/* The entry just read, after filling the caller's buffer (under e->mu). */
static enum nss_status
ent_filled(struct ent *e, int fill, int *errnop)
{
	/* ERANGE: the caller asks again with more room for the same entry */
	if (fill != FILL_ERANGE)
		e->have = 0;
	if (fill == FILL_BAD)
		ent_stop(e);
	return finish(fill, errnop);
}

EXPORT enum nss_status
_nss_authd_setpwent(int stayopen)
{
	(void)stayopen;
	ent_reset(&pwent);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status
_nss_authd_endpwent(void)
{
	ent_reset(&pwent);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status
_nss_authd_getpwent_r(struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	enum nss_status st;

	pthread_mutex_lock(&pwent.mu);
	st = ent_next(&pwent, AUTHD_NSS_ENUM_PASSWD, AUTHD_NSS_PASSWD, errnop);
	if (st == NSS_STATUS_SUCCESS)
		st = ent_filled(&pwent, fill_passwd(&pwent.cur, pw, buf, buflen), errnop);
	pthread_mutex_unlock(&pwent.mu);
	return st;
}

EXPORT enum nss_status
_nss_authd_setgrent(int stayopen)
{
	(void)stayopen;
	ent_reset(&grent);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status
_nss_authd_endgrent(void)
{
	ent_reset(&grent);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status
_nss_authd_getgrent_r(struct group *gr, char *buf, size_t buflen, int *errnop)
{
	enum nss_status st;

	pthread_mutex_lock(&grent.mu);
	st = ent_next(&grent, AUTHD_NSS_ENUM_GROUP, AUTHD_NSS_GROUP, errnop);
	if (st == NSS_STATUS_SUCCESS)
		st = ent_filled(&grent, fill_group(&grent.cur, gr, buf, buflen), errnop);
	pthread_mutex_unlock(&grent.mu);
	return st;
}
