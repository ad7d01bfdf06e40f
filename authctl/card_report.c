/*
 * authctl card report (what is still owed: cards to collect or destroy,
 * cards past their validity) and authctl card crl (a CRL of every card
 * no longer valid, signed with the CA key, for systems outside authd).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authctl.h"
#include "card_int.h"
#include "cards/card_crl.h"
#include "cards/card_state.h"
#include "cmd_card.h"
#include "conn.h"
#include "opts.h"
#include "schema.h"
#include "value.h"

struct report {
	time_t now;
	int n;
};

static void
report_line(struct report *r, const char *holder, const char *serial,
    const char *state, const char *what)
{
	char h[1024], se[4 * CARD_SERIAL_MAX + 1], st[128];

	if (r->n++ == 0)
		printf("%-16s %-24s %-10s %s\n", "HOLDER", "SERIAL", "STATE", "OUTSTANDING");
	printf("%-16s %-24s %-10s %s\n", actl_printable_copy(holder, h, sizeof(h)),
	    actl_printable_copy(serial, se, sizeof(se)),
	    actl_printable_copy(state, st, sizeof(st)), what);
}

static int
report_card(struct actl *a, LDAPMessage *e, void *arg)
{
	struct report *r = arg;
	char serial[CARD_SERIAL_MAX + 1], state[32], v[64], holder[256], what[160];
	char tbuf[64], *dn;
	time_t until;
	int st;

	if ((dn = ldap_get_dn(a->ld, e)) == NULL)
		return 0;
	actl_card_holder_of(dn, holder, sizeof(holder));
	ldap_memfree(dn);
	actl_first_value(a, e, AUTHD_AT_CARD_SERIAL, serial, sizeof(serial));
	actl_first_value(a, e, AUTHD_AT_CARD_STATE, state, sizeof(state));
	st = card_state_parse(state);
	switch (st) {
	case CARD_ST_LOST:
	case CARD_ST_REVOKED:
	case CARD_ST_REPLACED:
		report_line(r, holder, serial, state, "not collected, not destroyed");
		break;
	case CARD_ST_COLLECTED:
		report_line(r, holder, serial, state, "collected, no destruction record");
		break;
	case CARD_ST_DESTROYED:
		/* authctl writes all four; a hand-made change might not */
		if (actl_first_value(a, e, AUTHD_AT_CARD_DESTROYED_TIME, v, sizeof(v)) == 0 ||
		    actl_first_value(a, e, AUTHD_AT_CARD_DESTROY_METHOD, v, sizeof(v)) == 0 ||
		    actl_first_value(a, e, AUTHD_AT_CARD_DESTROY_HANDLER, v, sizeof(v)) == 0 ||
		    actl_first_value(a, e, AUTHD_AT_CARD_DESTROY_WITNESS, v, sizeof(v)) == 0)
			report_line(r, holder, serial, state,
			    "destroyed, the destruction record is incomplete");
		break;
	case CARD_ST_ISSUED:
	case CARD_ST_ACTIVE:
	case CARD_ST_SUSPENDED:
		if (actl_first_value(a, e, AUTHD_AT_CARD_VALID_UNTIL, v, sizeof(v)) > 0 &&
		    actl_gtime_parse(v, &until) == 0 && until <= r->now) {
			snprintf(what, sizeof(what), "past its validity (%s): revoke, "
			    "collect, destroy", actl_local_time(until, tbuf, sizeof(tbuf)));
			report_line(r, holder, serial, state, what);
		}
		break;
	default:
		report_line(r, holder, serial, state, "unknown state");
	}
	return 0;
}

int
actl_card_report(struct actl *a, int argc, char **argv)
{
	char *attrs[] = { AUTHD_AT_CARD_SERIAL, AUTHD_AT_CARD_STATE,
	    AUTHD_AT_CARD_VALID_UNTIL, AUTHD_AT_CARD_DESTROYED_TIME,
	    AUTHD_AT_CARD_DESTROY_METHOD, AUTHD_AT_CARD_DESTROY_HANDLER,
	    AUTHD_AT_CARD_DESTROY_WITNESS, NULL };
	struct report r;
	char filter[64], **args;
	int rc, ret;

	if ((ret = actl_parse_args(argc, argv, "card", "report", 0, &args)) != ACTL_OK)
		return ret;
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	memset(&r, 0, sizeof(r));
	r.now = time(NULL);
	snprintf(filter, sizeof(filter), "(objectClass=%s)", AUTHD_OC_CARD);
	rc = actl_search(a, a->people_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
	    report_card, &r);
	if (rc != LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "reading the cards", NULL, 0);
	if (r.n == 0)
		printf("nothing outstanding\n");
	return ACTL_OK;
}

struct crl_cards {
	struct card_crl_entry *e;
	struct berval ***certs;         /* kept until the CRL is made */
	size_t n, cap;
	int nomem;
};

static int
collect_invalid(struct actl *a, LDAPMessage *e, void *arg)
{
	struct crl_cards *cc = arg;
	struct card_crl_entry *ne;
	struct berval **vals, ***nc;
	char state[32], v[64];
	time_t since = 0;

	actl_first_value(a, e, AUTHD_AT_CARD_STATE, state, sizeof(state));
	if (!card_state_invalid(card_state_parse(state)))
		return 0;
	if ((vals = ldap_get_values_len(a->ld, e, AUTHD_AT_CARD_CERT)) == NULL)
		return 0;
	if (cc->n == cc->cap) {
		size_t cap = cc->cap == 0 ? 64 : cc->cap * 2;

		if ((ne = reallocarray(cc->e, cap, sizeof(*ne))) == NULL) {
			ldap_value_free_len(vals);
			cc->nomem = 1;
			return 1;
		}
		cc->e = ne;
		if ((nc = reallocarray(cc->certs, cap, sizeof(*nc))) == NULL) {
			ldap_value_free_len(vals);
			cc->nomem = 1;
			return 1;
		}
		cc->certs = nc;
		cc->cap = cap;
	}
	if (actl_first_value(a, e, AUTHD_AT_CARD_STATE_CHANGED, v, sizeof(v)) == 0 ||
	    actl_gtime_parse(v, &since) != 0)
		since = 0;
	cc->certs[cc->n] = vals;
	cc->e[cc->n].der = (const uint8_t *)vals[0]->bv_val;
	cc->e[cc->n].der_len = vals[0]->bv_len;
	cc->e[cc->n].since = since;
	cc->e[cc->n].state = card_state_parse(state);
	cc->n++;
	return 0;
}

/*
 * Write the whole text to path through a temporary file and rename. The
 * temporary name is made by mkstemp (O_EXCL, unpredictable): a name
 * guessed in advance, such as a symlink planted in a shared folder, is
 * never opened.
 */
static int
write_atomically(const char *path, const char *text)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd, ret = -1;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		goto out;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto out;
	}
	if (fputs(text, f) == EOF || fflush(f) != 0 || fchmod(fileno(f), 0644) != 0) {
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		goto out;
	ret = 0;
 out:
	if (ret != 0 && tmp != NULL) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
	}
	free(tmp);
	return ret;
}

int
actl_card_crl(struct actl *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "ca-cert", required_argument, NULL, 'c' },
		{ "ca-key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	char *attrs[] = { AUTHD_AT_CARD_STATE, AUTHD_AT_CARD_CERT,
	    AUTHD_AT_CARD_STATE_CHANGED, NULL };
	const char *ca_cert = NULL, *ca_key = NULL, *out = NULL;
	struct crl_cards cc;
	char filter[400], err[512], done[700], *pem = NULL;
	size_t listed = 0, skipped = 0, i;
	long days = 7;
	int c, rc, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': ca_cert = optarg; break;
		case 'k': ca_key = optarg; break;
		case 'o': out = optarg; break;
		case 'd':
			if (actl_parse_long(optarg, 1, 3650, &days) != 0) {
				fprintf(stderr, "authctl: --days is 1 to 3650\n");
				return ACTL_USAGE;
			}
			break;
		case 'h': return actl_help("card", "crl");
		default: return actl_usage("card", "crl");
		}
	}
	if (optind != argc || ca_cert == NULL || ca_key == NULL)
		return actl_usage("card", "crl");
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	memset(&cc, 0, sizeof(cc));
	snprintf(filter, sizeof(filter), "(&(objectClass=%s)(|(%s=%s)(%s=%s)(%s=%s)"
	    "(%s=%s)(%s=%s)))", AUTHD_OC_CARD,
	    AUTHD_AT_CARD_STATE, AUTHD_CARD_LOST, AUTHD_AT_CARD_STATE, AUTHD_CARD_REVOKED,
	    AUTHD_AT_CARD_STATE, AUTHD_CARD_REPLACED, AUTHD_AT_CARD_STATE,
	    AUTHD_CARD_COLLECTED, AUTHD_AT_CARD_STATE, AUTHD_CARD_DESTROYED);
	ret = ACTL_FAIL;
	rc = actl_search(a, a->people_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
	    collect_invalid, &cc);
	if (cc.nomem) {
		fprintf(stderr, "authctl: out of memory\n");
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		actl_ldap_error(a, rc, "reading the cards", NULL, 0);
		goto out;
	}
	if (card_crl_make(ca_cert, ca_key, cc.e, cc.n, time(NULL), (int)days, &pem,
	    &listed, &skipped, err, sizeof(err)) != 0) {
		fprintf(stderr, "authctl: %s\n", err);
		actl_record(a, "card_crl", "-", "failed", err);
		goto out;
	}
	if (out == NULL)
		fputs(pem, stdout);
	else if (write_atomically(out, pem) != 0) {
		fprintf(stderr, "authctl: cannot write %s: %s\n", out, strerror(errno));
		goto out;
	}
	snprintf(done, sizeof(done), "CRL of %zu card certificate(s) no longer "
	    "valid%s%s, next update in %ld day(s)", listed, out != NULL ? " to " : "",
	    out != NULL ? out : "", days);
	actl_record(a, "card_crl", "-", "success", done);
	fprintf(stderr, "authctl: %s", done);
	if (skipped > 0)
		fprintf(stderr, " (%zu of other CAs left out)", skipped);
	fprintf(stderr, "\n");
	ret = ACTL_OK;
 out:
	free(pem);
	for (i = 0; i < cc.n; i++)
		ldap_value_free_len(cc.certs[i]);
	free(cc.certs);
	free(cc.e);
	return ret;
}
