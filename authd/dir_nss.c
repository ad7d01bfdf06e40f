/*
 * NSS lookups in the directory (see dir_nss.h). One search per request on
 * the service handle of a pooled connection; the entries are turned into
 * plain structs and handed to the caller one by one, so that a walk over
 * many people never holds more than one decoded entry.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "dir_nss.h"
#include "err.h"
#include "log.h"

#define FILTER_MAX (64 + 3 * AUTHD_NSS_NAME_MAX)

static const char *const passwd_attrs[] = {
	"uid", "uidNumber", "gidNumber", "gecos", "cn", "homeDirectory",
	"loginShell", NULL
};
static const char *const group_attrs[] = {
	"cn", "gidNumber", "memberUid", NULL
};
static const char *const gid_attrs[] = { "gidNumber", "memberUid", NULL };

int
dir_nss_name_ok(const char *name)
{
	const unsigned char *p;
	size_t len;

	if (name == NULL || (len = strlen(name)) == 0 || len > AUTHD_NSS_NAME_MAX)
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ':')
			return 0;
	return 1;
}

/* A field of a passwd or group line: no ':' and no control character. */
static int
field_ok(const struct berval *bv)
{
	ber_len_t i;

	for (i = 0; i < bv->bv_len; i++) {
		unsigned char ch = (unsigned char)bv->bv_val[i];

		if (ch < 0x20 || ch == 0x7f || ch == ':')
			return 0;
	}
	return 1;
}

/* RFC 4515 escaping of a name already checked by dir_nss_name_ok(). */
static void
escape_value(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in != '\0' && o + 4 < outsz; in++) {
		if (*in == '*' || *in == '(' || *in == ')' || *in == '\\') {
			snprintf(out + o, 4, "\\%02x", (unsigned char)*in);
			o += 3;
		} else
			out[o++] = *in;
	}
	out[o] = '\0';
}

/* The first value of attr as a string: 0, 1 when absent, -1 when unusable. */
static int
get_str(LDAP *ld, LDAPMessage *e, const char *attr, char *out, size_t outsz)
{
	struct berval **v;
	int r = 1;

	out[0] = '\0';
	if ((v = ldap_get_values_len(ld, e, attr)) == NULL)
		return 1;
	if (v[0] != NULL) {
		r = -1;
		if (v[0]->bv_len < outsz && field_ok(v[0])) {
			memcpy(out, v[0]->bv_val, v[0]->bv_len);
			out[v[0]->bv_len] = '\0';
			r = 0;
		}
	}
	ldap_value_free_len(v);
	return r;
}

/* A uidNumber or gidNumber: 1..2^32-2 (0 is root's, -1 means "none"). */
static int
get_id(LDAP *ld, LDAPMessage *e, const char *attr, uint32_t *id_r)
{
	char buf[16], *end;
	unsigned long long v;

	if (get_str(ld, e, attr, buf, sizeof(buf)) != 0 || buf[0] < '0' ||
	    buf[0] > '9')
		return -1;
	v = strtoull(buf, &end, 10);
	if (*end != '\0' || v == 0 || v >= UINT32_MAX)
		return -1;
	*id_r = (uint32_t)v;
	return 0;
}

/* Is want one of the entry's values of attr, exactly (LDAP matched without case)? */
static int
has_exact_value(LDAP *ld, LDAPMessage *e, const char *attr, const char *want,
    char *first, size_t firstsz)
{
	struct berval **v;
	size_t i, wlen = want != NULL ? strlen(want) : 0;
	int found = 0;

	if ((v = ldap_get_values_len(ld, e, attr)) == NULL)
		return 0;
	for (i = 0; v[i] != NULL; i++) {
		if (want == NULL) {
			if (v[i]->bv_len >= 1 && v[i]->bv_len < firstsz &&
			    field_ok(v[i]) &&
			    memchr(v[i]->bv_val, '\0', v[i]->bv_len) == NULL) {
				memcpy(first, v[i]->bv_val, v[i]->bv_len);
				first[v[i]->bv_len] = '\0';
				found = 1;
				break;
			}
		} else if (v[i]->bv_len == wlen &&
		    memcmp(v[i]->bv_val, want, wlen) == 0) {
			snprintf(first, firstsz, "%s", want);
			found = 1;
			break;
		}
	}
	ldap_value_free_len(v);
	return found;
}

static void
skip_entry(LDAP *ld, LDAPMessage *e, const char *why)
{
	char *dn = ldap_get_dn(ld, e);

	authd_log(LOG_WARNING, "nss: %s: skipped: %s", dn != NULL ? dn : "?", why);
	ldap_memfree(dn);
}

/* name: the name asked for (exact match required) or NULL for any. */
static int
fill_passwd(LDAP *ld, LDAPMessage *e, const char *name, uint32_t min_id,
    struct dir_nss_passwd *pw)
{
	int r;

	memset(pw, 0, sizeof(*pw));
	if (!has_exact_value(ld, e, "uid", name, pw->name, sizeof(pw->name)))
		return name != NULL ? 1 : (skip_entry(ld, e, "no usable uid"), 1);
	if (get_id(ld, e, "uidNumber", &pw->uid) != 0 ||
	    get_id(ld, e, "gidNumber", &pw->gid) != 0) {
		skip_entry(ld, e, "uidNumber or gidNumber missing, 0 or malformed");
		return 1;
	}
	/* the system's own ids: a directory entry never takes one (nor its group) */
	if (pw->uid < min_id || pw->gid < min_id) {
		skip_entry(ld, e, "uidNumber or gidNumber below nss_min_id");
		return 1;
	}
	if ((r = get_str(ld, e, "gecos", pw->gecos, sizeof(pw->gecos))) == 1)
		r = get_str(ld, e, "cn", pw->gecos, sizeof(pw->gecos));
	if (r < 0 || get_str(ld, e, "homeDirectory", pw->home,
	    sizeof(pw->home)) < 0 || get_str(ld, e, "loginShell", pw->shell,
	    sizeof(pw->shell)) < 0) {
		skip_entry(ld, e, "a field with ':' or a control character");
		return 1;
	}
	return 0;
}

static void
free_members(struct dir_nss_group *gr)
{
	size_t i;

	for (i = 0; i < gr->nmembers; i++)
		free(gr->members[i]);
	free(gr->members);
	gr->members = NULL;
	gr->nmembers = 0;
}

static int
fill_group(LDAP *ld, LDAPMessage *e, const char *name, uint32_t min_id,
    struct dir_nss_group *gr)
{
	struct berval **v;
	size_t i, n;

	memset(gr, 0, sizeof(*gr));
	if (!has_exact_value(ld, e, "cn", name, gr->name, sizeof(gr->name)))
		return name != NULL ? 1 : (skip_entry(ld, e, "no usable cn"), 1);
	if (get_id(ld, e, "gidNumber", &gr->gid) != 0) {
		skip_entry(ld, e, "gidNumber missing, 0 or malformed");
		return 1;
	}
	if (gr->gid < min_id) {
		skip_entry(ld, e, "gidNumber below nss_min_id");
		return 1;
	}
	if ((v = ldap_get_values_len(ld, e, "memberUid")) == NULL)
		return 0;
	n = (size_t)ldap_count_values_len(v);
	if ((gr->members = calloc(n + 1, sizeof(char *))) == NULL) {
		ldap_value_free_len(v);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *m;

		/* A member the system could not name is left out, not the group. */
		if (v[i]->bv_len == 0 || v[i]->bv_len > AUTHD_NSS_NAME_MAX ||
		    !field_ok(v[i]) || memchr(v[i]->bv_val, '\0', v[i]->bv_len))
			continue;
		if ((m = malloc(v[i]->bv_len + 1)) == NULL) {
			ldap_value_free_len(v);
			free_members(gr);
			return -1;
		}
		memcpy(m, v[i]->bv_val, v[i]->bv_len);
		m[v[i]->bv_len] = '\0';
		gr->members[gr->nmembers++] = m;
	}
	ldap_value_free_len(v);
	return 0;
}

static void
groups_base(const struct authd_conf *conf, char *out, size_t outsz)
{
	snprintf(out, outsz, "ou=groups,%s", conf->base_dn);
}

/* Search, then call fn for up to max usable entries (0: no bound). */
static int
passwd_search(struct dir_conn *c, const char *base, const char *filter,
    const char *name, uint32_t min_id, size_t max, int *truncated_r,
    dir_nss_passwd_fn fn, void *arg)
{
	struct dir_nss_passwd pw;
	LDAPMessage *res = NULL, *e;
	LDAP *ld;
	size_t n = 0;
	int st, trunc;

	st = dir_service_search(c, base, filter, passwd_attrs,
	    max > 0 && max < INT32_MAX ? (int)max + 1 : 0, &ld, &res, &trunc);
	if (st != DIR_OK)
		goto out;
	st = DIR_NOT_FOUND;
	for (e = ldap_first_entry(ld, res); e != NULL;
	    e = ldap_next_entry(ld, e)) {
		if (fill_passwd(ld, e, name, min_id, &pw) != 0)
			continue;
		if (max > 0 && n == max) {
			trunc = 1;
			break;
		}
		n++;
		st = DIR_OK;
		if (fn(arg, &pw) != 0)
			break;
	}
	if (truncated_r != NULL)
		*truncated_r = trunc;
 out:
	ldap_msgfree(res);
	return st;
}

static int
group_search(struct dir_conn *c, const char *base, const char *filter,
    const char *name, uint32_t min_id, size_t max, int *truncated_r,
    dir_nss_group_fn fn, void *arg)
{
	struct dir_nss_group gr;
	LDAPMessage *res = NULL, *e;
	LDAP *ld;
	size_t n = 0;
	int st, trunc, r;

	st = dir_service_search(c, base, filter, group_attrs,
	    max > 0 && max < INT32_MAX ? (int)max + 1 : 0, &ld, &res, &trunc);
	if (st != DIR_OK)
		goto out;
	st = DIR_NOT_FOUND;
	for (e = ldap_first_entry(ld, res); e != NULL;
	    e = ldap_next_entry(ld, e)) {
		if ((r = fill_group(ld, e, name, min_id, &gr)) < 0) {
			st = DIR_ERROR;
			break;
		}
		if (r > 0)
			continue;
		if (max > 0 && n == max) {
			free_members(&gr);
			trunc = 1;
			break;
		}
		n++;
		st = DIR_OK;
		r = fn(arg, &gr);
		free_members(&gr);
		if (r != 0)
			break;
	}
	if (truncated_r != NULL)
		*truncated_r = trunc;
 out:
	ldap_msgfree(res);
	return st;
}

/* Stop after the first entry: a lookup answers one. */
struct first {
	void *fn;
	void *arg;
};

static int
first_passwd(void *a, const struct dir_nss_passwd *pw)
{
	struct first *f = a;

	((dir_nss_passwd_fn)f->fn)(f->arg, pw);
	return 1;
}

static int
first_group(void *a, const struct dir_nss_group *gr)
{
	struct first *f = a;

	((dir_nss_group_fn)f->fn)(f->arg, gr);
	return 1;
}

int
dir_nss_passwd_by_name(struct dir_conn *c, const struct authd_conf *conf,
    const char *name, dir_nss_passwd_fn fn, void *arg)
{
	char esc[FILTER_MAX], filter[FILTER_MAX + 64];
	struct first f = { (void *)fn, arg };

	if (!dir_nss_name_ok(name))
		return DIR_NOT_FOUND;
	escape_value(name, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=posixAccount)(uid=%s))",
	    esc);
	return passwd_search(c, conf->people_dn, filter, name,
	    (uint32_t)conf->nss_min_id, 0, NULL, first_passwd, &f);
}

int
dir_nss_passwd_by_uid(struct dir_conn *c, const struct authd_conf *conf,
    uint32_t uid, dir_nss_passwd_fn fn, void *arg)
{
	char filter[96];
	struct first f = { (void *)fn, arg };

	snprintf(filter, sizeof(filter),
	    "(&(objectClass=posixAccount)(uidNumber=%lu))", (unsigned long)uid);
	return passwd_search(c, conf->people_dn, filter, NULL,
	    (uint32_t)conf->nss_min_id, 0, NULL, first_passwd, &f);
}

int
dir_nss_passwd_walk(struct dir_conn *c, const struct authd_conf *conf,
    size_t max, dir_nss_passwd_fn fn, void *arg, int *truncated_r)
{
	*truncated_r = 0;
	return passwd_search(c, conf->people_dn, "(objectClass=posixAccount)",
	    NULL, (uint32_t)conf->nss_min_id, max, truncated_r, fn, arg);
}

int
dir_nss_group_by_name(struct dir_conn *c, const struct authd_conf *conf,
    const char *name, dir_nss_group_fn fn, void *arg)
{
	char esc[FILTER_MAX], filter[FILTER_MAX + 64], base[600];
	struct first f = { (void *)fn, arg };

	if (!dir_nss_name_ok(name))
		return DIR_NOT_FOUND;
	escape_value(name, esc, sizeof(esc));
	snprintf(filter, sizeof(filter), "(&(objectClass=posixGroup)(cn=%s))", esc);
	groups_base(conf, base, sizeof(base));
	return group_search(c, base, filter, name, (uint32_t)conf->nss_min_id,
	    0, NULL, first_group, &f);
}

int
dir_nss_group_by_gid(struct dir_conn *c, const struct authd_conf *conf,
    uint32_t gid, dir_nss_group_fn fn, void *arg)
{
	char filter[96], base[600];
	struct first f = { (void *)fn, arg };

	snprintf(filter, sizeof(filter),
	    "(&(objectClass=posixGroup)(gidNumber=%lu))", (unsigned long)gid);
	groups_base(conf, base, sizeof(base));
	return group_search(c, base, filter, NULL, (uint32_t)conf->nss_min_id,
	    0, NULL, first_group, &f);
}

int
dir_nss_group_walk(struct dir_conn *c, const struct authd_conf *conf,
    size_t max, dir_nss_group_fn fn, void *arg, int *truncated_r)
{
	char base[600];

	*truncated_r = 0;
	groups_base(conf, base, sizeof(base));
	return group_search(c, base, "(objectClass=posixGroup)", NULL,
	    (uint32_t)conf->nss_min_id, max, truncated_r, fn, arg);
}

int
dir_nss_gids_of(struct dir_conn *c, const struct authd_conf *conf,
    const char *name, uint32_t *gids, size_t max, size_t *n_r)
{
	char esc[FILTER_MAX], filter[FILTER_MAX + 64], base[600];
	LDAPMessage *res = NULL, *e;
	LDAP *ld;
	uint32_t gid;
	int st, trunc;

	*n_r = 0;
	if (!dir_nss_name_ok(name))
		return DIR_NOT_FOUND;
	escape_value(name, esc, sizeof(esc));
	snprintf(filter, sizeof(filter),
	    "(&(objectClass=posixGroup)(memberUid=%s))", esc);
	groups_base(conf, base, sizeof(base));
	st = dir_service_search(c, base, filter, gid_attrs, 0, &ld, &res, &trunc);
	if (st == DIR_NOT_FOUND)
		return DIR_OK;     /* no ou=groups: member of nothing */
	if (st != DIR_OK)
		return st;
	for (e = ldap_first_entry(ld, res); e != NULL && *n_r < max;
	    e = ldap_next_entry(ld, e)) {
		/* memberUid matched without case: keep only the exact name */
		char who[AUTHD_NSS_NAME_MAX + 1];

		if (has_exact_value(ld, e, "memberUid", name, who, sizeof(who)) &&
		    get_id(ld, e, "gidNumber", &gid) == 0 &&
		    gid >= (uint32_t)conf->nss_min_id)
			gids[(*n_r)++] = gid;
	}
	ldap_msgfree(res);
	return DIR_OK;
}
