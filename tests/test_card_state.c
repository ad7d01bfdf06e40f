/*
 * The card lifecycle table: every allowed transition gives its state, and
 * every other (state, event) pair — all 64 are walked — is refused. The
 * expected list is written out by name, apart from the table it checks.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cards/card_state.h"

static const struct {
	const char *from, *event, *to;
} allowed[] = {
	{ "issued", "activate", "active" },
	{ "issued", "lost", "lost" },
	{ "issued", "revoke", "revoked" },
	{ "active", "suspend", "suspended" },
	{ "active", "lost", "lost" },
	{ "active", "revoke", "revoked" },
	{ "active", "replace", "replaced" },
	{ "suspended", "resume", "active" },
	{ "suspended", "lost", "lost" },
	{ "suspended", "revoke", "revoked" },
	{ "suspended", "replace", "replaced" },
	{ "lost", "replace", "replaced" },
	{ "lost", "collect", "collected" },
	{ "revoked", "collect", "collected" },
	{ "replaced", "collect", "collected" },
	{ "collected", "destroy", "destroyed" },
};
#define N_ALLOWED (sizeof(allowed) / sizeof(allowed[0]))

static int
event_parse(const char *name)
{
	int e;

	for (e = 0; e < CARD_EV_COUNT; e++)
		if (strcmp(card_event_name(e), name) == 0)
			return e;
	return -1;
}

START_TEST(every_allowed_transition)
{
	size_t i;
	int from, ev, to;

	for (i = 0; i < N_ALLOWED; i++) {
		from = card_state_parse(allowed[i].from);
		ev = event_parse(allowed[i].event);
		to = card_state_parse(allowed[i].to);
		ck_assert_int_ge(from, 0);
		ck_assert_int_ge(ev, 0);
		ck_assert_int_ge(to, 0);
		ck_assert_msg(card_transition(from, ev) == to, "%s --%s--> %s",
		    allowed[i].from, allowed[i].event, allowed[i].to);
	}
}
END_TEST

START_TEST(every_other_pair_refused)
{
	int from, ev, refused = 0;
	size_t i;

	for (from = 0; from < CARD_ST_COUNT; from++)
		for (ev = 0; ev < CARD_EV_COUNT; ev++) {
			for (i = 0; i < N_ALLOWED; i++)
				if (strcmp(allowed[i].from, card_state_name(from)) == 0 &&
				    strcmp(allowed[i].event, card_event_name(ev)) == 0)
					break;
			if (i < N_ALLOWED)
				continue;
			ck_assert_msg(card_transition(from, ev) == -1,
			    "%s --%s--> should be refused", card_state_name(from),
			    card_event_name(ev));
			refused++;
		}
	ck_assert_int_eq(refused, CARD_ST_COUNT * CARD_EV_COUNT - (int)N_ALLOWED);
}
END_TEST

START_TEST(destroyed_is_final)
{
	int ev;

	for (ev = 0; ev < CARD_EV_COUNT; ev++)
		ck_assert_int_eq(card_transition(CARD_ST_DESTROYED, ev), -1);
}
END_TEST

START_TEST(out_of_range)
{
	ck_assert_int_eq(card_transition(-1, CARD_EV_ACTIVATE), -1);
	ck_assert_int_eq(card_transition(CARD_ST_COUNT, CARD_EV_ACTIVATE), -1);
	ck_assert_int_eq(card_transition(CARD_ST_ISSUED, -1), -1);
	ck_assert_int_eq(card_transition(CARD_ST_ISSUED, CARD_EV_COUNT), -1);
	ck_assert_str_eq(card_state_name(CARD_ST_COUNT), "?");
	ck_assert_str_eq(card_event_name(-1), "?");
	ck_assert_int_eq(card_state_parse("stolen"), -1);
	ck_assert_int_eq(card_state_parse(""), -1);
	ck_assert_int_eq(card_state_parse(NULL), -1);
}
END_TEST

START_TEST(names_round_trip)
{
	int s;

	for (s = 0; s < CARD_ST_COUNT; s++)
		ck_assert_int_eq(card_state_parse(card_state_name(s)), s);
	ck_assert_int_eq(card_state_parse("LOST"), CARD_ST_LOST);
}
END_TEST

START_TEST(suspension_with_an_end)
{
	time_t now = 1700000000;

	ck_assert_int_eq(card_state_effective(CARD_ST_SUSPENDED, 0, now),
	    CARD_ST_SUSPENDED);
	ck_assert_int_eq(card_state_effective(CARD_ST_SUSPENDED, now + 1, now),
	    CARD_ST_SUSPENDED);
	ck_assert_int_eq(card_state_effective(CARD_ST_SUSPENDED, now, now),
	    CARD_ST_ACTIVE);
	ck_assert_int_eq(card_state_effective(CARD_ST_SUSPENDED, now - 60, now),
	    CARD_ST_ACTIVE);
	/* an end time means nothing once the card left the suspension */
	ck_assert_int_eq(card_state_effective(CARD_ST_LOST, now - 60, now),
	    CARD_ST_LOST);
	ck_assert_int_eq(card_state_effective(CARD_ST_REVOKED, now - 60, now),
	    CARD_ST_REVOKED);
}
END_TEST

START_TEST(classes_of_states)
{
	int s;

	for (s = 0; s < CARD_ST_COUNT; s++) {
		ck_assert_int_eq(card_state_usable(s), s == CARD_ST_ACTIVE);
		ck_assert_int_eq(card_state_holds_slot(s),
		    s == CARD_ST_ACTIVE || s == CARD_ST_SUSPENDED);
		ck_assert_int_eq(card_state_invalid(s), s == CARD_ST_LOST ||
		    s == CARD_ST_REVOKED || s == CARD_ST_REPLACED ||
		    s == CARD_ST_COLLECTED || s == CARD_ST_DESTROYED);
		ck_assert_int_eq(card_state_pending_disposal(s), s == CARD_ST_LOST ||
		    s == CARD_ST_REVOKED || s == CARD_ST_REPLACED ||
		    s == CARD_ST_COLLECTED);
	}
}
END_TEST

static Suite *
card_state_suite(void)
{
	Suite *s = suite_create("card_state");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, every_allowed_transition);
	tcase_add_test(tc, every_other_pair_refused);
	tcase_add_test(tc, destroyed_is_final);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, suspension_with_an_end);
	tcase_add_test(tc, classes_of_states);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(card_state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
