/* The entry points of libnss_authd.so.2, as glibc's NSS calls them. */
#ifndef NSS_AUTHD_H
#define NSS_AUTHD_H

#include <sys/types.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stddef.h>

enum nss_status _nss_authd_getpwnam_r(const char *name, struct passwd *pw,
    char *buf, size_t buflen, int *errnop);
enum nss_status _nss_authd_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
    size_t buflen, int *errnop);
enum nss_status _nss_authd_setpwent(int stayopen);
enum nss_status _nss_authd_getpwent_r(struct passwd *pw, char *buf,
    size_t buflen, int *errnop);
enum nss_status _nss_authd_endpwent(void);
enum nss_status _nss_authd_getgrnam_r(const char *name, struct group *gr,
    char *buf, size_t buflen, int *errnop);
enum nss_status _nss_authd_getgrgid_r(gid_t gid, struct group *gr, char *buf,
    size_t buflen, int *errnop);
enum nss_status _nss_authd_setgrent(int stayopen);
enum nss_status _nss_authd_getgrent_r(struct group *gr, char *buf,
    size_t buflen, int *errnop);
enum nss_status _nss_authd_endgrent(void);
enum nss_status _nss_authd_initgroups_dyn(const char *user, gid_t group,
    long int *start, long int *size, gid_t **groupsp, long int limit,
    int *errnop);

#endif
