/*
 * Decoys that look like real plans. A person's prompts follow what they
 * enrolled (password and TOTP code, password and card PIN, ...); a name
 * that is nobody's, or that the caller may not test, gets a decoy plan
 * (plan.h). If the decoy were one fixed plan, a name whose prompts differ
 * from it would be a real person's. So a decoy takes a real person's
 * enrolment instead: of the enrolments (the methods the policy allows
 * that the person can use) of real plans of the same policy made since
 * authd started (counted as they are made), the one a keyed hash of the
 * name picks, each in proportion to its use (weighted rendezvous hashing:
 * a name keeps its pick while the counts move, unless it sits near a
 * boundary). The decoy's plan is then made from that enrolment by the same
 * rules as a person's (plan_select): the same methods asked, and the same
 * ones kept in reserve for when the client says it cannot perform one
 * (ANSWER_STATUS 2, e.g. no key over ssh). Counting what was asked alone
 * was not enough: the reserve, shown by declining a step, was a real
 * person's enrolment but every allowed method for a decoy.
 *
 * Why not the other way round (every plan keeping every allowed method in
 * reserve, a method the person lacks failing like a wrong answer)? Real
 * people would then be sent to steps they cannot do: a card reader would
 * ask for a card nobody gave them, and each such step would count toward
 * their lockout. Drawing the decoy from real enrolments changes nothing
 * for real people and leaks nothing the enrolments did not already show.
 *
 * What a step shows of an enrolment beyond the method (a FIDO2 step lists
 * the person's credential ids: how many, how long, and whether it asks
 * for user verification) is kept as a "shape" a method (verifier.h,
 * enrolment_shape), counted and picked for a name the same way, and made
 * into a decoy enrolment (decoy_enrolment) whose identifiers come from
 * decoy_name_seed: the same for a name from one login to the next.
 *
 * A name is taken as the directory compares it (ASCII case and outer
 * spaces do not count: "NOBODY" is "nobody"), since a person's plan is
 * the same whichever case the name is typed in.
 *
 * The same name gets the same prompts from one login to the next, across
 * restarts too — the key comes from the site key (totp_key_file), else
 * from a key authd makes for the host at its first start (state_dir/
 * decoy.key); the counts are saved in the state folder every minute and
 * when authd stops. Before any real plan of a policy is
 * made, the decoy is every allowed method as if enrolled; before any real
 * FIDO2 enrolment is seen, a decoy's key step lists one 64-byte id.
 *
 * A decoy is made on a worker after the directory reads a person's plan
 * makes (decide_auth.c), the same searches under the DN the name would
 * have, which find nothing: the first prompt comes no sooner than a real
 * person's (as OpenSSH does fake work for unknown users).
 *
 * What it cannot hide: someone who knows how a given person logs in (what
 * they enrolled), and sees other prompts or another reserve for that name,
 * may conclude it is not that person's; someone who sees a name's prompts
 * change with no re-enrolment (a name near a boundary as the counts move)
 * may suspect a decoy. Declining steps shows a name's whole enrolment, a
 * real person's as well as a decoy's: that is no proof of existence, but
 * it tells an attacker which of a real person's factors to go after.
 * Enrolments and shapes seen too rarely to have been counted (more than
 * 16 kinds under a policy, 32 shapes a method) never appear in a decoy,
 * so a person with such an unusual enrolment stands out. The search under
 * a DN that does not exist is answered by the directory a little sooner
 * than one under a person's entry (no children to walk): the difference
 * is within the noise of a round trip, not removed.
 *
 * Privileged accounts log in with two factors whatever the service's
 * policy says, and lock after the privileged password policy's count: a
 * decoy of a name of privileged_names (this site's pattern for their
 * names) is played as one of them, its policy raised as theirs and its
 * lockout theirs (decide_auth.c, name_looks_privileged), by the name
 * alone, never by what the directory holds.
 *
 * A decoy locks as a person under the default password policy does
 * (decoy_lock.h): after pwdMaxFailure failed attempts its name answers as a
 * locked person's, for pwdLockoutDuration, at a locked person's cost:
 * ppolicy refuses a locked person's bind before hashing the password and
 * records nothing, so a locked decoy binds a DN that does not exist (no
 * hash, no write) instead of the timing entry (decide_auth.c, decoy_bind).
 * What that cannot hide: a person under another password policy than the
 * one their name's decoy follows (a privileged account whose name is not
 * of privileged_names, or a site policy of its own) prompts or locks
 * otherwise than a decoy of their name; a locked decoy forgotten by the
 * table (only once as many other names were locked, decoy_lock.h) starts
 * afresh, as a locked person's account never does.
 */
#ifndef AUTHD_DECOY_H
#define AUTHD_DECOY_H

#include <stddef.h>
#include <stdint.h>

#define DECOY_SHAPE_MAX 24      /* bytes of one shape (verifier.h) */
#define DECOY_SEED_LEN  32
#define DECOY_TAG_LEN   16      /* decoy_name_tag (decoy_lock.h) */

struct decoy_stats;

/* key: keylen bytes (derived, not the site key itself), or NULL: random. */
int decoy_stats_new(const unsigned char *key, size_t keylen,
    struct decoy_stats **ds_r);
void decoy_stats_free(struct decoy_stats **dsp);
/* A real plan of policy was made for someone who can use the methods in
 * mask (bit i: verifiers_all[i]), among those the policy allows. */
void decoy_note(struct decoy_stats *ds, const char *policy, unsigned mask);
/* The enrolment for a decoy of name under policy: 1 with *mask_r, 0 when none is known yet. */
int decoy_pick(struct decoy_stats *ds, const char *policy, const char *name,
    unsigned *mask_r);
/* A real enrolment of method had this shape (len <= DECOY_SHAPE_MAX bytes). */
void decoy_note_shape(struct decoy_stats *ds, const char *method,
    const uint8_t *shape, size_t len);
/* The shape for a decoy of name: 1 with it in shape and *len_r, 0 when none is known yet. */
int decoy_pick_shape(struct decoy_stats *ds, const char *method,
    const char *name, uint8_t shape[DECOY_SHAPE_MAX], size_t *len_r);
/* What a decoy of name derives its made-up identifiers from (an HMAC of the
 * name under the decoys' key); random when ds is NULL. */
int decoy_name_seed(struct decoy_stats *ds, const char *name,
    uint8_t seed[DECOY_SEED_LEN]);

/*
 * What the decoy locks (decoy_lock.h) know a name by: a keyed hash of the
 * name as the directory compares it, under the decoys' key, never the
 * name itself. key_id: 16 hex digits naming that key (a hash of it), so
 * that locks kept under another key are not read. tag: AUTHD_OK, or an
 * error when ds is NULL.
 */
int decoy_name_tag(struct decoy_stats *ds, const char *name,
    uint8_t tag[DECOY_TAG_LEN]);
void decoy_key_id(struct decoy_stats *ds, char out[17]);

/*
 * The name as the directory compares it (uid is caseIgnoreMatch): ASCII
 * letters in lower case, no leading or trailing spaces, inner runs of
 * spaces as one; at most outsz - 1 bytes, NUL-terminated; its length.
 * What a decoy derives from a name is derived from this, or a name whose
 * prompts change with its case is nobody's. (Other characters are kept as
 * they are: the directory's Unicode case folding is not redone here.)
 */
size_t decoy_name_key(const char *name, char *out, size_t outsz);

/*
 * The counts kept across restarts (STATE_DIR/decoys), so that a name's
 * decoy does not change because authd started again. methods: what the
 * masks' bits stand for ("password,totp,fido2,card"); a file written for
 * other methods, or by another version, is not read. save: written whole
 * (0600) beside path, then renamed over it. load: AUTHD_OK (nothing when there is no file), or an
 * error with why and nothing loaded. dirty: notes since the last save.
 */
int decoy_stats_save(struct decoy_stats *ds, const char *path,
    const char *methods);
int decoy_stats_load(struct decoy_stats *ds, const char *path,
    const char *methods, char *why, size_t whylen);
int decoy_stats_dirty(struct decoy_stats *ds);

/*
 * The reading both state files share (this one's and decoy_lock.h's): the
 * first line must be head exactly ("MAGIC ...\n"; another MAGIC is another
 * version, the rest other than head is other_why), then each line, without
 * its newline, to on_line (non-zero: malformed). AUTHD_OK, also when there
 * is no file; else an error with why (unreadable, a line too long or cut
 * short, another version, other_why, malformed at line N, empty), and the
 * caller drops what on_line took: all or nothing.
 */
int decoy_state_read(const char *path, const char *magic, const char *head,
    const char *other_why, int (*on_line)(void *arg, char *line), void *arg,
    char *why, size_t whylen);

#endif
