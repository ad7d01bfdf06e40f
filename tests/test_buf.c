/* The bounded buffer: its limits, its wiping, compaction, reserve/commit. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

START_TEST(new_and_free)
{
	struct authd_buf *b;

	ck_assert_ptr_null(authd_buf_new(0));
	b = authd_buf_new(10);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(authd_buf_len(b), 0);
	ck_assert_uint_eq(authd_buf_max(b), 10);
	ck_assert_uint_eq(authd_buf_room(b), 10);
	ck_assert_ptr_nonnull(authd_buf_ptr(b));
	authd_buf_free(&b);
	ck_assert_ptr_null(b);
	authd_buf_free(&b);   /* freeing NULL is harmless */
	authd_buf_free(NULL);
}
END_TEST

START_TEST(bounds_on_write)
{
	struct authd_buf *b = authd_buf_new(8);

	ck_assert_int_eq(authd_buf_put(b, "12345678", 8), AUTHD_OK);
	ck_assert_uint_eq(authd_buf_room(b), 0);
	ck_assert_int_eq(authd_buf_put_u8(b, 1), AUTHD_ERR_TOO_LONG);
	ck_assert_uint_eq(authd_buf_len(b), 8);
	ck_assert(memcmp(authd_buf_ptr(b), "12345678", 8) == 0);
	authd_buf_reset(b);
	ck_assert_int_eq(authd_buf_put(b, "123456789", 9), AUTHD_ERR_TOO_LONG);
	ck_assert_uint_eq(authd_buf_len(b), 0);
	ck_assert_int_eq(authd_buf_put_u32(b, 1), AUTHD_OK);
	ck_assert_int_eq(authd_buf_put_u32(b, 2), AUTHD_OK);
	ck_assert_int_eq(authd_buf_put_u16(b, 3), AUTHD_ERR_TOO_LONG);
	ck_assert_int_eq(authd_buf_put(b, "", 0), AUTHD_OK);
	/* A length near SIZE_MAX must not wrap around the check. */
	ck_assert_int_eq(authd_buf_put(b, "x", SIZE_MAX), AUTHD_ERR_TOO_LONG);
	authd_buf_free(&b);
}
END_TEST

START_TEST(bounds_on_read)
{
	struct authd_buf *b = authd_buf_new(16);
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	ck_assert_int_eq(authd_buf_get_u8(b, &u8), AUTHD_ERR_TRUNCATED);
	ck_assert_int_eq(authd_buf_put_u16(b, 0x0102), AUTHD_OK);
	ck_assert_int_eq(authd_buf_put_u8(b, 0x03), AUTHD_OK);
	ck_assert_int_eq(authd_buf_get_u32(b, &u32), AUTHD_ERR_TRUNCATED);
	ck_assert_uint_eq(authd_buf_len(b), 3);   /* a failed read takes nothing */
	ck_assert_int_eq(authd_buf_get_u16(b, &u16), AUTHD_OK);
	ck_assert_uint_eq(u16, 0x0102);
	ck_assert_int_eq(authd_buf_get_u16(b, &u16), AUTHD_ERR_TRUNCATED);
	ck_assert_int_eq(authd_buf_get_u8(b, &u8), AUTHD_OK);
	ck_assert_uint_eq(u8, 3);
	ck_assert_int_eq(authd_buf_consume(b, 1), AUTHD_ERR_TRUNCATED);
	authd_buf_free(&b);
}
END_TEST

START_TEST(big_endian)
{
	struct authd_buf *b = authd_buf_new(16);
	const uint8_t want[] = { 0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef };
	uint32_t u32;

	ck_assert_int_eq(authd_buf_put_u8(b, 0xab), AUTHD_OK);
	ck_assert_int_eq(authd_buf_put_u16(b, 0x1234), AUTHD_OK);
	ck_assert_int_eq(authd_buf_put_u32(b, 0xdeadbeef), AUTHD_OK);
	ck_assert_uint_eq(authd_buf_len(b), sizeof(want));
	ck_assert(memcmp(authd_buf_ptr(b), want, sizeof(want)) == 0);
	ck_assert_int_eq(authd_buf_poke_u32(b, 3, 0x01020304), AUTHD_OK);
	ck_assert_int_eq(authd_buf_poke_u32(b, 4, 0), AUTHD_ERR_TRUNCATED);
	ck_assert_int_eq(authd_buf_poke_u32(b, SIZE_MAX, 0), AUTHD_ERR_TRUNCATED);
	ck_assert_int_eq(authd_buf_consume(b, 3), AUTHD_OK);
	ck_assert_int_eq(authd_buf_get_u32(b, &u32), AUTHD_OK);
	ck_assert_uint_eq(u32, 0x01020304);
	authd_buf_free(&b);
}
END_TEST

START_TEST(wipe_on_consume_and_reset)
{
	struct authd_buf *b = authd_buf_new(64);
	const uint8_t *p;

	ck_assert_int_eq(authd_buf_put(b, "hunter2-secret", 14), AUTHD_OK);
	p = authd_buf_ptr(b);
	ck_assert_int_eq(authd_buf_consume(b, 7), AUTHD_OK);
	/* The consumed bytes are still in the block, and must be zero. */
	ck_assert(all_zero(p, 7));
	ck_assert(memcmp(p + 7, "-secret", 7) == 0);
	authd_buf_reset(b);
	ck_assert_uint_eq(authd_buf_len(b), 0);
	ck_assert(all_zero(p, 14));

	ck_assert_int_eq(authd_buf_put(b, "password", 8), AUTHD_OK);
	p = authd_buf_ptr(b);
	ck_assert_int_eq(authd_buf_consume(b, 8), AUTHD_OK);
	ck_assert(all_zero(p, 8));
	authd_buf_free(&b);
}
END_TEST

START_TEST(compaction)
{
	struct authd_buf *b = authd_buf_new(16);
	uint8_t tmp[16];
	size_t i;

	for (i = 0; i < sizeof(tmp); i++)
		tmp[i] = (uint8_t)('a' + i);
	ck_assert_int_eq(authd_buf_put(b, tmp, 12), AUTHD_OK);
	ck_assert_int_eq(authd_buf_consume(b, 8), AUTHD_OK);
	ck_assert_uint_eq(authd_buf_room(b), 12);
	/* 4 unread + 12 new = the maximum: only possible by moving the 4 down. */
	ck_assert_int_eq(authd_buf_put(b, tmp, 12), AUTHD_OK);
	ck_assert_uint_eq(authd_buf_len(b), 16);
	ck_assert(memcmp(authd_buf_ptr(b), "ijkl", 4) == 0);
	ck_assert(memcmp(authd_buf_ptr(b) + 4, tmp, 12) == 0);
	ck_assert_int_eq(authd_buf_put_u8(b, 0), AUTHD_ERR_TOO_LONG);
	/* Many cycles never grow past the maximum. */
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(authd_buf_consume(b, 5), AUTHD_OK);
		ck_assert_int_eq(authd_buf_put(b, tmp, 5), AUTHD_OK);
		ck_assert_uint_eq(authd_buf_len(b), 16);
	}
	authd_buf_free(&b);
}
END_TEST

START_TEST(growth_keeps_data)
{
	struct authd_buf *b = authd_buf_new(80000);
	uint32_t v, i;

	for (i = 0; i < 20000; i++)
		ck_assert_int_eq(authd_buf_put_u32(b, i), AUTHD_OK);
	ck_assert_int_eq(authd_buf_put_u32(b, 0), AUTHD_ERR_TOO_LONG);
	for (i = 0; i < 20000; i++) {
		ck_assert_int_eq(authd_buf_get_u32(b, &v), AUTHD_OK);
		ck_assert_uint_eq(v, i);
	}
	ck_assert_uint_eq(authd_buf_len(b), 0);
	authd_buf_free(&b);
}
END_TEST

START_TEST(reserve_bounds)
{
	struct authd_buf *b = authd_buf_new(32);
	uint8_t *p;

	ck_assert_int_eq(authd_buf_put(b, "ab", 2), AUTHD_OK);
	ck_assert_int_eq(authd_buf_reserve(b, 31, &p), AUTHD_ERR_TOO_LONG);
	ck_assert_uint_eq(authd_buf_len(b), 2);
	ck_assert_int_eq(authd_buf_reserve(b, 30, &p), AUTHD_OK);
	memset(p, 'x', 30);
	ck_assert_uint_eq(authd_buf_room(b), 0);
	ck_assert_int_eq(authd_buf_reserve(b, 1, &p), AUTHD_ERR_TOO_LONG);
	ck_assert_uint_eq(authd_buf_len(b), 32);
	authd_buf_free(&b);
}
END_TEST

/* What a pipe holds, written by a child so that a big write cannot block us. */
static int
pipe_with(size_t len, uint8_t fill)
{
	uint8_t chunk[1024];
	int fds[2];
	pid_t pid;
	size_t n;

	ck_assert_int_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		memset(chunk, fill, sizeof(chunk));
		for (; len > 0; len -= n) {
			n = len < sizeof(chunk) ? len : sizeof(chunk);
			if (write(fds[1], chunk, n) != (ssize_t)n)
				_exit(1);
		}
		_exit(0);
	}
	ck_assert_int_ge(pid, 0);
	close(fds[1]);
	return fds[0];
}

START_TEST(read_in_chunks)
{
	/* more than a chunk, and a maximum that is not a multiple of one */
	size_t max = 3 * AUTHD_BUF_READ_CHUNK + 100, got = 0, reads = 0;
	struct authd_buf *b = authd_buf_new(max);
	int fd = pipe_with(max + 50, 'q');
	ssize_t n;

	while ((n = authd_buf_read(b, fd, NULL)) > 0) {
		ck_assert_int_le(n, 2 * AUTHD_BUF_READ_CHUNK);
		got += (size_t)n;
		reads++;
	}
	/* full: refused with EMSGSIZE, nothing read lost or past the maximum */
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(got, max);
	ck_assert_uint_ge(reads, 2);
	ck_assert_uint_eq(authd_buf_len(b), max);
	ck_assert_uint_eq(authd_buf_room(b), 0);
	ck_assert(memchr(authd_buf_ptr(b), 0, max) == NULL);

	/* taking some makes room again; the rest of the pipe follows in order */
	ck_assert_int_eq(authd_buf_consume(b, 60), AUTHD_OK);
	ck_assert_int_eq(authd_buf_read(b, fd, NULL), 50);
	ck_assert_int_eq(authd_buf_read(b, fd, NULL), 0);   /* the writer is done */
	ck_assert_uint_eq(authd_buf_len(b), max - 10);
	close(fd);
	authd_buf_free(&b);
}
END_TEST

START_TEST(read_a_short_message)
{
	struct authd_buf *b = authd_buf_new(1 << 20);
	int fd = pipe_with(5, 'm');
	size_t asked = 0;

	ck_assert_int_eq(authd_buf_put(b, "ab", 2), AUTHD_OK);
	ck_assert_int_eq(authd_buf_read(b, fd, &asked), 5);
	/* a chunk asked for, not the megabyte the buffer may hold */
	ck_assert_uint_eq(asked, AUTHD_BUF_READ_CHUNK);
	ck_assert_uint_eq(authd_buf_len(b), 7);
	ck_assert(memcmp(authd_buf_ptr(b), "abmmmmm", 7) == 0);
	ck_assert_int_eq(authd_buf_read(b, fd, NULL), 0);
	ck_assert_uint_eq(authd_buf_len(b), 7);
	close(fd);
	authd_buf_free(&b);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, new_and_free);
	tcase_add_test(tc, bounds_on_write);
	tcase_add_test(tc, bounds_on_read);
	tcase_add_test(tc, big_endian);
	tcase_add_test(tc, wipe_on_consume_and_reset);
	tcase_add_test(tc, compaction);
	tcase_add_test(tc, growth_keeps_data);
	tcase_add_test(tc, reserve_bounds);
	tcase_add_test(tc, read_in_chunks);
	tcase_add_test(tc, read_a_short_message);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
