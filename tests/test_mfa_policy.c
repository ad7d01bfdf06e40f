/*
 * Login policies: the requirement grammar as units, then logins under
 * policies in a private slapd through a real authd and libpam. Only the
 * password method exists in every build, so these tests judge what a policy
 * does with it (the combinations with TOTP, FIDO2 and the card live in those
 * methods' tests): a two-category policy refuses a password alone, and
 * says why only to whoever knew the password; a category counts once; the
 * default keeps password logins; an unknown person sees the same prompts;
 * policies are chosen by service, by the host's class and for remote
 * logins; a failed factor's deliberate failed bind counts toward lockout.
 */
#include "config.h"

#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dir.h"
#include "err.h"
#include "lib/itest.h"
#include "plan.h"
#include "policy.h"

#define PW_GOOD "Correct-Horse-7"
#define PW_BAD  "Wrong-Horse-7x"
#define FAIL_DELAY_MS 100
#define UNMET_MSG "This service needs a second factor (possession)"

/* Units: the grammar */

START_TEST(grammar)
{
	struct policy_req r;
	char err[200];

	ck_assert_int_eq(policy_parse_require("knowledge", &r, err, sizeof(err)), AUTHD_OK);
	ck_assert_uint_eq(r.must, FACTOR_KNOWLEDGE);
	ck_assert_int_eq(policy_parse_require("knowledge+possession", &r, err,
	    sizeof(err)), AUTHD_OK);
	ck_assert_uint_eq(r.must, FACTOR_KNOWLEDGE | FACTOR_POSSESSION);
	ck_assert(!policy_satisfied(&r, FACTOR_KNOWLEDGE));
	ck_assert(policy_satisfied(&r, FACTOR_KNOWLEDGE | FACTOR_POSSESSION));
	ck_assert_int_eq(policy_parse_require("2of:knowledge,possession,biometric",
	    &r, err, sizeof(err)), AUTHD_OK);
	ck_assert_int_eq(r.n, 2);
	ck_assert(!policy_satisfied(&r, FACTOR_KNOWLEDGE));
	/* the same category from two methods is still one category */
	ck_assert(!policy_satisfied(&r, FACTOR_KNOWLEDGE | FACTOR_KNOWLEDGE));
	ck_assert(policy_satisfied(&r, FACTOR_KNOWLEDGE | FACTOR_INHERENCE));
	ck_assert_uint_eq(policy_missing(&r, FACTOR_KNOWLEDGE),
	    FACTOR_POSSESSION | FACTOR_INHERENCE);
	ck_assert_int_eq(policy_parse_require("knowledge+1of:possession,inherence",
	    &r, err, sizeof(err)), AUTHD_OK);
	ck_assert(!policy_satisfied(&r, FACTOR_POSSESSION | FACTOR_INHERENCE));
	ck_assert(policy_satisfied(&r, FACTOR_KNOWLEDGE | FACTOR_POSSESSION));
	/* refused: empty, unknown, dangling, impossible counts, repeats */
	ck_assert_int_ne(policy_parse_require("", &r, err, sizeof(err)), AUTHD_OK);
	ck_assert_int_ne(policy_parse_require("knowledge+", &r, err, sizeof(err)), AUTHD_OK);
	ck_assert_int_ne(policy_parse_require("knowlege", &r, err, sizeof(err)), AUTHD_OK);
	ck_assert_int_ne(policy_parse_require("3of:knowledge,possession", &r, err,
	    sizeof(err)), AUTHD_OK);
	ck_assert_int_ne(policy_parse_require("0of:knowledge", &r, err, sizeof(err)),
	    AUTHD_OK);
	ck_assert_int_ne(policy_parse_require("2of:knowledge,knowledge", &r, err,
	    sizeof(err)), AUTHD_OK);
	ck_assert_msg(strstr(err, "knowledge+possession") != NULL, "err: %s", err);
}
END_TEST

/* Integration */

static void
add_policy(const char *name, const char *attrs)
{
	if (itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=%s,ou=policies,%s\nobjectClass: authdPolicy\ncn: %s\n%s\nLDIF\n",
	    itest.ldapi_uri, name, itest.base_dn, name, attrs) != 0) {
		fprintf(stderr, "could not add policy %s\n", name);
		exit(1);
	}
}

/* A login with answers (NULL-terminated); rhost may be NULL. */
static int
login(const char *service, const char *user, const char *rhost,
    struct pam_run *run, ...)
{
	pam_handle_t *pamh;
	va_list ap;
	const char *a;
	int r;

	memset(run, 0, sizeof(*run));
	va_start(ap, run);
	while ((a = va_arg(ap, const char *)) != NULL && run->nanswers < 16)
		run->answers[run->nanswers++] = a;
	va_end(ap);
	pamh = itest_pam_start(service, user, run);
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	r = pam_authenticate(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

START_TEST(default_keeps_password_logins)
{
	struct pam_run run;

	itest_add_person("ada", 21001, PW_GOOD);
	ck_assert_int_eq(login("authd-test", "ada", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(run.prompts, 1);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=ada",
	    "result=success", "factors=password", "categories=knowledge", NULL), 1);
	/* a service no policy names gets the default too */
	ck_assert_int_eq(login("authd-plain", "ada", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("user=ada", "service=authd-plain",
	    "result=success", "policy=default", NULL), 1);
}
END_TEST

/*
 * A policy's name comes from the directory and goes into the audit record
 * escaped: a space or an '=' in it adds no field of its own (a name such as
 * "x result=success" must not read as a second result).
 */
START_TEST(policy_name_escaped_in_audit)
{
	struct pam_run run;

	itest_add_person("ida", 21090, PW_GOOD);
	ck_assert_int_eq(login("authd-named", "ida", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(login("authd-named", "ida", NULL, &run, "Wrong-Horse-1x",
	    NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_count("user=ida", "service=authd-named",
	    "result=success", "policy=x\\x20result\\x3dsuccess factors=", NULL), 1);
	ck_assert_int_eq(itest_audit_count("user=ida", "service=authd-named",
	    "result=auth_err", "policy=x\\x20result\\x3dsuccess factors=", NULL), 1);
	ck_assert_int_eq(itest_audit_count("user=ida", "policy=x result", NULL), 0);
}
END_TEST

/*
 * authd reads at most 64 login policies. With more, the one that applies
 * may be among those left out: every login is refused (and audited, and
 * logged) until some are removed, rather than a laxer policy applied.
 */
START_TEST(too_many_policies_refuse)
{
	struct pam_run run;

	itest_add_person("ivo", 21091, PW_GOOD);
	ck_assert_int_eq(itest_sh("for i in $(seq 1 60); do printf 'dn: cn=flood%%d,"
	    "ou=policies,%s\\nobjectClass: authdPolicy\\ncn: flood%%d\\n"
	    "authdPolicyService: flood%%d\\nauthdPolicyRequire: knowledge\\n"
	    "authdPolicyMethod: password\\n\\n' $i $i $i; done | "
	    "ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null", itest.base_dn,
	    itest.ldapi_uri), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(login("authd-test", "ivo", NULL, &run, PW_GOOD, NULL),
	    PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_count("user=ivo", "result=auth_err",
	    "more\\x20than\\x2064\\x20login\\x20policies", NULL), 1);
	ck_assert_int_eq(itest_sh("for i in $(seq 1 60); do echo "
	    "cn=flood$i,ou=policies,%s; done | ldapdelete -Q -Y EXTERNAL -H '%s'",
	    itest.base_dn, itest.ldapi_uri), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(login("authd-test", "ivo", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
}
END_TEST

/* Failed binds recorded on authd's timing entry (ppolicy's pwdFailureTime). */
static int
timing_failures(void)
{
	char out[64];

	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "ldapsearch -Q -LLL -Y "
	    "EXTERNAL -H '%s' -b cn=authd-timing,ou=system,%s -s base "
	    "pwdFailureTime | grep -c '^pwdFailureTime:' || true",
	    itest.ldapi_uri, itest.base_dn), 0);
	return atoi(out);
}

/*
 * Under a policy without the password, a real person's wrong code costs a
 * bind (the one that counts it toward the lockout); an unknown name's wrong
 * code costs one too, on the timing entry, so that the time taken does not
 * tell them apart.
 */
START_TEST(unknown_name_code_costs_a_bind)
{
	struct pam_run run;
	int before;

	before = timing_failures();
	ck_assert_int_eq(login("authd-codeonly", "nobody-codes", NULL, &run,
	    "123456", NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(run.prompts, 1);
	ck_assert_int_eq(timing_failures(), before + 1);
}
END_TEST

START_TEST(two_factor_policy_refuses_password_only)
{
	struct pam_run run;

	itest_add_person("ben", 21002, PW_GOOD);
	/* The right password: refused, and told plainly what is missing. */
	ck_assert_int_eq(login("authd-mfa", "ben", NULL, &run, PW_GOOD, "000000",
	    "000000", NULL), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, "E:" UNMET_MSG) != NULL, "shown: %s", run.shown);
	ck_assert_msg(strstr(run.shown, "Contact your administrator") != NULL,
	    "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_reason("ben", "auth_err",
	    "policy mfa-svc needs knowledge+possession; enrolled: password"), 1);
	/* A wrong password learns nothing about the person's enrolment. */
	ck_assert_int_eq(login("authd-mfa", "ben", NULL, &run, PW_BAD, "000000",
	    "000000", NULL), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, "needs") == NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_reason("ben", "auth_err",
	    "wrong password; policy mfa-svc"), 1);
	/* The same person logs in where the policy asks for knowledge only. */
	ck_assert_int_eq(login("authd-test", "ben", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
}
END_TEST

START_TEST(password_twice_is_one_category)
{
	struct pam_run run;

	itest_add_person("cai", 21003, PW_GOOD);
	ck_assert_int_eq(login("authd-2of", "cai", NULL, &run, PW_GOOD, PW_GOOD,
	    PW_GOOD, NULL), PAM_AUTH_ERR);
	/* asked once: a second password would prove nothing more */
	ck_assert_int_eq(run.prompts, 1);
	ck_assert_msg(strstr(run.shown, "second factor (possession or biometric)")
	    != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_reason("cai", "auth_err",
	    "policy two-of needs 2of:knowledge,possession,inherence; enrolled: password"), 1);
	ck_assert_int_eq(itest_audit_count("user=cai", "result=success", NULL), 0);
}
END_TEST

START_TEST(unknown_person_same_prompts)
{
	struct pam_run known, unknown;

	itest_add_person("dai", 21004, PW_GOOD);
	ck_assert_int_eq(login("authd-mfa", "dai", NULL, &known, PW_BAD, "000000",
	    "000000", NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(login("authd-mfa", "nobody-here", NULL, &unknown, PW_BAD,
	    "000000", "000000", NULL), PAM_AUTH_ERR);
	ck_assert_str_eq(known.shown, unknown.shown);
	ck_assert_int_eq(known.prompts, unknown.prompts);
	/* even with a right-looking password the unknown name hears nothing more */
	ck_assert_int_eq(login("authd-mfa", "nobody-here", NULL, &unknown, PW_GOOD,
	    "000000", "000000", NULL), PAM_AUTH_ERR);
	ck_assert_msg(strstr(unknown.shown, "needs") == NULL, "shown: %s", unknown.shown);
	ck_assert_int_eq(itest_audit_reason("nobody-here", "auth_err",
	    "unknown user"), 2);
}
END_TEST

START_TEST(remote_login_needs_more)
{
	struct pam_run run;

	itest_add_person("eri", 21005, PW_GOOD);
	ck_assert_int_eq(login("authd-remote", "eri", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(login("authd-remote", "eri", "ws9.example.com", &run,
	    PW_GOOD, "000000", "000000", NULL), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, UNMET_MSG) != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("user=eri", "rhost=ws9.example.com",
	    "policy\\x20remote\\x20needs\\x20knowledge+possession", NULL), 1);
}
END_TEST

/*
 * su or sudo inside an ssh login carry no PAM_RHOST, yet the person is
 * remote: a login made from inside a remote session of this host (the
 * caller's audit session, set by pam_loginuid) gets the remote policy and
 * its record says where it came from. Once that session is closed the
 * same login is local again.
 */
START_TEST(login_inside_a_remote_session_is_remote)
{
	struct pam_run run;
	pam_handle_t *pamh;
	int fd, p[2], res[4] = { -1, -1, -1, -1 }, status;
	pid_t kid;

	if (!itest_can_set_loginuid()) {
		printf("mfa_policy: SKIP login_inside_a_remote_session_is_remote: "
		    "this machine does not let the test set a loginuid\n");
		return;
	}
	itest_add_person("jun", 21012, PW_GOOD);
	ck_assert_int_eq(pipe(p), 0);
	if ((kid = fork()) == 0) {
		/* sshd's session: pam_loginuid, then pam_authd with the rhost */
		close(p[0]);
		if ((fd = open("/proc/self/loginuid", O_WRONLY)) == -1 ||
		    write(fd, "0", 1) != 1)
			_exit(1);
		close(fd);
		pamh = itest_pam_start("authd-test", "jun", &run);
		pam_set_item(pamh, PAM_RHOST, "ws7.example.org");
		res[0] = pam_open_session(pamh, 0);
		/* su inside it: no rhost */
		res[1] = login("authd-remote", "jun", NULL, &run, PW_GOOD,
		    "000000", "000000", NULL);
		res[2] = strstr(run.shown, UNMET_MSG) != NULL;
		(void)pam_close_session(pamh, 0);
		itest_pam_end(pamh, PAM_SUCCESS);
		res[3] = login("authd-remote", "jun", NULL, &run, PW_GOOD, NULL);
		(void)write(p[1], res, sizeof(res));
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], res, sizeof(res)), (ssize_t)sizeof(res));
	close(p[0]);
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert_int_eq(res[0], PAM_SUCCESS);
	ck_assert_msg(res[1] == PAM_AUTH_ERR, "a password alone was enough "
	    "inside a remote session: %d", res[1]);
	ck_assert_int_eq(res[2], 1);
	ck_assert_int_eq(res[3], PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=jun",
	    "result=auth_err", "origin=ws7.example.org", "origin_session=",
	    "policy\\x20remote\\x20needs\\x20knowledge+possession", NULL), 1);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=jun",
	    "result=success", NULL), 1);
	ck_assert_int_eq(itest_audit_count("user=jun", "origin=", "result=success",
	    NULL), 0);
}
END_TEST

START_TEST(invalid_policy_refuses)
{
	struct pam_run run;

	itest_add_person("fay", 21006, PW_GOOD);
	ck_assert_int_eq(login("authd-broken", "fay", NULL, &run, PW_GOOD, "000000",
	    NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_reason("fay", "auth_err",
	    "policy broken is invalid"), 1);
}
END_TEST

/* The failed bind a failed factor costs: ppolicy counts it and locks. */
START_TEST(failed_factor_counts_and_locks)
{
	struct authd_conf conf;
	struct dir_pool *pool = NULL;
	struct dir_conn *dc;
	struct pam_run run;
	char path[300], err[512], out[4096];
	int i, st;

	itest_add_person("gus", 21007, PW_GOOD);
	snprintf(path, sizeof(path), "%s/authd.conf", itest.dir);
	ck_assert_int_eq(authd_conf_init(&conf), AUTHD_OK);
	ck_assert_msg(authd_conf_load(&conf, path, err, sizeof(err)) == AUTHD_OK, "%s", err);
	ck_assert_msg(authd_conf_validate(&conf, err, sizeof(err)) == AUTHD_OK, "%s", err);
	ck_assert_int_eq(dir_pool_new(&conf, &pool), AUTHD_OK);
	dc = dir_pool_get(pool);
	snprintf(path, sizeof(path), "uid=gus,ou=people,%s", itest.base_dn);
	st = plan_burn_attempt(dc, path);
	ck_assert_int_eq(st, DIR_INVALID);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "ldapsearch -LLL -Q -Y EXTERNAL "
	    "-H '%s' -b '%s' -s base pwdFailureTime | grep -c '^pwdFailureTime:'",
	    itest.ldapi_uri, path), 0);
	ck_assert_int_eq(atoi(out), 1);
	for (i = 1; i < 5; i++)
		(void)plan_burn_attempt(dc, path);
	dir_pool_put(pool, dc);
	dir_pool_free(&pool);
	authd_conf_free(&conf);
	/* five failures: the right password no longer opens it */
	ck_assert_int_eq(login("authd-test", "gus", NULL, &run, PW_GOOD, NULL),
	    PAM_MAXTRIES);
	ck_assert_msg(strstr(run.shown, "locked") != NULL, "shown: %s", run.shown);
}
END_TEST

/* Last: restarts authd with a confidentiality class. */
START_TEST(class_policies)
{
	struct pam_run run;

	itest_add_person("hal", 21008, PW_GOOD);
	/* no system_class: the class policy does not apply */
	ck_assert_int_eq(login("authd-other", "hal", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(itest_set_conf("system_class", "3A"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	/* class 3A: any service falls under class-3a ... */
	ck_assert_int_eq(login("authd-other", "hal", NULL, &run, PW_GOOD, "000000",
	    "000000", NULL), PAM_AUTH_ERR);
	ck_assert_msg(strstr(run.shown, UNMET_MSG) != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("user=hal", "service=authd-other",
	    "policy\\x20class-3a\\x20needs\\x20knowledge+possession", NULL), 1);
	/* ... but a policy naming the service and the class is more specific */
	ck_assert_int_eq(login("authd-test", "hal", NULL, &run, PW_GOOD, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("user=hal", "service=authd-test",
	    "result=success", "policy=test-3a", NULL), 1);
}
END_TEST

START_TEST(bad_class_in_config_refused)
{
	char out[1024];

	ck_assert_int_ne(itest_sh_out(out, sizeof(out), "cp %s/authd.conf %s/bad.conf && "
	    "echo 'system_class = 4' >> %s/bad.conf && '%s/authd/authd' -t -c "
	    "%s/bad.conf 2>&1", itest.dir, itest.dir, itest.dir, itest.builddir,
	    itest.dir), 0);
	ck_assert_msg(strstr(out, "bad.conf:") != NULL &&
	    strstr(out, "not a confidentiality class") != NULL, "out: %s", out);
}
END_TEST

static void
setup_policies(void)
{
	static const char *const services[] = { "authd-mfa", "authd-2of",
	    "authd-remote", "authd-broken", "authd-other", "authd-plain",
	    "authd-named", "authd-codeonly" };
	size_t i;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (itest_sh("cp %s/authd-test %s/%s", itest.confdir, itest.confdir,
		    services[i]) != 0)
			exit(1);
	add_policy("mfa-svc", "authdPolicyService: authd-mfa\n"
	    "authdPolicyRequire: knowledge+possession\n"
	    "authdPolicyMethod: password\nauthdPolicyMethod: totp\n"
	    "description: password and a one-time code");
	add_policy("two-of", "authdPolicyService: authd-2of\n"
	    "authdPolicyRequire: 2of:knowledge,possession,inherence\n"
	    "authdPolicyMethod: password");
	add_policy("remote", "authdPolicyService: authd-remote\n"
	    "authdPolicyRequire: knowledge\n"
	    "authdPolicyRemoteRequire: knowledge+possession\n"
	    "authdPolicyMethod: password\nauthdPolicyRemoteMethod: password\n"
	    "authdPolicyRemoteMethod: totp");
	add_policy("broken", "authdPolicyService: authd-broken\n"
	    "authdPolicyRequire: knowledge+\nauthdPolicyMethod: password");
	add_policy("class-3a", "authdPolicyService: *\nauthdPolicyClass: 3A\n"
	    "authdPolicyRequire: knowledge+possession\n"
	    "authdPolicyMethod: password\nauthdPolicyMethod: totp");
	add_policy("test-3a", "authdPolicyService: authd-test\nauthdPolicyClass: 3A\n"
	    "authdPolicyRequire: knowledge\nauthdPolicyMethod: password");
	add_policy("code-only", "authdPolicyService: authd-codeonly\n"
	    "authdPolicyRequire: possession\nauthdPolicyMethod: totp");
	if (itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=x result\\3Dsuccess,ou=policies,%s\nobjectClass: authdPolicy\n"
	    "cn: x result=success\nauthdPolicyService: authd-named\n"
	    "authdPolicyRequire: knowledge\nauthdPolicyMethod: password\nLDIF\n",
	    itest.ldapi_uri, itest.base_dn) != 0) {
		fprintf(stderr, "could not add the policy named with a space\n");
		exit(1);
	}
}

static Suite *
mfa_suite(void)
{
	Suite *s = suite_create("mfa_policy");
	TCase *units = tcase_create("grammar");
	TCase *tc = tcase_create("logins");

	tcase_add_test(units, grammar);
	suite_add_tcase(s, units);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, default_keeps_password_logins);
	tcase_add_test(tc, policy_name_escaped_in_audit);
	tcase_add_test(tc, too_many_policies_refuse);
	tcase_add_test(tc, unknown_name_code_costs_a_bind);
	tcase_add_test(tc, two_factor_policy_refuses_password_only);
	tcase_add_test(tc, password_twice_is_one_category);
	tcase_add_test(tc, unknown_person_same_prompts);
	tcase_add_test(tc, remote_login_needs_more);
	tcase_add_test(tc, login_inside_a_remote_session_is_remote);
	tcase_add_test(tc, invalid_policy_refuses);
	tcase_add_test(tc, failed_factor_counts_and_locks);
	tcase_add_test(tc, bad_class_in_config_refused);
	tcase_add_test(tc, class_policies);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		fprintf(stderr, "test_mfa_policy: needs root (slapd, authd)\n");
		return 77;
	}
	if (access("/usr/sbin/slapd", X_OK) != 0) {
		fprintf(stderr, "test_mfa_policy: slapd is not installed\n");
		return 77;
	}
	itest_up(FAIL_DELAY_MS);
	/* Before any login: authd reads the policies on its first one. */
	setup_policies();
	sr = srunner_create(mfa_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (itest_down() != 0)
		failed++;
	return failed == 0 ? 0 : 1;
}
