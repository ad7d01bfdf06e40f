/*
 * authctl user add: a new person with inetOrgPerson + posixAccount + authdAccount,
 * and a random password that is never shown or kept: ppolicy keeps no
 * failure count (no pwdFailureTime, no lock) for an entry without a
 * password, and every factor's failures are counted as failed binds
 * (DESIGN "one lockout counter"). A usable one comes from user passwd.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authctl.h"
#include "conn.h"
#include "mods.h"
#include "password_gen.h"
#include "authd/privileged.h"
#include "schema.h"
#include "value.h"

#define FIRST_UID_NUMBER 10000
#define DEFAULT_GID_NUMBER 10000
#define MAX_ID_NUMBER 2147483646L

struct add_args {
	const char *uid, *name, *surname, *given, *home, *shell, *employee;
	const char *department, *type, *mail, *valid_from, *valid_until;
	long uid_number, gid_number;     /* -1: choose */
	char from_gt[32], until_gt[32];
	char surname_buf[256], given_buf[256];
	char ppolicy_dn[600];            /* privileged: the lower lockout threshold */
};

static int
max_uid_number(struct actl *a, LDAPMessage *e, void *arg)
{
	long *max = arg, v;
	char buf[32];

	if (actl_first_value(a, e, "uidNumber", buf, sizeof(buf)) > 0 &&
	    actl_parse_long(buf, 0, MAX_ID_NUMBER, &v) == 0 && v > *max)
		*max = v;
	return 0;
}

static int
first_dn(struct actl *a, LDAPMessage *e, void *arg)
{
	char *dn, *out = arg;

	if ((dn = ldap_get_dn(a->ld, e)) != NULL) {
		snprintf(out, 512, "%s", dn);
		ldap_memfree(dn);
	}
	return 1;
}

static int
first_gid(struct actl *a, LDAPMessage *e, void *arg)
{
	long *gid = arg, v;
	char buf[32];

	if (actl_first_value(a, e, "gidNumber", buf, sizeof(buf)) > 0 &&
	    actl_parse_long(buf, 0, MAX_ID_NUMBER, &v) == 0)
		*gid = v;
	return 1;
}

/* Pick the uid number, or check that the one given is free. */
static int
choose_ids(struct actl *a, struct add_args *x)
{
	char *attrs[] = { "uidNumber", NULL }, *gattrs[] = { "gidNumber", NULL };
	char filter[64], owner[512];
	long max = FIRST_UID_NUMBER - 1;
	int rc;

	if (x->uid_number < 0) {
		rc = actl_search(a, a->base_dn, LDAP_SCOPE_SUBTREE,
		    "(&(objectClass=posixAccount)(uidNumber=*))", attrs,
		    max_uid_number, &max);
		if (rc != LDAP_SUCCESS)
			return actl_ldap_error(a, rc, "looking for the highest uid number",
			    NULL, 0);
		if (max >= MAX_ID_NUMBER) {
			fprintf(stderr, "authctl: no uid number left; give --uid-number\n");
			return ACTL_FAIL;
		}
		x->uid_number = max + 1;
	} else {
		owner[0] = '\0';
		snprintf(filter, sizeof(filter), "(uidNumber=%ld)", x->uid_number);
		rc = actl_search(a, a->base_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
		    first_dn, owner);
		if (rc != LDAP_SUCCESS)
			return actl_ldap_error(a, rc, "checking the uid number", NULL, 0);
		if (owner[0] != '\0') {
			fprintf(stderr, "authctl: uid number %ld is already used by %s\n",
			    x->uid_number, owner);
			return ACTL_FAIL;
		}
	}
	if (x->gid_number < 0) {
		x->gid_number = DEFAULT_GID_NUMBER;
		rc = actl_search(a, a->base_dn, LDAP_SCOPE_SUBTREE,
		    "(&(objectClass=posixGroup)(cn=staff))", gattrs, first_gid,
		    &x->gid_number);
		if (rc != LDAP_SUCCESS)
			return actl_ldap_error(a, rc, "looking for group staff", NULL, 0);
	}
	return ACTL_OK;
}

/* Surname and given name from the full name when not given. */
static void
split_name(struct add_args *x)
{
	const char *sp;

	if ((sp = strrchr(x->name, ' ')) == NULL) {
		if (x->surname == NULL)
			x->surname = x->name;
		return;
	}
	if (x->surname == NULL) {
		snprintf(x->surname_buf, sizeof(x->surname_buf), "%s", sp + 1);
		x->surname = x->surname_buf;
	}
	if (x->given == NULL) {
		snprintf(x->given_buf, sizeof(x->given_buf), "%.*s",
		    (int)(sp - x->name), x->name);
		x->given = x->given_buf;
	}
}

static int
check_args(struct add_args *x)
{
	char list[128];

	if (!actl_valid_uid(x->uid)) {
		fprintf(stderr, "authctl: \"%s\" is not a valid user name "
		    "(^[a-z_][a-z0-9_.-]{0,31}$)\n", x->uid);
		return ACTL_USAGE;
	}
	if (x->name == NULL || x->name[0] == '\0' || x->name[0] == ' ' ||
	    x->name[strlen(x->name) - 1] == ' ') {
		fprintf(stderr, "authctl: --name \"FULL NAME\" is required\n");
		return ACTL_USAGE;
	}
	if (x->type != NULL && !actl_in_list(x->type, actl_types)) {
		fprintf(stderr, "authctl: --type must be one of %s\n",
		    actl_list_join(actl_types, list, sizeof(list)));
		return ACTL_USAGE;
	}
	if (x->valid_from != NULL &&
	    actl_date_to_gtime(x->valid_from, 0, x->from_gt, sizeof(x->from_gt)) != 0) {
		fprintf(stderr, "authctl: --valid-from \"%s\" is not a date "
		    "(YYYY-MM-DD)\n", x->valid_from);
		return ACTL_USAGE;
	}
	if (x->valid_until != NULL &&
	    actl_date_to_gtime(x->valid_until, 1, x->until_gt, sizeof(x->until_gt)) != 0) {
		fprintf(stderr, "authctl: --valid-until \"%s\" is not a date "
		    "(YYYY-MM-DD)\n", x->valid_until);
		return ACTL_USAGE;
	}
	if (x->valid_from != NULL && x->valid_until != NULL &&
	    strcmp(x->from_gt, x->until_gt) > 0) {
		fprintf(stderr, "authctl: --valid-until is before --valid-from\n");
		return ACTL_USAGE;
	}
	return ACTL_OK;
}

static int
parse_args(int argc, char **argv, struct add_args *x)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "surname", required_argument, NULL, 's' },
		{ "given", required_argument, NULL, 'g' },
		{ "uid-number", required_argument, NULL, 'u' },
		{ "gid-number", required_argument, NULL, 'G' },
		{ "home", required_argument, NULL, 'd' },
		{ "shell", required_argument, NULL, 'S' },
		{ "employee-number", required_argument, NULL, 'e' },
		{ "department", required_argument, NULL, 'D' },
		{ "type", required_argument, NULL, 't' },
		{ "valid-from", required_argument, NULL, 'f' },
		{ "valid-until", required_argument, NULL, 'U' },
		{ "mail", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(x, 0, sizeof(*x));
	x->uid_number = x->gid_number = -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': x->name = optarg; break;
		case 's': x->surname = optarg; break;
		case 'g': x->given = optarg; break;
		case 'd': x->home = optarg; break;
		case 'S': x->shell = optarg; break;
		case 'e': x->employee = optarg; break;
		case 'D': x->department = optarg; break;
		case 't': x->type = optarg; break;
		case 'f': x->valid_from = optarg; break;
		case 'U': x->valid_until = optarg; break;
		case 'm': x->mail = optarg; break;
		case 'u':
		case 'G':
			if (actl_parse_long(optarg, 1, MAX_ID_NUMBER,
			    c == 'u' ? &x->uid_number : &x->gid_number) != 0) {
				fprintf(stderr, "authctl: bad %s \"%s\"\n",
				    c == 'u' ? "--uid-number" : "--gid-number", optarg);
				return ACTL_USAGE;
			}
			break;
		case 'h':
			return actl_help("user", "add");
		default:
			return actl_usage("user", "add");
		}
	}
	if (argc - optind != 1)
		return actl_usage("user", "add");
	x->uid = argv[optind];
	return check_args(x);
}

static int
build_entry(struct actl *a, struct add_args *x, struct actl_mods *m,
    char *uidn, char *gidn, char *home, size_t homesz, const char *password)
{
	static const char *const classes[] = {
		"top", "inetOrgPerson", "posixAccount", AUTHD_OC_ACCOUNT
	};
	int r = 0;

	snprintf(uidn, 24, "%ld", x->uid_number);
	snprintf(gidn, 24, "%ld", x->gid_number);
	snprintf(home, homesz, "/home/%s", x->uid);
	actl_mods_init(m);
	r |= actl_mods_add(m, LDAP_MOD_ADD, "objectClass", classes, 4);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "uid", x->uid);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "cn", x->name);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "sn", x->surname);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "givenName", x->given);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "displayName", x->name);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "uidNumber", uidn);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "gidNumber", gidn);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "homeDirectory",
	    x->home != NULL ? x->home : home);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "loginShell",
	    x->shell != NULL ? x->shell : "/bin/bash");
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "mail", x->mail);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, AUTHD_AT_EMPLOYEE_NUMBER, x->employee);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, AUTHD_AT_DEPARTMENT, x->department);
	/* in clear: ppolicy hashes it (olcPPolicyHashCleartext) */
	r |= actl_mods_add1(m, LDAP_MOD_ADD, "userPassword", password);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, AUTHD_AT_STATE, AUTHD_STATE_ACTIVE);
	r |= actl_mods_add1(m, LDAP_MOD_ADD, AUTHD_AT_TYPE,
	    x->type != NULL ? x->type : "regular");
	if (x->valid_from != NULL)
		r |= actl_mods_add1(m, LDAP_MOD_ADD, AUTHD_AT_VALID_FROM, x->from_gt);
	if (x->valid_until != NULL)
		r |= actl_mods_add1(m, LDAP_MOD_ADD, AUTHD_AT_VALID_UNTIL, x->until_gt);
	if (x->type != NULL && strcmp(x->type, PRIV_TYPE) == 0) {
		snprintf(x->ppolicy_dn, sizeof(x->ppolicy_dn),
		    AUTHD_PRIVILEGED_POLICY_RDN ",ou=policies,%s", a->base_dn);
		r |= actl_mods_add1(m, LDAP_MOD_ADD, "pwdPolicySubentry", x->ppolicy_dn);
	}
	return r;
}

/*
 * authd plays a name nobody has as a privileged account when it matches
 * privileged_names (authd.conf(5)): an account whose type and name
 * disagree is told apart from those decoys by its prompts and lockout.
 */
static void
warn_name_pattern(struct actl *a, const struct add_args *x)
{
	int privileged = x->type != NULL && strcmp(x->type, PRIV_TYPE) == 0;
	int patterned;

	if (!a->conf_inited || a->conf.privileged_names == NULL)
		return;
	patterned = priv_name_patterned(&a->conf, x->uid);
	if (privileged && !patterned)
		fprintf(stderr, "authctl: warning: %s is privileged but its name "
		    "is not of privileged_names (%s): its prompts and lockout "
		    "show that it exists and is privileged, as unknown names "
		    "like it are played as a person's\n", x->uid,
		    a->conf.privileged_names);
	else if (!privileged && patterned)
		fprintf(stderr, "authctl: warning: %s is not privileged but its "
		    "name is of privileged_names (%s): its prompts and lockout "
		    "show that it exists, as unknown names like it are played "
		    "as a privileged account's\n", x->uid,
		    a->conf.privileged_names);
}

int
actl_user_add(struct actl *a, int argc, char **argv)
{
	struct add_args x;
	struct actl_mods m;
	char uidn[24], gidn[24], home[64], what[600], reason[768];
	char unknown[ACTL_UNKNOWN_PASSWORD_LEN + 1];
	char *dn = NULL;
	int rc, ret;

	if ((ret = parse_args(argc, argv, &x)) != ACTL_OK)
		return ret;
	split_name(&x);
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	/* Default names are guessed first: refused for every type. */
	if (priv_name_denied(a->conf_inited ? &a->conf : NULL, x.uid)) {
		fprintf(stderr, "authctl: refused: %s is a default name (root, admin, "
		    "administrator or privileged_denied_names)\n", x.uid);
		actl_record(a, "user_add", x.uid, "refused", "default name");
		return ACTL_FAIL;
	}
	if ((ret = choose_ids(a, &x)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	if (actl_password_generate(unknown, sizeof(unknown),
	    ACTL_UNKNOWN_PASSWORD_LEN) != 0) {
		fprintf(stderr, "authctl: cannot generate a password: no randomness\n");
		goto out;
	}
	if ((dn = actl_person_dn(a, x.uid)) == NULL ||
	    build_entry(a, &x, &m, uidn, gidn, home, sizeof(home), unknown) != 0) {
		fprintf(stderr, "authctl: out of memory\n");
		goto out;
	}
	rc = ldap_add_ext_s(a->ld, dn, m.list, NULL, NULL);
	explicit_bzero(unknown, sizeof(unknown));
	if (rc == LDAP_ALREADY_EXISTS) {
		/* the name is the entry's: say so, not the protocol's words */
		fprintf(stderr, "authctl: %s already exists (%s); authctl user "
		    "show %s\n", x.uid, dn, x.uid);
		actl_record(a, "user_add", x.uid, "refused", "already exists");
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "adding %s", dn);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, "user_add", x.uid, "refused", reason);
		goto out;
	}
	snprintf(reason, sizeof(reason), "added %s uidNumber=%ld gidNumber=%ld",
	    dn, x.uid_number, x.gid_number);
	actl_record(a, "user_add", x.uid, "success", reason);
	printf("added %s (uid number %ld, gid number %ld, state active)\n", dn,
	    x.uid_number, x.gid_number);
	printf("%s: no usable password yet (authctl user passwd %s gives one)\n",
	    x.uid, x.uid);
	warn_name_pattern(a, &x);
	ret = ACTL_OK;
 out:
	explicit_bzero(unknown, sizeof(unknown));
	free(dn);
	return ret;
}
