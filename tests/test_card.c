/*
 * authd/card.c: the verdict on a card's answer, with a CA, another CA, card
 * certificates and signatures all made here with OpenSSL at test time.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "authd/card.h"
#include "err.h"

#define DAY (24L * 3600)

struct pki {
	EVP_PKEY *key;
	X509 *cert;
};

static char dir[PATH_MAX];
static char ca_file[PATH_MAX + 16], other_ca_file[PATH_MAX + 16];
static char crl_file[PATH_MAX + 16];
static struct pki ca, other_ca;
static long next_serial = 100;

static EVP_PKEY *
ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	ck_assert_ptr_nonnull(k);
	return k;
}

/* The extensions of a certificate (NULL: left out) and its digest. */
struct profile {
	const char *basic_constraints;
	const char *key_usage;
	const char *ext_key_usage;
	const EVP_MD *md;               /* NULL: SHA-256 */
};

static const struct profile ca_profile = {
	"critical,CA:TRUE", "critical,keyCertSign,cRLSign", NULL, NULL
};
static const struct profile card_profile = {
	"critical,CA:FALSE", "critical,digitalSignature", NULL, NULL
};

static void
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext;

	if (value == NULL)
		return;
	ck_assert_ptr_nonnull(ext = X509V3_EXT_conf_nid(NULL, v3, nid, value));
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
}

/* A certificate for key, signed by issuer (NULL: self-signed), as pr says. */
static X509 *
make_cert_as(const char *cn, EVP_PKEY *key, const struct pki *issuer,
    long from, long until, const struct profile *pr)
{
	X509V3_CTX v3;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn,
	    -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer->cert) : n);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, from, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x), 0, until, NULL);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer->cert : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_basic_constraints, pr->basic_constraints);
	add_ext(x, &v3, NID_key_usage, pr->key_usage);
	add_ext(x, &v3, NID_ext_key_usage, pr->ext_key_usage);
	ck_assert_int_gt(X509_sign(x, issuer != NULL ? issuer->key : key,
	    pr->md != NULL ? pr->md : EVP_sha256()), 0);
	X509_NAME_free(n);
	return x;
}

/* A certificate for key, signed by issuer (NULL: self-signed CA). */
static X509 *
make_cert(const char *cn, EVP_PKEY *key, const struct pki *issuer,
    long from, long until, int is_ca)
{
	return make_cert_as(cn, key, issuer, from, until,
	    is_ca ? &ca_profile : &card_profile);
}

static void
write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	PEM_write_X509(f, x);
	fclose(f);
}

static size_t
der_of(X509 *x, uint8_t *out, size_t outsz)
{
	unsigned char *p = out;
	int n = i2d_X509(x, NULL);

	ck_assert_int_gt(n, 0);
	ck_assert_uint_le((size_t)n, outsz);
	i2d_X509(x, &p);
	return (size_t)n;
}

/* What the module does: a signature over SHA-256(challenge). */
static size_t
sign(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t *sig, size_t sigsz)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t n = sigsz;

	ck_assert_int_eq(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(EVP_DigestSign(md, sig, &n, msg, len), 1);
	EVP_MD_CTX_free(md);
	return n;
}

/* A CRL of ca revoking serial (or nothing when serial < 0). */
static void
write_crl(long serial, long next_update)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	FILE *f;

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.cert));
	X509_gmtime_adj(t, -DAY);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, next_update);
	X509_CRL_set1_nextUpdate(crl, t);
	if (serial >= 0) {
		X509_REVOKED *rv = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		ASN1_INTEGER_set(sn, serial);
		X509_REVOKED_set_serialNumber(rv, sn);
		X509_gmtime_adj(t, -3600);
		X509_REVOKED_set_revocationDate(rv, t);
		X509_CRL_add0_revoked(crl, rv);
		ASN1_INTEGER_free(sn);
	}
	X509_CRL_sort(crl);
	ck_assert_int_gt(X509_CRL_sign(crl, ca.key, EVP_sha256()), 0);
	ck_assert_ptr_nonnull(f = fopen(crl_file, "w"));
	PEM_write_X509_CRL(f, crl);
	fclose(f);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

/* One person's card: key, certificate, registration. */
struct card {
	EVP_PKEY *key;
	X509 *cert;
	uint8_t der[4096];
	size_t der_len;
	struct card_reg reg;
};

/* A card of issuer (NULL: self-signed), its certificate made as pr says. */
static void
make_card_dated(struct card *c, const char *cn, const struct pki *issuer,
    long from, long until, EVP_PKEY *key, const struct profile *pr)
{
	memset(c, 0, sizeof(*c));
	c->key = key != NULL ? key : ec_key();
	c->cert = make_cert_as(cn, c->key, issuer, from, until, pr);
	c->der_len = der_of(c->cert, c->der, sizeof(c->der));
	ck_assert_int_eq(card_fingerprint(c->der, c->der_len, c->reg.fpr), AUTHD_OK);
	snprintf(c->reg.serial, sizeof(c->reg.serial), "%s", cn);
}

static void
make_card(struct card *c, const char *cn, const struct pki *issuer, long from,
    long until, EVP_PKEY *key)
{
	make_card_dated(c, cn, issuer, from, until, key, &card_profile);
}

/* A card valid now, with another profile. */
static void
make_card_as(struct card *c, const char *cn, const struct pki *issuer,
    EVP_PKEY *key, const struct profile *pr)
{
	make_card_dated(c, cn, issuer, -DAY, 365 * DAY, key, pr);
}

static void
free_card(struct card *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
}

static uint8_t challenge[32];
static uint8_t sig[512];
static size_t sig_len;
static char err[256];

/* The verdict for card c answering with its own key, registered regs. */
static int
verdict(const char *cafile, const char *crl, const struct card *c,
    const struct card_reg *regs, size_t nregs, size_t *matched)
{
	sig_len = sign(c->key, challenge, sizeof(challenge), sig, sizeof(sig));
	return card_verify(cafile, crl, c->der, c->der_len, challenge,
	    sizeof(challenge), sig, sig_len, regs, nregs, time(NULL), matched,
	    err, sizeof(err));
}

static void
setup(void)
{
	const char *t = getenv("TMPDIR");
	size_t i;

	snprintf(dir, sizeof(dir), "%s/authd-card.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", dir);
	snprintf(other_ca_file, sizeof(other_ca_file), "%s/other.pem", dir);
	snprintf(crl_file, sizeof(crl_file), "%s/crl.pem", dir);
	ca.key = ec_key();
	ca.cert = make_cert("Test Card CA", ca.key, NULL, -DAY, 3650 * DAY, 1);
	other_ca.key = ec_key();
	other_ca.cert = make_cert("Test Card CA", other_ca.key, NULL, -DAY,
	    3650 * DAY, 1);
	write_pem(ca_file, ca.cert);
	write_pem(other_ca_file, other_ca.cert);
	for (i = 0; i < sizeof(challenge); i++)
		challenge[i] = (uint8_t)(i * 7 + 3);
}

static void
teardown(void)
{
	unlink(ca_file);
	unlink(other_ca_file);
	unlink(crl_file);
	rmdir(dir);
	X509_free(ca.cert);
	EVP_PKEY_free(ca.key);
	X509_free(other_ca.cert);
	EVP_PKEY_free(other_ca.key);
}

START_TEST(good_card)
{
	struct card alice, old;
	struct card_reg regs[2];
	size_t m = 99;

	make_card(&alice, "alice", &ca, -DAY, 365 * DAY, NULL);
	make_card(&old, "alice-old", &ca, -DAY, 365 * DAY, NULL);
	regs[0] = old.reg;
	regs[1] = alice.reg;
	ck_assert_int_eq(verdict(ca_file, NULL, &alice, regs, 2, &m), CARD_OK);
	ck_assert_uint_eq(m, 1);
	ck_assert_str_eq(card_verdict_reason(CARD_OK), "card accepted");
	free_card(&alice);
	free_card(&old);
}
END_TEST

START_TEST(rsa_card)
{
	struct card carol;
	EVP_PKEY *k = EVP_RSA_gen(2048);

	ck_assert_ptr_nonnull(k);
	make_card(&carol, "carol", &ca, -DAY, 365 * DAY, k);
	ck_assert_int_eq(verdict(ca_file, NULL, &carol, &carol.reg, 1, NULL), CARD_OK);
	free_card(&carol);
}
END_TEST

START_TEST(other_ca_refused)
{
	struct card alice;

	/* same CA name, another key: only the signature tells them apart */
	make_card(&alice, "alice", &other_ca, -DAY, 365 * DAY, NULL);
	ck_assert_int_eq(verdict(ca_file, NULL, &alice, &alice.reg, 1, NULL),
	    CARD_UNKNOWN_CA);
	ck_assert_str_eq(card_verdict_reason(CARD_UNKNOWN_CA),
	    "card from an unknown CA");
	/* the same card is fine where that CA is the configured one */
	ck_assert_int_eq(verdict(other_ca_file, NULL, &alice, &alice.reg, 1, NULL),
	    CARD_OK);
	free_card(&alice);
}
END_TEST

START_TEST(expired_refused)
{
	struct card alice, early;

	make_card(&alice, "alice", &ca, -400 * DAY, -30 * DAY, NULL);
	ck_assert_int_eq(verdict(ca_file, NULL, &alice, &alice.reg, 1, NULL),
	    CARD_EXPIRED);
	ck_assert_str_eq(card_verdict_reason(CARD_EXPIRED), "card expired");
	make_card(&early, "alice", &ca, 30 * DAY, 400 * DAY, NULL);
	ck_assert_int_eq(verdict(ca_file, NULL, &early, &early.reg, 1, NULL),
	    CARD_NOT_YET_VALID);
	free_card(&alice);
	free_card(&early);
}
END_TEST

START_TEST(not_registered_refused)
{
	struct card alice, bob;

	make_card(&alice, "alice", &ca, -DAY, 365 * DAY, NULL);
	make_card(&bob, "bob", &ca, -DAY, 365 * DAY, NULL);
	/* nothing registered */
	ck_assert_int_eq(verdict(ca_file, NULL, &alice, NULL, 0, NULL),
	    CARD_NOT_REGISTERED);
	/* bob's card, good and signed by bob, presented for alice */
	ck_assert_int_eq(verdict(ca_file, NULL, &bob, &alice.reg, 1, NULL),
	    CARD_NOT_REGISTERED);
	ck_assert_str_eq(card_verdict_reason(CARD_NOT_REGISTERED),
	    "card not registered to this person");
	free_card(&alice);
	free_card(&bob);
}
END_TEST

START_TEST(tampered_signature_refused)
{
	struct card alice, bob;
	uint8_t other[32];

	make_card(&alice, "alice", &ca, -DAY, 365 * DAY, NULL);
	ck_assert_int_eq(verdict(ca_file, NULL, &alice, &alice.reg, 1, NULL), CARD_OK);
	/* one bit of the signature */
	sig[sig_len / 2] ^= 0x01;
	ck_assert_int_eq(card_verify(ca_file, NULL, alice.der, alice.der_len,
	    challenge, sizeof(challenge), sig, sig_len, &alice.reg, 1, time(NULL),
	    NULL, err, sizeof(err)), CARD_BAD_SIGNATURE);
	/* a good signature over another challenge (a replay) */
	memset(other, 0x55, sizeof(other));
	sig_len = sign(alice.key, other, sizeof(other), sig, sizeof(sig));
	ck_assert_int_eq(card_verify(ca_file, NULL, alice.der, alice.der_len,
	    challenge, sizeof(challenge), sig, sig_len, &alice.reg, 1, time(NULL),
	    NULL, err, sizeof(err)), CARD_BAD_SIGNATURE);
	/* alice's certificate with a signature made by bob's key */
	make_card(&bob, "bob", &ca, -DAY, 365 * DAY, NULL);
	sig_len = sign(bob.key, challenge, sizeof(challenge), sig, sizeof(sig));
	ck_assert_int_eq(card_verify(ca_file, NULL, alice.der, alice.der_len,
	    challenge, sizeof(challenge), sig, sig_len, &alice.reg, 1, time(NULL),
	    NULL, err, sizeof(err)), CARD_BAD_SIGNATURE);
	/* no signature at all */
	ck_assert_int_eq(card_verify(ca_file, NULL, alice.der, alice.der_len,
	    challenge, sizeof(challenge), sig, 0, &alice.reg, 1, time(NULL),
	    NULL, err, sizeof(err)), CARD_BAD_SIGNATURE);
	free_card(&alice);
	free_card(&bob);
}
END_TEST

START_TEST(bad_certificate_refused)
{
	struct card alice;
	uint8_t junk[64];

	make_card(&alice, "alice", &ca, -DAY, 365 * DAY, NULL);
	sig_len = sign(alice.key, challenge, sizeof(challenge), sig, sizeof(sig));
	memset(junk, 0x30, sizeof(junk));
	ck_assert_int_eq(card_verify(ca_file, NULL, junk, sizeof(junk), challenge,
	    sizeof(challenge), sig, sig_len, &alice.reg, 1, time(NULL), NULL, err,
	    sizeof(err)), CARD_BAD_CERT);
	/* trailing bytes after the DER */
	alice.der[alice.der_len] = 0;
	ck_assert_int_eq(card_verify(ca_file, NULL, alice.der, alice.der_len + 1,
	    challenge, sizeof(challenge), sig, sig_len, &alice.reg, 1, time(NULL),
	    NULL, err, sizeof(err)), CARD_BAD_CERT);
	/* a CA file that is not there */
	ck_assert_int_eq(card_verify("/nonexistent/ca.pem", NULL, alice.der,
	    alice.der_len, challenge, sizeof(challenge), sig, sig_len, &alice.reg, 1,
	    time(NULL), NULL, err, sizeof(err)), CARD_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/ca.pem"));
	free_card(&alice);
}
END_TEST

START_TEST(ca_certificate_refused)
{
	static const struct profile sub_ca = {
		"critical,CA:TRUE",
		"critical,digitalSignature,keyCertSign,cRLSign", NULL, NULL
	};
	static const struct profile no_constraints = {
		NULL, "critical,digitalSignature,keyCertSign", NULL, NULL
	};
	struct card sub, ku, root;

	/* a subordinate CA of the card CA, its key on a card, registered */
	make_card_as(&sub, "Sub CA", &ca, NULL, &sub_ca);
	ck_assert_int_eq(verdict(ca_file, NULL, &sub, &sub.reg, 1, NULL),
	    CARD_CA_CERT);
	ck_assert_str_eq(card_verdict_reason(CARD_CA_CERT),
	    "card certificate is a CA certificate");
	/* no basicConstraints, but a key usage that signs certificates */
	make_card_as(&ku, "signer", &ca, NULL, &no_constraints);
	ck_assert_int_eq(verdict(ca_file, NULL, &ku, &ku.reg, 1, NULL),
	    CARD_CA_CERT);
	/* the card CA itself: it chains to itself */
	make_card_as(&root, "root", NULL, NULL, &sub_ca);
	write_pem(other_ca_file, root.cert);
	ck_assert_int_eq(verdict(other_ca_file, NULL, &root, &root.reg, 1, NULL),
	    CARD_CA_CERT);
	free_card(&sub);
	free_card(&ku);
	free_card(&root);
}
END_TEST

START_TEST(extended_key_usage_checked)
{
	static const struct profile email = {
		"critical,CA:FALSE", "critical,digitalSignature",
		"emailProtection", NULL
	};
	static const struct profile server = {
		"critical,CA:FALSE", "critical,digitalSignature",
		"serverAuth,codeSigning", NULL
	};
	static const struct profile client = {
		"critical,CA:FALSE", "critical,digitalSignature",
		"emailProtection,clientAuth", NULL
	};
	static const struct profile logon = {
		"critical,CA:FALSE", "critical,digitalSignature",
		"1.3.6.1.4.1.311.20.2.2", NULL
	};
	static const struct profile any = {
		"critical,CA:FALSE", "critical,digitalSignature",
		"anyExtendedKeyUsage", NULL
	};
	const struct profile *refused[] = { &email, &server };
	const struct profile *accepted[] = { &client, &logon, &any, &card_profile };
	struct card c;
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		make_card_as(&c, "alice", &ca, NULL, refused[i]);
		ck_assert_int_eq(verdict(ca_file, NULL, &c, &c.reg, 1, NULL),
		    CARD_WRONG_PURPOSE);
		free_card(&c);
	}
	ck_assert_str_eq(card_verdict_reason(CARD_WRONG_PURPOSE),
	    "card certificate not for client authentication (extendedKeyUsage)");
	/* clientAuth, smart-card logon, any purpose, and no EKU at all */
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		make_card_as(&c, "alice", &ca, NULL, accepted[i]);
		ck_assert_int_eq(verdict(ca_file, NULL, &c, &c.reg, 1, NULL),
		    CARD_OK);
		free_card(&c);
	}
}
END_TEST

START_TEST(weak_card_refused)
{
	struct profile sha1_signed = card_profile;
	struct card small, old, p224;

	/* RSA-1024: the card's own key */
	make_card(&small, "dave", &ca, -DAY, 365 * DAY, EVP_RSA_gen(1024));
	ck_assert_int_eq(verdict(ca_file, NULL, &small, &small.reg, 1, NULL),
	    CARD_TOO_WEAK);
	ck_assert_str_eq(err, "EE certificate key too weak");
	ck_assert_str_eq(card_verdict_reason(CARD_TOO_WEAK),
	    "card certificate below security level 2 (weak key or signature)");
	/* a good key in a certificate the CA signed with SHA-1 */
	sha1_signed.md = EVP_sha1();
	make_card_as(&old, "dave", &ca, NULL, &sha1_signed);
	ck_assert_int_eq(verdict(ca_file, NULL, &old, &old.reg, 1, NULL),
	    CARD_TOO_WEAK);
	ck_assert_str_eq(err, "CA signature digest algorithm too weak");
	/* the smallest curve level 2 allows */
	make_card(&p224, "dave", &ca, -DAY, 365 * DAY, EVP_EC_gen("P-224"));
	ck_assert_int_eq(verdict(ca_file, NULL, &p224, &p224.reg, 1, NULL),
	    CARD_OK);
	free_card(&small);
	free_card(&old);
	free_card(&p224);
}
END_TEST

START_TEST(weak_ca_is_the_hosts)
{
	struct pki weak;
	struct card alice;

	/* a CA of card_ca_file with an RSA-1024 key: every card of it fails */
	ck_assert_ptr_nonnull(weak.key = EVP_RSA_gen(1024));
	weak.cert = make_cert("Weak Card CA", weak.key, NULL, -DAY, 3650 * DAY, 1);
	write_pem(other_ca_file, weak.cert);
	make_card(&alice, "alice", &weak, -DAY, 365 * DAY, NULL);
	ck_assert_int_eq(verdict(other_ca_file, NULL, &alice, &alice.reg, 1, NULL),
	    CARD_ERROR);
	ck_assert_str_eq(err, "a CA certificate of the card CA file is below "
	    "security level 2: CA certificate key too weak");
	free_card(&alice);
	X509_free(weak.cert);
	EVP_PKEY_free(weak.key);
}
END_TEST

/*
 * authctl refuses at registration, with card_cert_check and without the
 * chain, exactly the certificates card_verify refuses at login for what
 * they are themselves, with the same detail.
 */
START_TEST(registration_check_agrees_with_login)
{
	static const struct profile sub_ca = {
		"critical,CA:TRUE", "critical,digitalSignature,keyCertSign", NULL,
		NULL
	};
	static const struct profile email = {
		"critical,CA:FALSE", "critical,digitalSignature",
		"emailProtection", NULL
	};
	struct profile sha1_signed = card_profile;
	struct {
		const char *key;        /* "RSA-n" or a curve */
		const struct profile *pr;
		int verdict;
		const char *detail;
	} cases[] = {
		{ "P-256", &card_profile, CARD_OK, "" },
		{ "P-224", &card_profile, CARD_OK, "" },
		{ "RSA-2048", &card_profile, CARD_OK, "" },
		{ "RSA-1024", &card_profile, CARD_TOO_WEAK,
		    "EE certificate key too weak" },
		{ "P-256", &sha1_signed, CARD_TOO_WEAK,
		    "CA signature digest algorithm too weak" },
		{ "P-256", &sub_ca, CARD_CA_CERT, "" },
		{ "P-256", &email, CARD_WRONG_PURPOSE, "" },
	};
	char detail[256];
	struct card c;
	EVP_PKEY *k;
	size_t i;

	sha1_signed.md = EVP_sha1();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = strncmp(cases[i].key, "RSA-", 4) == 0 ?
		    EVP_RSA_gen((unsigned int)atoi(cases[i].key + 4)) :
		    EVP_EC_gen(cases[i].key);
		ck_assert_ptr_nonnull(k);
		make_card_as(&c, "alice", &ca, k, cases[i].pr);
		ck_assert_int_eq(card_cert_check(c.der, c.der_len, detail,
		    sizeof(detail)), cases[i].verdict);
		ck_assert_str_eq(detail, cases[i].detail);
		ck_assert_int_eq(verdict(ca_file, NULL, &c, &c.reg, 1, NULL),
		    cases[i].verdict);
		if (cases[i].verdict == CARD_TOO_WEAK)
			ck_assert_str_eq(err, cases[i].detail);
		free_card(&c);
	}
	ck_assert_int_eq(card_cert_check((const uint8_t *)"junk", 4, detail,
	    sizeof(detail)), CARD_BAD_CERT);
}
END_TEST

START_TEST(crl_checked)
{
	struct card alice, bob;

	make_card(&alice, "alice", &ca, -DAY, 365 * DAY, NULL);
	make_card(&bob, "bob", &ca, -DAY, 365 * DAY, NULL);
	write_crl(ASN1_INTEGER_get(X509_get0_serialNumber(bob.cert)), 7 * DAY);
	ck_assert_int_eq(verdict(ca_file, crl_file, &alice, &alice.reg, 1, NULL),
	    CARD_OK);
	ck_assert_int_eq(verdict(ca_file, crl_file, &bob, &bob.reg, 1, NULL),
	    CARD_REVOKED);
	/* a CRL past its next update: fail closed */
	write_crl(-1, -3600);
	ck_assert_int_eq(verdict(ca_file, crl_file, &alice, &alice.reg, 1, NULL),
	    CARD_NO_CRL);
	/* which CRL problem, for the audit record and the administrator */
	ck_assert_str_eq(err, "CRL has expired");
	free_card(&alice);
	free_card(&bob);
}
END_TEST

START_TEST(cert_info)
{
	struct card_cert_info *info = malloc(sizeof(*info));
	char hex[CARD_FPR_HEX_LEN + 1];
	struct card alice;
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	long pem_len;

	ck_assert_ptr_nonnull(info);
	make_card(&alice, "alice", &ca, -DAY, 365 * DAY, NULL);
	ck_assert_int_eq(card_cert_info(alice.der, alice.der_len, info), AUTHD_OK);
	ck_assert_mem_eq(info->fpr, alice.reg.fpr, CARD_FPR_LEN);
	ck_assert_str_eq(info->subject, "CN=alice");
	ck_assert_str_eq(info->issuer, "CN=Test Card CA");
	ck_assert_uint_eq(info->der_len, alice.der_len);
	/* the same from PEM */
	PEM_write_bio_X509(b, alice.cert);
	pem_len = BIO_get_mem_data(b, &pem);
	ck_assert_int_eq(card_cert_info((const uint8_t *)pem, (size_t)pem_len, info),
	    AUTHD_OK);
	ck_assert_mem_eq(info->fpr, alice.reg.fpr, CARD_FPR_LEN);
	card_fpr_hex(info->fpr, hex);
	ck_assert_uint_eq(strlen(hex), CARD_FPR_HEX_LEN);
	ck_assert_int_eq(card_cert_info((const uint8_t *)"hello", 5, info),
	    AUTHD_ERR_BAD_FIELD);
	BIO_free(b);
	free(info);
	free_card(&alice);
}
END_TEST

static Suite *
card_suite(void)
{
	Suite *s = suite_create("card");
	TCase *tc = tcase_create("verify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, good_card);
	tcase_add_test(tc, rsa_card);
	tcase_add_test(tc, other_ca_refused);
	tcase_add_test(tc, expired_refused);
	tcase_add_test(tc, not_registered_refused);
	tcase_add_test(tc, tampered_signature_refused);
	tcase_add_test(tc, bad_certificate_refused);
	tcase_add_test(tc, ca_certificate_refused);
	tcase_add_test(tc, extended_key_usage_checked);
	tcase_add_test(tc, weak_card_refused);
	tcase_add_test(tc, weak_ca_is_the_hosts);
	tcase_add_test(tc, registration_check_agrees_with_login);
	tcase_add_test(tc, crl_checked);
	tcase_add_test(tc, cert_info);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(card_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
