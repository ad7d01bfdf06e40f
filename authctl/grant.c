/*
 * authctl grant request / approve / deny / revoke / list / report: grants
 * of privileged roles (ldap_schema/README.md). Every write is bound as the
 * acting person, so that slapd's creatorsName says who requested and who
 * approved, and the ACLs decide: only a person adds a request, only a
 * member of the role's approver group adds the approval (never on a grant
 * they requested or hold). authd honours a grant only from those entries
 * (authd/grant.h); the checks here only give clearer messages.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "authctl.h"
#include "cmd_grant.h"
#include "conn.h"
#include "mods.h"
#include "authd/privileged.h"
#include "schema.h"
#include "secret.h"
#include "value.h"

struct grant_args {
	const char *pos;                  /* ROLE or ID */
	const char *dur, *reason, *start, *holder, *state;
	int emergency, all;
};

static int
parse(int argc, char **argv, const char *cmd, const char *allowed, int npos,
    struct grant_args *x)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "for", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'r' },
		{ "start", required_argument, NULL, 's' },
		{ "holder", required_argument, NULL, 'H' },
		{ "state", required_argument, NULL, 'S' },
		{ "emergency", no_argument, NULL, 'e' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	int c, li;

	memset(x, 0, sizeof(*x));
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		if (c == 'h')
			return actl_help("grant", cmd);
		if (c == '?' || c == ':')
			return actl_usage("grant", cmd);
		if (strstr(allowed, longopts[li].name) == NULL) {
			fprintf(stderr, "authctl: grant %s takes no --%s\n", cmd,
			    longopts[li].name);
			return actl_usage("grant", cmd);
		}
		switch (c) {
		case 'f': x->dur = optarg; break;
		case 'r': x->reason = optarg; break;
		case 's': x->start = optarg; break;
		case 'H': x->holder = optarg; break;
		case 'S': x->state = optarg; break;
		case 'e': x->emergency = 1; break;
		case 'a': x->all = 1; break;
		}
	}
	if (argc - optind != npos)
		return actl_usage("grant", cmd);
	if (npos == 1)
		x->pos = argv[optind];
	if (x->pos != NULL && (strlen(x->pos) == 0 || strlen(x->pos) > 64 ||
	    strspn(x->pos, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(x->pos))) {
		fprintf(stderr, "authctl: \"%s\": 1 to 64 of A-Z a-z 0-9 . _ -\n", x->pos);
		return ACTL_USAGE;
	}
	if (x->reason != NULL && (strlen(x->reason) > 512 ||
	    strpbrk(x->reason, "\n\r") != NULL)) {
		fprintf(stderr, "authctl: a reason is one line of at most 512 bytes\n");
		return ACTL_USAGE;
	}
	return ACTL_OK;
}

/* "90m", "2h", "1d", "3600" (seconds); 0 or -1. */
static int
parse_duration(const char *s, long *secs_r)
{
	char *e;
	long n = strtol(s, &e, 10);

	if (e == s || n <= 0 || n > 10000000)
		return -1;
	switch (*e) {
	case '\0': case 's': break;
	case 'm': n *= 60; break;
	case 'h': n *= 3600; break;
	case 'd': n *= 86400; break;
	default: return -1;
	}
	if (*e != '\0' && e[1] != '\0')
		return -1;
	*secs_r = n;
	return 0;
}

/* "YYYY-MM-DD HH:MM" (local), YYYYMMDDHHMMSSZ or +N[mhd]; 0 or -1. */
static int
parse_start(const char *s, time_t now, time_t *t_r)
{
	struct tm tm;
	const char *end;
	long n;

	if (s[0] == '+') {
		if (parse_duration(s + 1, &n) != 0)
			return -1;
		*t_r = now + n;
		return 0;
	}
	if (actl_is_gtime(s))
		return actl_gtime_parse(s, t_r);
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL || *end != '\0')
		return -1;
	tm.tm_isdst = -1;
	return (*t_r = mktime(&tm)) == (time_t)-1 ? -1 : 0;
}

static void
gtime(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y%m%d%H%M%SZ", &tm);
}

/* A grant as read. */
struct grant {
	char dn[600], cn[80], role[512], holder[512], state[16], creator[512];
	char reason[600];
	int emergency;
	time_t from, until, created;
	long deadline;               /* the role's emergency deadline, seconds */
	int have_approval;
	char decision[16], approver[512];
};

static time_t
value_time(struct actl *a, LDAPMessage *e, const char *attr)
{
	char s[64];
	time_t t = 0;

	actl_first_value(a, e, attr, s, sizeof(s));
	return s[0] != '\0' && actl_gtime_parse(s, &t) == 0 ? t : 0;
}

static int
take_grant(struct actl *a, LDAPMessage *e, struct grant *g)
{
	char *dn = ldap_get_dn(a->ld, e), s[16];

	memset(g, 0, sizeof(*g));
	snprintf(g->dn, sizeof(g->dn), "%s", dn != NULL ? dn : "");
	ldap_memfree(dn);
	actl_first_value(a, e, "cn", g->cn, sizeof(g->cn));
	actl_first_value(a, e, AUTHD_AT_GRANT_ROLE, g->role, sizeof(g->role));
	actl_first_value(a, e, AUTHD_AT_GRANT_HOLDER, g->holder, sizeof(g->holder));
	actl_first_value(a, e, AUTHD_AT_GRANT_STATE, g->state, sizeof(g->state));
	actl_first_value(a, e, AUTHD_AT_GRANT_REASON, g->reason, sizeof(g->reason));
	actl_first_value(a, e, "creatorsName", g->creator, sizeof(g->creator));
	actl_first_value(a, e, AUTHD_AT_GRANT_EMERGENCY, s, sizeof(s));
	g->emergency = strcasecmp(s, "TRUE") == 0;
	g->from = value_time(a, e, AUTHD_AT_GRANT_FROM);
	g->until = value_time(a, e, AUTHD_AT_GRANT_UNTIL);
	g->created = value_time(a, e, "createTimestamp");
	return 0;
}

static char *grant_attrs[] = {
	"cn", AUTHD_AT_GRANT_ROLE, AUTHD_AT_GRANT_HOLDER, AUTHD_AT_GRANT_STATE,
	AUTHD_AT_GRANT_REASON, AUTHD_AT_GRANT_EMERGENCY, AUTHD_AT_GRANT_FROM,
	AUTHD_AT_GRANT_UNTIL, "creatorsName", "createTimestamp", NULL
};

/* The approval child and the role's emergency deadline of g (best effort). */
static void
grant_details(struct actl *a, struct grant *g)
{
	char *aattrs[] = { AUTHD_AT_APPROVAL_DECISION, "creatorsName", NULL };
	char *rattrs[] = { AUTHD_AT_ROLE_EMERGENCY_DEADLINE, NULL };
	char adn[700], s[32];
	LDAPMessage *res = NULL, *e;

	snprintf(adn, sizeof(adn), AUTHD_APPROVAL_RDN ",%s", g->dn);
	if (ldap_search_ext_s(a->ld, adn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    aattrs, 0, NULL, NULL, NULL, 1, &res) == LDAP_SUCCESS &&
	    (e = ldap_first_entry(a->ld, res)) != NULL) {
		g->have_approval = 1;
		actl_first_value(a, e, AUTHD_AT_APPROVAL_DECISION, g->decision,
		    sizeof(g->decision));
		actl_first_value(a, e, "creatorsName", g->approver, sizeof(g->approver));
	}
	ldap_msgfree(res);
	res = NULL;
	if (g->role[0] != '\0' && ldap_search_ext_s(a->ld, g->role, LDAP_SCOPE_BASE,
	    "(objectClass=*)", rattrs, 0, NULL, NULL, NULL, 1, &res) == LDAP_SUCCESS &&
	    (e = ldap_first_entry(a->ld, res)) != NULL) {
		actl_first_value(a, e, AUTHD_AT_ROLE_EMERGENCY_DEADLINE, s, sizeof(s));
		g->deadline = strtol(s, NULL, 10);
	}
	ldap_msgfree(res);
}

static int
find_grant(struct actl *a, const char *id, struct grant *g)
{
	LDAPMessage *res = NULL, *e;
	char dn[600], what[700];
	int rc;

	snprintf(dn, sizeof(dn), "cn=%s," AUTHD_GRANTS_RDN ",%s", id, a->base_dn);
	rc = ldap_search_ext_s(a->ld, dn, LDAP_SCOPE_BASE,
	    "(objectClass=" AUTHD_OC_GRANT ")", grant_attrs, 0, NULL, NULL, NULL,
	    1, &res);
	if (rc == LDAP_NO_SUCH_OBJECT || (rc == LDAP_SUCCESS &&
	    (e = ldap_first_entry(a->ld, res)) == NULL)) {
		ldap_msgfree(res);
		fprintf(stderr, "authctl: no grant %s\n", id);
		return ACTL_FAIL;
	}
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		snprintf(what, sizeof(what), "reading %s", dn);
		return actl_ldap_error(a, rc, what, NULL, 0);
	}
	take_grant(a, e, g);
	ldap_msgfree(res);
	grant_details(a, g);
	return ACTL_OK;
}

static const char *
rdn_value(const char *dn, char *out, size_t outsz)
{
	const char *eq = strchr(dn, '='), *comma;

	if (eq == NULL) {
		snprintf(out, outsz, "%s", dn);
		return out;
	}
	comma = strchr(eq, ',');
	snprintf(out, outsz, "%.*s", comma != NULL ? (int)(comma - eq - 1) :
	    (int)strlen(eq + 1), eq + 1);
	return out;
}

int
actl_grant_request(struct actl *a, int argc, char **argv)
{
	struct grant_args x;
	struct actl_mods m;
	char *rattrs[] = { AUTHD_AT_ROLE_MAX_GRANT, AUTHD_AT_ROLE_EMERGENCY, NULL };
	char role_dn[512], holder_dn[512], id[33], dn[600], from_gt[32], until_gt[32];
	char what[700], reason[1200], s[32], *pdn = NULL;
	LDAPMessage *res = NULL, *e;
	time_t now = time(NULL), from;
	long secs, max = 0;
	int ret, rc, role_emergency = 0;

	if ((ret = parse(argc, argv, "request", "for,reason,start,holder,emergency",
	    1, &x)) != ACTL_OK)
		return ret;
	if (x.dur == NULL || parse_duration(x.dur, &secs) != 0) {
		fprintf(stderr, "authctl: --for wants a duration: N[smhd]\n");
		return ACTL_USAGE;
	}
	if (x.reason == NULL || x.reason[0] == '\0') {
		fprintf(stderr, "authctl: grant request needs --reason\n");
		return ACTL_USAGE;
	}
	from = now;
	if (x.start != NULL && parse_start(x.start, now, &from) != 0) {
		fprintf(stderr, "authctl: --start wants \"YYYY-MM-DD HH:MM\", "
		    "YYYYMMDDHHMMSSZ or +N[smhd]\n");
		return ACTL_USAGE;
	}
	if (x.holder != NULL && !actl_valid_uid(x.holder)) {
		fprintf(stderr, "authctl: \"%s\" is not a valid user name\n", x.holder);
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	if (x.holder != NULL) {
		if ((pdn = actl_person_dn(a, x.holder)) == NULL)
			goto out;
		snprintf(holder_dn, sizeof(holder_dn), "%s", pdn);
	} else if (strcmp(a->actor, "root") == 0) {
		fprintf(stderr, "authctl: refused: the directory's root requests "
		    "nothing for itself (a grant it writes is never honoured); "
		    "use --holder as a person\n");
		goto out;
	} else
		snprintf(holder_dn, sizeof(holder_dn), "%s", a->actor);
	snprintf(role_dn, sizeof(role_dn), "cn=%s," AUTHD_ROLES_RDN ",%s", x.pos,
	    a->base_dn);
	rc = ldap_search_ext_s(a->ld, role_dn, LDAP_SCOPE_BASE,
	    "(objectClass=" AUTHD_OC_ROLE ")", rattrs, 0, NULL, NULL, NULL, 1, &res);
	if (rc != LDAP_SUCCESS || (e = ldap_first_entry(a->ld, res)) == NULL) {
		fprintf(stderr, "authctl: no role %s (%s)\n", x.pos, role_dn);
		goto out;
	}
	actl_first_value(a, e, AUTHD_AT_ROLE_MAX_GRANT, s, sizeof(s));
	max = strtol(s, NULL, 10);
	actl_first_value(a, e, AUTHD_AT_ROLE_EMERGENCY, s, sizeof(s));
	role_emergency = strcasecmp(s, "TRUE") == 0;
	if (max > 0 && secs > max) {
		fprintf(stderr, "authctl: refused: role %s grants at most %ld seconds\n",
		    x.pos, max);
		actl_record(a, "grant_request", x.pos, "refused", "longer than the role allows");
		goto out;
	}
	if (x.emergency && !role_emergency) {
		fprintf(stderr, "authctl: refused: role %s allows no emergency use\n", x.pos);
		actl_record(a, "grant_request", x.pos, "refused", "no emergency use");
		goto out;
	}
	if (authd_random_hex(id, sizeof(id), 8) != 0) {
		fprintf(stderr, "authctl: no random id\n");
		goto out;
	}
	snprintf(dn, sizeof(dn), "cn=%s," AUTHD_GRANTS_RDN ",%s", id, a->base_dn);
	gtime(from, from_gt, sizeof(from_gt));
	gtime(from + secs, until_gt, sizeof(until_gt));
	actl_mods_init(&m);
	if (actl_mods_add1(&m, LDAP_MOD_ADD, "objectClass", AUTHD_OC_GRANT) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, "cn", id) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_GRANT_ROLE, role_dn) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_GRANT_HOLDER, holder_dn) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_GRANT_FROM, from_gt) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_GRANT_UNTIL, until_gt) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_GRANT_REASON, x.reason) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_GRANT_STATE,
	    AUTHD_GRANT_REQUESTED) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_GRANT_EMERGENCY,
	    x.emergency ? "TRUE" : "FALSE") != 0) {
		fprintf(stderr, "authctl: out of memory\n");
		goto out;
	}
	rc = ldap_add_ext_s(a->ld, dn, m.list, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "adding %s", dn);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, "grant_request", x.pos, "refused", reason);
		goto out;
	}
	snprintf(reason, sizeof(reason), "grant %s of %s for %s from %s until %s%s: %s",
	    id, x.pos, holder_dn, from_gt, until_gt, x.emergency ? " EMERGENCY" : "",
	    x.reason);
	actl_record(a, "grant_request", x.pos, "success", reason);
	printf("%s\n", id);
	fprintf(stderr, "requested grant %s of role %s for %s, %s to %s%s\n", id,
	    x.pos, holder_dn, from_gt, until_gt, x.emergency ?
	    " (EMERGENCY: usable now, must be approved)" : "");
	ret = ACTL_OK;
out:
	ldap_msgfree(res);
	free(pdn);
	return ret;
}

/*
 * authd counts an approval only by a member of an approver group the
 * directory guards from administrators (priv_approver_group_guarded). When
 * the actor is in none of the role's such groups and the role names
 * another (which people cannot read: they may be in it, and the directory
 * would take their approval), the approval would count for nothing: said
 * here, before anything is written. 0, or -1 with that group into group.
 */
static int
approver_unguarded(struct actl *a, const struct grant *g, char *group,
    size_t groupsz)
{
	char *attrs[] = { AUTHD_AT_ROLE_APPROVER, NULL };
	LDAPMessage *res = NULL, *e;
	struct berval **v, actor;
	char dn[512];
	size_t i;
	int guarded = 0, outside = 0;

	if (g->role[0] == '\0' || ldap_search_ext_s(a->ld, g->role,
	    LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL, NULL, 1,
	    &res) != LDAP_SUCCESS || (e = ldap_first_entry(a->ld, res)) == NULL) {
		ldap_msgfree(res);
		return 0;          /* the directory decides, as before */
	}
	actor.bv_val = a->actor;
	actor.bv_len = strlen(a->actor);
	v = ldap_get_values_len(a->ld, e, AUTHD_AT_ROLE_APPROVER);
	for (i = 0; v != NULL && v[i] != NULL && !guarded; i++) {
		snprintf(dn, sizeof(dn), "%.*s", (int)v[i]->bv_len, v[i]->bv_val);
		if (!priv_approver_group_guarded(dn, a->base_dn)) {
			if (!outside++)
				snprintf(group, groupsz, "%s", dn);
		} else if (ldap_compare_ext_s(a->ld, dn, "member", &actor, NULL,
		    NULL) == LDAP_COMPARE_TRUE)
			guarded = 1;
	}
	ldap_value_free_len(v);
	ldap_msgfree(res);
	return !guarded && outside ? -1 : 0;
}

/* approve or deny: the approval child, then the grant's state. */
static int
decide(struct actl *a, int argc, char **argv, const char *cmd, int approve)
{
	struct grant_args x;
	struct grant g;
	struct actl_mods m;
	char adn[700], what[800], reason[1200], event[32], group[512];
	int ret, rc;

	snprintf(event, sizeof(event), "grant_%s", cmd);
	if ((ret = parse(argc, argv, cmd, "reason", 1, &x)) != ACTL_OK)
		return ret;
	if (!approve && (x.reason == NULL || x.reason[0] == '\0')) {
		fprintf(stderr, "authctl: grant deny needs --reason\n");
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK ||
	    (ret = find_grant(a, x.pos, &g)) != ACTL_OK)
		return ret;
	if (strcasecmp(g.creator, a->actor) == 0 || strcasecmp(g.holder, a->actor) == 0) {
		fprintf(stderr, "authctl: refused: nobody decides on their own request "
		    "(requested by %s for %s)\n", g.creator, g.holder);
		actl_record(a, event, x.pos, "refused", "self-approval");
		return ACTL_FAIL;
	}
	if (strcasecmp(g.state, AUTHD_GRANT_REQUESTED) != 0) {
		fprintf(stderr, "authctl: refused: grant %s is %s\n", x.pos, g.state);
		actl_record(a, event, x.pos, "refused", g.state);
		return ACTL_FAIL;
	}
	if (approve && approver_unguarded(a, &g, group, sizeof(group)) != 0) {
		fprintf(stderr, "authctl: refused: authd counts approvals of %s "
		    "only by members of its approver groups under ou=roles or "
		    "cn=ciso,ou=groups, and you are in none; its group %s is "
		    "outside ou=roles, where administrators could change who is "
		    "in it, and counts nobody: ask the CISO to move it under "
		    "ou=roles\n", g.role, group);
		actl_record(a, event, x.pos, "refused",
		    "approver group outside ou=roles");
		return ACTL_FAIL;
	}
	snprintf(adn, sizeof(adn), AUTHD_APPROVAL_RDN ",%s", g.dn);
	actl_mods_init(&m);
	if (actl_mods_add1(&m, LDAP_MOD_ADD, "objectClass", AUTHD_OC_APPROVAL) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, "cn", "approval") != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_APPROVAL_DECISION,
	    approve ? "approve" : "deny") != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_APPROVAL_REASON,
	    x.reason != NULL && x.reason[0] != '\0' ? x.reason : "approved") != 0) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	rc = ldap_add_ext_s(a->ld, adn, m.list, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "adding the %s of grant %s", cmd, x.pos);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, event, x.pos, "refused", reason);
		return ACTL_FAIL;
	}
	actl_mods_init(&m);
	(void)actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_GRANT_STATE,
	    approve ? AUTHD_GRANT_APPROVED : AUTHD_GRANT_DENIED);
	rc = ldap_modify_ext_s(a->ld, g.dn, m.list, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "setting the state of grant %s", x.pos);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, event, x.pos, "failed", reason);
		return ACTL_FAIL;
	}
	snprintf(reason, sizeof(reason), "grant %s of %s for %s %s: %s", x.pos,
	    g.role, g.holder, approve ? "approved" : "denied",
	    x.reason != NULL ? x.reason : "");
	actl_record(a, event, x.pos, "success", reason);
	printf("grant %s %s\n", x.pos, approve ? "approved" : "denied");
	return ACTL_OK;
}

int
actl_grant_approve(struct actl *a, int argc, char **argv)
{
	return decide(a, argc, argv, "approve", 1);
}

int
actl_grant_deny(struct actl *a, int argc, char **argv)
{
	return decide(a, argc, argv, "deny", 0);
}

int
actl_grant_revoke(struct actl *a, int argc, char **argv)
{
	struct grant_args x;
	struct grant g;
	struct actl_mods m;
	char what[800], reason[1200];
	int ret, rc;

	if ((ret = parse(argc, argv, "revoke", "reason", 1, &x)) != ACTL_OK)
		return ret;
	if ((ret = actl_open_directory(a)) != ACTL_OK ||
	    (ret = find_grant(a, x.pos, &g)) != ACTL_OK)
		return ret;
	actl_mods_init(&m);
	(void)actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_GRANT_STATE,
	    AUTHD_GRANT_REVOKED);
	rc = ldap_modify_ext_s(a->ld, g.dn, m.list, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "revoking grant %s", x.pos);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, "grant_revoke", x.pos, "refused", reason);
		return ACTL_FAIL;
	}
	snprintf(reason, sizeof(reason), "grant %s of %s for %s revoked: %s", x.pos,
	    g.role, g.holder, x.reason != NULL ? x.reason : "");
	actl_record(a, "grant_revoke", x.pos, "success", reason);
	printf("grant %s revoked\n", x.pos);
	return ACTL_OK;
}

/*
 * Is g an emergency grant still waiting for its approval (grant_details()
 * read)? Told by the approval child, which only the role's approvers may
 * add (the ACLs), not by the grant's state: an approver may write that
 * without the approval entry, and a state set to "approved" by hand must
 * not take an unapproved emergency use off the report. Revoked or denied
 * without an approval, it can no longer be used, and is not listed.
 */
static int
emergency_open(const struct grant *g)
{
	return g->emergency && !g->have_approval &&
	    strcasecmp(g->state, AUTHD_GRANT_REVOKED) != 0 &&
	    strcasecmp(g->state, AUTHD_GRANT_DENIED) != 0;
}

struct list_ctx {
	int report;                    /* only emergency grants not yet approved */
	int all;                       /* also ended and decided ones */
	const char *state;
	int n;
	time_t now;
};

static int
list_one(struct actl *a, LDAPMessage *e, void *arg)
{
	struct list_ctx *lc = arg;
	struct grant g;
	char role[80], holder[80], from[40], until[40], flags[160];

	take_grant(a, e, &g);
	if (lc->report && !g.emergency)
		return 0;
	if (lc->state != NULL && strcasecmp(g.state, lc->state) != 0)
		return 0;
	if (!lc->report && !lc->all && lc->state == NULL && g.until != 0 &&
	    g.until <= lc->now)
		return 0;
	grant_details(a, &g);
	if (lc->report && !emergency_open(&g))
		return 0;
	flags[0] = '\0';
	if (g.emergency) {
		snprintf(flags, sizeof(flags), "EMERGENCY");
		if (emergency_open(&g) && g.created != 0) {
			char due[40];

			actl_local_time(g.created + g.deadline, due, sizeof(due));
			snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags),
			    " UNAPPROVED %s %s", g.created + g.deadline <= lc->now ?
			    "OVERDUE since" : "due", due);
		}
	}
	/* the requester wrote most of these: never raw to a terminal */
	actl_printable(g.cn, sizeof(g.cn));
	actl_printable(g.state, sizeof(g.state));
	actl_printable(g.creator, sizeof(g.creator));
	actl_printable(g.reason, sizeof(g.reason));
	if (lc->n++ == 0)
		printf("%-16s %-16s %-12s %-10s %-24s %-24s %s\n", "ID", "ROLE",
		    "HOLDER", "STATE", "FROM", "UNTIL", "FLAGS");
	rdn_value(g.role, role, sizeof(role));
	rdn_value(g.holder, holder, sizeof(holder));
	printf("%-16s %-16s %-12s %-10s %-24s %-24s %s\n", g.cn,
	    actl_printable(role, sizeof(role)),
	    actl_printable(holder, sizeof(holder)), g.state,
	    actl_local_time(g.from, from, sizeof(from)),
	    actl_local_time(g.until, until, sizeof(until)), flags);
	if (lc->report)
		printf("    requested by %s: %s\n", g.creator, g.reason);
	return 0;
}

static int
list_run(struct actl *a, struct list_ctx *lc)
{
	char base[600], what[700], filter[128];
	int rc;

	lc->now = time(NULL);
	snprintf(base, sizeof(base), AUTHD_GRANTS_RDN ",%s", a->base_dn);
	snprintf(filter, sizeof(filter), "(objectClass=" AUTHD_OC_GRANT ")");
	rc = actl_search(a, base, LDAP_SCOPE_ONELEVEL, filter, grant_attrs,
	    list_one, lc);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "listing %s", base);
		return actl_ldap_error(a, rc, what, NULL, 0);
	}
	return ACTL_OK;
}

int
actl_grant_list(struct actl *a, int argc, char **argv)
{
	struct grant_args x;
	struct list_ctx lc;
	int ret;

	if ((ret = parse(argc, argv, "list", "all,state", 0, &x)) != ACTL_OK)
		return ret;
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	memset(&lc, 0, sizeof(lc));
	lc.all = x.all;
	lc.state = x.state;
	if ((ret = list_run(a, &lc)) == ACTL_OK && lc.n == 0)
		printf("no grants\n");
	return ret;
}

int
actl_grant_report(struct actl *a, int argc, char **argv)
{
	struct grant_args x;
	struct list_ctx lc;
	int ret;

	if ((ret = parse(argc, argv, "report", "", 0, &x)) != ACTL_OK)
		return ret;
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	memset(&lc, 0, sizeof(lc));
	lc.report = 1;
	if ((ret = list_run(a, &lc)) == ACTL_OK && lc.n == 0)
		printf("no emergency grants awaiting approval\n");
	return ret;
}
