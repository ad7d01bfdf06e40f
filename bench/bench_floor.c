/*
 * bench_floor: two costs of the machine that bound a login's latency and
 * rate, whatever authd does: a wakeup round trip between two threads (each
 * login hands work between processes and threads several times), on the
 * same CPU and across CPUs; and a small append + fdatasync in a folder (the
 * audit record each decision waits for), beside the same write over bytes
 * already in the file (what a sync costs without the inode's size to write).
 *
 *   bench_floor FOLDER
 */
#define _GNU_SOURCE
#include <sys/eventfd.h>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 20000
#define SYNCS  2000

static int ping, pong;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
echo(void *arg)
{
	uint64_t v;
	int i;

	pin(*(int *)arg);
	for (i = 0; i < ROUNDS; i++) {
		if (read(ping, &v, sizeof(v)) != sizeof(v) ||
		    write(pong, &v, sizeof(v)) != sizeof(v))
			break;
	}
	return NULL;
}

/* Microseconds per round trip, the echo thread on cpu_b. */
static double
round_trip(int cpu_a, int cpu_b)
{
	pthread_t t;
	uint64_t v = 1;
	double t0;
	int i;

	ping = eventfd(0, 0);
	pong = eventfd(0, 0);
	if (ping == -1 || pong == -1 ||
	    pthread_create(&t, NULL, echo, &cpu_b) != 0)
		return -1;
	pin(cpu_a);
	t0 = now_us();
	for (i = 0; i < ROUNDS; i++) {
		v = 1;
		if (write(ping, &v, sizeof(v)) != sizeof(v) ||
		    read(pong, &v, sizeof(v)) != sizeof(v))
			break;
	}
	t0 = (now_us() - t0) / ROUNDS;
	pthread_join(t, NULL);
	close(ping);
	close(pong);
	return t0;
}

/*
 * SYNCS records of line's size, each followed by fdatasync: appended (the
 * file grows, so each sync also writes the inode), or written over a file
 * already that long (data only). Microseconds per record.
 */
static int
sync_cost(const char *path, int append, double *us_r)
{
	char line[300];
	double t0;
	int fd, i, r = 0;

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC |
	    (append ? O_APPEND : 0), 0600)) == -1)
		return -1;
	if (!append) {
		for (i = 0; i < SYNCS && r == 0; i++)
			if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line))
				r = -1;
		if (r == 0 && fsync(fd) != 0)
			r = -1;
	}
	t0 = now_us();
	for (i = 0; i < SYNCS && r == 0; i++)
		if ((append ? write(fd, line, sizeof(line)) :
		    pwrite(fd, line, sizeof(line), (off_t)i * (off_t)sizeof(line))) !=
		    (ssize_t)sizeof(line) || fdatasync(fd) != 0)
			r = -1;
	*us_r = (now_us() - t0) / SYNCS;
	close(fd);
	unlink(path);
	return r;
}

int
main(int argc, char **argv)
{
	char path[4096];
	double us;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_floor FOLDER\n");
		return 2;
	}
	printf("wakeup round trip, same cpu:   %.1f us\n", round_trip(0, 0));
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		printf("wakeup round trip, two cpus:   %.1f us\n", round_trip(0, 1));
	snprintf(path, sizeof(path), "%s/bench_floor.tmp", argv[1]);
	if (sync_cost(path, 1, &us) != 0) {
		perror(path);
		return 1;
	}
	printf("append 300 bytes + fdatasync:  %.1f us\n", us);
	if (sync_cost(path, 0, &us) != 0) {
		perror(path);
		return 1;
	}
	printf("overwrite 300 bytes + fdatasync (no inode write): %.1f us\n", us);
	return 0;
}
