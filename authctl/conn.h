/*
 * The connection to the directory: connect with failover across the
 * configured URIs, bind as the person who acts (SASL EXTERNAL over ldapi, or
 * a simple bind with -D/-y), learn who that is with "Who am I?", and say
 * clearly when the directory refuses something.
 */
#ifndef AUTHCTL_CONN_H
#define AUTHCTL_CONN_H

#include <stddef.h>

#include <ldap.h>

#include "authctl.h"

/* ACTL_OK, or ACTL_FAIL after printing why. */
int actl_connect(struct actl *a);
void actl_disconnect(struct actl *a);

/*
 * Report a failed operation (what: "modify uid=x,ou=people,...") as
 * "authctl: the directory refused: ERROR (DIAGNOSTIC) while WHAT", or a lost
 * connection as such. reason_r (may be NULL) gets "ERROR (DIAGNOSTIC)" for
 * the audit log. Returns ACTL_FAIL.
 */
int actl_ldap_error(struct actl *a, int rc, const char *what, char *reason_r,
    size_t reasonlen);

/*
 * Delete the entry dn and record it in the audit log as event for user:
 * "success" with done (what went), or "refused" with the directory's reason
 * (printed as actl_ldap_error does). ACTL_OK or ACTL_FAIL.
 */
int actl_delete_recorded(struct actl *a, const char *dn, const char *event,
    const char *user, const char *done);

/* Called for each entry found; a non-zero return stops the search. */
typedef int (*actl_entry_fn)(struct actl *a, LDAPMessage *e, void *arg);

/* A paged search (so that sites with thousands of people pass size limits). Returns the LDAP result code. */
int actl_search(struct actl *a, const char *base, int scope, const char *filter,
    char **attrs, actl_entry_fn fn, void *arg);

/* An assertion value escaped for a filter, malloc'd; NULL when out of memory. */
char *actl_filter_escape(const char *value);
/* "uid=UID,PEOPLE" (uid already checked by actl_valid_uid), malloc'd. */
char *actl_person_dn(const struct actl *a, const char *uid);
/*
 * s made safe to print in place (at most cap bytes with its NUL): a control
 * character, a C1 control (U+0080-U+009F) or a byte that is not UTF-8 is
 * written \xNN, so that text from the directory cannot drive a terminal.
 * Returns s.
 */
char *actl_printable(char *s, size_t cap);
/*
 * The same from s into dst (s may be dst): for a value that is const, or
 * whose escapes need more room than the value had.
 */
char *actl_printable_copy(const char *s, char *dst, size_t cap);
/* The first value of attr in e into out ("" when absent); returns the number of values. */
int actl_first_value(struct actl *a, LDAPMessage *e, const char *attr,
    char *out, size_t outsz);

#endif
