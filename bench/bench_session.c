/*
 * bench_session: session end precision. LIST holds one privileged person a
 * line: "USER UNTIL SECRET" (UNTIL: the end of the person's approved grant,
 * seconds since the epoch; SECRET: their TOTP seed, base32). For each, a
 * child process starts a session of its own, logs in through PAM (password
 * + TOTP code), opens the PAM session and starts two `sleep 300` in it.
 * Then every session's processes are watched (every millisecond) until
 * all are gone; a session's figure is the wall-clock time from its grant's
 * end to the end of its last process.
 *
 *   bench_session CONFDIR SERVICE LIST PASSWORD
 *
 * Prints one line per session ("user end_ms") and a summary with p50, p99
 * and the extremes. A negative figure would be a session ended before its
 * grant's end.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <liboath/oath.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "answers.h"
#include "tests/lib/proc_alive.h"

#define KIDS      2
#define MAX_SESS  1000
#define BOUND_MS  30000

struct sess {
	char user[64];
	long long until_ms;
	char secret[128];
	pid_t pids[KIDS + 1];
	int open;
	int done;
	double end_ms;
};


static long long
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
real_msf(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* The TOTP code of secret (base32) now; 0 or -1. */
static int
totp_now(const char *secret, char code[7])
{
	char *key = NULL;
	size_t keylen = 0;
	int r;

	if (oath_base32_decode(secret, strlen(secret), &key, &keylen) != OATH_OK)
		return -1;
	r = oath_totp_generate(key, keylen, time(NULL), 30, 0, 6, code);
	free(key);
	return r == OATH_OK ? 0 : -1;
}

/* Log in and open the session in a child; 0 with pids filled, or -1. */
static int
open_session(const char *confdir, const char *service, const char *password,
    struct sess *s)
{
	char code[7];
	int p[2], i, n;
	pid_t kid;

	if (totp_now(s->secret, code) != 0 || pipe(p) != 0)
		return -1;
	if ((s->pids[0] = fork()) == 0) {
		struct bench_answers ans = { { password, code }, 0 };
		struct pam_conv c = { bench_conv, &ans };
		pam_handle_t *pamh;
		int r;

		close(p[0]);
		setsid();
		if ((r = pam_start_confdir(service, s->user, &c, confdir,
		    &pamh)) != PAM_SUCCESS)
			_exit(1);
		if ((r = pam_authenticate(pamh, 0)) == PAM_SUCCESS &&
		    (r = pam_acct_mgmt(pamh, 0)) == PAM_SUCCESS)
			r = pam_open_session(pamh, 0);
		if (r != PAM_SUCCESS) {
			n = -r;
			(void)write(p[1], &n, sizeof(n));
			_exit(1);
		}
		for (i = 0; i < KIDS; i++) {
			if ((kid = fork()) == 0) {
				execlp("sleep", "sleep", "300", (char *)NULL);
				_exit(127);
			}
			n = (int)kid;
			(void)write(p[1], &n, sizeof(n));
		}
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	for (i = 0; i < KIDS; i++) {
		if (read(p[0], &n, sizeof(n)) != sizeof(n) || n <= 0) {
			close(p[0]);
			fprintf(stderr, "bench_session: %s: login failed (PAM %d)\n",
			    s->user, n < 0 ? -n : -1);
			return -1;
		}
		s->pids[i + 1] = (pid_t)n;
	}
	close(p[0]);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static struct sess ss[MAX_SESS];
	double ends[MAX_SESS];
	char line[512];
	long long until, last = 0;
	size_t n = 0, i, k, left, ended = 0, within = 0;
	FILE *f;

	if (argc != 5) {
		fprintf(stderr, "usage: bench_session CONFDIR SERVICE LIST "
		    "PASSWORD\n");
		return 2;
	}
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (oath_init() != OATH_OK || (f = fopen(argv[3], "r")) == NULL)
		return 1;
	while (n < MAX_SESS && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%63s %lld %127s", ss[n].user, &until,
		    ss[n].secret) != 3)
			continue;
		ss[n].until_ms = until * 1000;
		if (ss[n].until_ms > last)
			last = ss[n].until_ms;
		n++;
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		if (real_ms() >= ss[i].until_ms) {
			fprintf(stderr, "bench_session: %s: the grant ended before "
			    "its login; give the grants more time\n", ss[i].user);
			return 1;
		}
		ss[i].open = open_session(argv[1], argv[2], argv[4], &ss[i]) == 0;
	}
	do {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		for (i = 0, left = 0; i < n; i++) {
			if (!ss[i].open || ss[i].done)
				continue;
			for (k = 0; k <= KIDS && !proc_alive(ss[i].pids[k]); k++)
				;
			if (k <= KIDS) {
				left++;
				continue;
			}
			ss[i].done = 1;
			ss[i].end_ms = real_msf() - (double)ss[i].until_ms;
		}
		usleep(1000);
	} while (left > 0 && real_ms() < last + BOUND_MS);
	for (i = 0; i < n; i++) {
		if (!ss[i].open)
			continue;
		if (!ss[i].done) {
			printf("%s not ended\n", ss[i].user);
			for (k = 0; k <= KIDS; k++)
				(void)kill(ss[i].pids[k], SIGKILL);
			continue;
		}
		printf("%s %.1f\n", ss[i].user, ss[i].end_ms);
		ends[ended++] = ss[i].end_ms;
		within += ss[i].end_ms >= 0 && ss[i].end_ms < 1000;
	}
	if (ended == 0) {
		printf("SUMMARY sessions=%zu ended=0\n", n);
		return 1;
	}
	qsort(ends, ended, sizeof(ends[0]), cmp);
	printf("SUMMARY sessions=%zu ended=%zu min=%.1fms p50=%.1fms "
	    "p99=%.1fms max=%.1fms within_1s=%zu\n", n, ended, ends[0],
	    ends[ended / 2], ends[(ended * 99 + 99) / 100 - 1], ends[ended - 1],
	    within);
	return ended == n ? 0 : 1;
}
