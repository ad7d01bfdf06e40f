/*
 * authd/grant.c's evaluation and authd/privileged.c, as pure functions: every
 * rule of grant.h on its own, from a grant that is honoured.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "grant.h"
#include "privileged.h"
#include "verifier.h"

#define PEOPLE "ou=people,dc=example,dc=com"
#define REQ    "uid=req,ou=people,dc=example,dc=com"
#define HOLDER "uid=adm-req,ou=people,dc=example,dc=com"
#define APPR   "uid=appr,ou=people,dc=example,dc=com"
#define OTHER  "uid=other,ou=people,dc=example,dc=com"
#define ROOT   "gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth"
#define NOW    1700000000

static struct grant_facts g;
static struct grant_ctx ctx;

static void
setup(void)
{
	memset(&g, 0, sizeof(g));
	strcpy(g.dn, "cn=g1,ou=grants,dc=example,dc=com");
	strcpy(g.cn, "g1");
	strcpy(g.role_dn, "cn=db,ou=roles,dc=example,dc=com");
	strcpy(g.holder, HOLDER);
	strcpy(g.state, "approved");
	strcpy(g.creator, REQ);
	g.from = NOW - 600;
	g.until = NOW + 600;
	g.created = NOW - 700;
	g.have_approval = 1;
	strcpy(g.decision, "approve");
	strcpy(g.approver, APPR);
	g.have_role = 1;
	g.max_grant = 3600;
	g.max_session = 900;
	g.emergency_deadline = 1800;
	ck_assert_int_eq(grant_dns_add(&g.hosts, "web1"), 0);
	ck_assert_int_eq(grant_dns_add(&g.approvers, APPR), 0);
	ck_assert_int_eq(grant_dns_add(&g.requesters, REQ), 0);
	g.requesters_listed = 1;
	ctx.holder_dn = HOLDER;
	ctx.host = "web1";
	ctx.people_dn = PEOPLE;
	ctx.now = NOW;
}

static void
teardown(void)
{
	grant_facts_clear(&g);
}

static enum grant_verdict
eval(char *why, size_t whylen)
{
	return grant_evaluate(&g, &ctx, why, whylen);
}

#define REFUSED_BECAUSE(phrase) do {					\
	char why_[512];							\
	ck_assert_int_eq(eval(why_, sizeof(why_)), GRANT_REFUSED);	\
	ck_assert_msg(strstr(why_, phrase) != NULL, "why: %s", why_);	\
} while (0)

START_TEST(honoured)
{
	char why[512];

	ck_assert_int_eq(eval(why, sizeof(why)), GRANT_HONOURED);
	ck_assert_ptr_nonnull(strstr(why, APPR));
	/* DNs compare without regard to case */
	strcpy(g.approver, "UID=appr,OU=people,DC=example,DC=com");
	ck_assert_int_eq(eval(why, sizeof(why)), GRANT_HONOURED);
}
END_TEST

START_TEST(self_approval)
{
	strcpy(g.approver, REQ);
	grant_dns_add(&g.approvers, REQ);    /* even an approver: not their own */
	REFUSED_BECAUSE("self-approval");
	strcpy(g.approver, HOLDER);
	grant_dns_add(&g.approvers, HOLDER);
	REFUSED_BECAUSE("self-approval");
}
END_TEST

START_TEST(approver_without_role)
{
	strcpy(g.approver, OTHER);
	REFUSED_BECAUSE("holds no approver role");
	/* a group the loader did not count (outside ou=roles) is named */
	strcpy(g.unguarded_group, "cn=helpers,ou=groups,dc=example,dc=com");
	REFUSED_BECAUSE("holds no approver role of it; approver group "
	    "cn=helpers,ou=groups,dc=example,dc=com not counted: outside "
	    "ou=roles");
}
END_TEST

START_TEST(hand_written)
{
	/* the rootdn wrote the grant and its approval */
	strcpy(g.creator, ROOT);
	strcpy(g.approver, ROOT);
	REFUSED_BECAUSE("not requested by a person");
	/* a person's grant approved by the rootdn */
	strcpy(g.creator, REQ);
	REFUSED_BECAUSE("approval not by a person");
	/* no approval at all, state approved by hand */
	g.have_approval = 0;
	REFUSED_BECAUSE("not approved");
}
END_TEST

START_TEST(requester)
{
	strcpy(g.creator, OTHER);
	REFUSED_BECAUSE("may not request");
	/* a role naming no requesters: only the holder asks for it */
	g.requesters_listed = 0;
	REFUSED_BECAUSE("may not request");
	strcpy(g.creator, HOLDER);
	ck_assert_int_eq(eval((char[512]){0}, 512), GRANT_HONOURED);
}
END_TEST

START_TEST(window)
{
	ctx.now = g.from - 1;
	REFUSED_BECAUSE("outside its window");
	ctx.now = g.until;
	REFUSED_BECAUSE("outside its window");
	ctx.now = g.from;
	ck_assert_int_eq(eval((char[512]){0}, 512), GRANT_HONOURED);
	g.until = g.from + 3601;
	REFUSED_BECAUSE("exceeds the role's maximum");
}
END_TEST

START_TEST(host_and_role)
{
	ctx.host = "db2";
	REFUSED_BECAUSE("does not cover host db2");
	grant_dns_add(&g.hosts, "*");
	ck_assert_int_eq(eval((char[512]){0}, 512), GRANT_HONOURED);
	g.have_role = 0;
	REFUSED_BECAUSE("not found");
}
END_TEST

START_TEST(states)
{
	strcpy(g.state, "revoked");
	REFUSED_BECAUSE("revoked");
	strcpy(g.state, "denied");
	REFUSED_BECAUSE("denied");
	strcpy(g.state, "requested");
	REFUSED_BECAUSE("state requested");
	strcpy(g.state, "approved");
	strcpy(g.decision, "deny");
	REFUSED_BECAUSE("denied by");
	ctx.holder_dn = OTHER;
	REFUSED_BECAUSE("held by");
}
END_TEST

START_TEST(emergency)
{
	char why[512];

	g.have_approval = 0;
	strcpy(g.state, "requested");
	g.emergency = 1;
	REFUSED_BECAUSE("not approved");          /* the role allows no emergency */
	g.role_emergency = 1;
	ck_assert_int_eq(eval(why, sizeof(why)), GRANT_EMERGENCY);
	ck_assert_ptr_nonnull(strstr(why, "unapproved"));
	ctx.now = g.created + g.emergency_deadline;
	g.until = ctx.now + 10;
	g.from = ctx.now - 10;
	REFUSED_BECAUSE("deadline passed");
	/* approved in time: an ordinary grant */
	ctx.now = NOW;
	g.from = NOW - 600;
	g.until = NOW + 600;
	g.have_approval = 1;
	strcpy(g.state, "approved");
	ck_assert_int_eq(eval(why, sizeof(why)), GRANT_HONOURED);
	/* denied emergency: over at once */
	strcpy(g.state, "denied");
	REFUSED_BECAUSE("denied");
}
END_TEST

START_TEST(choose)
{
	struct grant_facts gs[3];
	struct grant_hold hold;
	char why[512];

	memset(gs, 0, sizeof(gs));
	gs[0] = g;                               /* shares g's lists: not cleared */
	strcpy(gs[0].cn, "a");
	gs[0].have_approval = 0;
	gs[1] = g;
	strcpy(gs[1].cn, "b");
	gs[1].until = NOW + 100;
	gs[2] = g;
	strcpy(gs[2].cn, "c");
	strcpy(gs[2].dn, "cn=c,ou=grants,dc=example,dc=com");
	gs[2].until = NOW + 500;
	ck_assert_int_eq(grant_choose(gs, 3, &ctx, &hold, why, sizeof(why)),
	    GRANT_HONOURED);
	ck_assert_str_eq(hold.dn, "cn=c,ou=grants,dc=example,dc=com");
	ck_assert_int_eq(hold.until, NOW + 500);
	ck_assert_int_eq(hold.max_session, 900);
	ck_assert_int_eq(hold.emergency, 0);
	ck_assert_int_eq(grant_choose(gs, 1, &ctx, &hold, why, sizeof(why)),
	    GRANT_REFUSED);
	ck_assert_ptr_nonnull(strstr(why, "grant a: not approved"));
	ck_assert_str_eq(hold.dn, "");
	ck_assert_int_eq(grant_choose(gs, 0, &ctx, &hold, why, sizeof(why)),
	    GRANT_REFUSED);
	ck_assert_str_eq(why, "no grant");
}
END_TEST

START_TEST(gtime)
{
	time_t t;

	ck_assert_int_eq(grant_gtime("20231114221320Z", &t), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(grant_gtime("20231114221320.123Z", &t), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(grant_gtime("20231114221320", &t), -1);
	ck_assert_int_eq(grant_gtime("2023111422132Z", &t), -1);
	ck_assert_int_eq(grant_gtime("20231314221320Z", &t), -1);
	ck_assert_int_eq(grant_gtime("", &t), -1);
}
END_TEST

START_TEST(default_names)
{
	struct authd_conf conf;
	char list[] = "oracle, sa  postgres";

	memset(&conf, 0, sizeof(conf));
	ck_assert(priv_name_denied(NULL, "root"));
	ck_assert(priv_name_denied(NULL, "Admin"));
	ck_assert(priv_name_denied(NULL, "ADMINISTRATOR"));
	ck_assert(!priv_name_denied(NULL, "admins"));
	ck_assert(!priv_name_denied(&conf, "oracle"));
	conf.privileged_denied_names = list;
	ck_assert(priv_name_denied(&conf, "oracle"));
	ck_assert(priv_name_denied(&conf, "sa"));
	ck_assert(priv_name_denied(&conf, "postgres"));
	ck_assert(!priv_name_denied(&conf, "s"));
	ck_assert(!priv_name_denied(&conf, "oracle2"));
}
END_TEST

/* privileged_names: shell patterns, without case, the whole name. */
START_TEST(name_patterns)
{
	struct authd_conf conf;
	char list[] = "adm-*, *.adm\tsu[0-9][0-9]";

	memset(&conf, 0, sizeof(conf));
	ck_assert(!priv_name_patterned(NULL, "adm-x"));
	ck_assert(!priv_name_patterned(&conf, "adm-x"));
	conf.privileged_names = list;
	ck_assert(priv_name_patterned(&conf, "adm-x"));
	ck_assert(priv_name_patterned(&conf, "ADM-Tanaka"));
	ck_assert(priv_name_patterned(&conf, "adm-"));
	ck_assert(priv_name_patterned(&conf, "web.adm"));
	ck_assert(priv_name_patterned(&conf, "su07"));
	ck_assert(!priv_name_patterned(&conf, "su7"));
	ck_assert(!priv_name_patterned(&conf, "xadm-x"));
	ck_assert(!priv_name_patterned(&conf, "adm"));
	ck_assert(!priv_name_patterned(&conf, "web.adm2"));
	ck_assert(!priv_name_patterned(&conf, "tanaka"));
}
END_TEST

START_TEST(force_mfa)
{
	struct policy_eff eff;
	char err[128];

	memset(&eff, 0, sizeof(eff));
	ck_assert_int_eq(policy_parse_require("knowledge", &eff.req, err,
	    sizeof(err)), 0);
	eff.methods = POLICY_M_PASSWORD;
	priv_force_mfa(&eff);
	ck_assert(!policy_satisfied(&eff.req, FACTOR_KNOWLEDGE));
	ck_assert(policy_satisfied(&eff.req, FACTOR_KNOWLEDGE | FACTOR_POSSESSION));
	ck_assert(eff.methods & POLICY_M_TOTP);
	ck_assert_ptr_nonnull(strstr(eff.req.text, "privileged"));
	/* two of three is not enough for a privileged account */
	memset(&eff, 0, sizeof(eff));
	ck_assert_int_eq(policy_parse_require("2of:knowledge,possession,inherence",
	    &eff.req, err, sizeof(err)), 0);
	eff.methods = POLICY_M_PASSWORD | POLICY_M_FIDO2;
	priv_force_mfa(&eff);
	ck_assert(!policy_satisfied(&eff.req, FACTOR_KNOWLEDGE | FACTOR_INHERENCE));
	ck_assert(policy_satisfied(&eff.req, FACTOR_KNOWLEDGE | FACTOR_POSSESSION));
	ck_assert_uint_eq(eff.methods, POLICY_M_PASSWORD | POLICY_M_FIDO2);
}
END_TEST

static Suite *
grant_suite(void)
{
	Suite *s = suite_create("grant");
	TCase *tc = tcase_create("grant");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, honoured);
	tcase_add_test(tc, self_approval);
	tcase_add_test(tc, approver_without_role);
	tcase_add_test(tc, hand_written);
	tcase_add_test(tc, requester);
	tcase_add_test(tc, window);
	tcase_add_test(tc, host_and_role);
	tcase_add_test(tc, states);
	tcase_add_test(tc, emergency);
	tcase_add_test(tc, choose);
	tcase_add_test(tc, gtime);
	tcase_add_test(tc, default_names);
	tcase_add_test(tc, name_patterns);
	tcase_add_test(tc, force_mfa);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(grant_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
