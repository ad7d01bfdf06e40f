/*
 * How fast one uid may use the user socket: a token bucket per uid. Each
 * connection accepted, and each request after a connection's first, takes a
 * token; a uid without one is refused. The table of uids has a fixed size,
 * so memory stays bounded however many uids call. Loop thread only.
 *
 * Why these numbers: pam_authd keeps one connection for all the stages of a
 * PAM handle, so a screen locker's unlock costs a token or two, and the
 * fail delay holds each wrong password for a second already. A person never
 * comes near 30 in a row nor one a second for long; a flood (tens of
 * thousands of connections a second, each a protocol_error record synced to
 * disk) is cut to 30 and then one record a second.
 */
#ifndef AUTHD_USER_RATE_H
#define AUTHD_USER_RATE_H

#include <stdint.h>
#include <sys/types.h>

#define USER_RATE_BURST  30     /* tokens a bucket holds */
#define USER_RATE_PER_S  1      /* tokens put back each second */
/*
 * Only a uid whose bucket is not full (it called in the last 30 s) needs a
 * slot, and only root can change uid; 1024 slots is 32 KiB. A uid that
 * finds none free is refused (counted with uid -1): an attacker cycling
 * through uids must not push the others out of the table, each coming back
 * with a full bucket.
 */
#define USER_RATE_SLOTS  1024

/* The fields are user_rate.c's; embedded (all zero is an empty table). */
struct user_rate_slot {
	uid_t uid;
	int in_use;
	int limited;             /* the first refusal of this burst was reported */
	uint32_t milli;          /* tokens, in thousandths */
	uint64_t at_ms;          /* when milli was brought up to date */
	uint64_t refused;        /* refusals since the last report */
};

struct user_rate {
	struct user_rate_slot slots[USER_RATE_SLOTS];
	struct user_rate_slot full;  /* those refused for want of a slot */
};

enum user_rate_verdict {
	USER_RATE_OK = 0,
	USER_RATE_REFUSED,           /* counted for the next report */
	USER_RATE_FIRST_REFUSAL,     /* the first of a burst: say so now */
	USER_RATE_FIRST_TABLE_FULL   /* the same, for want of a slot */
};

/* Take a token of uid's at now_ms (monotonic clock). */
enum user_rate_verdict user_rate_take(struct user_rate *r, uid_t uid,
    uint64_t now_ms);

/*
 * Call report(arg, uid, n) for each uid refused n > 0 times since the last
 * call (uid (uid_t)-1: refused because the table was full), and forget the
 * bursts that have ended (a full bucket again): the next refusal of such a
 * uid is a first one.
 */
void user_rate_report(struct user_rate *r, uint64_t now_ms,
    void (*report)(void *arg, uid_t uid, uint64_t n), void *arg);

#endif
