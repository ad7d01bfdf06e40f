/*
 * Decoys that look like real plans. A person's prompts follow what they
 * enrolled (password and TOTP code, password and card PIN, ...); a name
 * that is nobody's, or that the caller may not test, gets a decoy plan
 * (plan.h). If the decoy were one fixed plan, a name whose prompts differ
 * from it would be a real person's. So a decoy takes the methods of a real
 * plan instead: of the method sets real plans of the same policy used
 * since authd started (counted as they are made), the one a keyed hash of
 * the name picks, each in proportion to its use (weighted rendezvous
 * hashing: a name keeps its pick while the counts move, unless it sits
 * near a boundary). The same name gets the same prompts from one login to
 * the next, across restarts too when the key comes from the site key
 * (totp_key_file) — the counts are saved in the state folder every minute
 * and when authd stops —; without a site key the key is random per start,
 * and a name's decoy may change when authd restarts. Before any real plan of a policy is made,
 * the decoy is every allowed method as if enrolled.
 *
 * What it cannot hide: someone who knows how a given person logs in, and
 * sees other prompts for that name, may conclude it is not that person's;
 * someone who sees a name's prompts change with no re-enrolment (a name
 * near a boundary as the counts move) may suspect a decoy.
 */
#ifndef AUTHD_DECOY_H
#define AUTHD_DECOY_H

#include <stddef.h>

struct decoy_stats;

/* key: keylen bytes (derived, not the site key itself), or NULL: random. */
int decoy_stats_new(const unsigned char *key, size_t keylen,
    struct decoy_stats **ds_r);
void decoy_stats_free(struct decoy_stats **dsp);
/* A real plan of policy asked the methods in mask (bit i: verifiers_all[i]). */
void decoy_note(struct decoy_stats *ds, const char *policy, unsigned mask);
/* The method set for a decoy of name under policy: 1 with *mask_r, 0 when none is known yet. */
int decoy_pick(struct decoy_stats *ds, const char *policy, const char *name,
    unsigned *mask_r);

/*
 * The counts kept across restarts (STATE_DIR/decoys), so that a name's
 * decoy does not change because authd started again. methods: what the
 * masks' bits stand for ("password,totp,fido2,card"); a file written for
 * other methods is not read. save: written whole (0600) beside path, then
 * renamed over it. load: AUTHD_OK (nothing when there is no file), or an
 * error with why and nothing loaded. dirty: notes since the last save.
 */
int decoy_stats_save(struct decoy_stats *ds, const char *path,
    const char *methods);
int decoy_stats_load(struct decoy_stats *ds, const char *path,
    const char *methods, char *why, size_t whylen);
int decoy_stats_dirty(struct decoy_stats *ds);

#endif
