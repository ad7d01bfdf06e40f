/*
 * The IC card lifecycle as a table: which event moves a card from which
 * state to which. Pure C, no directory: authctl asks it before every
 * change, the unit test walks every pair, and authd may use
 * card_state_effective() to read a suspension with an end time.
 *
 *   issued    --activate-->  active
 *   active    --suspend--->  suspended      (optionally until a time)
 *   suspended --resume---->  active         (also by itself at that time)
 *   issued|active|suspended  --lost------>  lost
 *   issued|active|suspended  --revoke---->  revoked
 *   active|suspended|lost    --replace--->  replaced  (a new card for the holder)
 *   lost|revoked|replaced    --collect--->  collected
 *   collected                --destroy--->  destroyed (final)
 *
 * Only "active" (and "suspended" past its end time) lets a card log in;
 * lost, revoked, replaced, collected and destroyed cards are listed in the
 * CRL; issued and suspended cards are simply not usable yet / for now.
 */
#ifndef CARDS_CARD_STATE_H
#define CARDS_CARD_STATE_H

#include <time.h>

enum card_state {
	CARD_ST_ISSUED = 0,
	CARD_ST_ACTIVE,
	CARD_ST_SUSPENDED,
	CARD_ST_LOST,
	CARD_ST_REVOKED,
	CARD_ST_REPLACED,
	CARD_ST_COLLECTED,
	CARD_ST_DESTROYED,
	CARD_ST_COUNT
};

enum card_event {
	CARD_EV_ACTIVATE = 0,
	CARD_EV_SUSPEND,
	CARD_EV_RESUME,
	CARD_EV_LOST,
	CARD_EV_REVOKE,
	CARD_EV_REPLACE,
	CARD_EV_COLLECT,
	CARD_EV_DESTROY,
	CARD_EV_COUNT
};

/* "active" -> CARD_ST_ACTIVE (case-insensitive); -1 for anything else. */
int card_state_parse(const char *name);
/* The directory's word for a state ("active"); "?" when out of range. */
const char *card_state_name(int state);
/* "activate", "suspend", ...; "?" when out of range. */
const char *card_event_name(int event);

/*
 * The state event leads to from state from, or -1 when the table has no
 * such transition (including out-of-range arguments).
 */
int card_transition(int from, int event);

/*
 * The state that counts at now: a suspension whose end (suspended_until,
 * 0 = none) has come counts as active; any other state is itself.
 */
int card_state_effective(int state, time_t suspended_until, time_t now);

/* May a card in this (effective) state log in? Only active. */
int card_state_usable(int state);
/* Does it count toward "one active card per person"? active, suspended. */
int card_state_holds_slot(int state);
/* No longer valid for good, hence in the CRL: lost .. destroyed. */
int card_state_invalid(int state);
/* Still to be collected (lost, revoked, replaced) or destroyed (collected). */
int card_state_pending_disposal(int state);

#endif
