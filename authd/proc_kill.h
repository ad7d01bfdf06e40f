/*
 * Ending the processes of a login session on this host. A session is
 * known by its leader: the pid of the login program that opened it (the
 * PAM module sends it). Its processes are the leader, every process whose
 * session id or process group is the leader's pid, and every descendant of
 * these (found by walking /proc); and when the login has an audit session
 * of its own (pam_loginuid set the leader's loginuid, so the kernel gave it
 * a new /proc/PID/sessionid that every process it starts inherits and no
 * unprivileged one can change), every process of that audit session: a
 * process that left the tree (a double fork, setsid) is still found.
 * Session ids and process groups are matched only while the leader holds
 * its pid (alive, or a zombie: compared by start time): once it is gone,
 * the number may have gone to another program that made it a session or
 * group of its own and left, and only the audit session is trusted.
 */
#ifndef AUTHD_PROC_KILL_H
#define AUTHD_PROC_KILL_H

#include <stddef.h>
#include <sys/types.h>

#define PROC_KILL_MAX 4096        /* processes of one session we act on */

struct proc_target {
	pid_t pid;
	unsigned long long start;     /* /proc/PID/stat starttime */
	pid_t pgrp, sid;
};

/* The audit session of pid (/proc/PID/sessionid), 0 when unset or unknown. */
unsigned proc_audit_session(pid_t pid);
/*
 * The audit session of the login program pid when it is the login's own:
 * set, and not its parent's (su or sudo run inside another login inherit
 * that one, which must not be ended with theirs). 0 otherwise.
 */
unsigned proc_own_audit_session(pid_t pid);

/* The start time of pid (clock ticks since boot), 0 when it is not there. */
unsigned long long proc_start_time(pid_t pid);

/*
 * The processes of the session led by leader, with audit_session its own
 * audit session or 0 (see above), never pid 1 nor authd or its ancestors.
 * leader_known: the leader was seen holding its pid a moment ago (the
 * grace between SIGHUP and SIGKILL): its session id and group still name
 * the session's processes if it has died since, unless its pid names
 * another program already. Returns the number found (at most max), or -1
 * when /proc cannot be read.
 */
int proc_session_members(pid_t leader, unsigned long long leader_start,
    unsigned audit_session, int leader_known, struct proc_target *out,
    size_t max);

/* Send sig to each target still alive with the same start time; returns
 * how many were signalled. */
size_t proc_signal(const struct proc_target *t, size_t n, int sig);

/*
 * Send sig to the leader's process group while it holds its pid (or
 * leader_known), and to the whole process group of each target whose
 * group is the session's for certain: led by a target still alive, or in the leader's
 * session while the leader holds its pid (or leader_known, as above; a
 * group never spans sessions). The kernel signals a group at once, so a
 * process that forks and exits faster than /proc can be read is not
 * missed. Returns the groups signalled.
 */
size_t proc_signal_groups(const struct proc_target *t, size_t n, pid_t leader,
    unsigned long long leader_start, int leader_known, int sig);

/* Whether leader still holds its pid (alive or a zombie) with that start. */
int proc_leader_here(pid_t leader, unsigned long long leader_start,
    int leader_known);

#endif
