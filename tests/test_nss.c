/*
 * libnss_authd.so.2 end to end: a private slapd with the shipped schema and
 * ACLs, a real authd, and the module called the way glibc calls it (dlopen +
 * the _nss_authd_* functions) and through getent with Debian's libnss-wrapper
 * (NSS_WRAPPER_MODULE_SO_PATH), which loads it as an NSS backend.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/wait.h>

#include <check.h>
#include <dlfcn.h>
#include <poll.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "lib/itest.h"
#include "nss_proto.h"

#define PW "Correct-Horse-7"

typedef enum nss_status (*getpwnam_fn)(const char *, struct passwd *, char *,
    size_t, int *);
typedef enum nss_status (*getpwuid_fn)(uid_t, struct passwd *, char *,
    size_t, int *);
typedef enum nss_status (*getgrnam_fn)(const char *, struct group *, char *,
    size_t, int *);
typedef enum nss_status (*getgrgid_fn)(gid_t, struct group *, char *,
    size_t, int *);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long int *,
    long int *, gid_t **, long int, int *);
typedef enum nss_status (*setent_fn)(int);
typedef enum nss_status (*endent_fn)(void);
typedef enum nss_status (*getpwent_fn)(struct passwd *, char *, size_t, int *);
typedef enum nss_status (*getgrent_fn)(struct group *, char *, size_t, int *);

static const char *so_path = NSS_AUTHD_SO;
static getpwnam_fn p_getpwnam;
static getpwuid_fn p_getpwuid;
static getgrnam_fn p_getgrnam;
static getgrgid_fn p_getgrgid;
static initgroups_fn p_initgroups;
static setent_fn p_setpwent, p_setgrent;
static endent_fn p_endpwent, p_endgrent;
static getpwent_fn p_getpwent;
static getgrent_fn p_getgrent;

static char buf[16384];
/* The environment getent runs in: nss_wrapper with our module, and the
 * sanitizer runtime first when the module is a sanitized build's. */
static char wrap[2048];

static void
add_group(const char *name, long gid, const char *member)
{
	ck_assert_int_eq(itest_sh("ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=%s,ou=groups,%s\nobjectClass: posixGroup\ncn: %s\n"
	    "gidNumber: %ld\nmemberUid: %s\nmemberUid: someone-else\n"
	    "LDIF\n", itest.ldapi_uri, name, itest.base_dn, name, gid, member), 0);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(passwd_by_name_and_uid)
{
	struct passwd pw;
	char out[1024];
	int err;

	itest_add_person("nina", 30001, PW);
	ck_assert_int_eq(p_getpwnam("nina", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_str_eq(pw.pw_name, "nina");
	ck_assert_uint_eq(pw.pw_uid, 30001);
	ck_assert_uint_eq(pw.pw_gid, 30001);
	ck_assert_str_eq(pw.pw_gecos, "Test nina");
	ck_assert_str_eq(pw.pw_dir, "/home/nina");
	ck_assert_str_eq(pw.pw_shell, "/bin/sh");
	ck_assert_str_eq(pw.pw_passwd, "x");
	ck_assert_int_eq(p_getpwuid(30001, &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_str_eq(pw.pw_name, "nina");
	/* LDAP matches uid without case; the system must not */
	ck_assert_int_eq(p_getpwnam("NINA", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);

	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent passwd nina",
	    wrap), 0);
	ck_assert_str_eq(out, "nina:x:30001:30001:Test nina:/home/nina:/bin/sh\n");
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent passwd 30001",
	    wrap), 0);
	ck_assert_str_eq(out, "nina:x:30001:30001:Test nina:/home/nina:/bin/sh\n");
	/* files still answers for root */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent passwd root",
	    wrap), 0);
	ck_assert_msg(strncmp(out, "root:x:0:0:", 11) == 0, "%s", out);
}
END_TEST

START_TEST(groups_and_initgroups)
{
	struct group gr;
	char out[1024];
	long int start = 1, size = 4;
	gid_t *groups = calloc(4, sizeof(gid_t));
	int err;

	itest_add_person("otto", 30002, PW);
	add_group("nssgrp", 40001, "otto");
	add_group("nssgrp2", 40002, "otto");
	ck_assert_int_eq(p_getgrnam("nssgrp", &gr, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_str_eq(gr.gr_name, "nssgrp");
	ck_assert_uint_eq(gr.gr_gid, 40001);
	ck_assert_str_eq(gr.gr_mem[0], "otto");
	ck_assert_str_eq(gr.gr_mem[1], "someone-else");
	ck_assert_ptr_null(gr.gr_mem[2]);
	ck_assert_int_eq(p_getgrgid(40002, &gr, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_str_eq(gr.gr_name, "nssgrp2");
	ck_assert_int_eq(p_getgrnam("no-such-group", &gr, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);

	groups[0] = 30002;
	ck_assert_int_eq(p_initgroups("otto", 30002, &start, &size, &groups, 0,
	    &err), NSS_STATUS_SUCCESS);
	ck_assert_int_eq(start, 3);
	ck_assert((groups[1] == 40001 && groups[2] == 40002) ||
	    (groups[1] == 40002 && groups[2] == 40001));
	free(groups);

	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent group nssgrp",
	    wrap), 0);
	ck_assert_str_eq(out, "nssgrp:x:40001:otto,someone-else\n");
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent group 40002",
	    wrap), 0);
	ck_assert_str_eq(out, "nssgrp2:x:40002:otto,someone-else\n");
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s id -un 30002", wrap), 0);
	ck_assert_str_eq(out, "otto\n");
}
END_TEST

/*
 * A group of many short names (3 bytes: 7 bytes a member) fits the 128 KiB
 * body but not the 16,384 fields a frame may have: authd sends the members
 * that fit both bounds. It sent all 17,000, a frame the module refused, so
 * the whole group was "unavailable" (and broke an enumeration).
 */
START_TEST(group_of_many_short_names)
{
	size_t bigsz = 1 << 20;
	char *big = malloc(bigsz), out[64];
	struct group gr;
	int err, n;

	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(itest_sh("{ printf 'dn: cn=shortnames,ou=groups,%s\\n"
	    "objectClass: posixGroup\\ncn: shortnames\\ngidNumber: 40031\\n'; "
	    "awk 'BEGIN { s = \"abcdefghijklmnopqrstuvwxyz0123456789\"; "
	    "for (i = 1; i <= 26; i++) for (j = 1; j <= 36; j++) "
	    "for (k = 1; k <= 36; k++) { if (n++ == 17000) exit; "
	    "print \"memberUid: \" substr(s, i, 1) substr(s, j, 1) substr(s, k, 1) } }'; } | "
	    "ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null", itest.base_dn,
	    itest.ldapi_uri), 0);
	ck_assert_int_eq(p_getgrnam("shortnames", &gr, big, bigsz, &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_uint_eq(gr.gr_gid, 40031);
	ck_assert_str_eq(gr.gr_mem[0], "aaa");
	for (n = 0; gr.gr_mem[n] != NULL; n++)
		;
	ck_assert_int_eq(n, AUTHD_NSS_MAX_FIELDS - 2);
	ck_assert_int_eq(p_getgrgid(40031, &gr, big, bigsz, &err),
	    NSS_STATUS_SUCCESS);
	free(big);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent group shortnames "
	    "| cut -d: -f1-3", wrap), 0);
	ck_assert_str_eq(out, "shortnames:x:40031\n");
}
END_TEST

START_TEST(unknown_not_found)
{
	struct passwd pw;
	char out[256];
	int err;

	ck_assert_int_eq(p_getpwnam("nosuchperson", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
	ck_assert_int_eq(err, ENOENT);
	ck_assert_int_eq(p_getpwuid(39999, &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
	/* a name no entry can have is not found, not "unavailable" */
	ck_assert_int_eq(p_getpwnam("nina\nx", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
	/* getent: exit 2 is "not found" */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out),
	    "%s getent passwd nosuchperson", wrap), 2);
}
END_TEST

START_TEST(added_person_resolves_at_once)
{
	struct passwd pw;
	int err;

	ck_assert_int_eq(p_getpwnam("lateperson", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
	itest_add_person("lateperson", 30003, PW);
	ck_assert_int_eq(p_getpwnam("lateperson", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_uint_eq(pw.pw_uid, 30003);
}
END_TEST

START_TEST(disabled_and_suspended_still_resolve)
{
	struct passwd pw;
	int err;

	itest_add_person("gone", 30004, PW);
	itest_set_attr("gone", "authdAccountState", "disabled");
	ck_assert_int_eq(p_getpwnam("gone", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	itest_add_person("paused", 30005, PW);
	itest_set_attr("paused", "authdAccountState", "suspended");
	ck_assert_int_eq(p_getpwuid(30005, &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_str_eq(pw.pw_name, "paused");
}
END_TEST

START_TEST(tiny_buffer_erange)
{
	struct passwd pw;
	struct group gr;
	char small[8];
	int err = 0;

	itest_add_person("rangy", 30006, PW);
	ck_assert_int_eq(p_getpwnam("rangy", &pw, small, sizeof(small), &err),
	    NSS_STATUS_TRYAGAIN);
	ck_assert_int_eq(err, ERANGE);
	add_group("rangegrp", 40003, "rangy");
	err = 0;
	ck_assert_int_eq(p_getgrnam("rangegrp", &gr, small, sizeof(small), &err),
	    NSS_STATUS_TRYAGAIN);
	ck_assert_int_eq(err, ERANGE);
}
END_TEST

START_TEST(root_never_from_directory)
{
	struct passwd pw;
	int err;

	itest_add_person("fakeroot", 0, PW);
	ck_assert_int_eq(p_getpwnam("fakeroot", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
}
END_TEST

/*
 * Ids below nss_min_id (default 1000) are the system's: a directory group
 * with gid 27 (sudo on Debian) must not put its members in the local sudo
 * group through initgroups, nor an entry take a system uid.
 */
START_TEST(system_ids_never_from_directory)
{
	struct passwd pw;
	struct group gr;
	long int start = 1, size = 4;
	gid_t *groups = calloc(4, sizeof(gid_t));
	int err;

	itest_add_person("sudoer", 30021, PW);
	add_group("sudo-by-ldap", 27, "sudoer");
	add_group("fine-group", 40021, "sudoer");
	groups[0] = 30021;
	ck_assert_int_eq(p_initgroups("sudoer", 30021, &start, &size, &groups, 0,
	    &err), NSS_STATUS_SUCCESS);
	ck_assert_int_eq(start, 2);
	ck_assert_uint_eq(groups[1], 40021);
	free(groups);
	ck_assert_int_eq(p_getgrgid(27, &gr, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
	ck_assert_int_eq(p_getgrnam("sudo-by-ldap", &gr, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
	itest_add_person("lowuid", 500, PW);
	ck_assert_int_eq(p_getpwnam("lowuid", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
	ck_assert_int_eq(p_getpwuid(500, &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
}
END_TEST

START_TEST(enumeration_off_by_default)
{
	struct passwd pw;
	char out[256];
	int err;

	ck_assert_int_eq(p_setpwent(0), NSS_STATUS_SUCCESS);
	ck_assert_int_eq(p_getpwent(&pw, buf, sizeof(buf), &err),
	    NSS_STATUS_NOTFOUND);
	p_endpwent();
	/* getent passwd lists files only */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out),
	    "%s getent passwd | grep -c ':3000[0-9]:' || true", wrap), 0);
	ck_assert_str_eq(out, "0\n");
}
END_TEST

START_TEST(enumeration_on_by_config)
{
	struct passwd pw;
	struct group gr;
	char out[4096];
	int err, n = 0, seen_nina = 0, seen_grp = 0;
	enum nss_status st;

	ck_assert_int_eq(itest_set_conf("nss_enumerate", "yes"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	itest_add_person("enumone", 30007, PW);
	ck_assert_int_eq(p_setpwent(0), NSS_STATUS_SUCCESS);
	while ((st = p_getpwent(&pw, buf, sizeof(buf), &err)) == NSS_STATUS_SUCCESS) {
		n++;
		if (strcmp(pw.pw_name, "nina") == 0)
			seen_nina = 1;
		ck_assert_uint_ne(pw.pw_uid, 0);
	}
	ck_assert_int_eq(st, NSS_STATUS_NOTFOUND);
	p_endpwent();
	ck_assert_msg(n >= 5 && seen_nina, "%d entries", n);
	ck_assert_int_eq(p_setgrent(0), NSS_STATUS_SUCCESS);
	while (p_getgrent(&gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		if (strcmp(gr.gr_name, "nssgrp") == 0)
			seen_grp = 1;
	p_endgrent();
	ck_assert(seen_grp);
	/* ERANGE in the middle of a walk keeps the entry for the retry */
	ck_assert_int_eq(p_setpwent(0), NSS_STATUS_SUCCESS);
	ck_assert_int_eq(p_getpwent(&pw, buf, 4, &err), NSS_STATUS_TRYAGAIN);
	ck_assert_int_eq(err, ERANGE);
	ck_assert_int_eq(p_getpwent(&pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	p_endpwent();
	ck_assert_int_eq(itest_sh_out(out, sizeof(out),
	    "%s getent passwd | grep -c '^enumone:x:30007:'", wrap), 0);
	ck_assert_str_eq(out, "1\n");
	/* nss_wrapper's getgrouplist walks the groups: id shows them now */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s id otto", wrap), 0);
	ck_assert_msg(strstr(out, "uid=30002(otto)") != NULL &&
	    strstr(out, "40001(nssgrp)") != NULL &&
	    strstr(out, "40002(nssgrp2)") != NULL, "id: %s", out);
}
END_TEST

static int
nss_connect(void)
{
	char path[sizeof(itest.dir) + 16];

	snprintf(path, sizeof(path), "%s/nss.sock", itest.dir);
	return itest_unix_connect(path);
}

/* Bytes the peer sent within ms (0: it closed or sent nothing; -1: error). */
static ssize_t
read_for(int fd, char *out, size_t outsz, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n, total = 0;

	while ((size_t)total < outsz && poll(&p, 1, ms) == 1) {
		if ((n = read(fd, out + total, outsz - (size_t)total)) <= 0)
			break;
		total += n;
		ms = 200;       /* what follows at once */
	}
	return total;
}

/*
 * A malformed request (a lookup without its name or uid) is answered once:
 * an answer made at once (malformed, enumeration off, too busy) went back
 * to the same request, hundreds of times, filling the log and the stack.
 */
START_TEST(refused_requests_answered_once)
{
	static const unsigned char no_name[] = { 0x41, 0x4e, 1, 1, 0, 0, 0, 0 };
	static const unsigned char no_uid[] = { 0x41, 0x4e, 1, 2, 0, 0, 0, 0 };
	char out[65536];
	struct passwd pw;
	ssize_t n, one;
	int fd, err;

	ck_assert_int_ge(fd = nss_connect(), 0);
	ck_assert_int_eq(write(fd, no_name, sizeof(no_name)), (ssize_t)sizeof(no_name));
	one = read_for(fd, out, sizeof(out), 5000);
	ck_assert_int_gt(one, 8);
	ck_assert_int_le(one, 16);
	close(fd);
	ck_assert_int_ge(fd = nss_connect(), 0);
	/* two at once: two answers, not one each over and over */
	ck_assert_int_eq(write(fd, no_uid, sizeof(no_uid)), (ssize_t)sizeof(no_uid));
	ck_assert_int_eq(write(fd, no_uid, sizeof(no_uid)), (ssize_t)sizeof(no_uid));
	n = read_for(fd, out, sizeof(out), 5000);
	ck_assert_int_eq(n, 2 * one);
	close(fd);
	ck_assert_int_eq(p_getpwnam("nina", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
}
END_TEST

/*
 * A connection that asks nothing is closed after NSS_FIRST_REQUEST_MS (2 s),
 * not kept for the idle timeout (10 s): the module asks right after connect.
 */
START_TEST(silent_connection_closed)
{
	struct passwd pw;
	int fd, err;

	ck_assert_int_ge(fd = nss_connect(), 0);
	ck_assert(!itest_closed_within(fd, 500));
	ck_assert(itest_closed_within(fd, 6000));
	close(fd);
	ck_assert_int_eq(p_getpwnam("nina", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
}
END_TEST

/*
 * One user cannot take every NSS connection: past NSS_CONNS_PER_UID (64)
 * its connections are closed at once, while root's lookups go on.
 */
START_TEST(one_user_cannot_take_every_connection)
{
	struct passwd pw;
	pid_t pid;
	int st, err;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fds[64], fd, i;

		if (setgid(30999) != 0 || setuid(30999) != 0)
			_exit(90);
		for (i = 0; i < 64; i++)
			if ((fds[i] = nss_connect()) < 0)
				_exit(91);
		/* the 65th: closed by authd without a word */
		if ((fd = nss_connect()) < 0)
			_exit(92);
		if (!itest_closed_within(fd, 1500))
			_exit(93);
		/* an earlier one is still open (its first request is awaited) */
		if (itest_closed_within(fds[0], 0))
			_exit(94);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d "
	    "(93: the 65th connection was served)", st);
	ck_assert_int_eq(p_getpwnam("nina", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
}
END_TEST

START_TEST(authd_stuck_or_stopped_unavailable)
{
	struct passwd pw;
	char out[256];
	pid_t pid = itest_authd_pid();
	char sock[300];
	double t0;
	int err, i;

	ck_assert_int_gt(pid, 0);
	snprintf(sock, sizeof(sock), "%s/nss.sock", itest.dir);
	/* stuck: connections are accepted by the kernel, nobody answers */
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	t0 = now_s();
	ck_assert_int_eq(p_getpwnam("nina", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_UNAVAIL);
	ck_assert_msg(now_s() - t0 < 5.0, "took %.1f s", now_s() - t0);
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	ck_assert_int_eq(p_getpwnam("nina", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);

	/* stopped: no socket; files still answers for root */
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	/* gone when its socket is (a zombie would still answer kill 0) */
	for (i = 0; i < 500 && access(sock, F_OK) == 0; i++)
		usleep(20000);
	t0 = now_s();
	ck_assert_int_eq(p_getpwnam("nina", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_UNAVAIL);
	ck_assert_msg(now_s() - t0 < 5.0, "took %.1f s", now_s() - t0);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent passwd root",
	    wrap), 0);
	ck_assert_msg(strncmp(out, "root:x:0:0:", 11) == 0, "%s", out);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	ck_assert_int_eq(p_getpwnam("nina", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
}
END_TEST

/*
 * Add n people PREFIX1..PREFIXn (uidNumber = gidNumber = first_id + i), about
 * 80 bytes each in an enumeration's answer, and wait until the view has the
 * last one. Returns n.
 */
static int
add_people(const char *prefix, int n, long first_id)
{
	ck_assert_int_eq(itest_sh("for i in $(seq 1 %d); do printf 'dn: uid=%s%%d,"
	    "ou=people,%s\\nobjectClass: inetOrgPerson\\nobjectClass: posixAccount\\n"
	    "objectClass: authdAccount\\nuid: %s%%d\\ncn: %s %%d\\nsn: %s\\n"
	    "uidNumber: %%d\\ngidNumber: %%d\\nhomeDirectory: /home/%s%%d\\n"
	    "authdAccountState: active\\n\\n' $i $i $i $((%ld + i)) $((%ld + i)) $i; done | "
	    "ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null", n, prefix, itest.base_dn,
	    prefix, prefix, prefix, prefix, first_id, first_id, itest.ldapi_uri), 0);
	ck_assert_int_eq(itest_sh("for i in $(seq 1 100); do %s getent passwd %s%d "
	    ">/dev/null && exit 0; sleep 0.1; done; exit 1", wrap, prefix, n), 0);
	return n;
}

/* How many people an enumeration needs to fill times socket send buffers
 * (net.core.wmem_default, 208 KiB unless the host says otherwise), at
 * least at_least. */
static int
people_for_buffers(int times, int at_least)
{
	char out[64];
	int n;

	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "cat "
	    "/proc/sys/net/core/wmem_default 2>/dev/null || echo 212992"), 0);
	n = atoi(out) / 80 * times;
	return n > at_least ? n : at_least;
}

/* A STATUS frame: header, then tag 8, length 1, TRYAGAIN (3). */
static const unsigned char tryagain[] = { 0x41, 0x4e, 1, 19, 0, 0, 0, 5,
    0, 8, 0, 1, 3 };

/* Send an NSS request without fields (an enumeration) on a new connection. */
static int
enum_request(void)
{
	static const unsigned char enum_pw[] = { 0x41, 0x4e, 1, 6, 0, 0, 0, 0 };
	int fd;

	ck_assert_int_ge(fd = nss_connect(), 0);
	ck_assert_int_eq(write(fd, enum_pw, sizeof(enum_pw)), (ssize_t)sizeof(enum_pw));
	return fd;
}

/*
 * At most NSS_ENUM_CONCURRENT (2) enumerations at once, each counted until
 * its answer is sent: two readers that stop reading hold their places, a
 * third is told TRYAGAIN at once, lookups go on, and a place is given back
 * when its reader goes away.
 */
START_TEST(enumerations_bounded)
{
	struct passwd pw;
	char out[4096];
	struct pollfd p[2];
	int a, b, c, err, many;

	ck_assert_int_eq(itest_set_conf("nss_enumerate", "yes"), 0);
	ck_assert_int_eq(itest_restart_authd(""), 0);
	/* more than a socket's send buffer of answers: they stall in it */
	many = add_people("many", people_for_buffers(2, 5000), 50000);
	a = enum_request();
	b = enum_request();
	/* both answers have begun (and stall, unread, in full sockets) */
	p[0] = (struct pollfd){ .fd = a, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = b, .events = POLLIN };
	ck_assert_int_eq(poll(&p[0], 1, 10000), 1);
	ck_assert_int_eq(poll(&p[1], 1, 10000), 1);
	c = enum_request();
	ck_assert_int_eq(read_for(c, out, sizeof(out), 5000), (ssize_t)sizeof(tryagain));
	ck_assert_mem_eq(out, tryagain, sizeof(tryagain));
	close(c);
	ck_assert_int_eq(p_getpwnam("many17", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
	ck_assert_uint_eq(pw.pw_uid, 50017);
	/* a reader gone gives its place back */
	close(a);
	c = enum_request();
	ck_assert_int_gt(read_for(c, out, sizeof(out), 5000), 8);
	ck_assert_msg(out[3] == 16, "not a passwd entry: type %d", out[3]);
	close(c);
	close(b);
	/* and a whole walk sees them all */
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "%s getent passwd | grep -c "
	    "'^many[0-9]*:x:'", wrap), 0);
	ck_assert_int_eq(atoi(out), many);
}
END_TEST

/*
 * One user does not hold both enumeration places: a user has one
 * enumeration at a time (a second is told TRYAGAIN) while root is served
 * beside it. Uses the people enumerations_bounded added.
 */
START_TEST(one_enumeration_per_user)
{
	char out[4096];
	struct pollfd pf;
	ssize_t n;
	int a, st, go[2], done[2];
	pid_t pid;

	/* one user's second enumeration, root's beside it */
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c = 0;
		int x, y;

		close(go[0]);
		close(done[1]);
		if (setgid(30998) != 0 || setuid(30998) != 0)
			_exit(90);
		x = enum_request();
		pf = (struct pollfd){ .fd = x, .events = POLLIN };
		if (poll(&pf, 1, 10000) != 1)
			_exit(91);
		y = enum_request();
		if (read_for(y, out, sizeof(out), 5000) != (ssize_t)sizeof(tryagain) ||
		    memcmp(out, tryagain, sizeof(tryagain)) != 0)
			_exit(92);
		/* holding x while root asks */
		(void)write(go[1], &c, 1);
		(void)read(done[0], &c, 1);
		close(x);
		_exit(0);
	}
	close(go[1]);
	close(done[0]);
	ck_assert_int_eq(read(go[0], out, 1), 1);
	a = enum_request();
	n = read_for(a, out, sizeof(out), 5000);
	close(a);
	(void)write(done[1], "x", 1);
	close(go[0]);
	close(done[1]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d "
	    "(92: a user's second enumeration was served)", st);
	ck_assert_int_gt(n, 8);
	ck_assert_msg(out[3] == 16, "root not served beside it: type %d", out[3]);
}
END_TEST

/*
 * A user's enumeration holds its place until its walk is done, even when
 * the user closes its connection at once: closing and asking again does not
 * give a user a second place (nor both, shutting root out). Its place went
 * with its connection, and the second enumeration was served.
 */
START_TEST(closed_enumeration_keeps_its_place)
{
	char out[4096];
	ssize_t n;
	int a, st;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int x, y, i, queued = 1;

		if (setgid(30997) != 0 || setuid(30997) != 0)
			_exit(90);
		/* authd has read the request (nothing left queued), its walk of
		 * some thousand people takes tens of ms: closed meanwhile */
		x = enum_request();
		for (i = 0; i < 1000 && (ioctl(x, SIOCOUTQ, &queued) != 0 ||
		    queued > 0); i++)
			usleep(1000);
		close(x);
		y = enum_request();
		n = read_for(y, out, sizeof(out), 5000);
		_exit(n == (ssize_t)sizeof(tryagain) &&
		    memcmp(out, tryagain, sizeof(tryagain)) == 0 ? 0 : 92);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d "
	    "(92: a second enumeration was served while the first still ran)", st);
	/* the places come back: root is served */
	a = enum_request();
	n = read_for(a, out, sizeof(out), 5000);
	close(a);
	ck_assert_int_gt(n, 8);
	ck_assert_msg(out[3] == 16, "root not served: type %d", out[3]);
}
END_TEST

/*
 * An answer is sent whole within 10 s, however it is read: a reader taking
 * 4 KiB every 100 ms (40 KiB/s; by 10 s it holds at most 400 KiB and the
 * socket's buffer), asking for an answer of over four socket buffers, is cut
 * off about 10 s after the answer first stalled, its enumeration place is
 * given back, and lookups go on. With the deadline counted again from each
 * bit of progress it read the whole answer, in about 20 s.
 */
START_TEST(slow_reader_cut_off)
{
	static const unsigned char end[] = { 0x41, 0x4e, 1, 19, 0, 0, 0, 5,
	    0, 8, 0, 1, 0 };
	unsigned char last[sizeof(end)] = { 0 };
	char chunk[4096], out[4096];
	struct pollfd p;
	struct passwd pw;
	size_t total = 0;
	double t0, took;
	ssize_t n;
	int fd, err;

	/* beside enumerations_bounded's, four buffers' worth more */
	add_people("slow", people_for_buffers(4, 10000), 100000);

	fd = enum_request();
	t0 = now_s();
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		ck_assert_msg(now_s() - t0 < 90, "still open after 90 s (%zu bytes)",
		    total);
		ck_assert_int_eq(poll(&p, 1, 30000), 1);
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
			break;
		if ((size_t)n >= sizeof(last)) {
			memcpy(last, chunk + n - sizeof(last), sizeof(last));
		} else {
			memmove(last, last + n, sizeof(last) - (size_t)n);
			memcpy(last + sizeof(last) - n, chunk, (size_t)n);
		}
		total += (size_t)n;
		usleep(100 * 1000);
	}
	took = now_s() - t0;
	close(fd);
	ck_assert_msg(memcmp(last, end, sizeof(end)) != 0, "the whole answer "
	    "(%zu bytes) was read in %.1f s: the 10 s deadline did not hold",
	    total, took);
	ck_assert_msg(took >= 9, "cut off after %.1f s, before its 10 s", took);
	ck_assert_int_eq(itest_sh("grep -q 'nss: uid 0 did not take its answer "
	    "within 10 s; closed' %s/authd.log", itest.dir), 0);
	/* its place is free again, and lookups are served */
	fd = enum_request();
	ck_assert_int_gt(read_for(fd, out, sizeof(out), 5000), 8);
	ck_assert_msg(out[3] == 16, "not a passwd entry: type %d", out[3]);
	close(fd);
	fd = enum_request();
	ck_assert_int_gt(read_for(fd, out, sizeof(out), 5000), 8);
	ck_assert_msg(out[3] == 16, "second place: type %d", out[3]);
	close(fd);
	ck_assert_int_eq(p_getpwnam("slow17", &pw, buf, sizeof(buf), &err),
	    NSS_STATUS_SUCCESS);
}
END_TEST

static Suite *
nss_suite(void)
{
	Suite *s = suite_create("nss");
	TCase *tc = tcase_create("module and authd");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, passwd_by_name_and_uid);
	tcase_add_test(tc, groups_and_initgroups);
	tcase_add_test(tc, group_of_many_short_names);
	tcase_add_test(tc, system_ids_never_from_directory);
	tcase_add_test(tc, unknown_not_found);
	tcase_add_test(tc, added_person_resolves_at_once);
	tcase_add_test(tc, disabled_and_suspended_still_resolve);
	tcase_add_test(tc, tiny_buffer_erange);
	tcase_add_test(tc, root_never_from_directory);
	tcase_add_test(tc, enumeration_off_by_default);
	tcase_add_test(tc, enumeration_on_by_config);
	tcase_add_test(tc, refused_requests_answered_once);
	tcase_add_test(tc, silent_connection_closed);
	tcase_add_test(tc, one_user_cannot_take_every_connection);
	tcase_add_test(tc, authd_stuck_or_stopped_unavailable);
	tcase_add_test(tc, enumerations_bounded);
	tcase_add_test(tc, one_enumeration_per_user);
	tcase_add_test(tc, closed_enumeration_keeps_its_place);
	tcase_add_test(tc, slow_reader_cut_off);
	suite_add_tcase(s, tc);
	return s;
}

#define SYM(v, name) do { \
	if ((*(void **)&(v) = dlsym(h, name)) == NULL) { \
		fprintf(stderr, "no %s\n", name); return 1; } } while (0)

int
main(void)
{
	char sock[300];
	SRunner *sr;
	void *h;
	int failed;

	if ((h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", so_path, dlerror());
		return 1;
	}
	SYM(p_getpwnam, "_nss_authd_getpwnam_r");
	SYM(p_getpwuid, "_nss_authd_getpwuid_r");
	SYM(p_getgrnam, "_nss_authd_getgrnam_r");
	SYM(p_getgrgid, "_nss_authd_getgrgid_r");
	SYM(p_initgroups, "_nss_authd_initgroups_dyn");
	SYM(p_setpwent, "_nss_authd_setpwent");
	SYM(p_getpwent, "_nss_authd_getpwent_r");
	SYM(p_endpwent, "_nss_authd_endpwent");
	SYM(p_setgrent, "_nss_authd_setgrent");
	SYM(p_getgrent, "_nss_authd_getgrent_r");
	SYM(p_endgrent, "_nss_authd_endgrent");
	itest_up(300);
	snprintf(sock, sizeof(sock), "%s/nss.sock", itest.dir);
	setenv("AUTHD_NSS_SOCKET", sock, 1);
	itest_nss_env(wrap, sizeof(wrap), so_path);
	sr = srunner_create(nss_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (itest_down() != 0)
		failed++;
	return failed == 0 ? 0 : 1;
}
