/*
 * Password policies' lockout and expiry, read and cached by DN (ppolicy.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "err.h"
#include "log.h"
#include "ppolicy.h"
#include "schema.h"

static const char *const ppolicy_attrs[] = {
	"pwdMaxFailure", "pwdLockout", "pwdLockoutDuration",
	"pwdFailureCountInterval", "pwdMaxAge", "pwdGraceAuthNLimit",
	"pwdGraceExpiry", NULL
};

/* What authd keeps of one policy entry. */
struct ppolicy_values {
	struct lockout_rule lockout;
	struct expiry_rule expiry;
};

/* One policy: slot 0 the default (dn ""), the others by pwdPolicySubentry. */
struct ppolicy_slot {
	char dn[DIR_POLICY_DN_MAX + 1];
	struct ppolicy_values v;
	time_t loaded;
	int have;          /* v was read from the directory */
	int tried;         /* a read was tried (have or not) */
	int complained;    /* the failure to read was logged */
};

/* One lock for all: a worker reads under it, the loop only tries it. */
static struct {
	pthread_mutex_t mu;
	struct ppolicy_slot slot[PPOLICY_SLOTS];
} cache = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* A whole number 0..max from attr (absent: dflt); -1 when malformed. */
static int
read_number(LDAP *ld, LDAPMessage *e, const char *attr, long max, long dflt,
    long *v_r)
{
	char buf[32], *end;
	long v;
	int r;

	if ((r = dir_entry_value(ld, e, attr, buf, sizeof(buf))) == 0) {
		*v_r = dflt;
		return 0;
	}
	errno = 0;
	v = r < 0 ? -1 : strtol(buf, &end, 10);
	if (r < 0 || errno != 0 || end == buf || *end != '\0' || v < 0 || v > max)
		return -1;
	*v_r = v;
	return 0;
}

/* The entry's values; 0, or -1 with why. */
static int
read_values(LDAP *ld, LDAPMessage *e, struct ppolicy_values *v, char *why,
    size_t whylen)
{
	char lockout[8];
	long max_failure, duration, interval, max_age, grace, grace_expiry;

	if (read_number(ld, e, "pwdMaxFailure", INT_MAX, 0, &max_failure) != 0 ||
	    read_number(ld, e, "pwdLockoutDuration", INT_MAX, 0, &duration) != 0 ||
	    read_number(ld, e, "pwdFailureCountInterval", INT_MAX, 0,
	    &interval) != 0 ||
	    dir_entry_value(ld, e, "pwdLockout", lockout, sizeof(lockout)) < 0) {
		snprintf(why, whylen, "a lockout attribute is malformed");
		return -1;
	}
	if (read_number(ld, e, "pwdMaxAge", INT_MAX, 0, &max_age) != 0 ||
	    read_number(ld, e, "pwdGraceAuthNLimit", INT_MAX, 0, &grace) != 0 ||
	    read_number(ld, e, "pwdGraceExpiry", INT_MAX, 0, &grace_expiry) != 0) {
		snprintf(why, whylen, "an expiry attribute is malformed");
		return -1;
	}
	/* slapo-ppolicy: pwdLockout absent is FALSE, and then nothing locks */
	v->lockout.max_failure = strcmp(lockout, "TRUE") == 0 ?
	    (int)max_failure : 0;
	v->lockout.duration = duration;
	v->lockout.interval = interval;
	v->expiry.known = 1;
	v->expiry.max_age = max_age;
	v->expiry.grace_limit = (unsigned)grace;
	v->expiry.grace_expiry = grace_expiry;
	return 0;
}

/* Called with mu held: read slot's entry; DIR_OK with its values, else why. */
static int
load_locked(struct dir_conn *dc, const struct authd_conf *conf,
    struct ppolicy_slot *slot, char *why, size_t whylen)
{
	char dn[1024];
	LDAP *ld = NULL;
	LDAPMessage *res = NULL, *e;
	struct ppolicy_values v;
	int st, truncated = 0;

	if (slot->dn[0] != '\0')
		snprintf(dn, sizeof(dn), "%s", slot->dn);
	else
		snprintf(dn, sizeof(dn), "%s,%s", AUTHD_DEFAULT_PPOLICY_RDN,
		    conf->base_dn != NULL ? conf->base_dn : "");
	st = dir_service_search(dc, dn, "(objectClass=pwdPolicy)", ppolicy_attrs,
	    2, (struct ldap **)&ld, (struct ldapmsg **)&res, &truncated);
	if (st != DIR_OK) {
		snprintf(why, whylen, "%s: %s", dn, st == DIR_NOT_FOUND ?
		    "no such entry" : dir_conn_error(dc));
		return st;
	}
	e = ldap_first_entry(ld, res);
	if (e == NULL) {
		snprintf(why, whylen, "%s: not readable (no pwdPolicy entry seen)",
		    dn);
		st = DIR_NOT_FOUND;
	} else if (read_values(ld, e, &v, why, whylen) != 0)
		st = DIR_ERROR;
	else
		slot->v = v;
	ldap_msgfree(res);
	return st;
}

/* Called with mu held: the slot of dn ("" the default), claimed if new. */
static struct ppolicy_slot *
slot_locked(const char *dn)
{
	struct ppolicy_slot *s, *oldest = NULL;
	size_t i;

	if (dn[0] == '\0')
		return &cache.slot[0];
	for (i = 1; i < PPOLICY_SLOTS; i++) {
		s = &cache.slot[i];
		if (s->tried && strcasecmp(s->dn, dn) == 0)
			return s;
		if (oldest == NULL || !s->tried ||
		    (oldest->tried && s->loaded < oldest->loaded))
			oldest = s;
	}
	/* more policies in use than slots: the one read longest ago goes */
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->dn, sizeof(oldest->dn), "%s", dn);
	return oldest;
}

/* Called with mu held: read the slot again, logging a failure once. */
static void
refresh_locked(struct dir_conn *dc, const struct authd_conf *conf,
    struct ppolicy_slot *slot, time_t now)
{
	char why[1200];
	int dflt = slot->dn[0] == '\0';

	slot->tried = 1;
	slot->loaded = now;
	if (load_locked(dc, conf, slot, why, sizeof(why)) == DIR_OK) {
		if (slot->complained)
			authd_log(LOG_NOTICE, "password policy %s read again",
			    dflt ? "(default)" : slot->dn);
		slot->have = 1;
		slot->complained = 0;
	} else if (!slot->complained) {
		/* said once, until it reads again */
		authd_log(LOG_ERR, "%s password policy: %s; %s", dflt ?
		    "default" : "a person's", why, slot->have ?
		    "the copy read before stays in use" : dflt ?
		    "unknown names do not lock (their lockout cannot follow "
		    "a person's) and expired passwords are left to the bind" :
		    "expired passwords under it are left to the bind");
		slot->complained = 1;
	}
}

/*
 * The values of policy dn ("" the default): DIR_OK with *v_r (zero when
 * never read, *have_r 0), or with dc NULL DIR_NO_CONN when the copy is due
 * or busy.
 */
static int
ppolicy_values(struct dir_conn *dc, const struct authd_conf *conf,
    const char *dn, struct ppolicy_values *v_r, int *have_r)
{
	struct ppolicy_slot *slot;
	time_t now = time(NULL);
	int due;

	memset(v_r, 0, sizeof(*v_r));
	if (dc == NULL) {
		/* On the event loop: never wait for a worker's refresh. */
		if (pthread_mutex_trylock(&cache.mu) != 0)
			return DIR_NO_CONN;
	} else
		pthread_mutex_lock(&cache.mu);
	slot = slot_locked(dn);
	due = !slot->tried || now - slot->loaded >= PPOLICY_TTL ||
	    now < slot->loaded;
	if (due && dc == NULL) {
		pthread_mutex_unlock(&cache.mu);
		return DIR_NO_CONN;
	}
	if (due)
		refresh_locked(dc, conf, slot, now);
	if ((*have_r = slot->have))
		*v_r = slot->v;
	pthread_mutex_unlock(&cache.mu);
	return DIR_OK;
}

int
ppolicy_lockout(struct dir_conn *dc, const struct authd_conf *conf,
    const char *policy_dn, struct lockout_rule *rule_r)
{
	struct ppolicy_values v;
	const char *dn = policy_dn != NULL ? policy_dn : "";
	int have, st = ppolicy_values(dc, conf, dn, &v, &have);

	/* one that cannot be read: the default's (decoys still lock) */
	if (st == DIR_OK && !have && dn[0] != '\0')
		st = ppolicy_values(dc, conf, "", &v, &have);
	*rule_r = v.lockout;
	return st;
}

void
ppolicy_privileged_dn(const struct authd_conf *conf, char *buf, size_t len)
{
	snprintf(buf, len, "%s,ou=policies,%s", AUTHD_PRIVILEGED_POLICY_RDN,
	    conf->base_dn != NULL ? conf->base_dn : "");
}

int
ppolicy_expiry(struct dir_conn *dc, const struct authd_conf *conf,
    const char *policy_dn, struct expiry_rule *rule_r)
{
	struct ppolicy_values v;
	int have, st = ppolicy_values(dc, conf, policy_dn != NULL ? policy_dn : "",
	    &v, &have);

	*rule_r = v.expiry;
	return st;
}
