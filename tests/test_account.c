/*
 * The account's validity dates (authd/dir.h) at their edges: authdValidUntil
 * is "no login after this time", whole seconds, so its own second is still
 * within — authctl's --valid-until day ends at 23:59:59, and a login at
 * 23:59:59.5 is that day's. What acct_mgmt decided ahead of time is good
 * for the milliseconds left of the validity, no longer.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "authd/dir.h"

/* 2031-04-01 23:59:59 UTC */
#define END 1932854399

START_TEST(until_second_is_within)
{
	struct dir_account a;

	memset(&a, 0, sizeof(a));
	a.valid_until = END;
	ck_assert_int_eq(dir_account_ended(&a, END - 1), 0);
	ck_assert_int_eq(dir_account_ended(&a, END), 0);
	ck_assert_int_eq(dir_account_ended(&a, END + 1), 1);
	/* no end: never over */
	a.valid_until = 0;
	ck_assert_int_eq(dir_account_ended(&a, END + 100000), 0);
}
END_TEST

START_TEST(ms_left_ends_with_the_second)
{
	struct dir_account a;
	long long at = (long long)END * 1000;

	memset(&a, 0, sizeof(a));
	a.valid_until = END;
	ck_assert_int_eq(dir_account_ms_left(&a, at), 1000);
	ck_assert_int_eq(dir_account_ms_left(&a, at + 999), 1);
	ck_assert_int_le(dir_account_ms_left(&a, at + 1000), 0);
	ck_assert_int_eq(dir_account_ms_left(&a, at - 5000), 6000);
	/* the two agree on every millisecond of the edge */
	for (long long t = at - 2000; t < at + 2000; t++)
		ck_assert_int_eq(dir_account_ms_left(&a, t) <= 0,
		    dir_account_ended(&a, (time_t)(t / 1000)));
	a.valid_until = 0;
	ck_assert(dir_account_ms_left(&a, at) == LLONG_MAX);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("account");
	TCase *tc = tcase_create("validity");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, until_second_is_within);
	tcase_add_test(tc, ms_left_ends_with_the_second);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
