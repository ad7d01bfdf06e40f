/*
 * bench_floor: two costs of the machine that bound a login's latency and
 * rate, whatever authd does: a wakeup round trip between two threads (each
 * login hands work between processes and threads several times), on the
 * same CPU and across CPUs; and a small append + fdatasync in a folder (the
 * audit record each decision waits for).
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
#define SYNCS  500

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

int
main(int argc, char **argv)
{
	char path[4096], line[300];
	double t0, dt;
	int fd, i;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_floor FOLDER\n");
		return 2;
	}
	printf("wakeup round trip, same cpu:   %.1f us\n", round_trip(0, 0));
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		printf("wakeup round trip, two cpus:   %.1f us\n", round_trip(0, 1));
	snprintf(path, sizeof(path), "%s/bench_floor.tmp", argv[1]);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600)) == -1) {
		perror(path);
		return 1;
	}
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	t0 = now_us();
	for (i = 0; i < SYNCS; i++)
		if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line) ||
		    fdatasync(fd) != 0) {
			perror(path);
			break;
		}
	dt = (now_us() - t0) / SYNCS;
	close(fd);
	unlink(path);
	printf("append %zu bytes + fdatasync: %.1f us\n", sizeof(line), dt);
	return 0;
}
