/*
 * authctl totp enroll / reset / remove / show: a person's TOTP token, the
 * child entry cn=totp of their entry (class authdTotpToken).
 *
 * Enrolment generates a random seed, stores it encrypted under the site key
 * (totp_key_file, see authd/totp.h: 0600 root, or 0640 with the enrolling
 * administrators' group) in state "pending", shows the otpauth:// URI and a
 * QR code, and activates the token only after a first correct code. Like
 * every command it binds as the administrator who acts: slapd's ACLs let
 * administrators write seeds but never read them back.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <qrencode.h>

#include "authctl.h"
#include "conn.h"
#include "err.h"
#include "mods.h"
#include "secret.h"
#include "value.h"
#include "../authd/totp.h"
#include "cmd_totp.h"

#define TOTP_RDN     "cn=totp"
#define TOTP_OC      "authdTotpToken"
#define CODE_TRIES   3

struct totp_opts {
	const char *uid;
	struct totp_params params;
	const char *code;            /* --code: the first code, for scripts */
	const char *issuer;
};

/* What the directory says about the person and their token. */
struct token_info {
	char person_dn[600];
	int person_found;
	int token_found;
	char state[16], alg[16], digits[8], period[16], created[32], last_step[32];
};

static int
parse_opts(int argc, char **argv, const char *cmd, int with_params,
    struct totp_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "digits", required_argument, NULL, 'd' },
		{ "period", required_argument, NULL, 'p' },
		{ "code", required_argument, NULL, 'c' },
		{ "issuer", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->params.alg = TOTP_SHA1;
	o->params.digits = 6;
	o->params.period = TOTP_PERIOD_DEFAULT;
	o->issuer = "authd";
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h')
			return actl_help("totp", cmd);
		if (c == '?' || (!with_params && c != 'h'))
			return actl_usage("totp", cmd);
		switch (c) {
		case 'a':
			if (totp_alg_parse(optarg, &o->params.alg) != 0) {
				fprintf(stderr, "authctl: --algorithm is SHA1 or SHA256\n");
				return ACTL_USAGE;
			}
			break;
		case 'd':
			if (actl_parse_long(optarg, TOTP_DIGITS_MIN, TOTP_DIGITS_MAX, &v) != 0) {
				fprintf(stderr, "authctl: --digits is 6, 7 or 8\n");
				return ACTL_USAGE;
			}
			o->params.digits = (unsigned)v;
			break;
		case 'p':
			if (actl_parse_long(optarg, 15, TOTP_PERIOD_MAX, &v) != 0) {
				fprintf(stderr, "authctl: --period is 15 to %d seconds\n",
				    TOTP_PERIOD_MAX);
				return ACTL_USAGE;
			}
			o->params.period = (unsigned)v;
			break;
		case 'c':
			o->code = optarg;
			break;
		case 'i':
			o->issuer = optarg;
			break;
		}
	}
	if (argc - optind != 1)
		return actl_usage("totp", cmd);
	if (!actl_valid_uid(argv[optind])) {
		fprintf(stderr, "authctl: \"%s\" is not a valid user name "
		    "(^[a-z_][a-z0-9_.-]{0,31}$)\n", argv[optind]);
		return ACTL_USAGE;
	}
	o->uid = argv[optind];
	return ACTL_OK;
}

static int
person_entry(struct actl *a, LDAPMessage *e, void *arg)
{
	struct token_info *ti = arg;
	char *dn;

	/* the DN as the directory spells it: authd decrypts with the same */
	if ((dn = ldap_get_dn(a->ld, e)) == NULL)
		return 1;
	snprintf(ti->person_dn, sizeof(ti->person_dn), "%s", dn);
	ldap_memfree(dn);
	ti->person_found = 1;
	return 1;
}

static int
token_entry(struct actl *a, LDAPMessage *e, void *arg)
{
	struct token_info *ti = arg;

	ti->token_found = 1;
	actl_first_value(a, e, "authdTotpState", ti->state, sizeof(ti->state));
	actl_first_value(a, e, "authdTotpAlgorithm", ti->alg, sizeof(ti->alg));
	actl_first_value(a, e, "authdTotpDigits", ti->digits, sizeof(ti->digits));
	actl_first_value(a, e, "authdTotpPeriod", ti->period, sizeof(ti->period));
	actl_first_value(a, e, "authdTotpCreated", ti->created, sizeof(ti->created));
	actl_first_value(a, e, "authdTotpLastStep", ti->last_step, sizeof(ti->last_step));
	return 1;
}

/* Find the person and their token. ACTL_OK, or ACTL_FAIL (printed). */
static int
read_token(struct actl *a, const char *uid, struct token_info *ti)
{
	char *attrs[] = { "authdTotpState", "authdTotpAlgorithm", "authdTotpDigits",
	    "authdTotpPeriod", "authdTotpCreated", "authdTotpLastStep", NULL };
	char *noattrs[] = { "1.1", NULL }, *dn, tokdn[700];
	int rc;

	memset(ti, 0, sizeof(*ti));
	if ((dn = actl_person_dn(a, uid)) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	rc = actl_search(a, dn, LDAP_SCOPE_BASE, "(objectClass=posixAccount)",
	    noattrs, person_entry, ti);
	if (rc == LDAP_NO_SUCH_OBJECT || (rc == LDAP_SUCCESS && !ti->person_found)) {
		fprintf(stderr, "authctl: no person %s\n", dn);
		free(dn);
		return ACTL_FAIL;
	}
	free(dn);
	if (rc != LDAP_SUCCESS)
		return actl_ldap_error(a, rc, "reading the person", NULL, 0);
	snprintf(tokdn, sizeof(tokdn), "%s,%s", TOTP_RDN, ti->person_dn);
	rc = actl_search(a, tokdn, LDAP_SCOPE_BASE, "(objectClass=" TOTP_OC ")",
	    attrs, token_entry, ti);
	if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT)
		return actl_ldap_error(a, rc, "reading the TOTP token", NULL, 0);
	return ACTL_OK;
}

/* Two modules per character cell with half blocks; light modules drawn, so
 * that it reads on the usual dark terminal (scanners accept either way). */
static void
print_qr(const char *text)
{
	QRcode *qr;
	int x, y, w, quiet = 2;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL) {
		fprintf(stderr, "authctl: cannot make a QR code; type the URI instead\n");
		return;
	}
	w = qr->width;
	for (y = -quiet; y < w + quiet; y += 2) {
		for (x = -quiet; x < w + quiet; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w &&
			    (qr->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w &&
			    (qr->data[(y + 1) * w + x] & 1);

			/* dark module = no ink */
			if (!top && !bot)
				fputs("\xe2\x96\x88", stdout);      /* full block */
			else if (!top)
				fputs("\xe2\x96\x80", stdout);      /* upper half */
			else if (!bot)
				fputs("\xe2\x96\x84", stdout);      /* lower half */
			else
				fputc(' ', stdout);
		}
		fputc('\n', stdout);
	}
	explicit_bzero(qr->data, (size_t)w * (size_t)w);
	QRcode_free(qr);
}

/* One code from --code or stdin; spaces dropped. 1 with a code, 0 at EOF. */
static int
read_code(const struct totp_opts *o, int attempt, char *out, size_t outsz)
{
	char line[64];
	size_t i, n = 0;

	if (o->code != NULL) {
		if (attempt > 0)
			return 0;
		snprintf(line, sizeof(line), "%s", o->code);
	} else {
		printf("Enter the code the app shows now: ");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			return 0;
	}
	for (i = 0; line[i] != '\0' && n + 1 < outsz; i++)
		if (line[i] != ' ' && line[i] != '\n' && line[i] != '\r')
			out[n++] = line[i];
	out[n] = '\0';
	explicit_bzero(line, sizeof(line));
	return 1;
}

static void
label_for(struct actl *a, const char *uid, char *out, size_t outsz)
{
	char host[256];

	if (a->conf.host_name != NULL)
		snprintf(host, sizeof(host), "%s", a->conf.host_name);
	else if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, outsz, "%s@%s", uid, host);
}

/* Store a new pending seed: add the entry, or replace the old token's values. */
static int
store_pending(struct actl *a, const struct totp_opts *o, const struct token_info *ti,
    const char *tokdn, const uint8_t *blob, size_t bloblen, const char *event)
{
	struct berval seedval = { (ber_len_t)bloblen, (char *)blob };
	struct berval *seedvals[2] = { &seedval, NULL };
	struct actl_mods m;
	char digits[8], period[16], created[32], what[800], reason[768];
	struct tm tm;
	time_t now = time(NULL);
	int rc, i;

	snprintf(digits, sizeof(digits), "%u", o->params.digits);
	snprintf(period, sizeof(period), "%u", o->params.period);
	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y%m%d%H%M%SZ", &tm);
	actl_mods_init(&m);
	if (!ti->token_found) {
		actl_mods_add1(&m, 0, "objectClass", TOTP_OC);
		actl_mods_add1(&m, 0, "cn", "totp");
	}
	actl_mods_add1(&m, LDAP_MOD_REPLACE, "authdTotpState", "pending");
	actl_mods_add1(&m, LDAP_MOD_REPLACE, "authdTotpAlgorithm",
	    totp_alg_name(o->params.alg));
	actl_mods_add1(&m, LDAP_MOD_REPLACE, "authdTotpDigits", digits);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, "authdTotpPeriod", period);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, "authdTotpCreated", created);
	/* the seed is binary: a berval value */
	actl_mods_add(&m, LDAP_MOD_REPLACE | LDAP_MOD_BVALUES, "authdTotpSeed",
	    NULL, 0);
	m.mod[m.n - 1].mod_bvalues = seedvals;
	if (!ti->token_found) {
		for (i = 0; i < (int)m.n; i++)
			m.mod[i].mod_op &= LDAP_MOD_BVALUES;    /* an add has no op */
		rc = ldap_add_ext_s(a->ld, tokdn, m.list, NULL, NULL);
	} else
		rc = ldap_modify_ext_s(a->ld, tokdn, m.list, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "%s %s", ti->token_found ? "modifying" :
		    "adding", tokdn);
		actl_ldap_error(a, rc, what, reason, sizeof(reason));
		actl_record(a, event, o->uid, "refused", reason);
		return ACTL_FAIL;
	}
	return ACTL_OK;
}

static int
activate(struct actl *a, const char *uid, const char *tokdn, uint64_t step,
    const char *event)
{
	struct actl_mods m;
	char stepv[32], reason[768];
	int rc;

	/* the confirming code's step counts as used: it cannot log in again */
	snprintf(stepv, sizeof(stepv), "%" PRIu64, step);
	actl_mods_init(&m);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, "authdTotpState", "active");
	actl_mods_add1(&m, LDAP_MOD_REPLACE, "authdTotpLastStep", stepv);
	if ((rc = ldap_modify_ext_s(a->ld, tokdn, m.list, NULL, NULL)) != LDAP_SUCCESS) {
		actl_ldap_error(a, rc, "activating the TOTP token", reason, sizeof(reason));
		actl_record(a, event, uid, "refused", reason);
		return ACTL_FAIL;
	}
	return ACTL_OK;
}

static int
enroll(struct actl *a, int argc, char **argv, const char *cmd, int reset)
{
	const char *event = reset ? "totp_reset" : "totp_enroll";
	struct totp_opts o;
	struct token_info ti;
	uint8_t key[TOTP_KEY_LEN], seed[TOTP_SEED_MAX], blob[TOTP_BLOB_MAX];
	char err[512], tokdn[700], label[300], uri[TOTP_URI_MAX], code[32], done[128];
	size_t seedlen, bloblen = 0;
	uint64_t step = 0;
	int ret, attempt, ok = 0, window;

	if ((ret = parse_opts(argc, argv, cmd, 1, &o)) != ACTL_OK ||
	    (ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	if (a->conf.totp_key_file == NULL) {
		fprintf(stderr, "authctl: totp_key_file is not set in %s: no seed can "
		    "be stored without the site key\n", a->conf_path);
		return ACTL_FAIL;
	}
	if (totp_key_load(a->conf.totp_key_file, key, err, sizeof(err)) != AUTHD_OK) {
		fprintf(stderr, "authctl: %s\n", err);
		return ACTL_FAIL;
	}
	if (read_token(a, o.uid, &ti) != ACTL_OK)
		goto out;
	if (!reset && ti.token_found && strcmp(ti.state, "pending") != 0) {
		fprintf(stderr, "authctl: %s already has a TOTP token (state %s); "
		    "`authctl totp reset %s` replaces it\n", o.uid,
		    ti.state[0] != '\0' ? ti.state : "unknown", o.uid);
		goto out;
	}
	if (reset && !ti.token_found) {
		fprintf(stderr, "authctl: %s has no TOTP token; `authctl totp enroll "
		    "%s` makes one\n", o.uid, o.uid);
		goto out;
	}
	snprintf(tokdn, sizeof(tokdn), "%s,%s", TOTP_RDN, ti.person_dn);
	seedlen = totp_seed_len(o.params.alg);
	if (authd_random_bytes(seed, seedlen) != 0 ||
	    totp_seed_encrypt(key, ti.person_dn, seed, seedlen, blob, sizeof(blob),
	    &bloblen) != AUTHD_OK) {
		fprintf(stderr, "authctl: cannot make and encrypt a seed\n");
		goto out;
	}
	if (store_pending(a, &o, &ti, tokdn, blob, bloblen, event) != ACTL_OK)
		goto out;
	label_for(a, o.uid, label, sizeof(label));
	if (totp_uri(o.issuer, label, seed, seedlen, &o.params, uri, sizeof(uri)) != AUTHD_OK) {
		fprintf(stderr, "authctl: the issuer or label is too long\n");
		goto out;
	}
	printf("Scan this with the authenticator app of %s, or enter the URI:\n\n",
	    o.uid);
	print_qr(uri);
	printf("\n%s\n\n", uri);
	fflush(stdout);
	explicit_bzero(uri, sizeof(uri));
	window = a->conf.totp_window > 0 ? a->conf.totp_window : 1;
	for (attempt = 0; attempt < CODE_TRIES && !ok; attempt++) {
		if (!read_code(&o, attempt, code, sizeof(code)))
			break;
		ok = totp_validate(seed, seedlen, &o.params, time(NULL),
		    (unsigned)window, code, &step) == 1;
		explicit_bzero(code, sizeof(code));
		if (!ok)
			fprintf(stderr, "authctl: that code is not right%s\n",
			    o.code == NULL && attempt + 1 < CODE_TRIES ?
			    "; try the next one" : "");
	}
	if (!ok) {
		fprintf(stderr, "authctl: the token of %s stays pending (not usable); "
		    "run `authctl totp %s %s` again\n", o.uid, reset ? "reset" : "enroll",
		    o.uid);
		actl_record(a, event, o.uid, "refused", "no correct first code; token pending");
		goto out;
	}
	if (activate(a, o.uid, tokdn, step, event) != ACTL_OK)
		goto out;
	snprintf(done, sizeof(done), "token active (%s, %u digits, %u s)",
	    totp_alg_name(o.params.alg), o.params.digits, o.params.period);
	actl_record(a, event, o.uid, "success", done);
	printf("%s: TOTP %s\n", o.uid, done);
	ret = ACTL_OK;
 out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(blob, sizeof(blob));
	return ret;
}

int
actl_totp_enroll(struct actl *a, int argc, char **argv)
{
	return enroll(a, argc, argv, "enroll", 0);
}

int
actl_totp_reset(struct actl *a, int argc, char **argv)
{
	return enroll(a, argc, argv, "reset", 1);
}

int
actl_totp_remove(struct actl *a, int argc, char **argv)
{
	struct totp_opts o;
	struct token_info ti;
	char tokdn[700];
	int ret;

	if ((ret = parse_opts(argc, argv, "remove", 0, &o)) != ACTL_OK ||
	    (ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if (read_token(a, o.uid, &ti) != ACTL_OK)
		return ACTL_FAIL;
	if (!ti.token_found) {
		printf("%s: no TOTP token\n", o.uid);
		return ACTL_OK;
	}
	snprintf(tokdn, sizeof(tokdn), "%s,%s", TOTP_RDN, ti.person_dn);
	if (actl_delete_recorded(a, tokdn, "totp_remove", o.uid,
	    "token removed") != ACTL_OK)
		return ACTL_FAIL;
	printf("%s: TOTP token removed\n", o.uid);
	return ACTL_OK;
}

int
actl_totp_show(struct actl *a, int argc, char **argv)
{
	struct totp_opts o;
	struct token_info ti;
	char buf[64];
	time_t t;
	long step, period;
	int ret;

	if ((ret = parse_opts(argc, argv, "show", 0, &o)) != ACTL_OK ||
	    (ret = actl_open_directory(a)) != ACTL_OK)
		return ret;
	if (read_token(a, o.uid, &ti) != ACTL_OK)
		return ACTL_FAIL;
	if (!ti.token_found) {
		printf("%s: no TOTP token\n", o.uid);
		return ACTL_OK;
	}
	/* hand-editable where the directory has no constraint overlay */
	actl_printable(ti.person_dn, sizeof(ti.person_dn));
	actl_printable(ti.state, sizeof(ti.state));
	actl_printable(ti.alg, sizeof(ti.alg));
	actl_printable(ti.digits, sizeof(ti.digits));
	actl_printable(ti.period, sizeof(ti.period));
	printf("%s,%s\n", TOTP_RDN, ti.person_dn);
	printf("  %-24s %s\n", "state", ti.state[0] != '\0' ? ti.state : "(not readable)");
	if (ti.alg[0] != '\0')
		printf("  %-24s %s, %s digits, %s s\n", "algorithm", ti.alg,
		    ti.digits[0] != '\0' ? ti.digits : "6",
		    ti.period[0] != '\0' ? ti.period : "30");
	if (ti.created[0] != '\0' && actl_gtime_parse(ti.created, &t) == 0)
		printf("  %-24s %s\n", "created", actl_local_time(t, buf, sizeof(buf)));
	if (ti.last_step[0] != '\0' &&
	    actl_parse_long(ti.last_step, 0, 1L << 40, &step) == 0 &&
	    actl_parse_long(ti.period[0] != '\0' ? ti.period : "30", 1, 100000,
	    &period) == 0) {
		t = (time_t)(step * period);
		printf("  %-24s %s\n", "last code used",
		    actl_local_time(t, buf, sizeof(buf)));
	}
	return ACTL_OK;
}
