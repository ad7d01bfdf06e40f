/*
 * Rules for privileged accounts (authdAccountType privileged) that do not
 * depend on grants: default names refused (root, admin, administrator and
 * the config's privileged_denied_names, for any account), and multi-factor
 * login whatever the service's policy says. Pure functions: authd's login
 * path and authctl user add use them.
 */
#ifndef AUTHD_PRIVILEGED_H
#define AUTHD_PRIVILEGED_H

#include "conf.h"
#include "dir.h"
#include "policy.h"

#define PRIV_TYPE "privileged"

/* Is name a default name (case-insensitive): root, admin, administrator,
 * or a word of conf->privileged_denied_names (conf may be NULL)? */
int priv_name_denied(const struct authd_conf *conf, const char *name);

/*
 * Does name match a pattern of conf->privileged_names (shell patterns as
 * fnmatch(3) reads them, without case)? They describe how this site names
 * its privileged accounts: a name nobody has that matches is played as a
 * privileged account's decoy (decide_auth.c: its prompts and its lockout),
 * and authctl user add warns when an account's type and name disagree.
 * 0 when none is set (conf may be NULL).
 */
int priv_name_patterned(const struct authd_conf *conf, const char *name);

/*
 * Is group_dn an approver group the directory guards from administrators:
 * a group under ou=roles (the CISO writes there) or cn=ciso,ou=groups (the
 * rootdn), whose members' passwords and uidNumbers administrators may not
 * set (ldap_schema/README.md)? Only such groups' members approve grants
 * (grant.h). DNs compared as LDAP normalises them.
 */
int priv_approver_group_guarded(const char *group_dn, const char *base_dn);
/* dn as LDAP normalises it (as given when it cannot), into out. */
void priv_dn_normalise(const char *dn, char *out, size_t outsz);

/* Is the account of type privileged? */
int priv_is_privileged(const struct dir_account *acct);

/*
 * Raise eff to at least knowledge + possession, allowing the methods that
 * can give them (password; card, fido2, totp) when it allowed none; its
 * text says so for messages and the audit. A policy already that strict is
 * left as it is.
 */
void priv_force_mfa(struct policy_eff *eff);

#endif
