/* The hash-chained audit log: writing, and finding what was done to it. */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "log.h"

/*
 * audit.c's fdatasync is this one (the executable's symbol comes first):
 * it fails while sync_fail is set, as a disk does when a write-back fails,
 * and counts the calls.
 */
static int sync_fail, sync_calls;

int
fdatasync(int fd)
{
	sync_calls++;
	if (sync_fail) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

static char dir[PATH_MAX];
static char logpath[PATH_MAX + 32];

static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/authd-audit.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/audit.log", dir);
}

static void
teardown(void)
{
	char p[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int
append_one(struct authd_audit *a, const char *user, const char *result)
{
	struct authd_audit_event ev = {
		.event = "authenticate",
		.user = user,
		.service = "login",
		.tty = "/dev/tty1",
		.rhost = NULL,
		.peer_uid = 0,
		.peer_pid = 1234,
		.result = result,
		.reason = "wrong password",
		.extra = " factor=password",
	};

	return authd_audit_append(a, &ev);
}

/* Write records "u<from>" .. "u<to>" with a fresh handle. */
static void
write_records(const char *path, int from, int to)
{
	struct authd_audit *a = NULL;
	char user[32];
	int i;

	ck_assert_int_eq(authd_audit_open(path, "host1", "test", 0, &a), AUTHD_OK);
	for (i = from; i <= to; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		ck_assert_int_eq(append_one(a, user, "auth_err"), AUTHD_OK);
	}
	authd_audit_close(&a);
	ck_assert_ptr_null(a);
}

/* The file as lines (each with its newline); returns the count. */
static size_t
read_lines(const char *path, char lines[][2048], size_t max)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	ck_assert_ptr_nonnull(f);
	while (n < max && fgets(lines[n], 2048, f) != NULL)
		n++;
	fclose(f);
	return n;
}

static void
write_lines(const char *path, char lines[][2048], const size_t *order, size_t n)
{
	FILE *f = fopen(path, "w");
	size_t i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < n; i++)
		fputs(lines[order[i]], f);
	ck_assert_int_eq(fclose(f), 0);
}

static struct authd_audit_torn torn;     /* from the last verify() */

static int
verify(const char *path, size_t *records_r, size_t *bad_r, char *why, size_t whylen)
{
	return authd_audit_verify(path, records_r, bad_r, &torn, why, whylen);
}

START_TEST(ten_records_verify)
{
	char lines[16][2048], why[256];
	size_t records, bad;

	write_records(logpath, 1, 10);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 10);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	/* What an auditor reads. */
	ck_assert(strncmp(lines[0], "seq=1 time=", 11) == 0);
	ck_assert_ptr_nonnull(strstr(lines[0], " host=host1 prog=test "
	    "event=authenticate user=u1 service=login tty=/dev/tty1 rhost=- "
	    "peer_uid=0 peer_pid=1234 result=auth_err "
	    "reason=wrong\\x20password factor=password prev="
	    "0000000000000000000000000000000000000000000000000000000000000000 hash="));
	ck_assert(strstr(lines[0], "clock=sync ") != NULL ||
	    strstr(lines[0], "clock=unsync ") != NULL);
	ck_assert(strncmp(lines[9], "seq=10 ", 7) == 0);
	/* Reopening continues the chain. */
	write_records(logpath, 11, 12);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 12);
}
END_TEST

START_TEST(empty_and_missing)
{
	struct authd_audit *a = NULL;
	char why[256], p[PATH_MAX + 64];
	size_t records = 99, bad = 99;

	ck_assert_int_eq(authd_audit_open(logpath, "h", "test", 1, &a), AUTHD_OK);
	authd_audit_close(&a);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 0);
	snprintf(p, sizeof(p), "%s/nodir/audit.log", dir);
	ck_assert_int_lt(authd_audit_open(p, "h", "test", 1, &a), 0);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(verify(p, &records, &bad, why, sizeof(why)), AUTHD_ERR_IO);
}
END_TEST

/* authctl joins authd's log: a missing one (rotated away) is not created. */
START_TEST(existing_only)
{
	struct authd_audit *a = NULL;
	struct stat st;

	ck_assert_int_eq(authd_audit_open(logpath, "h", "authctl",
	    AUTHD_AUDIT_EXISTING | AUTHD_AUDIT_FSYNC, &a), AUTHD_ERR_IO);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(stat(logpath, &st), -1);
	write_records(logpath, 1, 2);
	ck_assert_int_eq(authd_audit_open(logpath, "h", "authctl",
	    AUTHD_AUDIT_EXISTING, &a), AUTHD_OK);
	ck_assert_int_eq(append_one(a, "u3", "success"), AUTHD_OK);
	authd_audit_close(&a);
}
END_TEST

START_TEST(file_mode)
{
	struct stat st;

	write_records(logpath, 1, 1);
	ck_assert_int_eq(stat(logpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(edited_record)
{
	char lines[16][2048], why[256], *p;
	size_t order[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, records, bad;

	write_records(logpath, 1, 10);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	/* Turn a refusal of u4 into a success. */
	ck_assert_ptr_nonnull(p = strstr(lines[3], "result=auth_err"));
	memcpy(p, "result=success ", 15);
	ck_assert_ptr_nonnull(strstr(lines[3], "result=success  reason"));
	write_lines(logpath, lines, order, 10);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 4);
	ck_assert_uint_eq(records, 3);
	ck_assert_str_eq(why, "line 4: record altered (hash mismatch)");
}
END_TEST

START_TEST(deleted_record)
{
	char lines[16][2048], why[256];
	size_t order[9] = { 0, 1, 2, 3, 5, 6, 7, 8, 9 }, records, bad;

	write_records(logpath, 1, 10);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	write_lines(logpath, lines, order, 9);   /* without record 5 */
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 5);
	ck_assert_str_eq(why, "line 5: record missing before this one (seq 6 after 4)");
}
END_TEST

START_TEST(deleted_records)
{
	char lines[16][2048], why[256];
	size_t order[7] = { 0, 1, 5, 6, 7, 8, 9 }, first[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	size_t records, bad;

	write_records(logpath, 1, 10);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	write_lines(logpath, lines, order, 7);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 3);
	ck_assert_str_eq(why, "line 3: 3 records missing before this one (seq 6 after 2)");

	/* The first record removed. */
	write_lines(logpath, lines, first, 9);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 1);
	ck_assert_str_eq(why, "line 1: records missing before this one "
	    "(the file starts at seq 2)");
}
END_TEST

START_TEST(swapped_records)
{
	char lines[16][2048], why[256];
	size_t order[10] = { 0, 1, 3, 2, 4, 5, 6, 7, 8, 9 }, records, bad;

	write_records(logpath, 1, 10);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	write_lines(logpath, lines, order, 10);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 3);
	ck_assert_str_eq(why, "line 3: records out of order (seq 4 after 2; "
	    "seq 3 is at line 4)");
}
END_TEST

START_TEST(duplicated_record)
{
	char lines[16][2048], why[256];
	size_t order[11] = { 0, 1, 2, 3, 4, 4, 5, 6, 7, 8, 9 }, records, bad;

	write_records(logpath, 1, 10);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	write_lines(logpath, lines, order, 11);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 6);
	ck_assert_str_eq(why, "line 6: record 5 appears twice (a copy of line 5)");
}
END_TEST

START_TEST(spliced_chains)
{
	char a[16][2048], b[16][2048], why[256], other[PATH_MAX + 64];
	size_t order[5] = { 0, 1, 2, 3, 4 }, records, bad;

	/* Records 1-3 of one log followed by records 4-5 of another. */
	snprintf(other, sizeof(other), "%s/other.log", dir);
	write_records(logpath, 1, 5);
	write_records(other, 101, 105);
	ck_assert_uint_eq(read_lines(logpath, a, 16), 5);
	ck_assert_uint_eq(read_lines(other, b, 16), 5);
	memcpy(a[3], b[3], sizeof(a[3]));
	memcpy(a[4], b[4], sizeof(a[4]));
	write_lines(logpath, a, order, 5);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 4);
	ck_assert_str_eq(why, "line 4: chain broken (prev does not match line 3)");
}
END_TEST

START_TEST(truncated_last_line)
{
	char lines[16][2048], why[256];
	size_t order[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, records, bad;

	write_records(logpath, 1, 10);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	lines[9][strlen(lines[9]) / 2] = '\0';   /* a write cut by a crash */
	write_lines(logpath, lines, order, 10);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 10);
	ck_assert_uint_eq(records, 9);
	ck_assert_str_eq(why, "line 10: truncated last record (incomplete write)");

	/*
	 * A writer carries on after the torn record (refusing every login
	 * forever would be worse), ending its line first. verify steps over it,
	 * says where it was, and checks everything after it.
	 */
	write_records(logpath, 11, 12);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 12);
	ck_assert(strncmp(lines[10], "seq=10 ", 7) == 0);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 11);
	ck_assert_uint_eq(torn.n, 1);
	ck_assert_uint_eq(torn.line[0], 10);
	ck_assert_str_eq(why, "line 10: a record cut short by a crash, stepped over "
	    "(the chain continues across it)");
	/* an edit after the torn line is still found */
	lines[11][20] ^= 1;
	write_lines(logpath, lines, (size_t[]){ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11 }, 12);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 12);
	/* a line that is not the start of the next record is not stepped over */
	lines[11][20] ^= 1;
	snprintf(lines[9], sizeof(lines[9]), "seq=7 forged\n");
	write_lines(logpath, lines, (size_t[]){ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11 }, 12);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 10);
	/* nor one the record after it does not continue the chain over */
	snprintf(lines[9], sizeof(lines[9]), "seq=10 time=\n");
	write_lines(logpath, lines, (size_t[]){ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11 },
	    11);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 10);
}
END_TEST

/*
 * A rotated log (renamed away): the writer syncs the old file and goes on
 * in a new one at the same path, its first record tying it to the old
 * chain's end; both verify on their own.
 */
START_TEST(rotated_log_goes_on_in_a_new_file)
{
	char lines[16][2048], old_lines[16][2048], rotated_path[PATH_MAX + 40];
	char why[256], want[160];
	struct authd_audit *a = NULL;
	size_t records, bad;
	int rotated;

	ck_assert_int_eq(authd_audit_open(logpath, "host1", "test",
	    AUTHD_AUDIT_FSYNC, &a), AUTHD_OK);
	ck_assert_int_eq(append_one(a, "u1", "success"), AUTHD_OK);
	ck_assert_int_eq(append_one(a, "u2", "success"), AUTHD_OK);
	ck_assert_int_eq(append_one(a, "u3", "success"), AUTHD_OK);
	/* not rotated: nothing happens */
	ck_assert_int_eq(authd_audit_reopen(a, &rotated), AUTHD_OK);
	ck_assert_int_eq(rotated, 0);
	snprintf(rotated_path, sizeof(rotated_path), "%s.1", logpath);
	ck_assert_int_eq(rename(logpath, rotated_path), 0);
	ck_assert_int_eq(authd_audit_reopen(a, &rotated), AUTHD_OK);
	ck_assert_int_eq(rotated, 1);
	ck_assert_int_eq(append_one(a, "u4", "success"), AUTHD_OK);
	authd_audit_close(&a);

	ck_assert_uint_eq(read_lines(rotated_path, old_lines, 16), 3);
	ck_assert_int_eq(verify(rotated_path, &records, &bad, why, sizeof(why)),
	    AUTHD_OK);
	ck_assert_uint_eq(records, 3);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 2);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
	    AUTHD_OK);
	ck_assert_uint_eq(records, 2);
	ck_assert(strncmp(lines[0], "seq=1 ", 6) == 0);
	ck_assert_ptr_nonnull(strstr(lines[0], " event=audit_continue "));
	snprintf(want, sizeof(want), " prev_file_seq=3 prev_file_hash=%.64s ",
	    strstr(old_lines[2], " hash=") + 6);
	ck_assert_msg(strstr(lines[0], want) != NULL, "%s", lines[0]);
	ck_assert_ptr_nonnull(strstr(lines[1], " user=u4 "));
	ck_assert_int_eq(unlink(rotated_path), 0);
}
END_TEST

/* Append n NUL bytes to path: blocks whose size reached the disk, not their data. */
static void
append_zeros(const char *path, size_t n)
{
	static const char z[4096];
	FILE *f = fopen(path, "a");
	size_t k;

	ck_assert_ptr_nonnull(f);
	for (; n > 0; n -= k) {
		k = n < sizeof(z) ? n : sizeof(z);
		ck_assert_uint_eq(fwrite(z, 1, k, f), k);
	}
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * A crash can leave zeros at the end of the log (audit_fsync = no, or a file
 * system without ordered data), a few bytes or megabytes: the next writer
 * starts (it refused to, past 128 KiB), ends their line, and goes on from
 * the record before them; verify steps over them and says so.
 */
START_TEST(zeros_left_by_a_crash)
{
	char tail[1024], why[256];
	FILE *f;
	size_t records, bad, sizes[2] = { 300, 3 * 128 * 1024 }, i;

	for (i = 0; i < 2; i++) {
		(void)unlink(logpath);
		write_records(logpath, 1, 5);
		append_zeros(logpath, sizes[i]);
		write_records(logpath, 6, 7);
		ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
		    AUTHD_OK);
		ck_assert_uint_eq(records, 7);
		ck_assert_uint_eq(torn.n, 1);
		ck_assert_uint_eq(torn.line[0], 6);
		ck_assert_str_eq(why, "line 6: zeros where a crash lost records "
		    "before they reached the disk, stepped over (the chain "
		    "continues across it)");
	}
	/* the writer ended the zeros' line before its first record */
	f = fopen(logpath, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, -(long)sizeof(tail), SEEK_END), 0);
	ck_assert_uint_eq(fread(tail, 1, sizeof(tail), f), sizeof(tail));
	fclose(f);
	ck_assert_ptr_nonnull(memmem(tail, sizeof(tail), "\0\nseq=6 ", 8));
	/* zeros with nothing after them are not yet known to be a crash's */
	append_zeros(logpath, 100);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
	    AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 9);
}
END_TEST

/* Cut just before its newline, a record is whole: the chain goes on from it. */
START_TEST(record_cut_before_its_newline)
{
	char lines[16][2048], why[256];
	size_t order[5] = { 0, 1, 2, 3, 4 }, records, bad;

	write_records(logpath, 1, 5);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 5);
	lines[4][strlen(lines[4]) - 1] = '\0';
	write_lines(logpath, lines, order, 5);
	write_records(logpath, 6, 6);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 6);
	ck_assert(strncmp(lines[5], "seq=6 ", 6) == 0);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 6);
	ck_assert_uint_eq(torn.n, 0);
}
END_TEST

/* A checkpoint of line (0-based) i of lines, as authd would take it. */
static void
checkpoint_of(char lines[][2048], size_t i, struct authd_audit_checkpoint *cp)
{
	const char *h = strstr(lines[i], " hash=");

	ck_assert_ptr_nonnull(h);
	memset(cp, 0, sizeof(*cp));
	cp->seq = i + 1;
	memcpy(cp->hash, h + 6, AUTHD_AUDIT_HASH_LEN);
	snprintf(cp->time, sizeof(cp->time), "T%zu", i + 1);
}

/*
 * What the file alone cannot show, checkpoints kept elsewhere do: records
 * cut off the end, and a tail written again with every hash recomputed.
 */
START_TEST(checkpoints_find_cut_and_rewritten_tails)
{
	char lines[16][2048], why[256], chain[AUTHD_AUDIT_HASH_LEN + 1];
	struct authd_audit_checkpoint cps[2], head;
	struct authd_audit *a = NULL;
	size_t records, bad, matched;

	/* the head authd would checkpoint: the last record synced */
	ck_assert_int_eq(authd_audit_open(logpath, "host1", "test",
	    AUTHD_AUDIT_FSYNC, &a), AUTHD_OK);
	ck_assert_int_eq(authd_audit_head(a, &head), AUTHD_ERR_MISSING);
	ck_assert_int_eq(append_one(a, "u1", "success"), AUTHD_OK);
	authd_audit_close(&a);
	write_records(logpath, 2, 10);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	ck_assert_int_eq(authd_audit_open(logpath, "host1", "test",
	    AUTHD_AUDIT_FSYNC, &a), AUTHD_OK);
	ck_assert_int_eq(append_one(a, "u11", "success"), AUTHD_OK);
	ck_assert_int_eq(authd_audit_head(a, &head), AUTHD_OK);
	authd_audit_close(&a);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 11);
	checkpoint_of(lines, 10, &cps[0]);
	ck_assert_uint_eq(head.seq, 11);
	ck_assert_str_eq(head.hash, cps[0].hash);
	/* the chain is named by its first record */
	checkpoint_of(lines, 0, &cps[0]);
	ck_assert_str_eq(head.chain, cps[0].hash);
	ck_assert_int_eq(authd_audit_chain_of(logpath, chain), AUTHD_OK);
	ck_assert_str_eq(chain, head.chain);

	checkpoint_of(lines, 7, &cps[0]);
	checkpoint_of(lines, 2, &cps[1]);
	ck_assert_int_eq(authd_audit_verify_checkpoints(logpath, cps, 2, &matched,
	    &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(matched, 2);
	ck_assert_uint_eq(cps[0].seq, 3);       /* sorted */

	/* the last five lines cut: an intact chain, but seq 8 was checkpointed */
	write_lines(logpath, lines, (size_t[]){ 0, 1, 2, 3, 4, 5 }, 6);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_int_eq(authd_audit_verify_checkpoints(logpath, cps, 2, &matched,
	    &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_str_eq(why, "records removed from the end: the file ends at "
	    "seq 6, a checkpoint taken at T8 names seq 8");

	/* cut after line 4 and written again: a chain that verifies */
	write_lines(logpath, lines, (size_t[]){ 0, 1, 2, 3 }, 4);
	write_records(logpath, 105, 112);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 12);
	ck_assert_int_eq(authd_audit_verify_checkpoints(logpath, cps, 2, &matched,
	    &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 8);
	ck_assert_str_eq(why, "line 8: record seq 8 is not the one checkpointed "
	    "at T8 (rewritten since)");
	ck_assert_uint_eq(matched, 1);
}
END_TEST

/*
 * Cutting records off the END leaves an intact, shorter chain: the file alone
 * cannot show it (checkpoints kept elsewhere do, above). This test pins down that limit so
 * that nobody believes otherwise.
 */
START_TEST(removed_tail_is_not_detectable)
{
	char lines[16][2048], why[256];
	size_t order[8] = { 0, 1, 2, 3, 4, 5, 6, 7 }, records, bad;

	write_records(logpath, 1, 10);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 10);
	write_lines(logpath, lines, order, 8);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 8);
}
END_TEST

START_TEST(two_writers_interleaved)
{
	struct authd_audit *a = NULL, *b = NULL;
	char why[256], lines[32][2048];
	size_t records, bad;
	int i;

	ck_assert_int_eq(authd_audit_open(logpath, "host1", "authd", 0, &a), AUTHD_OK);
	ck_assert_int_eq(authd_audit_open(logpath, "host1", "authctl", 1, &b), AUTHD_OK);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(append_one(a, "fromA", "success"), AUTHD_OK);
		ck_assert_int_eq(append_one(b, "fromB", "success"), AUTHD_OK);
		if (i % 3 == 0)
			ck_assert_int_eq(append_one(b, "fromB", "success"), AUTHD_OK);
	}
	authd_audit_close(&a);
	authd_audit_close(&b);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 24);
	ck_assert_uint_eq(read_lines(logpath, lines, 32), 24);
	ck_assert_ptr_nonnull(strstr(lines[0], "prog=authd "));
	ck_assert_ptr_nonnull(strstr(lines[1], "prog=authctl "));
	ck_assert(strncmp(lines[23], "seq=24 ", 7) == 0);
}
END_TEST

/* Two processes appending at once: the lock keeps one chain, whatever the timing. */
START_TEST(two_processes)
{
	char why[256];
	size_t records, bad;
	pid_t pid[2];
	int i, j, st;

	write_records(logpath, 1, 1);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ck_assert_int_ne(pid[i], -1);
		if (pid[i] == 0) {
			struct authd_audit *a = NULL;
			int bad_appends = 0;

			if (authd_audit_open(logpath, "h", i == 0 ? "p0" : "p1", 0,
			    &a) != AUTHD_OK)
				_exit(2);
			for (j = 0; j < 300; j++)
				if (append_one(a, "concurrent", "success") != AUTHD_OK)
					bad_appends++;
			authd_audit_close(&a);
			_exit(bad_appends == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 601);
}
END_TEST

static void *
thread_writer(void *arg)
{
	struct authd_audit *a = arg;
	long failed = 0;
	int i;

	for (i = 0; i < 200; i++)
		if (append_one(a, "threaded", "success") != AUTHD_OK)
			failed++;
	return (void *)failed;
}

/* Threads sharing one handle (authd's workers), each record synced. */
START_TEST(threads_share_handle)
{
	struct authd_audit *a = NULL;
	pthread_t t[4];
	void *failed;
	char why[256];
	size_t records, bad;
	int i;

	ck_assert_int_eq(authd_audit_open(logpath, "h", "authd", 1, &a), AUTHD_OK);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, thread_writer, a), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &failed), 0);
		ck_assert_ptr_null(failed);
	}
	authd_audit_close(&a);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 800);
}
END_TEST

/* A write that cannot complete fails the append and leaves no partial record. */
START_TEST(failed_write_refuses)
{
	struct stat st;
	char why[256];
	size_t records, bad;
	pid_t pid;
	int status;

	write_records(logpath, 1, 3);
	ck_assert_int_eq(stat(logpath, &st), 0);
	/* A child of its own, so that the file size limit stays there. */
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct authd_audit *a = NULL;
		struct rlimit rl;
		int ok = 1;

		signal(SIGXFSZ, SIG_IGN);
		if (authd_audit_open(logpath, "h", "test", 1, &a) != AUTHD_OK)
			_exit(2);
		rl.rlim_cur = rl.rlim_max = (rlim_t)st.st_size + 40;
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		ok &= append_one(a, "u4", "success") == AUTHD_ERR_AUDIT;
		ok &= append_one(a, "u4", "success") == AUTHD_ERR_AUDIT;
		authd_audit_close(&a);
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 3);
	/* The next writer, without the limit, continues the same chain. */
	write_records(logpath, 4, 4);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 4);
}
END_TEST

/* An authentication and the acct_mgmt decided with it, as authd writes them. */
static int
write_pair(struct authd_audit *a, const char *user, const char *bad_extra,
    off_t *end_r)
{
	struct authd_audit_event ev[2] = {
		{ .event = "authenticate", .user = user, .service = "login",
		  .tty = "/dev/tty1", .peer_uid = 0, .peer_pid = 1234,
		  .result = "success", .reason = "password accepted",
		  .extra = " login_id=00ff" },
		{ .event = "acct_mgmt", .user = user, .service = "login",
		  .tty = "/dev/tty1", .peer_uid = 0, .peer_pid = 1234,
		  .result = "success", .reason = "account valid",
		  .extra = bad_extra != NULL ? bad_extra : " login_id=00ff" },
	};

	return authd_audit_write_n(a, ev, 2, end_r);
}

START_TEST(records_written_together)
{
	char lines[8][2048], why[256];
	struct authd_audit *a = NULL;
	size_t records, bad, n;
	struct stat st;
	off_t end, size1;
	pid_t pid;
	int status;

	write_records(logpath, 1, 1);
	ck_assert_int_eq(stat(logpath, &st), 0);
	size1 = st.st_size;
	ck_assert_int_eq(authd_audit_open(logpath, "host1", "test", 1, &a), AUTHD_OK);
	/* both, chained in order, and one sync offset covering both */
	ck_assert_int_eq(write_pair(a, "u2", NULL, &end), AUTHD_OK);
	ck_assert_int_eq(stat(logpath, &st), 0);
	ck_assert_int_eq(end, st.st_size - size1);
	ck_assert_int_eq(authd_audit_sync(a, end), AUTHD_OK);
	/* an invalid second record: neither is written */
	ck_assert_int_eq(write_pair(a, "u3", " bad\nextra", &end),
	    AUTHD_ERR_INVALID);
	ck_assert_int_eq(end, 0);
	ck_assert_int_eq(authd_audit_write_n(a, NULL, 0, &end), AUTHD_ERR_INVALID);
	authd_audit_close(&a);
	n = read_lines(logpath, lines, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_nonnull(strstr(lines[1], "seq=2 "));
	ck_assert_ptr_nonnull(strstr(lines[1], "event=authenticate user=u2 "));
	ck_assert_ptr_nonnull(strstr(lines[2], "seq=3 "));
	ck_assert_ptr_nonnull(strstr(lines[2], "event=acct_mgmt user=u2 "));
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 3);

	/* Room for the first record but not the second: neither stays. */
	ck_assert_int_eq(stat(logpath, &st), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct rlimit rl;
		int ok;

		signal(SIGXFSZ, SIG_IGN);
		if (authd_audit_open(logpath, "host1", "test", 1, &a) != AUTHD_OK)
			_exit(2);
		rl.rlim_cur = rl.rlim_max = (rlim_t)st.st_size +
		    strlen(lines[1]) + 10;
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		ok = write_pair(a, "u4", NULL, &end) == AUTHD_ERR_AUDIT;
		authd_audit_close(&a);
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_uint_eq(read_lines(logpath, lines, 8), 3);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 3);
	/* the chain goes on from the last record written */
	write_records(logpath, 5, 5);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, 4);
}
END_TEST

/* Write one record; *end_r: how far to sync for it. */
static void
write_one(struct authd_audit *a, const char *user, off_t *end_r)
{
	struct authd_audit_event ev = {
		.event = "authenticate", .user = user, .service = "login",
		.peer_pid = 1, .result = "success", .reason = "password accepted",
	};

	ck_assert_int_eq(authd_audit_write(a, &ev, end_r), AUTHD_OK);
	ck_assert_int_gt(*end_r, 0);
}

/*
 * Linux reports a failed write-back to one fdatasync only, and the pages it
 * could not write are clean after it: a later fdatasync succeeds without
 * them. So a record written before a failed sync is never reported synced,
 * while records written after it are, once a sync succeeds.
 */
START_TEST(failed_sync_is_not_forgotten)
{
	struct authd_audit *a = NULL;
	off_t end_a, end_b, end_c;

	ck_assert_int_eq(authd_audit_open(logpath, "h", "test", 1, &a), AUTHD_OK);
	write_one(a, "ua", &end_a);
	ck_assert_int_eq(authd_audit_sync(a, end_a), AUTHD_OK);
	write_one(a, "ub", &end_b);
	sync_fail = 1;
	ck_assert_int_eq(authd_audit_sync(a, end_b), AUTHD_ERR_AUDIT);
	sync_fail = 0;
	/* the disk answers again: B is still not known to be on it */
	ck_assert_int_eq(authd_audit_sync(a, end_b), AUTHD_ERR_AUDIT);
	write_one(a, "uc", &end_c);
	ck_assert_int_eq(authd_audit_sync(a, end_c), AUTHD_OK);
	ck_assert_int_eq(authd_audit_sync(a, end_b), AUTHD_ERR_AUDIT);
	/* A was on disk before the failure */
	ck_assert_int_eq(authd_audit_sync(a, end_a), AUTHD_OK);
	authd_audit_close(&a);
}
END_TEST

/*
 * Someone cuts the file under a running writer (logrotate's copytruncate,
 * or "> audit.log"): the next record still waits for its own fdatasync.
 */
START_TEST(sync_after_the_file_was_cut)
{
	struct authd_audit *a = NULL;
	off_t end;
	int i, calls;

	ck_assert_int_eq(authd_audit_open(logpath, "h", "test", 1, &a), AUTHD_OK);
	for (i = 0; i < 5; i++) {
		write_one(a, "before", &end);
		ck_assert_int_eq(authd_audit_sync(a, end), AUTHD_OK);
	}
	ck_assert_int_eq(truncate(logpath, 0), 0);
	write_one(a, "after", &end);
	calls = sync_calls;
	ck_assert_int_eq(authd_audit_sync(a, end), AUTHD_OK);
	ck_assert_int_eq(sync_calls, calls + 1);
	authd_audit_close(&a);
}
END_TEST

START_TEST(bad_extra_refused)
{
	struct authd_audit *a = NULL;
	struct authd_audit_event ev = { .event = "x", .peer_uid = (uid_t)-1,
	    .extra = " a=1\nseq=99 forged=1" };

	ck_assert_int_eq(authd_audit_open(logpath, "h", "test", 0, &a), AUTHD_OK);
	ck_assert_int_eq(authd_audit_append(a, &ev), AUTHD_ERR_INVALID);
	ev.extra = "a=1";   /* must start with a space */
	ck_assert_int_eq(authd_audit_append(a, &ev), AUTHD_ERR_INVALID);
	ev.extra = NULL;
	ck_assert_int_eq(authd_audit_append(a, &ev), AUTHD_OK);
	authd_audit_close(&a);
}
END_TEST

/* The inverse of authd_audit_escape, as an auditor's tool would read a value. */
static void
unescape(const char *in, char *out)
{
	unsigned v;

	while (*in != '\0') {
		if (in[0] == '\\' && in[1] == 'x' && sscanf(in + 2, "%2x", &v) == 1) {
			*out++ = (char)v;
			in += 4;
		} else
			*out++ = *in++;
	}
	*out = '\0';
}

START_TEST(escaping_round_trip)
{
	static const char *const values[] = {
		"alice", "two words", "a=b", "back\\slash", "new\nline",
		"tab\there", "\x01\x1f\x7f", "-", "", "\\x41", "\xe5\xb1\xb1\xe7\x94\xb0",
		"trailing ", "==", "seq=1 hash=00",
	};
	char esc[256], back[256], why[256], lines[32][2048], want[300];
	struct authd_audit *a = NULL;
	const char *p;
	size_t i, records, bad;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		authd_audit_escape(values[i], esc, sizeof(esc));
		for (p = esc; *p != '\0'; p++)
			ck_assert_msg(*p != ' ' && *p != '=' && *p != '\n' &&
			    (unsigned char)*p >= 0x20 && *p != 0x7f,
			    "value %zu escaped to '%s'", i, esc);
		ck_assert_str_ne(esc, "-");   /* "-" means no value */
		unescape(esc, back);
		ck_assert_str_eq(back, values[i]);
	}
	ck_assert_str_eq(authd_audit_escape(NULL, esc, sizeof(esc)), "-");
	ck_assert_str_eq(authd_audit_escape("a b=c\\", esc, sizeof(esc)),
	    "a\\x20b\\x3dc\\x5c");
	/* Cut short, an escape is never split. */
	ck_assert_str_eq(authd_audit_escape("ab cd", esc, 6), "ab");
	ck_assert_str_eq(authd_audit_escape("ab cd", esc, 7), "ab\\x20");

	/* Records carrying such values still verify, and read back. */
	ck_assert_int_eq(authd_audit_open(logpath, "h", "test", 0, &a), AUTHD_OK);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		ck_assert_int_eq(append_one(a, values[i], "success"), AUTHD_OK);
	authd_audit_close(&a);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_OK);
	ck_assert_uint_eq(records, sizeof(values) / sizeof(values[0]));
	ck_assert_uint_eq(read_lines(logpath, lines, 32), records);
	for (i = 0; i < records; i++) {
		snprintf(want, sizeof(want), " user=%s ",
		    authd_audit_escape(values[i], esc, sizeof(esc)));
		ck_assert_ptr_nonnull(strstr(lines[i], want));
	}
}
END_TEST

START_TEST(garbage_file)
{
	struct authd_audit *a = NULL;
	char why[256];
	size_t records, bad;
	FILE *f = fopen(logpath, "w");

	ck_assert_ptr_nonnull(f);
	fputs("this is not an audit log\n", f);
	fclose(f);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)), AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 1);
	ck_assert_str_eq(why, "line 1: malformed record (not a complete audit record)");
	/* A writer cannot continue a chain it cannot read: it fails closed. */
	ck_assert_int_eq(authd_audit_open(logpath, "h", "test", 0, &a), AUTHD_ERR_AUDIT);
	ck_assert_ptr_null(a);
}
END_TEST

/*
 * The syslog copy of each record never waits for the syslog daemon: with a
 * daemon that does not read, records keep being written, the copies that
 * do not fit are dropped, and the next copy that goes out says how many.
 */
START_TEST(syslog_copy_never_blocks)
{
	struct sockaddr_un sun;
	struct authd_audit *a = NULL;
	char path[PATH_MAX + 32], buf[9000], want[64];
	unsigned long got = 0, total = 3000, i;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/log", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	authd_syslog_set_path(path);
	ck_assert_int_eq(authd_audit_open(logpath, "host1", "authd", 0, &a), AUTHD_OK);
	alarm(30);      /* a blocked writer fails the test instead of hanging */
	for (i = 0; i < total; i++)
		ck_assert_int_eq(append_one(a, "sato", "success"), AUTHD_OK);
	alarm(0);
	/* The first copy, as syslog daemons expect it: <authpriv.info>... */
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strncmp(buf, "<86>", 4) == 0, "got: %s", buf);
	ck_assert_msg(strstr(buf, " authd[") != NULL &&
	    strstr(buf, "]: audit seq=1 ") != NULL, "got: %s", buf);
	ck_assert_ptr_null(strstr(buf, " prev="));
	for (got = 1; recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; got++)
		;
	ck_assert_uint_lt(got, total);
	/* The daemon reads again: the next copy tells what it missed. */
	ck_assert_int_eq(append_one(a, "sato", "success"), AUTHD_OK);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "(%lu lines dropped before", total - got);
	ck_assert_msg(strstr(buf, want) != NULL, "want %s, got: %s", want, buf);
	authd_audit_close(&a);
	ck_assert_int_eq(verify(logpath, NULL, NULL, NULL, 0), AUTHD_OK);
	close(fd);
}
END_TEST

/* Write text (len bytes) at the end of path. */
static void
append_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "a");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* The log as lines[0], lines[1], mid (len bytes), then lines[2..n-1]. */
static void
write_with(char lines[][2048], size_t n, const char *mid, size_t len)
{
	size_t i;

	(void)unlink(logpath);
	write_lines(logpath, lines, (size_t[]){ 0, 1 }, 2);
	append_text(logpath, mid, len);
	for (i = 2; i < n; i++)
		append_text(logpath, lines[i], strlen(lines[i]));
}

/*
 * A line that carries no hash cannot show it was left by a crash; verify
 * steps over one only when it could be (the start of the record that
 * follows the chain's end, or zeros), never over a complete record or a
 * line no record starts with, and names every line it stepped over.
 */
START_TEST(forged_lines_are_not_crash_fragments)
{
	char lines[16][2048], forged[2200], why[1024], *p;
	size_t records, bad, i;

	write_records(logpath, 1, 6);
	ck_assert_uint_eq(read_lines(logpath, lines, 16), 6);
	/* a complete record, well formed but for a hash that is not hex */
	snprintf(forged, sizeof(forged), "%s", lines[2]);
	ck_assert_ptr_nonnull(p = strstr(forged, "reason="));
	memcpy(p, "reason=FORGED1", 14);
	memset(strstr(forged, " hash=") + 6, 'X', 64);
	write_with(lines, 6, forged, strlen(forged));
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
	    AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 3);
	ck_assert_str_eq(why, "line 3: malformed record (not a complete audit "
	    "record)");
	/* with a hex hash: a record, whose hash does not hold */
	memset(strstr(forged, " hash=") + 6, 'a', 64);
	write_with(lines, 6, forged, strlen(forged));
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
	    AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 3);
	ck_assert_str_eq(why, "line 3: record altered (hash mismatch)");
	/* cut short, but chained to another record than the chain's end */
	snprintf(forged, sizeof(forged), "%.*s\n",
	    (int)(strstr(lines[3], " hash=") - lines[3]), lines[3]);
	memcpy(forged, "seq=3", 5);
	write_with(lines, 6, forged, strlen(forged));
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
	    AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 3);
	/* the next seq, then not the fields of a record */
	write_with(lines, 6, "seq=3 forged=1 time=x\n", 22);
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
	    AUTHD_ERR_AUDIT);
	ck_assert_uint_eq(bad, 3);

	/* cut short before seq 3, zeros before seq 5: each is named */
	(void)unlink(logpath);
	write_lines(logpath, lines, (size_t[]){ 0, 1 }, 2);
	append_text(logpath, lines[2], 40);
	append_text(logpath, "\n", 1);
	append_text(logpath, lines[2], strlen(lines[2]));
	append_text(logpath, lines[3], strlen(lines[3]));
	append_zeros(logpath, 10);
	append_text(logpath, "\n", 1);
	append_text(logpath, lines[4], strlen(lines[4]));
	append_text(logpath, lines[5], strlen(lines[5]));
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
	    AUTHD_OK);
	ck_assert_uint_eq(records, 6);
	ck_assert_uint_eq(torn.n, 2);
	ck_assert_uint_eq(torn.line[0], 3);
	ck_assert_uint_eq(torn.line[1], 6);
	ck_assert_str_eq(why, "lines 3 (a record cut short), 6 (zeros): 2 lines "
	    "left by crashes, stepped over (the chain continues across them)");

	/* very many: the first ones, and how many more */
	(void)unlink(logpath);
	write_lines(logpath, lines, (size_t[]){ 0, 1 }, 2);
	for (i = 0; i < AUTHD_AUDIT_TORN_LISTED + 3; i++) {
		append_text(logpath, lines[2], 20 + i);
		append_text(logpath, "\n", 1);
	}
	append_text(logpath, lines[2], strlen(lines[2]));
	ck_assert_int_eq(verify(logpath, &records, &bad, why, sizeof(why)),
	    AUTHD_OK);
	ck_assert_uint_eq(records, 3);
	ck_assert_uint_eq(torn.n, AUTHD_AUDIT_TORN_LISTED + 3);
	ck_assert_uint_eq(torn.line[AUTHD_AUDIT_TORN_LISTED - 1],
	    2 + AUTHD_AUDIT_TORN_LISTED);
	ck_assert_msg(strstr(why, ", 12 (a record cut short) and 3 more: 13 "
	    "lines left by crashes") != NULL, "%s", why);
}
END_TEST

/*
 * Two crashes in a row leave two lines cut short (the second writer's
 * record too): the next writer goes on from the last complete record, as
 * verify does, instead of refusing to open the log.
 */
START_TEST(two_crashes_in_a_row)
{
	static const char *const after[] = {
		"seq=4 time=20\nseq=4 time=2026-1",
		"seq=4 time=20\n",
		"seq=4 time=20\n\0\0\0\0\nseq=4 ti",
	};
	static const size_t after_len[] = { 31, 14, 27 };
	char lines[16][2048], why[1024];
	struct authd_audit *a = NULL;
	size_t records, bad, i, n;

	for (i = 0; i < 3; i++) {
		(void)unlink(logpath);
		write_records(logpath, 1, 3);
		append_text(logpath, after[i], after_len[i]);
		ck_assert_int_eq(authd_audit_open(logpath, "h", "test", 0, &a),
		    AUTHD_OK);
		ck_assert_int_eq(append_one(a, "u4", "success"), AUTHD_OK);
		authd_audit_close(&a);
		n = read_lines(logpath, lines, 16);
		ck_assert(strncmp(lines[n - 1], "seq=4 ", 6) == 0);
		ck_assert_int_eq(verify(logpath, &records, &bad, why,
		    sizeof(why)), AUTHD_OK);
		ck_assert_uint_eq(records, 4);
		ck_assert_uint_eq(torn.n, n - 4);
		ck_assert_uint_eq(torn.line[0], 4);
	}
	/* a line that no record starts with is not stepped over */
	(void)unlink(logpath);
	write_records(logpath, 1, 3);
	append_text(logpath, "seq=4 time=20\nnot a record\nseq=4 ti", 35);
	ck_assert_int_eq(authd_audit_open(logpath, "h", "test", 0, &a),
	    AUTHD_ERR_AUDIT);
}
END_TEST

/* The hash of the record seq=1 of the file at path (its first line that is one). */
static void
seq1_hash(const char *path, char out[AUTHD_AUDIT_HASH_LEN + 1])
{
	char buf[16384], *p, *h;
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(p = memmem(buf, n, "\nseq=1 ", 7));
	ck_assert_ptr_nonnull(h = strstr(p, " hash="));
	snprintf(out, AUTHD_AUDIT_HASH_LEN + 1, "%s", h + 6);
}

/*
 * A chain whose first line a crash damaged (cut short, or zeros) is named
 * by its first complete record, in verify --checkpoints and in the
 * checkpoints alike, which are then taken.
 */
START_TEST(chain_named_past_a_damaged_first_line)
{
	char chain[AUTHD_AUDIT_HASH_LEN + 1], want[AUTHD_AUDIT_HASH_LEN + 1];
	struct authd_audit_checkpoint head;
	struct authd_audit *a = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		(void)unlink(logpath);
		if (i == 0)
			append_text(logpath, "seq=1 time=2026-01-0", 20);
		else
			append_zeros(logpath, 5000);
		write_records(logpath, 1, 2);
		seq1_hash(logpath, want);
		ck_assert_int_eq(authd_audit_chain_of(logpath, chain), AUTHD_OK);
		ck_assert_str_eq(chain, want);
		ck_assert_int_eq(authd_audit_open(logpath, "h", "test",
		    AUTHD_AUDIT_FSYNC, &a), AUTHD_OK);
		ck_assert_int_eq(append_one(a, "u3", "success"), AUTHD_OK);
		ck_assert_int_eq(authd_audit_head(a, &head), AUTHD_OK);
		ck_assert_uint_eq(head.seq, 3);
		ck_assert_str_eq(head.chain, want);
		authd_audit_close(&a);
	}
}
END_TEST

/* The hash of the last line of the file at path. */
static void
last_hash(const char *path, char out[AUTHD_AUDIT_HASH_LEN + 1])
{
	char lines[32][2048];
	size_t n = read_lines(path, lines, 32);

	ck_assert_uint_gt(n, 0);
	snprintf(out, AUTHD_AUDIT_HASH_LEN + 1, "%s",
	    strstr(lines[n - 1], " hash=") + 6);
}

/*
 * authctl appends to authd's log: the checkpoint is the file's end on
 * disk, its records included, not the last record authd wrote; but never
 * a record that a failed sync may have lost, whatever a later one says.
 */
START_TEST(checkpoint_takes_every_writers_records)
{
	char want[AUTHD_AUDIT_HASH_LEN + 1];
	struct authd_audit_checkpoint head;
	struct authd_audit *a = NULL, *b = NULL;

	ck_assert_int_eq(authd_audit_open(logpath, "h", "authd",
	    AUTHD_AUDIT_FSYNC, &a), AUTHD_OK);
	ck_assert_int_eq(authd_audit_open(logpath, "h", "authctl",
	    AUTHD_AUDIT_FSYNC | AUTHD_AUDIT_EXISTING, &b), AUTHD_OK);
	ck_assert_int_eq(append_one(a, "u1", "success"), AUTHD_OK);
	ck_assert_int_eq(append_one(b, "u2", "success"), AUTHD_OK);
	ck_assert_int_eq(append_one(b, "u3", "success"), AUTHD_OK);
	ck_assert_int_eq(authd_audit_head(a, &head), AUTHD_OK);
	last_hash(logpath, want);
	ck_assert_uint_eq(head.seq, 3);
	ck_assert_str_eq(head.hash, want);

	/* authctl's record, then the disk fails the checkpointer's sync */
	ck_assert_int_eq(append_one(b, "u4", "success"), AUTHD_OK);
	sync_fail = 1;
	ck_assert_int_eq(authd_audit_head(a, &head), AUTHD_ERR_IO);
	sync_fail = 0;
	/* it syncs again: seq 4 may still be lost, and is not named */
	ck_assert_int_eq(authd_audit_head(a, &head), AUTHD_ERR_MISSING);
	/* a record written since is */
	ck_assert_int_eq(append_one(b, "u5", "success"), AUTHD_OK);
	ck_assert_int_eq(authd_audit_head(a, &head), AUTHD_OK);
	ck_assert_uint_eq(head.seq, 5);
	authd_audit_close(&a);
	authd_audit_close(&b);
}
END_TEST

/*
 * Rotated while authctl has the log open: authd's link names the old
 * file's real end (authctl's records there included), and authctl's next
 * record goes to the new file; when authctl writes there first, it ties
 * the files itself and authd adds no second link.
 */
START_TEST(rotation_with_another_writer)
{
	char lines[16][2048], old_lines[16][2048], rotated_path[PATH_MAX + 40];
	char why[1024], want[200];
	struct authd_audit *a = NULL, *b = NULL;
	size_t records, bad;
	int rotated, i;

	snprintf(rotated_path, sizeof(rotated_path), "%s.1", logpath);
	for (i = 0; i < 2; i++) {
		(void)unlink(logpath);
		(void)unlink(rotated_path);
		ck_assert_int_eq(authd_audit_open(logpath, "h", "authd",
		    AUTHD_AUDIT_FSYNC, &a), AUTHD_OK);
		ck_assert_int_eq(authd_audit_open(logpath, "h", "authctl",
		    AUTHD_AUDIT_FSYNC | AUTHD_AUDIT_EXISTING, &b), AUTHD_OK);
		ck_assert_int_eq(append_one(a, "u1", "success"), AUTHD_OK);
		ck_assert_int_eq(append_one(b, "u2", "success"), AUTHD_OK);
		ck_assert_int_eq(append_one(b, "u3", "success"), AUTHD_OK);
		ck_assert_int_eq(rename(logpath, rotated_path), 0);
		if (i == 0) {
			/* authd first (SIGUSR1), then authctl writes */
			ck_assert_int_eq(authd_audit_reopen(a, &rotated), AUTHD_OK);
			ck_assert_int_eq(rotated, 1);
			ck_assert_int_eq(append_one(b, "u4", "success"), AUTHD_OK);
		} else {
			/* logrotate's create, authctl writes, then SIGUSR1 */
			append_text(logpath, "", 0);
			ck_assert_int_eq(append_one(b, "u4", "success"), AUTHD_OK);
			ck_assert_int_eq(authd_audit_reopen(a, &rotated), AUTHD_OK);
			ck_assert_int_eq(rotated, 1);
		}
		ck_assert_int_eq(append_one(a, "u5", "success"), AUTHD_OK);
		authd_audit_close(&a);
		authd_audit_close(&b);

		ck_assert_uint_eq(read_lines(rotated_path, old_lines, 16), 3);
		ck_assert_uint_eq(read_lines(logpath, lines, 16), 3);
		snprintf(want, sizeof(want), " prev_file_seq=3 prev_file_hash=%.64s ",
		    strstr(old_lines[2], " hash=") + 6);
		ck_assert_ptr_nonnull(strstr(lines[0], " event=audit_continue "));
		ck_assert_msg(strstr(lines[0], want) != NULL, "%s", lines[0]);
		ck_assert_ptr_nonnull(strstr(lines[1], " user=u4 "));
		ck_assert_ptr_nonnull(strstr(lines[2], " user=u5 "));
		ck_assert_int_eq(verify(rotated_path, &records, &bad, why,
		    sizeof(why)), AUTHD_OK);
		ck_assert_int_eq(verify(logpath, &records, &bad, why,
		    sizeof(why)), AUTHD_OK);
	}
	(void)unlink(rotated_path);
}
END_TEST

/*
 * Only a regular file is verified: a directory is named as one, and a FIFO
 * or a device that never ends is refused at once instead of read forever.
 */
START_TEST(verify_refuses_what_is_not_a_file)
{
	char why[1024], fifo[PATH_MAX + 40];
	size_t records, bad;

	alarm(20);      /* a hang fails the test */
	ck_assert_int_eq(verify(dir, &records, &bad, why, sizeof(why)),
	    AUTHD_ERR_IO);
	ck_assert_msg(strstr(why, ": not a regular file (a directory)") != NULL,
	    "%s", why);
	ck_assert_int_eq(verify("/dev/zero", &records, &bad, why, sizeof(why)),
	    AUTHD_ERR_IO);
	ck_assert_str_eq(why, "/dev/zero: not a regular file (a device)");
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(verify(fifo, &records, &bad, why, sizeof(why)),
	    AUTHD_ERR_IO);
	ck_assert_msg(strstr(why, ": not a regular file (a FIFO)") != NULL,
	    "%s", why);
	alarm(0);
}
END_TEST

/* authctl audit verify takes its options after the file too. */
START_TEST(verify_options_after_the_file)
{
	const char *b = getenv("AUTHD_BUILDDIR");
	char cmd[PATH_MAX * 2 + 200];
	int st;

	write_records(logpath, 1, 2);
	snprintf(cmd, sizeof(cmd), "'%s/authctl/authctl' -H "
	    "ldapi://%%2Fnonexistent%%2Fsock audit verify '%s' --checkpoints "
	    ">'%s/out' 2>&1", b != NULL ? b : ".", logpath, dir);
	st = system(cmd);
	ck_assert(WIFEXITED(st));
	/* the chain is checked; the directory is not there (not a usage error) */
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	snprintf(cmd, sizeof(cmd), "grep -q '^%s: 2 records, chain intact$' "
	    "'%s/out'", logpath, dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("audit");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* Generous: correctness here must not depend on the machine's speed. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, ten_records_verify);
	tcase_add_test(tc, syslog_copy_never_blocks);
	tcase_add_test(tc, empty_and_missing);
	tcase_add_test(tc, existing_only);
	tcase_add_test(tc, file_mode);
	tcase_add_test(tc, edited_record);
	tcase_add_test(tc, deleted_record);
	tcase_add_test(tc, deleted_records);
	tcase_add_test(tc, swapped_records);
	tcase_add_test(tc, duplicated_record);
	tcase_add_test(tc, spliced_chains);
	tcase_add_test(tc, truncated_last_line);
	tcase_add_test(tc, record_cut_before_its_newline);
	tcase_add_test(tc, removed_tail_is_not_detectable);
	tcase_add_test(tc, two_writers_interleaved);
	tcase_add_test(tc, two_processes);
	tcase_add_test(tc, threads_share_handle);
	tcase_add_test(tc, failed_write_refuses);
	tcase_add_test(tc, records_written_together);
	tcase_add_test(tc, failed_sync_is_not_forgotten);
	tcase_add_test(tc, sync_after_the_file_was_cut);
	tcase_add_test(tc, bad_extra_refused);
	tcase_add_test(tc, escaping_round_trip);
	tcase_add_test(tc, garbage_file);
	tcase_add_test(tc, checkpoints_find_cut_and_rewritten_tails);
	tcase_add_test(tc, zeros_left_by_a_crash);
	tcase_add_test(tc, rotated_log_goes_on_in_a_new_file);
	tcase_add_test(tc, forged_lines_are_not_crash_fragments);
	tcase_add_test(tc, two_crashes_in_a_row);
	tcase_add_test(tc, chain_named_past_a_damaged_first_line);
	tcase_add_test(tc, checkpoint_takes_every_writers_records);
	tcase_add_test(tc, rotation_with_another_writer);
	tcase_add_test(tc, verify_refuses_what_is_not_a_file);
	tcase_add_test(tc, verify_options_after_the_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
