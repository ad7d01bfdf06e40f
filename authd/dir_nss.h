/*
 * The directory's answers for the NSS socket: people (posixAccount under
 * people_dn) and groups (posixGroup with memberUid under ou=groups,BASE),
 * read with authd's service identity. Only public fields leave here: name,
 * uid, gid, gecos, home, shell, group names and members. A person's state
 * (disabled, suspended) does not matter: their files keep an owner; PAM
 * refuses the login.
 *
 * Entries the system could not use safely are skipped (and logged): uid or
 * gid 0 (the directory never speaks for root), a field with ':' or a control
 * character, a name that differs from the one asked for except by case.
 * Every call blocks; it runs on a worker thread. conf gives people_dn and
 * base_dn (groups are searched under ou=groups,BASE).
 */
#ifndef AUTHD_DIR_NSS_H
#define AUTHD_DIR_NSS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dir.h"
#include "nss_proto.h"

struct dir_nss_passwd {
	char name[AUTHD_NSS_NAME_MAX + 1];
	uint32_t uid;
	uint32_t gid;
	char gecos[AUTHD_NSS_FIELD_MAX + 1];   /* gecos, else cn */
	char home[AUTHD_NSS_FIELD_MAX + 1];
	char shell[AUTHD_NSS_FIELD_MAX + 1];
};

struct dir_nss_group {
	char name[AUTHD_NSS_NAME_MAX + 1];
	uint32_t gid;
	char **members;                         /* memberUid values */
	size_t nmembers;
};

/* Called once per entry found; a non-zero return stops the walk. */
typedef int (*dir_nss_passwd_fn)(void *arg, const struct dir_nss_passwd *pw);
typedef int (*dir_nss_group_fn)(void *arg, const struct dir_nss_group *gr);

/*
 * DIR_OK when fn was called (once for a lookup, once per entry for a walk),
 * DIR_NOT_FOUND, DIR_UNAVAILABLE or DIR_ERROR. A walk stops at max entries
 * and sets *truncated_r.
 */
int dir_nss_passwd_by_name(struct dir_conn *c, const struct authd_conf *conf,
    const char *name,
    dir_nss_passwd_fn fn, void *arg);
int dir_nss_passwd_by_uid(struct dir_conn *c, const struct authd_conf *conf,
    uint32_t uid,
    dir_nss_passwd_fn fn, void *arg);
int dir_nss_passwd_walk(struct dir_conn *c, const struct authd_conf *conf,
    size_t max, dir_nss_passwd_fn fn,
    void *arg, int *truncated_r);
int dir_nss_group_by_name(struct dir_conn *c, const struct authd_conf *conf,
    const char *name,
    dir_nss_group_fn fn, void *arg);
int dir_nss_group_by_gid(struct dir_conn *c, const struct authd_conf *conf,
    uint32_t gid,
    dir_nss_group_fn fn, void *arg);
int dir_nss_group_walk(struct dir_conn *c, const struct authd_conf *conf,
    size_t max, dir_nss_group_fn fn,
    void *arg, int *truncated_r);

/* The gids of the posixGroups listing name as memberUid (at most max). */
int dir_nss_gids_of(struct dir_conn *c, const struct authd_conf *conf,
    const char *name, uint32_t *gids,
    size_t max, size_t *n_r);

/* A name the NSS socket accepts: 1..AUTHD_NSS_NAME_MAX bytes, printable, no ':'. */
int dir_nss_name_ok(const char *name);

#endif
