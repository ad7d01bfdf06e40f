/*
 * Decoys that lock as people do. A person's account is locked by the
 * directory's ppolicy after pwdMaxFailure failed attempts, and from then
 * on shows "locked" even with the right password; a name that is nobody's
 * (a decoy, decoy.h) is never in the directory, so without this it would
 * say "wrong password" for ever, and six attempts would tell a name that
 * exists from one that does not.
 *
 * So authd keeps, for names that got a decoy, what ppolicy keeps for a
 * person under the default policy, or under the privileged accounts' for
 * a name of privileged_names (ppolicy.h): the times of the failed
 * attempts and when the name was locked. The rules are ppolicy's
 * (slapo-ppolicy, 2.5): an attempt while locked is refused as locked and
 * counts nothing; otherwise it is a failure, and the one that brings the
 * failures (all of them with pwdFailureCountInterval 0, else those within
 * the interval) to pwdMaxFailure locks the name, itself answering as an
 * ordinary failure; the lock lasts pwdLockoutDuration (0: as long as the
 * name is remembered here); when it ends the failures stay, as ppolicy's
 * do (a decoy never succeeds, so they are never cleared): with interval 0
 * the next failure locks it again.
 *
 * A name is kept as a keyed hash of the name as the directory compares it
 * (decoy_name_tag), never in clear. The table is bounded: sets of
 * DECOY_LOCK_WAYS entries, a name's set chosen by its hash; a new name
 * takes a free entry of its set, else the least recently used one whose
 * lock does not hold, else (all locked) the least recently used. What
 * eviction reveals: an evicted name starts afresh (unlocked, no failures),
 * which a person's account never does; names tried once or twice never
 * push a locked name out, so to evict one an attacker who does not know
 * the key must lock about as many fresh names as the table holds
 * (pwdMaxFailure refused logins each, each costing fail_delay_ms: over a
 * hundred thousand at the defaults), and then sees a locked name unlock
 * before its time. The last DECOY_LOCK_TIMES failure
 * times are kept a name: with a non-zero interval and pwdMaxFailure above
 * DECOY_LOCK_TIMES + 1 the older failures are taken as within the
 * interval (a decoy may lock a little sooner than a person).
 *
 * Thread safety: one mutex, as decoy_stats; called from workers and the loop.
 */
#ifndef AUTHD_DECOY_LOCK_H
#define AUTHD_DECOY_LOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "decoy.h"         /* DECOY_TAG_LEN, decoy_name_tag */

#define DECOY_LOCK_WAYS     8
#define DECOY_LOCK_TIMES    8
#define DECOY_LOCK_CAPACITY 32768   /* names remembered (authd's table) */

/* What a password policy says of lockout (ppolicy.h). */
struct lockout_rule {
	int max_failure;     /* pwdMaxFailure; 0: never locks (also pwdLockout FALSE) */
	long duration;       /* pwdLockoutDuration seconds; 0: until forgotten */
	long interval;       /* pwdFailureCountInterval seconds; 0: failures stay */
};

#define DECOY_LOCK_FAILED 0   /* the attempt counted as a failure */
#define DECOY_LOCK_LOCKED 1   /* the name is locked: answer as a locked person */

struct decoy_locks;

/* capacity: names remembered, rounded up to whole sets of DECOY_LOCK_WAYS. */
int decoy_locks_new(size_t capacity, struct decoy_locks **dl_r);
void decoy_locks_free(struct decoy_locks **dlp);
/*
 * An attempt on the decoy tag at now, under rule: DECOY_LOCK_LOCKED, or
 * DECOY_LOCK_FAILED with the failure counted (rule NULL or max_failure 0:
 * nothing counted, never locked).
 */
int decoy_locks_attempt(struct decoy_locks *dl,
    const uint8_t tag[DECOY_TAG_LEN], const struct lockout_rule *rule,
    time_t now);
/* Whether tag is locked at now, nothing counted. */
int decoy_locks_is_locked(struct decoy_locks *dl,
    const uint8_t tag[DECOY_TAG_LEN], const struct lockout_rule *rule,
    time_t now);
/* Names remembered. */
size_t decoy_locks_count(struct decoy_locks *dl);

/*
 * Kept across restarts (STATE_DIR/decoy-locks), as the decoys' counts are.
 * key_id names the key the tags were made with (decoy_key_id): a file of
 * another key, another version, or a broken one is not read, and says why
 * (load: AUTHD_OK, also when there is no file; else an error, nothing
 * loaded). save: written whole (0600) beside path, then renamed over it.
 * dirty: changes since the last save.
 */
int decoy_locks_save(struct decoy_locks *dl, const char *path,
    const char *key_id);
int decoy_locks_load(struct decoy_locks *dl, const char *path,
    const char *key_id, char *why, size_t whylen);
int decoy_locks_dirty(struct decoy_locks *dl);

#endif
