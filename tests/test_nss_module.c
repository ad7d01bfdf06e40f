/*
 * libnss_authd.so.2 against a fake authd inside this test: well-formed
 * answers are delivered, and every malformed, truncated, oversized, foreign
 * or late answer is "unavailable" (or ERANGE where the buffer is small),
 * never a crash or a hang of the calling program. Run under ASan/UBSan in
 * the sanitized build.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nss_proto.h"

typedef enum nss_status (*getpwnam_fn)(const char *, struct passwd *, char *,
    size_t, int *);
typedef enum nss_status (*getgrnam_fn)(const char *, struct group *, char *,
    size_t, int *);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long int *,
    long int *, gid_t **, long int, int *);

static getpwnam_fn p_getpwnam;
static getgrnam_fn p_getgrnam;
static initgroups_fn p_initgroups;

static char sockdir[64];
static char sockpath[128];

/* What the fake server answers to the next connections. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *reply;
static size_t reply_len;
static int hang;               /* answer nothing; hold the connection */
static int listen_fd = -1;

static void
set_reply(const void *p, size_t len, int hang_)
{
	pthread_mutex_lock(&mu);
	free(reply);
	reply = malloc(len > 0 ? len : 1);
	memcpy(reply, p, len);
	reply_len = len;
	hang = hang_;
	pthread_mutex_unlock(&mu);
}

static void *
server(void *arg)
{
	(void)arg;
	for (;;) {
		uint8_t req[4096];
		struct pollfd pfd;
		uint8_t *r;
		size_t len;
		int fd, h;

		if ((fd = accept(listen_fd, NULL, NULL)) == -1)
			continue;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) == 1)
			(void)read(fd, req, sizeof(req));
		pthread_mutex_lock(&mu);
		len = reply_len;
		h = hang;
		r = malloc(len > 0 ? len : 1);
		memcpy(r, reply, len);
		pthread_mutex_unlock(&mu);
		if (h)
			(void)poll(&pfd, 0, 4000);
		else
			(void)send(fd, r, len, MSG_NOSIGNAL);
		free(r);
		close(fd);
	}
	return NULL;
}

static struct authd_buf *
frame(uint8_t type)
{
	struct authd_buf *b = authd_buf_new(1 << 20);
	size_t start;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(authd_nss_frame_begin(b, type, &start), 0);
	return b;
}

static void
field(struct authd_buf *b, uint16_t tag, const void *v, size_t len)
{
	ck_assert_int_eq(authd_buf_put_u16(b, tag), 0);
	ck_assert_int_eq(authd_buf_put_u16(b, (uint16_t)len), 0);
	ck_assert_int_eq(authd_buf_put(b, v, len), 0);
}

static void
field_u32(struct authd_buf *b, uint16_t tag, uint32_t v)
{
	uint8_t p[4] = { v >> 24, v >> 16, v >> 8, v };

	field(b, tag, p, 4);
}

static void
send_frame(struct authd_buf *b)
{
	(void)authd_buf_poke_u32(b, 4, (uint32_t)(authd_buf_len(b) - 8));
	set_reply(authd_buf_ptr(b), authd_buf_len(b), 0);
	authd_buf_free(&b);
}

static struct authd_buf *
good_passwd(const char *name, uint32_t uid)
{
	struct authd_buf *b = frame(AUTHD_NSS_PASSWD);

	field(b, AUTHD_NSS_F_NAME, name, strlen(name));
	field_u32(b, AUTHD_NSS_F_ID, uid);
	field_u32(b, AUTHD_NSS_F_GID, 500);
	field(b, AUTHD_NSS_F_GECOS, "Ann Example", 11);
	field(b, AUTHD_NSS_F_HOME, "/home/ann", 9);
	field(b, AUTHD_NSS_F_SHELL, "/bin/sh", 7);
	return b;
}

static enum nss_status
pwnam(const char *name, size_t buflen, int *err, struct passwd *pw)
{
	static char buf[1 << 16];

	*err = 0;
	ck_assert_uint_le(buflen, sizeof(buf));
	return p_getpwnam(name, pw, buf, buflen, err);
}

START_TEST(good_answer_delivered)
{
	struct passwd pw;
	int err;

	send_frame(good_passwd("ann", 1234));
	ck_assert_int_eq(pwnam("ann", 1024, &err, &pw), NSS_STATUS_SUCCESS);
	ck_assert_str_eq(pw.pw_name, "ann");
	ck_assert_uint_eq(pw.pw_uid, 1234);
	ck_assert_uint_eq(pw.pw_gid, 500);
	ck_assert_str_eq(pw.pw_gecos, "Ann Example");
	ck_assert_str_eq(pw.pw_dir, "/home/ann");
	ck_assert_str_eq(pw.pw_shell, "/bin/sh");
	ck_assert_str_eq(pw.pw_passwd, "x");
}
END_TEST

START_TEST(small_buffer_is_erange)
{
	struct passwd pw;
	size_t n;
	int err;

	send_frame(good_passwd("ann", 1234));
	for (n = 0; n < 36; n++) {   /* the entry needs 36 bytes */
		ck_assert_int_eq(pwnam("ann", n, &err, &pw), NSS_STATUS_TRYAGAIN);
		ck_assert_int_eq(err, ERANGE);
	}
	ck_assert_int_eq(pwnam("ann", 64, &err, &pw), NSS_STATUS_SUCCESS);
}
END_TEST

static void
expect_unavail(const char *what)
{
	struct passwd pw;
	int err;

	ck_assert_msg(pwnam("ann", 4096, &err, &pw) == NSS_STATUS_UNAVAIL,
	    "%s: not answered as unavailable", what);
}

START_TEST(malformed_answers_unavailable)
{
	static const char garbage[] = "HTTP/1.0 200 OK\r\n\r\nhello";
	uint8_t hdr[8];
	struct authd_buf *b;

	set_reply(garbage, sizeof(garbage) - 1, 0);
	expect_unavail("garbage");
	set_reply("", 0, 0);
	expect_unavail("empty answer");
	/* a frame of the main protocol: another magic */
	set_reply("\x41\x44\x01\x09\x00\x00\x00\x00", 8, 0);
	expect_unavail("main protocol frame");
	set_reply("\x41\x4e\x02\x10\x00\x00\x00\x00", 8, 0);
	expect_unavail("unknown version");
	set_reply("\x41\x4e\x01\x63\x00\x00\x00\x00", 8, 0);
	expect_unavail("unknown type");
	/* a header announcing 4 GiB, and one just over the bound */
	set_reply("\x41\x4e\x01\x10\xff\xff\xff\xff", 8, 0);
	expect_unavail("4 GiB body");
	memcpy(hdr, "\x41\x4e\x01\x10", 4);
	hdr[4] = 0; hdr[5] = 0x02; hdr[6] = 0; hdr[7] = 1;   /* 131073 */
	set_reply(hdr, 8, 0);
	expect_unavail("body over the bound");
	/* truncated: the header promises more than comes */
	set_reply("\x41\x4e\x01\x10\x00\x00\x00\x40\x00\x01\x00\x03""ann", 15, 0);
	expect_unavail("truncated frame");
	/* a field running past the end of its frame */
	set_reply("\x41\x4e\x01\x10\x00\x00\x00\x07\x00\x01\x00\x09""ann", 15, 0);
	expect_unavail("field past the frame");

	b = frame(AUTHD_NSS_PASSWD);       /* no name */
	field_u32(b, AUTHD_NSS_F_ID, 1234);
	field_u32(b, AUTHD_NSS_F_GID, 500);
	send_frame(b);
	expect_unavail("missing name");

	b = good_passwd("ann", 1234);      /* name twice */
	field(b, AUTHD_NSS_F_NAME, "bob", 3);
	send_frame(b);
	expect_unavail("duplicate name");

	send_frame(good_passwd("ann", 0));
	expect_unavail("uid 0");

	send_frame(good_passwd("bob", 1234));
	expect_unavail("another person's entry");

	send_frame(good_passwd("ann\nroot", 1234));
	expect_unavail("newline in a name");

	b = frame(AUTHD_NSS_PASSWD);
	field(b, AUTHD_NSS_F_NAME, "ann", 3);
	field(b, AUTHD_NSS_F_ID, "\x00\x04\xd2", 3);   /* u32 of 3 bytes */
	field_u32(b, AUTHD_NSS_F_GID, 500);
	send_frame(b);
	expect_unavail("short u32");

	b = good_passwd("ann", 1234);
	field(b, 99, "x", 1);               /* unknown tag */
	send_frame(b);
	expect_unavail("unknown tag");

	b = frame(AUTHD_NSS_GROUP);         /* a group for a passwd lookup */
	field(b, AUTHD_NSS_F_NAME, "ann", 3);
	field_u32(b, AUTHD_NSS_F_ID, 1234);
	send_frame(b);
	expect_unavail("group answer to getpwnam");

	b = frame(AUTHD_NSS_STATUS);
	field(b, AUTHD_NSS_F_STATUS, "\x63", 1);
	send_frame(b);
	expect_unavail("unknown status");
}
END_TEST

START_TEST(notfound_status)
{
	struct authd_buf *b = frame(AUTHD_NSS_STATUS);
	struct passwd pw;
	int err;

	field(b, AUTHD_NSS_F_STATUS, "\x01", 1);
	send_frame(b);
	ck_assert_int_eq(pwnam("ann", 4096, &err, &pw), NSS_STATUS_NOTFOUND);
	ck_assert_int_eq(err, ENOENT);
}
END_TEST

START_TEST(big_group)
{
	static char buf[1 << 18];
	struct authd_buf *b = frame(AUTHD_NSS_GROUP);
	struct group gr;
	char m[16];
	int i, err = 0;

	field(b, AUTHD_NSS_F_NAME, "many", 4);
	field_u32(b, AUTHD_NSS_F_ID, 4242);
	for (i = 0; i < 10000; i++) {
		snprintf(m, sizeof(m), "u%d", i);
		field(b, AUTHD_NSS_F_MEMBER, m, strlen(m));
	}
	send_frame(b);
	ck_assert_int_eq(p_getgrnam("many", &gr, buf, 1024, &err),
	    NSS_STATUS_TRYAGAIN);
	ck_assert_int_eq(err, ERANGE);
	ck_assert_int_eq(p_getgrnam("many", &gr, buf + 1, sizeof(buf) - 1, &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_str_eq(gr.gr_mem[9999], "u9999");
	ck_assert_ptr_null(gr.gr_mem[10000]);
}
END_TEST

START_TEST(initgroups_bounded)
{
	struct authd_buf *b = frame(AUTHD_NSS_GIDS);
	long int start = 1, size = 1;
	gid_t *groups = malloc(sizeof(gid_t));
	int i, err;

	groups[0] = 500;
	for (i = 1; i <= 100; i++)
		field_u32(b, AUTHD_NSS_F_GID, (uint32_t)(1000 + i % 50));
	field_u32(b, AUTHD_NSS_F_GID, 500);
	send_frame(b);
	ck_assert_int_eq(p_initgroups("ann", 500, &start, &size, &groups, 20, &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_int_eq(start, 20);        /* the limit; duplicates left out */
	ck_assert_int_le(size, 20);
	free(groups);
}
END_TEST

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(silent_server_times_out)
{
	double t0;

	set_reply("", 0, 1);
	t0 = now_s();
	expect_unavail("no answer");
	ck_assert_msg(now_s() - t0 < 5.0, "took %.1f s", now_s() - t0);
}
END_TEST

START_TEST(no_socket_unavailable)
{
	double t0 = now_s();

	setenv("AUTHD_NSS_SOCKET", "/nonexistent/nss.sock", 1);
	expect_unavail("no socket");
	setenv("AUTHD_NSS_SOCKET", sockpath, 1);
	ck_assert_msg(now_s() - t0 < 5.0, "took %.1f s", now_s() - t0);
}
END_TEST

/* Random and mutated answers: whatever comes, the caller survives. */
START_TEST(random_answers_never_crash)
{
	struct authd_buf *b;
	struct passwd pw;
	uint8_t data[512];
	size_t len, i;
	int n, err;
	unsigned seed = 12345;

	for (n = 0; n < 1500; n++) {
		b = good_passwd("ann", 1234);
		(void)authd_buf_poke_u32(b, 4, (uint32_t)(authd_buf_len(b) - 8));
		len = authd_buf_len(b) < sizeof(data) ? authd_buf_len(b) : sizeof(data);
		memcpy(data, authd_buf_ptr(b), len);
		authd_buf_free(&b);
		for (i = 0; i < 1 + (size_t)(rand_r(&seed) % 4); i++)
			data[(size_t)rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
		if (rand_r(&seed) % 4 == 0)
			len = (size_t)rand_r(&seed) % len;
		set_reply(data, len, 0);
		enum nss_status st = pwnam("ann", (size_t)(rand_r(&seed) % 200), &err, &pw);
		ck_assert(st == NSS_STATUS_SUCCESS || st == NSS_STATUS_UNAVAIL ||
		    st == NSS_STATUS_TRYAGAIN || st == NSS_STATUS_NOTFOUND);
		if (st == NSS_STATUS_SUCCESS)
			ck_assert_str_eq(pw.pw_name, "ann");
	}
}
END_TEST

static Suite *
nss_module_suite(void)
{
	Suite *s = suite_create("nss_module");
	TCase *tc = tcase_create("fake authd");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, good_answer_delivered);
	tcase_add_test(tc, small_buffer_is_erange);
	tcase_add_test(tc, malformed_answers_unavailable);
	tcase_add_test(tc, notfound_status);
	tcase_add_test(tc, big_group);
	tcase_add_test(tc, initgroups_bounded);
	tcase_add_test(tc, silent_server_times_out);
	tcase_add_test(tc, no_socket_unavailable);
	tcase_add_test(tc, random_answers_never_crash);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	const char *so = argc > 1 ? argv[1] : NSS_AUTHD_SO;
	struct sockaddr_un sun;
	pthread_t th;
	SRunner *sr;
	void *h;
	int failed;

	if ((h = dlopen(so, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", so, dlerror());
		return 1;
	}
	p_getpwnam = (getpwnam_fn)dlsym(h, "_nss_authd_getpwnam_r");
	p_getgrnam = (getgrnam_fn)dlsym(h, "_nss_authd_getgrnam_r");
	p_initgroups = (initgroups_fn)dlsym(h, "_nss_authd_initgroups_dyn");
	if (p_getpwnam == NULL || p_getgrnam == NULL || p_initgroups == NULL)
		return 1;
	snprintf(sockdir, sizeof(sockdir), "/tmp/nm.XXXXXX");
	if (mkdtemp(sockdir) == NULL)
		return 1;
	snprintf(sockpath, sizeof(sockpath), "%s/nss.sock", sockdir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof(sun.sun_path))
		return 1;
	memcpy(sun.sun_path, sockpath, strlen(sockpath));
	if ((listen_fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(listen_fd, 64) == -1) {
		perror(sockpath);
		return 1;
	}
	setenv("AUTHD_NSS_SOCKET", sockpath, 1);
	pthread_create(&th, NULL, server, NULL);
	sr = srunner_create(nss_module_suite());
	/* the fake server is a thread of this process */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	unlink(sockpath);
	rmdir(sockdir);
	return failed == 0 ? 0 : 1;
}
