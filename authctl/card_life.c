/*
 * authctl card activate / suspend / resume / lost / revoke / replace /
 * collected / destroyed: one transition of the table in cards/card_state.h
 * each. Every change is one modify, bound as the acting person (so slapd's
 * modifiersName and accesslog say who), that sets the state, when and why,
 * and adds a value to authdCardHistory; an assertion on the state read
 * makes a concurrent change by another administrator fail instead of
 * being overwritten.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "authctl.h"
#include "card_int.h"
#include "cards/card_state.h"
#include "cmd_card.h"
#include "conn.h"
#include "mods.h"
#include "schema.h"
#include "value.h"

/* Allowed clock skew for dates that must not lie in the future. */
#define FUTURE_SLACK 300

struct life_args {
	const char *serial, *newcert;
	const char *reason, *until, *by, *date, *method, *handler, *witness;
	const char *newserial;
};

/* SERIAL [NEWCERT] and the options named in allowed ("reason,until"). */
static int
parse_life(int argc, char **argv, const char *cmd, const char *allowed,
    int npos, struct life_args *x)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "reason", required_argument, NULL, 'r' },
		{ "until", required_argument, NULL, 'u' },
		{ "by", required_argument, NULL, 'b' },
		{ "date", required_argument, NULL, 'd' },
		{ "method", required_argument, NULL, 'm' },
		{ "handler", required_argument, NULL, 'H' },
		{ "witness", required_argument, NULL, 'w' },
		{ "serial", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name;
	int c, li;

	memset(x, 0, sizeof(*x));
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		if (c == 'h')
			return actl_help("card", cmd);
		if (c == '?' || c == ':')
			return actl_usage("card", cmd);
		name = longopts[li].name;
		if (strstr(allowed, name) == NULL) {
			fprintf(stderr, "authctl: card %s takes no --%s\n", cmd, name);
			return actl_usage("card", cmd);
		}
		switch (c) {
		case 'r': x->reason = optarg; break;
		case 'u': x->until = optarg; break;
		case 'b': x->by = optarg; break;
		case 'd': x->date = optarg; break;
		case 'm': x->method = optarg; break;
		case 'H': x->handler = optarg; break;
		case 'w': x->witness = optarg; break;
		case 's': x->newserial = optarg; break;
		}
	}
	if (argc - optind != npos)
		return actl_usage("card", cmd);
	x->serial = argv[optind];
	if (npos > 1)
		x->newcert = argv[optind + 1];
	if (!actl_card_valid_serial(x->serial) ||
	    (x->newserial != NULL && !actl_card_valid_serial(x->newserial))) {
		fprintf(stderr, "authctl: a serial is 1 to %d of A-Z a-z 0-9 . _ : -\n",
		    CARD_SERIAL_MAX);
		return ACTL_USAGE;
	}
	if (x->reason != NULL && (strlen(x->reason) > 512 ||
	    strpbrk(x->reason, "\n\r") != NULL)) {
		fprintf(stderr, "authctl: a reason is one line of at most 512 bytes\n");
		return ACTL_USAGE;
	}
	return ACTL_OK;
}

static int
need(const char *value, const char *cmd, const char *opt)
{
	if (value != NULL && *value != '\0')
		return ACTL_OK;
	fprintf(stderr, "authctl: card %s needs --%s\n", cmd, opt);
	return actl_usage("card", cmd);
}

/*
 * A local time: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" (or with T), a
 * GeneralizedTime ending in Z, or "+N" with m, h or d (from now). 0 or -1.
 */
static int
parse_when(const char *s, time_t now, time_t *t_r)
{
	static const char *const formats[] = {
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
		"%Y-%m-%dT%H:%M", "%Y-%m-%d", NULL
	};
	struct tm tm;
	const char *end;
	long n;
	char *e;
	int i;

	if (s[0] == '+') {
		n = strtol(s + 1, &e, 10);
		if (e == s + 1 || n <= 0 || n > 100000 || e[0] == '\0' || e[1] != '\0')
			return -1;
		switch (*e) {
		case 'm': *t_r = now + n * 60; return 0;
		case 'h': *t_r = now + n * 3600; return 0;
		case 'd': *t_r = now + n * 86400; return 0;
		default: return -1;
		}
	}
	if (actl_is_gtime(s))
		return actl_gtime_parse(s, t_r);
	for (i = 0; formats[i] != NULL; i++) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, formats[i], &tm)) != NULL && *end == '\0') {
			tm.tm_isdst = -1;
			if ((*t_r = mktime(&tm)) == (time_t)-1)
				return -1;
			return 0;
		}
	}
	return -1;
}

/* A person named by uid who exists: their DN (malloc'd), or NULL (printed). */
static char *
existing_person(struct actl *a, const char *uid, const char *role)
{
	char *attrs[] = { "1.1", NULL }, *dn;
	int rc, found = 0;
	LDAPMessage *res = NULL;

	if (!actl_valid_uid(uid)) {
		fprintf(stderr, "authctl: the %s \"%s\" is not a valid user name\n",
		    role, uid);
		return NULL;
	}
	if ((dn = actl_person_dn(a, uid)) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return NULL;
	}
	rc = ldap_search_ext_s(a->ld, dn, LDAP_SCOPE_BASE, "(objectClass=person)",
	    attrs, 1, NULL, NULL, NULL, 1, &res);
	if (rc == LDAP_SUCCESS && ldap_count_entries(a->ld, res) == 1)
		found = 1;
	ldap_msgfree(res);
	if (!found) {
		fprintf(stderr, "authctl: refused: the %s %s is not a person in %s\n",
		    role, uid, a->people_dn);
		free(dn);
		return NULL;
	}
	return dn;
}

static void
refuse(struct actl *a, const char *event, const struct actl_card *c,
    const char *why)
{
	char shown[4096];

	/* why names the card's holder and serials, from the directory */
	fprintf(stderr, "authctl: refused: %s\n",
	    actl_printable_copy(why, shown, sizeof(shown)));
	actl_record(a, event, c->holder[0] != '\0' ? c->holder : "-", "refused", why);
}

/*
 * Move card c by event, with the extra modifications in m (which this adds
 * to). reason: the history text. ACTL_OK or ACTL_FAIL (printed, recorded).
 */
static int
transition(struct actl *a, const struct actl_card *c, int event,
    const char *reason, struct actl_mods *m, const char *event_name)
{
	char why[1200], now_gt[32], hist[1400], what[700], *filter = NULL;
	char other[CARD_SERIAL_MAX + 1], *person_dn = NULL;
	char shown_holder[4 * sizeof(c->holder)], shown_serial[4 * sizeof(c->serial)];
	LDAPControl *assert_ctrl = NULL, *ctrls[2] = { NULL, NULL };
	time_t now = time(NULL);
	int eff, to, rc, other_state, ret = ACTL_FAIL;

	eff = card_state_effective(c->state, c->suspended_until, now);
	if (c->state < 0) {
		snprintf(why, sizeof(why), "card %s has no known state", c->serial);
		refuse(a, event_name, c, why);
		return ACTL_FAIL;
	}
	if ((to = card_transition(eff, event)) < 0) {
		snprintf(why, sizeof(why), "card %s is %s: it cannot be %s "
		    "(see authctl(8), the card lifecycle)", c->serial,
		    card_state_name(eff), event == CARD_EV_DESTROY ? "destroyed before "
		    "it is collected" : card_event_name(event));
		refuse(a, event_name, c, why);
		return ACTL_FAIL;
	}
	if (actl_card_is_own(a, c)) {
		snprintf(why, sizeof(why), "card %s is your own: a person never "
		    "changes their own card's state", c->serial);
		refuse(a, event_name, c, why);
		return ACTL_FAIL;
	}
	if (to == CARD_ST_ACTIVE && eff != CARD_ST_ACTIVE) {
		if ((person_dn = actl_person_dn(a, c->holder)) == NULL)
			goto nomem;
		rc = actl_card_slot_taken(a, person_dn, c->serial, other,
		    sizeof(other), &other_state);
		if (rc < 0)
			goto out;
		if (rc > 0) {
			snprintf(why, sizeof(why), "%s already has an active card "
			    "(%s%s): one active card per person", c->holder, other,
			    other_state == CARD_ST_SUSPENDED ? ", suspended" : "");
			refuse(a, event_name, c, why);
			goto out;
		}
	}
	actl_card_gtime(now, now_gt, sizeof(now_gt));
	actl_card_history(a, now, card_state_name(to), reason, hist, sizeof(hist));
	if (actl_mods_add1(m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_STATE,
	    card_state_name(to)) != 0 ||
	    actl_mods_add1(m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_STATE_CHANGED, now_gt) != 0 ||
	    actl_mods_add1(m, LDAP_MOD_ADD, AUTHD_AT_CARD_HISTORY, hist) != 0 ||
	    (reason != NULL ?
	    actl_mods_add1(m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_STATE_REASON, reason) :
	    actl_mods_add(m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_STATE_REASON, NULL, 0)) != 0)
		goto nomem;
	/* an end time belongs to the suspension only */
	if (to != CARD_ST_SUSPENDED && c->suspended_until != 0 &&
	    actl_mods_add(m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_SUSPENDED_UNTIL, NULL, 0) != 0)
		goto nomem;
	if (asprintf(&filter, "(%s=%s)", AUTHD_AT_CARD_STATE,
	    card_state_name(c->state)) < 0) {
		filter = NULL;
		goto nomem;
	}
	if ((rc = ldap_create_assertion_control(a->ld, filter, 1, &assert_ctrl)) !=
	    LDAP_SUCCESS)
		goto nomem;
	ctrls[0] = assert_ctrl;
	rc = ldap_modify_ext_s(a->ld, c->dn, m->list, ctrls, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "changing %s", c->dn);
		if (rc == LDAP_ASSERTION_FAILED)
			snprintf(what, sizeof(what), "changing %s (someone else changed "
			    "the card meanwhile: look again)", c->dn);
		actl_ldap_error(a, rc, what, why, sizeof(why));
		actl_record(a, event_name, c->holder, "refused", why);
		goto out;
	}
	snprintf(why, sizeof(why), "card %s %s -> %s: %s", c->serial,
	    card_state_name(c->state), card_state_name(to),
	    reason != NULL ? reason : "-");
	actl_record(a, event_name, c->holder, "success", why);
	printf("%s: card %s is now %s\n",
	    actl_printable_copy(c->holder, shown_holder, sizeof(shown_holder)),
	    actl_printable_copy(c->serial, shown_serial, sizeof(shown_serial)),
	    card_state_name(to));
	ret = ACTL_OK;
	goto out;
 nomem:
	fprintf(stderr, "authctl: out of memory\n");
 out:
	if (assert_ctrl != NULL)
		ldap_control_free(assert_ctrl);
	free(filter);
	free(person_dn);
	return ret;
}

/* The simple ones: SERIAL [--reason TEXT]. */
static int
simple(struct actl *a, int argc, char **argv, const char *cmd, int event,
    int reason_required)
{
	struct life_args x;
	struct actl_card c;
	struct actl_mods m;
	char event_name[32];
	int ret;

	if ((ret = parse_life(argc, argv, cmd, "reason", 1, &x)) != ACTL_OK)
		return ret;
	if (reason_required && (ret = need(x.reason, cmd, "reason")) != ACTL_OK)
		return ret;
	if ((ret = actl_open_directory(a)) != ACTL_OK ||
	    (ret = actl_card_find(a, x.serial, &c)) != ACTL_OK)
		return ret;
	snprintf(event_name, sizeof(event_name), "card_%s", cmd);
	actl_mods_init(&m);
	return transition(a, &c, event, x.reason != NULL ? x.reason : cmd, &m,
	    event_name);
}

int
actl_card_activate(struct actl *a, int argc, char **argv)
{
	return simple(a, argc, argv, "activate", CARD_EV_ACTIVATE, 0);
}

int
actl_card_resume(struct actl *a, int argc, char **argv)
{
	return simple(a, argc, argv, "resume", CARD_EV_RESUME, 0);
}

int
actl_card_lost(struct actl *a, int argc, char **argv)
{
	return simple(a, argc, argv, "lost", CARD_EV_LOST, 1);
}

int
actl_card_revoke(struct actl *a, int argc, char **argv)
{
	return simple(a, argc, argv, "revoke", CARD_EV_REVOKE, 1);
}

int
actl_card_suspend(struct actl *a, int argc, char **argv)
{
	struct life_args x;
	struct actl_card c;
	struct actl_mods m;
	char until_gt[32], reason[700], tbuf[64];
	time_t now = time(NULL), until = 0;
	int ret;

	if ((ret = parse_life(argc, argv, "suspend", "reason,until", 1, &x)) != ACTL_OK ||
	    (ret = need(x.reason, "suspend", "reason")) != ACTL_OK)
		return ret;
	if (x.until != NULL && (parse_when(x.until, now, &until) != 0 || until <= now)) {
		fprintf(stderr, "authctl: --until wants a time to come: YYYY-MM-DD, "
		    "\"YYYY-MM-DD HH:MM\" (local), YYYYMMDDHHMMSSZ or +N[mhd]\n");
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK ||
	    (ret = actl_card_find(a, x.serial, &c)) != ACTL_OK)
		return ret;
	actl_mods_init(&m);
	if (until != 0) {
		actl_card_gtime(until, until_gt, sizeof(until_gt));
		actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_SUSPENDED_UNTIL, until_gt);
		snprintf(reason, sizeof(reason), "%s (until %s)", x.reason, until_gt);
	} else {
		if (c.suspended_until != 0)
			actl_mods_add(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_SUSPENDED_UNTIL,
			    NULL, 0);
		snprintf(reason, sizeof(reason), "%s", x.reason);
	}
	c.suspended_until = 0;          /* transition() must not remove it again */
	if ((ret = transition(a, &c, CARD_EV_SUSPEND, reason, &m, "card_suspend")) ==
	    ACTL_OK && until != 0)
		printf("  usable again from %s\n", actl_local_time(until, tbuf,
		    sizeof(tbuf)));
	return ret;
}

int
actl_card_collected(struct actl *a, int argc, char **argv)
{
	struct life_args x;
	struct actl_card c;
	struct actl_mods m;
	char now_gt[32], reason[900], *by_dn = NULL;
	int ret;

	if ((ret = parse_life(argc, argv, "collected", "reason,by", 1, &x)) != ACTL_OK ||
	    (ret = need(x.by, "collected", "by")) != ACTL_OK)
		return ret;
	if ((ret = actl_open_directory(a)) != ACTL_OK ||
	    (ret = actl_card_find(a, x.serial, &c)) != ACTL_OK)
		return ret;
	if ((by_dn = existing_person(a, x.by, "collector")) == NULL) {
		actl_record(a, "card_collected", c.holder, "refused",
		    "the collector is not a person in the directory");
		return ACTL_FAIL;
	}
	actl_card_gtime(time(NULL), now_gt, sizeof(now_gt));
	actl_mods_init(&m);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_COLLECTED_BY, by_dn);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_COLLECTED_TIME, now_gt);
	snprintf(reason, sizeof(reason), "collected by %s%s%s", x.by,
	    x.reason != NULL ? ": " : "", x.reason != NULL ? x.reason : "");
	ret = transition(a, &c, CARD_EV_COLLECT, reason, &m, "card_collected");
	free(by_dn);
	return ret;
}

int
actl_card_destroyed(struct actl *a, int argc, char **argv)
{
	struct life_args x;
	struct actl_card c;
	struct actl_mods m;
	char date_gt[32], reason[1200], *handler_dn = NULL, *witness_dn = NULL;
	time_t now = time(NULL), when;
	int ret;

	if ((ret = parse_life(argc, argv, "destroyed",
	    "reason,date,method,handler,witness", 1, &x)) != ACTL_OK ||
	    (ret = need(x.date, "destroyed", "date")) != ACTL_OK ||
	    (ret = need(x.method, "destroyed", "method")) != ACTL_OK ||
	    (ret = need(x.handler, "destroyed", "handler")) != ACTL_OK ||
	    (ret = need(x.witness, "destroyed", "witness")) != ACTL_OK)
		return ret;
	if (parse_when(x.date, now, &when) != 0 || when > now + FUTURE_SLACK) {
		fprintf(stderr, "authctl: --date wants a time that has come: "
		    "YYYY-MM-DD, \"YYYY-MM-DD HH:MM\" (local) or YYYYMMDDHHMMSSZ\n");
		return ACTL_USAGE;
	}
	if (strlen(x.method) > 256 || strpbrk(x.method, "\n\r") != NULL) {
		fprintf(stderr, "authctl: --method is one line of at most 256 bytes\n");
		return ACTL_USAGE;
	}
	if ((ret = actl_open_directory(a)) != ACTL_OK ||
	    (ret = actl_card_find(a, x.serial, &c)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	if (strcasecmp(x.handler, x.witness) == 0) {
		refuse(a, "card_destroyed", &c, "the handler and the witness of a "
		    "destruction must be two different people");
		goto out;
	}
	if ((handler_dn = existing_person(a, x.handler, "handler")) == NULL ||
	    (witness_dn = existing_person(a, x.witness, "witness")) == NULL) {
		actl_record(a, "card_destroyed", c.holder, "refused",
		    "the handler or the witness is not a person in the directory");
		goto out;
	}
	actl_card_gtime(when, date_gt, sizeof(date_gt));
	actl_mods_init(&m);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_DESTROYED_TIME, date_gt);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_DESTROY_METHOD, x.method);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_DESTROY_HANDLER, handler_dn);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_DESTROY_WITNESS, witness_dn);
	snprintf(reason, sizeof(reason), "destroyed %s by %s (%s), witness %s%s%s",
	    date_gt, x.handler, x.method, x.witness, x.reason != NULL ? ": " : "",
	    x.reason != NULL ? x.reason : "");
	ret = transition(a, &c, CARD_EV_DESTROY, reason, &m, "card_destroyed");
 out:
	free(handler_dn);
	free(witness_dn);
	return ret;
}

/*
 * The new card is added as issued, the old one becomes replaced, then the
 * new one active: at no moment does the holder have two usable cards.
 */
int
actl_card_replace(struct actl *a, int argc, char **argv)
{
	struct life_args x;
	struct actl_card c, nc;
	struct actl_mods m;
	char newserial[CARD_SERIAL_MAX + 1], other[CARD_SERIAL_MAX + 1];
	char reason[900], why[700], *person_dn = NULL, *newdn = NULL;
	int ret, rc, other_state;

	if ((ret = parse_life(argc, argv, "replace", "reason,serial", 2, &x)) != ACTL_OK)
		return ret;
	if ((ret = actl_open_directory(a)) != ACTL_OK ||
	    (ret = actl_card_find(a, x.serial, &c)) != ACTL_OK)
		return ret;
	ret = ACTL_FAIL;
	rc = card_state_effective(c.state, c.suspended_until, time(NULL));
	if (card_transition(rc, CARD_EV_REPLACE) < 0) {
		snprintf(why, sizeof(why), "card %s is %s: only an active, suspended "
		    "or lost card is replaced", c.serial, card_state_name(rc));
		refuse(a, "card_replace", &c, why);
		goto out;
	}
	if (actl_card_is_own(a, &c)) {
		refuse(a, "card_replace", &c, "a person never changes their own "
		    "card's state");
		goto out;
	}
	if ((person_dn = actl_person_dn(a, c.holder)) == NULL)
		goto out;
	if ((rc = actl_card_slot_taken(a, person_dn, c.serial, other,
	    sizeof(other), &other_state)) != 0) {
		if (rc > 0) {
			snprintf(why, sizeof(why), "%s has another active card (%s%s): "
			    "one active card per person", c.holder, other,
			    other_state == CARD_ST_SUSPENDED ? ", suspended" : "");
			refuse(a, "card_replace", &c, why);
		}
		goto out;
	}
	snprintf(reason, sizeof(reason), "issued to replace %s%s%s", c.serial,
	    x.reason != NULL ? ": " : "", x.reason != NULL ? x.reason : "");
	if ((ret = actl_card_add(a, "card_replace", c.holder, x.newcert,
	    x.newserial, AUTHD_CARD_ISSUED, c.serial, reason, newserial,
	    sizeof(newserial))) != ACTL_OK)
		goto out;
	ret = ACTL_FAIL;
	snprintf(reason, sizeof(reason), "replaced by %s%s%s", newserial,
	    x.reason != NULL ? ": " : "", x.reason != NULL ? x.reason : "");
	actl_mods_init(&m);
	actl_mods_add1(&m, LDAP_MOD_REPLACE, AUTHD_AT_CARD_REPLACED_BY, newserial);
	if (transition(a, &c, CARD_EV_REPLACE, reason, &m, "card_replace") != ACTL_OK) {
		/* the old card stays as it was: take the new one back */
		if (asprintf(&newdn, "%s=%s,%s", AUTHD_AT_CARD_SERIAL, newserial,
		    person_dn) >= 0 &&
		    ldap_delete_ext_s(a->ld, newdn, NULL, NULL) == LDAP_SUCCESS)
			fprintf(stderr, "authctl: the new card %s was removed again\n",
			    newserial);
		goto out;
	}
	if ((ret = actl_card_find(a, newserial, &nc)) != ACTL_OK)
		goto out;
	snprintf(reason, sizeof(reason), "replaces %s", c.serial);
	actl_mods_init(&m);
	if ((ret = transition(a, &nc, CARD_EV_ACTIVATE, reason, &m,
	    "card_replace")) != ACTL_OK) {
		fprintf(stderr, "authctl: the new card %s stays issued: "
		    "authctl card activate %s\n", newserial, newserial);
		goto out;
	}
	actl_printable(c.serial, sizeof(c.serial));
	printf("  the old card %s must now be collected and destroyed:\n"
	    "    authctl card collected %s --by UID\n"
	    "    authctl card destroyed %s --date DATE --method TEXT "
	    "--handler UID --witness UID\n", c.serial, c.serial, c.serial);
 out:
	free(newdn);
	free(person_dn);
	return ret;
}
