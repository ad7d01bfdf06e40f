/*
 * bench_login: logins per second and latency percentiles at a given number
 * of concurrent clients, for one of three paths:
 *   pam   a PAM transaction (authenticate + acct_mgmt) through a service file
 *         in CONFDIR (pam_authd.so → authd, or pam_permit alone)
 *   bind  a raw LDAP simple bind of the same people (the directory's floor)
 * Each client is a thread that logs in people user0..userN-1 in turn for
 * SECONDS seconds. Prints one line: path, clients, logins/s, p50 ms, p99 ms.
 *
 *   bench_login pam CONFDIR SERVICE PREFIX COUNT PASSWORD CLIENTS SECONDS
 *   bench_login bind LDAP_URI PEOPLE_DN PREFIX COUNT PASSWORD CLIENTS SECONDS
 */
#include "config.h"

#include <ldap.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CLIENTS 64
#define MAX_SAMPLES 2000000

struct bench {
	const char *mode, *where, *what, *prefix, *password;
	int count, clients, seconds;
	double deadline;
	pthread_mutex_t lock;
	double *samples;
	size_t nsamples;
	long failures;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
conv(int num, const struct pam_message **msgs, struct pam_response **resp_r, void *data)
{
	struct pam_response *resp = calloc((size_t)num, sizeof(*resp));
	int i;

	if (resp == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num; i++)
		if (msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msgs[i]->msg_style == PAM_PROMPT_ECHO_ON)
			resp[i].resp = strdup((const char *)data);
	*resp_r = resp;
	return PAM_SUCCESS;
}

static int
one_pam_login(struct bench *b, const char *user)
{
	struct pam_conv c = { conv, (void *)b->password };
	pam_handle_t *pamh = NULL;
	int r;

	if (pam_start_confdir(b->what, user, &c, b->where, &pamh) != PAM_SUCCESS)
		return -1;
	r = pam_authenticate(pamh, PAM_SILENT);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(pamh, PAM_SILENT);
	pam_end(pamh, r);
	return r == PAM_SUCCESS ? 0 : -1;
}

static int
one_bind(struct bench *b, LDAP *ld, const char *user)
{
	struct berval cred;
	char dn[512];

	snprintf(dn, sizeof(dn), "uid=%s,%s", user, b->what);
	cred.bv_val = (char *)b->password;
	cred.bv_len = strlen(b->password);
	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL) ==
	    LDAP_SUCCESS ? 0 : -1;
}

static void *
client(void *arg)
{
	struct bench *b = arg;
	static int next_id;
	double local[4096];
	size_t nlocal = 0;
	LDAP *ld = NULL;
	int id, i, version = LDAP_VERSION3;
	long fails = 0;

	pthread_mutex_lock(&b->lock);
	id = next_id++;
	pthread_mutex_unlock(&b->lock);
	if (strcmp(b->mode, "bind") == 0) {
		if (ldap_initialize(&ld, b->where) != LDAP_SUCCESS)
			return NULL;
		ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	}
	for (i = id; now() < b->deadline; i += b->clients) {
		char user[64];
		double t0 = now();
		int r;

		snprintf(user, sizeof(user), "%s%d", b->prefix, i % b->count);
		r = ld != NULL ? one_bind(b, ld, user) : one_pam_login(b, user);
		if (r != 0)
			fails++;
		local[nlocal++] = now() - t0;
		if (nlocal == sizeof(local) / sizeof(local[0])) {
			pthread_mutex_lock(&b->lock);
			if (b->nsamples + nlocal <= MAX_SAMPLES) {
				memcpy(b->samples + b->nsamples, local, nlocal * sizeof(double));
				b->nsamples += nlocal;
			}
			pthread_mutex_unlock(&b->lock);
			nlocal = 0;
		}
	}
	pthread_mutex_lock(&b->lock);
	if (b->nsamples + nlocal <= MAX_SAMPLES) {
		memcpy(b->samples + b->nsamples, local, nlocal * sizeof(double));
		b->nsamples += nlocal;
	}
	b->failures += fails;
	pthread_mutex_unlock(&b->lock);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct bench b = { .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[MAX_CLIENTS];
	double start, elapsed;
	int i;

	if (argc != 9) {
		fprintf(stderr, "usage: bench_login pam CONFDIR SERVICE PREFIX COUNT PASSWORD CLIENTS SECONDS\n"
		    "       bench_login bind LDAP_URI PEOPLE_DN PREFIX COUNT PASSWORD CLIENTS SECONDS\n");
		return 2;
	}
	b.mode = argv[1];
	b.where = argv[2];
	b.what = argv[3];
	b.prefix = argv[4];
	b.count = atoi(argv[5]);
	b.password = argv[6];
	b.clients = atoi(argv[7]);
	b.seconds = atoi(argv[8]);
	if (b.count < 1 || b.clients < 1 || b.clients > MAX_CLIENTS || b.seconds < 1 ||
	    b.seconds > 600) {
		fprintf(stderr, "bench_login: COUNT >= 1, CLIENTS 1..%d, SECONDS 1..600\n",
		    MAX_CLIENTS);
		return 2;
	}
	if ((b.samples = calloc(MAX_SAMPLES, sizeof(double))) == NULL)
		return 1;
	start = now();
	b.deadline = start + b.seconds;
	for (i = 0; i < b.clients; i++)
		pthread_create(&th[i], NULL, client, &b);
	for (i = 0; i < b.clients; i++)
		pthread_join(th[i], NULL);
	elapsed = now() - start;
	qsort(b.samples, b.nsamples, sizeof(double), cmp_double);
	if (b.nsamples == 0) {
		printf("%-6s clients=%-3d no login finished\n", b.mode, b.clients);
		return 1;
	}
	printf("%-6s clients=%-3d logins/s=%-9.0f p50_ms=%-8.3f p99_ms=%-8.3f failures=%ld\n",
	    b.mode, b.clients, (double)b.nsamples / elapsed,
	    b.samples[b.nsamples / 2] * 1e3,
	    b.samples[(size_t)((double)b.nsamples * 0.99)] * 1e3, b.failures);
	free(b.samples);
	return b.failures == 0 ? 0 : 1;
}
