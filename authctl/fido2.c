/*
 * authctl fido2 enroll / list / remove: a person's FIDO2 security keys,
 * child entries cn=fido2-HASH of the person (ldap_schema/authd.schema).
 *
 * enroll runs on a terminal with the key attached: the key makes a
 * credential for the relying party authd uses (fido2_rp_id, default the
 * host name), its attestation is verified, and the credential id, public
 * key, AAGUID, UV capability and signature counter are stored, bound as
 * the administrator who acts, with the attestation certificate when the
 * key gave one: authd checks it against fido2_attestation_roots at each
 * login before a model on fido2_biometric_aaguids counts as biometric.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <fido.h>
#include <fido/es256.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "authctl.h"
#include "cmd_fido2.h"
#include "conn.h"
#include "opts.h"
#include "authd/fido2.h"
#include "pam_module/fido2_dev.h"
#include "schema.h"
#include "secret.h"
#include "value.h"

#define ENROL_TIMEOUT_MS  (60 * 1000)

/* What enroll stores. */
struct enrolled {
	char cn[64];
	char pem[FIDO2_PUBKEY_MAX];
	char aaguid[37];
	char alg[16];
	char count[16];
	const char *attestation;
	char cert_pem[FIDO2_ATT_CERT_MAX];   /* "" for self attestation */
	int uv_capable;
	int biometric;                       /* counts as biometric, as now configured */
	char listed_by[128];                 /* "fido2_biometric_aaguids", "the directory's list (model M)" */
	char not_bio[160];                   /* why a listed model does not */
};

static const char *
rp_id_of(struct actl *a, const char *override, char *buf, size_t bufsz)
{
	if (override != NULL)
		return override;
	if (a->conf.fido2_rp_id != NULL && a->conf.fido2_rp_id[0] != '\0')
		return a->conf.fido2_rp_id;
	if (a->conf.host_name != NULL && a->conf.host_name[0] != '\0')
		return a->conf.host_name;
	if (gethostname(buf, bufsz) != 0)
		return NULL;
	buf[bufsz - 1] = '\0';
	return buf;
}

/* cn=fido2- and the first 16 hex digits of SHA-256 of the credential id. */
static void
cred_cn(const unsigned char *id, size_t len, char out[64])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	int i, n;

	SHA256(id, len, h);
	n = snprintf(out, 64, "%s", AUTHD_FIDO_RDN_PREFIX);
	for (i = 0; i < 8; i++)
		n += snprintf(out + n, 64 - (size_t)n, "%02x", h[i]);
}

/* The key's PIN from the terminal, echo off; NULL when none given. */
static char *
read_pin(void)
{
	struct termios old, quiet;
	char buf[256], *pin = NULL;
	FILE *tty;
	size_t n;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return NULL;
	fprintf(tty, "Security key PIN: ");
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	if (fgets(buf, sizeof(buf), tty) != NULL) {
		n = strcspn(buf, "\r\n");
		buf[n] = '\0';
		if (n > 0)
			pin = strdup(buf);
	}
	explicit_bzero(buf, sizeof(buf));
	(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	return pin;
}

/* What a memory BIO holds, as a string in out. 0, or -1 when it does not fit. */
static int
bio_text(BIO *bio, char *out, size_t outsz)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0 || (size_t)n >= outsz)
		return -1;
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	return 0;
}

static int
pubkey_pem(const fido_cred_t *c, char *out, size_t outsz)
{
	es256_pk_t *pk = NULL;
	EVP_PKEY *evp = NULL;
	BIO *bio = NULL;
	int ret = -1;

	if ((pk = es256_pk_new()) == NULL ||
	    es256_pk_from_ptr(pk, fido_cred_pubkey_ptr(c),
	    fido_cred_pubkey_len(c)) != FIDO_OK ||
	    (evp = es256_pk_to_EVP_PKEY(pk)) == NULL ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(bio, evp) != 1)
		goto out;
	ret = bio_text(bio, out, outsz);
out:
	BIO_free(bio);
	EVP_PKEY_free(evp);
	es256_pk_free(&pk);
	return ret;
}

/*
 * Verify what the key made. A full attestation is checked against the
 * certificate it carries (not against a vendor root: authd keeps none), a
 * self attestation against the new key. "none" proves nothing: refused.
 */
static int
check_attestation(const fido_cred_t *c, const char **kind_r)
{
	const char *fmt = fido_cred_fmt(c);
	int r;

	if (fmt == NULL || strcmp(fmt, "none") == 0) {
		fprintf(stderr, "authctl: the key gave no attestation; it cannot "
		    "be verified\n");
		return -1;
	}
	if (fido_cred_x5c_ptr(c) != NULL) {
		r = fido_cred_verify(c);
		*kind_r = fmt;
	} else {
		r = fido_cred_verify_self(c);
		*kind_r = strcmp(fmt, "packed") == 0 ? "packed-self" : fmt;
	}
	if (r != FIDO_OK) {
		fprintf(stderr, "authctl: the key's attestation does not verify: "
		    "%s\n", fido_strerr(r));
		return -1;
	}
	return 0;
}

/* The attestation certificate the key gave, in PEM; "" when none. 0 or -1. */
static int
attestation_cert_pem(const fido_cred_t *c, char *out, size_t outsz)
{
	const unsigned char *der = fido_cred_x5c_ptr(c);
	X509 *x = NULL;
	BIO *bio = NULL;
	int ret = -1;

	out[0] = '\0';
	if (der == NULL || fido_cred_x5c_len(c) == 0)
		return 0;
	if ((x = d2i_X509(NULL, &der, (long)fido_cred_x5c_len(c))) == NULL ||
	    (bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(bio, x) != 1)
		goto out;
	ret = bio_text(bio, out, outsz);
out:
	BIO_free(bio);
	X509_free(x);
	return ret;
}

/*
 * Will the key's user verification count as biometric: its model on
 * fido2_biometric_aaguids or under ou=models, and attested by
 * fido2_attestation_roots (what authd checks at each login)? Said now, so
 * the administrator knows.
 */
static void
judge_biometric(struct actl *a, const fido_cred_t *c, struct enrolled *en)
{
	const uint8_t *aaguid = fido_cred_aaguid_ptr(c);
	char model[80];

	en->biometric = 0;
	en->not_bio[0] = '\0';
	if (fido2_aaguid_listed(aaguid, a->conf.fido2_biometric_aaguids))
		snprintf(en->listed_by, sizeof(en->listed_by),
		    "fido2_biometric_aaguids");
	else if (actl_fido2_model_listed(a, aaguid, model, sizeof(model)) == 1)
		snprintf(en->listed_by, sizeof(en->listed_by), "the directory's "
		    "list (model %s)", model);
	else
		return;
	en->biometric = fido2_model_attested(a->conf.fido2_attestation_roots,
	    en->cert_pem, aaguid, en->not_bio, sizeof(en->not_bio));
}

/* Existing credentials of the person: excluded, so a key enrols once. */
static int
exclude_one(struct actl *a, LDAPMessage *e, void *arg)
{
	struct berval **v;

	if ((v = ldap_get_values_len(a->ld, e, AUTHD_AT_FIDO_CRED_ID)) != NULL) {
		if (v[0] != NULL)
			(void)fido_cred_exclude(arg, (unsigned char *)v[0]->bv_val,
			    v[0]->bv_len);
		ldap_value_free_len(v);
	}
	return 0;
}

static int
make_credential(fido_dev_t *dev, fido_cred_t *c, const char *uid)
{
	char *pin = NULL;
	int r;

	printf("Touch the security key for %s now.\n", uid);
	fflush(stdout);
	r = fido_dev_make_cred(dev, c, NULL);
	if (r == FIDO_ERR_PIN_REQUIRED && fido_dev_has_pin(dev) &&
	    (pin = read_pin()) != NULL) {
		printf("Touch the security key again.\n");
		fflush(stdout);
		r = fido_dev_make_cred(dev, c, pin);
		authd_secret_free(&pin);
	}
	if (r != FIDO_OK)
		fprintf(stderr, "authctl: the key made no credential: %s\n",
		    fido_strerr(r));
	return r;
}

static int
store(struct actl *a, const char *person_dn, const char *uid,
    const fido_cred_t *c, const struct enrolled *en, const char *rp,
    const char *label)
{
	char *dn = NULL, when[32], what[700], reason[768];
	struct berval idv = {
		.bv_len = fido_cred_id_len(c),
		.bv_val = (char *)fido_cred_id_ptr(c),
	};
	struct berval *idvals[2] = { &idv, NULL };
	char *oc[] = { AUTHD_OC_FIDO_CRED, NULL, NULL };
	char *cn[] = { (char *)en->cn, NULL };
	char *pem[] = { (char *)en->pem, NULL }, *alg[] = { (char *)en->alg, NULL };
	char *rpv[] = { (char *)rp, NULL }, *cnt[] = { (char *)en->count, NULL };
	char *state[] = { "active", NULL }, *aag[] = { (char *)en->aaguid, NULL };
	char *uv[] = { en->uv_capable ? "TRUE" : "FALSE", NULL };
	char *att[] = { (char *)en->attestation, NULL }, *tm[] = { when, NULL };
	char *desc[] = { (char *)label, NULL }, *cert[] = { (char *)en->cert_pem, NULL };
	LDAPMod m[14], *mods[15];
	struct tm t;
	time_t now = time(NULL);
	size_t i, n = 0;
	int rc;

	gmtime_r(&now, &t);
	strftime(when, sizeof(when), "%Y%m%d%H%M%SZ", &t);
	if (en->cert_pem[0] != '\0')
		oc[1] = AUTHD_OC_FIDO_ATTESTED;
	memset(m, 0, sizeof(m));
#define MOD(attr, vals) do { m[n].mod_op = LDAP_MOD_ADD; \
	m[n].mod_type = (attr); m[n].mod_values = (vals); n++; } while (0)
	MOD("objectClass", oc);
	MOD("cn", cn);
	MOD(AUTHD_AT_FIDO_PUBKEY, pem);
	MOD(AUTHD_AT_FIDO_ALG, alg);
	MOD(AUTHD_AT_FIDO_RP_ID, rpv);
	MOD(AUTHD_AT_FIDO_SIGN_COUNT, cnt);
	MOD(AUTHD_AT_FIDO_STATE, state);
	MOD(AUTHD_AT_FIDO_AAGUID, aag);
	MOD(AUTHD_AT_FIDO_UV, uv);
	MOD(AUTHD_AT_FIDO_ATTESTATION, att);
	MOD(AUTHD_AT_FIDO_ENROLLED, tm);
	if (label != NULL)
		MOD("description", desc);
	if (en->cert_pem[0] != '\0')
		MOD(AUTHD_AT_FIDO_ATT_CERT, cert);
#undef MOD
	m[n].mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
	m[n].mod_type = AUTHD_AT_FIDO_CRED_ID;
	m[n].mod_bvalues = idvals;
	n++;
	for (i = 0; i < n; i++)
		mods[i] = &m[i];
	mods[n] = NULL;
	if (asprintf(&dn, "cn=%s,%s", en->cn, person_dn) < 0) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	rc = ldap_add_ext_s(a->ld, dn, mods, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "adding %s", dn);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, "fido2_enroll", uid, "refused", reason);
		free(dn);
		return ACTL_FAIL;
	}
	snprintf(what, sizeof(what), "credential %s, aaguid %s, %s, rp %s%s%s",
	    en->cn, en->aaguid, en->attestation, rp,
	    en->biometric ? ", biometric" : en->not_bio[0] != '\0' ?
	    ", not biometric: " : "", en->not_bio);
	actl_record(a, "fido2_enroll", uid, "success", what);
	printf("%s: security key enrolled as %s (aaguid %s, user verification %s, "
	    "attestation %s%s)\n", uid, en->cn, en->aaguid,
	    en->uv_capable ? "yes" : "no", en->attestation,
	    en->biometric ? ", biometric model" : "");
	if (en->not_bio[0] != '\0')
		fprintf(stderr, "authctl: warning: the key's model is on "
		    "%s, but its user verification will count as knowledge (a "
		    "PIN), not biometric: %s\n", en->listed_by, en->not_bio);
	free(dn);
	return ACTL_OK;
}

int
actl_fido2_enroll(struct actl *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "rp-id", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *attrs[] = { AUTHD_AT_FIDO_CRED_ID, NULL };
	const char *uid, *device = NULL, *label = NULL, *rp_override = NULL, *rp;
	unsigned char cdh[32], user_id[SHA256_DIGEST_LENGTH];
	char host[256], *person_dn = NULL;
	struct enrolled en;
	fido_dev_t *dev = NULL;
	fido_cred_t *c = NULL;
	int ch, r, ret = ACTL_FAIL;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'd')
			device = optarg;
		else if (ch == 'n')
			label = optarg;
		else if (ch == 'r')
			rp_override = optarg;
		else if (ch == 'h')
			return actl_help("fido2", "enroll");
		else
			return actl_usage("fido2", "enroll");
	}
	if (argc - optind != 1 || !actl_valid_uid(argv[optind]))
		return actl_usage("fido2", "enroll");
	uid = argv[optind];
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	memset(&en, 0, sizeof(en));
	if ((rp = rp_id_of(a, rp_override, host, sizeof(host))) == NULL ||
	    (person_dn = actl_person_dn(a, uid)) == NULL ||
	    (c = fido_cred_new()) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		goto out;
	}
	/* the person must exist; their keys are excluded from a new enrolment */
	r = actl_search(a, person_dn, LDAP_SCOPE_ONELEVEL,
	    "(objectClass=" AUTHD_OC_FIDO_CRED ")", attrs, exclude_one, c);
	if (r != LDAP_SUCCESS) {
		actl_ldap_error(a, r, "reading the person's keys", NULL, 0);
		goto out;
	}
	if ((r = fido2dev_open(device, ENROL_TIMEOUT_MS, &dev)) != FIDO_OK) {
		fprintf(stderr, "authctl: no security key found%s%s: %s\n",
		    device != NULL ? " at " : "", device != NULL ? device : "",
		    fido_strerr(r));
		goto out;
	}
	SHA256((const unsigned char *)uid, strlen(uid), user_id);
	if (authd_random_bytes(cdh, sizeof(cdh)) != 0 ||
	    fido_cred_set_type(c, COSE_ES256) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_cred_set_rp(c, rp, "authd") != FIDO_OK ||
	    fido_cred_set_user(c, user_id, sizeof(user_id), uid, uid,
	    NULL) != FIDO_OK ||
	    fido_cred_set_rk(c, FIDO_OPT_FALSE) != FIDO_OK) {
		fprintf(stderr, "authctl: cannot prepare the credential\n");
		goto out;
	}
	if (make_credential(dev, c, uid) != FIDO_OK ||
	    check_attestation(c, &en.attestation) != 0)
		goto out;
	if (fido_cred_type(c) != COSE_ES256 || fido_cred_aaguid_len(c) != 16 ||
	    pubkey_pem(c, en.pem, sizeof(en.pem)) != 0) {
		fprintf(stderr, "authctl: the key made a credential authd cannot "
		    "use (ES256 only)\n");
		goto out;
	}
	if (attestation_cert_pem(c, en.cert_pem, sizeof(en.cert_pem)) != 0) {
		fprintf(stderr, "authctl: the key's attestation certificate "
		    "cannot be read\n");
		goto out;
	}
	judge_biometric(a, c, &en);
	cred_cn(fido_cred_id_ptr(c), fido_cred_id_len(c), en.cn);
	fido2_aaguid_format(fido_cred_aaguid_ptr(c), en.aaguid);
	snprintf(en.alg, sizeof(en.alg), "%d", fido_cred_type(c));
	snprintf(en.count, sizeof(en.count), "%u", (unsigned)fido_cred_sigcount(c));
	en.uv_capable = fido_dev_has_uv(dev) || fido_dev_has_pin(dev);
	ret = store(a, person_dn, uid, c, &en, rp, label);
out:
	fido2dev_close(&dev);
	fido_cred_free(&c);
	free(person_dn);
	return ret;
}

static int
print_one(struct actl *a, LDAPMessage *e, void *arg)
{
	char cn[64], state[16], aaguid[40], uv[8], count[16], rp[256], when[32],
	    desc[256], local[64];
	time_t t;

	(void)arg;
	actl_first_value(a, e, "cn", cn, sizeof(cn));
	actl_first_value(a, e, AUTHD_AT_FIDO_STATE, state, sizeof(state));
	actl_first_value(a, e, AUTHD_AT_FIDO_AAGUID, aaguid, sizeof(aaguid));
	actl_first_value(a, e, AUTHD_AT_FIDO_UV, uv, sizeof(uv));
	actl_first_value(a, e, AUTHD_AT_FIDO_SIGN_COUNT, count, sizeof(count));
	actl_first_value(a, e, AUTHD_AT_FIDO_RP_ID, rp, sizeof(rp));
	actl_first_value(a, e, AUTHD_AT_FIDO_ENROLLED, when, sizeof(when));
	actl_first_value(a, e, "description", desc, sizeof(desc));
	if (actl_gtime_parse(when, &t) == 0)
		actl_local_time(t, local, sizeof(local));
	else
		snprintf(local, sizeof(local), "-");
	/* the description is the enroller's text, the rest hand-editable */
	actl_printable(cn, sizeof(cn));
	actl_printable(state, sizeof(state));
	actl_printable(aaguid, sizeof(aaguid));
	actl_printable(count, sizeof(count));
	actl_printable(rp, sizeof(rp));
	actl_printable(desc, sizeof(desc));
	printf("%-23s %-7s %-36s %-3s %8s %-20s %s%s%s\n", cn, state, aaguid,
	    strcmp(uv, "TRUE") == 0 ? "yes" : "no", count, rp, local,
	    desc[0] != '\0' ? "  " : "", desc);
	return 0;
}

int
actl_fido2_list(struct actl *a, int argc, char **argv)
{
	char *attrs[] = { "cn", AUTHD_AT_FIDO_STATE, AUTHD_AT_FIDO_AAGUID,
	    AUTHD_AT_FIDO_UV, AUTHD_AT_FIDO_SIGN_COUNT, AUTHD_AT_FIDO_RP_ID,
	    AUTHD_AT_FIDO_ENROLLED, "description", NULL };
	char *dn, **args;
	int r, ret;

	if ((ret = actl_parse_args(argc, argv, "fido2", "list", 1, &args)) != ACTL_OK)
		return ret;
	if (!actl_valid_uid(args[0]))
		return actl_usage("fido2", "list");
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if ((dn = actl_person_dn(a, args[0])) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	printf("%-23s %-7s %-36s %-3s %8s %-20s %s\n", "KEY", "STATE", "AAGUID",
	    "UV", "COUNTER", "RP ID", "ENROLLED");
	r = actl_search(a, dn, LDAP_SCOPE_ONELEVEL,
	    "(objectClass=" AUTHD_OC_FIDO_CRED ")", attrs, print_one, NULL);
	free(dn);
	if (r != LDAP_SUCCESS)
		return actl_ldap_error(a, r, "listing the keys", NULL, 0);
	return ACTL_OK;
}

int
actl_fido2_remove(struct actl *a, int argc, char **argv)
{
	char *person = NULL, *dn = NULL, what[700], **args;
	const char *key;
	int ret;

	if ((ret = actl_parse_args(argc, argv, "fido2", "remove", 2, &args)) != ACTL_OK)
		return ret;
	if (!actl_valid_uid(args[0]))
		return actl_usage("fido2", "remove");
	key = args[1];
	/* KEY as list shows it (fido2-HEX), or only its HEX */
	if (strncmp(key, AUTHD_FIDO_RDN_PREFIX, strlen(AUTHD_FIDO_RDN_PREFIX)) == 0)
		key += strlen(AUTHD_FIDO_RDN_PREFIX);
	if (strlen(key) != 16 || strspn(key, "0123456789abcdef") != 16) {
		fprintf(stderr, "authctl: \"%s\" is not a key name (see authctl "
		    "fido2 list)\n", args[1]);
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if ((person = actl_person_dn(a, args[0])) == NULL ||
	    asprintf(&dn, "cn=%s%s,%s", AUTHD_FIDO_RDN_PREFIX, key, person) < 0) {
		free(person);
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	free(person);
	snprintf(what, sizeof(what), "credential %s%s", AUTHD_FIDO_RDN_PREFIX, key);
	if ((ret = actl_delete_recorded(a, dn, "fido2_remove", args[0],
	    what)) == ACTL_OK)
		printf("%s: security key %s%s removed\n", args[0],
		    AUTHD_FIDO_RDN_PREFIX, key);
	free(dn);
	return ret;
}
