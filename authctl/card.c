/*
 * authctl card register / issue / list / show, and what the lifecycle
 * commands share (card_int.h). A card is a child entry of its holder
 * (authdCardSerial=S,uid=...,ou=people). Two rules are checked here before
 * the add: a card's certificate belongs to exactly one person, and a person
 * has at most one active (or suspended) card. (Two administrators registering the
 * same certificate at the same instant could both pass the first check; a
 * uniqueness overlay on authdCardFingerprint would close that.)
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "authctl.h"
#include "authd/card.h"
#include "card_int.h"
#include "cards/card_state.h"
#include "cmd_card.h"
#include "conn.h"
#include "opts.h"
#include "err.h"
#include "schema.h"
#include "value.h"

#define CERT_FILE_MAX 65536

static const char *const card_attrs_list[] = {
	AUTHD_AT_CARD_SERIAL, AUTHD_AT_CARD_STATE, AUTHD_AT_CARD_STATE_CHANGED,
	AUTHD_AT_CARD_STATE_REASON, AUTHD_AT_CARD_SUSPENDED_UNTIL,
	AUTHD_AT_CARD_ISSUER, AUTHD_AT_CARD_VALID_UNTIL, AUTHD_AT_CARD_REGISTERED,
	AUTHD_AT_CARD_FINGERPRINT, AUTHD_AT_CARD_REPLACES, AUTHD_AT_CARD_REPLACED_BY,
	AUTHD_AT_CARD_COLLECTED_BY, AUTHD_AT_CARD_COLLECTED_TIME,
	AUTHD_AT_CARD_DESTROYED_TIME, AUTHD_AT_CARD_DESTROY_METHOD,
	AUTHD_AT_CARD_DESTROY_HANDLER, AUTHD_AT_CARD_DESTROY_WITNESS,
	"creatorsName", "createTimestamp", "modifiersName", "modifyTimestamp", NULL
};
#define N_CARD_ATTRS (sizeof(card_attrs_list) / sizeof(card_attrs_list[0]))

/* Serials become RDN values: keep them plain. */
int
actl_card_valid_serial(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CARD_SERIAL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || strchr("._:-", s[i]) != NULL))
			return 0;
	return 1;
}

int
actl_card_read_file(const char *path, uint8_t *buf, size_t bufsz, size_t *len_r)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, bufsz, f);
	if (ferror(f) || n == bufsz) {
		fprintf(stderr, "authctl: cannot read %s%s\n", path,
		    n == bufsz ? ": too large for a certificate" : "");
		fclose(f);
		return -1;
	}
	fclose(f);
	*len_r = n;
	return 0;
}

/* The holder's uid from a card's DN (the RDN after the card's own). */
void
actl_card_holder_of(const char *dn, char *out, size_t outsz)
{
	const char *p = strchr(dn, ','), *e;

	out[0] = '\0';
	if (p == NULL || strncmp(p + 1, "uid=", 4) != 0)
		return;
	p += 5;
	e = strchr(p, ',');
	snprintf(out, outsz, "%.*s", (int)(e != NULL ? e - p : (long)strlen(p)), p);
}

struct found {
	int n;
	char dn[512];
	char serial[CARD_SERIAL_MAX + 1];
};

static int
note_card(struct actl *a, LDAPMessage *e, void *arg)
{
	struct found *f = arg;
	char *dn;

	if (f->n++ == 0) {
		if ((dn = ldap_get_dn(a->ld, e)) != NULL) {
			snprintf(f->dn, sizeof(f->dn), "%s", dn);
			ldap_memfree(dn);
		}
		actl_first_value(a, e, AUTHD_AT_CARD_SERIAL, f->serial,
		    sizeof(f->serial));
	}
	return 0;
}

/* Cards under base matching "(&(objectClass=authdCard)(ATTR=VALUE))". */
static int
find_cards(struct actl *a, const char *base, const char *attr,
    const char *value, struct found *f_r)
{
	char *attrs[] = { AUTHD_AT_CARD_SERIAL, NULL }, *esc, *filter = NULL;
	int rc;

	memset(f_r, 0, sizeof(*f_r));
	if ((esc = actl_filter_escape(value)) == NULL ||
	    asprintf(&filter, "(&(objectClass=%s)(%s=%s))", AUTHD_OC_CARD, attr,
	    esc) < 0) {
		free(esc);
		return LDAP_NO_MEMORY;
	}
	rc = actl_search(a, base, LDAP_SCOPE_SUBTREE, filter, attrs, note_card, f_r);
	free(filter);
	free(esc);
	return rc;
}

void
actl_card_gtime(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, outsz, "%Y%m%d%H%M%SZ", &tm) == 0)
		snprintf(out, outsz, "19700101000000Z");
}

void
actl_card_history(const struct actl *a, time_t now, const char *state,
    const char *reason, char *out, size_t outsz)
{
	char t[32];

	actl_card_gtime(now, t, sizeof(t));
	snprintf(out, outsz, "%s %s <%s> %s", t, state,
	    a->actor != NULL ? a->actor : "unknown",
	    reason != NULL && *reason != '\0' ? reason : "-");
}

int
actl_card_is_own(const struct actl *a, const struct actl_card *c)
{
	char *mine;
	int own;

	if (a->actor == NULL || (mine = actl_person_dn(a, c->holder)) == NULL)
		return 0;
	own = strcasecmp(a->actor, mine) == 0;
	free(mine);
	return own;
}

static int
note_full(struct actl *a, LDAPMessage *e, void *arg)
{
	struct actl_card *c = arg;
	char v[64], *dn;

	if (c->dn[0] != '\0')
		return 0;
	if ((dn = ldap_get_dn(a->ld, e)) != NULL) {
		snprintf(c->dn, sizeof(c->dn), "%s", dn);
		ldap_memfree(dn);
	}
	actl_card_holder_of(c->dn, c->holder, sizeof(c->holder));
	actl_first_value(a, e, AUTHD_AT_CARD_SERIAL, c->serial, sizeof(c->serial));
	actl_first_value(a, e, AUTHD_AT_CARD_STATE, v, sizeof(v));
	c->state = card_state_parse(v);
	if (actl_first_value(a, e, AUTHD_AT_CARD_SUSPENDED_UNTIL, v, sizeof(v)) == 0 ||
	    actl_gtime_parse(v, &c->suspended_until) != 0)
		c->suspended_until = 0;
	if (actl_first_value(a, e, AUTHD_AT_CARD_VALID_UNTIL, v, sizeof(v)) == 0 ||
	    actl_gtime_parse(v, &c->valid_until) != 0)
		c->valid_until = 0;
	return 0;
}

int
actl_card_find(struct actl *a, const char *serial, struct actl_card *c_r)
{
	char *attrs[] = { AUTHD_AT_CARD_SERIAL, AUTHD_AT_CARD_STATE,
	    AUTHD_AT_CARD_SUSPENDED_UNTIL, AUTHD_AT_CARD_VALID_UNTIL, NULL };
	char *esc, *filter = NULL;
	int rc;

	memset(c_r, 0, sizeof(*c_r));
	c_r->state = -1;
	if ((esc = actl_filter_escape(serial)) == NULL ||
	    asprintf(&filter, "(&(objectClass=%s)(%s=%s))", AUTHD_OC_CARD,
	    AUTHD_AT_CARD_SERIAL, esc) < 0) {
		free(esc);
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	rc = actl_search(a, a->people_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
	    note_full, c_r);
	free(filter);
	free(esc);
	if (rc != LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "looking for the card", NULL, 0);
	if (c_r->dn[0] == '\0') {
		fprintf(stderr, "authctl: no card with serial %s\n", serial);
		return ACTL_FAIL;
	}
	return ACTL_OK;
}

struct slot_search {
	const char *except;
	char serial[CARD_SERIAL_MAX + 1];
	int state;
	int n;
};

static int
note_slot(struct actl *a, LDAPMessage *e, void *arg)
{
	struct slot_search *sl = arg;
	char serial[CARD_SERIAL_MAX + 1], state[32];

	actl_first_value(a, e, AUTHD_AT_CARD_SERIAL, serial, sizeof(serial));
	actl_first_value(a, e, AUTHD_AT_CARD_STATE, state, sizeof(state));
	if (sl->except != NULL && strcasecmp(serial, sl->except) == 0)
		return 0;
	if (sl->n++ == 0) {
		snprintf(sl->serial, sizeof(sl->serial), "%s", serial);
		sl->state = card_state_parse(state);
	}
	return 0;
}

int
actl_card_slot_taken(struct actl *a, const char *person_dn, const char *except,
    char *serial_r, size_t serialsz, int *state_r)
{
	char *attrs[] = { AUTHD_AT_CARD_SERIAL, AUTHD_AT_CARD_STATE, NULL };
	struct slot_search sl;
	char filter[160];
	int rc;

	memset(&sl, 0, sizeof(sl));
	sl.except = except;
	snprintf(filter, sizeof(filter), "(&(objectClass=%s)(|(%s=%s)(%s=%s)))",
	    AUTHD_OC_CARD, AUTHD_AT_CARD_STATE, AUTHD_CARD_ACTIVE,
	    AUTHD_AT_CARD_STATE, AUTHD_CARD_SUSPENDED);
	rc = actl_search(a, person_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
	    note_slot, &sl);
	if (rc != LDAP_SUCCESS) {
		actl_ldap_error(a, rc, "looking for the person's cards", NULL, 0);
		return -1;
	}
	if (sl.n == 0)
		return 0;
	snprintf(serial_r, serialsz, "%s", sl.serial);
	*state_r = sl.state;
	return 1;
}

struct reg_args {
	const char *uid, *cert_file, *serial;
};

static int
parse_register(int argc, char **argv, const char *cmd, struct reg_args *x)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "serial", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(x, 0, sizeof(*x));
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 's')
			x->serial = optarg;
		else if (c == 'h')
			return actl_help("card", cmd);
		else
			return actl_usage("card", cmd);
	}
	if (argc - optind != 2)
		return actl_usage("card", cmd);
	x->uid = argv[optind];
	x->cert_file = argv[optind + 1];
	if (!actl_valid_uid(x->uid)) {
		fprintf(stderr, "authctl: \"%s\" is not a valid user name\n", x->uid);
		return ACTL_USAGE;
	}
	if (x->serial != NULL && !actl_card_valid_serial(x->serial)) {
		fprintf(stderr, "authctl: a serial is 1 to %d of A-Z a-z 0-9 . _ : -\n",
		    CARD_SERIAL_MAX);
		return ACTL_USAGE;
	}
	return ACTL_OK;
}

/* Refusals of the rules, each recorded. ACTL_OK when they hold. */
static int
check_rules(struct actl *a, const char *event, const char *uid,
    const char *person_dn, const char *fpr_hex, const char *serial, int active)
{
	char holder[256], why[1024], other[CARD_SERIAL_MAX + 1], shown[4096];
	struct found f;
	int rc, other_state;

	if ((rc = find_cards(a, a->people_dn, AUTHD_AT_CARD_FINGERPRINT, fpr_hex,
	    &f)) != LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "looking for the certificate", NULL, 0);
	if (f.n > 0) {
		actl_card_holder_of(f.dn, holder, sizeof(holder));
		snprintf(why, sizeof(why), "certificate already registered to %s "
		    "(card %s): a card's certificate belongs to exactly one person",
		    holder, f.serial);
		goto refuse;
	}
	if ((rc = find_cards(a, a->people_dn, AUTHD_AT_CARD_SERIAL, serial, &f)) !=
	    LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "looking for the serial", NULL, 0);
	if (f.n > 0) {
		actl_card_holder_of(f.dn, holder, sizeof(holder));
		snprintf(why, sizeof(why), "serial %s is already used by a card "
		    "of %s", serial, holder);
		goto refuse;
	}
	if (!active)
		return ACTL_OK;
	if ((rc = actl_card_slot_taken(a, person_dn, NULL, other, sizeof(other),
	    &other_state)) < 0)
		return ACTL_FAIL;
	if (rc > 0) {
		snprintf(why, sizeof(why), "%s already has an active card (%s%s): "
		    "one active card per person", uid, other,
		    other_state == CARD_ST_SUSPENDED ? ", suspended" : "");
		goto refuse;
	}
	return ACTL_OK;
 refuse:
	/* holders and serials of other cards: from the directory */
	fprintf(stderr, "authctl: refused: %s\n",
	    actl_printable_copy(why, shown, sizeof(shown)));
	actl_record(a, event, uid, "refused", why);
	return ACTL_FAIL;
}

/*
 * authd's own checks of a card's certificate (authd/card.c), so that no card
 * is registered that authd would refuse at every login; in the words of
 * authd's audit reason. Neither the chain nor the dates: card_ca_file is
 * authd's, and a card may be registered before it is valid.
 */
static int
cert_can_log_in(const uint8_t *cert, size_t len, const char *cert_file)
{
	char detail[256];
	int v;

	if ((v = card_cert_check(cert, len, detail, sizeof(detail))) == CARD_OK)
		return 1;
	fprintf(stderr, "authctl: refused: %s: %s%s%s: authd refuses every "
	    "login with it\n", cert_file, card_verdict_reason(v),
	    detail[0] != '\0' ? ": " : "", detail);
	return 0;
}

int
actl_card_add(struct actl *a, const char *event, const char *uid,
    const char *cert_file, const char *serial, const char *state,
    const char *replaces, const char *reason, char *serial_r, size_t serialsz)
{
	struct card_cert_info *info = NULL;
	struct berval cert_bv, *cert_vals[2] = { &cert_bv, NULL };
	char fpr_hex[CARD_FPR_HEX_LEN + 1], now_gt[32], until_gt[32];
	char *person_dn = NULL, *dn = NULL, what[700], why[768], done[2400];
	char hist[1400];
	char *oc_v[] = { AUTHD_OC_CARD, NULL }, *serial_v[2] = { NULL, NULL };
	char *fpr_v[] = { fpr_hex, NULL }, *state_v[] = { (char *)state, NULL };
	char *issuer_v[2] = { NULL, NULL }, *reg_v[] = { now_gt, NULL };
	char *until_v[] = { until_gt, NULL }, *hist_v[] = { hist, NULL };
	char *repl_v[] = { (char *)replaces, NULL };
	LDAPMod m_oc, m_serial, m_cert, m_fpr, m_state, m_issuer, m_reg, m_until;
	LDAPMod m_changed, m_hist, m_repl;
	LDAPMod *mods[13];
	uint8_t *buf = NULL;
	size_t len, nm = 0;
	time_t now = time(NULL);
	int ret, rc;

	ret = ACTL_FAIL;
	if ((buf = malloc(CERT_FILE_MAX)) == NULL || (info = malloc(sizeof(*info))) == NULL)
		goto nomem;
	if (actl_card_read_file(cert_file, buf, CERT_FILE_MAX, &len) != 0)
		goto out;
	if (card_cert_info(buf, len, info) != AUTHD_OK) {
		fprintf(stderr, "authctl: %s is not an X.509 certificate (DER or PEM)\n",
		    cert_file);
		ret = ACTL_USAGE;
		goto out;
	}
	if (!cert_can_log_in(buf, len, cert_file)) {
		ret = ACTL_USAGE;
		goto out;
	}
	card_fpr_hex(info->fpr, fpr_hex);
	serial_v[0] = (char *)(serial != NULL ? serial : info->serial);
	if (!actl_card_valid_serial(serial_v[0])) {
		fprintf(stderr, "authctl: the certificate's serial does not make a "
		    "card serial: give --serial\n");
		ret = ACTL_USAGE;
		goto out;
	}
	snprintf(serial_r, serialsz, "%s", serial_v[0]);
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		goto out;
	ret = ACTL_FAIL;
	if ((person_dn = actl_person_dn(a, uid)) == NULL ||
	    asprintf(&dn, "%s=%s,%s", AUTHD_AT_CARD_SERIAL, serial_v[0],
	    person_dn) < 0)
		goto nomem;
	if ((ret = check_rules(a, event, uid, person_dn, fpr_hex, serial_v[0],
	    strcmp(state, AUTHD_CARD_ACTIVE) == 0)) != ACTL_OK)
		goto out;
	ret = ACTL_FAIL;
	actl_card_gtime(now, now_gt, sizeof(now_gt));
	actl_card_gtime(info->not_after, until_gt, sizeof(until_gt));
	actl_card_history(a, now, state, reason, hist, sizeof(hist));
	issuer_v[0] = info->issuer;
	cert_bv.bv_val = (char *)info->der;
	cert_bv.bv_len = info->der_len;
	m_oc = (LDAPMod){ LDAP_MOD_ADD, "objectClass", { .modv_strvals = oc_v } };
	m_serial = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_SERIAL, { .modv_strvals = serial_v } };
	m_cert = (LDAPMod){ LDAP_MOD_ADD | LDAP_MOD_BVALUES, AUTHD_AT_CARD_CERT,
	    { .modv_bvals = cert_vals } };
	m_fpr = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_FINGERPRINT, { .modv_strvals = fpr_v } };
	m_state = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_STATE, { .modv_strvals = state_v } };
	m_reg = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_REGISTERED, { .modv_strvals = reg_v } };
	m_changed = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_STATE_CHANGED, { .modv_strvals = reg_v } };
	m_hist = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_HISTORY, { .modv_strvals = hist_v } };
	m_until = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_VALID_UNTIL, { .modv_strvals = until_v } };
	m_issuer = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_ISSUER, { .modv_strvals = issuer_v } };
	m_repl = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_REPLACES, { .modv_strvals = repl_v } };
	mods[nm++] = &m_oc;
	mods[nm++] = &m_serial;
	mods[nm++] = &m_cert;
	mods[nm++] = &m_fpr;
	mods[nm++] = &m_state;
	mods[nm++] = &m_reg;
	mods[nm++] = &m_changed;
	mods[nm++] = &m_hist;
	mods[nm++] = &m_until;
	if (info->issuer[0] != '\0')
		mods[nm++] = &m_issuer;
	if (replaces != NULL)
		mods[nm++] = &m_repl;
	mods[nm] = NULL;
	if ((rc = ldap_add_ext_s(a->ld, dn, mods, NULL, NULL)) != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "adding %s", dn);
		actl_ldap_error(a, rc, what, why, sizeof(why));
		actl_record(a, event, uid, "refused", why);
		goto out;
	}
	snprintf(done, sizeof(done), "card %s %s, certificate %s, subject %s, "
	    "issuer %s%s%s", serial_v[0], state, fpr_hex, info->subject,
	    info->issuer, replaces != NULL ? ", replaces " : "",
	    replaces != NULL ? replaces : "");
	actl_record(a, event, uid, "success", done);
	printf("%s: card %s registered and %s\n  certificate SHA-256 %s\n"
	    "  subject %s\n  issuer %s\n", uid, serial_v[0], state, fpr_hex,
	    info->subject, info->issuer);
	ret = ACTL_OK;
	goto out;
 nomem:
	fprintf(stderr, "authctl: out of memory\n");
	ret = ACTL_FAIL;
 out:
	free(dn);
	free(person_dn);
	free(info);
	free(buf);
	return ret;
}

static int
register_as(struct actl *a, int argc, char **argv, const char *cmd,
    const char *state)
{
	struct reg_args x;
	char serial[CARD_SERIAL_MAX + 1], event[32];
	int ret;

	if ((ret = parse_register(argc, argv, cmd, &x)) != ACTL_OK)
		return ret;
	snprintf(event, sizeof(event), "card_%s", cmd);
	return actl_card_add(a, event, x.uid, x.cert_file, x.serial, state, NULL,
	    cmd, serial, sizeof(serial));
}

int
actl_card_register(struct actl *a, int argc, char **argv)
{
	return register_as(a, argc, argv, "register", AUTHD_CARD_ACTIVE);
}

int
actl_card_issue(struct actl *a, int argc, char **argv)
{
	return register_as(a, argc, argv, "issue", AUTHD_CARD_ISSUED);
}

struct list_state {
	int n;
	int ended;               /* a suspension has ended: footnote */
	time_t now;
};

static int
print_row(struct actl *a, LDAPMessage *e, void *arg)
{
	char serial[CARD_SERIAL_MAX + 1], state[32], until[64], issuer[256];
	char holder[256], buf[64], shown[40], shown_serial[4 * CARD_SERIAL_MAX + 1];
	struct list_state *ls = arg;
	time_t t, susp = 0;
	int st, eff;
	char *dn;

	if ((dn = ldap_get_dn(a->ld, e)) == NULL)
		return 0;
	actl_card_holder_of(dn, holder, sizeof(holder));
	ldap_memfree(dn);
	actl_first_value(a, e, AUTHD_AT_CARD_SERIAL, serial, sizeof(serial));
	actl_first_value(a, e, AUTHD_AT_CARD_STATE, state, sizeof(state));
	actl_first_value(a, e, AUTHD_AT_CARD_ISSUER, issuer, sizeof(issuer));
	actl_first_value(a, e, AUTHD_AT_CARD_VALID_UNTIL, buf, sizeof(buf));
	if (actl_gtime_parse(buf, &t) == 0)
		strftime(until, sizeof(until), "%Y-%m-%d", localtime(&t));
	else
		snprintf(until, sizeof(until), "-");
	if (actl_first_value(a, e, AUTHD_AT_CARD_SUSPENDED_UNTIL, buf, sizeof(buf)) > 0 &&
	    actl_gtime_parse(buf, &susp) != 0)
		susp = 0;
	st = card_state_parse(state);
	eff = card_state_effective(st, susp, ls->now);
	if (eff != st) {
		snprintf(shown, sizeof(shown), "%s*", card_state_name(eff));
		ls->ended = 1;
	} else
		actl_printable_copy(state, shown, sizeof(shown));
	if (ls->n++ == 0)
		printf("%-16s %-24s %-10s %-10s %s\n", "HOLDER", "SERIAL", "STATE",
		    "VALID TO", "ISSUER");
	printf("%-16s %-24s %-10s %-10s %s\n", actl_printable(holder, sizeof(holder)),
	    actl_printable_copy(serial, shown_serial, sizeof(shown_serial)), shown,
	    until, actl_printable(issuer, sizeof(issuer)));
	return 0;
}

int
actl_card_list(struct actl *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "state", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "expired", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	char *attrs[N_CARD_ATTRS], *base = NULL, filter[256], now_gt[32];
	const char *user = NULL, *state = NULL;
	struct list_state ls;
	int expired = 0, c, rc, ret;
	size_t i;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 's')
			state = optarg;
		else if (c == 'u')
			user = optarg;
		else if (c == 'e')
			expired = 1;
		else if (c == 'h')
			return actl_help("card", "list");
		else
			return actl_usage("card", "list");
	}
	if (argc - optind > 1 || (argc - optind == 1 && user != NULL))
		return actl_usage("card", "list");
	if (argc - optind == 1)
		user = argv[optind];
	if (user != NULL && !actl_valid_uid(user)) {
		fprintf(stderr, "authctl: \"%s\" is not a valid user name\n", user);
		return ACTL_USAGE;
	}
	if (state != NULL && card_state_parse(state) < 0) {
		fprintf(stderr, "authctl: \"%s\" is not a card state (issued, active, "
		    "suspended, lost, revoked, replaced, collected, destroyed)\n", state);
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	memset(&ls, 0, sizeof(ls));
	ls.now = time(NULL);
	for (i = 0; card_attrs_list[i] != NULL; i++)
		attrs[i] = (char *)card_attrs_list[i];
	attrs[i] = NULL;
	if (user != NULL && (base = actl_person_dn(a, user)) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	actl_card_gtime(ls.now, now_gt, sizeof(now_gt));
	snprintf(filter, sizeof(filter), "(&(objectClass=%s)%s%s%s%s%s%s%s)",
	    AUTHD_OC_CARD, state != NULL ? "(" AUTHD_AT_CARD_STATE "=" : "",
	    state != NULL ? card_state_name(card_state_parse(state)) : "",
	    state != NULL ? ")" : "",
	    expired ? "(" AUTHD_AT_CARD_VALID_UNTIL "<=" : "",
	    expired ? now_gt : "", expired ? ")" : "", "");
	rc = actl_search(a, base != NULL ? base : a->people_dn, LDAP_SCOPE_SUBTREE,
	    filter, attrs, print_row, &ls);
	free(base);
	if (rc != LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "listing cards", NULL, 0);
	if (ls.n == 0)
		printf("no cards\n");
	if (ls.ended)
		printf("* suspended, but the suspension has ended: counts as active\n");
	return ACTL_OK;
}

struct show_state {
	struct card_cert_info info;
	int n;
};

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* "TIME STATE <ACTOR> REASON" with the time in local time. */
static void
print_history(struct actl *a, LDAPMessage *e)
{
	struct berval **vals;
	char **lines = NULL, tbuf[64], gt[32], text[4096];
	size_t n, i;
	time_t t;

	if ((vals = ldap_get_values_len(a->ld, e, AUTHD_AT_CARD_HISTORY)) == NULL)
		return;
	n = (size_t)ldap_count_values_len(vals);
	if ((lines = calloc(n + 1, sizeof(*lines))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if ((lines[i] = strndup(vals[i]->bv_val, vals[i]->bv_len)) == NULL)
			goto out;
	qsort(lines, n, sizeof(*lines), cmp_str);
	printf("  history (time, state, by whom, why):\n");
	for (i = 0; i < n; i++) {
		const char *sp = strchr(lines[i], ' ');

		if (sp != NULL && (size_t)(sp - lines[i]) < sizeof(gt)) {
			snprintf(gt, sizeof(gt), "%.*s", (int)(sp - lines[i]), lines[i]);
			if (actl_gtime_parse(gt, &t) == 0) {
				printf("    %s %s\n", actl_local_time(t, tbuf, sizeof(tbuf)),
				    actl_printable_copy(sp + 1, text, sizeof(text)));
				continue;
			}
		}
		printf("    %s\n", actl_printable_copy(lines[i], text, sizeof(text)));
	}
 out:
	if (lines != NULL)
		for (i = 0; i < n; i++)
			free(lines[i]);
	free(lines);
	ldap_value_free_len(vals);
}

static int
show_card(struct actl *a, LDAPMessage *e, void *arg)
{
	struct show_state *ss = arg;
	struct card_cert_info *info = &ss->info;
	struct berval **vals;
	char holder[256], v[1100], buf[64], text[4096];
	const char *const *at;
	time_t t;
	char *dn;

	if ((dn = ldap_get_dn(a->ld, e)) == NULL)
		return 0;
	actl_card_holder_of(dn, holder, sizeof(holder));
	printf("%s%s\n  %-24s %s\n", ss->n++ > 0 ? "\n" : "",
	    actl_printable_copy(dn, text, sizeof(text)), "holder",
	    actl_printable(holder, sizeof(holder)));
	ldap_memfree(dn);
	for (at = card_attrs_list; *at != NULL; at++) {
		if (actl_first_value(a, e, *at, v, sizeof(v)) == 0)
			continue;
		if (actl_gtime_parse(v, &t) == 0)
			printf("  %-24s %s\n", *at, actl_local_time(t, buf, sizeof(buf)));
		else
			printf("  %-24s %s\n", *at,
			    actl_printable_copy(v, text, sizeof(text)));
	}
	if ((vals = ldap_get_values_len(a->ld, e, AUTHD_AT_CARD_CERT)) != NULL) {
		if (vals[0] != NULL && card_cert_info((const uint8_t *)vals[0]->bv_val,
		    vals[0]->bv_len, info) == AUTHD_OK)
			printf("  %-24s %s\n  %-24s %s\n", "subject",
			    actl_printable(info->subject, sizeof(info->subject)),
			    "certificate serial",
			    actl_printable(info->serial, sizeof(info->serial)));
		ldap_value_free_len(vals);
	}
	print_history(a, e);
	return 0;
}

int
actl_card_show(struct actl *a, int argc, char **argv)
{
	char *attrs[N_CARD_ATTRS + 2], *esc = NULL, *filter = NULL, **args;
	struct show_state *ss = NULL;
	int rc, ret;
	size_t i;

	if ((ret = actl_parse_args(argc, argv, "card", "show", 1, &args)) != ACTL_OK)
		return ret;
	if (!actl_card_valid_serial(args[0])) {
		fprintf(stderr, "authctl: \"%s\" is not a card serial\n", args[0]);
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	for (i = 0; card_attrs_list[i] != NULL; i++)
		attrs[i] = (char *)card_attrs_list[i];
	attrs[i++] = AUTHD_AT_CARD_CERT;
	attrs[i++] = AUTHD_AT_CARD_HISTORY;
	attrs[i] = NULL;
	if ((ss = calloc(1, sizeof(*ss))) == NULL ||
	    (esc = actl_filter_escape(args[0])) == NULL ||
	    asprintf(&filter, "(&(objectClass=%s)(%s=%s))", AUTHD_OC_CARD,
	    AUTHD_AT_CARD_SERIAL, esc) < 0) {
		fprintf(stderr, "authctl: out of memory\n");
		ret = ACTL_FAIL;
		goto out;
	}
	rc = actl_search(a, a->people_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
	    show_card, ss);
	if (rc != LDAP_SUCCESS)
		ret = actl_ldap_error(a, rc, "reading the card", NULL, 0);
	else if (ss->n == 0) {
		fprintf(stderr, "authctl: no card with serial %s\n", args[0]);
		ret = ACTL_FAIL;
	}
 out:
	free(filter);
	free(esc);
	free(ss);
	return ret;
}
