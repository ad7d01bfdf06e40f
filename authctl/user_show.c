/* authctl user show / user list: what the caller may read about people. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authctl.h"
#include "conn.h"
#include "opts.h"
#include "schema.h"
#include "value.h"

/* Operational attributes that tell an administrator nothing. */
static const char *const hidden[] = {
	"entryCSN", "entryDN", "structuralObjectClass", "subschemaSubentry",
	"hasSubordinates", NULL
};

/* The value as text: local time for timestamps, a size for binary data. */
static void
print_value(const char *attr, const struct berval *v)
{
	char buf[128], text[1024];
	time_t t;
	size_t i;

	for (i = 0; i < v->bv_len; i++)
		if ((unsigned char)v->bv_val[i] < 0x20 || v->bv_val[i] == 0x7f)
			break;
	if (i < v->bv_len) {
		printf("  %-24s (%zu bytes of binary data)\n", attr, (size_t)v->bv_len);
		return;
	}
	if (strcmp(attr, "pwdAccountLockedTime") == 0 &&
	    strncmp(v->bv_val, "000001010000Z", v->bv_len) == 0) {
		printf("  %-24s locked by an administrator\n", attr);
		return;
	}
	if (v->bv_len < 64) {
		snprintf(buf, sizeof(buf), "%.*s", (int)v->bv_len, v->bv_val);
		if (actl_gtime_parse(buf, &t) == 0) {
			printf("  %-24s %s\n", attr, actl_local_time(t, buf, sizeof(buf)));
			return;
		}
	}
	snprintf(text, sizeof(text), "%.*s", (int)v->bv_len, v->bv_val);
	printf("  %-24s %s\n", attr, actl_printable(text, sizeof(text)));
}

static void
print_attributes(struct actl *a, LDAPMessage *e)
{
	struct berval **vals;
	BerElement *ber = NULL;
	char *attr;
	int i;

	for (attr = ldap_first_attribute(a->ld, e, &ber); attr != NULL;
	    attr = ldap_next_attribute(a->ld, e, ber)) {
		if (!actl_in_list(attr, hidden) &&
		    (vals = ldap_get_values_len(a->ld, e, attr)) != NULL) {
			for (i = 0; vals[i] != NULL; i++)
				print_value(attr, vals[i]);
			ldap_value_free_len(vals);
		}
		ldap_memfree(attr);
	}
	ber_free(ber, 0);
}

static const char *
time_or(struct actl *a, LDAPMessage *e, const char *attr, const char *none,
    char *out, size_t outsz)
{
	char raw[64];
	time_t t;

	if (actl_first_value(a, e, attr, raw, sizeof(raw)) == 0)
		return none;
	if (actl_gtime_parse(raw, &t) != 0)
		snprintf(out, outsz, "%s", raw);
	else
		actl_local_time(t, out, outsz);
	return out;
}

/*
 * What can be said of the password without reading it (administrators
 * may not): ppolicy writes pwdChangedTime with every password and removes
 * it with the password. user add's password nobody knows was set with the
 * entry; so was a password given in a hand-made add.
 */
static void
print_password(struct actl *a, LDAPMessage *e, const char *reset)
{
	char changed[64], created[64], t[64];

	if (actl_first_value(a, e, "pwdChangedTime", changed, sizeof(changed)) == 0) {
		printf("  %-24s none: failed logins are not counted and never lock "
		    "(authctl user passwd sets one)\n", "password");
		return;
	}
	time_or(a, e, "pwdChangedTime", "?", t, sizeof(t));
	if (strcasecmp(reset, "TRUE") == 0)
		printf("  %-24s temporary, set %s\n", "password", t);
	else if (actl_first_value(a, e, "createTimestamp", created,
	    sizeof(created)) > 0 && strcmp(created, changed) == 0)
		printf("  %-24s set with the entry, %s (if by authctl user add: "
		    "random, known to nobody; authctl user passwd gives a usable "
		    "one)\n", "password", t);
	else
		printf("  %-24s set %s\n", "password", t);
}

static void
print_summary(struct actl *a, LDAPMessage *e)
{
	char state[64], reason[256], type[64], lock[64], reset[16], host[256];
	char svc[64], failed[32], t1[64], t2[64];
	struct berval **vals;
	long other = 0;
	int pw_failures = 0;

	actl_first_value(a, e, AUTHD_AT_STATE, state, sizeof(state));
	actl_first_value(a, e, AUTHD_AT_STATE_REASON, reason, sizeof(reason));
	actl_first_value(a, e, AUTHD_AT_TYPE, type, sizeof(type));
	actl_first_value(a, e, "pwdReset", reset, sizeof(reset));
	actl_first_value(a, e, AUTHD_AT_LAST_LOGIN_HOST, host, sizeof(host));
	actl_first_value(a, e, AUTHD_AT_LAST_LOGIN_SVC, svc, sizeof(svc));
	if (actl_first_value(a, e, AUTHD_AT_FAILED_LOGINS, failed, sizeof(failed)) > 0)
		actl_parse_long(failed, 0, 1L << 30, &other);
	if ((vals = ldap_get_values_len(a->ld, e, "pwdFailureTime")) != NULL) {
		pw_failures = ldap_count_values_len(vals);
		ldap_value_free_len(vals);
	}
	/* written by PAM clients (the host) and by people: never raw to a tty */
	actl_printable(state, sizeof(state));
	actl_printable(reason, sizeof(reason));
	actl_printable(type, sizeof(type));
	actl_printable(host, sizeof(host));
	actl_printable(svc, sizeof(svc));

	printf("\n  %-24s %s%s%s%s\n", "lifecycle state",
	    state[0] != '\0' ? state : "active (no state set)",
	    reason[0] != '\0' ? " (" : "", reason, reason[0] != '\0' ? ")" : "");
	printf("  %-24s %s\n", "account type", type[0] != '\0' ? type : "regular");
	printf("  %-24s from %s until %s\n", "valid",
	    time_or(a, e, AUTHD_AT_VALID_FROM, "always", t1, sizeof(t1)),
	    time_or(a, e, AUTHD_AT_VALID_UNTIL, "further notice", t2, sizeof(t2)));
	if (actl_first_value(a, e, "pwdAccountLockedTime", lock, sizeof(lock)) == 0)
		printf("  %-24s no\n", "password locked");
	else if (strcmp(lock, "000001010000Z") == 0)
		printf("  %-24s yes, by an administrator\n", "password locked");
	else
		printf("  %-24s yes, since %s\n", "password locked",
		    time_or(a, e, "pwdAccountLockedTime", "?", t1, sizeof(t1)));
	print_password(a, e, reset);
	printf("  %-24s %s\n", "must change password",
	    strcasecmp(reset, "TRUE") == 0 ? "yes (temporary password)" : "no");
	printf("  %-24s %s", "last login",
	    time_or(a, e, AUTHD_AT_LAST_LOGIN_TIME, "never", t1, sizeof(t1)));
	if (host[0] != '\0')
		printf(" from %s", host);
	if (svc[0] != '\0')
		printf(" via %s", svc);
	printf("\n  %-24s %s\n", "last logout",
	    time_or(a, e, AUTHD_AT_LAST_LOGOUT_TIME, "never", t1, sizeof(t1)));
	printf("  %-24s %ld since the last success (password %d, other factors %ld)\n",
	    "failed attempts", (long)pw_failures + other, pw_failures, other);
}

static int
show_entry(struct actl *a, LDAPMessage *e, void *arg)
{
	int *found = arg;
	char *dn, shown[4096];

	if ((dn = ldap_get_dn(a->ld, e)) != NULL) {
		printf("%s\n", actl_printable_copy(dn, shown, sizeof(shown)));
		ldap_memfree(dn);
	}
	print_attributes(a, e);
	print_summary(a, e);
	(*found)++;
	return 1;
}

int
actl_user_show(struct actl *a, int argc, char **argv)
{
	char *attrs[] = { "*", "+", NULL }, *dn;
	const char *uid;
	int rc, ret, found = 0;

	if ((ret = actl_parse_uid_opt(argc, argv, "show", NULL, &uid, NULL)) != ACTL_OK ||
	    (ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if ((dn = actl_person_dn(a, uid)) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	/* the entry itself, not a search under people: people may read their own */
	rc = actl_search(a, dn, LDAP_SCOPE_BASE, "(objectClass=posixAccount)",
	    attrs, show_entry, &found);
	if (rc == LDAP_NO_SUCH_OBJECT || (rc == LDAP_SUCCESS && found == 0)) {
		fprintf(stderr, "authctl: no person %s that you may read\n", dn);
		ret = ACTL_FAIL;
	} else if (rc != LDAP_SUCCESS)
		ret = actl_ldap_error(a, rc, "reading the person", NULL, 0);
	free(dn);
	return ret;
}

struct row {
	char uid[40], name[80], state[20], type[20], dept[40], last[40];
};

struct table {
	struct row *rows;
	size_t n, alloc;
	int nomem;
};

static int
collect_row(struct actl *a, LDAPMessage *e, void *arg)
{
	struct table *t = arg;
	struct row *r, *grown;
	char raw[64];
	time_t when;

	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 64;
		if ((grown = reallocarray(t->rows, t->alloc, sizeof(*r))) == NULL) {
			t->nomem = 1;
			return 1;
		}
		t->rows = grown;
	}
	r = &t->rows[t->n++];
	actl_first_value(a, e, "uid", r->uid, sizeof(r->uid));
	actl_first_value(a, e, "cn", r->name, sizeof(r->name));
	if (actl_first_value(a, e, AUTHD_AT_STATE, r->state, sizeof(r->state)) == 0)
		snprintf(r->state, sizeof(r->state), "active");
	if (actl_first_value(a, e, AUTHD_AT_TYPE, r->type, sizeof(r->type)) == 0)
		snprintf(r->type, sizeof(r->type), "regular");
	if (actl_first_value(a, e, AUTHD_AT_DEPARTMENT, r->dept, sizeof(r->dept)) == 0)
		snprintf(r->dept, sizeof(r->dept), "-");
	if (actl_first_value(a, e, AUTHD_AT_LAST_LOGIN_TIME, raw, sizeof(raw)) == 0 ||
	    actl_gtime_parse(raw, &when) != 0)
		snprintf(r->last, sizeof(r->last), "never");
	else
		actl_local_time(when, r->last, sizeof(r->last));
	/* written by people with rights on the entry: never raw to a tty */
	actl_printable(r->uid, sizeof(r->uid));
	actl_printable(r->name, sizeof(r->name));
	actl_printable(r->state, sizeof(r->state));
	actl_printable(r->type, sizeof(r->type));
	actl_printable(r->dept, sizeof(r->dept));
	return 0;
}

static int
row_cmp(const void *x, const void *y)
{
	return strcmp(((const struct row *)x)->uid, ((const struct row *)y)->uid);
}

static void
print_table(struct table *t)
{
	int w[5] = { 3, 4, 5, 4, 10 };
	size_t i;

	qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
	for (i = 0; i < t->n; i++) {
		struct row *r = &t->rows[i];
#define WIDEN(k, s) if ((int)strlen(s) > w[k]) w[k] = (int)strlen(s)
		WIDEN(0, r->uid); WIDEN(1, r->name); WIDEN(2, r->state);
		WIDEN(3, r->type); WIDEN(4, r->dept);
#undef WIDEN
	}
	printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "UID", w[1], "NAME",
	    w[2], "STATE", w[3], "TYPE", w[4], "DEPARTMENT", "LAST LOGIN");
	for (i = 0; i < t->n; i++) {
		struct row *r = &t->rows[i];

		printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], r->uid, w[1],
		    r->name, w[2], r->state, w[3], r->type, w[4], r->dept, r->last);
	}
}

/* Append to the filter being built; -1 when it would not fit. */
static int
append(char *out, size_t outsz, size_t *len, const char *a1, const char *a2,
    const char *a3)
{
	int n;

	n = snprintf(out + *len, outsz - *len, "%s%s%s", a1, a2, a3);
	if (n < 0 || (size_t)n >= outsz - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

/* The filter of "user list"; the caller checked state and type. */
static int
list_filter(const char *state, const char *type, const char *dept,
    char *out, size_t outsz)
{
	char *esc = NULL;
	size_t len = 0;
	int r = 0;

	r |= append(out, outsz, &len, "(&(objectClass=posixAccount)(objectClass=",
	    AUTHD_OC_ACCOUNT, ")");
	/* no state recorded counts as active, as authd reads it */
	if (state != NULL && strcmp(state, AUTHD_STATE_ACTIVE) == 0)
		r |= append(out, outsz, &len, "(|(" AUTHD_AT_STATE "=active)(!(",
		    AUTHD_AT_STATE, "=*)))");
	else if (state != NULL)
		r |= append(out, outsz, &len, "(" AUTHD_AT_STATE "=", state, ")");
	if (type != NULL)
		r |= append(out, outsz, &len, "(" AUTHD_AT_TYPE "=", type, ")");
	if (dept != NULL) {
		if ((esc = actl_filter_escape(dept)) == NULL)
			return -1;
		r |= append(out, outsz, &len, "(" AUTHD_AT_DEPARTMENT "=", esc, ")");
		free(esc);
	}
	r |= append(out, outsz, &len, ")", "", "");
	return r;
}

int
actl_user_list(struct actl *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 't' },
		{ "department", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *attrs[] = { "uid", "cn", AUTHD_AT_STATE, AUTHD_AT_TYPE,
	    AUTHD_AT_DEPARTMENT, AUTHD_AT_LAST_LOGIN_TIME, NULL };
	const char *state = NULL, *type = NULL, *dept = NULL;
	char filter[1024], list[128];
	struct table t = { NULL, 0, 0, 0 };
	int c, rc, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 't': type = optarg; break;
		case 'd': dept = optarg; break;
		case 'h': return actl_help("user", "list");
		default: return actl_usage("user", "list");
		}
	}
	if (argc != optind)
		return actl_usage("user", "list");
	if (state != NULL && !actl_in_list(state, actl_states)) {
		fprintf(stderr, "authctl: --state must be one of %s\n",
		    actl_list_join(actl_states, list, sizeof(list)));
		return ACTL_USAGE;
	}
	if (type != NULL && !actl_in_list(type, actl_types)) {
		fprintf(stderr, "authctl: --type must be one of %s\n",
		    actl_list_join(actl_types, list, sizeof(list)));
		return ACTL_USAGE;
	}
	if (list_filter(state, type, dept, filter, sizeof(filter)) != 0) {
		fprintf(stderr, "authctl: --department is too long\n");
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	rc = actl_search(a, a->people_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
	    collect_row, &t);
	if (t.nomem)
		fprintf(stderr, "authctl: out of memory\n");
	else if (rc != LDAP_SUCCESS)
		actl_ldap_error(a, rc, "listing people", NULL, 0);
	else {
		print_table(&t);
		ret = ACTL_OK;
	}
	free(t.rows);
	return ret;
}
