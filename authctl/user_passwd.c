/*
 * authctl user passwd: an administrator sets a temporary password with the
 * Password Modify operation (RFC 3062); ppolicy then sets pwdReset so that
 * the person must change it at the first login. We check that it did.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authctl.h"
#include "conn.h"
#include "err.h"
#include "mods.h"
#include "opts.h"
#include "password_gen.h"
#include "secret.h"

/* ppolicy's reason for refusing the password, if it sent one. */
static void
policy_reason(struct actl *a, LDAPControl **ctrls, char *out, size_t outsz)
{
	LDAPPasswordPolicyError perr = PP_noError;
	LDAPControl *c;
	ber_int_t expire, grace;

	out[0] = '\0';
	if (ctrls == NULL ||
	    (c = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, ctrls, NULL)) == NULL)
		return;
	if (ldap_parse_passwordpolicy_control(a->ld, c, &expire, &grace, &perr) ==
	    LDAP_SUCCESS && perr != PP_noError)
		snprintf(out, outsz, "%s", ldap_passwordpolicy_err2txt(perr));
}

/* Password Modify as the administrator; the LDAP result code. */
static int
set_password(struct actl *a, const char *dn, const char *password,
    char *reason, size_t reasonlen)
{
	struct berval user, pw;
	LDAPControl *ppolicy = NULL, *sctrls[2] = { NULL, NULL }, **rctrls = NULL;
	LDAPMessage *res = NULL;
	struct timeval tv;
	char policy[128], *diag = NULL;
	int msgid, rc, err;

	reason[0] = '\0';
	user.bv_val = (char *)dn;
	user.bv_len = strlen(dn);
	pw.bv_val = (char *)password;
	pw.bv_len = strlen(password);
	tv.tv_sec = a->conf.ldap_timeout > 0 ? a->conf.ldap_timeout : 5;
	tv.tv_usec = 0;
	if ((rc = ldap_create_passwordpolicy_control(a->ld, &ppolicy)) != LDAP_SUCCESS)
		return rc;
	sctrls[0] = ppolicy;
	if ((rc = ldap_passwd(a->ld, &user, NULL, &pw, sctrls, NULL, &msgid)) != LDAP_SUCCESS)
		goto out;
	if ((rc = ldap_result(a->ld, msgid, LDAP_MSG_ALL, &tv, &res)) <= 0) {
		rc = rc == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
		goto out;
	}
	if (ldap_parse_result(a->ld, res, &err, NULL, &diag, NULL, &rctrls, 0) != LDAP_SUCCESS)
		err = LDAP_OTHER;
	policy_reason(a, rctrls, policy, sizeof(policy));
	if (err != LDAP_SUCCESS)
		snprintf(reason, reasonlen, "%s%s%s", policy,
		    policy[0] != '\0' && diag != NULL && *diag != '\0' ? ": " : "",
		    diag != NULL ? diag : "");
	rc = err;
 out:
	ldap_memfree(diag);
	ldap_controls_free(rctrls);
	ldap_msgfree(res);
	ldap_control_free(ppolicy);
	return rc;
}

static int
read_reset(struct actl *a, LDAPMessage *e, void *arg)
{
	char value[16];
	int *reset = arg;

	*reset = actl_first_value(a, e, "pwdReset", value, sizeof(value)) > 0 &&
	    strcasecmp(value, "TRUE") == 0;
	return 1;
}

/* Make sure ppolicy set pwdReset; set it ourselves when the policy does not. */
static int
require_change(struct actl *a, const char *dn, const char *uid)
{
	char *attrs[] = { "pwdReset", NULL }, what[600];
	struct actl_mods m;
	int rc, reset = 0;

	rc = actl_search(a, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
	    read_reset, &reset);
	if (rc == LDAP_SUCCESS && reset)
		return ACTL_OK;
	actl_mods_init(&m);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, "pwdReset", "TRUE");
	if ((rc = ldap_modify_ext_s(a->ld, dn, m.list, NULL, NULL)) != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "setting pwdReset on %s: the password "
		    "was set but %s need not change it at the first login", dn, uid);
		return actl_ldap_error(a, rc, what, NULL, 0);
	}
	return ACTL_OK;
}

int
actl_user_passwd(struct actl *a, int argc, char **argv)
{
	const char *uid, *file;
	char generated[ACTL_TEMP_PASSWORD_LEN + 1], err[512], reason[768], what[600];
	char *password = NULL, *dn = NULL;
	int rc, ret;

	if ((ret = actl_parse_uid_opt(argc, argv, "passwd", "password-file", &uid,
	    &file)) != ACTL_OK || (ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	generated[0] = '\0';
	if (file != NULL) {
		if (authd_read_secret_file(file, &password, err, sizeof(err)) != AUTHD_OK) {
			fprintf(stderr, "authctl: %s\n", err);
			goto out;
		}
	} else if (actl_password_generate(generated, sizeof(generated),
	    ACTL_TEMP_PASSWORD_LEN) != 0) {
		fprintf(stderr, "authctl: cannot generate a password: no randomness\n");
		goto out;
	}
	if ((dn = actl_person_dn(a, uid)) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		goto out;
	}
	rc = set_password(a, dn, password != NULL ? password : generated,
	    reason, sizeof(reason));
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "setting the password of %s", dn);
		if (reason[0] != '\0')
			fprintf(stderr, "authctl: the directory refused: %s (%s) "
			    "while %s\n", ldap_err2string(rc), reason, what);
		else
			actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, "user_passwd", uid, "refused", reason);
		goto out;
	}
	if ((ret = require_change(a, dn, uid)) != ACTL_OK) {
		actl_record(a, "user_passwd", uid, "failed",
		    "temporary password set, pwdReset not set");
		goto out;
	}
	actl_record(a, "user_passwd", uid, "success",
	    "temporary password set, change required at first login");
	if (password == NULL)
		printf("temporary password for %s: %s\n", uid, generated);
	printf("%s: temporary password set; it must be changed at the first login\n",
	    uid);
	ret = ACTL_OK;
 out:
	explicit_bzero(generated, sizeof(generated));
	authd_secret_free(&password);
	free(dn);
	return ret;
}
