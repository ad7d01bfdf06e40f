/* Reading a person's TOTP token and moving its last used step (dir_totp.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "dir_totp.h"

#define AT_SEED      "authdTotpSeed"
#define AT_ALG       "authdTotpAlgorithm"
#define AT_DIGITS    "authdTotpDigits"
#define AT_PERIOD    "authdTotpPeriod"
#define AT_LAST_STEP "authdTotpLastStep"
#define AT_STATE     "authdTotpState"

/* A non-negative decimal; 1 found, 0 absent, -1 malformed. */
static int
u64_value(LDAP *ld, LDAPMessage *e, const char *attr, uint64_t *v_r)
{
	char buf[32], *end;
	unsigned long long v;
	int r;

	if ((r = dir_entry_value(ld, e, attr, buf, sizeof(buf))) != 1)
		return r;
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v_r = v;
	return 1;
}

static int
parse_token(LDAP *ld, LDAPMessage *e, struct dir_totp_token *tok)
{
	struct berval **v;
	char alg[16];
	uint64_t n;
	int r;

	if ((v = ldap_get_values_len(ld, e, AT_SEED)) == NULL)
		return DIR_ERROR;
	r = v[0] != NULL && v[0]->bv_len <= sizeof(tok->blob);
	if (r) {
		memcpy(tok->blob, v[0]->bv_val, v[0]->bv_len);
		tok->blob_len = v[0]->bv_len;
		explicit_bzero(v[0]->bv_val, v[0]->bv_len);
	}
	ldap_value_free_len(v);
	if (!r)
		return DIR_ERROR;
	tok->params.alg = TOTP_SHA1;
	tok->params.digits = 6;
	tok->params.period = TOTP_PERIOD_DEFAULT;
	if ((r = dir_entry_value(ld, e, AT_ALG, alg, sizeof(alg))) < 0 ||
	    (r == 1 && totp_alg_parse(alg, &tok->params.alg) != 0))
		return DIR_ERROR;
	if ((r = u64_value(ld, e, AT_DIGITS, &n)) < 0 || (r == 1 && n > 16))
		return DIR_ERROR;
	if (r == 1)
		tok->params.digits = (unsigned)n;
	if ((r = u64_value(ld, e, AT_PERIOD, &n)) < 0 || (r == 1 && n > 100000))
		return DIR_ERROR;
	if (r == 1)
		tok->params.period = (unsigned)n;
	if (!totp_params_valid(&tok->params))
		return DIR_ERROR;
	if ((r = u64_value(ld, e, AT_LAST_STEP, &tok->last_step)) < 0)
		return DIR_ERROR;
	tok->have_last_step = r == 1;
	return DIR_OK;
}

int
dir_totp_load(struct dir_conn *c, const char *person_dn,
    struct dir_totp_token *tok_r)
{
	static const char *const attrs[] = {
		AT_SEED, AT_ALG, AT_DIGITS, AT_PERIOD, AT_LAST_STEP, AT_STATE, NULL
	};
	LDAPMessage *res = NULL, *e;
	LDAP *ld = NULL;
	int st, truncated, n;

	memset(tok_r, 0, sizeof(*tok_r));
	n = snprintf(tok_r->dn, sizeof(tok_r->dn), "%s,%s", DIR_TOTP_RDN, person_dn);
	if (n < 0 || (size_t)n >= sizeof(tok_r->dn))
		return DIR_ERROR;
	/* a pending token (enrolment not confirmed) is no token yet */
	st = dir_service_search(c, tok_r->dn,
	    "(&(objectClass=authdTotpToken)(authdTotpState=active))",
	    attrs, 2, (struct ldap **)&ld, (struct ldapmsg **)&res, &truncated);
	if (st != DIR_OK)
		return st;
	if ((e = ldap_first_entry(ld, res)) == NULL)
		st = DIR_NOT_FOUND;
	else
		st = parse_token(ld, e, tok_r);
	ldap_msgfree(res);
	if (st != DIR_OK)
		explicit_bzero(tok_r->blob, sizeof(tok_r->blob));
	return st;
}

int
dir_totp_advance(struct dir_conn *c, const struct dir_totp_token *tok,
    uint64_t step)
{
	char oldv[32], newv[32];
	char *oldvals[2] = { oldv, NULL }, *newvals[2] = { newv, NULL };
	LDAPMod del, add, *mods[3];
	int st, rc = LDAP_SUCCESS;

	snprintf(oldv, sizeof(oldv), "%" PRIu64, tok->last_step);
	snprintf(newv, sizeof(newv), "%" PRIu64, step);
	memset(&del, 0, sizeof(del));
	memset(&add, 0, sizeof(add));
	del.mod_op = LDAP_MOD_DELETE;
	del.mod_type = AT_LAST_STEP;
	del.mod_values = oldvals;
	add.mod_op = LDAP_MOD_ADD;
	add.mod_type = AT_LAST_STEP;
	add.mod_values = newvals;
	/* no step stored yet: the add alone, which fails on a single-valued
	 * attribute if another login stored one first */
	if (tok->have_last_step) {
		mods[0] = &del;
		mods[1] = &add;
	} else {
		mods[0] = &add;
		mods[1] = NULL;
	}
	mods[2] = NULL;
	st = dir_service_modify(c, tok->dn, (struct ldapmod **)mods, &rc);
	if (st == DIR_OK)
		return DIR_OK;
	if (rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_TYPE_OR_VALUE_EXISTS ||
	    rc == LDAP_CONSTRAINT_VIOLATION)
		return DIR_INVALID;
	return st;
}
