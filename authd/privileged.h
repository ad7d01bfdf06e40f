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
