/*
 * Logins with an IC card: SoftHSM2 tokens with certificates from a CA made
 * at test time (tests/lib/card-setup.sh), the real pam_authd.so and its
 * card helper, slapd and authd, under a knowledge+possession policy. The
 * card is "inserted" by pointing SOFTHSM2_CONF at its token folder.
 * An administrator registers the cards with authctl.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/itest.h"

#define PW_GOOD "Correct-Horse-7"
#define PIN     "123456"
#define SERVICE "authd-card"
#define ADMIN_UID 21900

static char cards[64];

static void
insert(const char *card)
{
	char conf[256];

	snprintf(conf, sizeof(conf), "%s/%s/softhsm2.conf", cards, card);
	setenv("SOFTHSM2_CONF", conf, 1);
}

/* authenticate on service with the answers (NULL-terminated). */
static int
login_on(const char *service, const char *user, struct pam_run *run, ...)
{
	pam_handle_t *pamh;
	const char *a;
	va_list ap;
	int r;

	memset(run, 0, sizeof(*run));
	va_start(ap, run);
	while ((a = va_arg(ap, const char *)) != NULL && run->nanswers < 16)
		run->answers[run->nanswers++] = a;
	va_end(ap);
	pamh = itest_pam_start(service, user, run);
	r = pam_authenticate(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

/* The same on SERVICE. */
#define login(user, run, ...) login_on(SERVICE, user, run, __VA_ARGS__)

static int
authctl_as_admin(const char *args)
{
	return itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "'%s/authctl/authctl' -H '%s' -b '%s' %s >>%s/authctl.log 2>&1",
	    ADMIN_UID, ADMIN_UID, itest.builddir, itest.ldapi_uri, itest.base_dn,
	    args, itest.dir);
}

static void
setup(void)
{
	char cafile[128];
	FILE *f;
	char path[512];

	snprintf(cards, sizeof(cards), "/tmp/ac.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(cards));
	ck_assert_int_eq(itest_sh("'%s/tests/lib/card-setup.sh' %s >/dev/null "
	    "&& chmod -R a+rX %s", getenv("AUTHD_SRCDIR") != NULL ?
	    getenv("AUTHD_SRCDIR") : ".", cards, cards), 0);
	snprintf(cafile, sizeof(cafile), "%s/ca/ca.pem", cards);
	setenv("AUTHD_CARD_CA_FILE", cafile, 1);
	itest_up(100);
	/* the service: password and card, the card through SoftHSM2 */
	snprintf(path, sizeof(path), "%s/%s", itest.confdir, SERVICE);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "auth required %s/pam_module/.libs/pam_authd.so socket=%s "
	    "pkcs11_module=/usr/lib/softhsm/libsofthsm2.so "
	    "card_helper=%s/pam_module/pam_authd_card card_timeout=20\n"
	    "account required %s/pam_module/.libs/pam_authd.so socket=%s\n",
	    itest.builddir, itest.socket, itest.builddir, itest.builddir,
	    itest.socket);
	fclose(f);
	ck_assert_int_eq(itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=card-login,ou=policies,%s\nobjectClass: authdPolicy\n"
	    "cn: card-login\nauthdPolicyService: " SERVICE "\n"
	    "authdPolicyRequire: knowledge+possession\n"
	    "authdPolicyMethod: password\nauthdPolicyMethod: card\nLDIF\n",
	    itest.ldapi_uri, itest.base_dn), 0);
	/* an administrator, who registers the cards */
	itest_add_person("cardadm", ADMIN_UID, PW_GOOD);
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null "
	    "2>&1 <<'LDIF'\ndn: cn=authd-admins,ou=groups,%s\nchangetype: modify\n"
	    "add: member\nmember: uid=cardadm,ou=people,%s\nLDIF\n",
	    itest.ldapi_uri, itest.base_dn, itest.base_dn), 0);
	itest_add_person("alice", 21901, PW_GOOD);
	itest_add_person("bob", 21902, PW_GOOD);
	itest_add_person("dan", 21903, PW_GOOD);
	{
		char args[256];

		snprintf(args, sizeof(args), "card register alice %s/card1/cert.pem",
		    cards);
		ck_assert_int_eq(authctl_as_admin(args), 0);
		snprintf(args, sizeof(args), "card register bob %s/card2/cert.pem",
		    cards);
		ck_assert_int_eq(authctl_as_admin(args), 0);
	}
}

static void
teardown(void)
{
	ck_assert_int_eq(itest_down(), 0);
	itest_sh("rm -rf %s", cards);
}

/*
 * A service authd-NAME (the card's PAM stack) under a policy cn=NAME that
 * asks for the card alone, requiring require.
 */
static void
card_only_service(const char *name, const char *require)
{
	ck_assert_int_eq(itest_sh("cp %s/%s %s/authd-%s", itest.confdir,
	    SERVICE, itest.confdir, name), 0);
	ck_assert_int_eq(itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=%s,ou=policies,%s\nobjectClass: authdPolicy\n"
	    "cn: %s\nauthdPolicyService: authd-%s\nauthdPolicyRequire: %s\n"
	    "authdPolicyMethod: card\nLDIF\n", itest.ldapi_uri, name,
	    itest.base_dn, name, name, require), 0);
}

START_TEST(password_and_card)
{
	struct pam_run run;

	insert("card1");
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "P:PIN for card1: ") != NULL,
	    "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=alice",
	    "service=" SERVICE, "result=success", NULL), 1);
}
END_TEST

/*
 * card_pin_policies: the PIN of a card counts (knowledge) only when the
 * CA's certificate says its key needs one (a certificate policy); another
 * card from the same CA proves possession alone. Here a service whose
 * policy a card must satisfy by itself.
 */
START_TEST(pin_counts_only_under_a_pin_policy)
{
	struct pam_run run;
	char args[256];

	card_only_service("card-only", "knowledge+possession");
	itest_add_person("erin", 21904, PW_GOOD);
	snprintf(args, sizeof(args), "card register erin %s/pinpol/cert.pem", cards);
	ck_assert_int_eq(authctl_as_admin(args), 0);

	/* no card_pin_policies: every card of the CA counts its PIN */
	insert("card1");
	ck_assert_int_eq(login_on("authd-card-only", "alice", &run, PIN, NULL),
	    PAM_SUCCESS);

	ck_assert_int_eq(itest_set_conf("card_pin_policies",
	    "1.3.6.1.4.1.55555.1.7"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(login_on("authd-card-only", "alice", &run, PIN, NULL),
	    PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=alice",
	    "result=auth_err", "proven\\x20possession\\x20does\\x20not\\x20meet",
	    "card\\x20without\\x20a\\x20PIN\\x20policy", NULL), 1);
	/* with the password too, the same card still makes two factors */
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL), PAM_SUCCESS);

	insert("pinpol");
	ck_assert_int_eq(login_on("authd-card-only", "erin", &run, PIN, NULL),
	    PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=erin",
	    "result=success", "categories=knowledge+possession", NULL), 1);
}
END_TEST

START_TEST(wrong_pin_refused)
{
	struct pam_run run;

	insert("card1");
	ck_assert_int_eq(login("alice", &run, PW_GOOD, "999999", NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_reason("alice", "auth_err", "card PIN refused"), 1);
	/* the failed factor counts toward the lockout (ppolicy's counter) */
	ck_assert_int_eq(itest_sh("ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b "
	    "uid=alice,ou=people,%s pwdFailureTime | grep -q pwdFailureTime",
	    itest.ldapi_uri, itest.base_dn), 0);
}
END_TEST

START_TEST(another_persons_card_refused)
{
	struct pam_run run;

	insert("card2");    /* bob's, from the right CA */
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_reason("alice", "auth_err",
	    "card not registered to this person"), 1);
	/* and a person with no card at all cannot use bob's either */
	ck_assert_int_eq(login("dan", &run, PW_GOOD, PIN, NULL), PAM_AUTH_ERR);
}
END_TEST

START_TEST(other_ca_refused)
{
	struct pam_run run;

	insert("other");
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_reason("alice", "auth_err",
	    "card from an unknown CA"), 1);
}
END_TEST

START_TEST(expired_refused)
{
	struct pam_run run;

	insert("expired");
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(itest_audit_reason("alice", "auth_err", "card expired"), 1);
}
END_TEST

/* A broken host (the card CA file gone) refuses without counting a failure. */
START_TEST(host_error_is_not_a_failed_factor)
{
	struct pam_run run;

	insert("card1");
	ck_assert_int_eq(itest_sh("mv %s/ca/ca.pem %s/ca/ca.pem.away", cards, cards), 0);
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_eq(itest_sh("mv %s/ca/ca.pem.away %s/ca/ca.pem", cards, cards), 0);
	ck_assert_msg(strstr(run.shown, "cannot check your second factor") != NULL,
	    "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_reason("alice", "authinfo_unavail",
	    "card cannot be checked here"), 1);
	ck_assert_int_ne(itest_sh("ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b "
	    "uid=alice,ou=people,%s pwdFailureTime | grep -q pwdFailureTime",
	    itest.ldapi_uri, itest.base_dn), 0);
	/* and with the CA file back, the same card works */
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL), PAM_SUCCESS);
}
END_TEST

/* Whether alice's entry has a failure in the password policy's count. */
static int
alice_has_a_failure_counted(void)
{
	return itest_sh("ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b "
	    "uid=alice,ou=people,%s pwdFailureTime | grep -q pwdFailureTime",
	    itest.ldapi_uri, itest.base_dn) == 0;
}

/*
 * A CRL past its nextUpdate (CRL publishing stopped): card logins are
 * refused (fail closed) but not counted against the person, or every card
 * user would be locked out at once; the administrator is told, once.
 */
START_TEST(stale_crl_is_not_a_failed_factor)
{
	struct pam_run run;
	char crl[128];

	snprintf(crl, sizeof(crl), "%s/ca/card.crl", cards);
	/* signed by the test CA, but its nextUpdate long past */
	ck_assert_int_eq(itest_sh("openssl ca -batch -config %s/ca/ca.cnf -gencrl "
	    "-crl_lastupdate 20200101000000Z -crl_nextupdate 20200201000000Z "
	    "-out %s 2>/dev/null && chmod a+r %s", cards, crl, crl), 0);
	ck_assert_int_eq(itest_set_conf("card_crl_file", crl), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);

	insert("card1");
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL),
	    PAM_AUTHINFO_UNAVAIL);
	ck_assert_msg(strstr(run.shown, "E:Card status cannot be confirmed now; "
	    "try another method or later.") != NULL, "shown: %s", run.shown);
	ck_assert_int_eq(itest_audit_reason("alice", "authinfo_unavail",
	    "card cannot be checked here: no current CRL for the card's CA: "
	    "CRL has expired"), 1);
	ck_assert_msg(!alice_has_a_failure_counted(),
	    "a stale CRL was counted as alice's failure");
	/* every login refused alike, the administrator told once a minute */
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL),
	    PAM_AUTHINFO_UNAVAIL);
	ck_assert_msg(!alice_has_a_failure_counted(),
	    "a stale CRL was counted as alice's failure");
	ck_assert_int_eq(itest_log_lines("cannot vouch for the cards: CRL has "
	    "expired; card logins are refused"), 1);

	/* a current CRL published again: the same card works, at once */
	ck_assert_int_eq(itest_sh("openssl ca -batch -config %s/ca/ca.cnf -gencrl "
	    "-out %s 2>/dev/null", cards, crl), 0);
	ck_assert_int_eq(login("alice", &run, PW_GOOD, PIN, NULL), PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=authenticate", "user=alice",
	    "service=" SERVICE, "result=success", NULL), 1);
}
END_TEST

/*
 * One lockout counter for every factor, for a name that is nobody's too:
 * on a card-only service, wrong PINs lock the card's owner after the
 * default policy's five failures, and a name that is nobody's, asked for
 * the card the same way, as well (decoy_lock.h).
 */
START_TEST(unknown_name_locks_by_cards)
{
	struct pam_run known, unknown;
	const char *why;
	int i;

	card_only_service("card-lock", "possession");
	insert("card1");
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(login_on("authd-card-lock", "alice", &known,
		    "999999", NULL), PAM_AUTH_ERR);
		ck_assert_int_eq(login_on("authd-card-lock", "nobody-alice",
		    &unknown, "999999", NULL), PAM_AUTH_ERR);
		ck_assert_msg(strstr(unknown.shown, "P:PIN for card1: ") != NULL,
		    "shown: %s", unknown.shown);
	}
	/* locked: the right PIN changes nothing for either */
	ck_assert_int_eq(login_on("authd-card-lock", "alice", &known, PIN, NULL),
	    PAM_MAXTRIES);
	ck_assert_int_eq(login_on("authd-card-lock", "nobody-alice", &unknown,
	    PIN, NULL), PAM_MAXTRIES);
	why = itest_locked_alike(&known, &unknown, "nobody-alice");
	ck_assert_msg(why == NULL, "%s", why);
}
END_TEST

START_TEST(registration_rules)
{
	char args[256];

	/* a card's certificate belongs to exactly one person */
	snprintf(args, sizeof(args), "card register dan %s/card1/cert.pem", cards);
	ck_assert_int_eq(authctl_as_admin(args), 1);
	/* one active card per person */
	snprintf(args, sizeof(args), "card register alice %s/rsa/cert.pem", cards);
	ck_assert_int_eq(authctl_as_admin(args), 1);
}
END_TEST

static Suite *
card_login_suite(void)
{
	Suite *s = suite_create("card_login");
	TCase *tc = tcase_create("login");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, password_and_card);
	tcase_add_test(tc, pin_counts_only_under_a_pin_policy);
	tcase_add_test(tc, wrong_pin_refused);
	tcase_add_test(tc, another_persons_card_refused);
	tcase_add_test(tc, other_ca_refused);
	tcase_add_test(tc, expired_refused);
	tcase_add_test(tc, host_error_is_not_a_failed_factor);
	tcase_add_test(tc, stale_crl_is_not_a_failed_factor);
	tcase_add_test(tc, registration_rules);
	tcase_add_test(tc, unknown_name_locks_by_cards);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char authd[1200];
	const char *b = getenv("AUTHD_BUILDDIR");
	int failed;

	if (getuid() != 0) {
		printf("SKIP: needs root (setpriv to the administrator)\n");
		return 77;
	}
	/* until verifier_card is linked into authd, there is nothing to test */
	snprintf(authd, sizeof(authd), "nm '%s/authd/authd' 2>/dev/null | "
	    "grep -q verifier_card", b != NULL ? b : ".");
	if (system(authd) != 0) {
		printf("SKIP: authd has no card verifier (include authd/card.mk)\n");
		return 77;
	}
	sr = srunner_create(card_login_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
