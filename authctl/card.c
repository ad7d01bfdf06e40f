/*
 * authctl card register / list / show. A card is a child entry of its
 * holder (authdCardSerial=S,uid=...,ou=people). Two rules are checked here
 * before the add: a card's certificate belongs to exactly one person, and a
 * person has at most one active card. (Two administrators registering the
 * same certificate at the same instant could both pass the first check; a
 * uniqueness overlay on authdCardFingerprint would close that.)
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authctl.h"
#include "authd/card.h"
#include "cmd_card.h"
#include "conn.h"
#include "err.h"
#include "schema.h"
#include "value.h"

#define CERT_FILE_MAX 65536

static const char *const card_attrs_list[] = {
	AUTHD_AT_CARD_SERIAL, AUTHD_AT_CARD_STATE, AUTHD_AT_CARD_ISSUER,
	AUTHD_AT_CARD_VALID_UNTIL, AUTHD_AT_CARD_REGISTERED,
	AUTHD_AT_CARD_FINGERPRINT, NULL
};

/* Serials become RDN values: keep them plain. */
static int
valid_serial(const char *s)
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

static int
read_file(const char *path, uint8_t *buf, size_t bufsz, size_t *len_r)
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
static void
holder_of(const char *dn, char *out, size_t outsz)
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

struct reg_args {
	const char *uid, *cert_file, *serial;
};

static int
parse_register(int argc, char **argv, struct reg_args *x)
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
			return actl_help("card", "register");
		else
			return actl_usage("card", "register");
	}
	if (argc - optind != 2)
		return actl_usage("card", "register");
	x->uid = argv[optind];
	x->cert_file = argv[optind + 1];
	if (!actl_valid_uid(x->uid)) {
		fprintf(stderr, "authctl: \"%s\" is not a valid user name\n", x->uid);
		return ACTL_USAGE;
	}
	if (x->serial != NULL && !valid_serial(x->serial)) {
		fprintf(stderr, "authctl: a serial is 1 to %d of A-Z a-z 0-9 . _ : -\n",
		    CARD_SERIAL_MAX);
		return ACTL_USAGE;
	}
	return ACTL_OK;
}

/* Refusals of the two rules, each recorded. ACTL_OK when both hold. */
static int
check_rules(struct actl *a, const char *uid, const char *person_dn,
    const char *fpr_hex, const char *serial)
{
	char holder[256], why[1024];
	struct found f;
	int rc;

	if ((rc = find_cards(a, a->people_dn, AUTHD_AT_CARD_FINGERPRINT, fpr_hex,
	    &f)) != LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "looking for the certificate", NULL, 0);
	if (f.n > 0) {
		holder_of(f.dn, holder, sizeof(holder));
		snprintf(why, sizeof(why), "certificate already registered to %s "
		    "(card %s): a card's certificate belongs to exactly one person",
		    holder, f.serial);
		goto refuse;
	}
	if ((rc = find_cards(a, a->people_dn, AUTHD_AT_CARD_SERIAL, serial, &f)) !=
	    LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "looking for the serial", NULL, 0);
	if (f.n > 0) {
		holder_of(f.dn, holder, sizeof(holder));
		snprintf(why, sizeof(why), "serial %s is already used by a card "
		    "of %s", serial, holder);
		goto refuse;
	}
	if ((rc = find_cards(a, person_dn, AUTHD_AT_CARD_STATE, AUTHD_CARD_ACTIVE,
	    &f)) != LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "looking for the person's cards", NULL, 0);
	if (f.n > 0) {
		snprintf(why, sizeof(why), "%s already has an active card (%s): "
		    "one active card per person", uid, f.serial);
		goto refuse;
	}
	return ACTL_OK;
 refuse:
	fprintf(stderr, "authctl: refused: %s\n", why);
	actl_record(a, "card_register", uid, "refused", why);
	return ACTL_FAIL;
}

int
actl_card_register(struct actl *a, int argc, char **argv)
{
	struct card_cert_info *info = NULL;
	struct reg_args x;
	struct berval cert_bv, *cert_vals[2] = { &cert_bv, NULL };
	char fpr_hex[CARD_FPR_HEX_LEN + 1], now_gt[32], until_gt[32];
	char *person_dn = NULL, *dn = NULL, what[700], reason[768], done[2400];
	char *oc_v[] = { AUTHD_OC_CARD, NULL }, *serial_v[2] = { NULL, NULL };
	char *fpr_v[] = { fpr_hex, NULL }, *state_v[] = { AUTHD_CARD_ACTIVE, NULL };
	char *issuer_v[2] = { NULL, NULL }, *reg_v[] = { now_gt, NULL };
	char *until_v[] = { until_gt, NULL };
	LDAPMod m_oc, m_serial, m_cert, m_fpr, m_state, m_issuer, m_reg, m_until;
	LDAPMod *mods[] = { &m_oc, &m_serial, &m_cert, &m_fpr, &m_state, &m_reg,
	    &m_until, &m_issuer, NULL };
	uint8_t *buf = NULL;
	size_t len;
	time_t now = time(NULL);
	int ret, rc;

	if ((ret = parse_register(argc, argv, &x)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	if ((buf = malloc(CERT_FILE_MAX)) == NULL || (info = malloc(sizeof(*info))) == NULL)
		goto nomem;
	if (read_file(x.cert_file, buf, CERT_FILE_MAX, &len) != 0)
		goto out;
	if (card_cert_info(buf, len, info) != AUTHD_OK) {
		fprintf(stderr, "authctl: %s is not an X.509 certificate (DER or PEM)\n",
		    x.cert_file);
		ret = ACTL_USAGE;
		goto out;
	}
	card_fpr_hex(info->fpr, fpr_hex);
	serial_v[0] = (char *)(x.serial != NULL ? x.serial : info->serial);
	if (!valid_serial(serial_v[0])) {
		fprintf(stderr, "authctl: the certificate's serial does not make a "
		    "card serial: give --serial\n");
		ret = ACTL_USAGE;
		goto out;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		goto out;
	ret = ACTL_FAIL;
	if ((person_dn = actl_person_dn(a, x.uid)) == NULL ||
	    asprintf(&dn, "%s=%s,%s", AUTHD_AT_CARD_SERIAL, serial_v[0],
	    person_dn) < 0)
		goto nomem;
	if ((ret = check_rules(a, x.uid, person_dn, fpr_hex, serial_v[0])) != ACTL_OK)
		goto out;
	ret = ACTL_FAIL;
	strftime(now_gt, sizeof(now_gt), "%Y%m%d%H%M%SZ", gmtime(&now));
	strftime(until_gt, sizeof(until_gt), "%Y%m%d%H%M%SZ", gmtime(&info->not_after));
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
	m_until = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_VALID_UNTIL, { .modv_strvals = until_v } };
	m_issuer = (LDAPMod){ LDAP_MOD_ADD, AUTHD_AT_CARD_ISSUER, { .modv_strvals = issuer_v } };
	if (info->issuer[0] == '\0')
		mods[7] = NULL;
	if ((rc = ldap_add_ext_s(a->ld, dn, mods, NULL, NULL)) != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "adding %s", dn);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, "card_register", x.uid, "refused", reason);
		goto out;
	}
	snprintf(done, sizeof(done), "card %s active, certificate %s, subject %s, "
	    "issuer %s", serial_v[0], fpr_hex, info->subject, info->issuer);
	actl_record(a, "card_register", x.uid, "success", done);
	printf("%s: card %s registered and active\n  certificate SHA-256 %s\n"
	    "  subject %s\n  issuer %s\n", x.uid, serial_v[0], fpr_hex,
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
print_row(struct actl *a, LDAPMessage *e, void *arg)
{
	char serial[CARD_SERIAL_MAX + 1], state[32], until[64], issuer[256];
	char holder[256], buf[64];
	int *n = arg;
	time_t t;
	char *dn;

	if ((dn = ldap_get_dn(a->ld, e)) == NULL)
		return 0;
	holder_of(dn, holder, sizeof(holder));
	ldap_memfree(dn);
	actl_first_value(a, e, AUTHD_AT_CARD_SERIAL, serial, sizeof(serial));
	actl_first_value(a, e, AUTHD_AT_CARD_STATE, state, sizeof(state));
	actl_first_value(a, e, AUTHD_AT_CARD_ISSUER, issuer, sizeof(issuer));
	actl_first_value(a, e, AUTHD_AT_CARD_VALID_UNTIL, buf, sizeof(buf));
	if (actl_gtime_parse(buf, &t) == 0)
		strftime(until, sizeof(until), "%Y-%m-%d", localtime(&t));
	else
		snprintf(until, sizeof(until), "-");
	if ((*n)++ == 0)
		printf("%-16s %-24s %-10s %-10s %s\n", "HOLDER", "SERIAL", "STATE",
		    "VALID TO", "ISSUER");
	printf("%-16s %-24s %-10s %-10s %s\n", holder, serial, state, until, issuer);
	return 0;
}

int
actl_card_list(struct actl *a, int argc, char **argv)
{
	char *attrs[8], *base = NULL, filter[64];
	int n = 0, rc, ret, i;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return actl_usage("card", "list");
	if (argc == 2 && !actl_valid_uid(argv[1])) {
		fprintf(stderr, "authctl: \"%s\" is not a valid user name\n", argv[1]);
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	for (i = 0; card_attrs_list[i] != NULL; i++)
		attrs[i] = (char *)card_attrs_list[i];
	attrs[i] = NULL;
	if (argc == 2 && (base = actl_person_dn(a, argv[1])) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	snprintf(filter, sizeof(filter), "(objectClass=%s)", AUTHD_OC_CARD);
	rc = actl_search(a, base != NULL ? base : a->people_dn, LDAP_SCOPE_SUBTREE,
	    filter, attrs, print_row, &n);
	free(base);
	if (rc != LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "listing cards", NULL, 0);
	if (n == 0)
		printf("no cards\n");
	return ACTL_OK;
}

struct show_state {
	struct card_cert_info info;
	int n;
};

static int
show_card(struct actl *a, LDAPMessage *e, void *arg)
{
	struct show_state *ss = arg;
	struct card_cert_info *info = &ss->info;
	struct berval **vals;
	char holder[256], v[1100], buf[64];
	const char *const *at;
	time_t t;
	char *dn;

	if ((dn = ldap_get_dn(a->ld, e)) == NULL)
		return 0;
	holder_of(dn, holder, sizeof(holder));
	printf("%s%s\n  %-24s %s\n", ss->n++ > 0 ? "\n" : "", dn, "holder", holder);
	ldap_memfree(dn);
	for (at = card_attrs_list; *at != NULL; at++) {
		if (actl_first_value(a, e, *at, v, sizeof(v)) == 0)
			continue;
		if (actl_gtime_parse(v, &t) == 0)
			printf("  %-24s %s\n", *at, actl_local_time(t, buf, sizeof(buf)));
		else
			printf("  %-24s %s\n", *at, v);
	}
	if ((vals = ldap_get_values_len(a->ld, e, AUTHD_AT_CARD_CERT)) != NULL) {
		if (vals[0] != NULL && card_cert_info((const uint8_t *)vals[0]->bv_val,
		    vals[0]->bv_len, info) == AUTHD_OK)
			printf("  %-24s %s\n  %-24s %s\n", "subject", info->subject,
			    "certificate serial", info->serial);
		ldap_value_free_len(vals);
	}
	return 0;
}

int
actl_card_show(struct actl *a, int argc, char **argv)
{
	char *attrs[9], *esc = NULL, *filter = NULL;
	struct show_state *ss = NULL;
	int rc, ret, i;

	if (argc != 2 || argv[1][0] == '-')
		return actl_usage("card", "show");
	if (!valid_serial(argv[1])) {
		fprintf(stderr, "authctl: \"%s\" is not a card serial\n", argv[1]);
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	for (i = 0; card_attrs_list[i] != NULL; i++)
		attrs[i] = (char *)card_attrs_list[i];
	attrs[i++] = AUTHD_AT_CARD_CERT;
	attrs[i] = NULL;
	if ((ss = calloc(1, sizeof(*ss))) == NULL ||
	    (esc = actl_filter_escape(argv[1])) == NULL ||
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
		fprintf(stderr, "authctl: no card with serial %s\n", argv[1]);
		ret = ACTL_FAIL;
	}
 out:
	free(filter);
	free(esc);
	free(ss);
	return ret;
}
