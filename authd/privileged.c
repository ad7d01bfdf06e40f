#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "privileged.h"
#include "schema.h"
#include "verifier.h"

static const char *const default_names[] = { "root", "admin", "administrator", NULL };

int
priv_name_denied(const struct authd_conf *conf, const char *name)
{
	const char *list, *w;
	size_t i, len, n = strlen(name);

	for (i = 0; default_names[i] != NULL; i++)
		if (strcasecmp(name, default_names[i]) == 0)
			return 1;
	if (conf == NULL || conf->privileged_denied_names == NULL)
		return 0;
	list = conf->privileged_denied_names;
	while ((w = authd_list_next(&list, &len)) != NULL)
		if (len == n && strncasecmp(w, name, n) == 0)
			return 1;
	return 0;
}

int
priv_name_patterned(const struct authd_conf *conf, const char *name)
{
	const char *list, *w;
	char pattern[AUTHD_CONF_PATTERN_MAX + 1];
	size_t len;

	if (conf == NULL || conf->privileged_names == NULL)
		return 0;
	list = conf->privileged_names;
	while ((w = authd_list_next(&list, &len)) != NULL) {
		if (len > AUTHD_CONF_PATTERN_MAX)
			continue;          /* the config's check refuses such */
		memcpy(pattern, w, len);
		pattern[len] = '\0';
		if (fnmatch(pattern, name, FNM_CASEFOLD) == 0)
			return 1;
	}
	return 0;
}

int
priv_is_privileged(const struct dir_account *acct)
{
	return strcasecmp(acct->type, PRIV_TYPE) == 0;
}

void
priv_force_mfa(struct policy_eff *eff)
{
	const unsigned need = FACTOR_KNOWLEDGE | FACTOR_POSSESSION;
	const unsigned possession = POLICY_M_CARD | POLICY_M_FIDO2 | POLICY_M_TOTP;
	char text[sizeof(eff->req.text) + 40];

	/* "2of:knowledge,possession,inherence" is not enough: both must be there. */
	if ((eff->req.must & need) == need)
		return;
	eff->req.must |= need;
	eff->methods |= POLICY_M_PASSWORD;
	if ((eff->methods & possession) == 0)
		eff->methods |= possession;
	snprintf(text, sizeof(text), "%s+knowledge+possession(privileged)",
	    eff->req.text[0] != '\0' ? eff->req.text : "knowledge");
	memcpy(eff->req.text, text, sizeof(eff->req.text) - 1);
	eff->req.text[sizeof(eff->req.text) - 1] = '\0';
	/* the audit's policy= says so too */
	if (strlen(eff->name) + sizeof("+privileged") <= sizeof(eff->name))
		strcat(eff->name, "+privileged");
}

void
priv_dn_normalise(const char *dn, char *out, size_t outsz)
{
	char *n = NULL;

	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &n,
	    LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && n != NULL)
		snprintf(out, outsz, "%s", n);
	else
		snprintf(out, outsz, "%s", dn);
	ldap_memfree(n);
}

int
priv_approver_group_guarded(const char *group_dn, const char *base_dn)
{
	char group[1024], base[1024], guard[1100];
	size_t n, m;

	priv_dn_normalise(group_dn, group, sizeof(group));
	priv_dn_normalise(base_dn != NULL ? base_dn : "", base, sizeof(base));
	snprintf(guard, sizeof(guard), "%s,%s", AUTHD_CISO_GROUP_RDN, base);
	if (strcasecmp(group, guard) == 0)
		return 1;
	snprintf(guard, sizeof(guard), ",%s,%s", AUTHD_ROLES_RDN, base);
	n = strlen(group);
	m = strlen(guard);
	return n > m && strcasecmp(group + n - m, guard) == 0;
}
