/*
 * authctl user disable / enable / suspend (the lifecycle state authd reads)
 * and user unlock (ppolicy's lockout).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "authctl.h"
#include "conn.h"
#include "mods.h"
#include "opts.h"
#include "schema.h"

/* Modify the person's entry and leave a trace either way. */
static int
modify_person(struct actl *a, const char *uid, const char *event,
    struct actl_mods *m, const char *done)
{
	char *dn, what[600], reason[768];
	int rc;

	if ((dn = actl_person_dn(a, uid)) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	rc = ldap_modify_ext_s(a->ld, dn, m->list, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "modifying %s", dn);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, event, uid, "refused", reason);
		free(dn);
		return ACTL_FAIL;
	}
	actl_record(a, event, uid, "success", done);
	free(dn);
	return ACTL_OK;
}

static int
set_state(struct actl *a, int argc, char **argv, const char *cmd,
    const char *state, const char *event)
{
	struct actl_mods m;
	const char *uid, *why;
	char done[600];
	int ret;

	if ((ret = actl_parse_uid_opt(argc, argv, cmd, "reason", &uid, &why)) != ACTL_OK ||
	    (ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	actl_mods_init(&m);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_STATE, state);
	/* an old reason would describe a state the account is no longer in */
	if (why != NULL && *why != '\0')
		actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_STATE_REASON, why);
	else
		actl_mods_add(&m, LDAP_MOD_REPLACE, AUTHD_AT_STATE_REASON, NULL, 0);
	snprintf(done, sizeof(done), "state %s%s%s", state,
	    why != NULL ? ": " : "", why != NULL ? why : "");
	if ((ret = modify_person(a, uid, event, &m, done)) == ACTL_OK)
		printf("%s: state is now %s\n", uid, state);
	return ret;
}

int
actl_user_disable(struct actl *a, int argc, char **argv)
{
	return set_state(a, argc, argv, "disable", AUTHD_STATE_DISABLED,
	    "user_disable");
}

int
actl_user_enable(struct actl *a, int argc, char **argv)
{
	return set_state(a, argc, argv, "enable", AUTHD_STATE_ACTIVE,
	    "user_enable");
}

int
actl_user_suspend(struct actl *a, int argc, char **argv)
{
	return set_state(a, argc, argv, "suspend", AUTHD_STATE_SUSPENDED,
	    "user_suspend");
}

struct lock_state {
	int found;
	int locked;
	int failures;
};

static int
read_lock(struct actl *a, LDAPMessage *e, void *arg)
{
	struct lock_state *ls = arg;
	struct berval **vals;

	ls->found = 1;
	if ((vals = ldap_get_values_len(a->ld, e, "pwdAccountLockedTime")) != NULL) {
		ls->locked = 1;
		ldap_value_free_len(vals);
	}
	if ((vals = ldap_get_values_len(a->ld, e, "pwdFailureTime")) != NULL) {
		ls->failures = ldap_count_values_len(vals);
		ldap_value_free_len(vals);
	}
	return 1;
}

int
actl_user_unlock(struct actl *a, int argc, char **argv)
{
	char *attrs[] = { "pwdAccountLockedTime", "pwdFailureTime", NULL };
	struct lock_state ls = { 0, 0, 0 };
	struct actl_mods m;
	const char *uid;
	char *dn, done[128];
	int rc, ret;

	if ((ret = actl_parse_uid_opt(argc, argv, "unlock", NULL, &uid, NULL)) != ACTL_OK ||
	    (ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if ((dn = actl_person_dn(a, uid)) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	rc = actl_search(a, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
	    read_lock, &ls);
	if (rc != LDAP_SUCCESS || !ls.found) {
		if (rc == LDAP_SUCCESS)
			fprintf(stderr, "authctl: cannot read %s\n", dn);
		else
			actl_ldap_error(a, rc, "reading the lockout state", NULL, 0);
		free(dn);
		return ACTL_FAIL;
	}
	free(dn);
	if (!ls.locked) {
		/* pwdFailureTime is slapd's own: only a success or an unlock clears it */
		if (ls.failures > 0)
			printf("%s: not locked (%d failed attempt(s) recorded)\n",
			    uid, ls.failures);
		else
			printf("%s: not locked\n", uid);
		return ACTL_OK;
	}
	/* ppolicy drops pwdFailureTime when the lock is deleted (not replaced) */
	actl_mods_init(&m);
	actl_mods_add(&m, LDAP_MOD_DELETE, "pwdAccountLockedTime", NULL, 0);
	snprintf(done, sizeof(done), "unlocked, %d failure(s) cleared", ls.failures);
	if ((ret = modify_person(a, uid, "user_unlock", &m, done)) == ACTL_OK)
		printf("%s: %s\n", uid, done);
	return ret;
}
