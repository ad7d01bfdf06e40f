/* Building the LDAPMod arrays of an add or a modify without heap juggling. */
#ifndef AUTHCTL_MODS_H
#define AUTHCTL_MODS_H

#include <stddef.h>

#include <ldap.h>

#define ACTL_MODS_MAX 24
#define ACTL_MODS_VALUES 8

struct actl_mods {
	LDAPMod mod[ACTL_MODS_MAX];
	LDAPMod *list[ACTL_MODS_MAX + 1];      /* NULL-terminated, for libldap */
	char *values[ACTL_MODS_MAX][ACTL_MODS_VALUES + 1];
	size_t n;
};

void actl_mods_init(struct actl_mods *m);
/*
 * One modification of attr with the given values (copied pointers, which
 * must outlive the call to libldap). nvalues 0 with LDAP_MOD_REPLACE removes
 * the attribute if present. 0, or -1 when full.
 */
int actl_mods_add(struct actl_mods *m, int op, const char *attr,
    const char *const *values, size_t nvalues);
/* One value; a NULL value is skipped (optional attributes). */
int actl_mods_add1(struct actl_mods *m, int op, const char *attr, const char *value);

#endif
