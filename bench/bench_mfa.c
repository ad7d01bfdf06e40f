/*
 * bench_mfa: multi-factor logins per second through PAM (see bench/README.md,
 * "Multi-factor logins"), and the enrolment of the bench's TOTP tokens.
 *
 *   bench_mfa enrol KEYFILE PEOPLE_DN PREFIX COUNT SEEDFILE > tokens.ldif
 *       a random SHA1 seed per person PREFIX0..COUNT-1, encrypted under the
 *       site key as authd stores it (authd/totp.h), written as LDIF for the
 *       token entries cn=totp,uid=...; the raw seeds go to SEEDFILE (hex, one
 *       line a person, mode 0600) for the clients that answer the code prompt.
 *   bench_mfa totp CONFDIR SERVICE PREFIX COUNT PASSWORD SEEDFILE CLIENTS... SECONDS
 *       password + TOTP: one line per CLIENTS value (e.g. "1 4 16"), in one
 *       process, so that the used time steps are remembered across figures.
 *   bench_mfa card CONFDIR SERVICE PREFIX COUNT PASSWORD PIN CARDDIR CLIENTS SECONDS
 *       password + card: CLIENTS processes; client i is person PREFIXi with
 *       the SoftHSM2 token CARDDIR/i/softhsm2.conf (SOFTHSM2_CONF is one per
 *       process, and the module's card helper inherits it). COUNT >= CLIENTS.
 *
 * A login is a PAM transaction (authenticate + acct_mgmt), as in bench_login.
 * Output: mode, clients, logins/s, p50 ms, p99 ms, failures.
 *
 * The replay guard: authd accepts a time step of a person once and only above
 * the last one it accepted. A client uses for each person the step
 * max(last used + 1, now) while that is at most now + 1 (inside the default
 * window of one step either side), so a person logs in twice in a 30-second
 * step, and once more each new step. A person with no step left is skipped;
 * a client whose people all have none stops, and the line says "exhausted".
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "totp.h"

#define MAX_CLIENTS 64
#define MAX_SAMPLES 1000000
#define SEED_LEN    20          /* SHA1 */

struct person {
	uint8_t seed[SEED_LEN];
	uint64_t last_step;
};

struct bench {
	const char *mode, *confdir, *service, *prefix, *password, *pin;
	struct person *people;          /* totp only */
	struct totp_params params;
	int count, clients;
	double deadline;
	pthread_mutex_t lock;
	double *samples;                /* shared with the children for card */
	size_t nsamples;
	long failures;
	int exhausted;
};

struct answers {
	const char *password, *code, *pin;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Answer each prompt by what it asks for. */
static int
conv(int num, const struct pam_message **msgs, struct pam_response **resp_r, void *data)
{
	const struct answers *a = data;
	struct pam_response *resp = calloc((size_t)num, sizeof(*resp));
	int i;

	if (resp == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num; i++) {
		const char *m = msgs[i]->msg, *ans = a->password;

		if (msgs[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msgs[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if (strstr(m, "code") != NULL && a->code != NULL)
			ans = a->code;
		else if (strstr(m, "PIN") != NULL && a->pin != NULL)
			ans = a->pin;
		resp[i].resp = strdup(ans);
	}
	*resp_r = resp;
	return PAM_SUCCESS;
}

static int
one_login(const struct bench *b, const char *user, const struct answers *a)
{
	struct pam_conv c = { conv, (void *)a };
	pam_handle_t *pamh = NULL;
	int r;

	if (pam_start_confdir(b->service, user, &c, b->confdir, &pamh) != PAM_SUCCESS)
		return -1;
	r = pam_authenticate(pamh, PAM_SILENT);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(pamh, PAM_SILENT);
	pam_end(pamh, r);
	return r == PAM_SUCCESS ? 0 : -1;
}

static void
add_samples(struct bench *b, const double *local, size_t n, long fails)
{
	pthread_mutex_lock(&b->lock);
	if (b->nsamples + n <= MAX_SAMPLES) {
		memcpy(b->samples + b->nsamples, local, n * sizeof(double));
		b->nsamples += n;
	}
	b->failures += fails;
	pthread_mutex_unlock(&b->lock);
}

/*
 * The next person of client id (people id, id + clients, ...) with a free
 * step, from *cursor on; -1 when none has one. *step_r = the step to use.
 */
static int
next_totp_person(struct bench *b, int id, int *cursor, uint64_t *step_r)
{
	uint64_t cur = (uint64_t)time(NULL) / b->params.period;
	int tries, per = (b->count - id + b->clients - 1) / b->clients;

	for (tries = 0; tries < per; tries++) {
		int i = id + ((*cursor + tries) % per) * b->clients;
		uint64_t step = b->people[i].last_step + 1;

		if (step < cur)
			step = cur;
		if (step <= cur + 1) {
			*cursor = (*cursor + tries + 1) % per;
			*step_r = step;
			return i;
		}
	}
	return -1;
}

struct client_arg {
	struct bench *b;
	int id;
};

static void *
totp_client(void *arg)
{
	struct client_arg *ca = arg;
	struct bench *b = ca->b;
	double local[4096];
	size_t nlocal = 0;
	long fails = 0;
	int cursor = 0;

	while (now() < b->deadline) {
		struct answers a = { b->password, NULL, NULL };
		char user[64], code[16];
		uint64_t step;
		double t0;
		int i;

		if ((i = next_totp_person(b, ca->id, &cursor, &step)) < 0) {
			pthread_mutex_lock(&b->lock);
			b->exhausted = 1;
			pthread_mutex_unlock(&b->lock);
			break;
		}
		snprintf(user, sizeof(user), "%s%d", b->prefix, i);
		t0 = now();
		if (totp_generate(b->people[i].seed, SEED_LEN, &b->params,
		    (time_t)(step * b->params.period), code, sizeof(code)) != AUTHD_OK) {
			fails++;
			continue;
		}
		a.code = code;
		b->people[i].last_step = step;
		if (one_login(b, user, &a) != 0)
			fails++;
		explicit_bzero(code, sizeof(code));
		local[nlocal++] = now() - t0;
		if (nlocal == sizeof(local) / sizeof(local[0])) {
			add_samples(b, local, nlocal, 0);
			nlocal = 0;
		}
	}
	add_samples(b, local, nlocal, fails);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
report(struct bench *b, double elapsed)
{
	qsort(b->samples, b->nsamples, sizeof(double), cmp_double);
	if (b->nsamples == 0) {
		printf("%-6s clients=%-3d no login finished\n", b->mode, b->clients);
		return 1;
	}
	printf("%-6s clients=%-3d logins/s=%-9.0f p50_ms=%-8.3f p99_ms=%-8.3f failures=%ld%s\n",
	    b->mode, b->clients, (double)b->nsamples / elapsed,
	    b->samples[b->nsamples / 2] * 1e3,
	    b->samples[(size_t)((double)b->nsamples * 0.99)] * 1e3, b->failures,
	    b->exhausted ? " exhausted" : "");
	fflush(stdout);
	return b->failures == 0 && !b->exhausted ? 0 : 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* SEEDFILE: COUNT lines of 2 * SEED_LEN hex digits. */
static int
load_seeds(const char *path, struct person *people, int count)
{
	char line[2 * SEED_LEN + 8];
	FILE *f;
	int i, j, r = -1;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		if (fgets(line, sizeof(line), f) == NULL || strlen(line) < 2 * SEED_LEN)
			goto out;
		for (j = 0; j < SEED_LEN; j++) {
			int hi = hexval(line[2 * j]), lo = hexval(line[2 * j + 1]);

			if (hi < 0 || lo < 0)
				goto out;
			people[i].seed[j] = (uint8_t)(hi << 4 | lo);
		}
	}
	r = 0;
 out:
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return r;
}

static int
run_totp(struct bench *b, const char *seedfile, char **clients, int nclients,
    int seconds)
{
	struct client_arg ca[MAX_CLIENTS];
	pthread_t th[MAX_CLIENTS];
	int k, i, rc = 0;

	if ((b->people = calloc((size_t)b->count, sizeof(*b->people))) == NULL)
		return 1;
	if (load_seeds(seedfile, b->people, b->count) != 0) {
		fprintf(stderr, "bench_mfa: %s: not %d seeds\n", seedfile, b->count);
		rc = 1;
		goto out;
	}
	b->params = (struct totp_params){ TOTP_SHA1, 6, TOTP_PERIOD_DEFAULT };
	for (k = 0; k < nclients; k++) {
		double start;

		b->clients = atoi(clients[k]);
		if (b->clients < 1 || b->clients > MAX_CLIENTS || b->clients > b->count) {
			fprintf(stderr, "bench_mfa: CLIENTS 1..%d and at most COUNT\n",
			    MAX_CLIENTS);
			rc = 2;
			goto out;
		}
		b->nsamples = 0;
		b->failures = 0;
		b->exhausted = 0;
		start = now();
		b->deadline = start + seconds;
		for (i = 0; i < b->clients; i++) {
			ca[i] = (struct client_arg){ b, i };
			pthread_create(&th[i], NULL, totp_client, &ca[i]);
		}
		for (i = 0; i < b->clients; i++)
			pthread_join(th[i], NULL);
		rc |= report(b, now() - start);
	}
 out:
	explicit_bzero(b->people, (size_t)b->count * sizeof(*b->people));
	free(b->people);
	b->people = NULL;
	return rc;
}

/* One process of the card bench: person PREFIXid with the token CARDDIR/id. */
static void
card_child(struct bench *b, const char *carddir, int id, double *out, size_t max,
    long *fails_r)
{
	struct answers a = { b->password, NULL, b->pin };
	char user[64], conf[512];
	size_t n = 0;

	snprintf(conf, sizeof(conf), "%s/%d/softhsm2.conf", carddir, id);
	setenv("SOFTHSM2_CONF", conf, 1);
	snprintf(user, sizeof(user), "%s%d", b->prefix, id);
	while (now() < b->deadline && n < max) {
		double t0 = now();

		if (one_login(b, user, &a) != 0)
			(*fails_r)++;
		out[n++] = now() - t0;
	}
	out[max] = (double)n;           /* the count, after the samples */
}

static int
run_card(struct bench *b, const char *carddir, int seconds)
{
	size_t per = MAX_SAMPLES / MAX_CLIENTS, len;
	double *shared, start;
	long *fails;
	pid_t pids[MAX_CLIENTS];
	int i, rc;

	/* each child writes its samples, their count and its failures here */
	len = (size_t)b->clients * ((per + 1) * sizeof(double) + sizeof(long));
	shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	fails = (long *)(shared + (size_t)b->clients * (per + 1));
	start = now();
	b->deadline = start + seconds;
	fflush(NULL);
	for (i = 0; i < b->clients; i++) {
		if ((pids[i] = fork()) == 0) {
			card_child(b, carddir, i, shared + (size_t)i * (per + 1), per,
			    &fails[i]);
			_exit(0);
		}
		if (pids[i] == -1)
			fails[i] = 1;
	}
	for (i = 0; i < b->clients; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	for (i = 0; i < b->clients; i++) {
		double *s = shared + (size_t)i * (per + 1);
		size_t n = (size_t)s[per];

		if (b->nsamples + n <= MAX_SAMPLES) {
			memcpy(b->samples + b->nsamples, s, n * sizeof(double));
			b->nsamples += n;
		}
		b->failures += fails[i];
	}
	rc = report(b, now() - start);
	munmap(shared, len);
	return rc;
}

/* The token entries of PREFIX0..COUNT-1 under PEOPLE_DN, and their seeds. */
static int
enrol(const char *keyfile, const char *people_dn, const char *prefix, int count,
    const char *seedfile)
{
	uint8_t key[TOTP_KEY_LEN], seed[SEED_LEN], blob[TOTP_BLOB_MAX];
	unsigned char b64[2 * TOTP_BLOB_MAX + 4];
	char err[256], dn[512];
	size_t bloblen;
	FILE *sf = NULL;
	int i, j, fd, rc = 1;

	if (totp_key_load(keyfile, key, err, sizeof(err)) != AUTHD_OK) {
		fprintf(stderr, "bench_mfa: %s\n", err);
		return 1;
	}
	if ((fd = open(seedfile, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (sf = fdopen(fd, "w")) == NULL) {
		perror(seedfile);
		goto out;
	}
	for (i = 0; i < count; i++) {
		snprintf(dn, sizeof(dn), "uid=%s%d,%s", prefix, i, people_dn);
		if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed) ||
		    totp_seed_encrypt(key, dn, seed, sizeof(seed), blob, sizeof(blob),
		    &bloblen) != AUTHD_OK) {
			fprintf(stderr, "bench_mfa: cannot make the seed of %s\n", dn);
			goto out;
		}
		EVP_EncodeBlock(b64, blob, (int)bloblen);
		printf("dn: cn=totp,%s\nobjectClass: authdTotpToken\ncn: totp\n"
		    "authdTotpState: active\nauthdTotpAlgorithm: SHA1\n"
		    "authdTotpDigits: 6\nauthdTotpPeriod: %d\nauthdTotpSeed:: %s\n\n",
		    dn, TOTP_PERIOD_DEFAULT, b64);
		for (j = 0; j < SEED_LEN; j++)
			fprintf(sf, "%02x", seed[j]);
		fputc('\n', sf);
	}
	rc = 0;
 out:
	if (sf != NULL)
		fclose(sf);
	else if (fd != -1)
		close(fd);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(seed, sizeof(seed));
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_mfa enrol KEYFILE PEOPLE_DN PREFIX COUNT SEEDFILE\n"
	    "       bench_mfa totp CONFDIR SERVICE PREFIX COUNT PASSWORD SEEDFILE CLIENTS... SECONDS\n"
	    "       bench_mfa card CONFDIR SERVICE PREFIX COUNT PASSWORD PIN CARDDIR CLIENTS SECONDS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench b = { .lock = PTHREAD_MUTEX_INITIALIZER };
	int seconds, rc;

	if (argc < 2)
		usage();
	b.mode = argv[1];
	if (strcmp(b.mode, "enrol") == 0) {
		if (argc != 7 || atoi(argv[5]) < 1)
			usage();
		return enrol(argv[2], argv[3], argv[4], atoi(argv[5]), argv[6]);
	}
	if (argc < 10 || (strcmp(b.mode, "totp") != 0 && strcmp(b.mode, "card") != 0) ||
	    (strcmp(b.mode, "card") == 0 && argc != 11))
		usage();
	b.confdir = argv[2];
	b.service = argv[3];
	b.prefix = argv[4];
	b.count = atoi(argv[5]);
	b.password = argv[6];
	seconds = atoi(argv[argc - 1]);
	if (b.count < 1 || seconds < 1 || seconds > 600) {
		fprintf(stderr, "bench_mfa: COUNT >= 1, SECONDS 1..600\n");
		return 2;
	}
	if ((b.samples = calloc(MAX_SAMPLES, sizeof(double))) == NULL)
		return 1;
	if (strcmp(b.mode, "totp") == 0) {
		rc = run_totp(&b, argv[7], argv + 8, argc - 9, seconds);
	} else {
		b.pin = argv[7];
		b.clients = atoi(argv[9]);
		if (b.clients < 1 || b.clients > MAX_CLIENTS || b.clients > b.count) {
			fprintf(stderr, "bench_mfa: CLIENTS 1..%d and at most COUNT\n",
			    MAX_CLIENTS);
			free(b.samples);
			return 2;
		}
		rc = run_card(&b, argv[8], seconds);
	}
	free(b.samples);
	return rc;
}
