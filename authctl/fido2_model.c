/*
 * authctl fido2 model-add / models / model-remove: the directory's list of
 * FIDO2 authenticator models whose user verification is biometric
 * (authdBiometricModel entries cn=NAME,ou=models,BASE, one AAGUID each).
 * authd reads it at each login with such a key, beside the host's own
 * fido2_biometric_aaguids; a model counts only where the key's attestation
 * chains to the host's fido2_attestation_roots.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "authctl.h"
#include "authd/fido2.h"
#include "cmd_fido2.h"
#include "conn.h"
#include "mods.h"
#include "opts.h"
#include "schema.h"

#define MODEL_NAME_MAX 64

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= MODEL_NAME_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static char *
model_dn(const struct actl *a, const char *name)
{
	char *dn;

	if (asprintf(&dn, "cn=%s," AUTHD_MODELS_RDN ",%s", name, a->base_dn) < 0)
		return NULL;
	return dn;
}

struct found {
	char name[MODEL_NAME_MAX + 1];
	int n;
};

static int
found_one(struct actl *a, LDAPMessage *e, void *arg)
{
	struct found *f = arg;

	if (f->n++ == 0)
		actl_first_value(a, e, "cn", f->name, sizeof(f->name));
	return 0;
}

int
actl_fido2_model_listed(struct actl *a, const uint8_t aaguid[16], char *name,
    size_t namesz)
{
	char *attrs[] = { "cn", NULL }, filter[160], id[37], *base;
	struct found f;
	int r;

	if (namesz > 0)
		name[0] = '\0';
	if (asprintf(&base, AUTHD_MODELS_RDN ",%s", a->base_dn) < 0)
		return -1;
	fido2_aaguid_format(aaguid, id);
	snprintf(filter, sizeof(filter), "(&(objectClass=" AUTHD_OC_BIOMETRIC_MODEL
	    ")(" AUTHD_AT_FIDO_AAGUID "=%s))", id);
	memset(&f, 0, sizeof(f));
	r = actl_search(a, base, LDAP_SCOPE_ONELEVEL, filter, attrs, found_one, &f);
	free(base);
	if (r == LDAP_NO_SUCH_OBJECT || (r == LDAP_SUCCESS && f.n == 0))
		return 0;
	if (r != LDAP_SUCCESS)
		return -1;
	if (namesz > 0)
		snprintf(name, namesz, "%s", f.name);
	return 1;
}

int
actl_fido2_model_add(struct actl *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "description", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name, *desc = NULL;
	char id[37], what[600], reason[768], other[MODEL_NAME_MAX + 1], *dn = NULL;
	uint8_t aaguid[16];
	struct actl_mods m;
	int ch, rc, ret;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'd')
			desc = optarg;
		else if (ch == 'h')
			return actl_help("fido2", "model-add");
		else
			return actl_usage("fido2", "model-add");
	}
	if (argc - optind != 2)
		return actl_usage("fido2", "model-add");
	name = argv[optind];
	if (!valid_name(name)) {
		fprintf(stderr, "authctl: \"%s\": a model's name is 1 to %d of "
		    "A-Z a-z 0-9 . _ -\n", name, MODEL_NAME_MAX);
		return ACTL_USAGE;
	}
	if (fido2_aaguid_parse(argv[optind + 1], aaguid) != 0) {
		fprintf(stderr, "authctl: \"%s\" is not an AAGUID (32 hex digits, "
		    "dashes allowed)\n", argv[optind + 1]);
		return ACTL_USAGE;
	}
	fido2_aaguid_format(aaguid, id);
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	switch (actl_fido2_model_listed(a, aaguid, other, sizeof(other))) {
	case 1:
		fprintf(stderr, "authctl: refused: AAGUID %s is already listed as "
		    "model %s\n", id, other);
		actl_record(a, "fido2_model_add", name, "refused", "already listed");
		return ACTL_FAIL;
	case -1:
		fprintf(stderr, "authctl: cannot read the models under %s,%s\n",
		    AUTHD_MODELS_RDN, a->base_dn);
		return ACTL_FAIL;
	}
	if ((dn = model_dn(a, name)) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	actl_mods_init(&m);
	if (actl_mods_add1(&m, LDAP_MOD_ADD, "objectClass",
	    AUTHD_OC_BIOMETRIC_MODEL) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, "cn", name) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, AUTHD_AT_FIDO_AAGUID, id) != 0 ||
	    actl_mods_add1(&m, LDAP_MOD_ADD, "description", desc) != 0) {
		fprintf(stderr, "authctl: out of memory\n");
		free(dn);
		return ACTL_FAIL;
	}
	rc = ldap_add_ext_s(a->ld, dn, m.list, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "adding %s", dn);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, "fido2_model_add", name, "refused", reason);
		free(dn);
		return ACTL_FAIL;
	}
	snprintf(what, sizeof(what), "biometric model %s, aaguid %s", name, id);
	actl_record(a, "fido2_model_add", name, "success", what);
	printf("biometric model %s (aaguid %s) added: the user verification of "
	    "its keys counts as biometric on hosts whose fido2_attestation_roots "
	    "the key's attestation chains to\n", name, id);
	free(dn);
	return ACTL_OK;
}

static int
print_model(struct actl *a, LDAPMessage *e, void *arg)
{
	char cn[MODEL_NAME_MAX + 1], id[40], desc[256];

	(void)arg;
	actl_first_value(a, e, "cn", cn, sizeof(cn));
	actl_first_value(a, e, AUTHD_AT_FIDO_AAGUID, id, sizeof(id));
	actl_first_value(a, e, "description", desc, sizeof(desc));
	printf("%-24s %-36s %s\n", actl_printable(cn, sizeof(cn)),
	    actl_printable(id, sizeof(id)), actl_printable(desc, sizeof(desc)));
	return 0;
}

int
actl_fido2_models(struct actl *a, int argc, char **argv)
{
	char *attrs[] = { "cn", AUTHD_AT_FIDO_AAGUID, "description", NULL };
	char *base, **args;
	int r, ret;

	if ((ret = actl_parse_args(argc, argv, "fido2", "models", 0, &args)) != ACTL_OK)
		return ret;
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if (asprintf(&base, AUTHD_MODELS_RDN ",%s", a->base_dn) < 0) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	printf("%-24s %-36s %s\n", "MODEL", "AAGUID", "DESCRIPTION");
	r = actl_search(a, base, LDAP_SCOPE_ONELEVEL,
	    "(objectClass=" AUTHD_OC_BIOMETRIC_MODEL ")", attrs, print_model, NULL);
	free(base);
	if (r != LDAP_SUCCESS)
		return actl_ldap_error(a, r, "listing the biometric models", NULL, 0);
	return ACTL_OK;
}

int
actl_fido2_model_remove(struct actl *a, int argc, char **argv)
{
	char what[600], *dn, **args;
	int ret;

	if ((ret = actl_parse_args(argc, argv, "fido2", "model-remove", 1,
	    &args)) != ACTL_OK)
		return ret;
	if (!valid_name(args[0])) {
		fprintf(stderr, "authctl: \"%s\" is not a model's name (see "
		    "authctl fido2 models)\n", args[0]);
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if ((dn = model_dn(a, args[0])) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	snprintf(what, sizeof(what), "biometric model %s", args[0]);
	if ((ret = actl_delete_recorded(a, dn, "fido2_model_remove", args[0],
	    what)) != ACTL_OK) {
		free(dn);
		return ret;
	}
	printf("biometric model %s removed: from the next login its keys' user "
	    "verification counts as a PIN (knowledge), except on hosts that list "
	    "it in fido2_biometric_aaguids\n", args[0]);
	free(dn);
	return ACTL_OK;
}
