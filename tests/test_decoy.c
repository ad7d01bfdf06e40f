/*
 * Decoy plans drawn from real ones (authd/decoy.h): no pick before a real
 * plan, one name one pick, picks in proportion to use, and few names moved
 * when the counts move; the same for the shapes of enrolments (a FIDO2
 * step's credential ids), and a name's seed for its made-up identifiers,
 * the same for a name in any case (as the directory compares names); and
 * decoys that lock as people do under ppolicy (authd/decoy_lock.h).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decoy.h"
#include "decoy_lock.h"
#include "err.h"

#define A 0x9u      /* enrolled: password + totp */
#define B 0x3u      /* enrolled: password + card */
#define NAMES 4000

/* FIDO2 shapes (verify_fido2.c): uv, n, then each length on two bytes */
static const uint8_t one64_uv[] = { 1, 1, 0, 64 };
static const uint8_t two_ids[] = { 0, 2, 0, 64, 0, 48 };
static const uint8_t one16_uv[] = { 1, 1, 0, 16 };

static const unsigned char key1[32] = { 1 }, key2[32] = { 2 };

static unsigned
pick(struct decoy_stats *ds, const char *policy, int i)
{
	char name[32];
	unsigned mask = 0;

	snprintf(name, sizeof(name), "name%d", i);
	ck_assert_int_eq(decoy_pick(ds, policy, name, &mask), 1);
	return mask;
}

START_TEST(nothing_before_a_real_plan)
{
	struct decoy_stats *ds = NULL;
	unsigned mask = 0;

	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &ds), AUTHD_OK);
	ck_assert_int_eq(decoy_pick(ds, "default", "nobody", &mask), 0);
	decoy_note(ds, "default", A);
	ck_assert_int_eq(decoy_pick(ds, "other", "nobody", &mask), 0);
	ck_assert_int_eq(decoy_pick(ds, "default", "nobody", &mask), 1);
	ck_assert_uint_eq(mask, A);
	decoy_stats_free(&ds);
	ck_assert_ptr_null(ds);
}
END_TEST

START_TEST(in_proportion_and_stable)
{
	struct decoy_stats *ds = NULL, *other = NULL;
	static unsigned before[NAMES];
	int i, nb = 0, moved = 0, differ = 0;

	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &ds), AUTHD_OK);
	ck_assert_int_eq(decoy_stats_new(key2, sizeof(key2), &other), AUTHD_OK);
	for (i = 0; i < 300; i++) {
		decoy_note(ds, "mfa", A);
		decoy_note(other, "mfa", A);
	}
	for (i = 0; i < 100; i++) {
		decoy_note(ds, "mfa", B);
		decoy_note(other, "mfa", B);
	}
	for (i = 0; i < NAMES; i++) {
		char upper[32];
		unsigned mask = 0;

		before[i] = pick(ds, "mfa", i);
		ck_assert_uint_eq(pick(ds, "mfa", i), before[i]);   /* the same */
		/* in any case, as the directory finds a person */
		snprintf(upper, sizeof(upper), "NAME%d", i);
		ck_assert_int_eq(decoy_pick(ds, "mfa", upper, &mask), 1);
		ck_assert_uint_eq(mask, before[i]);
		nb += before[i] == B;
		differ += pick(other, "mfa", i) != before[i];
	}
	/* a quarter of the names look like card users, as a quarter of the plans */
	ck_assert_msg(nb > NAMES / 4 - NAMES / 20 && nb < NAMES / 4 + NAMES / 20,
	    "%d of %d", nb, NAMES);
	/* another key, another assignment */
	ck_assert_int_gt(differ, NAMES / 10);
	/* one more real plan of each kind: hardly a name changes its prompts */
	decoy_note(ds, "mfa", A);
	decoy_note(ds, "mfa", B);
	for (i = 0; i < NAMES; i++)
		moved += pick(ds, "mfa", i) != before[i];
	ck_assert_msg(moved < NAMES / 100, "%d of %d moved", moved, NAMES);
	decoy_stats_free(&ds);
	decoy_stats_free(&other);
}
END_TEST

/* Which of the three shapes name i got (0, 1, 2), or -1 for none of them. */
static int
pick_shape(struct decoy_stats *ds, int i)
{
	uint8_t shape[DECOY_SHAPE_MAX];
	size_t len = 0;
	char name[32];

	snprintf(name, sizeof(name), "name%d", i);
	ck_assert_int_eq(decoy_pick_shape(ds, "fido2", name, shape, &len), 1);
	if (len == sizeof(one64_uv) && memcmp(shape, one64_uv, len) == 0)
		return 0;
	if (len == sizeof(two_ids) && memcmp(shape, two_ids, len) == 0)
		return 1;
	if (len == sizeof(one16_uv) && memcmp(shape, one16_uv, len) == 0)
		return 2;
	return -1;
}

/*
 * Real people's key steps: 60% list one 64-byte id and ask UV, 25% two
 * ids (64 and 48 bytes) without UV, 15% one 16-byte id with UV. Decoys'
 * steps follow the same distribution, a name keeps its shape, and a shape
 * nobody has is never made up.
 */
START_TEST(shapes_in_proportion_and_stable)
{
	struct decoy_stats *ds = NULL, *other = NULL;
	static int before[NAMES];
	uint8_t shape[DECOY_SHAPE_MAX], big[DECOY_SHAPE_MAX + 1] = { 0 };
	size_t len;
	int i, k, seen[3] = { 0, 0, 0 }, differ = 0;

	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &ds), AUTHD_OK);
	ck_assert_int_eq(decoy_stats_new(key2, sizeof(key2), &other), AUTHD_OK);
	ck_assert_int_eq(decoy_pick_shape(ds, "fido2", "nobody", shape, &len), 0);
	/* too long to keep: not counted */
	decoy_note_shape(ds, "fido2", big, sizeof(big));
	ck_assert_int_eq(decoy_pick_shape(ds, "fido2", "nobody", shape, &len), 0);
	for (i = 0; i < 60; i++)
		for (k = 0; k < 2; k++)
			decoy_note_shape(k ? other : ds, "fido2", one64_uv,
			    sizeof(one64_uv));
	for (i = 0; i < 25; i++)
		for (k = 0; k < 2; k++)
			decoy_note_shape(k ? other : ds, "fido2", two_ids,
			    sizeof(two_ids));
	for (i = 0; i < 15; i++)
		for (k = 0; k < 2; k++)
			decoy_note_shape(k ? other : ds, "fido2", one16_uv,
			    sizeof(one16_uv));
	ck_assert_int_eq(decoy_pick_shape(ds, "card", "nobody", shape, &len), 0);
	for (i = 0; i < NAMES; i++) {
		before[i] = pick_shape(ds, i);
		ck_assert_int_ge(before[i], 0);
		ck_assert_int_eq(pick_shape(ds, i), before[i]);
		seen[before[i]]++;
		differ += pick_shape(other, i) != before[i];
	}
	ck_assert_msg(abs(seen[0] - NAMES * 60 / 100) < NAMES / 25 &&
	    abs(seen[1] - NAMES * 25 / 100) < NAMES / 25 &&
	    abs(seen[2] - NAMES * 15 / 100) < NAMES / 25,
	    "%d %d %d of %d", seen[0], seen[1], seen[2], NAMES);
	ck_assert_int_gt(differ, NAMES / 10);
	decoy_stats_free(&ds);
	decoy_stats_free(&other);
}
END_TEST

/* A name's seed: its own, the same each time, another under another key. */
START_TEST(seed_per_name)
{
	struct decoy_stats *ds = NULL, *other = NULL;
	uint8_t a[DECOY_SEED_LEN], b[DECOY_SEED_LEN], c[DECOY_SEED_LEN];

	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &ds), AUTHD_OK);
	ck_assert_int_eq(decoy_stats_new(key2, sizeof(key2), &other), AUTHD_OK);
	ck_assert_int_eq(decoy_name_seed(ds, "nobody", a), AUTHD_OK);
	ck_assert_int_eq(decoy_name_seed(ds, "nobody", b), AUTHD_OK);
	ck_assert_mem_eq(a, b, sizeof(a));
	ck_assert_int_eq(decoy_name_seed(ds, "nobody2", c), AUTHD_OK);
	ck_assert(memcmp(a, c, sizeof(a)) != 0);
	/* the name as the directory compares it: any case, outer spaces */
	ck_assert_int_eq(decoy_name_seed(ds, " NoBody ", c), AUTHD_OK);
	ck_assert_mem_eq(a, c, sizeof(a));
	ck_assert_int_eq(decoy_name_seed(ds, "no  body", b), AUTHD_OK);
	ck_assert_int_eq(decoy_name_seed(ds, "NO BODY", c), AUTHD_OK);
	ck_assert_mem_eq(b, c, sizeof(b));
	ck_assert_int_eq(decoy_name_seed(other, "nobody", c), AUTHD_OK);
	ck_assert(memcmp(a, c, sizeof(a)) != 0);
	decoy_stats_free(&ds);
	decoy_stats_free(&other);
}
END_TEST

/*
 * The counts kept across restarts: a second run that reads them picks what
 * the first picked for every name; a file of other methods, or broken, is
 * not read (and says why), nothing half-loaded.
 */
START_TEST(counts_kept_across_restarts)
{
	struct decoy_stats *ds = NULL, *again = NULL;
	char dir[] = "/tmp/authd-decoy.XXXXXX", path[64], why[128], cmd[200];
	struct stat st;
	unsigned mask;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/decoys", dir);
	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &ds), AUTHD_OK);
	ck_assert_int_eq(decoy_stats_dirty(ds), 0);
	for (i = 0; i < 30; i++)
		decoy_note(ds, "mfa", A);
	for (i = 0; i < 10; i++)
		decoy_note(ds, "x result=success", B);
	decoy_note(ds, "mfa", B);
	for (i = 0; i < 3; i++)
		decoy_note_shape(ds, "fido2", one64_uv, sizeof(one64_uv));
	decoy_note_shape(ds, "fido2", two_ids, sizeof(two_ids));
	ck_assert_int_eq(decoy_stats_dirty(ds), 1);
	ck_assert_int_eq(decoy_stats_save(ds, path, "password,totp"), AUTHD_OK);
	ck_assert_int_eq(decoy_stats_dirty(ds), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &again), AUTHD_OK);
	ck_assert_int_eq(decoy_stats_load(again, path, "password,totp", why,
	    sizeof(why)), AUTHD_OK);
	for (i = 0; i < 500; i++)
		ck_assert_uint_eq(pick(again, "mfa", i), pick(ds, "mfa", i));
	ck_assert_uint_eq(pick(again, "x result=success", 7), B);
	for (i = 0; i < 500; i++)
		ck_assert_int_eq(pick_shape(again, i), pick_shape(ds, i));
	decoy_stats_free(&again);

	/* written by the version whose masks were the methods asked */
	snprintf(cmd, sizeof(cmd), "printf 'authd-decoys 1 methods=password,"
	    "totp\nmfa 9:30\n' > %s.v1", path);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s.v1", path);
	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &again), AUTHD_OK);
	ck_assert_int_ne(decoy_stats_load(again, cmd, "password,totp", why,
	    sizeof(why)), AUTHD_OK);
	ck_assert_str_eq(why, "written by another version");
	ck_assert_int_eq(decoy_pick(again, "mfa", "name1", &mask), 0);
	ck_assert_int_eq(unlink(cmd), 0);
	decoy_stats_free(&again);

	/* written for other methods: the bits mean other sets */
	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &again), AUTHD_OK);
	ck_assert_int_ne(decoy_stats_load(again, path, "password,totp,fido2",
	    why, sizeof(why)), AUTHD_OK);
	ck_assert_str_eq(why, "written for other methods");
	ck_assert_int_eq(decoy_pick(again, "mfa", "name1", &mask), 0);
	decoy_stats_free(&again);

	/* a broken line: nothing of the file is taken */
	snprintf(cmd, sizeof(cmd), "printf 'zz 3:x\\n' >> %s", path);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &again), AUTHD_OK);
	ck_assert_int_ne(decoy_stats_load(again, path, "password,totp", why,
	    sizeof(why)), AUTHD_OK);
	ck_assert_str_eq(why, "line 5: malformed");
	ck_assert_int_eq(decoy_pick(again, "mfa", "name1", &mask), 0);
	decoy_stats_free(&again);

	/* no file yet: nothing, and no error */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &again), AUTHD_OK);
	ck_assert_int_eq(decoy_stats_load(again, path, "password,totp", why,
	    sizeof(why)), AUTHD_OK);
	decoy_stats_free(&again);
	decoy_stats_free(&ds);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The default policy's rule (ldap_schema/base.ldif.in) */
static const struct lockout_rule rule5 = { 5, 1800, 0 };

static void
tag_of(struct decoy_stats *ds, const char *name, uint8_t tag[DECOY_TAG_LEN])
{
	ck_assert_int_eq(decoy_name_tag(ds, name, tag), AUTHD_OK);
}

/* n attempts at now: how many of them answered as locked. */
static int
attempts(struct decoy_locks *dl, const uint8_t *tag,
    const struct lockout_rule *rule, time_t now, int n)
{
	int locked = 0;

	while (n-- > 0)
		locked += decoy_locks_attempt(dl, tag, rule, now) ==
		    DECOY_LOCK_LOCKED;
	return locked;
}

/*
 * As ppolicy (2.5) locks a person: five failures answer as failures (the
 * fifth sets the lock), the sixth and on are locked until the duration
 * ends; the failures stay, so the next one locks again. The tag is the
 * name as the directory compares it, under the key.
 */
START_TEST(lock_after_max_failures)
{
	struct decoy_stats *ds = NULL, *other = NULL;
	struct decoy_locks *dl = NULL;
	uint8_t tag[DECOY_TAG_LEN], tag2[DECOY_TAG_LEN];
	const time_t t0 = 1700000000;

	ck_assert_int_eq(decoy_stats_new(key1, sizeof(key1), &ds), AUTHD_OK);
	ck_assert_int_eq(decoy_stats_new(key2, sizeof(key2), &other), AUTHD_OK);
	ck_assert_int_eq(decoy_locks_new(64, &dl), AUTHD_OK);
	tag_of(ds, "nobody", tag);
	tag_of(ds, " NoBody", tag2);
	ck_assert_mem_eq(tag, tag2, sizeof(tag));
	tag_of(other, "nobody", tag2);
	ck_assert(memcmp(tag, tag2, sizeof(tag)) != 0);

	ck_assert_int_eq(attempts(dl, tag, &rule5, t0, 5), 0);
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag, &rule5, t0), 1);
	ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 1, 3), 3);
	/* another name, another count */
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag2, &rule5, t0), 0);
	ck_assert_int_eq(attempts(dl, tag2, &rule5, t0, 4), 0);
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag2, &rule5, t0), 0);
	/* the lock lasts pwdLockoutDuration from the failure that set it */
	ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 1799, 1), 1);
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag, &rule5, t0 + 1800), 0);
	/* then one failure locks again (interval 0: failures stay) */
	ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 1800, 1), 0);
	ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 1801, 1), 1);
	ck_assert_uint_eq(decoy_locks_count(dl), 2);
	decoy_locks_free(&dl);
	ck_assert_ptr_null(dl);
	decoy_stats_free(&ds);
	decoy_stats_free(&other);
}
END_TEST

/* pwdLockoutDuration 0: for as long as the name is remembered; no lockout: never. */
START_TEST(lock_duration_and_no_lockout)
{
	static const struct lockout_rule forever = { 3, 0, 0 }, none = { 0, 1800, 0 };
	struct decoy_locks *dl = NULL;
	uint8_t tag[DECOY_TAG_LEN] = { 7 };
	const time_t t0 = 1700000000;

	ck_assert_int_eq(decoy_locks_new(64, &dl), AUTHD_OK);
	ck_assert_int_eq(attempts(dl, tag, &forever, t0, 3), 0);
	ck_assert_int_eq(attempts(dl, tag, &forever, t0 + 10L * 365 * 86400, 1), 1);
	tag[0] = 8;
	ck_assert_int_eq(attempts(dl, tag, &none, t0, 50), 0);
	ck_assert_int_eq(attempts(dl, tag, NULL, t0, 50), 0);
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag, &forever, t0), 0);
	/* nothing counted either: no entry made */
	ck_assert_uint_eq(decoy_locks_count(dl), 1);
	decoy_locks_free(&dl);
}
END_TEST

/* pwdFailureCountInterval: only the failures within it count. */
START_TEST(lock_within_interval)
{
	static const struct lockout_rule rule = { 3, 60, 10 };
	struct decoy_locks *dl = NULL;
	uint8_t tag[DECOY_TAG_LEN] = { 1, 2, 3 };
	const time_t t0 = 1700000000;

	ck_assert_int_eq(decoy_locks_new(64, &dl), AUTHD_OK);
	ck_assert_int_eq(attempts(dl, tag, &rule, t0, 1), 0);
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 5, 1), 0);
	/* t0 and t0 + 5 are more than 10 s back: not counted */
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 20, 1), 0);
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag, &rule, t0 + 20), 0);
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 21, 1), 0);
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag, &rule, t0 + 21), 0);
	/* the third within 10 s sets the lock */
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 25, 1), 0);
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 26, 1), 1);
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 84, 1), 1);
	/* the lock over and the failures old: counting starts again */
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 85, 2), 0);
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 86, 1), 0);
	ck_assert_int_eq(attempts(dl, tag, &rule, t0 + 86, 1), 1);
	decoy_locks_free(&dl);
}
END_TEST

/*
 * Bounded: a full set gives up its least recently used name whose lock
 * does not hold; names tried once never push out a locked one, which goes
 * (the least recently used first) only when all of its set are locked, or
 * like any other once its lock has ended. (Capacity 8: one set.)
 */
START_TEST(least_recent_evicted)
{
	struct decoy_locks *dl = NULL;
	uint8_t tag[DECOY_TAG_LEN] = { 0 }, locked[DECOY_TAG_LEN] = { 0xee };
	const time_t t0 = 1700000000;
	int i;

	ck_assert_int_eq(decoy_locks_new(DECOY_LOCK_WAYS, &dl), AUTHD_OK);
	ck_assert_int_eq(attempts(dl, locked, &rule5, t0, 5), 0);
	for (i = 1; i < DECOY_LOCK_WAYS; i++) {
		tag[0] = (uint8_t)i;
		ck_assert_int_eq(attempts(dl, tag, &rule5, t0, 1), 0);
	}
	ck_assert_uint_eq(decoy_locks_count(dl), DECOY_LOCK_WAYS);
	/* used again: the oldest is now tag 1, which goes for a new name */
	ck_assert_int_eq(attempts(dl, locked, &rule5, t0 + 1, 1), 1);
	tag[0] = 100;
	ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 1, 1), 0);
	ck_assert_uint_eq(decoy_locks_count(dl), DECOY_LOCK_WAYS);
	ck_assert_int_eq(decoy_locks_is_locked(dl, locked, &rule5, t0 + 2), 1);
	/* many times as many new names as the table holds: still locked */
	for (i = 0; i < 4 * DECOY_LOCK_WAYS; i++) {
		tag[0] = (uint8_t)(101 + i);
		ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 3, 1), 0);
	}
	ck_assert_uint_eq(decoy_locks_count(dl), DECOY_LOCK_WAYS);
	ck_assert_int_eq(decoy_locks_is_locked(dl, locked, &rule5, t0 + 3), 1);
	/* the others locked too (the last of them after it): it is the
	 * least recently used of a set all locked, and goes for a new name */
	for (i = 0; i < DECOY_LOCK_WAYS - 1; i++) {
		tag[0] = (uint8_t)(200 + i);
		ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 4, 5), 0);
		ck_assert_int_eq(decoy_locks_is_locked(dl, tag, &rule5, t0 + 4), 1);
	}
	ck_assert_int_eq(decoy_locks_is_locked(dl, locked, &rule5, t0 + 4), 1);
	tag[0] = 250;
	ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 5, 1), 0);
	ck_assert_int_eq(decoy_locks_is_locked(dl, locked, &rule5, t0 + 5), 0);
	ck_assert_int_eq(attempts(dl, locked, &rule5, t0 + 5, 1), 0);
	/* a lock that has ended holds nothing back: the least recently used
	 * of those goes (200; it would still be locked a second earlier) */
	tag[0] = 251;
	ck_assert_int_eq(attempts(dl, tag, &rule5, t0 + 4 + 1800, 1), 0);
	tag[0] = 200;
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag, &rule5, t0 + 4 + 1799), 0);
	tag[0] = 201;
	ck_assert_int_eq(decoy_locks_is_locked(dl, tag, &rule5, t0 + 4 + 1799), 1);
	decoy_locks_free(&dl);
}
END_TEST

/*
 * Kept across restarts: locks and counts read back as they were; a file
 * of another key or version, broken or cut short, is not read (and says
 * why), nothing half-loaded.
 */
START_TEST(locks_kept_across_restarts)
{
	struct decoy_locks *dl = NULL, *again = NULL;
	char dir[] = "/tmp/authd-decoy.XXXXXX", path[64], other[80], why[128],
	    cmd[300];
	uint8_t a[DECOY_TAG_LEN] = { 0xa }, b[DECOY_TAG_LEN] = { 0xb };
	const time_t t0 = 1700000000;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/decoy-locks", dir);
	snprintf(other, sizeof(other), "%s.other", path);
	ck_assert_int_eq(decoy_locks_new(64, &dl), AUTHD_OK);
	ck_assert_int_eq(decoy_locks_dirty(dl), 0);
	ck_assert_int_eq(attempts(dl, a, &rule5, t0, 5), 0);    /* locked */
	ck_assert_int_eq(attempts(dl, b, &rule5, t0, 4), 0);    /* one to go */
	ck_assert_int_eq(decoy_locks_dirty(dl), 1);
	ck_assert_int_eq(decoy_locks_save(dl, path, "0123456789abcdef"), AUTHD_OK);
	ck_assert_int_eq(decoy_locks_dirty(dl), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	ck_assert_int_eq(decoy_locks_new(64, &again), AUTHD_OK);
	ck_assert_int_eq(decoy_locks_load(again, path, "0123456789abcdef", why,
	    sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(decoy_locks_count(again), 2);
	ck_assert_int_eq(decoy_locks_is_locked(again, a, &rule5, t0 + 60), 1);
	ck_assert_int_eq(decoy_locks_is_locked(again, a, &rule5, t0 + 1800), 0);
	ck_assert_int_eq(attempts(again, b, &rule5, t0 + 60, 1), 0);
	ck_assert_int_eq(attempts(again, b, &rule5, t0 + 61, 1), 1);
	decoy_locks_free(&again);

	/* another key: its tags name nobody here */
	ck_assert_int_eq(decoy_locks_new(64, &again), AUTHD_OK);
	ck_assert_int_ne(decoy_locks_load(again, path, "fedcba9876543210", why,
	    sizeof(why)), AUTHD_OK);
	ck_assert_str_eq(why, "written under another key");
	ck_assert_uint_eq(decoy_locks_count(again), 0);
	decoy_locks_free(&again);

	/* another version */
	snprintf(cmd, sizeof(cmd), "sed '1s/locks 1/locks 0/' %s > %s", path,
	    other);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(decoy_locks_new(64, &again), AUTHD_OK);
	ck_assert_int_ne(decoy_locks_load(again, other, "0123456789abcdef", why,
	    sizeof(why)), AUTHD_OK);
	ck_assert_str_eq(why, "written by another version");
	ck_assert_uint_eq(decoy_locks_count(again), 0);
	decoy_locks_free(&again);

	/* a broken line after good ones: nothing of the file is taken */
	snprintf(cmd, sizeof(cmd), "cp %s %s && printf '0a 3 0 x\\n' >> %s",
	    path, other, other);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(decoy_locks_new(64, &again), AUTHD_OK);
	ck_assert_int_ne(decoy_locks_load(again, other, "0123456789abcdef", why,
	    sizeof(why)), AUTHD_OK);
	ck_assert_str_eq(why, "line 4: malformed");
	ck_assert_uint_eq(decoy_locks_count(again), 0);
	ck_assert_int_eq(decoy_locks_is_locked(again, a, &rule5, t0 + 60), 0);
	decoy_locks_free(&again);

	/* cut short (a crash while writing leaves .new, never this; still) */
	snprintf(cmd, sizeof(cmd), "head -c -3 %s > %s", path, other);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(decoy_locks_new(64, &again), AUTHD_OK);
	ck_assert_int_ne(decoy_locks_load(again, other, "0123456789abcdef", why,
	    sizeof(why)), AUTHD_OK);
	ck_assert_str_eq(why, "line 3: too long or cut short");
	ck_assert_uint_eq(decoy_locks_count(again), 0);
	decoy_locks_free(&again);
	ck_assert_int_eq(unlink(other), 0);

	/* no file yet: nothing, and no error */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(decoy_locks_new(64, &again), AUTHD_OK);
	ck_assert_int_eq(decoy_locks_load(again, path, "0123456789abcdef", why,
	    sizeof(why)), AUTHD_OK);
	decoy_locks_free(&again);
	decoy_locks_free(&dl);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *
decoy_suite(void)
{
	Suite *s = suite_create("decoy");
	TCase *tc = tcase_create("decoy");

	tcase_add_test(tc, nothing_before_a_real_plan);
	tcase_add_test(tc, in_proportion_and_stable);
	tcase_add_test(tc, shapes_in_proportion_and_stable);
	tcase_add_test(tc, seed_per_name);
	tcase_add_test(tc, counts_kept_across_restarts);
	suite_add_tcase(s, tc);
	tc = tcase_create("lock");
	tcase_add_test(tc, lock_after_max_failures);
	tcase_add_test(tc, lock_duration_and_no_lockout);
	tcase_add_test(tc, lock_within_interval);
	tcase_add_test(tc, least_recent_evicted);
	tcase_add_test(tc, locks_kept_across_restarts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(decoy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
