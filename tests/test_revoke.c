/*
 * Revocation reaches every host (issue 5), through the real libpam,
 * pam_authd.so and its card helper, SoftHSM2 tokens (tests/lib/card-setup.sh),
 * slapd and authd: a lost card is refused at the next login and the live
 * session opened with it ends (every process of it); a suspended card is
 * refused until resumed; a disabled account's session ends; a card
 * reported lost through one of two replicating directories is refused by
 * the authd of the other; with slapd stopped past the staleness window card
 * logins are refused, and they work again once slapd is back, without
 * restarting authd.
 *
 * The tests share one setup and run in order (each one's card or person is
 * its own). Every wait polls with a generous bound: no test depends on a
 * tight timing.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/itest.h"

#define PW_GOOD  "Correct-Horse-7"
#define PIN      "123456"
#define SERVICE  "authd-rcard"
#define PEER_SVC "authd-rcard-peer"
#define ADMIN_UID 22900
#define KIDS     2
#define BOUND_MS 10000

static char cards[64];

static void
insert(const char *card)
{
	char conf[256];

	snprintf(conf, sizeof(conf), "%s/%s/softhsm2.conf", cards, card);
	setenv("SOFTHSM2_CONF", conf, 1);
}

static void
answers(struct pam_run *run, const char *a, const char *b)
{
	memset(run, 0, sizeof(*run));
	run->answers[run->nanswers++] = a;
	if (b != NULL)
		run->answers[run->nanswers++] = b;
}

static int
login(const char *service, const char *user, const char *a, const char *b)
{
	struct pam_run run;
	pam_handle_t *pamh;
	int r;

	answers(&run, a, b);
	pamh = itest_pam_start(service, user, &run);
	r = pam_authenticate(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

/* The state of a person's card, changed by the directory's root. */
static void
set_card_state(const char *uri, const char *user, const char *state)
{
	ck_assert_int_eq(itest_sh("dn=$(ldapsearch -Q -LLL -Y EXTERNAL -H '%s' "
	    "-b uid=%s,ou=people,%s '(objectClass=authdCard)' dn | sed -n "
	    "'s/^dn: //p' | head -n1) && [ -n \"$dn\" ] && ldapmodify -Q -Y "
	    "EXTERNAL -H '%s' >/dev/null <<LDIF\ndn: $dn\nchangetype: modify\n"
	    "replace: authdCardState\nauthdCardState: %s\nLDIF\n",
	    uri, user, itest.base_dn, uri, state), 0);
}

/* Suspend the person's card until the GeneralizedTime until. */
static void
set_card_suspension(const char *uri, const char *user, const char *until)
{
	ck_assert_int_eq(itest_sh("dn=$(ldapsearch -Q -LLL -Y EXTERNAL -H '%s' "
	    "-b uid=%s,ou=people,%s '(objectClass=authdCard)' dn | sed -n "
	    "'s/^dn: //p' | head -n1) && [ -n \"$dn\" ] && ldapmodify -Q -Y "
	    "EXTERNAL -H '%s' >/dev/null <<LDIF\ndn: $dn\nchangetype: modify\n"
	    "replace: authdCardState\nauthdCardState: suspended\n-\n"
	    "replace: authdCardSuspendedUntil\nauthdCardSuspendedUntil: %s\nLDIF\n",
	    uri, user, itest.base_dn, uri, until), 0);
}

static void
write_service(const char *name, const char *socket)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", itest.confdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "auth required %s/pam_module/.libs/pam_authd.so socket=%s "
	    "pkcs11_module=/usr/lib/softhsm/libsofthsm2.so "
	    "card_helper=%s/pam_module/pam_authd_card card_timeout=20\n"
	    "account required %s/pam_module/.libs/pam_authd.so socket=%s\n"
	    "session required %s/pam_module/.libs/pam_authd.so socket=%s\n",
	    itest.builddir, socket, itest.builddir, itest.builddir, socket,
	    itest.builddir, socket);
	fclose(f);
}

static void
register_card(const char *user, const char *card)
{
	ck_assert_int_eq(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "'%s/authctl/authctl' -H '%s' -b '%s' card register %s %s/%s/cert.pem "
	    ">>%s/authctl.log 2>&1", ADMIN_UID, ADMIN_UID, itest.builddir,
	    itest.ldapi_uri, itest.base_dn, user, cards, card, itest.dir), 0);
}

static void
setup(void)
{
	char cafile[128], sock[300];

	snprintf(cards, sizeof(cards), "/tmp/ar.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(cards));
	ck_assert_int_eq(itest_sh("'%s/tests/lib/card-setup.sh' %s >/dev/null "
	    "&& chmod -R a+rX %s", getenv("AUTHD_SRCDIR") != NULL ?
	    getenv("AUTHD_SRCDIR") : ".", cards, cards), 0);
	snprintf(cafile, sizeof(cafile), "%s/ca/ca.pem", cards);
	setenv("AUTHD_CARD_CA_FILE", cafile, 1);
	setenv("AUTHD_VIEW_STALENESS", "3", 1);
	itest_up(0);
	write_service(SERVICE, itest.socket);
	ck_assert_int_eq(itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=rcard,ou=policies,%s\nobjectClass: authdPolicy\n"
	    "cn: rcard\nauthdPolicyService: " SERVICE "\n"
	    "authdPolicyService: " PEER_SVC "\n"
	    "authdPolicyRequire: knowledge+possession\n"
	    "authdPolicyMethod: password\nauthdPolicyMethod: card\nLDIF\n",
	    itest.ldapi_uri, itest.base_dn), 0);
	itest_add_person("rcardadm", ADMIN_UID, PW_GOOD);
	ck_assert_int_eq(itest_sh("ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null "
	    "2>&1 <<'LDIF'\ndn: cn=authd-admins,ou=groups,%s\nchangetype: modify\n"
	    "add: member\nmember: uid=rcardadm,ou=people,%s\nLDIF\n",
	    itest.ldapi_uri, itest.base_dn, itest.base_dn), 0);
	itest_add_person("alice", 22901, PW_GOOD);
	itest_add_person("bob", 22902, PW_GOOD);
	itest_add_person("carol", 22903, PW_GOOD);
	itest_add_person("dan", 22904, PW_GOOD);
	register_card("alice", "card1");
	register_card("bob", "card2");
	register_card("carol", "rsa");
	/* a second host: its own slapd replicating with ours, its own authd */
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' peer %s >>%s/up.log 2>&1",
	    itest.srcdir, itest.dir, itest.dir), 0);
	snprintf(sock, sizeof(sock), "%s/peer/authd.sock", itest.dir);
	write_service(PEER_SVC, sock);
}

static void
teardown(void)
{
	int bad;

	bad = itest_sh("! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "
	    "%s/peer/authd.log", itest.dir);
	ck_assert_int_eq(itest_down(), 0);
	ck_assert_int_eq(bad, 0);
	itest_sh("rm -rf %s", cards);
}

/*
 * A login program's session: a child that starts a session of its own,
 * authenticates and opens the PAM session (the module sends its pid), then
 * starts KIDS `sleep 300` in it and waits. pids_r: the child, then the kids.
 * 0 when the session is open, else the PAM status.
 */
static int
open_session_tree(const char *service, const char *user, const char *a,
    const char *b, pid_t pids_r[KIDS + 1])
{
	return itest_session_tree(service, user, NULL, a, b, pids_r, KIDS);
}

START_TEST(lost_card_refused_and_session_ended)
{
	pid_t pids[KIDS + 1];
	long long ms;
	size_t i;

	insert("card1");
	ck_assert_int_eq(login(SERVICE, "alice", PW_GOOD, PIN), PAM_SUCCESS);
	ck_assert_int_eq(open_session_tree(SERVICE, "alice", PW_GOOD, PIN, pids), 0);
	for (i = 0; i <= KIDS; i++)
		ck_assert_msg(itest_alive(&pids[i], 1), "process %zu of the session not running", i);
	set_card_state(itest.ldapi_uri, "alice", "lost");
	ms = itest_wait_gone(pids, KIDS + 1, BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	ck_assert_msg(ms >= 0, "the session's processes outlived the lost card");
	printf("revoke: the session of a lost card ended in %lld ms\n", ms);
	ck_assert_int_eq(login(SERVICE, "alice", PW_GOOD, PIN), PAM_AUTH_ERR);
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=alice", NULL), 1);
	/* another factor where the policy allows it: a password-only service */
	ck_assert_int_eq(login("authd-test", "alice", PW_GOOD, NULL), PAM_SUCCESS);
}
END_TEST

START_TEST(suspended_card_refused_until_resumed)
{
	insert("card2");
	ck_assert_int_eq(login(SERVICE, "bob", PW_GOOD, PIN), PAM_SUCCESS);
	set_card_state(itest.ldapi_uri, "bob", "suspended");
	ck_assert_int_eq(login(SERVICE, "bob", PW_GOOD, PIN), PAM_AUTH_ERR);
	set_card_state(itest.ldapi_uri, "bob", "active");
	ck_assert_int_eq(login(SERVICE, "bob", PW_GOOD, PIN), PAM_SUCCESS);

	/* Left at home until a time still to come: refused; once that time
	 * has passed the card works again without anyone resuming it. */
	set_card_suspension(itest.ldapi_uri, "bob", "20991231000000Z");
	ck_assert_int_eq(login(SERVICE, "bob", PW_GOOD, PIN), PAM_AUTH_ERR);
	set_card_suspension(itest.ldapi_uri, "bob", "20200101000000Z");
	ck_assert_int_eq(login(SERVICE, "bob", PW_GOOD, PIN), PAM_SUCCESS);
}
END_TEST

/*
 * A card lost between the login and its session: the session is refused
 * before the person's last login is written (no open_session success, no
 * "Last login ... from" the host that never had it). Before, the worker wrote
 * the last login and a success record, and the loop then refused.
 */
START_TEST(card_lost_before_the_session_opens)
{
	struct pam_run run;
	pam_handle_t *pamh;
	long long t0;
	int seen;

	insert("card2");
	answers(&run, PW_GOOD, PIN);
	pamh = itest_pam_start(SERVICE, "bob", &run);
	pam_set_item(pamh, PAM_RHOST, "ws09.example.com");
	ck_assert_int_eq(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	seen = itest_log_lines("is no longer active");
	set_card_state(itest.ldapi_uri, "bob", "lost");
	/* authd has seen it */
	t0 = itest_now_ms();
	while (itest_log_lines("is no longer active") == seen &&
	    itest_now_ms() - t0 < BOUND_MS)
		usleep(50000);
	ck_assert_int_gt(itest_log_lines("is no longer active"), seen);
	ck_assert_int_eq(pam_open_session(pamh, 0), PAM_PERM_DENIED);
	itest_pam_end(pamh, PAM_PERM_DENIED);
	ck_assert_int_eq(itest_audit_count("event=open_session", "user=bob ",
	    "result=success", NULL), 0);
	ck_assert_int_eq(itest_audit_count("event=open_session", "user=bob ",
	    "result=perm_denied", "card\\x20lost\\x20since\\x20the\\x20login",
	    NULL), 1);
	ck_assert_int_eq(itest_sh("ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b "
	    "uid=bob,ou=people,%s authdLastLoginHost | grep -q ws09",
	    itest.ldapi_uri, itest.base_dn), 1);
	/* bob's card is stale_search_fails_closed_then_recovers' too */
	set_card_state(itest.ldapi_uri, "bob", "active");
	t0 = itest_now_ms();
	while (login(SERVICE, "bob", PW_GOOD, PIN) != PAM_SUCCESS &&
	    itest_now_ms() - t0 < BOUND_MS)
		usleep(200000);
}
END_TEST

START_TEST(disabled_account_session_ended)
{
	pid_t pids[KIDS + 1];
	long long ms;

	ck_assert_int_eq(open_session_tree("authd-test", "dan", PW_GOOD, NULL,
	    pids), 0);
	itest_set_attr("dan", "authdAccountState", "disabled");
	ms = itest_wait_gone(pids, KIDS + 1, BOUND_MS);
	itest_kill_all(pids, KIDS + 1);
	ck_assert_msg(ms >= 0, "the session outlived the disabled account");
	ck_assert_int_ge(itest_audit_wait("event=session_end", "user=dan", NULL), 1);
}
END_TEST

START_TEST(lost_on_one_host_refused_on_the_other)
{
	char peer_uri[300], env[4096], *p, *e;
	long long t0, ms = -1;

	insert("rsa");
	ck_assert_int_eq(login(PEER_SVC, "carol", PW_GOOD, PIN), PAM_SUCCESS);
	/* reported lost through this host's directory */
	set_card_state(itest.ldapi_uri, "carol", "lost");
	t0 = itest_now_ms();
	while (itest_now_ms() - t0 < BOUND_MS)
		if (login(PEER_SVC, "carol", PW_GOOD, PIN) == PAM_AUTH_ERR) {
			ms = itest_now_ms() - t0;
			break;
		}
	ck_assert_msg(ms >= 0, "the other host still accepts the lost card");
	printf("revoke: refused on the other host %lld ms after the report\n", ms);
	/* and the change reached the other directory itself */
	ck_assert_int_eq(itest_sh_out(env, sizeof(env), "'%s/ldap_schema/authd-slapd' "
	    "env %s/peer/slapd", itest.srcdir, itest.dir), 0);
	ck_assert_ptr_nonnull(p = strstr(env, "LDAPI_URI='"));
	p += strlen("LDAPI_URI='");
	ck_assert_ptr_nonnull(e = strchr(p, '\''));
	snprintf(peer_uri, sizeof(peer_uri), "%.*s", (int)(e - p), p);
	ck_assert_int_eq(itest_sh("ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b "
	    "uid=carol,ou=people,%s authdCardState | grep -q 'authdCardState: lost'",
	    peer_uri, itest.base_dn), 0);
}
END_TEST

START_TEST(stale_search_fails_closed_then_recovers)
{
	long long t0;
	int r = -1;

	insert("card2");
	ck_assert_int_eq(login(SERVICE, "bob", PW_GOOD, PIN), PAM_SUCCESS);
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' peer-stop %s && "
	    "'%s/scripts/authd-local' slapd-stop %s", itest.srcdir, itest.dir,
	    itest.srcdir, itest.dir), 0);
	sleep(4);          /* past view_staleness = 3 */
	ck_assert_int_ne(login(SERVICE, "bob", PW_GOOD, PIN), PAM_SUCCESS);
	ck_assert_int_eq(itest_sh("'%s/scripts/authd-local' slapd-start %s",
	    itest.srcdir, itest.dir), 0);
	/* the searches reconnect by themselves (back-off up to 5 s) */
	t0 = itest_now_ms();
	while (itest_now_ms() - t0 < 20000 &&
	    (r = login(SERVICE, "bob", PW_GOOD, PIN)) != PAM_SUCCESS)
		usleep(200000);
	ck_assert_int_eq(r, PAM_SUCCESS);
	ck_assert_int_eq(itest_sh("grep -q 'card view: in step' %s/authd.log",
	    itest.dir), 0);
}
END_TEST

static Suite *
revoke_suite(void)
{
	Suite *s = suite_create("revoke");
	TCase *tc = tcase_create("revoke");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, lost_card_refused_and_session_ended);
	tcase_add_test(tc, suspended_card_refused_until_resumed);
	tcase_add_test(tc, card_lost_before_the_session_opens);
	tcase_add_test(tc, disabled_account_session_ended);
	tcase_add_test(tc, lost_on_one_host_refused_on_the_other);
	tcase_add_test(tc, stale_search_fails_closed_then_recovers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (getuid() != 0) {
		printf("SKIP: needs root (slapd, setpriv to the administrator)\n");
		return 77;
	}
	/* the grandchildren of the session trees are reaped here */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	sr = srunner_create(revoke_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
