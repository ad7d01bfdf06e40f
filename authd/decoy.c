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
#define DECOY_SETS     16      /* enrolments followed per policy */
#define DECOY_METHODS  8       /* methods whose shapes are followed */
#define DECOY_SHAPES   32      /* shapes followed per method */
#define DECOY_KEY_LEN  32
#define COUNT_HALVE    (1u << 30)
/* 2: a mask is what a person enrolled (1: what their plan asked), and
 * the shapes of enrolments are kept too */
#define DECOY_MAGIC    "authd-decoys 2"
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

struct decoy_shape {
	uint8_t b[DECOY_SHAPE_MAX];
	size_t len;
	uint32_t count;
};

struct decoy_method {
	char name[32];
	struct decoy_shape shape[DECOY_SHAPES];
	size_t n;
};

struct decoy_stats {
	pthread_mutex_t mu;
	unsigned char key[DECOY_KEY_LEN];
	struct decoy_policy pol[DECOY_POLICIES];
	size_t n;
	struct decoy_method meth[DECOY_METHODS];
	size_t nmeth;
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

/* Called with mu held: the method's entry, made when create. */
static struct decoy_method *
method_entry(struct decoy_stats *ds, const char *name, int create)
{
	size_t i;

	for (i = 0; i < ds->nmeth; i++)
		if (strcmp(ds->meth[i].name, name) == 0)
			return &ds->meth[i];
	if (!create || ds->nmeth == DECOY_METHODS ||
	    strlen(name) >= sizeof(ds->meth[0].name))
		return NULL;
	snprintf(ds->meth[ds->nmeth].name, sizeof(ds->meth[0].name), "%s", name);
	return &ds->meth[ds->nmeth++];
}

void
decoy_note_shape(struct decoy_stats *ds, const char *method,
    const uint8_t *shape, size_t len)
{
	struct decoy_method *dm;
	size_t i;

	if (ds == NULL || len == 0 || len > DECOY_SHAPE_MAX)
		return;
	pthread_mutex_lock(&ds->mu);
	if ((dm = method_entry(ds, method, 1)) == NULL)
		goto out;
	for (i = 0; i < dm->n && (dm->shape[i].len != len ||
	    memcmp(dm->shape[i].b, shape, len) != 0); i++)
		;
	if (i == dm->n) {
		if (dm->n == DECOY_SHAPES)
			goto out;
		memcpy(dm->shape[dm->n].b, shape, len);
		dm->shape[dm->n].len = len;
		dm->shape[dm->n++].count = 0;
	}
	if (++dm->shape[i].count == COUNT_HALVE)
		for (i = 0; i < dm->n; i++)
			dm->shape[i].count = (dm->shape[i].count + 1) / 2;
	ds->notes++;
out:
	pthread_mutex_unlock(&ds->mu);
}

/* The directory finds a person under "ines", "INES" or " Ines" (decoy.h). */
size_t
decoy_name_key(const char *name, char *out, size_t outsz)
{
	size_t o = 0;
	int space = 0;

	for (; *name != '\0' && o + 1 < outsz; name++) {
		if (*name == ' ') {
			space = o > 0;
			continue;
		}
		if (space) {
			out[o++] = ' ';
			space = 0;
			if (o + 1 == outsz)
				break;
		}
		out[o++] = (char)(*name >= 'A' && *name <= 'Z' ?
		    *name - 'A' + 'a' : *name);
	}
	out[o] = '\0';
	return o;
}

/* A number in (0, 1) from the key, a scope (policy, method), the name and an item. */
static double
name_point(const struct decoy_stats *ds, const char *scope, const char *name,
    const uint8_t *item, size_t itemlen)
{
	unsigned char msg[2 * 1100 + DECOY_SHAPE_MAX], md[EVP_MAX_MD_SIZE];
	char key[1025];
	unsigned int mdlen = 0;
	size_t pl = strlen(scope), nl = decoy_name_key(name, key, sizeof(key)), n = 0;
	uint64_t v = 0;
	int i;

	if (pl > 1024)
		pl = 1024;
	if (itemlen > DECOY_SHAPE_MAX)
		itemlen = DECOY_SHAPE_MAX;
	memcpy(msg + n, scope, pl);
	n += pl;
	msg[n++] = '\0';
	memcpy(msg + n, key, nl);
	n += nl;
	msg[n++] = '\0';
	memcpy(msg + n, item, itemlen);
	n += itemlen;
	if (HMAC(EVP_sha256(), ds->key, DECOY_KEY_LEN, msg, n, md, &mdlen) == NULL ||
	    mdlen < 8)
		return 0.5;
	for (i = 0; i < 7; i++)
		v = v << 8 | md[i];
	v >>= 3;                                    /* 53 bits */
	return ((double)v + 0.5) / 9007199254740992.0;   /* 2^53 */
}

/* Weighted rendezvous: the smallest -ln(u) / weight wins (count 0: never). */
static int
rendezvous_better(double u, uint32_t count, int found, double *best)
{
	double score;

	if (count == 0)
		return 0;
	score = -log(u) / (double)count;
	if (found && score >= *best)
		return 0;
	*best = score;
	return 1;
}

int
decoy_pick(struct decoy_stats *ds, const char *policy, const char *name,
    unsigned *mask_r)
{
	struct decoy_policy *dp;
	uint8_t item[4];
	double best = 0;
	size_t i;
	int k, found = 0;

	if (ds == NULL)
		return 0;
	pthread_mutex_lock(&ds->mu);
	if ((dp = policy_entry(ds, policy, 0)) != NULL)
		for (i = 0; i < dp->n; i++) {
			for (k = 0; k < 4; k++)
				item[k] = (uint8_t)(dp->set[i].mask >> (8 * k));
			if (rendezvous_better(name_point(ds, policy, name, item,
			    sizeof(item)), dp->set[i].count, found, &best)) {
				*mask_r = dp->set[i].mask;
				found = 1;
			}
		}
	pthread_mutex_unlock(&ds->mu);
	return found;
}

int
decoy_pick_shape(struct decoy_stats *ds, const char *method, const char *name,
    uint8_t shape[DECOY_SHAPE_MAX], size_t *len_r)
{
	struct decoy_method *dm;
	char scope[64];
	double best = 0;
	size_t i;
	int found = 0;

	if (ds == NULL)
		return 0;
	/* another scope than any policy's: a shape's pick is its own */
	snprintf(scope, sizeof(scope), "shape:%s", method);
	pthread_mutex_lock(&ds->mu);
	if ((dm = method_entry(ds, method, 0)) != NULL)
		for (i = 0; i < dm->n; i++)
			if (rendezvous_better(name_point(ds, scope, name,
			    dm->shape[i].b, dm->shape[i].len), dm->shape[i].count,
			    found, &best)) {
				memcpy(shape, dm->shape[i].b, dm->shape[i].len);
				*len_r = dm->shape[i].len;
				found = 1;
			}
	pthread_mutex_unlock(&ds->mu);
	return found;
}

int
decoy_name_seed(struct decoy_stats *ds, const char *name,
    uint8_t seed[DECOY_SEED_LEN])
{
	static const char label[] = "seed";
	unsigned char msg[sizeof(label) + 1024];
	char key[1025];
	size_t nl;
	unsigned int n = 0;

	if (ds == NULL)
		return authd_random_bytes(seed, DECOY_SEED_LEN);
	nl = decoy_name_key(name, key, sizeof(key));
	/* the key never changes after decoy_stats_new: no lock */
	memcpy(msg, label, sizeof(label));          /* with its NUL */
	memcpy(msg + sizeof(label), key, nl);
	if (HMAC(EVP_sha256(), ds->key, DECOY_KEY_LEN, msg, sizeof(label) + nl,
	    seed, &n) == NULL || n != DECOY_SEED_LEN)
		return AUTHD_ERR_CRYPTO;
	return AUTHD_OK;
}

/* HMAC(key, label NUL folded-name), cut to outlen bytes. */
static int
name_mac(struct decoy_stats *ds, const char *label, const char *name,
    uint8_t *out, size_t outlen)
{
	unsigned char msg[16 + 1024], md[EVP_MAX_MD_SIZE];
	char key[1025];
	size_t ll = strlen(label), nl;
	unsigned int n = 0;

	if (ll >= 16)
		return AUTHD_ERR_INVALID;
	nl = decoy_name_key(name, key, sizeof(key));
	/* the key never changes after decoy_stats_new: no lock */
	memcpy(msg, label, ll + 1);                 /* with its NUL */
	memcpy(msg + ll + 1, key, nl);
	if (HMAC(EVP_sha256(), ds->key, DECOY_KEY_LEN, msg, ll + 1 + nl, md,
	    &n) == NULL || n < outlen)
		return AUTHD_ERR_CRYPTO;
	memcpy(out, md, outlen);
	explicit_bzero(md, sizeof(md));
	return AUTHD_OK;
}

int
decoy_name_tag(struct decoy_stats *ds, const char *name,
    uint8_t tag[DECOY_TAG_LEN])
{
	if (ds == NULL)
		return AUTHD_ERR_INVALID;
	return name_mac(ds, "lock", name, tag, DECOY_TAG_LEN);
}

void
decoy_key_id(struct decoy_stats *ds, char out[17])
{
	uint8_t id[8];
	size_t i;

	if (ds == NULL || name_mac(ds, "key-id", "", id, sizeof(id)) != AUTHD_OK) {
		snprintf(out, 17, "none");
		return;
	}
	for (i = 0; i < sizeof(id); i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

/* "HEX:COUNT" of a shape at line + *pos; 0, or -1 when the line is full. */
static int
shape_append(char *line, size_t linesz, size_t *pos, const struct decoy_shape *sh)
{
	size_t k;

	if (*pos + 2 * sh->len + 16 >= linesz)
		return -1;
	line[(*pos)++] = ' ';
	for (k = 0; k < sh->len; k++)
		*pos += (size_t)snprintf(line + *pos, linesz - *pos, "%02x",
		    sh->b[k]);
	*pos += (size_t)snprintf(line + *pos, linesz - *pos, ":%u",
	    (unsigned)sh->count);
	return 0;
}

/*
 * The file: a header naming the methods the masks' bits stand for, then a
 * line a policy ("policy NAME MASK:COUNT ...", the name %XX-escaped) and
 * a line a method whose shapes are kept ("shape METHOD HEX:COUNT ...").
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
		pos = (size_t)snprintf(line, sizeof(line), "policy ");
		if (authd_pct_append(line, sizeof(line), &pos, ds->pol[i].name) != 0)
			continue;
		for (k = 0; k < ds->pol[i].n && pos + 24 < sizeof(line); k++)
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
			    " %x:%u", ds->pol[i].set[k].mask,
			    (unsigned)ds->pol[i].set[k].count);
		line[pos++] = '\n';
		ok = write(fd, line, pos) == (ssize_t)pos;
	}
	for (i = 0; ok && i < ds->nmeth; i++) {
		pos = (size_t)snprintf(line, sizeof(line), "shape ");
		if (authd_pct_append(line, sizeof(line), &pos, ds->meth[i].name) != 0)
			continue;
		for (k = 0; k < ds->meth[i].n; k++)
			if (shape_append(line, sizeof(line), &pos,
			    &ds->meth[i].shape[k]) != 0)
				break;
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

/* "COUNT" ending at '\0'; -1 when malformed. */
static int
parse_count(const char *tok, uint32_t *count_r)
{
	unsigned long count;
	char *end;

	errno = 0;
	count = strtoul(tok, &end, 10);
	if (errno != 0 || end == tok || *end != '\0' || count >= COUNT_HALVE)
		return -1;
	*count_r = (uint32_t)count;
	return 0;
}

/* A policy's sets ("MASK:COUNT ..."); -1 when malformed. */
static int
load_policy(struct decoy_stats *ds, const char *name, char **save)
{
	struct decoy_policy *dp;
	char *tok, *end;
	unsigned long mask;

	if ((dp = policy_entry(ds, name, 1)) == NULL || dp->n != 0)
		return -1;
	while ((tok = strtok_r(NULL, " ", save)) != NULL && dp->n < DECOY_SETS) {
		errno = 0;
		mask = strtoul(tok, &end, 16);
		if (errno != 0 || end == tok || *end != ':' || mask == 0 ||
		    mask > UINT_MAX || parse_count(end + 1, &dp->set[dp->n].count) != 0)
			return -1;
		dp->set[dp->n++].mask = (unsigned)mask;
	}
	return 0;
}

/* A method's shapes ("HEX:COUNT ..."); -1 when malformed. */
static int
load_shapes(struct decoy_stats *ds, const char *name, char **save)
{
	struct decoy_method *dm;
	struct decoy_shape *sh;
	char *tok, *colon;
	size_t k, hexlen;
	unsigned byte;

	if ((dm = method_entry(ds, name, 1)) == NULL || dm->n != 0)
		return -1;
	while ((tok = strtok_r(NULL, " ", save)) != NULL && dm->n < DECOY_SHAPES) {
		sh = &dm->shape[dm->n];
		if ((colon = strchr(tok, ':')) == NULL)
			return -1;
		hexlen = (size_t)(colon - tok);
		if (hexlen == 0 || hexlen % 2 != 0 || hexlen / 2 > DECOY_SHAPE_MAX)
			return -1;
		for (k = 0; k < hexlen / 2; k++) {
			if (strspn(tok + 2 * k, "0123456789abcdef") < 2 ||
			    sscanf(tok + 2 * k, "%2x", &byte) != 1)
				return -1;
			sh->b[k] = (uint8_t)byte;
		}
		sh->len = hexlen / 2;
		if (parse_count(colon + 1, &sh->count) != 0)
			return -1;
		dm->n++;
	}
	return 0;
}

/* One line ("policy NAME ..." or "shape METHOD ..."); -1 when malformed. */
static int
load_line(struct decoy_stats *ds, char *line)
{
	char *kind, *name, *save = NULL;

	if ((kind = strtok_r(line, " ", &save)) == NULL ||
	    (name = strtok_r(NULL, " ", &save)) == NULL ||
	    authd_pct_decode(name) != 0)
		return -1;
	if (strcmp(kind, "policy") == 0)
		return load_policy(ds, name, &save);
	if (strcmp(kind, "shape") == 0)
		return load_shapes(ds, name, &save);
	return -1;
}

int
decoy_state_read(const char *path, const char *magic, const char *head,
    const char *other_why, int (*on_line)(void *arg, char *line), void *arg,
    char *why, size_t whylen)
{
	char line[DECOY_LINE_MAX];
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
			if (strncmp(line, magic, strlen(magic)) != 0 ||
			    line[strlen(magic)] != ' ') {
				/* another version's lines mean other things */
				snprintf(why, whylen, "written by another version");
				r = AUTHD_ERR_BAD_FIELD;
				break;
			}
			if (strcmp(line, head) != 0) {
				snprintf(why, whylen, "%s", other_why);
				r = AUTHD_ERR_BAD_FIELD;
				break;
			}
			continue;
		}
		line[n - 1] = '\0';
		if (on_line(arg, line) != 0) {
			snprintf(why, whylen, "line %zu: malformed", lineno);
			r = AUTHD_ERR_BAD_FIELD;
			break;
		}
	}
	if (lineno == 0 && r == AUTHD_OK) {
		/* save() always writes the first line: the file was cut */
		snprintf(why, whylen, "empty");
		r = AUTHD_ERR_BAD_FIELD;
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return r;
}

static int
stats_line(void *arg, char *line)
{
	return load_line(arg, line);
}

int
decoy_stats_load(struct decoy_stats *ds, const char *path, const char *methods,
    char *why, size_t whylen)
{
	char head[DECOY_LINE_MAX];
	int r;

	snprintf(head, sizeof(head), "%s methods=%s\n", DECOY_MAGIC, methods);
	pthread_mutex_lock(&ds->mu);
	/* another build's methods: its masks mean other sets; start afresh */
	r = decoy_state_read(path, DECOY_MAGIC, head, "written for other methods",
	    stats_line, ds, why, whylen);
	if (r != AUTHD_OK) {
		/* all or nothing: what came before the bad line goes too */
		memset(ds->pol, 0, sizeof(ds->pol));
		ds->n = 0;
		memset(ds->meth, 0, sizeof(ds->meth));
		ds->nmeth = 0;
	}
	ds->saved = ds->notes;
	pthread_mutex_unlock(&ds->mu);
	return r;
}
