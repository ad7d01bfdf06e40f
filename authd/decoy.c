/*
 * Decoy plans drawn from real ones (decoy.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "decoy.h"
#include "err.h"
#include "pct.h"
#include "policy.h"
#include "secret.h"

#define DECOY_POLICIES 64      /* policies followed; more share the fallback */
#define DECOY_SETS     16      /* method sets followed per policy */
#define DECOY_KEY_LEN  32
#define COUNT_HALVE    (1u << 30)
#define DECOY_MAGIC    "authd-decoys 1"
#define DECOY_LINE_MAX 2048

struct decoy_set {
	unsigned mask;
	uint32_t count;
};

struct decoy_policy {
	char name[POLICY_NAME_MAX];
	struct decoy_set set[DECOY_SETS];
	size_t n;
};

struct decoy_stats {
	pthread_mutex_t mu;
	unsigned char key[DECOY_KEY_LEN];
	struct decoy_policy pol[DECOY_POLICIES];
	size_t n;
	unsigned long notes, saved;    /* decoy_note calls, and at the last save */
};

int
decoy_stats_new(const unsigned char *key, size_t keylen,
    struct decoy_stats **ds_r)
{
	struct decoy_stats *ds;
	int r;

	*ds_r = NULL;
	if ((ds = calloc(1, sizeof(*ds))) == NULL)
		return AUTHD_ERR_NOMEM;
	if (key != NULL && keylen == DECOY_KEY_LEN)
		memcpy(ds->key, key, DECOY_KEY_LEN);
	else if ((r = authd_random_bytes(ds->key, DECOY_KEY_LEN)) != AUTHD_OK) {
		free(ds);
		return r;
	}
	pthread_mutex_init(&ds->mu, NULL);
	*ds_r = ds;
	return AUTHD_OK;
}

void
decoy_stats_free(struct decoy_stats **dsp)
{
	if (dsp == NULL || *dsp == NULL)
		return;
	pthread_mutex_destroy(&(*dsp)->mu);
	explicit_bzero((*dsp)->key, sizeof((*dsp)->key));
	free(*dsp);
	*dsp = NULL;
}

/* Called with mu held: the policy's entry, made when create. */
static struct decoy_policy *
policy_entry(struct decoy_stats *ds, const char *name, int create)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (strcmp(ds->pol[i].name, name) == 0)
			return &ds->pol[i];
	if (!create || ds->n == DECOY_POLICIES ||
	    strlen(name) >= sizeof(ds->pol[0].name))
		return NULL;
	snprintf(ds->pol[ds->n].name, sizeof(ds->pol[0].name), "%s", name);
	return &ds->pol[ds->n++];
}

void
decoy_note(struct decoy_stats *ds, const char *policy, unsigned mask)
{
	struct decoy_policy *dp;
	size_t i;

	if (ds == NULL || mask == 0)
		return;
	pthread_mutex_lock(&ds->mu);
	if ((dp = policy_entry(ds, policy, 1)) == NULL)
		goto out;
	for (i = 0; i < dp->n && dp->set[i].mask != mask; i++)
		;
	if (i == dp->n) {
		if (dp->n == DECOY_SETS)
			goto out;
		dp->set[dp->n].mask = mask;
		dp->set[dp->n++].count = 0;
	}
	/* halved all together: the proportions, which are what counts, stay */
	if (++dp->set[i].count == COUNT_HALVE)
		for (i = 0; i < dp->n; i++)
			dp->set[i].count = (dp->set[i].count + 1) / 2;
	ds->notes++;
out:
	pthread_mutex_unlock(&ds->mu);
}

/* A number in (0, 1) from the key, the policy, the name and the set. */
static double
name_point(const struct decoy_stats *ds, const char *policy, const char *name,
    unsigned mask)
{
	unsigned char msg[2 * 1100 + 8], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t pl = strlen(policy), nl = strlen(name), n = 0;
	uint64_t v = 0;
	int i;

	if (pl > 1024)
		pl = 1024;
	if (nl > 1024)
		nl = 1024;
	memcpy(msg + n, policy, pl);
	n += pl;
	msg[n++] = '\0';
	memcpy(msg + n, name, nl);
	n += nl;
	msg[n++] = '\0';
	for (i = 0; i < 4; i++)
		msg[n++] = (unsigned char)(mask >> (8 * i));
	if (HMAC(EVP_sha256(), ds->key, DECOY_KEY_LEN, msg, n, md, &mdlen) == NULL ||
	    mdlen < 8)
		return 0.5;
	for (i = 0; i < 7; i++)
		v = v << 8 | md[i];
	v >>= 3;                                    /* 53 bits */
	return ((double)v + 0.5) / 9007199254740992.0;   /* 2^53 */
}

int
decoy_pick(struct decoy_stats *ds, const char *policy, const char *name,
    unsigned *mask_r)
{
	struct decoy_policy *dp;
	double score, best = 0;
	size_t i;
	int found = 0;

	if (ds == NULL)
		return 0;
	pthread_mutex_lock(&ds->mu);
	if ((dp = policy_entry(ds, policy, 0)) != NULL)
		/* weighted rendezvous: the smallest -ln(u) / weight wins */
		for (i = 0; i < dp->n; i++) {
			if (dp->set[i].count == 0)
				continue;
			score = -log(name_point(ds, policy, name, dp->set[i].mask)) /
			    (double)dp->set[i].count;
			if (!found || score < best) {
				best = score;
				*mask_r = dp->set[i].mask;
				found = 1;
			}
		}
	pthread_mutex_unlock(&ds->mu);
	return found;
}

/*
 * The file: a header naming the methods the masks' bits stand for, then a
 * line a policy: its name (%XX-escaped) and MASK:COUNT for each set.
 */
int
decoy_stats_save(struct decoy_stats *ds, const char *path, const char *methods)
{
	char tmp[PATH_MAX], line[DECOY_LINE_MAX];
	size_t i, k, pos;
	int fd, ok = 1, n;

	if (ds == NULL)
		return AUTHD_OK;
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return AUTHD_ERR_INVALID;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		return AUTHD_ERR_IO;
	pthread_mutex_lock(&ds->mu);
	n = snprintf(line, sizeof(line), "%s methods=%s\n", DECOY_MAGIC, methods);
	ok = n > 0 && (size_t)n < sizeof(line) && write(fd, line, (size_t)n) == n;
	for (i = 0; ok && i < ds->n; i++) {
		pos = 0;
		line[0] = '\0';
		if (authd_pct_append(line, sizeof(line), &pos, ds->pol[i].name) != 0)
			continue;
		for (k = 0; k < ds->pol[i].n && pos + 24 < sizeof(line); k++)
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
			    " %x:%u", ds->pol[i].set[k].mask,
			    (unsigned)ds->pol[i].set[k].count);
		line[pos++] = '\n';
		ok = write(fd, line, pos) == (ssize_t)pos;
	}
	if (ok)
		ds->saved = ds->notes;
	pthread_mutex_unlock(&ds->mu);
	if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
		(void)unlink(tmp);
		return AUTHD_ERR_IO;
	}
	return AUTHD_OK;
}

int
decoy_stats_dirty(struct decoy_stats *ds)
{
	int dirty;

	if (ds == NULL)
		return 0;
	pthread_mutex_lock(&ds->mu);
	dirty = ds->notes != ds->saved;
	pthread_mutex_unlock(&ds->mu);
	return dirty;
}

/* One policy's line ("NAME MASK:COUNT ..."); -1 when malformed. */
static int
load_line(struct decoy_stats *ds, char *line)
{
	struct decoy_policy *dp;
	char *tok, *save = NULL, *end;
	unsigned long mask, count;

	if ((tok = strtok_r(line, " ", &save)) == NULL || authd_pct_decode(tok) != 0 ||
	    (dp = policy_entry(ds, tok, 1)) == NULL || dp->n != 0)
		return -1;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL && dp->n < DECOY_SETS) {
		errno = 0;
		mask = strtoul(tok, &end, 16);
		if (errno != 0 || end == tok || *end != ':' || mask == 0 ||
		    mask > UINT_MAX)
			return -1;
		tok = end + 1;
		count = strtoul(tok, &end, 10);
		if (errno != 0 || end == tok || *end != '\0' || count >= COUNT_HALVE)
			return -1;
		dp->set[dp->n].mask = (unsigned)mask;
		dp->set[dp->n++].count = (uint32_t)count;
	}
	return 0;
}

int
decoy_stats_load(struct decoy_stats *ds, const char *path, const char *methods,
    char *why, size_t whylen)
{
	char line[DECOY_LINE_MAX], head[DECOY_LINE_MAX];
	size_t lineno = 0, n;
	FILE *f;
	int r = AUTHD_OK;

	why[0] = '\0';
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return AUTHD_OK;
		snprintf(why, whylen, "%s", strerror(errno));
		return AUTHD_ERR_IO;
	}
	snprintf(head, sizeof(head), "%s methods=%s\n", DECOY_MAGIC, methods);
	pthread_mutex_lock(&ds->mu);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		n = strlen(line);
		if (n == 0 || line[n - 1] != '\n') {
			snprintf(why, whylen, "line %zu: too long or cut short",
			    lineno);
			r = AUTHD_ERR_BAD_FIELD;
			break;
		}
		if (lineno == 1) {
			if (strcmp(line, head) != 0) {
				/* another version's methods: its masks mean
				 * other sets; start afresh */
				snprintf(why, whylen, "written for other methods");
				r = AUTHD_ERR_BAD_FIELD;
				break;
			}
			continue;
		}
		line[n - 1] = '\0';
		if (load_line(ds, line) != 0) {
			snprintf(why, whylen, "line %zu: malformed", lineno);
			r = AUTHD_ERR_BAD_FIELD;
			break;
		}
	}
	if (r != AUTHD_OK) {
		/* all or nothing: what came before the bad line goes too */
		memset(ds->pol, 0, sizeof(ds->pol));
		ds->n = 0;
	}
	ds->saved = ds->notes;
	pthread_mutex_unlock(&ds->mu);
	fclose(f);
	return r;
}
