/* Whether a process runs, for the tests and the benchmarks that watch sessions end. */
#ifndef AUTHD_TEST_PROC_ALIVE_H
#define AUTHD_TEST_PROC_ALIVE_H

#include <sys/types.h>

/* 1 when pid exists and is not a zombie (read from /proc). */
int proc_alive(pid_t pid);

#endif
