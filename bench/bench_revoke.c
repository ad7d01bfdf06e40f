/*
 * bench_revoke: revocation latency. For each card i (person card<i>, token
 * CARDDIR/i): log in and open a session through PAM (a child that starts
 * a session of its own and two `sleep 300` in it), report the card lost
 * with ldapmodify against LDAPI_URI, then from the moment ldapmodify
 * returns: try password + card logins until one is refused (the refusal
 * latency), and watch the session's processes until all are gone (the
 * session latency).
 *
 *   bench_revoke CONFDIR SERVICE LDAPI_URI BASE_DN CARDDIR FIRST COUNT PASSWORD PIN
 *
 * Prints one line per revocation ("i refuse_ms session_ms attempts") and a
 * summary with p50/p99 of both.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <security/pam_appl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "answers.h"
#include "tests/lib/proc_alive.h"

#define KIDS     2
#define BOUND_MS 10000

static const char *g_answers[2];

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
pam_run(const char *confdir, const char *service, const char *user, int session)
{
	struct bench_answers ans = { { g_answers[0], g_answers[1] }, 0 };
	struct pam_conv c = { bench_conv, &ans };
	int r;
	pam_handle_t *pamh;

	if ((r = pam_start_confdir(service, user, &c, confdir, &pamh)) != PAM_SUCCESS)
		return r;
	if ((r = pam_authenticate(pamh, 0)) == PAM_SUCCESS &&
	    (r = pam_acct_mgmt(pamh, 0)) == PAM_SUCCESS && session)
		r = pam_open_session(pamh, 0);
	pam_end(pamh, r);
	return r;
}

/* The child: a login program's session. pids[0] the child, then its kids. */
static int
open_tree(const char *confdir, const char *service, const char *user,
    pid_t pids[KIDS + 1])
{
	int p[2], i, n;
	pid_t kid;

	if (pipe(p) != 0)
		return -1;
	if ((pids[0] = fork()) == 0) {
		close(p[0]);
		setsid();
		if (pam_run(confdir, service, user, 1) != PAM_SUCCESS)
			_exit(1);
		for (i = 0; i < KIDS; i++) {
			if ((kid = fork()) == 0) {
				execlp("sleep", "sleep", "300", (char *)NULL);
				_exit(127);
			}
			n = (int)kid;
			(void)write(p[1], &n, sizeof(n));
		}
		for (;;)
			pause();
	}
	close(p[1]);
	for (i = 0; i < KIDS; i++)
		if (read(p[0], &n, sizeof(n)) != sizeof(n)) {
			close(p[0]);
			kill(pids[0], SIGKILL);
			return -1;
		} else
			pids[i + 1] = (pid_t)n;
	close(p[0]);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);

	return n == 0 ? 0 : v[i < n ? i : n - 1];
}

int
main(int argc, char **argv)
{
	const char *confdir, *service, *uri, *base, *carddir;
	char user[64], conf[512], cmd[2048];
	double *ref, *ses, t0, t1, t2;
	pid_t pids[KIDS + 1];
	int first, count, i, k, attempts, within = 0, bad = 0;
	size_t n = 0;

	if (argc != 10) {
		fprintf(stderr, "usage: bench_revoke CONFDIR SERVICE LDAPI_URI BASE_DN "
		    "CARDDIR FIRST COUNT PASSWORD PIN\n");
		return 2;
	}
	confdir = argv[1];
	service = argv[2];
	uri = argv[3];
	base = argv[4];
	carddir = argv[5];
	first = atoi(argv[6]);
	count = atoi(argv[7]);
	g_answers[0] = argv[8];
	g_answers[1] = argv[9];
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	ref = calloc((size_t)count, sizeof(*ref));
	ses = calloc((size_t)count, sizeof(*ses));
	if (ref == NULL || ses == NULL)
		return 1;
	for (i = first; i < first + count; i++) {
		snprintf(user, sizeof(user), "card%d", i);
		snprintf(conf, sizeof(conf), "%s/%d/softhsm2.conf", carddir, i);
		setenv("SOFTHSM2_CONF", conf, 1);
		if (open_tree(confdir, service, user, pids) != 0) {
			fprintf(stderr, "%s: no session\n", user);
			bad++;
			continue;
		}
		snprintf(cmd, sizeof(cmd), "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null "
		    "<<LDIF\ndn: $(ldapsearch -Q -LLL -Y EXTERNAL -H '%s' -b "
		    "uid=%s,ou=people,%s '(objectClass=authdCard)' dn | sed -n "
		    "'s/^dn: //p')\nchangetype: modify\nreplace: authdCardState\n"
		    "authdCardState: lost\nLDIF\n", uri, uri, user, base);
		if (system(cmd) != 0) {
			fprintf(stderr, "%s: ldapmodify failed\n", user);
			bad++;
			continue;
		}
		t0 = now_ms();
		t1 = t2 = -1;
		/* the first refused login */
		for (attempts = 1; now_ms() - t0 < BOUND_MS; attempts++)
			if (pam_run(confdir, service, user, 0) != PAM_SUCCESS) {
				t1 = now_ms() - t0;
				break;
			}
		/* every process of the session gone */
		while (now_ms() - t0 < BOUND_MS) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			for (k = 0; k <= KIDS && !proc_alive(pids[k]); k++)
				;
			if (k > KIDS) {
				t2 = now_ms() - t0;
				break;
			}
			usleep(2000);
		}
		for (k = 0; k <= KIDS; k++)
			if (proc_alive(pids[k]))
				kill(pids[k], SIGKILL);
		printf("%d %.1f %.1f %d\n", i, t1, t2, attempts);
		if (t1 < 0 || t2 < 0) {
			bad++;
			continue;
		}
		ref[n] = t1;
		ses[n] = t2;
		within += t2 < 1000.0;
		n++;
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	qsort(ref, n, sizeof(*ref), cmp);
	qsort(ses, n, sizeof(*ses), cmp);
	printf("SUMMARY service=%s revocations=%zu failed=%d refuse_p50_ms=%.1f "
	    "refuse_p99_ms=%.1f session_end_p50_ms=%.1f session_end_p99_ms=%.1f "
	    "sessions_ended_within_1s=%d/%zu\n", service, n, bad, pct(ref, n, 0.5),
	    pct(ref, n, 0.99), pct(ses, n, 0.5), pct(ses, n, 0.99), within, n);
	free(ref);
	free(ses);
	return bad == 0 ? 0 : 1;
}
