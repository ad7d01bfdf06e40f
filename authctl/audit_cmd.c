/*
 * authctl audit verify [--checkpoints] FILE: check the hash chain of an audit
 * log, and with --checkpoints against the chain's heads authd kept in the
 * directory (authd/checkpoint.h).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "authctl.h"
#include "conn.h"
#include "err.h"
#include "schema.h"
#include "value.h"

/* The library may already say "FILE: " or "line L: "; we say it once. */
static const char *
strip_prefix(const char *why, const char *path, size_t line)
{
	char prefix[64];
	size_t len = strlen(path);

	if (strncmp(why, path, len) == 0 && strncmp(why + len, ": ", 2) == 0)
		why += len + 2;
	snprintf(prefix, sizeof(prefix), "line %zu: ", line);
	if (strncmp(why, prefix, strlen(prefix)) == 0)
		why += strlen(prefix);
	return why;
}

/* The checkpoints of one chain, as read from the directory. */
struct cp_list {
	struct authd_audit_checkpoint *v;
	size_t n, cap;
	int bad;                 /* an entry that is not a checkpoint */
	int nomem;
};

/* A hash as authd writes it: 64 lowercase hex digits, nothing more. */
static int
is_record_hash(const char *h)
{
	size_t i;

	for (i = 0; h[i] != '\0'; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return i == AUTHD_AUDIT_HASH_LEN;
}

static int
collect_one(struct actl *a, LDAPMessage *e, void *arg)
{
	struct cp_list *l = arg;
	struct authd_audit_checkpoint *cp, *nv;
	/* room for one character more than a hash: a longer one is not cut to fit */
	char seq[32], when[32], hash[AUTHD_AUDIT_HASH_LEN + 2], *end;
	int nseq, nhash;
	time_t t;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL) {
			l->nomem = 1;
			return 1;
		}
		l->v = nv;
	}
	cp = &l->v[l->n];
	memset(cp, 0, sizeof(*cp));
	nseq = actl_first_value(a, e, AUTHD_AT_CP_SEQ, seq, sizeof(seq));
	nhash = actl_first_value(a, e, AUTHD_AT_CP_HASH, hash, sizeof(hash));
	actl_first_value(a, e, AUTHD_AT_CP_TIME, when, sizeof(when));
	cp->seq = strtoull(seq, &end, 10);
	if (nseq != 1 || nhash != 1 || seq[0] < '0' || seq[0] > '9' ||
	    *end != '\0' || cp->seq == 0 || !is_record_hash(hash)) {
		l->bad++;
		return 0;
	}
	memcpy(cp->hash, hash, sizeof(cp->hash));
	if (actl_gtime_parse(when, &t) == 0)
		actl_local_time(t, cp->time, sizeof(cp->time));
	else
		snprintf(cp->time, sizeof(cp->time), "%s", when);
	l->n++;
	return 0;
}

/* Read the directory's checkpoints of chain into l; an actl status. */
static int
read_checkpoints(struct actl *a, const char *chain, struct cp_list *l)
{
	char *attrs[] = { AUTHD_AT_CP_SEQ, AUTHD_AT_CP_HASH, AUTHD_AT_CP_TIME, NULL };
	char *base = NULL, *filter = NULL;
	int r, ret;

	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if (asprintf(&base, "%s,%s", AUTHD_AUDIT_RDN, a->base_dn) < 0 ||
	    asprintf(&filter, "(&(objectClass=" AUTHD_OC_CHECKPOINT ")("
	    AUTHD_AT_CP_CHAIN "=%s))", chain) < 0) {
		free(base);
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	r = actl_search(a, base, LDAP_SCOPE_ONELEVEL, filter, attrs, collect_one, l);
	free(base);
	free(filter);
	if (r != LDAP_SUCCESS && !l->nomem)
		return actl_ldap_error(a, r, "reading the audit checkpoints", NULL, 0);
	if (l->nomem) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	return ACTL_OK;
}

/* The file against the directory's checkpoints of its chain (after its chain verified). */
static int
verify_checkpoints(struct actl *a, const char *path)
{
	char chain[AUTHD_AUDIT_HASH_LEN + 1], why[512];
	struct cp_list l = { 0 };
	size_t matched = 0, bad_line = 0, i, last = 0;
	int r, ret;

	if (authd_audit_chain_of(path, chain) != AUTHD_OK) {
		printf("%s: the file does not start with its first record: no "
		    "checkpoint can name its chain\n", path);
		return ACTL_FAIL;
	}
	if ((ret = read_checkpoints(a, chain, &l)) != ACTL_OK) {
		free(l.v);
		return ret;
	}
	if (l.n == 0) {
		printf("%s: no checkpoint of this chain in the directory: the end "
		    "of the file cannot be confirmed\n", path);
		free(l.v);
		return ACTL_FAIL;
	}
	r = authd_audit_verify_checkpoints(path, l.v, l.n, &matched, &bad_line,
	    why, sizeof(why));
	if (r != AUTHD_OK) {
		printf("%s: %s\n", path, strip_prefix(why, path, 0));
		free(l.v);
		return ACTL_FAIL;
	}
	for (i = 1; i < l.n; i++)
		if (l.v[i].seq > l.v[last].seq)
			last = i;
	printf("%s: %zu checkpoint%s; the last, taken %s, covers "
	    "records up to seq %llu", path, matched, matched == 1 ?
	    " matches" : "s match", l.v[last].time, l.v[last].seq);
	if (l.bad > 0)
		printf(" (%d %s ignored: no seq, or a hash that is not 64 "
		    "hex digits)", l.bad, l.bad == 1 ? "entry that is not a "
		    "checkpoint" : "entries that are not checkpoints");
	printf("\n");
	free(l.v);
	return ACTL_OK;
}

int
actl_audit_verify(struct actl *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "checkpoints", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct authd_audit_torn torn;
	char why[1024];
	const char *explain;
	size_t records = 0, bad_line = 0;
	int c, r, checkpoints = 0;

	optind = 0;
	/* options before or after the file, as the other commands take them */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h')
			return actl_help("audit", "verify");
		if (c == 'c') {
			checkpoints = 1;
			continue;
		}
		return actl_usage("audit", "verify");
	}
	if (argc - optind != 1)
		return actl_usage("audit", "verify");
	why[0] = '\0';
	r = authd_audit_verify(argv[optind], &records, &bad_line, &torn, why,
	    sizeof(why));
	if (r == AUTHD_OK && torn.n > 0) {
		/* why names each line stepped over ("line L: ..." or "lines ...") */
		printf("%s: %zu records, chain intact; %s\n", argv[optind],
		    records, why);
		return checkpoints ? verify_checkpoints(a, argv[optind]) : ACTL_OK;
	}
	if (r == AUTHD_OK) {
		printf("%s: %zu records, chain intact\n", argv[optind], records);
		return checkpoints ? verify_checkpoints(a, argv[optind]) : ACTL_OK;
	}
	explain = strip_prefix(why, argv[optind], bad_line);
	if (*explain == '\0')
		explain = authd_strerror(r);
	if (bad_line > 0)
		printf("%s: line %zu: %s\n", argv[optind], bad_line, explain);
	else
		printf("%s: %s\n", argv[optind], explain);
	return ACTL_FAIL;
}
