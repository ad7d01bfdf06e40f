/*
 * authd/totp.c: RFC 6238 appendix B vectors (SHA1, SHA256), the window and
 * the matched step, the seed encryption (round trip; another key, another
 * DN or altered bytes refused), the site key file's rules and a key file
 * authd makes (authd/key_file.h).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "key_file.h"
#include "totp.h"

static const uint8_t seed_sha1[] = "12345678901234567890";
static const uint8_t seed_sha256[] = "12345678901234567890123456789012";

struct vector {
	time_t t;
	const char *sha1;
	const char *sha256;
};

/* RFC 6238, appendix B */
static const struct vector vectors[] = {
	{ 59, "94287082", "46119246" },
	{ 1111111109, "07081804", "68084774" },
	{ 1111111111, "14050471", "67062674" },
	{ 1234567890, "89005924", "91819424" },
	{ 2000000000, "69279037", "90698825" },
	{ 20000000000LL, "65353130", "77737706" },
};

START_TEST(rfc6238_vectors)
{
	const struct vector *v = &vectors[_i];
	struct totp_params p1 = { TOTP_SHA1, 8, 30 }, p256 = { TOTP_SHA256, 8, 30 };
	char code[16];
	uint64_t step = 0;

	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p1, v->t, 0, v->sha1, &step), 1);
	ck_assert_uint_eq(step, (uint64_t)(v->t / 30));
	step = 0;
	ck_assert_int_eq(totp_validate(seed_sha256, 32, &p256, v->t, 0, v->sha256, &step), 1);
	ck_assert_uint_eq(step, (uint64_t)(v->t / 30));
	/* the other algorithm's code is not valid */
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p1, v->t, 0, v->sha256, &step), 0);
	ck_assert_int_eq(totp_generate(seed_sha1, 20, &p1, v->t, code, sizeof(code)), AUTHD_OK);
	ck_assert_str_eq(code, v->sha1);
	ck_assert_int_eq(totp_generate(seed_sha256, 32, &p256, v->t, code, sizeof(code)), AUTHD_OK);
	ck_assert_str_eq(code, v->sha256);
}
END_TEST

START_TEST(six_digits_are_the_last_six)
{
	struct totp_params p = { TOTP_SHA1, 6, 30 };
	uint64_t step;

	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, 1111111109, 0, "081804", &step), 1);
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, 1111111109, 0, "07081804", &step), 0);
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, 1111111109, 0, "08180", &step), 0);
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, 1111111109, 0, "08180a", &step), 0);
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, 1111111109, 0, "", &step), 0);
}
END_TEST

START_TEST(window_and_step)
{
	struct totp_params p = { TOTP_SHA1, 8, 30 };
	uint64_t step = 0;
	time_t t = 1111111109;   /* step 37037036 */

	/* the code of 1111111109 seen one step later: only with a window */
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, t + 30, 0, "07081804", &step), 0);
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, t + 30, 1, "07081804", &step), 1);
	ck_assert_uint_eq(step, 37037036);
	/* and one step early */
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, t - 30, 1, "07081804", &step), 1);
	ck_assert_uint_eq(step, 37037036);
	/* five steps away is outside a window of 1 */
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, t + 150, 1, "07081804", &step), 0);
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, t - 150, 1, "07081804", &step), 0);
	ck_assert_int_eq(totp_validate(seed_sha1, 20, &p, t + 150, 5, "07081804", &step), 1);
}
END_TEST

START_TEST(bad_params_refused)
{
	struct totp_params p = { TOTP_SHA1, 5, 30 };
	uint64_t step;

	ck_assert_int_lt(totp_validate(seed_sha1, 20, &p, 59, 0, "42870", &step), 0);
	p.digits = 9;
	ck_assert_int_lt(totp_validate(seed_sha1, 20, &p, 59, 0, "194287082", &step), 0);
	p.digits = 8;
	p.period = 0;
	ck_assert_int_lt(totp_validate(seed_sha1, 20, &p, 59, 0, "94287082", &step), 0);
}
END_TEST

static void
fill_key(uint8_t key[TOTP_KEY_LEN], uint8_t v)
{
	size_t i;

	for (i = 0; i < TOTP_KEY_LEN; i++)
		key[i] = (uint8_t)(v + i);
}

#define DN "uid=anna,ou=people,dc=example,dc=com"

START_TEST(seed_round_trip)
{
	uint8_t key[TOTP_KEY_LEN], blob[TOTP_BLOB_MAX], blob2[TOTP_BLOB_MAX];
	uint8_t seed[TOTP_SEED_MAX];
	size_t bloblen = 0, bloblen2 = 0, seedlen = 0;

	fill_key(key, 1);
	ck_assert_int_eq(totp_seed_encrypt(key, DN, seed_sha1, 20, blob, sizeof(blob),
	    &bloblen), AUTHD_OK);
	ck_assert_uint_eq(bloblen, 1 + 12 + 20 + 16);
	ck_assert_uint_eq(blob[0], TOTP_BLOB_VERSION);
	/* no plaintext in the stored form */
	ck_assert_ptr_null(memmem(blob, bloblen, "1234567890", 10));
	ck_assert_int_eq(totp_seed_decrypt(key, DN, blob, bloblen, seed, sizeof(seed),
	    &seedlen), AUTHD_OK);
	ck_assert_uint_eq(seedlen, 20);
	ck_assert_mem_eq(seed, seed_sha1, 20);
	/* the DN's case does not matter (the directory may return either) */
	ck_assert_int_eq(totp_seed_decrypt(key, "UID=Anna,OU=People,DC=Example,DC=Com",
	    blob, bloblen, seed, sizeof(seed), &seedlen), AUTHD_OK);
	/* a fresh IV every time */
	ck_assert_int_eq(totp_seed_encrypt(key, DN, seed_sha1, 20, blob2, sizeof(blob2),
	    &bloblen2), AUTHD_OK);
	ck_assert_int_ne(memcmp(blob, blob2, bloblen), 0);
}
END_TEST

START_TEST(seed_tampering_refused)
{
	uint8_t key[TOTP_KEY_LEN], other[TOTP_KEY_LEN], blob[TOTP_BLOB_MAX];
	uint8_t seed[TOTP_SEED_MAX];
	size_t bloblen = 0, seedlen = 0, i;

	fill_key(key, 1);
	fill_key(other, 2);
	ck_assert_int_eq(totp_seed_encrypt(key, DN, seed_sha256, 32, blob, sizeof(blob),
	    &bloblen), AUTHD_OK);
	/* another site key */
	ck_assert_int_eq(totp_seed_decrypt(other, DN, blob, bloblen, seed, sizeof(seed),
	    &seedlen), AUTHD_ERR_CRYPTO);
	/* the value copied to another person's token */
	ck_assert_int_eq(totp_seed_decrypt(key, "uid=bert,ou=people,dc=example,dc=com",
	    blob, bloblen, seed, sizeof(seed), &seedlen), AUTHD_ERR_CRYPTO);
	/* one flipped bit anywhere after the version byte: IV, ciphertext, tag */
	for (i = 1; i < bloblen; i++) {
		blob[i] ^= 0x04;
		ck_assert_int_eq(totp_seed_decrypt(key, DN, blob, bloblen, seed,
		    sizeof(seed), &seedlen), AUTHD_ERR_CRYPTO);
		blob[i] ^= 0x04;
	}
	/* cut short */
	ck_assert_int_lt(totp_seed_decrypt(key, DN, blob, bloblen - 1, seed,
	    sizeof(seed), &seedlen), 0);
	ck_assert_int_lt(totp_seed_decrypt(key, DN, blob, 1 + 12 + 16, seed,
	    sizeof(seed), &seedlen), 0);
	/* an unknown format version */
	blob[0] = 0x02;
	ck_assert_int_eq(totp_seed_decrypt(key, DN, blob, bloblen, seed, sizeof(seed),
	    &seedlen), AUTHD_ERR_BAD_VERSION);
	blob[0] = TOTP_BLOB_VERSION;
	ck_assert_int_eq(totp_seed_decrypt(key, DN, blob, bloblen, seed, sizeof(seed),
	    &seedlen), AUTHD_OK);
	ck_assert_mem_eq(seed, seed_sha256, 32);
}
END_TEST

static char keydir[64];

static void
write_key(const char *name, const char *text, mode_t mode, char *path, size_t pathsz)
{
	FILE *f;

	snprintf(path, pathsz, "%s/%s", keydir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

#define KEYHEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

START_TEST(key_file_rules)
{
	uint8_t key[TOTP_KEY_LEN], want[TOTP_KEY_LEN];
	char path[128], err[512];

	fill_key(want, 0);
	snprintf(keydir, sizeof(keydir), "/tmp/tk.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(keydir));
	write_key("k600", KEYHEX "\n", 0600, path, sizeof(path));
	ck_assert_int_eq(totp_key_load(path, key, err, sizeof(err)), AUTHD_OK);
	ck_assert_mem_eq(key, want, TOTP_KEY_LEN);
	/* group-readable: the administrators who enrol tokens */
	write_key("k640", KEYHEX, 0640, path, sizeof(path));
	ck_assert_int_eq(totp_key_load(path, key, err, sizeof(err)), AUTHD_OK);
	/* readable by others, or writable by the group: refused */
	write_key("k644", KEYHEX, 0644, path, sizeof(path));
	ck_assert_int_eq(totp_key_load(path, key, err, sizeof(err)), AUTHD_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(err, "k644"));
	write_key("k660", KEYHEX, 0660, path, sizeof(path));
	ck_assert_int_eq(totp_key_load(path, key, err, sizeof(err)), AUTHD_ERR_PERM);
	/* not 32 bytes of hex */
	write_key("short", "0001020304", 0600, path, sizeof(path));
	ck_assert_int_eq(totp_key_load(path, key, err, sizeof(err)), AUTHD_ERR_INVALID);
	write_key("nothex", "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600, path, sizeof(path));
	ck_assert_int_eq(totp_key_load(path, key, err, sizeof(err)), AUTHD_ERR_INVALID);
	snprintf(path, sizeof(path), "%s/missing", keydir);
	ck_assert_int_lt(totp_key_load(path, key, err, sizeof(err)), 0);
	ck_assert_int_eq(system("rm -rf /tmp/tk.??????") == -1, 0);
}
END_TEST

/*
 * A key file authd makes itself (the host's decoy key): 64 hex digits and a
 * newline, mode 0600, read back as the same key; never over a file already
 * there; a half-written one of a run that died beside it is no obstacle.
 */
START_TEST(key_file_made_once)
{
	uint8_t made[KEY_FILE_LEN], read_back[KEY_FILE_LEN], zero[KEY_FILE_LEN];
	char path[128], tmp[160], text[80], err[512];
	struct stat st;
	FILE *f;

	memset(zero, 0, sizeof(zero));
	snprintf(keydir, sizeof(keydir), "/tmp/tk.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(keydir));
	snprintf(path, sizeof(path), "%s/decoy.key", keydir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	write_key("decoy.key.new", "0123", 0644, tmp, sizeof(tmp));
	ck_assert_int_eq(key_file_create(path, "decoy key", made, err,
	    sizeof(err)), AUTHD_OK);
	ck_assert_mem_ne(made, zero, KEY_FILE_LEN);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	fclose(f);
	ck_assert_uint_eq(strlen(text), 2 * KEY_FILE_LEN + 1);
	ck_assert_int_eq(text[2 * KEY_FILE_LEN], '\n');
	ck_assert_uint_eq(strspn(text, "0123456789abcdef"), 2 * KEY_FILE_LEN);
	ck_assert_int_eq(key_file_load(path, "decoy key", "", read_back, err,
	    sizeof(err)), AUTHD_OK);
	ck_assert_mem_eq(read_back, made, KEY_FILE_LEN);

	/* made again: refused, the first kept */
	ck_assert_int_lt(key_file_create(path, "decoy key", read_back, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_mem_eq(read_back, zero, KEY_FILE_LEN);
	ck_assert_int_eq(key_file_load(path, "decoy key", "", read_back, err,
	    sizeof(err)), AUTHD_OK);
	ck_assert_mem_eq(read_back, made, KEY_FILE_LEN);
	ck_assert_int_eq(access(tmp, F_OK), -1);

	/* the file's own name in the messages */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(key_file_load(path, "decoy key", "", read_back, err,
	    sizeof(err)), AUTHD_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(err, "the decoy key must be owned by root, "
	    "mode 0600 or 0640"));
	ck_assert_int_eq(system("rm -rf /tmp/tk.??????") == -1, 0);
}
END_TEST

START_TEST(otpauth_uri)
{
	struct totp_params p = { TOTP_SHA256, 8, 60 };
	char uri[TOTP_URI_MAX];

	ck_assert_int_eq(totp_uri("Village Office", "anna@host1", seed_sha1, 20, &p,
	    uri, sizeof(uri)), AUTHD_OK);
	ck_assert_str_eq(uri, "otpauth://totp/Village%20Office:anna@host1?"
	    "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Village%20Office"
	    "&algorithm=SHA256&digits=8&period=60");
	ck_assert_int_eq(totp_uri("authd", "anna@host1", seed_sha1, 20, &p, uri, 40),
	    AUTHD_ERR_TOO_LONG);
}
END_TEST

static Suite *
totp_suite(void)
{
	Suite *s = suite_create("totp");
	TCase *tc = tcase_create("totp");

	tcase_add_loop_test(tc, rfc6238_vectors, 0,
	    (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, six_digits_are_the_last_six);
	tcase_add_test(tc, window_and_step);
	tcase_add_test(tc, bad_params_refused);
	tcase_add_test(tc, seed_round_trip);
	tcase_add_test(tc, seed_tampering_refused);
	tcase_add_test(tc, key_file_rules);
	tcase_add_test(tc, key_file_made_once);
	tcase_add_test(tc, otpauth_uri);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(totp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
