/* A person's FIDO2 credentials in the directory (fido2.h), as authd. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "fido2.h"
#include "schema.h"

/* A decimal in [lo, hi]; 1 found, 0 absent, -1 malformed. */
static int
long_value(LDAP *ld, LDAPMessage *e, const char *attr, long long lo,
    long long hi, long long *v_r)
{
	char buf[32], *end;
	long long v;
	int r;

	if ((r = dir_entry_value(ld, e, attr, buf, sizeof(buf))) != 1)
		return r;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || *end != '\0' || v < lo || v > hi)
		return -1;
	*v_r = v;
	return 1;
}

static int
parse_cred(LDAP *ld, LDAPMessage *e, struct fido2_cred *c)
{
	struct berval **v;
	char *dn, buf[64];
	long long n;
	int ok;

	memset(c, 0, sizeof(*c));
	if ((dn = ldap_get_dn(ld, e)) == NULL)
		return -1;
	ok = strlen(dn) < sizeof(c->dn);
	if (ok)
		strcpy(c->dn, dn);
	ldap_memfree(dn);
	if (!ok || (v = ldap_get_values_len(ld, e, AUTHD_AT_FIDO_CRED_ID)) == NULL)
		return -1;
	ok = v[0] != NULL && v[0]->bv_len > 0 && v[0]->bv_len <= sizeof(c->id);
	if (ok) {
		memcpy(c->id, v[0]->bv_val, v[0]->bv_len);
		c->id_len = v[0]->bv_len;
	}
	ldap_value_free_len(v);
	if (!ok ||
	    dir_entry_value(ld, e, AUTHD_AT_FIDO_PUBKEY, c->pubkey_pem,
	    sizeof(c->pubkey_pem)) != 1 ||
	    dir_entry_value(ld, e, AUTHD_AT_FIDO_RP_ID, c->rp_id, sizeof(c->rp_id)) != 1 ||
	    long_value(ld, e, AUTHD_AT_FIDO_ALG, -65536, 65536, &n) != 1)
		return -1;
	c->cose_alg = (int)n;
	if (long_value(ld, e, AUTHD_AT_FIDO_SIGN_COUNT, 0, UINT32_MAX, &n) != 1)
		return -1;
	c->sign_count = (uint32_t)n;
	/* The AAGUID matters only for the biometric allow-list: absent or
	 * unreadable, the credential simply is not on it. */
	if (dir_entry_value(ld, e, AUTHD_AT_FIDO_AAGUID, buf, sizeof(buf)) != 1 ||
	    fido2_aaguid_parse(buf, c->aaguid) != 0)
		memset(c->aaguid, 0, sizeof(c->aaguid));
	/* Absent (self attestation) or too long, the model is not attested. */
	if (dir_entry_value(ld, e, AUTHD_AT_FIDO_ATT_CERT, c->att_cert_pem,
	    sizeof(c->att_cert_pem)) != 1)
		c->att_cert_pem[0] = '\0';
	c->uv_capable = dir_entry_value(ld, e, AUTHD_AT_FIDO_UV, buf, sizeof(buf)) == 1 &&
	    strcasecmp(buf, "TRUE") == 0;
	return 0;
}

int
dir_fido2_load(struct dir_conn *c, const char *person_dn,
    struct fido2_cred *creds, size_t max, size_t *n_r)
{
	static const char *const attrs[] = {
		AUTHD_AT_FIDO_CRED_ID, AUTHD_AT_FIDO_PUBKEY, AUTHD_AT_FIDO_ALG,
		AUTHD_AT_FIDO_AAGUID, AUTHD_AT_FIDO_UV, AUTHD_AT_FIDO_SIGN_COUNT,
		AUTHD_AT_FIDO_RP_ID, AUTHD_AT_FIDO_ATT_CERT, NULL
	};
	LDAPMessage *res = NULL, *e;
	LDAP *ld = NULL;
	int st, truncated;

	*n_r = 0;
	st = dir_service_search(c, person_dn,
	    "(&(objectClass=" AUTHD_OC_FIDO_CRED ")(" AUTHD_AT_FIDO_STATE "=active))",
	    attrs, (int)max, (struct ldap **)&ld, (struct ldapmsg **)&res,
	    &truncated);
	if (st != DIR_OK)
		return st;
	for (e = ldap_first_entry(ld, res); e != NULL && *n_r < max;
	    e = ldap_next_entry(ld, e))
		/* a damaged entry is skipped: the others still work */
		if (parse_cred(ld, e, &creds[*n_r]) == 0)
			(*n_r)++;
	ldap_msgfree(res);
	return DIR_OK;
}

int
dir_fido2_model_listed(struct dir_conn *c, const char *base_dn,
    const uint8_t aaguid[16], char *name, size_t namesz)
{
	static const char *const attrs[] = { "cn", NULL };
	char base[1100], filter[160], id[37];
	LDAPMessage *res = NULL, *e;
	LDAP *ld = NULL;
	int st, truncated;

	if (namesz > 0)
		name[0] = '\0';
	if (base_dn == NULL || snprintf(base, sizeof(base), AUTHD_MODELS_RDN ",%s",
	    base_dn) >= (int)sizeof(base))
		return DIR_NOT_FOUND;
	/* the AAGUID's own characters (hex and dashes) need no escaping */
	fido2_aaguid_format(aaguid, id);
	snprintf(filter, sizeof(filter), "(&(objectClass=" AUTHD_OC_BIOMETRIC_MODEL
	    ")(" AUTHD_AT_FIDO_AAGUID "=%s))", id);
	st = dir_service_search(c, base, filter, attrs, 1, (struct ldap **)&ld,
	    (struct ldapmsg **)&res, &truncated);
	if (st != DIR_OK)
		return st;
	e = ldap_first_entry(ld, res);
	if (e != NULL && namesz > 0 &&
	    dir_entry_value(ld, e, "cn", name, namesz) != 1)
		snprintf(name, namesz, "?");
	ldap_msgfree(res);
	return e != NULL ? DIR_OK : DIR_NOT_FOUND;
}

int
dir_fido2_store_count(struct dir_conn *c, const char *cred_dn,
    uint32_t old_count, uint32_t new_count)
{
	char oldv[16], newv[16];
	char *oldvals[2] = { oldv, NULL }, *newvals[2] = { newv, NULL };
	LDAPMod del, add, *mods[3] = { &del, &add, NULL };
	int st, rc = LDAP_SUCCESS;

	snprintf(oldv, sizeof(oldv), "%u", (unsigned)old_count);
	snprintf(newv, sizeof(newv), "%u", (unsigned)new_count);
	memset(&del, 0, sizeof(del));
	memset(&add, 0, sizeof(add));
	del.mod_op = LDAP_MOD_DELETE;
	del.mod_type = AUTHD_AT_FIDO_SIGN_COUNT;
	del.mod_values = oldvals;
	add.mod_op = LDAP_MOD_ADD;
	add.mod_type = AUTHD_AT_FIDO_SIGN_COUNT;
	add.mod_values = newvals;
	st = dir_service_modify(c, cred_dn, (struct ldapmod **)mods, &rc);
	if (st == DIR_OK)
		return DIR_OK;
	/* the old value was not there any more: another login got there first */
	if (rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_TYPE_OR_VALUE_EXISTS ||
	    rc == LDAP_CONSTRAINT_VIOLATION)
		return DIR_INVALID;
	return st;
}
