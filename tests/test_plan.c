/*
 * What a method collected is wiped when the conversation ends
 * (plan_input_wipe, authd/plan.c): the secret whole, what the client sent as
 * far as it went, every length back to zero.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "plan.h"

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

START_TEST(wipe_secret_and_what_was_sent)
{
	struct plan *p = plan_new();
	struct verify_input *in;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(in = plan_input(p, 0));
	/* a password of the longest kind, and blobs as a card's answer fills */
	memset(in->secret, 'S', sizeof(in->secret) - 1);
	in->have_secret = 1;
	memset(in->challenge, 'C', sizeof(in->challenge));
	in->challenge_len = sizeof(in->challenge);
	memset(in->cert, 'X', 700);
	in->cert_len = 700;
	memset(in->signature, 'G', 72);
	in->signature_len = 72;
	memset(in->authdata, 'A', sizeof(in->authdata));
	in->authdata_len = sizeof(in->authdata);
	memset(in->cred_id, 'I', 64);
	in->cred_id_len = 64;
	in->bound = 1;
	in->bound_status = 3;
	strcpy(in->bound_result.message, "server said");

	plan_input_wipe(&p->m[0]);
	ck_assert(all_zero(in, sizeof(*in)));
	plan_free(&p);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(wipe_without_input)
{
	struct plan *p = plan_new();

	/* a method never asked has no input: nothing to wipe, no crash */
	plan_input_wipe(&p->m[3]);
	ck_assert_ptr_null(p->m[3].in);
	plan_free(&p);
}
END_TEST

static Suite *
plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("wipe");

	tcase_add_test(tc, wipe_secret_and_what_was_sent);
	tcase_add_test(tc, wipe_without_input);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(plan_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
