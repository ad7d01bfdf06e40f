/*
 * The default password policy's lockout, read and cached (ppolicy.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "err.h"
#include "log.h"
#include "ppolicy.h"
#include "schema.h"

static const char *const ppolicy_attrs[] = {
	"pwdMaxFailure", "pwdLockout", "pwdLockoutDuration",
	"pwdFailureCountInterval", NULL
};

static struct {
	pthread_mutex_t mu;
	struct lockout_rule rule;
	time_t loaded;
	int have;          /* rule was read from the directory */
	int tried;         /* a read was tried (have or not) */
	int complained;    /* the failure to read was logged */
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

/* The entry's rule; 0, or -1 with why. */
static int
read_rule(LDAP *ld, LDAPMessage *e, struct lockout_rule *rule, char *why,
    size_t whylen)
{
	char lockout[8];
	long max_failure, duration, interval;

	if (read_number(ld, e, "pwdMaxFailure", INT_MAX, 0, &max_failure) != 0 ||
	    read_number(ld, e, "pwdLockoutDuration", INT_MAX, 0, &duration) != 0 ||
	    read_number(ld, e, "pwdFailureCountInterval", INT_MAX, 0,
	    &interval) != 0 ||
	    dir_entry_value(ld, e, "pwdLockout", lockout, sizeof(lockout)) < 0) {
		snprintf(why, whylen, "a lockout attribute is malformed");
		return -1;
	}
	/* slapo-ppolicy: pwdLockout absent is FALSE, and then nothing locks */
	rule->max_failure = strcmp(lockout, "TRUE") == 0 ? (int)max_failure : 0;
	rule->duration = duration;
	rule->interval = interval;
	return 0;
}

/* Called with mu held: read the entry; DIR_OK with the rule, else why. */
static int
load_locked(struct dir_conn *dc, const struct authd_conf *conf, char *why,
    size_t whylen)
{
	char dn[1024];
	LDAP *ld = NULL;
	LDAPMessage *res = NULL, *e;
	struct lockout_rule rule;
	int st, truncated = 0;

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
	} else if (read_rule(ld, e, &rule, why, whylen) != 0)
		st = DIR_ERROR;
	else
		cache.rule = rule;
	ldap_msgfree(res);
	return st;
}

int
ppolicy_lockout(struct dir_conn *dc, const struct authd_conf *conf,
    struct lockout_rule *rule_r)
{
	time_t now = time(NULL);
	char why[1200];
	int due;

	memset(rule_r, 0, sizeof(*rule_r));
	if (dc == NULL) {
		/* On the event loop: never wait for a worker's refresh. */
		if (pthread_mutex_trylock(&cache.mu) != 0)
			return DIR_NO_CONN;
	} else
		pthread_mutex_lock(&cache.mu);
	due = !cache.tried || now - cache.loaded >= PPOLICY_TTL ||
	    now < cache.loaded;
	if (due && dc == NULL) {
		pthread_mutex_unlock(&cache.mu);
		return DIR_NO_CONN;
	}
	if (due) {
		cache.tried = 1;
		cache.loaded = now;
		if (load_locked(dc, conf, why, sizeof(why)) == DIR_OK) {
			if (cache.complained)
				authd_log(LOG_NOTICE, "default password policy "
				    "read again: unknown names lock after %d "
				    "failures", cache.rule.max_failure);
			cache.have = 1;
			cache.complained = 0;
		} else if (!cache.complained) {
			/* said once, until it reads again */
			authd_log(LOG_ERR, "default password policy: %s; %s", why,
			    cache.have ? "the copy read before stays in use" :
			    "unknown names do not lock (their lockout cannot "
			    "follow a person's)");
			cache.complained = 1;
		}
	}
	if (cache.have)
		*rule_r = cache.rule;
	pthread_mutex_unlock(&cache.mu);
	return DIR_OK;
}
