/*
 * authd/fido2.c: verification of assertions that the software authenticator
 * (tests/lib/softfido2) makes, reached through libfido2 with in-process I/O
 * functions. No device, no directory.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <fido/es256.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "fido2.h"
#include "softfido2.h"
#include "verifier.h"

#define RP "example.com"

static const uint8_t aaguid_bio[16] = {
	0x5c, 0xa1, 0xab, 0x1e, 0x00, 0x01, 0x40, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb1, 0x0e
};
#define AAGUID_BIO_TEXT "5ca1ab1e-0001-4000-8000-00000000b10e"

static struct softfido2 *sf;
static fido_dev_t *dev;
static struct fido2_cred cred;

/* What one assertion from the key gave. */
struct made {
	uint8_t cdh[32];
	uint8_t authdata[512];
	size_t authdata_len;
	uint8_t sig[128];
	size_t sig_len;
};

static void
pem_of(const unsigned char *raw, size_t len, char *out, size_t outsz)
{
	es256_pk_t *pk = es256_pk_new();
	EVP_PKEY *evp;
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	ck_assert_int_eq(es256_pk_from_ptr(pk, raw, len), FIDO_OK);
	ck_assert_ptr_nonnull(evp = es256_pk_to_EVP_PKEY(pk));
	ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, evp), 1);
	n = BIO_get_mem_data(bio, &p);
	ck_assert_int_lt(n, (long)outsz);
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	BIO_free(bio);
	EVP_PKEY_free(evp);
	es256_pk_free(&pk);
}

/* A new credential from the key for RP, as authctl fido2 enroll asks. */
static fido_cred_t *
make_cred(int uv)
{
	fido_cred_t *c = fido_cred_new();
	uint8_t cdh[32], user[16];

	ck_assert_int_eq(RAND_bytes(cdh, sizeof(cdh)), 1);
	memset(user, 7, sizeof(user));
	ck_assert_int_eq(fido_cred_set_type(c, COSE_ES256), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_rp(c, RP, "authd"), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_user(c, user, sizeof(user), "alice",
	    "Alice", NULL), FIDO_OK);
	if (uv)
		ck_assert_int_eq(fido_cred_set_uv(c, FIDO_OPT_TRUE), FIDO_OK);
	ck_assert_int_eq(fido_dev_make_cred(dev, c, NULL), FIDO_OK);
	ck_assert_str_eq(fido_cred_fmt(c), "packed");
	return c;
}

/* Make a credential on the key and keep it in cred, as authd would read it. */
static void
enroll(int uv)
{
	fido_cred_t *c = make_cred(uv);

	ck_assert_int_eq(fido_cred_verify_self(c), FIDO_OK);

	memset(&cred, 0, sizeof(cred));
	ck_assert_uint_le(fido_cred_id_len(c), sizeof(cred.id));
	memcpy(cred.id, fido_cred_id_ptr(c), fido_cred_id_len(c));
	cred.id_len = fido_cred_id_len(c);
	pem_of(fido_cred_pubkey_ptr(c), fido_cred_pubkey_len(c), cred.pubkey_pem,
	    sizeof(cred.pubkey_pem));
	cred.cose_alg = FIDO2_COSE_ES256;
	ck_assert_uint_eq(fido_cred_aaguid_len(c), 16);
	memcpy(cred.aaguid, fido_cred_aaguid_ptr(c), 16);
	cred.uv_capable = fido_dev_has_uv(dev);
	cred.sign_count = fido_cred_sigcount(c);
	strcpy(cred.rp_id, RP);
	fido_cred_free(&c);
}

/* Ask the key for an assertion over a fresh challenge; FIDO_OK or its error. */
static int
assertion(fido_opt_t up, fido_opt_t uv, struct made *m)
{
	fido_assert_t *a = fido_assert_new();
	int r;

	ck_assert_int_eq(RAND_bytes(m->cdh, sizeof(m->cdh)), 1);
	ck_assert_int_eq(fido_assert_set_rp(a, RP), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_clientdata_hash(a, m->cdh,
	    sizeof(m->cdh)), FIDO_OK);
	ck_assert_int_eq(fido_assert_allow_cred(a, cred.id, cred.id_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_up(a, up), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_uv(a, uv), FIDO_OK);
	if ((r = fido_dev_get_assert(dev, a, NULL)) == FIDO_OK) {
		ck_assert_uint_eq(fido_assert_count(a), 1);
		ck_assert_mem_eq(fido_assert_id_ptr(a, 0), cred.id, cred.id_len);
		m->authdata_len = fido_assert_authdata_len(a, 0);
		ck_assert_uint_le(m->authdata_len, sizeof(m->authdata));
		memcpy(m->authdata, fido_assert_authdata_ptr(a, 0), m->authdata_len);
		m->sig_len = fido_assert_sig_len(a, 0);
		ck_assert_uint_le(m->sig_len, sizeof(m->sig));
		memcpy(m->sig, fido_assert_sig_ptr(a, 0), m->sig_len);
	}
	fido_assert_free(&a);
	return r;
}

static int
verify(const struct made *m, const char *rp, int require_uv,
    struct fido2_verdict *v)
{
	struct fido2_assertion a = {
		.rp_id = rp,
		.cdh = m->cdh, .cdh_len = sizeof(m->cdh),
		.authdata = m->authdata, .authdata_len = m->authdata_len,
		.sig = m->sig, .sig_len = m->sig_len,
		.require_uv = require_uv,
	};

	return fido2_verify(&cred, &a, v);
}

/* The attestation certificates (tests/lib/fido2-attestation.sh), once. */
static char att_dir[64], roots[96];

static void
certs_made(void)
{
	char cmd[512];
	const char *src = getenv("AUTHD_SRCDIR");

	if (att_dir[0] != '\0')
		return;
	snprintf(att_dir, sizeof(att_dir), "/tmp/authd-fido2-att.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(att_dir));
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/lib/fido2-attestation.sh' %s %s",
	    src != NULL ? src : ".", att_dir, AAGUID_BIO_TEXT);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(roots, sizeof(roots), "%s/root.pem", att_dir);
}

static void
certs_removed(void)
{
	char cmd[128];

	if (att_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", att_dir);
	ck_assert_int_eq(system(cmd), 0);
	att_dir[0] = '\0';
}

/* The text of dir/name into out. */
static void
load_text(const char *dir, const char *name, char *out, size_t outsz)
{
	char path[160];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(out, 1, outsz - 1, f);
	ck_assert(feof(f));
	out[n] = '\0';
	fclose(f);
}

static void
setup(void)
{
	fido_init(0);
	ck_assert_ptr_nonnull(sf = softfido2_new(aaguid_bio, 1));
	ck_assert_ptr_nonnull(dev = fido_dev_new());
	ck_assert_int_eq(fido_dev_set_io_functions(dev, softfido2_io()), FIDO_OK);
	ck_assert_int_eq(fido_dev_open(dev, softfido2_mem_path(sf)), FIDO_OK);
	ck_assert(fido_dev_is_fido2(dev));
	ck_assert(fido_dev_has_uv(dev));
	enroll(0);
}

static void
teardown(void)
{
	certs_removed();
	fido_dev_close(dev);
	fido_dev_free(&dev);
	softfido2_free(&sf);
}

START_TEST(valid_assertion)
{
	struct fido2_verdict v;
	struct made m;
	char why[160];

	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
	ck_assert_int_eq(verify(&m, RP, 0, &v), DIR_OK);
	ck_assert_uint_gt(v.new_count, cred.sign_count);
	ck_assert_int_eq(v.uv_done, 0);
	ck_assert_uint_eq(fido2_categories(v.uv_done, &cred, AAGUID_BIO_TEXT,
	    NULL, why, sizeof(why)), FACTOR_POSSESSION);
}
END_TEST

START_TEST(no_user_presence)
{
	struct fido2_verdict v;
	struct made m;

	/* A silent assertion (CTAP 2.1 up=false): signed, but nobody touched. */
	ck_assert_int_eq(assertion(FIDO_OPT_FALSE, FIDO_OPT_OMIT, &m), FIDO_OK);
	ck_assert_int_eq(verify(&m, RP, 0, &v), DIR_INVALID);
	ck_assert_ptr_nonnull(strstr(v.reason, "user presence"));

	/* Nobody touches the key: the key gives nothing. */
	softfido2_set_user(sf, 0, 0);
	ck_assert_int_ne(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
}
END_TEST

START_TEST(wrong_rp_id)
{
	struct fido2_verdict v;
	struct made m;

	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
	ck_assert_int_eq(verify(&m, "evil.example.org", 0, &v), DIR_INVALID);
	ck_assert_ptr_nonnull(strstr(v.reason, "refused"));
}
END_TEST

START_TEST(tampered)
{
	struct fido2_verdict v;
	struct made m, t;

	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
	t = m;
	t.sig[t.sig_len - 1] ^= 0x01;
	ck_assert_int_eq(verify(&t, RP, 0, &v), DIR_INVALID);
	/* another challenge than the one signed */
	t = m;
	t.cdh[0] ^= 0x80;
	ck_assert_int_eq(verify(&t, RP, 0, &v), DIR_INVALID);
	/* the UV flag set afterwards */
	t = m;
	t.authdata[2 + 32] |= 0x04;
	ck_assert_int_eq(verify(&t, RP, 1, &v), DIR_INVALID);
	/* garbage instead of authenticator data */
	t = m;
	t.authdata_len = 5;
	ck_assert_int_eq(verify(&t, RP, 0, &v), DIR_INVALID);
	ck_assert_int_eq(verify(&m, RP, 0, &v), DIR_OK);
}
END_TEST

START_TEST(counter_must_increase)
{
	struct fido2_verdict v;
	struct made m;

	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
	ck_assert_int_eq(verify(&m, RP, 0, &v), DIR_OK);
	cred.sign_count = v.new_count;
	/* the same assertion again */
	ck_assert_int_eq(verify(&m, RP, 0, &v), DIR_INVALID);
	ck_assert_ptr_nonnull(strstr(v.reason, "sign counter went back: cloned key?"));
	/* a clone of the key, whose counter is behind */
	softfido2_set_counter(sf, cred.sign_count - 1);
	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
	ck_assert_int_eq(verify(&m, RP, 0, &v), DIR_INVALID);
	ck_assert_ptr_nonnull(strstr(v.reason, "cloned key?"));
	/* and one that went ahead is fine */
	softfido2_set_counter(sf, cred.sign_count + 100);
	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
	ck_assert_int_eq(verify(&m, RP, 0, &v), DIR_OK);
	ck_assert_uint_eq(v.new_count, cred.sign_count + 101);
}
END_TEST

START_TEST(user_verification)
{
	struct fido2_verdict v;
	struct made m;
	char why[160];

	softfido2_set_user(sf, 1, 1);
	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_TRUE, &m), FIDO_OK);
	ck_assert_int_eq(verify(&m, RP, 1, &v), DIR_OK);
	ck_assert_int_eq(v.uv_done, 1);
	/* a fingerprint key on the allow-list, its model attested: inherence */
	certs_made();
	load_text(att_dir, "att.pem", cred.att_cert_pem, sizeof(cred.att_cert_pem));
	ck_assert_uint_eq(fido2_categories(v.uv_done, &cred,
	    "00000000-0000-0000-0000-000000000001 " AAGUID_BIO_TEXT, roots, why,
	    sizeof(why)), FACTOR_POSSESSION | FACTOR_INHERENCE);
	ck_assert_str_eq(why, "");
	/* not on the list: UV was a PIN, knowledge */
	ck_assert_uint_eq(fido2_categories(v.uv_done, &cred,
	    "00000000-0000-0000-0000-000000000001", roots, why, sizeof(why)),
	    FACTOR_POSSESSION | FACTOR_KNOWLEDGE);
	ck_assert_str_eq(why, "");
	ck_assert_uint_eq(fido2_categories(v.uv_done, &cred, NULL, roots, why,
	    sizeof(why)), FACTOR_POSSESSION | FACTOR_KNOWLEDGE);
	/* on the list, but the AAGUID is only the key's word (self attestation) */
	cred.att_cert_pem[0] = '\0';
	ck_assert_uint_eq(fido2_categories(v.uv_done, &cred, AAGUID_BIO_TEXT,
	    roots, why, sizeof(why)), FACTOR_POSSESSION | FACTOR_KNOWLEDGE);
	ck_assert_ptr_nonnull(strstr(why, "self attestation"));

	/* UV required but the key did only presence */
	cred.sign_count = v.new_count;
	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
	ck_assert_int_eq(verify(&m, RP, 1, &v), DIR_INVALID);

	/* the finger is not recognised: the key refuses */
	softfido2_set_user(sf, 1, 0);
	ck_assert_int_ne(assertion(FIDO_OPT_TRUE, FIDO_OPT_TRUE, &m), FIDO_OK);
}
END_TEST

/* What fido2_model_attested() believes of an attestation certificate. */
static int
attested(const char *roots_file, const char *cert_name, char *why, size_t whylen)
{
	char pem[FIDO2_ATT_CERT_MAX] = "";

	if (cert_name != NULL)
		load_text(att_dir, cert_name, pem, sizeof(pem));
	return fido2_model_attested(roots_file, pem, aaguid_bio, why, whylen);
}

START_TEST(model_attestation)
{
	char why[160], other_roots[128], both[512];

	certs_made();
	ck_assert_int_eq(attested(roots, "att.pem", why, sizeof(why)), 1);
	/* another vendor's certificate, whose root the site does not list */
	ck_assert_int_eq(attested(roots, "other.pem", why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "does not chain to fido2_attestation_roots"));
	/* the right vendor, but a certificate for another model */
	ck_assert_int_eq(attested(roots, "wrong.pem", why, sizeof(why)), 0);
	ck_assert_str_eq(why, "attestation certificate names another AAGUID");
	/* a root is no key's attestation */
	ck_assert_int_eq(attested(roots, "root.pem", why, sizeof(why)), 0);
	ck_assert_str_eq(why, "attestation certificate is a CA's");
	/* self attestation: nothing to check */
	ck_assert_int_eq(attested(roots, NULL, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "self attestation"));
	ck_assert_int_eq(fido2_model_attested(roots, "-----BEGIN CERTIFICATE-----\nAAAA\n",
	    aaguid_bio, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "attestation certificate unreadable");
	/* the roots as they are now: the other vendor alone, both, none */
	snprintf(other_roots, sizeof(other_roots), "%s/other-root.pem", att_dir);
	ck_assert_int_eq(attested(other_roots, "att.pem", why, sizeof(why)), 0);
	ck_assert_int_eq(attested(other_roots, "other.pem", why, sizeof(why)), 1);
	snprintf(both, sizeof(both), "cat %s %s > %s/both.pem", roots, other_roots,
	    att_dir);
	ck_assert_int_eq(system(both), 0);
	snprintf(both, sizeof(both), "%s/both.pem", att_dir);
	ck_assert_int_eq(attested(both, "att.pem", why, sizeof(why)), 1);
	ck_assert_int_eq(attested(both, "other.pem", why, sizeof(why)), 1);
	snprintf(both, sizeof(both), "%s/missing.pem", att_dir);
	ck_assert_int_eq(attested(both, "att.pem", why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "cannot read fido2_attestation_roots"));
	ck_assert_int_eq(attested(NULL, "att.pem", why, sizeof(why)), 0);
	/*
	 * A vendor that signs its keys' certificates with an intermediate CA:
	 * libfido2 hands over the key's certificate alone, so the site lists
	 * the intermediate beside the root (authd.conf(5)).
	 */
	ck_assert_int_eq(attested(roots, "att-int.pem", why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "does not chain to fido2_attestation_roots"));
	snprintf(both, sizeof(both), "cat %s %s/vendor-int.pem > %s/with-int.pem",
	    roots, att_dir, att_dir);
	ck_assert_int_eq(system(both), 0);
	snprintf(both, sizeof(both), "%s/with-int.pem", att_dir);
	ck_assert_int_eq(attested(both, "att-int.pem", why, sizeof(why)), 1);
	ck_assert_int_eq(attested(both, "att.pem", why, sizeof(why)), 1);
}
END_TEST

/* The software key attests with a certificate, as a vendor's key does. */
START_TEST(full_attestation_verifies)
{
	fido_cred_t *c;
	char key[128], cert[128];

	certs_made();
	snprintf(key, sizeof(key), "%s/att.key", att_dir);
	snprintf(cert, sizeof(cert), "%s/att.pem", att_dir);
	ck_assert_int_eq(softfido2_set_attestation_cert(sf, key, cert), 0);
	c = make_cred(0);
	ck_assert_ptr_nonnull(fido_cred_x5c_ptr(c));
	ck_assert_int_eq(fido_cred_verify(c), FIDO_OK);
	/* signed by the attestation key, not the new one */
	ck_assert_int_ne(fido_cred_verify_self(c), FIDO_OK);
	fido_cred_free(&c);
}
END_TEST

START_TEST(aaguid_text)
{
	uint8_t a[16];
	char s[37];

	ck_assert_int_eq(fido2_aaguid_parse(AAGUID_BIO_TEXT, a), 0);
	ck_assert_mem_eq(a, aaguid_bio, 16);
	fido2_aaguid_format(a, s);
	ck_assert_str_eq(s, AAGUID_BIO_TEXT);
	ck_assert_int_eq(fido2_aaguid_parse("5CA1AB1E00014000800000000000B10E", a), 0);
	ck_assert_mem_eq(a, aaguid_bio, 16);
	ck_assert_int_eq(fido2_aaguid_parse("5ca1ab1e", a), -1);
	ck_assert_int_eq(fido2_aaguid_parse(AAGUID_BIO_TEXT "00", a), -1);
	ck_assert_int_eq(fido2_aaguid_parse("zz" AAGUID_BIO_TEXT, a), -1);
}
END_TEST

START_TEST(unsupported_algorithm)
{
	struct fido2_verdict v;
	struct made m;

	ck_assert_int_eq(assertion(FIDO_OPT_TRUE, FIDO_OPT_OMIT, &m), FIDO_OK);
	cred.cose_alg = -257;
	ck_assert_int_eq(verify(&m, RP, 0, &v), DIR_INVALID);
}
END_TEST

static Suite *
fido2_suite(void)
{
	Suite *s = suite_create("fido2");
	TCase *tc = tcase_create("verify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_assertion);
	tcase_add_test(tc, no_user_presence);
	tcase_add_test(tc, wrong_rp_id);
	tcase_add_test(tc, tampered);
	tcase_add_test(tc, counter_must_increase);
	tcase_add_test(tc, user_verification);
	tcase_add_test(tc, model_attestation);
	tcase_add_test(tc, full_attestation_verifies);
	tcase_add_test(tc, aaguid_text);
	tcase_add_test(tc, unsupported_algorithm);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fido2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
