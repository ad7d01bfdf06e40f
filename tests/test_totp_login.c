/*
 * Password + TOTP logins end to end: a private slapd and a real authd
 * (scripts/authd-local, which makes the site key at test time), tokens
 * enrolled by an administrator with authctl, codes computed by oathtool at
 * test time, a policy "knowledge+possession" for the test services, and real
 * libpam. A second authd on the same slapd shows that a code accepted by
 * one is refused by the other.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/itest.h"

#define PW_GOOD "Correct-Horse-7"
#define FAIL_DELAY_MS 100
#define ADMIN "tadm"
#define ADMIN_UID 21000

static const char *svc = "authd-test";
static const char *svc2 = "authd-second";

/* Enrol uid's token as the administrator; the seed into secret. */
static void
enroll(const char *uid, char *secret, size_t secretsz)
{
	itest_totp_enroll(ADMIN_UID, uid, secret, secretsz);
}

/* The code of secret at now + offset seconds. */
static void
code_at(const char *secret, long offset, char *code, size_t codesz)
{
	itest_totp_code(secret, offset, code, codesz);
}

/* Password then code; returns the PAM result. */
static int
login2(const char *service, const char *user, const char *pw, const char *code,
    struct pam_run *run)
{
	pam_handle_t *pamh;
	int r;

	pamh = itest_pam_answering(service, user, run, pw, code, NULL);
	r = pam_authenticate(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

/* Lines of the second authd's audit log with every needle. */
static int
audit2_count(const char *a, const char *b)
{
	char out[32];

	itest_sh_out(out, sizeof(out), "grep -F -- '%s' %s/second/audit.log | "
	    "grep -c -F -- '%s'", a, itest.dir, b);
	return atoi(out);
}

static void
setup(void)
{
	itest_up(FAIL_DELAY_MS);
	itest_add_person(ADMIN, ADMIN_UID, PW_GOOD);
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=authd-admins,ou=groups,%s\nchangetype: modify\nadd: member\n"
	    "member: uid=%s,ou=people,%s\nLDIF\n", itest.ldapi_uri, itest.base_dn,
	    ADMIN, itest.base_dn), 0);
	/* the documented choice: the site key 0640, group = the enrolling admins */
	ck_assert_int_eq(itest_sh("chgrp %d %s/totp.key && chmod 0640 %s/totp.key",
	    ADMIN_UID, itest.dir, itest.dir), 0);
	ck_assert_int_eq(itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=totp-test,ou=policies,%s\nobjectClass: authdPolicy\ncn: totp-test\n"
	    "authdPolicyService: %s\nauthdPolicyService: %s\n"
	    "authdPolicyRequire: knowledge+possession\n"
	    "authdPolicyMethod: password\nauthdPolicyMethod: totp\nLDIF\n",
	    itest.ldapi_uri, itest.base_dn, svc, svc2), 0);
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' second-authd %s "
	    ">%s/second.log 2>&1", itest.srcdir, itest.dir, itest.dir), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(itest_down(), 0);
}

START_TEST(enrol_login_and_replay)
{
	struct pam_run run;
	char secret[128], code[16], out[4096];

	itest_add_person("tanna", 21001, PW_GOOD);
	enroll("tanna", secret, sizeof(secret));
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "setpriv --reuid=%d --regid=%d "
	    "--clear-groups '%s/authctl/authctl' -c %s/authd.conf totp show tanna 2>&1",
	    ADMIN_UID, ADMIN_UID, itest.builddir, itest.dir), 0);
	ck_assert_msg(strstr(out, "active") != NULL, "show: %s", out);

	code_at(secret, 0, code, sizeof(code));
	ck_assert_int_eq(login2(svc, "tanna", PW_GOOD, code, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "P:Verification code: ") != NULL, "shown: %s",
	    run.shown);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=tanna",
	    "result=success", NULL), 1);
	/* the code never reaches the audit log */
	ck_assert_int_eq(itest_audit_count(code, NULL), 0);

	/* the same code again: here, and through the second authd */
	ck_assert_int_eq(login2(svc, "tanna", PW_GOOD, code, &run), PAM_AUTH_ERR);
	ck_assert_int_ge(itest_audit_count("user=tanna", "code\\x20replayed", NULL), 1);
	ck_assert_int_eq(login2(svc2, "tanna", PW_GOOD, code, &run), PAM_AUTH_ERR);
	ck_assert_int_ge(audit2_count("user=tanna", "code\\x20replayed"), 1);
}
END_TEST

START_TEST(first_use_on_the_second_authd)
{
	struct pam_run run;
	char secret[128], code[16];

	itest_add_person("tbert", 21002, PW_GOOD);
	enroll("tbert", secret, sizeof(secret));
	code_at(secret, 0, code, sizeof(code));
	ck_assert_int_eq(login2(svc2, "tbert", PW_GOOD, code, &run), PAM_SUCCESS);
	ck_assert_int_eq(login2(svc, "tbert", PW_GOOD, code, &run), PAM_AUTH_ERR);
	ck_assert_int_ge(itest_audit_count("user=tbert", "code\\x20replayed", NULL), 1);
}
END_TEST

START_TEST(wrong_code_and_outside_window_refused)
{
	struct pam_run run;
	char secret[128], code[16];

	itest_add_person("tcora", 21003, PW_GOOD);
	enroll("tcora", secret, sizeof(secret));
	code_at(secret, 0, code, sizeof(code));
	code[5] = (char)('0' + (code[5] - '0' + 5) % 10);
	ck_assert_int_eq(login2(svc, "tcora", PW_GOOD, code, &run), PAM_AUTH_ERR);
	ck_assert_int_ge(itest_audit_count("user=tcora", "wrong\\x20totp\\x20code", NULL), 1);
	/* five steps ahead and five behind: outside the default window of 1 */
	code_at(secret, 150, code, sizeof(code));
	ck_assert_int_eq(login2(svc, "tcora", PW_GOOD, code, &run), PAM_AUTH_ERR);
	code_at(secret, -150, code, sizeof(code));
	ck_assert_int_eq(login2(svc, "tcora", PW_GOOD, code, &run), PAM_AUTH_ERR);
	ck_assert_int_ge(itest_audit_count("user=tcora", "wrong\\x20totp\\x20code", NULL), 3);
	/* and the right one still works */
	code_at(secret, 0, code, sizeof(code));
	ck_assert_int_eq(login2(svc, "tcora", PW_GOOD, code, &run), PAM_SUCCESS);
}
END_TEST

START_TEST(wrong_codes_lock_the_account)
{
	struct pam_run run;
	char secret[128], code[16];
	int i;

	itest_add_person("tdora", 21004, PW_GOOD);
	enroll("tdora", secret, sizeof(secret));
	for (i = 0; i < 5; i++) {
		code_at(secret, 0, code, sizeof(code));
		code[5] = (char)('0' + (code[5] - '0' + 5) % 10);
		ck_assert_int_eq(login2(svc, "tdora", PW_GOOD, code, &run), PAM_AUTH_ERR);
	}
	/* now even the right password and the right code are refused */
	code_at(secret, 0, code, sizeof(code));
	ck_assert_int_ne(login2(svc, "tdora", PW_GOOD, code, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "locked") != NULL, "shown: %s", run.shown);
}
END_TEST

START_TEST(seed_readable_only_by_authd)
{
	char secret[128], out[8192];

	itest_add_person("terin", 21005, PW_GOOD);
	enroll("terin", secret, sizeof(secret));
#define TOK "cn=totp,uid=terin,ou=people,%s"
	/* the person: the state only */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "ldapsearch -LLL -x -H '%s' "
	    "-D uid=terin,ou=people,%s -w '%s' -b " TOK " '*' 2>&1",
	    itest.ldapi_uri, itest.base_dn, PW_GOOD, itest.base_dn), 0);
	ck_assert_msg(strstr(out, "authdTotpState: active") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "authdTotpSeed") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "authdTotpLastStep") == NULL, "%s", out);
	/* an administrator: everything but the seed */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "ldapsearch -LLL -x -H '%s' "
	    "-D uid=%s,ou=people,%s -w '%s' -b " TOK " '*' 2>&1",
	    itest.ldapi_uri, ADMIN, itest.base_dn, PW_GOOD, itest.base_dn), 0);
	ck_assert_msg(strstr(out, "authdTotpAlgorithm: SHA1") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "authdTotpSeed") == NULL, "%s", out);
	/* authd's identity reads it, encrypted (never the base32 secret) */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "eval \"$('%s/ldap_schema/authd-slapd' "
	    "env %s/slapd)\"; ldapsearch -LLL -x -H '%s' -D \"$BIND_DN\" -y \"$BIND_PW_FILE\" "
	    "-b " TOK " authdTotpSeed 2>&1", itest.srcdir, itest.dir, itest.ldapi_uri,
	    itest.base_dn), 0);
	ck_assert_msg(strstr(out, "authdTotpSeed::") != NULL, "%s", out);
	/* the person cannot change the state */
	ck_assert_int_ne(itest_sh("ldapmodify -x -H '%s' -D uid=terin,ou=people,%s -w '%s' "
	    ">/dev/null 2>&1 <<'LDIF'\ndn: " TOK "\nchangetype: modify\nreplace: "
	    "authdTotpState\nauthdTotpState: pending\nLDIF\n", itest.ldapi_uri,
	    itest.base_dn, PW_GOOD, itest.base_dn), 0);
#undef TOK
}
END_TEST

START_TEST(removed_token_no_second_factor)
{
	struct pam_run run;
	char secret[128], code[16];

	itest_add_person("tfumi", 21006, PW_GOOD);
	enroll("tfumi", secret, sizeof(secret));
	ck_assert_int_eq(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "'%s/authctl/authctl' -c %s/authd.conf totp remove tfumi >/dev/null 2>&1",
	    ADMIN_UID, ADMIN_UID, itest.builddir, itest.dir), 0);
	code_at(secret, 0, code, sizeof(code));
	ck_assert_int_ne(login2(svc, "tfumi", PW_GOOD, code, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "second factor") != NULL, "shown: %s", run.shown);
}
END_TEST

/* pwdFailureTime values of uid's entry. */
static int
failure_times(const char *uid)
{
	char out[64];

	itest_sh_out(out, sizeof(out), "ldapsearch -LLL -Q -Y EXTERNAL -H '%s' "
	    "-b uid=%s,ou=people,%s -s base pwdFailureTime | grep -c '^pwdFailureTime:'",
	    itest.ldapi_uri, uid, itest.base_dn);
	return atoi(out);
}

/* A PAM service (a copy of authd-test) whose policy asks a TOTP code alone:
 * possession, no password. Added once; a second call finds it there. */
static void
add_code_only_service(const char *service)
{
	ck_assert_int_eq(itest_sh("cp %s/authd-test %s/%s", itest.confdir,
	    itest.confdir, service), 0);
	ck_assert_int_eq(itest_sh("ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b "
	    "'cn=code-only,ou=policies,%s' -s base dn >/dev/null 2>&1 || "
	    "ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=code-only,ou=policies,%s\nobjectClass: authdPolicy\ncn: code-only\n"
	    "authdPolicyService: %s\nauthdPolicyRequire: possession\n"
	    "authdPolicyMethod: totp\nLDIF\n", itest.ldapi_uri, itest.base_dn,
	    itest.ldapi_uri, itest.base_dn, service), 0);
}

/*
 * A person without a password (made by hand, or by an authctl before user
 * add set one): ppolicy keeps no failure count for the entry, so nothing
 * bounds guessing a code. A login by code alone is refused even with the
 * right code, and a wrong code's audit record says it was not counted; a
 * password set through slapd gives the person a count and the login.
 */
START_TEST(no_password_no_login_without_one)
{
	static const char *codeonly = "authd-codeonly";
	struct pam_run run;
	char secret[128], code[16];

	add_code_only_service(codeonly);
	itest_add_person("tgen", 21007, PW_GOOD);
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: uid=tgen,ou=people,%s\nchangetype: modify\ndelete: userPassword\n"
	    "LDIF\n", itest.ldapi_uri, itest.base_dn), 0);
	enroll("tgen", secret, sizeof(secret));

	code_at(secret, 0, code, sizeof(code));
	ck_assert_int_ne(itest_login(codeonly, "tgen", code, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "no password in the directory") != NULL,
	    "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("user=tgen", "result=perm_denied",
	    "so\\x20no\\x20lockout", NULL), 1);

	code[5] = (char)('0' + (code[5] - '0' + 5) % 10);
	ck_assert_int_eq(itest_login(codeonly, "tgen", code, &run), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, "no password") == NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("user=tgen", "wrong\\x20totp\\x20code",
	    "not\\x20counted", NULL), 1);
	ck_assert_int_eq(failure_times("tgen"), 0);

	/* a password set through slapd: counted and let in again */
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: uid=tgen,ou=people,%s\nchangetype: modify\nreplace: userPassword\n"
	    "userPassword: %s\nLDIF\n", itest.ldapi_uri, itest.base_dn, PW_GOOD), 0);
	itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: uid=tgen,ou=people,%s\nchangetype: modify\ndelete: pwdReset\n"
	    "LDIF\n", itest.ldapi_uri, itest.base_dn);
	ck_assert_int_eq(itest_login(codeonly, "tgen", code, &run), PAM_AUTH_ERR);
	ck_assert_int_eq(failure_times("tgen"), 1);
	code_at(secret, 30, code, sizeof(code));
	ck_assert_int_eq(itest_login(codeonly, "tgen", code, &run), PAM_SUCCESS);
}
END_TEST

/* pwdFailureTime values of the timing entry (an unknown name's bind). */
static int
timing_failures(void)
{
	char out[64];

	itest_sh_out(out, sizeof(out), "ldapsearch -LLL -Q -Y EXTERNAL -H '%s' "
	    "-b cn=authd-timing,ou=system,%s -s base pwdFailureTime | "
	    "grep -c '^pwdFailureTime:'", itest.ldapi_uri, itest.base_dn);
	return atoi(out);
}

/*
 * Under a policy without the password (a code alone), a person who has
 * enrolled no token is asked for a code like anyone (a decoy) and refused
 * like anyone, after the same work: one failed bind, as an unknown name's
 * code costs (the timing entry's) and a person's wrong code (their own).
 * Before, the person's refusal came without a bind, 6 ms sooner than an
 * unknown name's here (101.2 against 107.4 ms, medians of 40 with a 100 ms
 * delay, quartiles apart): the time told that the name was a person's.
 */
START_TEST(unenrolled_costs_a_bind_like_unknown)
{
	static const char *codeonly = "authd-codeonly";
	struct pam_run run, unknown;
	int before;

	add_code_only_service(codeonly);
	itest_add_person("tnone", 21008, PW_GOOD);

	before = timing_failures();
	ck_assert_int_eq(itest_login(codeonly, "nobody-code", "123456", &unknown),
	    PAM_AUTH_ERR);
	ck_assert_msg(strstr(unknown.shown, "Verification code") != NULL,
	    "shown: %s", unknown.shown);
	ck_assert_int_eq(timing_failures(), before + 1);

	ck_assert_int_eq(itest_login(codeonly, "tnone", "123456", &run),
	    PAM_AUTH_ERR);
	ck_assert_str_eq(run.shown, unknown.shown);
	ck_assert_int_eq(timing_failures(), before + 2);
	ck_assert_int_eq(itest_audit_count("user=tnone", "result=auth_err",
	    "needs\\x20possession;\\x20enrolled:\\x20none", NULL), 1);
}
END_TEST

/*
 * Under a policy of a code alone, an unknown name's wrong codes count as a
 * person's do (each costs the person a counted failure, refuse_counted):
 * after five, the next attempt is locked for both, the person with the
 * right code, with the same lines; the audit log says decoy. Before, the
 * unknown name was never locked.
 */
START_TEST(unknown_name_locks_by_codes)
{
	static const char *codeonly = "authd-codeonly";
	struct pam_run known, unknown;
	char secret[128], code[16];
	int i;

	add_code_only_service(codeonly);
	itest_add_person("tlock", 21009, PW_GOOD);
	enroll("tlock", secret, sizeof(secret));
	for (i = 0; i < 5; i++) {
		code_at(secret, 0, code, sizeof(code));
		code[5] = (char)('0' + (code[5] - '0' + 5) % 10);
		ck_assert_int_eq(itest_login(codeonly, "tlock", code, &known),
		    PAM_AUTH_ERR);
		ck_assert_int_eq(itest_login(codeonly, "nobody-tlock", code,
		    &unknown), PAM_AUTH_ERR);
		ck_assert_str_eq(known.shown, unknown.shown);
	}
	code_at(secret, 0, code, sizeof(code));
	ck_assert_int_eq(itest_login(codeonly, "tlock", code, &known),
	    PAM_MAXTRIES);
	ck_assert_int_eq(itest_login(codeonly, "nobody-tlock", code, &unknown),
	    PAM_MAXTRIES);
	ck_assert_msg(strstr(unknown.shown, "locked") != NULL, "shown: %s",
	    unknown.shown);
	ck_assert_str_eq(known.shown, unknown.shown);
	ck_assert_int_eq(itest_audit_reason("nobody-tlock", "maxtries",
	    "unknown user; decoy locked"), 1);
}
END_TEST

/*
 * The last grace login of a password + code login: the password is bound on
 * a worker (the code needs the directory too), and that worker's connection,
 * still bound as the person, is held for the change as the loop's is after a
 * password-only login (grace_hold.h). Before, the person was told to ask an
 * administrator.
 */
START_TEST(last_grace_login_with_a_code_changes_password)
{
	struct pam_run run;
	pam_handle_t *pamh;
	char secret[128], code[16];
	const char *why;

	itest_add_pwpolicy("one-grace", 1, 0, 1);
	itest_add_person("gale", 21010, PW_GOOD);
	itest_use_pwpolicy("gale", "one-grace");
	enroll("gale", secret, sizeof(secret));
	sleep(3);

	code_at(secret, 0, code, sizeof(code));
	pamh = itest_pam_answering(svc, "gale", &run, PW_GOOD, code,
	    "Graced-T0tp-Pass", "Graced-T0tp-Pass", NULL);
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "P:Verification code: ") != NULL,
	    "shown: %s", run.shown);
	why = itest_change_on_last_grace(pamh, &run, "gale");
	ck_assert_msg(why == NULL, "%s", why);

	/* the new password, with the next step's code */
	code_at(secret, 30, code, sizeof(code));
	ck_assert_int_eq(login2(svc, "gale", "Graced-T0tp-Pass", code, &run),
	    PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "grace") == NULL, "shown: %s", run.shown);
}
END_TEST

static Suite *
totp_login_suite(void)
{
	Suite *s = suite_create("totp_login");
	TCase *tc = tcase_create("totp_login");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, enrol_login_and_replay);
	tcase_add_test(tc, first_use_on_the_second_authd);
	tcase_add_test(tc, wrong_code_and_outside_window_refused);
	tcase_add_test(tc, wrong_codes_lock_the_account);
	tcase_add_test(tc, seed_readable_only_by_authd);
	tcase_add_test(tc, removed_token_no_second_factor);
	tcase_add_test(tc, no_password_no_login_without_one);
	tcase_add_test(tc, last_grace_login_with_a_code_changes_password);
	suite_add_tcase(s, tc);
	/* a case of its own, so that CK_RUN_CASE=unenrolled runs it alone */
	tc = tcase_create("unenrolled");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, unenrolled_costs_a_bind_like_unknown);
	suite_add_tcase(s, tc);
	tc = tcase_create("decoy_lock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, unknown_name_locks_by_codes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0 || system("command -v oathtool >/dev/null") != 0) {
		fprintf(stderr, "test_totp_login: needs root and oathtool; skipped\n");
		return 77;
	}
	sr = srunner_create(totp_login_suite());
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
