/*
 * authd's in-memory view of the directory (authd/view.c) end to end: a
 * private slapd with syncprov, a real authd, real libpam. Changes made in
 * the directory reach authd through its persistent search; the tests poll
 * for the expected answer (up to POLL_MS) rather than assert a timing.
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
#define POLL_MS 5000
#define STALENESS "1"

static const char *svc = "authd-test";

static int
acct_mgmt_for(const char *user)
{
	struct pam_run run;
	pam_handle_t *pamh;
	int r;

	memset(&run, 0, sizeof(run));
	pamh = itest_pam_start(svc, user, &run);
	r = pam_acct_mgmt(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

static int
login(const char *user)
{
	struct pam_run run;

	return itest_login(svc, user, PW_GOOD, &run);
}

/* Ask until fn(user) gives want or POLL_MS pass; the time it took, or -1. */
static long
poll_for(int (*fn)(const char *), const char *user, int want)
{
	long long start = itest_now_ms();

	do {
		if (fn(user) == want)
			return itest_now_ms() - start;
		usleep(20000);
	} while (itest_now_ms() - start < POLL_MS);
	return -1;
}

/* Lines of authd's log that contain s. */
static int
log_count(const char *s)
{
	char out[32];

	if (itest_sh_out(out, sizeof(out), "grep -c -F -- '%s' %s/authd.log",
	    s, itest.dir) > 1)
		return -1;
	return atoi(out);
}

/* authd's view has completed a refresh (n times in all). */
static void
wait_in_step(int n)
{
	long long start = itest_now_ms();

	while (log_count("view: in step") < n) {
		ck_assert_msg(itest_now_ms() - start < 10000,
		    "the view did not come in step (%d)", n);
		usleep(20000);
	}
}

static void
delete_person(const char *name)
{
	ck_assert_int_eq(itest_sh("ldapdelete -Q -Y EXTERNAL -H '%s' "
	    "'uid=%s,ou=people,%s'", itest.ldapi_uri, name, itest.base_dn), 0);
}

START_TEST(added_person_logs_in_at_once)
{
	long ms;

	wait_in_step(1);
	itest_add_person("vada", 21001, PW_GOOD);
	ms = poll_for(login, "vada", PAM_SUCCESS);
	ck_assert_msg(ms >= 0, "a new person could not log in");
	ck_assert_int_eq(acct_mgmt_for("vada"), PAM_SUCCESS);
	fprintf(stderr, "test_view: new person logged in after %ld ms\n", ms);
}
END_TEST

/*
 * The view keeps pwdPolicySubentry with the account: acct_mgmt answered
 * from it finds the person's own policy, whose pwdMaxAge (2 s, no grace
 * login) has passed; the default policy's 90 days have not.
 */
START_TEST(own_policy_expiry_from_the_view)
{
	char dn[256];

	wait_in_step(1);
	ck_assert_int_eq(itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=view-short,ou=policies,%s\nobjectClass: device\n"
	    "objectClass: pwdPolicy\ncn: view-short\npwdAttribute: userPassword\n"
	    "pwdMaxAge: 2\npwdGraceAuthNLimit: 0\nLDIF\n", itest.ldapi_uri,
	    itest.base_dn), 0);
	itest_add_person("vicky", 21006, PW_GOOD);
	snprintf(dn, sizeof(dn), "cn=view-short,ou=policies,%s", itest.base_dn);
	itest_set_attr("vicky", "pwdPolicySubentry", dn);
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vicky", PAM_SUCCESS), 0);
	sleep(3);
	ck_assert_int_eq(acct_mgmt_for("vicky"), PAM_ACCT_EXPIRED);
	ck_assert_int_eq(itest_audit_count("event=acct_mgmt", "user=vicky ",
	    "result=acct_expired", "pwdMaxAge\\x20passed", NULL), 1);
}
END_TEST

START_TEST(disabled_refused_soon)
{
	long ms;

	wait_in_step(1);
	itest_add_person("vera", 21002, PW_GOOD);
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vera", PAM_SUCCESS), 0);
	itest_set_attr("vera", "authdAccountState", "disabled");
	ms = poll_for(acct_mgmt_for, "vera", PAM_ACCT_EXPIRED);
	ck_assert_msg(ms >= 0, "a disabled person was not refused");
	fprintf(stderr, "test_view: disabled person refused after %ld ms\n", ms);
	itest_set_attr("vera", "authdAccountState", "active");
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vera", PAM_SUCCESS), 0);
	ck_assert_int_ge(itest_audit_count("event=acct_mgmt", "user=vera",
	    "result=acct_expired", NULL), 1);
}
END_TEST

START_TEST(deleted_person_unknown)
{
	wait_in_step(1);
	itest_add_person("vito", 21003, PW_GOOD);
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vito", PAM_SUCCESS), 0);
	delete_person("vito");
	/* root asks: an unknown user is named so by acct_mgmt */
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vito", PAM_USER_UNKNOWN), 0);
	ck_assert_int_eq(login("vito"), PAM_AUTH_ERR);
	ck_assert_int_ge(itest_audit_count("event=acct_mgmt", "user=vito",
	    "unknown\\x20user", NULL), 1);
}
END_TEST

/* The login path no longer depends on the case the name is typed in. */
START_TEST(name_matched_as_the_directory_does)
{
	wait_in_step(1);
	itest_add_person("viki", 21004, PW_GOOD);
	ck_assert_int_ge(poll_for(acct_mgmt_for, "viki", PAM_SUCCESS), 0);
	ck_assert_int_eq(acct_mgmt_for("VIKI"), PAM_SUCCESS);
	ck_assert_int_eq(acct_mgmt_for("nosuch-viki"), PAM_USER_UNKNOWN);
}
END_TEST

START_TEST(directory_down_stale_then_back)
{
	char ldif[512];
	FILE *f;
	int in_step;

	wait_in_step(1);
	itest_add_person("vince", 21005, PW_GOOD);
	itest_add_person("vanya", 21006, PW_GOOD);
	ck_assert_int_ge(poll_for(login, "vince", PAM_SUCCESS), 0);
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vanya", PAM_SUCCESS), 0);
	in_step = log_count("view: in step");

	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-stop %s "
	    ">/dev/null", itest.srcdir, itest.dir), 0);
	/* Beyond view_staleness the view no longer answers: as without it. */
	usleep(1500 * 1000);
	ck_assert_int_eq(acct_mgmt_for("vince"), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_eq(login("vince"), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_ge(itest_audit_count("user=vince", "event=acct_mgmt",
	    "result=authinfo_unavail", NULL), 1);
	ck_assert_int_ge(itest_audit_count("user=vince", "event=authenticate",
	    "result=authinfo_unavail", NULL), 1);

	/*
	 * While slapd is down, a person is removed and one added offline:
	 * after the restart the session log is gone, so the resume comes as
	 * a present phase, from which the view works out the deletion. The
	 * add goes last, through slapadd -w, which moves the contextCSN on
	 * (slapmodify -w crashes in 2.5.13).
	 */
	snprintf(ldif, sizeof(ldif), "%s/offline-del.ldif", itest.dir);
	ck_assert((f = fopen(ldif, "w")) != NULL);
	fprintf(f, "dn: uid=vanya,ou=people,%s\nchangetype: delete\n",
	    itest.base_dn);
	fclose(f);
	ck_assert_int_eq(itest_sh("slapmodify -F %s/slapd/slapd.d -b '%s' "
	    "-l %s >/dev/null 2>&1", itest.dir, itest.base_dn, ldif), 0);
	snprintf(ldif, sizeof(ldif), "%s/offline-add.ldif", itest.dir);
	ck_assert((f = fopen(ldif, "w")) != NULL);
	fprintf(f, "dn: uid=vesna,ou=people,%s\n"
	    "objectClass: inetOrgPerson\nobjectClass: posixAccount\n"
	    "objectClass: authdAccount\nuid: vesna\ncn: Vesna\nsn: V\n"
	    "uidNumber: 21007\ngidNumber: 21007\nhomeDirectory: /home/vesna\n"
	    "authdAccountState: active\nuserPassword: %s\n",
	    itest.base_dn, PW_GOOD);
	fclose(f);
	ck_assert_int_eq(itest_sh("slapadd -w -F %s/slapd/slapd.d -b '%s' "
	    "-l %s >/dev/null 2>&1", itest.dir, itest.base_dn, ldif), 0);

	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-start %s "
	    ">/dev/null", itest.srcdir, itest.dir), 0);
	ck_assert_msg(poll_for(login, "vince", PAM_SUCCESS) >= 0,
	    "no login after the directory came back");
	wait_in_step(in_step + 1);
	/* The view is fresh again: these answers are the view's. */
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vanya", PAM_USER_UNKNOWN), 0);
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vesna", PAM_SUCCESS), 0);
	/* changes made after the restart arrive too */
	itest_set_attr("vince", "authdAccountState", "suspended");
	ck_assert_int_ge(poll_for(acct_mgmt_for, "vince", PAM_PERM_DENIED), 0);
	ck_assert_int_eq(itest_sh("'%s/authctl/authctl' audit verify '%s' "
	    ">/dev/null", itest.builddir, itest.audit_log), 0);
}
END_TEST

static Suite *
view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("sync");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, added_person_logs_in_at_once);
	tcase_add_test(tc, disabled_refused_soon);
	tcase_add_test(tc, own_policy_expiry_from_the_view);
	tcase_add_test(tc, deleted_person_unknown);
	tcase_add_test(tc, name_matched_as_the_directory_does);
	tcase_add_test(tc, directory_down_stale_then_back);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		fprintf(stderr, "test_view: needs root (slapd, authd)\n");
		return 77;
	}
	if (access("/usr/sbin/slapd", X_OK) != 0) {
		fprintf(stderr, "test_view: slapd is not installed\n");
		return 77;
	}
	setenv("AUTHD_VIEW_STALENESS", STALENESS, 1);
	itest_up(FAIL_DELAY_MS);
	sr = srunner_create(view_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (itest_down() != 0)
		failed++;
	return failed == 0 ? 0 : 1;
}
