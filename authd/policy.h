/*
 * Login policies (authdPolicy entries under conf->policy_dn): which factor
 * categories a login needs and which methods may give them, chosen by PAM
 * service and by this host's confidentiality class (conf->system_class).
 *
 * Requirement grammar (authdPolicyRequire, authdPolicyRemoteRequire):
 *   require  = item *( "+" item )
 *   item     = category / N "of:" category *( "," category )
 *   category = "knowledge" / "possession" / "inherence" ("biometric" is a synonym)
 * Every plain category is needed; "Nof:a,b,c" needs at least N distinct of
 * those listed. "knowledge+possession", "2of:knowledge,possession,inherence",
 * "knowledge+1of:possession,inherence". A category counts once however many
 * methods proved it.
 *
 * Choice: a policy applies when its services include the request's service
 * or "*" (none listed = any) and its classes include conf->system_class
 * (none listed = any; a policy naming classes never applies on a host
 * without system_class). The most specific wins: service and class >
 * service > class > neither; a tie goes to the lowest cn. When none
 * applies: the built-in default, knowledge by password.
 *
 * Policies are read on a worker, cached for POLICY_TTL seconds.
 */
#ifndef AUTHD_POLICY_H
#define AUTHD_POLICY_H

#include <stddef.h>

#include "conf.h"
#include "dir.h"

#define POLICY_TTL            5      /* seconds a read of the policies is used */
#define POLICY_MAX            64
#define POLICY_MAX_SERVICES   16
#define POLICY_NAME_MAX       128

/* Method bits (the verifiers' names). */
#define POLICY_M_PASSWORD     0x1u
#define POLICY_M_TOTP         0x2u
#define POLICY_M_FIDO2        0x4u
#define POLICY_M_CARD         0x8u

struct policy_req {
	unsigned must;               /* FACTOR_* all needed */
	unsigned of;                 /* FACTOR_* of which at least n ... */
	int n;                       /* ... are needed (0: no such item) */
	char text[128];              /* as written, for messages and the audit */
};

/* What applies to one login (remote or not already resolved). */
struct policy_eff {
	char name[POLICY_NAME_MAX];  /* cn of the entry, or "default" */
	struct policy_req req;
	unsigned methods;            /* POLICY_M_* */
	int invalid;                 /* the entry could not be read: refuse */
	char error[160];             /* why, for the audit */
};

/* "password" -> POLICY_M_PASSWORD; 0 for an unknown name. */
unsigned policy_method_bit(const char *name);
/* Parse a requirement; AUTHD_OK or AUTHD_ERR_INVALID with a reason in err. */
int policy_parse_require(const char *text, struct policy_req *r, char *err,
    size_t errlen);
/* Whether the proven categories meet r. */
int policy_satisfied(const struct policy_req *r, unsigned proven);
/* Whether a category (one FACTOR_* bit) would bring r closer, given proven. */
int policy_wants(const struct policy_req *r, unsigned proven, unsigned category);
/* The categories r still lacks that possible cannot give: 0 when possible suffices. */
unsigned policy_missing(const struct policy_req *r, unsigned possible);
/* "knowledge+possession" ("none" for 0). */
void policy_categories_str(unsigned cats, char *out, size_t outsz);

/*
 * The policy for this login, from the cache (refreshed from the directory
 * through dc when older than POLICY_TTL). DIR_OK with *eff_r filled (the
 * default when none applies), or DIR_UNAVAILABLE/DIR_ERROR when the policies
 * could never be read (a stale copy is used when a refresh fails). dc NULL
 * (the event loop): DIR_NO_CONN when the cache is due or busy.
 */
int policy_for(struct dir_conn *dc, const struct authd_conf *conf,
    const char *service, int remote, struct policy_eff *eff_r);

#endif
