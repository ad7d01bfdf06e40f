/*
 * FIDO2 logins end to end: a private slapd and a real authd
 * (scripts/authd-local), keys enrolled by an administrator with authctl, and
 * real libpam with pam_authd.so reaching the software authenticator
 * (tests/lib/softfido2) through libfido2 and the unix: test transport
 * (fido2_device=unix:PATH). The authenticator serves from a thread of this
 * process, so authctl (another process) and the module (in this process)
 * both talk to the same key.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "lib/itest.h"
#include "proto.h"
#include "softfido2.h"

#define PW_GOOD "Correct-Horse-7"
#define FAIL_DELAY_MS 100
#define ADMIN "fadm"
#define ADMIN_UID 22000
#define RP_ID "authd.test"

static const uint8_t aaguid_bio[16] = {
	0x5c, 0xa1, 0xab, 0x1e, 0x00, 0x01, 0x40, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb1, 0x0e
};
#define AAGUID_BIO_TEXT "5ca1ab1e-0001-4000-8000-00000000b10e"
static const uint8_t aaguid_plain[16] = {
	0x0f, 0x1d, 0x00, 0x02, 0x00, 0x00, 0x40, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01
};

static struct softfido2 *key;
static char key_path[256];
/* the attestation certificates (tests/lib/fido2-attestation.sh) and the
 * site's fido2_attestation_roots, a copy of root.pem the tests may change */
static char att_dir[64], roots[96];

/* A PAM service: the module with the key at fido2_device, or none (ssh). */
static void
write_service(const char *name, int with_key)
{
	ck_assert_int_eq(itest_sh("printf 'auth required %s/pam_module/.libs/"
	    "pam_authd.so socket=%s/authd.sock%s%s\\naccount required %s/"
	    "pam_module/.libs/pam_authd.so socket=%s/authd.sock\\n' > %s/%s",
	    itest.builddir, itest.dir, with_key ? " fido2_device=unix:" : "",
	    with_key ? key_path : "", itest.builddir, itest.dir, itest.confdir,
	    name), 0);
}

static void
add_policy(const char *cn, const char *service, const char *require,
    const char *methods)
{
	char ldif[1024];
	const char *m = methods;
	size_t n = 0, len;

	/* methods "a b c": one authdPolicyMethod each */
	while (*m != '\0') {
		len = strcspn(m, " ");
		n += (size_t)snprintf(ldif + n, sizeof(ldif) - n,
		    "authdPolicyMethod: %.*s\n", (int)len, m);
		m += len + (m[len] == ' ');
	}
	ck_assert_int_eq(itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=%s,ou=policies,%s\nobjectClass: authdPolicy\ncn: %s\n"
	    "authdPolicyService: %s\nauthdPolicyRequire: %s\n%sLDIF\n",
	    itest.ldapi_uri, cn, itest.base_dn, cn, service, require, ldif), 0);
}

/* authctl fido2 ARGS as the administrator; its exit status, output in out. */
static int
authctl_fido2(char *out, size_t outsz, const char *args)
{
	return itest_sh_out(out, outsz, "setpriv --reuid=%d --regid=%d "
	    "--clear-groups '%s/authctl/authctl' -c %s/authd.conf fido2 %s 2>&1",
	    ADMIN_UID, ADMIN_UID, itest.builddir, itest.dir, args);
}

/*
 * A fresh key with the given AAGUID, served at key_path, enrolled for uid;
 * att: the attestation certificate it gives (att_dir/att.pem with its key),
 * NULL for self attestation. authctl's output in out.
 */
static void
new_key_attested(const uint8_t aaguid[16], int uv, const char *uid,
    const char *att, char *out, size_t outsz)
{
	char args[512], akey[128], acert[128];

	if (key != NULL)
		softfido2_free(&key);
	ck_assert_ptr_nonnull(key = softfido2_new(aaguid, uv));
	if (att != NULL) {
		snprintf(akey, sizeof(akey), "%s/%s.key", att_dir, att);
		snprintf(acert, sizeof(acert), "%s/%s.pem", att_dir, att);
		ck_assert_int_eq(softfido2_set_attestation_cert(key, akey, acert), 0);
	}
	ck_assert_int_eq(softfido2_serve(key, key_path), 0);
	ck_assert_int_eq(itest_sh("chown %d %s", ADMIN_UID, key_path), 0);
	snprintf(args, sizeof(args), "enroll %s --device unix:%s --name test-key",
	    uid, key_path);
	ck_assert_msg(authctl_fido2(out, outsz, args) == 0, "enroll: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "security key enrolled as fido2-"));
}

static void
new_key_enrolled(const uint8_t aaguid[16], int uv, const char *uid)
{
	char out[4096];

	new_key_attested(aaguid, uv, uid, NULL, out, sizeof(out));
}

/* authenticate with the given answers to prompts (NULL-terminated). */
static int
login(const char *service, const char *user, const char *rhost,
    struct pam_run *run, const char *a0, const char *a1)
{
	pam_handle_t *pamh;
	int r;

	pamh = itest_pam_answering(service, user, run, a0, a1, NULL);
	if (rhost != NULL)
		ck_assert_int_eq(pam_set_item(pamh, PAM_RHOST, rhost), PAM_SUCCESS);
	r = pam_authenticate(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

/* Frames from the test's side of the socket. */
static void
send_frame(int fd, struct authd_buf *b)
{
	ck_assert_int_eq(write(fd, authd_buf_ptr(b), authd_buf_len(b)),
	    (ssize_t)authd_buf_len(b));
	authd_buf_reset(b);
}

static void
send_answer(int fd, struct authd_buf *b, const char *text, uint8_t status)
{
	size_t start;

	ck_assert_int_eq(authd_frame_begin(b, 2, AUTHD_MSG_ANSWER, &start), AUTHD_OK);
	if (text != NULL)
		ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_ANSWER, text),
		    AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_u8(b, AUTHD_F_ANSWER_STATUS, status),
	    AUTHD_OK);
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);
	send_frame(fd, b);
}

/* describe_key_step adds each id's bytes in hex ("32:0a1b..."), when set */
static int key_ids_hex;

/* A key step's credential ids and options: "n=2 32,32 uv=1". */
static void
describe_key_step(const struct authd_msg *m, char *out, size_t outsz)
{
	uint32_t opts = 0;
	size_t i, k, n = 0, o;

	for (i = 0; i < m->nfields; i++)
		n += m->fields[i].tag == AUTHD_F_CRED_ID;
	o = (size_t)snprintf(out, outsz, "n=%zu ", n);
	for (i = 0, n = 0; i < m->nfields && o < outsz; i++)
		if (m->fields[i].tag == AUTHD_F_CRED_ID)
		{
			o += (size_t)snprintf(out + o, outsz - o, "%s%u",
			    n++ > 0 ? "," : "", (unsigned)m->fields[i].len);
			for (k = 0; key_ids_hex && k < m->fields[i].len &&
			    o < outsz; k++)
				o += (size_t)snprintf(out + o, outsz - o, "%s%02x",
				    k == 0 ? ":" : "", m->fields[i].val[k]);
		}
	(void)authd_msg_get_u32(m, AUTHD_F_OPTIONS, &opts);
	if (o < outsz)
		snprintf(out + o, outsz - o, " uv=%d",
		    (opts & AUTHD_STEP_OPT_UV_REQUIRED) != 0);
}

/*
 * An AUTHENTICATE spoken on the socket, as an attacker's client would:
 * prompts answered in turn from answers (NULL-terminated; "-" declines
 * with ANSWER_STATUS 2, as the reviewer's client did), device steps
 * declined as a module with no device does (status 2). What it showed,
 * a line a step ("P:text", "E:text", "I:text", "K" a key step, "C" a card
 * step), then "R:result"; the key steps' credential ids in keys.
 */
static void
converse(const char *service, const char *user, const char *const *answers,
    char *shown, size_t shownsz, char *keys, size_t keyssz)
{
	static uint8_t in[AUTHD_FRAME_MAX * 2];
	struct authd_buf *b = authd_buf_new(AUTHD_FRAME_MAX * 2);
	struct timeval tv = { 20, 0 };
	struct authd_msg m;
	char text[AUTHD_STRING_MAX + 1], one[256];
	size_t have = 0, used, start, o = 0, k = 0, next = 0;
	uint8_t kind, result;
	ssize_t n;
	int fd, r, done = 0;

	ck_assert_ptr_nonnull(b);
	shown[0] = keys[0] = '\0';
	ck_assert_int_ge(fd = itest_unix_connect(itest.socket), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(authd_frame_begin(b, 1, AUTHD_MSG_HELLO, &start), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_u8(b, AUTHD_F_VERSION_MIN, 2), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_u8(b, AUTHD_F_VERSION_MAX, 2), AUTHD_OK);
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);
	ck_assert_int_eq(authd_frame_begin(b, 2, AUTHD_MSG_AUTHENTICATE, &start),
	    AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_SERVICE, service), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_USER, user), AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_str(b, AUTHD_F_RHOST, "remote.example"),
	    AUTHD_OK);
	ck_assert_int_eq(authd_frame_add_u32(b, AUTHD_F_FLAGS, 0), AUTHD_OK);
	ck_assert_int_eq(authd_frame_end(b, start), AUTHD_OK);
	send_frame(fd, b);
	while (!done) {
		while ((r = authd_frame_decode(in, have, &m, &used)) ==
		    AUTHD_ERR_INCOMPLETE) {
			n = read(fd, in + have, sizeof(in) - have);
			ck_assert_msg(n > 0, "authd closed or said nothing; so far:\n%s",
			    shown);
			have += (size_t)n;
		}
		ck_assert_int_eq(r, AUTHD_OK);
		one[0] = '\0';
		if (m.type == AUTHD_MSG_RESULT) {
			ck_assert_int_eq(authd_msg_get_u8(&m, AUTHD_F_RESULT, &result),
			    AUTHD_OK);
			snprintf(one, sizeof(one), "R:%u\n", result);
			done = 1;
		} else if (m.type == AUTHD_MSG_STEP) {
			ck_assert_int_eq(authd_msg_get_u8(&m, AUTHD_F_STEP_KIND, &kind),
			    AUTHD_OK);
			text[0] = '\0';
			(void)authd_msg_get_str(&m, AUTHD_F_TEXT, text, sizeof(text));
			switch (kind) {
			case AUTHD_STEP_PROMPT_ECHO_OFF:
			case AUTHD_STEP_PROMPT_ECHO_ON:
				snprintf(one, sizeof(one), "P:%.200s\n", text);
				if (answers[next] == NULL)
					send_answer(fd, b, "x", 0);
				else if (strcmp(answers[next++], "-") == 0)
					send_answer(fd, b, NULL, 2);
				else
					send_answer(fd, b, answers[next - 1], 0);
				break;
			case AUTHD_STEP_INFO:
			case AUTHD_STEP_ERROR:
				snprintf(one, sizeof(one), "%c:%.200s\n",
				    kind == AUTHD_STEP_INFO ? 'I' : 'E', text);
				break;
			default:
				snprintf(one, sizeof(one), "%c\n",
				    kind == AUTHD_STEP_FIDO2_ASSERT ? 'K' : 'C');
				if (kind == AUTHD_STEP_FIDO2_ASSERT && k < keyssz) {
					describe_key_step(&m, keys + k, keyssz - k);
					k += strlen(keys + k);
				}
				send_answer(fd, b, NULL, 2);
				break;
			}
		}
		o += (size_t)snprintf(shown + o, shownsz - o, "%s", one);
		ck_assert_uint_lt(o, shownsz);
		memmove(in, in + used, have - used);
		have -= used;
	}
	close(fd);
	authd_buf_free(&b);
}

static void
setup(void)
{
	setenv("AUTHD_FIDO2_RP_ID", RP_ID, 1);
	setenv("AUTHD_FIDO2_BIOMETRIC_AAGUIDS", AAGUID_BIO_TEXT, 1);
	/* made before authd starts: it checks the roots file is there */
	snprintf(att_dir, sizeof(att_dir), "/tmp/authd-fido2-att.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(att_dir));
	ck_assert_int_eq(itest_sh("sh '%s/tests/lib/fido2-attestation.sh' %s %s && "
	    "cp %s/root.pem %s/roots.pem && chmod 0755 %s",
	    getenv("AUTHD_SRCDIR") != NULL ? getenv("AUTHD_SRCDIR") : ".",
	    att_dir, AAGUID_BIO_TEXT, att_dir, att_dir, att_dir), 0);
	snprintf(roots, sizeof(roots), "%s/roots.pem", att_dir);
	setenv("AUTHD_FIDO2_ATTESTATION_ROOTS", roots, 1);
	itest_up(FAIL_DELAY_MS);
	snprintf(key_path, sizeof(key_path), "%s/fido2.sock", itest.dir);
	itest_add_person(ADMIN, ADMIN_UID, PW_GOOD);
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=authd-admins,ou=groups,%s\nchangetype: modify\nadd: member\n"
	    "member: uid=%s,ou=people,%s\nLDIF\n", itest.ldapi_uri, itest.base_dn,
	    ADMIN, itest.base_dn), 0);
	write_service("authd-fido2", 1);
	write_service("authd-fido2-bio", 1);
	write_service("authd-fido2-inh", 1);
	write_service("authd-fido2-ssh", 0);
	add_policy("fido2-kp", "authd-fido2", "knowledge+possession", "password fido2");
	add_policy("fido2-any2", "authd-fido2-bio",
	    "2of:knowledge,possession,inherence", "fido2");
	add_policy("fido2-ssh", "authd-fido2-ssh", "knowledge+possession",
	    "password fido2");
	add_policy("fido2-inh", "authd-fido2-inh", "possession+inherence", "fido2");
}

static void
teardown(void)
{
	softfido2_free(&key);
	ck_assert_int_eq(itest_down(), 0);
	ck_assert_int_eq(itest_sh("rm -rf %s", att_dir), 0);
}

START_TEST(password_and_key)
{
	struct pam_run run;
	char out[4096], *p;

	itest_add_person("fanna", 22001, PW_GOOD);
	new_key_enrolled(aaguid_plain, 0, "fanna");
	ck_assert_int_eq(authctl_fido2(out, sizeof(out), "list fanna"), 0);
	ck_assert_ptr_nonnull(strstr(out, "0f1d0002-0000-4000-8000-000000000001"));
	ck_assert_ptr_nonnull(strstr(out, RP_ID));
	/* a description with an OSC title, ESC[2J and a C1 CSI: listed escaped */
	ck_assert_ptr_nonnull(p = strstr(out, "fido2-"));
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null "
	    "<<'LDIF'\ndn: cn=%.22s,uid=fanna,ou=people,%s\nchangetype: modify\n"
	    "replace: description\ndescription: key\033]0;pwned\007 \033[2J "
	    "\302\2336n\nLDIF\n", itest.ldapi_uri, p, itest.base_dn), 0);
	ck_assert_int_eq(authctl_fido2(out, sizeof(out), "list fanna"), 0);
	ck_assert_msg(strpbrk(out, "\033\007\233") == NULL, "printed raw: %s", out);
	ck_assert_msg(strstr(out, "key\\x1b]0;pwned\\x07 \\x1b[2J \\xc2\\x9b6n") !=
	    NULL, "%s", out);

	/* the password, then a touch */
	ck_assert_int_eq(login("authd-fido2", "fanna", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
	ck_assert_ptr_nonnull(strstr(run.shown, "Touch your security key"));
	ck_assert_int_ge(itest_audit_count("event=authenticate", "user=fanna",
	    "result=success", "fido2", NULL), 1);

	/* nobody touches the key */
	softfido2_set_user(key, 0, 0);
	ck_assert_int_ne(login("authd-fido2", "fanna", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
	softfido2_set_user(key, 1, 0);

	/* the wrong password with the right key */
	ck_assert_int_eq(login("authd-fido2", "fanna", NULL, &run, "Wrong-Pass-1",
	    NULL), PAM_AUTH_ERR);

	/* a clone: its counter is behind the one stored */
	softfido2_set_counter(key, 1);
	ck_assert_int_eq(login("authd-fido2", "fanna", NULL, &run, PW_GOOD, NULL),
	    PAM_AUTH_ERR);
	itest_sh_out(out, sizeof(out), "grep user=fanna %s | tail -n 2", itest.audit_log);
	ck_assert_msg(itest_audit_count("user=fanna", "cloned\\x20key?", NULL) >= 1,
	    "audit: %s", out);
	softfido2_set_counter(key, 1000);
	ck_assert_int_eq(login("authd-fido2", "fanna", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);

	/* Someone unknown is asked for a key too, like a person with one. */
	ck_assert_int_eq(login("authd-fido2", "nobody-fido", NULL, &run, PW_GOOD,
	    NULL), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, "Touch your security key") != NULL,
	    "unknown user not asked for a key: %s", run.shown);
	ck_assert_msg(strstr(run.shown, "No usable") == NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("user=nobody-fido", "result=auth_err",
	    NULL), 1);
}
END_TEST

/*
 * An unknown name is asked what the policy's real people are asked. Here
 * the one person who logged in used a TOTP code, so an unknown name is
 * asked for a code, not told to touch a key, as a decoy of every allowed
 * method did (the key comes first), which told the name from hers.
 */
START_TEST(unknown_prompts_follow_real_plans)
{
	struct pam_run run, again;
	char secret[128], code[16];

	add_policy("decoy-mix", "authd-decoy", "knowledge+possession",
	    "password fido2 totp");
	write_service("authd-decoy", 1);
	itest_add_person("kei", 22006, PW_GOOD);
	new_key_enrolled(aaguid_plain, 0, "kei");    /* a key at hand */
	itest_add_person("dora", 22005, PW_GOOD);
	/* the site key 0640, group = the enrolling administrator */
	ck_assert_int_eq(itest_sh("chgrp %d %s/totp.key && chmod 0640 %s/totp.key",
	    ADMIN_UID, itest.dir, itest.dir), 0);
	itest_totp_enroll(ADMIN_UID, "dora", secret, sizeof(secret));
	itest_totp_code(secret, 0, code, sizeof(code));
	ck_assert_int_eq(login("authd-decoy", "dora", NULL, &run, PW_GOOD, code),
	    PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "P:Verification code: ") != NULL,
	    "%s", run.shown);
	ck_assert_int_eq(run.prompts, 2);

	ck_assert_int_eq(login("authd-decoy", "nobody-decoy", NULL, &run, PW_GOOD,
	    "123456"), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, "Touch your security key") == NULL &&
	    strstr(run.shown, "P:Verification code: ") != NULL, "%s", run.shown);
	ck_assert_int_eq(run.prompts, 2);
	/* the same name: the same prompts */
	ck_assert_int_eq(login("authd-decoy", "nobody-decoy", NULL, &again,
	    PW_GOOD, "123456"), PAM_AUTH_ERR);
	ck_assert_str_eq(run.shown, again.shown);
	/* and after a restart of authd, which kept what real plans it saw */
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(login("authd-decoy", "nobody-decoy", NULL, &again,
	    PW_GOOD, "123456"), PAM_AUTH_ERR);
	ck_assert_str_eq(run.shown, again.shown);
	ck_assert_int_eq(itest_audit_count("user=nobody-decoy", "result=auth_err",
	    "unknown\\x20user", NULL), 3);
}
END_TEST

/*
 * Declining a step shows what is kept in reserve (ANSWER_STATUS 2: over
 * ssh the module says so for every key step). An unknown name's reserve is
 * a real person's, not every method the policy allows: here the people of
 * each policy have a key and no code, or a code and no key, and an unknown
 * name, declining what it is asked, sees what they see, step for step,
 * down to "No usable second factor". (Before, the decoy of a person with a
 * code kept the key in reserve, and the decoy of a person with a key the
 * code: a step no real person of the policy had.)
 */
START_TEST(unknown_reserve_like_a_person)
{
	static const char *const pw_decline[] = { "Wrong-Horse-1x", "-", NULL };
	char real[2048], unknown[2048], keys[256], secret[128];

	add_policy("reserve-key", "authd-reserve-key", "knowledge+possession",
	    "password fido2 totp");
	add_policy("reserve-code", "authd-reserve-code", "knowledge+possession",
	    "password fido2 totp");
	itest_add_person("rhea", 22010, PW_GOOD);
	new_key_enrolled(aaguid_plain, 1, "rhea");
	itest_add_person("tove", 22011, PW_GOOD);
	ck_assert_int_eq(itest_sh("chgrp %d %s/totp.key && chmod 0640 %s/totp.key",
	    ADMIN_UID, itest.dir, itest.dir), 0);
	itest_totp_enroll(ADMIN_UID, "tove", secret, sizeof(secret));

	converse("authd-reserve-key", "rhea", pw_decline, real, sizeof(real),
	    keys, sizeof(keys));
	ck_assert_msg(strstr(real, "P:Password: \nK\nE:No usable") != NULL,
	    "rhea: %s", real);
	converse("authd-reserve-key", "nobody-reserve", pw_decline, unknown,
	    sizeof(unknown), keys, sizeof(keys));
	ck_assert_str_eq(unknown, real);

	converse("authd-reserve-code", "tove", pw_decline, real, sizeof(real),
	    keys, sizeof(keys));
	ck_assert_msg(strstr(real, "P:Verification code: \nE:No usable") != NULL,
	    "tove: %s", real);
	converse("authd-reserve-code", "nobody-reserve", pw_decline, unknown,
	    sizeof(unknown), keys, sizeof(keys));
	ck_assert_str_eq(unknown, real);
	/* another unknown name, the same (each policy has one enrolment) */
	converse("authd-reserve-code", "nobody-else", pw_decline, unknown,
	    sizeof(unknown), keys, sizeof(keys));
	ck_assert_str_eq(unknown, real);
}
END_TEST

/*
 * A key step lists the person's credential ids. An unknown name's lists
 * as many ids, as long, and asks user verification, as a real person's
 * does: the shapes of real enrolments, one picked for the name. Here one
 * person has two keys that can verify the user, the other one key that
 * cannot; every unknown name looks like one of them (both seen among 24
 * names), and a name keeps its ids from one login to the next. (Before,
 * every unknown name listed one 64-byte id; these keys' are 32 bytes.)
 */
START_TEST(unknown_key_ids_like_real_ones)
{
	static const char *const pw[] = { "Wrong-Horse-1x", NULL };
	char shown[2048], ines[256], otto[256], keys[256], again[256], name[32];
	int i, like_ines = 0, like_otto = 0;

	add_policy("ids", "authd-ids", "knowledge+possession", "password fido2");
	itest_add_person("ines", 22012, PW_GOOD);
	new_key_enrolled(aaguid_plain, 1, "ines");
	new_key_enrolled(aaguid_plain, 1, "ines");
	itest_add_person("otto", 22013, PW_GOOD);
	new_key_enrolled(aaguid_plain, 0, "otto");
	converse("authd-ids", "ines", pw, shown, sizeof(shown), ines, sizeof(ines));
	ck_assert_str_eq(ines, "n=2 32,32 uv=1");
	converse("authd-ids", "otto", pw, shown, sizeof(shown), otto, sizeof(otto));
	ck_assert_str_eq(otto, "n=1 32 uv=0");
	for (i = 0; i < 24; i++) {
		snprintf(name, sizeof(name), "nobody-ids%d", i);
		converse("authd-ids", name, pw, shown, sizeof(shown), keys,
		    sizeof(keys));
		like_ines += strcmp(keys, ines) == 0;
		like_otto += strcmp(keys, otto) == 0;
		ck_assert_msg(strcmp(keys, ines) == 0 || strcmp(keys, otto) == 0,
		    "%s: %s, like nobody", name, keys);
	}
	ck_assert_int_gt(like_ines, 0);
	ck_assert_int_gt(like_otto, 0);
	converse("authd-ids", "nobody-ids0", pw, shown, sizeof(shown), keys,
	    sizeof(keys));
	converse("authd-ids", "nobody-ids0", pw, shown, sizeof(shown), again,
	    sizeof(again));
	ck_assert_str_eq(keys, again);
}
END_TEST

/*
 * The directory finds a person whatever the case of the name (uid is
 * caseIgnoreMatch): "ines", "INES" and "Ines" get her plan, her key ids.
 * An unknown name's decoy must not change with the case either, or a name
 * whose prompts stay the same in every case is a real person's, one whose
 * key ids (or prompts) change is nobody's. (Before, the decoy was picked
 * and its ids made from the name as typed: "nobody-case" and "NOBODY-CASE"
 * listed other ids.)
 */
START_TEST(unknown_name_same_in_any_case)
{
	static const char *const pw[] = { "Wrong-Horse-1x", NULL };
	static const char *const ines[] = { "ines", "INES", "Ines" };
	static const char *const nobody[] = { "nobody-case", "NOBODY-CASE",
	    "Nobody-Case", "nobody-CASE" };
	char shown[2048], first[2048], keys[1024], keys0[1024];
	size_t i;

	add_policy("case", "authd-case", "knowledge+possession", "password fido2");
	key_ids_hex = 1;
	/* before any real key step: one made-up id (verify_fido2.c) */
	for (i = 0; i < sizeof(nobody) / sizeof(nobody[0]); i++) {
		converse("authd-case", nobody[i], pw, shown, sizeof(shown),
		    i == 0 ? keys0 : keys, sizeof(keys));
		if (i > 0)
			ck_assert_msg(strcmp(keys, keys0) == 0, "%s: %s, %s: %s",
			    nobody[0], keys0, nobody[i], keys);
	}
	itest_add_person("ines", 22012, PW_GOOD);
	new_key_enrolled(aaguid_plain, 1, "ines");
	for (i = 0; i < sizeof(ines) / sizeof(ines[0]); i++) {
		converse("authd-case", ines[i], pw, shown, sizeof(shown),
		    i == 0 ? keys0 : keys, sizeof(keys));
		if (i == 0)
			snprintf(first, sizeof(first), "%s", shown);
		else {
			ck_assert_str_eq(shown, first);
			ck_assert_str_eq(keys, keys0);
		}
	}
	for (i = 0; i < sizeof(nobody) / sizeof(nobody[0]); i++) {
		converse("authd-case", nobody[i], pw, shown, sizeof(shown),
		    i == 0 ? keys0 : keys, sizeof(keys));
		if (i == 0) {
			snprintf(first, sizeof(first), "%s", shown);
			ck_assert_msg(keys0[0] != '\0', "no key step: %s", shown);
		} else {
			ck_assert_msg(strcmp(shown, first) == 0, "%s: %s, %s: %s",
			    nobody[0], first, nobody[i], shown);
			ck_assert_msg(strcmp(keys, keys0) == 0, "%s: %s, %s: %s",
			    nobody[0], keys0, nobody[i], keys);
		}
	}
	key_ids_hex = 0;
}
END_TEST

/* "BASE | FILTER" of the searches slapd logged under uid=uid, uid=X in their place, sorted. */
static void
searches_under(const char *uid, char *out, size_t outsz)
{
	ck_assert_int_eq(itest_sh_out(out, outsz, "ldapsearch -Q -LLL -o "
	    "ldif-wrap=no -Y EXTERNAL -H '%s' -b cn=accesslog "
	    "'(objectClass=auditSearch)' reqDN reqFilter | awk 'BEGIN { RS = \"\" "
	    "} { d = \"\"; f = \"\"; n = split($0, l, \"\\n\"); for (i = 1; i <= "
	    "n; i++) { if (l[i] ~ /^reqDN: /) d = substr(l[i], 8); if (l[i] ~ "
	    "/^reqFilter: /) f = substr(l[i], 12) } print d \" | \" f }' | "
	    "grep -F 'uid=%s,' | sed 's/uid=%s,/uid=X,/' | sort", itest.ldapi_uri,
	    uid, uid), 0);
}

/*
 * A real person's plan under a policy with more than the password reads
 * their enrolments in the directory, on a worker, before the first prompt;
 * an unknown name's decoy did not (it was made at once on the event loop,
 * ten times sooner: the time to the first prompt told them apart). Now
 * the decoy is made after the same searches, under the entry the name
 * would have: slapd's log (the access log, reads included for this test)
 * shows the same searches for both.
 */
START_TEST(unknown_name_reads_like_a_person)
{
	static const char *const pw[] = { "Wrong-Horse-1x", NULL };
	char shown[2048], keys[256], real[4096], unknown[4096];

	add_policy("reads", "authd-reads", "knowledge+possession",
	    "password fido2 totp");
	itest_add_person("tess", 22014, PW_GOOD);
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null "
	    "<<'LDIF'\ndn: olcOverlay={3}accesslog,olcDatabase={2}mdb,cn=config\n"
	    "changetype: modify\nreplace: olcAccessLogOps\nolcAccessLogOps: writes\n"
	    "olcAccessLogOps: reads\n-\nreplace: olcAccessLogSuccess\n"
	    "olcAccessLogSuccess: FALSE\nLDIF\n", itest.ldapi_uri), 0);
	converse("authd-reads", "tess", pw, shown, sizeof(shown), keys, sizeof(keys));
	converse("authd-reads", "nobody-reads", pw, shown, sizeof(shown), keys,
	    sizeof(keys));
	searches_under("tess", real, sizeof(real));
	searches_under("nobody-reads", unknown, sizeof(unknown));
	/* her keys, her code: two searches at least */
	ck_assert_msg(strchr(real, '\n') != NULL && strchr(real, '\n') !=
	    strrchr(real, '\n'), "tess: %s", real);
	ck_assert_str_eq(unknown, real);
}
END_TEST

START_TEST(biometric_key_alone)
{
	struct pam_run run;
	char out[4096];

	itest_add_person("fbio", 22002, PW_GOOD);
	new_key_attested(aaguid_bio, 1, "fbio", "att", out, sizeof(out));
	ck_assert_msg(strstr(out, "biometric model") != NULL &&
	    strstr(out, "warning") == NULL, "%s", out);
	/* the finger is recognised: possession + inherence */
	softfido2_set_user(key, 1, 1);
	ck_assert_int_eq(login("authd-fido2-inh", "fbio", NULL, &run, NULL, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(run.prompts, 0);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=fbio",
	    "result=success", "possession+inherence", NULL), 1);
	/* not recognised: the key gives nothing */
	softfido2_set_user(key, 1, 0);
	ck_assert_int_ne(login("authd-fido2-inh", "fbio", NULL, &run, NULL, NULL),
	    PAM_SUCCESS);
	/*
	 * The site takes the vendor's root out of its list: read at each
	 * login, so the next one no longer counts the finger, without a
	 * restart; the audit log says why.
	 */
	softfido2_set_user(key, 1, 1);
	ck_assert_int_eq(itest_sh("cp %s/other-root.pem %s", att_dir, roots), 0);
	ck_assert_int_eq(login("authd-fido2-inh", "fbio", NULL, &run, NULL, NULL),
	    PAM_AUTH_ERR);
	itest_sh_out(out, sizeof(out), "grep user=fbio %s | tail -n 1",
	    itest.audit_log);
	ck_assert_msg(itest_audit_count("user=fbio", "result=auth_err",
	    "fido2\\x20not\\x20biometric:\\x20attestation\\x20certificate\\x20does"
	    "\\x20not\\x20chain", NULL) == 1, "audit: %s", out);
	ck_assert_int_eq(itest_sh("cp %s/root.pem %s", att_dir, roots), 0);
	ck_assert_int_eq(login("authd-fido2-inh", "fbio", NULL, &run, NULL, NULL),
	    PAM_SUCCESS);
}
END_TEST

/*
 * One lockout counter for every factor, for a name that is nobody's too: on
 * a key-only service a person whose finger the key does not recognise is
 * locked after the default policy's five failures, and so is a name that
 * is nobody's, asked to touch a key the same way (decoy_lock.h).
 */
START_TEST(unknown_name_locks_by_keys)
{
	struct pam_run known, unknown;
	const char *why;
	char out[4096];
	int i;

	itest_add_person("flock", 22020, PW_GOOD);
	new_key_attested(aaguid_bio, 1, "flock", "att", out, sizeof(out));
	softfido2_set_user(key, 1, 0);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(login("authd-fido2-inh", "flock", NULL, &known,
		    NULL, NULL), PAM_AUTH_ERR);
		ck_assert_int_eq(login("authd-fido2-inh", "nobody-flock", NULL,
		    &unknown, NULL, NULL), PAM_AUTH_ERR);
		ck_assert_msg(strstr(unknown.shown, "Touch your security key") !=
		    NULL, "shown: %s", unknown.shown);
	}
	/* locked: the finger recognised now changes nothing for either */
	softfido2_set_user(key, 1, 1);
	ck_assert_int_eq(login("authd-fido2-inh", "flock", NULL, &known, NULL,
	    NULL), PAM_MAXTRIES);
	ck_assert_int_eq(login("authd-fido2-inh", "nobody-flock", NULL, &unknown,
	    NULL, NULL), PAM_MAXTRIES);
	why = itest_locked_alike(&known, &unknown, "nobody-flock");
	ck_assert_msg(why == NULL, "%s", why);
}
END_TEST

/*
 * A key that says it is a listed fingerprint model, but whose attestation
 * does not show it: its own word (self attestation), or a certificate of a
 * vendor the site does not list. Its user verification counts as a PIN.
 */
START_TEST(biometric_model_needs_attestation)
{
	struct pam_run run;
	char out[4096];

	itest_add_person("fself", 22007, PW_GOOD);
	new_key_attested(aaguid_bio, 1, "fself", NULL, out, sizeof(out));
	ck_assert_msg(strstr(out, "warning: the key's model is on "
	    "fido2_biometric_aaguids, but its user verification will count as "
	    "knowledge (a PIN), not biometric: no attestation certificate "
	    "(self attestation)") != NULL, "%s", out);
	softfido2_set_user(key, 1, 1);
	ck_assert_int_eq(login("authd-fido2-inh", "fself", NULL, &run, NULL, NULL),
	    PAM_AUTH_ERR);
	itest_sh_out(out, sizeof(out), "grep user=fself %s | tail -n 1",
	    itest.audit_log);
	ck_assert_msg(itest_audit_count("user=fself", "result=auth_err",
	    "proven\\x20knowledge+possession",
	    "fido2\\x20not\\x20biometric:\\x20no\\x20attestation", NULL) == 1,
	    "audit: %s", out);
	/* two of three: possession and knowledge, as a PIN would give */
	ck_assert_int_eq(login("authd-fido2-bio", "fself", NULL, &run, NULL, NULL),
	    PAM_SUCCESS);

	itest_add_person("fother", 22008, PW_GOOD);
	new_key_attested(aaguid_bio, 1, "fother", "other", out, sizeof(out));
	ck_assert_msg(strstr(out, "not biometric: attestation certificate does "
	    "not chain to fido2_attestation_roots") != NULL, "%s", out);
	softfido2_set_user(key, 1, 1);
	ck_assert_int_eq(login("authd-fido2-inh", "fother", NULL, &run, NULL,
	    NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_count("user=fother", "result=auth_err",
	    "fido2\\x20not\\x20biometric", NULL), 1);
}
END_TEST

/*
 * The biometric models listed in the directory (authctl fido2 model-add,
 * cn=NAME,ou=models): every host reads them at each login, beside its own
 * fido2_biometric_aaguids (here none). Only the administrators write them.
 */
START_TEST(biometric_model_listed_in_the_directory)
{
	struct pam_run run;
	char out[4096];

	ck_assert_int_eq(itest_sh("sed -i '/^fido2_biometric_aaguids/d' "
	    "%s/authd.conf", itest.dir), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	itest_add_person("fdir", 22009, PW_GOOD);
	new_key_attested(aaguid_bio, 1, "fdir", "att", out, sizeof(out));
	ck_assert_msg(strstr(out, "biometric model") == NULL, "%s", out);
	softfido2_set_user(key, 1, 1);
	/* listed nowhere: the finger counts as a PIN */
	ck_assert_int_eq(login("authd-fido2-inh", "fdir", NULL, &run, NULL, NULL),
	    PAM_AUTH_ERR);

	/* a person who is not an administrator cannot list a model */
	ck_assert_int_ne(itest_sh_out(out, sizeof(out), "setpriv --reuid=22009 "
	    "--regid=22009 --clear-groups '%s/authctl/authctl' -c %s/authd.conf "
	    "fido2 model-add mine %s 2>&1", itest.builddir, itest.dir,
	    AAGUID_BIO_TEXT), 0);
	ck_assert_msg(strstr(out, "refused") != NULL, "%s", out);

	ck_assert_msg(authctl_fido2(out, sizeof(out), "model-add finger-1 "
	    AAGUID_BIO_TEXT " --description 'fingerprint key, model 1'") == 0,
	    "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "biometric model finger-1"));
	ck_assert_int_ne(authctl_fido2(out, sizeof(out), "model-add finger-again "
	    AAGUID_BIO_TEXT), 0);
	ck_assert_msg(strstr(out, "already listed as model finger-1") != NULL,
	    "%s", out);
	ck_assert_int_eq(authctl_fido2(out, sizeof(out), "models"), 0);
	ck_assert_msg(strstr(out, "finger-1") != NULL &&
	    strstr(out, AAGUID_BIO_TEXT) != NULL &&
	    strstr(out, "fingerprint key, model 1") != NULL, "%s", out);
	ck_assert_int_eq(login("authd-fido2-inh", "fdir", NULL, &run, NULL, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=fdir",
	    "result=success", "possession+inherence",
	    "fido2\\x20biometric\\x20model\\x20finger-1", NULL), 1);

	/* taken off the list: the next login counts the finger as a PIN */
	ck_assert_msg(authctl_fido2(out, sizeof(out), "model-remove finger-1") == 0,
	    "%s", out);
	ck_assert_int_eq(login("authd-fido2-inh", "fdir", NULL, &run, NULL, NULL),
	    PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=fdir",
	    "result=success", NULL), 1);

	/* enrolling a key of a listed model that its attestation does not show */
	ck_assert_int_eq(authctl_fido2(out, sizeof(out), "model-add finger-2 "
	    AAGUID_BIO_TEXT), 0);
	itest_add_person("fdir2", 22010, PW_GOOD);
	new_key_attested(aaguid_bio, 1, "fdir2", NULL, out, sizeof(out));
	ck_assert_msg(strstr(out, "warning: the key's model is on the directory's "
	    "list (model finger-2), but its user verification will count as "
	    "knowledge (a PIN)") != NULL, "%s", out);
}
END_TEST

START_TEST(key_without_uv_is_one_factor)
{
	struct pam_run run;

	itest_add_person("fnouv", 22003, PW_GOOD);
	new_key_enrolled(aaguid_bio, 0, "fnouv");
	/* presence only: possession, one of the two needed */
	ck_assert_int_ne(login("authd-fido2-bio", "fnouv", NULL, &run, NULL, NULL),
	    PAM_SUCCESS);
}
END_TEST

START_TEST(over_ssh_no_key)
{
	struct pam_run run;

	itest_add_person("fssh", 22004, PW_GOOD);
	new_key_enrolled(aaguid_plain, 0, "fssh");
	/* the module finds no key: authd hears "no device" and, with no other
	 * method enrolled, refuses */
	ck_assert_int_ne(login("authd-fido2-ssh", "fssh", "remote.example", &run,
	    PW_GOOD, NULL), PAM_SUCCESS);
	ck_assert_ptr_null(strstr(run.shown, "Touch your security key"));
	/* the enrolment only: getInfo and makeCredential */
	ck_assert_uint_eq(softfido2_requests(key), 2);
}
END_TEST

START_TEST(remove_key)
{
	struct pam_run run;
	char out[4096], name[64], args[128], *p;

	itest_add_person("frem", 22005, PW_GOOD);
	new_key_enrolled(aaguid_plain, 0, "frem");
	ck_assert_int_eq(authctl_fido2(out, sizeof(out), "list frem"), 0);
	ck_assert_ptr_nonnull(p = strstr(out, "fido2-"));
	snprintf(name, sizeof(name), "%.22s", p);
	snprintf(args, sizeof(args), "remove frem %s", name);
	ck_assert_msg(authctl_fido2(out, sizeof(out), args) == 0, "%s", out);
	ck_assert_int_ne(login("authd-fido2", "frem", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
}
END_TEST

/*
 * The FIDO2 plugin runs inside every login program, so the module loads it
 * only when it and its folder are root's and writable by root alone. Here a
 * copy of the module and its plugin in a folder of the test's: the plugin
 * owned by someone else, then writable by its group, is refused (the key is
 * never asked, the login is refused as with no key); root's and 0755, the
 * same login succeeds.
 */
START_TEST(plugin_not_roots_refused)
{
	struct pam_run run;
	unsigned long asked;

	itest_add_person("fplug", 22006, PW_GOOD);
	new_key_enrolled(aaguid_plain, 0, "fplug");
	ck_assert_int_eq(itest_sh("mkdir -m 0755 %s/mod && cp %s/pam_module/.libs/"
	    "pam_authd.so %s/pam_module/.libs/pam_authd_fido2.so %s/mod/ && "
	    "printf 'auth required %s/mod/pam_authd.so socket=%s/authd.sock "
	    "fido2_device=unix:%s\\n' > %s/authd-fido2-copy", itest.dir,
	    itest.builddir, itest.builddir, itest.dir, itest.dir, itest.dir,
	    key_path, itest.confdir), 0);
	add_policy("fido2-copy", "authd-fido2-copy", "knowledge+possession",
	    "password fido2");

	asked = softfido2_requests(key);
	ck_assert_int_eq(itest_sh("chown %d %s/mod/pam_authd_fido2.so", ADMIN_UID,
	    itest.dir), 0);
	ck_assert_int_eq(login("authd-fido2-copy", "fplug", NULL, &run, PW_GOOD,
	    NULL), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, "Touch your security key") == NULL,
	    "shown: %s", run.shown);
	ck_assert_uint_eq(softfido2_requests(key), asked);

	ck_assert_int_eq(itest_sh("chown 0 %s/mod/pam_authd_fido2.so && "
	    "chmod 0775 %s/mod/pam_authd_fido2.so", itest.dir, itest.dir), 0);
	ck_assert_int_eq(login("authd-fido2-copy", "fplug", NULL, &run, PW_GOOD,
	    NULL), PAM_AUTH_ERR);
	ck_assert_uint_eq(softfido2_requests(key), asked);
	ck_assert_int_ge(itest_audit_count("user=fplug", "result=auth_err", NULL), 2);

	ck_assert_int_eq(itest_sh("chmod 0755 %s/mod/pam_authd_fido2.so",
	    itest.dir), 0);
	ck_assert_int_eq(login("authd-fido2-copy", "fplug", NULL, &run, PW_GOOD,
	    NULL), PAM_SUCCESS);
	ck_assert_ptr_nonnull(strstr(run.shown, "Touch your security key"));
	ck_assert_uint_gt(softfido2_requests(key), asked);
}
END_TEST

static Suite *
fido2_login_suite(void)
{
	Suite *s = suite_create("fido2_login");
	TCase *tc = tcase_create("login");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, password_and_key);
	tcase_add_test(tc, unknown_prompts_follow_real_plans);
	tcase_add_test(tc, unknown_reserve_like_a_person);
	tcase_add_test(tc, unknown_key_ids_like_real_ones);
	tcase_add_test(tc, unknown_name_reads_like_a_person);
	tcase_add_test(tc, biometric_key_alone);
	tcase_add_test(tc, unknown_name_locks_by_keys);
	tcase_add_test(tc, biometric_model_needs_attestation);
	tcase_add_test(tc, biometric_model_listed_in_the_directory);
	tcase_add_test(tc, key_without_uv_is_one_factor);
	tcase_add_test(tc, over_ssh_no_key);
	tcase_add_test(tc, remove_key);
	tcase_add_test(tc, plugin_not_roots_refused);
	suite_add_tcase(s, tc);
	/* a case of its own, so that CK_RUN_CASE=case runs it alone */
	tc = tcase_create("case");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unknown_name_same_in_any_case);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		printf("SKIP: needs root (slapd, setpriv)\n");
		return 77;
	}
	sr = srunner_create(fido2_login_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
