/*
 * The directory's password policies (slapo-ppolicy): the default
 * (olcPPolicyDefault, AUTHD_DEFAULT_PPOLICY_RDN under base_dn) and those
 * people name in pwdPolicySubentry. Two things are read of them:
 *  - lockout, of the default and of the privileged accounts' policy
 *    (cn=privileged,ou=policies, which authctl user add gives them): what
 *    a person under it meets after failed logins, which decoys follow
 *    (decoy_lock.h; a name of privileged_names follows the privileged
 *    one);
 *  - expiry (pwdMaxAge, pwdGraceAuthNLimit, pwdGraceExpiry), of the
 *    person's own policy:
 *    acct_mgmt without a bind before it (sshd after a key) must still say
 *    that a password has expired, as pam_unix does from shadow.
 * Read on a worker with authd's identity, each cached for PPOLICY_TTL
 * seconds like the login policies (policy.c), PPOLICY_SLOTS of them (the
 * one read longest ago gives way). When one cannot be read (said once in
 * the log), decoys do not lock and its expired passwords are left to the
 * bind, as before authd read it: nobody is refused because of it. The last
 * copy read stays in use while a refresh fails.
 */
#ifndef AUTHD_PPOLICY_H
#define AUTHD_PPOLICY_H

#include <stddef.h>

#include "conf.h"
#include "decoy_lock.h"
#include "dir.h"

#define PPOLICY_TTL 60      /* seconds a read of the policy is used */
#define PPOLICY_SLOTS 8     /* policies kept: the default and 7 by DN */

/* A policy's expiry; known 0 when it could not be read (check nothing). */
struct expiry_rule {
	int known;
	long max_age;            /* pwdMaxAge seconds, 0: never expires */
	unsigned grace_limit;    /* pwdGraceAuthNLimit */
	long grace_expiry;       /* pwdGraceExpiry seconds after expiry, 0: none */
};

/*
 * The lockout rule of policy_dn (NULL or "" the default; max_failure 0:
 * never locks): DIR_OK with *rule_r, or, with dc NULL (the event loop),
 * DIR_NO_CONN when the copy is due or busy. A policy that cannot be read
 * gives the default's rule.
 */
int ppolicy_lockout(struct dir_conn *dc, const struct authd_conf *conf,
    const char *policy_dn, struct lockout_rule *rule_r);
/* The DN of the privileged accounts' policy (AUTHD_PRIVILEGED_POLICY_RDN). */
void ppolicy_privileged_dn(const struct authd_conf *conf, char *buf,
    size_t len);

/*
 * The expiry of policy_dn (the person's pwdPolicySubentry; NULL or "" the
 * default): DIR_OK with *rule_r, or, with dc NULL (the event loop),
 * DIR_NO_CONN when the copy is due or busy.
 */
int ppolicy_expiry(struct dir_conn *dc, const struct authd_conf *conf,
    const char *policy_dn, struct expiry_rule *rule_r);

#endif
