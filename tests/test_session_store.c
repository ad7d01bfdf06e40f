/*
 * The sessions kept across restarts of authd (authd/session_store.h): the
 * line format, and a registry written to its file, read back by a second
 * registry as a restarted authd reads it: what is restored, what is
 * forgotten (a login program that has ended, a file of another boot, a
 * file that is not one), a line cut short, a bad line, the lock, the
 * file kept small by rewrites, and a full disk.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authd/proc_kill.h"
#include "authd/session.h"
#include "authd/session_store.h"

static char dir[] = "/tmp/authd-ss.XXXXXX";
static char path[300];

static void
fill(struct session *s, const char *id, pid_t pid)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->pid = pid;
	s->leader_start = proc_start_time(pid);
	snprintf(s->user, sizeof(s->user), "tanaka");
	snprintf(s->dn, sizeof(s->dn), "uid=tanaka,ou=people,dc=mura,dc=example");
	snprintf(s->service, sizeof(s->service), "sshd");
	snprintf(s->tty, sizeof(s->tty), "ssh");
	s->uid_number = 20001;
	s->opened = 1790000000;
	s->opened_ms = 1790000000123LL;
	snprintf(s->factors, sizeof(s->factors), "password,card");
	snprintf(s->credential, sizeof(s->credential), "card:1003");
	snprintf(s->grant_dn, sizeof(s->grant_dn), "cn=g1,ou=grants,dc=mura");
	s->grant_until = 1790003600;
	s->role_max_session = 3600;
}

/* A pid that no longer runs: a child that has exited and been reaped. */
static pid_t
dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	ck_assert_int_gt(p, 0);
	ck_assert_int_eq(waitpid(p, NULL, 0), p);
	return p;
}

static size_t
file_lines(void)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	int c;

	ck_assert_ptr_nonnull(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* A registry reading path as a restarted authd does. */
static struct session_registry *
reopen(size_t *restored_r, size_t *dropped_r)
{
	struct session_registry *r;
	char err[512] = "";

	ck_assert_int_eq(session_registry_new(&r), 0);
	ck_assert_msg(session_registry_persist(r, path, restored_r, dropped_r,
	    err, sizeof(err)) == 0, "persist: %s", err);
	return r;
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sessions", dir);
}

static void
teardown(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/authd-ss.XXXXXX");
}

START_TEST(line_round_trip)
{
	struct session s, back;
	char line[16384];

	fill(&s, "0123456789abcdef0123456789abcdef", 4242);
	s.leader_start = 987654321ULL;
	snprintf(s.user, sizeof(s.user), "sp ace%%pct\x01 ünï");
	s.tty[0] = '\0';
	s.ended = 1;
	s.ended_at = 1790000500;
	snprintf(s.end_reason, sizeof(s.end_reason), "card lost");
	s.emergency_until = 1790000900;
	ck_assert_int_eq(session_store_encode(&s, line, sizeof(line)), 0);
	ck_assert_msg(strchr(line, '\n') == line + strlen(line) - 1,
	    "one line: %s", line);
	ck_assert_ptr_nonnull(strstr(line, " user=sp%20ace%25pct%01%20ünï "));
	line[strlen(line) - 1] = '\0';
	ck_assert_int_eq(session_store_decode(line, &back), 0);
	ck_assert_str_eq(back.id, s.id);
	ck_assert_int_eq(back.pid, 4242);
	ck_assert(back.leader_start == 987654321ULL);
	ck_assert_str_eq(back.user, s.user);
	ck_assert_str_eq(back.tty, "");
	ck_assert_str_eq(back.dn, s.dn);
	ck_assert_str_eq(back.factors, "password,card");
	ck_assert_str_eq(back.credential, "card:1003");
	ck_assert_str_eq(back.grant_dn, s.grant_dn);
	ck_assert(back.opened_ms == s.opened_ms);
	ck_assert(back.grant_until == s.grant_until);
	ck_assert_int_eq(back.role_max_session, 3600);
	/* an emergency grant's approval deadline still ends it after a restart */
	ck_assert(back.emergency_until == 1790000900);
	ck_assert_int_eq(back.ended, 1);
	ck_assert(back.ended_at == s.ended_at);
	ck_assert_str_eq(back.end_reason, "card lost");
}
END_TEST

START_TEST(bad_lines_refused)
{
	static const char *const bad[] = {
		"+ id=0123456789abcdef0123456789abcdef",          /* no pid */
		"+ pid=77",                                       /* no id */
		"+ id=short pid=77",
		"+ id=0123456789abcdef0123456789abcdef pid=1",    /* init */
		"+ id=0123456789abcdef0123456789abcdef pid=7x",
		"+ id=0123456789abcdef0123456789abcdef pid=77 user=a%zz",
		"+ id=0123456789abcdef0123456789abcdef pid=77 user=a%00b",
		"+ id=0123456789abcdef0123456789abcdef pid=77 ended=2",
		"+ id=0123456789abcdef0123456789abcdef pid=77 start=-5",
		"+ id=0123456789abcdef0123456789abcdef pid=77 noequals",
		"* id=0123456789abcdef0123456789abcdef pid=77",
		"+id=0123456789abcdef0123456789abcdef pid=77",
	};
	struct session s;
	char line[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "%s", bad[i]);
		ck_assert_msg(session_store_decode(line, &s) == -1,
		    "accepted: %s", bad[i]);
	}
	/* a key of a later version is skipped; "-" needs the id alone */
	snprintf(line, sizeof(line), "+ id=0123456789abcdef0123456789abcdef "
	    "pid=77 later=x%%20y");
	ck_assert_int_eq(session_store_decode(line, &s), 0);
	ck_assert_int_eq(s.pid, 77);
	snprintf(line, sizeof(line), "- id=0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(session_store_decode(line, &s), 0);
}
END_TEST

START_TEST(restart_reads_back_live_sessions)
{
	struct session_registry *r;
	struct session s, *found;
	size_t restored, dropped;
	struct stat st;

	r = reopen(&restored, &dropped);
	ck_assert_uint_eq(restored + dropped, 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	fill(&s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", getpid());
	ck_assert_int_eq(session_add(r, &s), 0);
	fill(&s, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", dead_pid());
	s.leader_start = 12345;
	ck_assert_int_eq(session_add(r, &s), 0);
	fill(&s, "cccccccccccccccccccccccccccccccc", getpid());
	ck_assert_int_eq(session_add(r, &s), 0);
	ck_assert_ptr_nonnull(found = session_find(r, s.id));
	session_remove(r, found);
	/* ended by authd: read back as ended, with its reason */
	ck_assert_ptr_nonnull(found = session_find(r,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	found->ended = 1;
	snprintf(found->end_reason, sizeof(found->end_reason), "idle");
	session_changed(r, found);
	/* the second authd on the same file does not start */
	{
		struct session_registry *other;
		size_t a, b;
		char err[512] = "";

		ck_assert_int_eq(session_registry_new(&other), 0);
		ck_assert_int_ne(session_registry_persist(other, path, &a, &b,
		    err, sizeof(err)), 0);
		ck_assert_msg(strstr(err, "in use by another authd") != NULL,
		    "err: %s", err);
		session_registry_free(&other);
	}
	session_registry_free(&r);

	r = reopen(&restored, &dropped);
	ck_assert_uint_eq(restored, 1);
	ck_assert_uint_eq(dropped, 1);      /* its login program has ended */
	ck_assert_ptr_null(session_find(r, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
	ck_assert_ptr_null(session_find(r, "cccccccccccccccccccccccccccccccc"));
	ck_assert_ptr_nonnull(found = session_find(r,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert_int_eq(found->restored, 1);
	ck_assert_int_eq(found->ended, 1);
	ck_assert_str_eq(found->end_reason, "idle");
	ck_assert_str_eq(found->grant_dn, "cn=g1,ou=grants,dc=mura");
	/* rewritten at start: the header and the one it holds */
	ck_assert_uint_eq(file_lines(), 2);
	session_registry_free(&r);
}
END_TEST

/* What a crash or a hand leaves in the file costs only those lines. */
START_TEST(torn_and_bad_lines)
{
	struct session_registry *r;
	struct session s;
	char line[16384];
	size_t restored, dropped;
	FILE *f;

	r = reopen(&restored, &dropped);
	fill(&s, "dddddddddddddddddddddddddddddddd", getpid());
	ck_assert_int_eq(session_add(r, &s), 0);
	session_registry_free(&r);
	fill(&s, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", getpid());
	ck_assert_int_eq(session_store_encode(&s, line, sizeof(line)), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("+ this is not a session\n", f);
	fputs(line, f);
	/* a crash in the middle of the next line */
	fill(&s, "ffffffffffffffffffffffffffffffff", getpid());
	ck_assert_int_eq(session_store_encode(&s, line, sizeof(line)), 0);
	line[strlen(line) / 2] = '\0';
	fputs(line, f);
	fclose(f);
	r = reopen(&restored, &dropped);
	ck_assert_uint_eq(restored, 2);
	ck_assert_ptr_nonnull(session_find(r, "dddddddddddddddddddddddddddddddd"));
	ck_assert_ptr_nonnull(session_find(r, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"));
	ck_assert_ptr_null(session_find(r, "ffffffffffffffffffffffffffffffff"));
	session_registry_free(&r);
}
END_TEST

START_TEST(other_boot_and_other_files)
{
	struct session_registry *r;
	struct session s;
	char cmd[700], aside[320];
	size_t restored, dropped;

	r = reopen(&restored, &dropped);
	fill(&s, "1111111111111111111111111111111a", getpid());
	ck_assert_int_eq(session_add(r, &s), 0);
	session_registry_free(&r);
	/* the same file after a reboot: its pids name other programs now */
	snprintf(cmd, sizeof(cmd), "sed -i '1s/boot=.*/boot=0000-earlier/' '%s'",
	    path);
	ck_assert_int_eq(system(cmd), 0);
	r = reopen(&restored, &dropped);
	ck_assert_uint_eq(restored, 0);
	session_registry_free(&r);
	/* not a session file: put aside, not read, not lost */
	snprintf(cmd, sizeof(cmd), "printf 'socket = /run/x\\n' > '%s'", path);
	ck_assert_int_eq(system(cmd), 0);
	r = reopen(&restored, &dropped);
	ck_assert_uint_eq(restored, 0);
	session_registry_free(&r);
	snprintf(aside, sizeof(aside), "%s.bad", path);
	ck_assert_int_eq(access(aside, F_OK), 0);
}
END_TEST

START_TEST(file_kept_small)
{
	struct session_registry *r;
	struct session s, *found;
	size_t restored, dropped, i;
	char id[40];

	r = reopen(&restored, &dropped);
	fill(&s, "22222222222222222222222222222222", getpid());
	ck_assert_int_eq(session_add(r, &s), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "%032zx", i + 0x1000);
		fill(&s, id, getpid());
		ck_assert_int_eq(session_add(r, &s), 0);
		ck_assert_ptr_nonnull(found = session_find(r, id));
		session_remove(r, found);
	}
	/* 6,001 lines written; rewritten whenever they passed 4 x live + 256 */
	ck_assert_uint_le(file_lines(), 4 + 256 + 2);
	session_registry_free(&r);
	r = reopen(&restored, &dropped);
	ck_assert_uint_eq(restored, 1);
	ck_assert_ptr_nonnull(session_find(r, "22222222222222222222222222222222"));
	session_registry_free(&r);
}
END_TEST

/* Asserts nothing: see full_disk_loses_nothing. */
static off_t
file_size(void)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* No more than this many bytes in a file from here on (a full disk). */
static void
room(rlim_t bytes)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) == 0) {
		rl.rlim_cur = bytes;
		(void)setrlimit(RLIMIT_FSIZE, &rl);
	}
}

/*
 * A full disk: the changes that could not be written are not lost once
 * there is room again (the file is written whole), a line written in part
 * does not spoil the next, and with no room for a fresh file at start the
 * sessions are still read and served.
 */
START_TEST(full_disk_loses_nothing)
{
	struct session_registry *r;
	struct session s, *found;
	size_t restored, dropped;
	off_t before, after_add, after_remove;
	int added, kept, rc;
	char err[512] = "";

	/*
	 * Check's own messages go to a file too: nothing is asserted while
	 * the room is short.
	 */
	signal(SIGXFSZ, SIG_IGN);   /* writes past the limit fail with EFBIG */
	r = reopen(&restored, &dropped);
	fill(&s, "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0", getpid());
	ck_assert_int_eq(session_add(r, &s), 0);
	ck_assert_ptr_nonnull(found = session_find(r,
	    "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"));
	ck_assert_int_gt(before = file_size(), 0);
	room((rlim_t)before + 20);  /* each line is written in part only */
	fill(&s, "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1", getpid());
	added = session_add(r, &s);
	after_add = file_size();
	session_remove(r, found);
	after_remove = file_size();
	room(RLIM_INFINITY);
	ck_assert_int_eq(added, 0);
	ck_assert_int_eq(after_add, before);    /* the part cut off again */
	ck_assert_int_eq(after_remove, before);
	fill(&s, "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2", getpid());
	ck_assert_int_eq(session_add(r, &s), 0);
	session_registry_free(&r);

	r = reopen(&restored, &dropped);
	ck_assert_uint_eq(restored, 2);
	ck_assert_ptr_null(session_find(r, "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"));
	ck_assert_ptr_nonnull(session_find(r, "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"));
	ck_assert_ptr_nonnull(session_find(r, "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2"));
	session_registry_free(&r);

	/* no room for the fresh file at start: read and served all the same */
	ck_assert_int_eq(session_registry_new(&r), 0);
	room(10);
	rc = session_registry_persist(r, path, &restored, &dropped, err,
	    sizeof(err));
	kept = (found = session_find(r, "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1")) != NULL;
	if (found != NULL)
		session_remove(r, found);
	room(RLIM_INFINITY);
	ck_assert_msg(rc == 0, "persist: %s", err);
	ck_assert_uint_eq(restored, 2);
	ck_assert_int_eq(kept, 1);
	fill(&s, "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3", getpid());
	ck_assert_int_eq(session_add(r, &s), 0);
	session_registry_free(&r);
	r = reopen(&restored, &dropped);
	ck_assert_uint_eq(restored, 2);
	ck_assert_ptr_null(session_find(r, "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"));
	ck_assert_ptr_nonnull(session_find(r, "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2"));
	ck_assert_ptr_nonnull(session_find(r, "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3"));
	ck_assert_uint_eq(file_lines(), 3);
	session_registry_free(&r);
	signal(SIGXFSZ, SIG_DFL);
}
END_TEST

/*
 * A login program gone: the number of its pid may name another program's
 * session by now (one that called setsid() and left a daemon behind):
 * nothing of it is the login's, except in the grace of an end that began
 * while the login still held its pid.
 */
START_TEST(dead_leaders_number_not_trusted)
{
	struct proc_target t[16];
	int p[2], st, stale, graced;
	size_t groups;
	pid_t other, daemon_pid = 0;

	ck_assert_int_eq(pipe(p), 0);
	if ((other = fork()) == 0) {
		pid_t d;

		setsid();
		if ((d = fork()) == 0) {
			for (;;)
				pause();
		}
		(void)write(p[1], &d, sizeof(d));
		_exit(0);
	}
	ck_assert_int_gt(other, 0);
	ck_assert_int_eq(read(p[0], &daemon_pid, sizeof(daemon_pid)),
	    sizeof(daemon_pid));
	ck_assert_int_eq(waitpid(other, &st, 0), other);
	close(p[0]);
	close(p[1]);
	/* a session once led by a login program of that pid, long ago */
	stale = proc_session_members(other, 12345, 0, 0, t, 16);
	groups = proc_signal_groups(t, stale > 0 ? (size_t)stale : 0, other,
	    12345, 0, 0);
	/* within the grace of an end begun while it held its pid */
	graced = proc_session_members(other, 12345, 0, 1, t, 16);
	kill(daemon_pid, SIGKILL);
	ck_assert_int_eq(stale, 0);
	ck_assert_uint_eq(groups, 0);
	ck_assert_int_eq(graced, 1);
	ck_assert_int_eq(t[0].pid, daemon_pid);
}
END_TEST

/*
 * A session's process group is signalled whole, at once: a process of it
 * that no list named (it forked after the scan, or lives shorter than one)
 * goes too.
 */
START_TEST(groups_signalled_whole)
{
	struct proc_target t[1];
	unsigned long long start;
	long long until;
	int p[2], alive;
	size_t sent;
	pid_t leader, member = 0;

	ck_assert_int_eq(pipe(p), 0);
	if ((leader = fork()) == 0) {
		pid_t m;

		setsid();
		if ((m = fork()) == 0) {
			for (;;)
				pause();
		}
		(void)write(p[1], &m, sizeof(m));
		for (;;)
			pause();
	}
	ck_assert_int_gt(leader, 0);
	ck_assert_int_eq(read(p[0], &member, sizeof(member)), sizeof(member));
	close(p[0]);
	close(p[1]);
	start = proc_start_time(leader);
	t[0].pid = leader;
	t[0].start = start;
	t[0].pgrp = leader;
	t[0].sid = leader;
	/* the list names the leader only */
	sent = proc_signal_groups(t, 1, leader, start, 0, SIGKILL);
	(void)waitpid(leader, NULL, 0);
	until = time(NULL) + 3;
	while ((alive = proc_start_time(member) != 0) && time(NULL) < until)
		usleep(10000);
	if (alive)
		kill(member, SIGKILL);
	ck_assert_uint_ge(sent, 1);
	ck_assert_msg(!alive, "a process of the group the list did not name "
	    "outlived the group's signal");
}
END_TEST

/*
 * A login's own audit session (proc_kill.h): set by its loginuid, and not
 * its parent's; a login inside it (su, sudo) has none of its own, so that
 * ending that one never ends the outer login's processes.
 */
START_TEST(own_audit_session)
{
	pid_t p, q;
	int status, fd;

	if ((p = fork()) == 0) {
		if ((fd = open("/proc/self/loginuid", O_WRONLY)) == -1 ||
		    write(fd, "0", 1) != 1)
			_exit(1);
		close(fd);
		if (proc_own_audit_session(getpid()) == 0 ||
		    proc_audit_session(getpid()) == proc_audit_session(getppid()))
			_exit(2);
		if ((q = fork()) == 0)
			_exit(proc_own_audit_session(getpid()) == 0 &&
			    proc_audit_session(getpid()) != 0 ? 0 : 3);
		if (waitpid(q, &status, 0) != q || !WIFEXITED(status))
			_exit(4);
		_exit(WEXITSTATUS(status));
	}
	ck_assert_int_eq(waitpid(p, &status, 0), p);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 1) {
		printf("session_store: SKIP own_audit_session: this machine does "
		    "not let the test set a loginuid\n");
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == 0, "own audit session: case %d",
	    WEXITSTATUS(status));
	ck_assert_uint_eq(proc_own_audit_session(1), 0);
	ck_assert_uint_eq(proc_audit_session(dead_pid()), 0);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("session_store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, line_round_trip);
	tcase_add_test(tc, bad_lines_refused);
	tcase_add_test(tc, restart_reads_back_live_sessions);
	tcase_add_test(tc, torn_and_bad_lines);
	tcase_add_test(tc, other_boot_and_other_files);
	tcase_add_test(tc, file_kept_small);
	tcase_add_test(tc, full_disk_loses_nothing);
	tcase_add_test(tc, dead_leaders_number_not_trusted);
	tcase_add_test(tc, groups_signalled_whole);
	tcase_add_test(tc, own_audit_session);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
