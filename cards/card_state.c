/* The card lifecycle table (see card_state.h for the picture). */
#include "config.h"

#include <stddef.h>
#include <strings.h>

#include "card_state.h"

static const char *const state_names[CARD_ST_COUNT] = {
	"issued", "active", "suspended", "lost", "revoked", "replaced",
	"collected", "destroyed"
};

static const char *const event_names[CARD_EV_COUNT] = {
	"activate", "suspend", "resume", "lost", "revoke", "replace",
	"collect", "destroy"
};

#define NO (-1)
#define IS CARD_ST_ISSUED
#define AC CARD_ST_ACTIVE
#define SU CARD_ST_SUSPENDED
#define LO CARD_ST_LOST
#define RV CARD_ST_REVOKED
#define RP CARD_ST_REPLACED
#define CO CARD_ST_COLLECTED
#define DE CARD_ST_DESTROYED

/*
 * next[from][event]. A row per state, a column per event in the order of
 * enum card_event: activate suspend resume lost revoke replace collect destroy.
 * A lost card may be replaced (the holder gets a new one) and still has to be
 * collected if it turns up; a destroyed card goes nowhere.
 */
static const signed char next[CARD_ST_COUNT][CARD_EV_COUNT] = {
	/* issued    */ { AC, NO, NO, LO, RV, NO, NO, NO },
	/* active    */ { NO, SU, NO, LO, RV, RP, NO, NO },
	/* suspended */ { NO, NO, AC, LO, RV, RP, NO, NO },
	/* lost      */ { NO, NO, NO, NO, NO, RP, CO, NO },
	/* revoked   */ { NO, NO, NO, NO, NO, NO, CO, NO },
	/* replaced  */ { NO, NO, NO, NO, NO, NO, CO, NO },
	/* collected */ { NO, NO, NO, NO, NO, NO, NO, DE },
	/* destroyed */ { NO, NO, NO, NO, NO, NO, NO, NO },
};

int
card_state_parse(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < CARD_ST_COUNT; i++)
		if (strcasecmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

const char *
card_state_name(int state)
{
	return state >= 0 && state < CARD_ST_COUNT ? state_names[state] : "?";
}

const char *
card_event_name(int event)
{
	return event >= 0 && event < CARD_EV_COUNT ? event_names[event] : "?";
}

int
card_transition(int from, int event)
{
	if (from < 0 || from >= CARD_ST_COUNT || event < 0 || event >= CARD_EV_COUNT)
		return -1;
	return next[from][event];
}

int
card_state_effective(int state, time_t suspended_until, time_t now)
{
	if (state == CARD_ST_SUSPENDED && suspended_until != 0 &&
	    now >= suspended_until)
		return CARD_ST_ACTIVE;
	return state;
}

int
card_state_usable(int state)
{
	return state == CARD_ST_ACTIVE;
}

int
card_state_holds_slot(int state)
{
	return state == CARD_ST_ACTIVE || state == CARD_ST_SUSPENDED;
}

int
card_state_invalid(int state)
{
	return state >= CARD_ST_LOST && state <= CARD_ST_DESTROYED;
}

int
card_state_pending_disposal(int state)
{
	return state >= CARD_ST_LOST && state <= CARD_ST_COLLECTED;
}
