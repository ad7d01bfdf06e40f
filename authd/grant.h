/*
 * Grants of privileged roles (ldap_schema/README.md, "Privileged roles and
 * grants"): whether authd honours one for a login, from the directory's
 * entries. The loader (grant_find) runs on a worker and reads the holder's
 * grants, each one's approval child, its role and the role's approver and
 * requester groups; grant_evaluate() is a pure function of what was read.
 *
 * A grant is honoured on this host at time now only when
 *  - its role exists and covers the host (authdRoleHost = host_name or "*");
 *  - now is in [from, until) and until - from is at most the role's
 *    authdRoleMaxGrant;
 *  - it was created (creatorsName) by a person (an entry under people_dn)
 *    who may request it: one of the role's authdRoleRequester accounts or a
 *    member of its requester groups, or, when the role lists none, the
 *    holder; a grant written by the rootdn is never honoured;
 *  - it is not denied or revoked, and no approval child says deny;
 *  - either its state is approved and its approval child (decision approve)
 *    was created by a person other than the grant's creator and the holder
 *    who is a member of one of the role's approver groups (now: membership
 *    is read at each login) that the directory guards from administrators:
 *    a groupOfNames under ou=roles (only the CISO writes there) or
 *    cn=ciso,ou=groups (only the rootdn), the groups whose members
 *    administrators may not set a password or uidNumber for
 *    (ldap_schema/README.md); a group elsewhere counts nobody;
 *  - or it is an emergency grant of a role that allows emergency use, still
 *    requested, within authdRoleEmergencyDeadline of its creation: honoured
 *    but flagged, and authctl grant report lists it until it is approved.
 */
#ifndef AUTHD_GRANT_H
#define AUTHD_GRANT_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "dir.h"

#define GRANT_MAX          32    /* grants of one holder not yet ended; more: refused */
#define GRANT_DN_MAX       512

/* A list of DNs (normalised where libldap could), malloc'd. */
struct grant_dns {
	char **v;
	size_t n;
};

/* One grant with its approval and its role, as read from the directory. */
struct grant_facts {
	char dn[GRANT_DN_MAX];
	char cn[128];
	char role_dn[GRANT_DN_MAX];
	char holder[GRANT_DN_MAX];
	char state[16];
	int emergency;
	time_t from, until, created;     /* 0 when absent or unreadable */
	char creator[GRANT_DN_MAX];      /* the grant's creatorsName */

	int have_approval;
	char decision[16];               /* approve | deny */
	char approver[GRANT_DN_MAX];     /* the approval's creatorsName */

	int have_role;
	long max_grant, max_session;     /* seconds; 0 when absent */
	int role_emergency;
	long emergency_deadline;         /* seconds; 0 when absent */
	struct grant_dns hosts;          /* authdRoleHost values (not DNs) */
	struct grant_dns approvers;      /* members of the approver groups */
	/* an approver group outside ou=roles and cn=ciso,ou=groups, whose
	 * members administrators could change: its members are not counted */
	char unguarded_group[GRANT_DN_MAX];
	struct grant_dns requesters;     /* requester accounts + members of requester groups */
	int requesters_listed;           /* the role names any requester */
};

enum grant_verdict {
	GRANT_REFUSED = 0,
	GRANT_HONOURED = 1,
	GRANT_EMERGENCY = 2              /* honoured, not yet approved */
};

/* Where and when a login happens. */
struct grant_ctx {
	const char *holder_dn;           /* the account logging in */
	const char *host;                /* conf host_name */
	const char *people_dn;           /* who counts as a person */
	time_t now;
};

/* Pure: the verdict on one grant; why (for the audit) says what decided. */
enum grant_verdict grant_evaluate(const struct grant_facts *g,
    const struct grant_ctx *ctx, char *why, size_t whylen);

/* What the login path keeps of the grant it honoured. */
struct grant_hold {
	char dn[GRANT_DN_MAX];           /* "" when none is honoured */
	char role[GRANT_DN_MAX];
	time_t until;
	long max_session;
	int emergency;                   /* honoured as an unapproved emergency grant */
	time_t emergency_deadline;       /* when it must be approved by */
};

/*
 * Pure: the best of n grants (an approved one before an emergency one, then
 * the one that ends last) into *hold_r; GRANT_REFUSED with why naming the
 * reason of the first refused (or "no grant") when none is honoured.
 */
enum grant_verdict grant_choose(const struct grant_facts *gs, size_t n,
    const struct grant_ctx *ctx, struct grant_hold *hold_r, char *why,
    size_t whylen);

/*
 * Load holder_dn's grants (under ou=grants,base_dn) as authd and choose.
 * DIR_OK with *verdict_r and *hold_r (why says why when refused), or
 * DIR_UNAVAILABLE / DIR_ERROR (a message in why).
 */
int grant_find(struct dir_conn *dc, const struct authd_conf *conf,
    const char *holder_dn, time_t now, enum grant_verdict *verdict_r,
    struct grant_hold *hold_r, char *why, size_t whylen);

/* "YYYYMMDDHHMMSS[.f]Z" to time_t; 0 or -1. */
int grant_gtime(const char *s, time_t *t_r);
void grant_facts_clear(struct grant_facts *g);
/* Append a copy of s; 0 or -1 (out of memory). */
int grant_dns_add(struct grant_dns *l, const char *s);

#endif
