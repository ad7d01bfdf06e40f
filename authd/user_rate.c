#include "config.h"

#include <stddef.h>

#include "user_rate.h"

#define FULL_MILLI ((uint32_t)USER_RATE_BURST * 1000)
/* the time an empty bucket takes to fill */
#define FILL_MS    ((uint64_t)USER_RATE_BURST * 1000 / USER_RATE_PER_S)

/* Put back the tokens earned since s->at_ms. */
static void
refill(struct user_rate_slot *s, uint64_t now_ms)
{
	uint64_t elapsed;

	if (now_ms <= s->at_ms)
		return;
	elapsed = now_ms - s->at_ms;
	s->at_ms = now_ms;
	if (elapsed >= FILL_MS ||
	    s->milli + elapsed * USER_RATE_PER_S >= FULL_MILLI)
		s->milli = FULL_MILLI;
	else
		s->milli += (uint32_t)(elapsed * USER_RATE_PER_S);
	/* it waited long enough: the burst is over */
	if (s->milli == FULL_MILLI)
		s->limited = 0;
}

/* A slot that holds nothing a fresh one would not: full, nothing to report. */
static int
slot_free(struct user_rate_slot *s, uint64_t now_ms)
{
	if (!s->in_use)
		return 1;
	refill(s, now_ms);
	return s->milli == FULL_MILLI && s->refused == 0;
}

static struct user_rate_slot *
slot_of(struct user_rate *r, uid_t uid, uint64_t now_ms)
{
	struct user_rate_slot *s, *free_slot = NULL;
	size_t i;

	for (i = 0; i < USER_RATE_SLOTS; i++) {
		s = &r->slots[i];
		if (s->in_use && s->uid == uid)
			return s;
		if (free_slot == NULL && slot_free(s, now_ms))
			free_slot = s;
	}
	if (free_slot != NULL) {
		free_slot->uid = uid;
		free_slot->in_use = 1;
		free_slot->limited = 0;
		free_slot->milli = FULL_MILLI;
		free_slot->at_ms = now_ms;
		free_slot->refused = 0;
	}
	return free_slot;
}

static enum user_rate_verdict
refuse(struct user_rate_slot *s, enum user_rate_verdict first)
{
	s->refused++;
	if (s->limited)
		return USER_RATE_REFUSED;
	s->limited = 1;
	return first;
}

enum user_rate_verdict
user_rate_take(struct user_rate *r, uid_t uid, uint64_t now_ms)
{
	struct user_rate_slot *s;

	if ((s = slot_of(r, uid, now_ms)) == NULL)
		return refuse(&r->full, USER_RATE_FIRST_TABLE_FULL);
	refill(s, now_ms);
	if (s->milli < 1000)
		return refuse(s, USER_RATE_FIRST_REFUSAL);
	s->milli -= 1000;
	return USER_RATE_OK;
}

void
user_rate_report(struct user_rate *r, uint64_t now_ms,
    void (*report)(void *arg, uid_t uid, uint64_t n), void *arg)
{
	struct user_rate_slot *s;
	size_t i;

	for (i = 0; i < USER_RATE_SLOTS; i++) {
		s = &r->slots[i];
		if (!s->in_use)
			continue;
		refill(s, now_ms);
		if (s->refused > 0)
			report(arg, s->uid, s->refused);
		s->refused = 0;
	}
	/* no bucket to refill: a report with nothing to say ends its burst */
	if (r->full.refused > 0)
		report(arg, (uid_t)-1, r->full.refused);
	else
		r->full.limited = 0;
	r->full.refused = 0;
}
