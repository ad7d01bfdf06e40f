/* Checking and converting the values people type and the directory returns. */
#ifndef AUTHCTL_VALUE_H
#define AUTHCTL_VALUE_H

#include <stddef.h>
#include <time.h>

/* A login name: ^[a-z_][a-z0-9_.-]{0,31}$. */
int actl_valid_uid(const char *uid);
/* A decimal integer in [min, max]; 0 on success, -1 otherwise. */
int actl_parse_long(const char *s, long min, long max, long *v_r);
/*
 * YYYY-MM-DD in local time to GeneralizedTime (UTC) in out: the start of the
 * day, or its last second when end_of_day is set. 0 or -1.
 */
int actl_date_to_gtime(const char *date, int end_of_day, char *out, size_t outsz);
/* GeneralizedTime "YYYYMMDDHHMMSS[.frac]Z" to time_t; 0 or -1. */
int actl_gtime_parse(const char *g, time_t *t_r);
/* Does the value look like a GeneralizedTime in UTC? */
int actl_is_gtime(const char *g);
/* The time in local time ("2024-05-01 09:30:00 JST") into out; returns out. */
char *actl_local_time(time_t t, char *out, size_t outsz);
/* One of the words in the NULL-terminated list? */
int actl_in_list(const char *s, const char *const *list);
/* Render a NULL-terminated list as "a|b|c" into out; returns out. */
char *actl_list_join(const char *const *list, char *out, size_t outsz);

extern const char *const actl_states[];
extern const char *const actl_types[];

#endif
