/*
 * authd's in-memory view of the IC cards (authdCard entries under
 * people_dn), kept current by a second RFC 4533 refreshAndPersist search on
 * a connection of its own (libldap 2.5.13 mixes the messages of two
 * searches on one handle; see view.c). It serves two purposes:
 *  - the card verifier asks it for a card's state at every login, so a card
 *    that left the active state is refused as soon as the change arrives;
 *  - when a card it held as active leaves that state (lost, revoked,
 *    suspended, replaced, deleted), it tells its owner (revoke.c), which
 *    ends the live sessions opened with that card.
 * Fail closed: when the search has been down (or never in step) for more
 * than conf->view_staleness seconds, card_view_lookup() says
 * CARD_VIEW_STALE and card logins are refused; the search reconnects by
 * itself with the same back-off as the people view.
 */
#ifndef AUTHD_CARD_VIEW_H
#define AUTHD_CARD_VIEW_H

#include <stddef.h>
#include <time.h>

#include "card.h"
#include "conf.h"
#include "dir.h"

struct card_view;

/* What the view holds of one card. */
struct card_status {
	char fpr[CARD_FPR_HEX_LEN + 1];      /* SHA-256 of the certificate, hex */
	char serial[CARD_SERIAL_MAX + 1];
	char state[32];                      /* authdCardState; "" when absent */
	char dn[512];                        /* the card's entry */
	char holder_dn[512];                 /* its parent: the person */
	char suspended_until[32];            /* authdCardSuspendedUntil, or "" */
};

/*
 * Whether a card may log in at now: active, or suspended with an end time
 * (authdCardSuspendedUntil) that has passed — a card left at home counts
 * again from the end of its suspension without anyone resuming it.
 */
int card_status_usable(const struct card_status *st, time_t now);

enum card_view_answer {
	CARD_VIEW_FOUND = 0,
	CARD_VIEW_NOT_FOUND = 1,   /* in step, and no card with that fingerprint */
	CARD_VIEW_RECENT = 2,      /* not in step for less than the staleness:
	                              the caller asks the directory */
	CARD_VIEW_STALE = 3        /* out of step for longer: fail closed */
};

/*
 * Search thread: a card held as active left that state (now is its new
 * status, or NULL when the entry went away). Must not block for long.
 */
typedef void (*card_view_notify_fn)(void *arg, const struct card_status *old,
    const struct card_status *now);

int card_view_new(const struct authd_conf *conf, struct dir_pool *pool,
    card_view_notify_fn notify, void *arg, struct card_view **cv_r);
int card_view_start(struct card_view *cv);
/* Stop the thread (within about a second), close its connection, free. */
void card_view_free(struct card_view **cvp);

/* The card with this fingerprint (lowercase hex). Any thread. */
int card_view_lookup(struct card_view *cv, const char *fpr_hex,
    struct card_status *st_r);
/*
 * The active cards of the person whose entry is holder_dn, at most max:
 * CARD_VIEW_FOUND (*n_r may be 0) when in step, else CARD_VIEW_RECENT or
 * CARD_VIEW_STALE and nothing filled.
 */
int card_view_active_for(struct card_view *cv, const char *holder_dn,
    struct card_reg *regs, size_t max, size_t *n_r);

/* The card view of this process (one per authd), for the card verifier;
 * NULL when none runs (view_staleness 0, or no card CA). */
struct card_view *card_view_global(void);

#endif
