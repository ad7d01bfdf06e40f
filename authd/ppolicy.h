/*
 * The directory's default password policy (slapo-ppolicy's olcPPolicyDefault,
 * AUTHD_DEFAULT_PPOLICY_RDN under base_dn), as far as lockout goes: what a
 * person under it meets after failed logins, which decoys follow
 * (decoy_lock.h). Read on a worker with authd's identity, cached for
 * PPOLICY_TTL seconds like the login policies (policy.c). When it cannot be
 * read, decoys do not lock (said once in the log); the last copy read
 * stays in use while a refresh fails. Real logins never depend on it.
 */
#ifndef AUTHD_PPOLICY_H
#define AUTHD_PPOLICY_H

#include "conf.h"
#include "decoy_lock.h"
#include "dir.h"

#define PPOLICY_TTL 60      /* seconds a read of the policy is used */

/*
 * The lockout rule (max_failure 0: never locks): DIR_OK with *rule_r, or,
 * with dc NULL (the event loop), DIR_NO_CONN when the copy is due or busy.
 */
int ppolicy_lockout(struct dir_conn *dc, const struct authd_conf *conf,
    struct lockout_rule *rule_r);

#endif
