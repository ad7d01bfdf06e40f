/* The processes of a login session, from /proc (see proc_kill.h). */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_kill.h"

struct proc_info {
	pid_t pid, ppid, pgrp, sid;
	unsigned long long start;
	char state;
	int mark;
};

/* The kernel's value of a session id never set (AUDIT_SID_UNSET). */
#define AUDIT_SESSION_UNSET 4294967295ULL

/* Fields of /proc/PID/stat; 0 on success. comm may hold ") ": the last
 * one ends it. */
static int
read_stat(pid_t pid, struct proc_info *pi)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	int fd, ppid, pgrp, sid, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -1;
	p += 2;
	if (sscanf(p, "%c %d %d %d", &pi->state, &ppid, &pgrp, &sid) != 4)
		return -1;
	/* starttime is field 22; p starts at field 3 */
	for (i = 3; i < 22 && p != NULL; i++)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL || sscanf(p, "%llu", &start) != 1)
		return -1;
	pi->pid = pid;
	pi->ppid = ppid;
	pi->pgrp = pgrp;
	pi->sid = sid;
	pi->start = start;
	pi->mark = 0;
	return 0;
}

unsigned
proc_audit_session(pid_t pid)
{
	char path[64], buf[32], *end;
	unsigned long long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/sessionid", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf || v == 0 || v >= AUDIT_SESSION_UNSET)
		return 0;
	return (unsigned)v;
}

unsigned
proc_own_audit_session(pid_t pid)
{
	struct proc_info pi;
	unsigned id;

	if (pid <= 1 || (id = proc_audit_session(pid)) == 0 ||
	    read_stat(pid, &pi) != 0)
		return 0;
	/* inherited (su or sudo inside another login): that login's, not its */
	return proc_audit_session(pi.ppid) == id ? 0 : id;
}

unsigned long long
proc_start_time(pid_t pid)
{
	struct proc_info pi;

	if (pid <= 1 || read_stat(pid, &pi) != 0 || pi.state == 'Z')
		return 0;
	return pi.start;
}

static int
by_pid(const void *a, const void *b)
{
	pid_t x = ((const struct proc_info *)a)->pid;
	pid_t y = ((const struct proc_info *)b)->pid;

	return (x > y) - (x < y);
}

static int
read_all(struct proc_info **all_r, size_t *n_r)
{
	struct proc_info *all = NULL, *tmp;
	struct dirent *d;
	size_t n = 0, cap = 0;
	DIR *dir;
	char *end;
	long pid;

	if ((dir = opendir("/proc")) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = strtol(d->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			if ((tmp = realloc(all, cap * sizeof(*all))) == NULL) {
				free(all);
				closedir(dir);
				return -1;
			}
			all = tmp;
		}
		/* a process gone meanwhile is simply not there */
		if (read_stat((pid_t)pid, &all[n]) == 0)
			n++;
	}
	closedir(dir);
	if (n > 1)
		qsort(all, n, sizeof(*all), by_pid);
	*all_r = all;
	*n_r = n;
	return 0;
}

/* all is sorted by pid (read_all) */
static struct proc_info *
find(struct proc_info *all, size_t n, pid_t pid)
{
	struct proc_info key;

	key.pid = pid;
	return bsearch(&key, all, n, sizeof(*all), by_pid);
}

int
proc_session_members(pid_t leader, unsigned long long leader_start,
    unsigned audit_session, int leader_known, struct proc_target *out,
    size_t max)
{
	struct proc_info *all = NULL, *p, *lp;
	size_t i, k, found = 0;
	pid_t self = getpid(), a;
	int changed, pass, here;

	if (leader <= 1 || leader_start == 0)
		return 0;
	if (read_all(&all, &found) != 0)
		return -1;
	lp = find(all, found, leader);
	/*
	 * The leader still holds its pid (running, or a zombie not yet
	 * reaped): no other process can have been given it, so a session id
	 * or process group of that number is the login's. Once it is gone the
	 * number may have gone to another program that made it a session of
	 * its own and left (a daemon after setsid(), a pipeline): only the
	 * login's audit session still tells its processes. Within the grace
	 * of its end (leader_known) the number is still its own unless a
	 * process holds it already.
	 */
	here = lp != NULL ? lp->start == leader_start : leader_known;
	for (i = 0; i < found; i++)
		if ((here && (all[i].pid == leader || all[i].sid == leader ||
		    all[i].pgrp == leader)) || (audit_session != 0 &&
		    proc_audit_session(all[i].pid) == audit_session))
			all[i].mark = 1;
	/* and their descendants (a daemon that called setsid() inside) */
	for (pass = 0, changed = 1; changed && pass < 64; pass++) {
		changed = 0;
		for (i = 0; i < found; i++) {
			if (all[i].mark)
				continue;
			if ((p = find(all, found, all[i].ppid)) != NULL && p->mark) {
				all[i].mark = 1;
				changed = 1;
			}
		}
	}
	/* never init, authd, or what authd runs under */
	for (a = self; a > 1 && (p = find(all, found, a)) != NULL; a = p->ppid)
		p->mark = 0;
	if ((p = find(all, found, 1)) != NULL)
		p->mark = 0;
	max = max < PROC_KILL_MAX ? max : PROC_KILL_MAX;
	for (i = 0, k = 0; i < found && k < max; i++) {
		if (!all[i].mark || all[i].state == 'Z')
			continue;
		out[k].pid = all[i].pid;
		out[k].start = all[i].start;
		out[k].pgrp = all[i].pgrp;
		out[k].sid = all[i].sid;
		k++;
	}
	free(all);
	return (int)k;
}

size_t
proc_signal(const struct proc_target *t, size_t n, int sig)
{
	size_t i, sent = 0;

	for (i = 0; i < n; i++) {
		if (t[i].pid <= 1 || proc_start_time(t[i].pid) != t[i].start)
			continue;
		if (kill(t[i].pid, sig) == 0)
			sent++;
	}
	return sent;
}

int
proc_leader_here(pid_t leader, unsigned long long leader_start,
    int leader_known)
{
	struct proc_info pi;

	if (leader <= 1 || leader_start == 0)
		return 0;
	if (read_stat(leader, &pi) != 0)
		return leader_known && errno == ENOENT;
	return pi.start == leader_start;
}

size_t
proc_signal_groups(const struct proc_target *t, size_t n, pid_t leader,
    unsigned long long leader_start, int leader_known, int sig)
{
	size_t i, j, sent = 0;
	int here, seen;

	here = proc_leader_here(leader, leader_start, leader_known);
	/* its own group (the one its children are in unless they moved) */
	if (here && kill(-leader, sig) == 0)
		sent++;
	for (i = 0; i < n; i++) {
		if (t[i].pgrp <= 1 || (here && t[i].pgrp == leader))
			continue;
		for (seen = 0, j = 0; j < i && !seen; j++)
			seen = t[j].pgrp == t[i].pgrp;
		if (seen)
			continue;
		if (!(here && t[i].sid == leader)) {
			/* led by one of the session's own, still the same */
			for (j = 0; j < n && t[j].pid != t[i].pgrp; j++)
				;
			if (j == n || proc_start_time(t[j].pid) != t[j].start)
				continue;
		}
		if (kill(-t[i].pgrp, sig) == 0)
			sent++;
	}
	return sent;
}
