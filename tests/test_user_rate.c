/*
 * The user socket's rate limit (authd/user_rate.h) on a clock of the test's
 * own: the burst, the refill, uids kept apart, the first refusal of a burst
 * told apart from the others, the counts reported and reset, and a table
 * that stays bounded however many uids call.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "authd/user_rate.h"

/* The table is 32 KiB: static, not on check's stack. */
static struct user_rate rate;

struct seen {
	uid_t uid[USER_RATE_SLOTS + 1];
	uint64_t n[USER_RATE_SLOTS + 1];
	size_t count;
};

static void
collect(void *arg, uid_t uid, uint64_t n)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->count, USER_RATE_SLOTS + 1);
	s->uid[s->count] = uid;
	s->n[s->count] = n;
	s->count++;
}

static void
setup(void)
{
	memset(&rate, 0, sizeof(rate));
}

/* Spend uid's whole bucket at now_ms. */
static void
spend(uid_t uid, uint64_t now_ms)
{
	int i;

	for (i = 0; i < USER_RATE_BURST; i++)
		ck_assert_int_eq(user_rate_take(&rate, uid, now_ms), USER_RATE_OK);
}

START_TEST(burst_then_refill)
{
	uint64_t t = 5000;

	spend(1000, t);
	ck_assert_int_eq(user_rate_take(&rate, 1000, t), USER_RATE_FIRST_REFUSAL);
	ck_assert_int_eq(user_rate_take(&rate, 1000, t), USER_RATE_REFUSED);
	/* one token a second, not before */
	ck_assert_int_eq(user_rate_take(&rate, 1000, t + 999), USER_RATE_REFUSED);
	ck_assert_int_eq(user_rate_take(&rate, 1000, t + 1000), USER_RATE_OK);
	ck_assert_int_eq(user_rate_take(&rate, 1000, t + 1000), USER_RATE_REFUSED);
	/* two seconds later, two */
	ck_assert_int_eq(user_rate_take(&rate, 1000, t + 3000), USER_RATE_OK);
	ck_assert_int_eq(user_rate_take(&rate, 1000, t + 3000), USER_RATE_OK);
	ck_assert_int_eq(user_rate_take(&rate, 1000, t + 3000), USER_RATE_REFUSED);
	/* another uid has its own bucket */
	spend(1001, t + 3000);
}
END_TEST

/* A flood for a long time is its burst plus the refill, nothing more. */
START_TEST(flood_bounded_by_elapsed_time)
{
	uint64_t t, taken = 0;

	for (t = 0; t < 600 * 1000; t += 7)
		taken += user_rate_take(&rate, 1000, t) == USER_RATE_OK;
	ck_assert_uint_eq(taken, USER_RATE_BURST + 600 * USER_RATE_PER_S - 1);
}
END_TEST

START_TEST(counts_reported_and_reset)
{
	struct seen seen = { .count = 0 };
	int i;

	spend(1000, 0);
	for (i = 0; i < 5; i++)
		(void)user_rate_take(&rate, 1000, 10);
	user_rate_report(&rate, 20, collect, &seen);
	ck_assert_uint_eq(seen.count, 1);
	ck_assert_uint_eq(seen.uid[0], 1000);
	ck_assert_uint_eq(seen.n[0], 5);
	/* nothing new: nothing said */
	seen.count = 0;
	user_rate_report(&rate, 30, collect, &seen);
	ck_assert_uint_eq(seen.count, 0);
	/* the burst goes on: a refusal now is counted, not a first one */
	ck_assert_int_eq(user_rate_take(&rate, 1000, 40), USER_RATE_REFUSED);
	/* once the bucket is full again the burst is over */
	spend(1000, 40 + USER_RATE_BURST * 1000 / USER_RATE_PER_S);
	ck_assert_int_eq(user_rate_take(&rate, 1000, 40 + USER_RATE_BURST *
	    1000 / USER_RATE_PER_S), USER_RATE_FIRST_REFUSAL);
}
END_TEST

/*
 * Only as many uids as the table has slots are followed; a uid beyond them
 * is refused while every slot holds a bucket that is not full (no uid is
 * pushed out to come back with a full one), and gets a slot once one fills.
 */
START_TEST(table_bounded)
{
	struct seen seen = { .count = 0 };
	uid_t uid;

	for (uid = 1; uid <= USER_RATE_SLOTS; uid++)
		ck_assert_int_eq(user_rate_take(&rate, uid, 0), USER_RATE_OK);
	ck_assert_int_eq(user_rate_take(&rate, 99999, 0),
	    USER_RATE_FIRST_TABLE_FULL);
	ck_assert_int_eq(user_rate_take(&rate, 99998, 500), USER_RATE_REFUSED);
	/* those inside keep their buckets */
	ck_assert_int_eq(user_rate_take(&rate, 1, 500), USER_RATE_OK);
	user_rate_report(&rate, 500, collect, &seen);
	ck_assert_uint_eq(seen.count, 1);
	ck_assert_uint_eq(seen.uid[0], (uid_t)-1);
	ck_assert_uint_eq(seen.n[0], 2);
	/* a second on, the buckets that spent one token are full: room */
	ck_assert_int_eq(user_rate_take(&rate, 99999, 1000), USER_RATE_OK);
	/* a quiet report ends the burst of those without a slot */
	seen.count = 0;
	user_rate_report(&rate, 1000, collect, &seen);
	ck_assert_uint_eq(seen.count, 0);
}
END_TEST

/* A slot whose refusals are not reported yet is not given away. */
START_TEST(unreported_refusals_kept)
{
	struct seen seen = { .count = 0 };
	uid_t uid;

	spend(1, 0);
	ck_assert_int_eq(user_rate_take(&rate, 1, 0), USER_RATE_FIRST_REFUSAL);
	/* uid 1's bucket is full again at 30 s; the other slots are taken
	 * by uids that keep calling */
	for (uid = 2; uid <= USER_RATE_SLOTS; uid++)
		ck_assert_int_eq(user_rate_take(&rate, uid, 60000), USER_RATE_OK);
	ck_assert_int_eq(user_rate_take(&rate, 99999, 60000),
	    USER_RATE_FIRST_TABLE_FULL);
	user_rate_report(&rate, 60000, collect, &seen);
	ck_assert_uint_eq(seen.count, 2);
	ck_assert_uint_eq(seen.uid[0], 1);
	ck_assert_uint_eq(seen.n[0], 1);
	ck_assert_uint_eq(seen.uid[1], (uid_t)-1);
}
END_TEST

static Suite *
rate_suite(void)
{
	Suite *s = suite_create("user_rate");
	TCase *tc = tcase_create("rate");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, burst_then_refill);
	tcase_add_test(tc, flood_bounded_by_elapsed_time);
	tcase_add_test(tc, counts_reported_and_reset);
	tcase_add_test(tc, table_bounded);
	tcase_add_test(tc, unreported_refusals_kept);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(rate_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
