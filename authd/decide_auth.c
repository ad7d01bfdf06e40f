#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "decide.h"
#include "decoy.h"
#include "decoy_lock.h"
#include "err.h"
#include "grace_hold.h"
#include "grant.h"
#include "log.h"
#include "messages.h"
#include "plan.h"
#include "policy.h"
#include "ppolicy.h"
#include "privileged.h"
#include "schema.h"
#include "secret.h"
#include "server.h"

int
decide_lookup(struct job *j, struct dir_conn *dc, struct dir_account *acct_r)
{
	const unsigned char *p;
	size_t len = strlen(j->req.user);
	int st;

	memset(acct_r, 0, sizeof(*acct_r));
	if (len == 0 || len >= sizeof(acct_r->uid))
		return DIR_NOT_FOUND;
	for (p = (const unsigned char *)j->req.user; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return DIR_NOT_FOUND;
	if ((st = account_lookup(j->srv->view, dc, j->req.user, acct_r)) !=
	    DIR_OK)
		return st;
	/*
	 * The directory finds "ｐａｔ" (full-width) and "PAT" as pat. ASCII
	 * case is folded for decoys too (decoy_name_key); other folding is
	 * slapd's own: a name beyond ASCII must be the entry's uid exactly,
	 * as the name service wants it (dir_nss.c), or it is nobody's.
	 */
	for (p = (const unsigned char *)j->req.user; *p != '\0'; p++)
		if (*p >= 0x80) {
			if (strcmp(acct_r->uid, j->req.user) == 0)
				break;
			memset(acct_r, 0, sizeof(*acct_r));
			acct_r->uid_number = -1;
			return DIR_NOT_FOUND;
		}
	return DIR_OK;
}

int
decide_peer_may_act(const struct job *j, const struct dir_account *acct)
{
	if (j->req.peer_uid == 0)
		return 1;
	return acct->uid_number >= 0 &&
	    (uid_t)acct->uid_number == j->req.peer_uid;
}

void
decide_finish(struct job *j, const char *event, int result, const char *reason,
    const char *extra)
{
	j->result = result;
	if (job_audit(j, event, result, reason, extra) != AUTHD_OK)
		job_refuse_unrecorded(j);
}

/* What a person sees after a successful password: the standard's login display. */
static void
success_lines(struct job *j, const struct dir_account *acct,
    const struct dir_bind_result *br)
{
	char line[AUTHD_STRING_MAX + 1];

	if (acct->last_login_time != 0) {
		msg_last_login(line, sizeof(line), acct->last_login_time,
		    acct->last_login_host, acct->last_login_service);
		job_add_line(j, AUTHD_STEP_INFO, line);
	} else
		job_add_line(j, AUTHD_STEP_INFO, MSG_FIRST_LOGIN);
	if (acct->last_logout_time != 0) {
		msg_last_logout(line, sizeof(line), acct->last_logout_time);
		job_add_line(j, AUTHD_STEP_INFO, line);
	}
	/* Read before the bind: a successful bind clears ppolicy's count. */
	if (acct->failures > 0) {
		msg_failures(line, sizeof(line), acct->failures);
		job_add_line(j, AUTHD_STEP_INFO, line);
	}
	if (br->grace_left >= 0) {
		msg_grace(line, sizeof(line), br->grace_left,
		    j->grace_ld != NULL);
		job_add_line(j, AUTHD_STEP_ERROR, line);
	} else if (br->expire_in > 0) {
		msg_expires_in(line, sizeof(line), br->expire_in);
		job_add_line(j, AUTHD_STEP_INFO, line);
	}
}

/* AUTHENTICATE, first job: who, which policy, what they enrolled -> the plan. */

/* A stand-in for a person the conversation must not reveal. */
static void
stand_in(struct job *j, struct plan *p, enum plan_why why)
{
	memset(&p->acct, 0, sizeof(p->acct));
	snprintf(p->acct.uid, sizeof(p->acct.uid), "%.255s", j->req.user);
	p->acct.uid_number = -1;
	p->why = why;
}

/*
 * Whether the name is one this site gives privileged accounts
 * (privileged_names), taken as the directory compares it: a decoy of such
 * a name is played as a privileged account's (its policy raised as theirs
 * is, its lockout theirs). Decided by the name alone, never by what the
 * directory holds, so that a decoy tells nothing a name does not.
 */
static int
name_looks_privileged(const struct job *j)
{
	char key[sizeof(j->req.user)];

	(void)decoy_name_key(j->req.user, key, sizeof(key));
	return priv_name_patterned(j->srv->conf, key);
}

/*
 * The lockout a decoy's name follows (decoy_lock.h): a person's under the
 * default password policy, or, for a name of privileged_names, under the
 * privileged accounts' policy. As ppolicy_lockout.
 */
static int
decoy_lockout(const struct job *j, struct dir_conn *dc,
    struct lockout_rule *rule)
{
	char dn[DIR_POLICY_DN_MAX + 1];

	memset(rule, 0, sizeof(*rule));
	if (!name_looks_privileged(j))
		return ppolicy_lockout(dc, j->srv->conf, NULL, rule);
	ppolicy_privileged_dn(j->srv->conf, dn, sizeof(dn));
	return ppolicy_lockout(dc, j->srv->conf, dn, rule);
}

/* Whether verifier i is one the policy allows. */
static int
allowed(const struct plan *p, size_t i)
{
	return (p->pol.methods & policy_method_bit(verifiers_all[i]->name)) != 0;
}

/*
 * Add a decoy's methods: the allowed ones in mask, as the verifiers' order
 * puts a person's, each with an enrolment of a shape real ones had when
 * its steps show one (decoy.h); else an empty enrolment.
 */
static void
add_decoy_methods(struct job *j, struct plan *p, unsigned mask)
{
	struct verify_enrolment enr;
	struct verify_ctx ctx;
	uint8_t shape[DECOY_SHAPE_MAX], seed[DECOY_SEED_LEN];
	size_t i, len = 0;
	int have_seed;

	have_seed = decoy_name_seed(j->srv->decoys, j->req.user, seed) == AUTHD_OK;
	for (i = 0; verifiers_all[i] != NULL; i++) {
		if (!allowed(p, i) || !(mask & (1u << i)))
			continue;
		memset(&enr, 0, sizeof(enr));
		if (verifiers_all[i]->decoy_enrolment != NULL && have_seed &&
		    decoy_pick_shape(j->srv->decoys, verifiers_all[i]->name,
		    j->req.user, shape, &len)) {
			memset(&ctx, 0, sizeof(ctx));
			ctx.conf = j->srv->conf;
			ctx.decoy = 1;
			if (verifiers_all[i]->decoy_enrolment(&ctx, shape, len, seed,
			    &enr) != AUTHD_OK)
				memset(&enr, 0, sizeof(enr));
		}
		plan_add(p, verifiers_all[i], &enr);
	}
	explicit_bzero(seed, sizeof(seed));
}

/*
 * A decoy: the enrolment of a real person under this policy, picked for
 * this name (decoy.h), planned by the same rules as a person's, so that
 * what it asks and what it keeps in reserve are a person's. Before any
 * real plan, or when the policy changed since and the pick cannot meet
 * it, every allowed method.
 */
static void
decoy_plan(struct job *j, struct plan *p)
{
	unsigned mask = 0;

	plan_clear_methods(p);
	if (decoy_pick(j->srv->decoys, p->pol.name, j->req.user, &mask)) {
		add_decoy_methods(j, p, mask);
		if (plan_select(p))
			return;
		plan_clear_methods(p);
	}
	add_decoy_methods(j, p, ~0u);
	(void)plan_select(p);
}

/* The methods a person's plan holds, all usable (bit i: verifiers_all[i]). */
static unsigned
enrolled_mask(const struct plan *p)
{
	unsigned mask = 0;
	size_t i, k;

	for (i = 0; i < p->n; i++)
		for (k = 0; verifiers_all[k] != NULL; k++)
			if (verifiers_all[k] == p->m[i].v)
				mask |= 1u << k;
	return mask;
}

/* A real plan: its enrolment, and the shapes its steps will show, for the decoys. */
static void
note_for_decoys(struct job *j, const struct plan *p)
{
	uint8_t shape[DECOY_SHAPE_MAX];
	size_t i, len;

	decoy_note(j->srv->decoys, p->pol.name, enrolled_mask(p));
	for (i = 0; i < p->n; i++)
		if (p->m[i].v->enrolment_shape != NULL &&
		    (len = p->m[i].v->enrolment_shape(&p->m[i].enr, shape,
		    sizeof(shape))) > 0)
			decoy_note_shape(j->srv->decoys, p->m[i].v->name, shape, len);
}

/*
 * load() of every method the policy allows, for acct, as a person's plan
 * reads them; with keep, the usable ones join the plan, else they are
 * dropped (a decoy's reads). DIR_OK, DIR_NO_CONN when a method reads the
 * directory and dc is NULL (on the loop), or the failed load's status.
 */
static int
load_allowed(struct job *j, struct dir_conn *dc, struct plan *p,
    const struct dir_account *acct, int keep)
{
	struct verify_enrolment enr;
	struct verify_ctx ctx;
	size_t i;
	int st;

	for (i = 0; verifiers_all[i] != NULL; i++) {
		if (!allowed(p, i))
			continue;
		if (dc == NULL && !verifiers_all[i]->load_local)
			return DIR_NO_CONN;
		memset(&enr, 0, sizeof(enr));
		memset(&ctx, 0, sizeof(ctx));
		ctx.conf = j->srv->conf;
		ctx.acct = acct;
		ctx.enr = &enr;
		ctx.service = j->req.service;
		ctx.rhost = j->req.rhost;
		ctx.req_flags = j->req.flags;
		st = verifiers_all[i]->load(dc, &ctx, &enr);
		if (st >= 0 && enr.usable && keep) {
			plan_add(p, verifiers_all[i], &enr);
			continue;
		}
		if (verifiers_all[i]->free_enrolment != NULL)
			verifiers_all[i]->free_enrolment(&enr);
		if (st < 0)
			return st;
	}
	return DIR_OK;
}

/* An RDN value escaped as RFC 4514 says (a name may hold ',' '+' ...). */
static int
rdn_escape(const char *in, char *out, size_t outsz)
{
	const unsigned char *c;
	size_t n = 0;

	for (c = (const unsigned char *)in; *c != '\0'; c++) {
		if (n + 4 >= outsz)
			return -1;
		if (strchr(",+\"\\<>;=", *c) != NULL || *c < 0x20 ||
		    (c == (const unsigned char *)in && (*c == ' ' || *c == '#')) ||
		    (c[1] == '\0' && *c == ' '))
			n += (size_t)snprintf(out + n, outsz - n, "\\%02x", *c);
		else
			out[n++] = (char)*c;
	}
	out[n] = '\0';
	return 0;
}

/*
 * A decoy's directory reads: the ones a person's plan makes (decoy.h), for
 * the entry the name would have (people are uid=NAME under people_dn),
 * which does not exist. What they find is dropped; a directory that fails
 * them fails the login as it would a person's.
 */
static int
decoy_reads(struct job *j, struct dir_conn *dc, struct plan *p)
{
	struct dir_account stand = p->acct;
	char esc[3 * sizeof(stand.uid) + 1];
	const char *people = j->srv->conf->people_dn;

	if (rdn_escape(j->req.user, esc, sizeof(esc)) != 0 || people == NULL ||
	    snprintf(stand.dn, sizeof(stand.dn), "uid=%s,%s", esc, people) >=
	    (int)sizeof(stand.dn))
		snprintf(stand.dn, sizeof(stand.dn), "uid=-,%s",
		    people != NULL ? people : "");
	return load_allowed(j, dc, p, &stand, 0);
}

/* The plan job ends the request itself (directory down). */
static void
plan_fail(struct job *j, int result, const char *reason)
{
	j->plan_ended = 1;
	decide_finish(j, "authenticate", result, reason, NULL);
}

void
decide_auth_plan(struct job *j, struct dir_conn *dc)
{
	struct plan *p = j->plan;
	char reason[512];
	unsigned possible = 0;
	size_t i;
	int st, known = 0;

	st = decide_lookup(j, dc, &p->acct);
	if (st == DIR_NO_CONN)
		goto need_dir;
	if (st == DIR_OK && decide_peer_may_act(j, &p->acct))
		known = 1;
	else if (st == DIR_OK)
		stand_in(j, p, PLAN_PEER);
	else if (st == DIR_NOT_FOUND)
		stand_in(j, p, PLAN_UNKNOWN);
	else
		goto unavailable;
	/* A default name never logs in, whoever holds it (known or not). */
	if (priv_name_denied(j->srv->conf, j->req.user)) {
		stand_in(j, p, PLAN_DENIED_NAME);
		known = 0;
	}
	st = policy_for(dc, j->srv->conf, j->req.service,
	    j->req.rhost[0] != '\0' || j->req.origin[0] != '\0', &p->pol);
	if (st == DIR_NO_CONN)
		goto need_dir;
	if (st != DIR_OK)
		goto unavailable;
	if (p->pol.invalid) {
		if (known)
			p->why = PLAN_INVALID;
		known = 0;
	}
	if (!known) {
		/* a privileged account's name: a privileged account's plan */
		if (name_looks_privileged(j))
			priv_force_mfa(&p->pol);
		/* the worker and the reads a person's plan would take */
		if ((st = decoy_reads(j, dc, p)) == DIR_NO_CONN)
			goto need_dir;
		if (st < 0)
			goto unavailable;
		decoy_plan(j, p);
		return;
	}
	/* Privileged accounts: knowledge + possession whatever the policy says. */
	if (priv_is_privileged(&p->acct))
		priv_force_mfa(&p->pol);
	if ((st = load_allowed(j, dc, p, &p->acct, 1)) == DIR_NO_CONN)
		goto need_dir;
	if (st < 0)
		goto unavailable;
	if (plan_select(p)) {
		note_for_decoys(j, p);
		return;
	}
	/* Not enough enrolled: say so, but only to whoever knows the password. */
	for (i = 0; i < p->n; i++)
		possible |= p->m[i].cats;
	p->missing = policy_missing(&p->pol.req, possible);
	plan_names(p, -1, p->enrolled, sizeof(p->enrolled));
	p->why = PLAN_UNMET;
	decoy_plan(j, p);
	return;
unavailable:
	job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
	snprintf(reason, sizeof(reason), "directory unavailable: %s",
	    dir_conn_error(dc));
	plan_fail(j, AUTHD_R_AUTHINFO_UNAVAIL, reason);
	return;
need_dir:
	/* Tried on the loop: start again from nothing on a worker. */
	plan_clear_methods(p);
	memset(p, 0, sizeof(*p));
	j->need_dir = 1;
}

/* AUTHENTICATE, second job: check what was collected. */

static struct plan_method *
collected(struct plan *p, const struct verifier *v)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->m[i].state == PM_COLLECTED && p->m[i].v == v)
			return &p->m[i];
	return NULL;
}

static int
any_collected(const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->m[i].state == PM_COLLECTED)
			return 1;
	return 0;
}

/*
 * Whether the decoy's answer follows a lockout of its own (decoy_lock.h):
 * every decoy whose refusal is the ordinary failure's, where a person's
 * attempt would be counted by the directory. A person who has not enrolled
 * enough is bound (and locked) by the directory when a password is asked;
 * without one, their name is counted as a decoy's, as their binds are.
 */
static int
decoy_counts(const struct plan *p)
{
	size_t i;

	switch (p->why) {
	case PLAN_UNKNOWN:
	case PLAN_PEER:
	case PLAN_INVALID:
		return 1;
	case PLAN_UNMET:
		for (i = 0; i < p->n; i++)
			if (p->m[i].state == PM_COLLECTED &&
			    p->m[i].v == &verifier_password)
				return 0;
		return 1;
	default:
		return 0;
	}
}

/*
 * An attempt on a decoy under rule: 1 when its name is locked, as a person
 * under the default policy would be after as many failures; else its
 * failure is counted, 0.
 */
static int
decoy_attempt_locked(struct job *j, const struct lockout_rule *rule)
{
	uint8_t tag[DECOY_TAG_LEN];
	int r;

	if (decoy_name_tag(j->srv->decoys, j->req.user, tag) != AUTHD_OK)
		return 0;
	r = decoy_locks_attempt(j->srv->decoy_locks, tag, rule, time(NULL));
	explicit_bzero(tag, sizeof(tag));
	return r == DECOY_LOCK_LOCKED;
}

/* A locked decoy: what a locked person is told (decide_authenticate). */
static int
decoy_refuse_locked(struct job *j, char *reason, size_t reasonlen)
{
	size_t n = strlen(reason);

	job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
	snprintf(reason + n, reasonlen - n, "; decoy locked");
	return AUTHD_R_MAXTRIES;
}

/* Whether the decoy's name is locked now under rule; nothing counted. */
static int
decoy_locked_now(struct job *j, const struct lockout_rule *rule)
{
	uint8_t tag[DECOY_TAG_LEN];
	int r;

	if (rule == NULL || rule->max_failure == 0 ||
	    decoy_name_tag(j->srv->decoys, j->req.user, tag) != AUTHD_OK)
		return 0;
	r = decoy_locks_is_locked(j->srv->decoy_locks, tag, rule, time(NULL));
	explicit_bzero(tag, sizeof(tag));
	return r;
}

/*
 * A bind the directory refuses before any password hash and without a
 * write, as it refuses a locked person's (ppolicy checks the lock first):
 * a random password for an entry that does not exist.
 */
static void
bind_nowhere(struct job *j, struct dir_conn *dc)
{
	const struct authd_conf *conf = j->srv->conf;
	char nowhere[64], dn[600];

	if (authd_random_hex(nowhere, sizeof(nowhere), 16) != AUTHD_OK)
		return;
	snprintf(dn, sizeof(dn), "uid=authd-nowhere-%s,%s", nowhere,
	    conf->people_dn != NULL ? conf->people_dn : conf->base_dn);
	(void)plan_burn_attempt(dc, dn);
}

/*
 * A decoy's bind, what a person's attempt costs, then counted
 * (decoy_lock.h): the timing entry's, with the password typed (in; NULL:
 * a random one, the bind a person's failed factor costs), a hash and a
 * recorded failure as for a person's wrong password. When the name is
 * locked already, a person's bind would be refused before any hash: so is
 * the decoy's (bind_nowhere), and nothing is counted. A password the event
 * loop bound already is not bound again. 1 when the name is locked.
 */
static int
decoy_bind(struct job *j, struct dir_conn *dc, const struct lockout_rule *rule,
    const struct verify_input *in)
{
	struct dir_bind_result br;

	if (decoy_locked_now(j, rule)) {
		if (in == NULL || !in->bound)
			bind_nowhere(j, dc);
		return 1;
	}
	memset(&br, 0, sizeof(br));
	if (in != NULL)
		(void)verify_password_bind(dc, NULL, in, &br);
	else
		(void)plan_burn_attempt(dc, NULL);
	return decoy_attempt_locked(j, rule);
}

/* A decoy: spend a bind like a real attempt and refuse. */
static int
check_decoy(struct job *j, struct dir_conn *dc, const struct lockout_rule *rule,
    char *reason, size_t reasonlen)
{
	struct plan *p = j->plan;
	struct plan_method *pw = collected(p, &verifier_password);
	struct dir_bind_result br;
	char line[AUTHD_STRING_MAX + 1];
	int st, locked = 0;

	memset(&br, 0, sizeof(br));
	switch (p->why) {
	case PLAN_DENIED_NAME:
		/* the same cost as any refusal; the name itself is no secret */
		if (pw != NULL)
			(void)verify_password_bind(dc, NULL, pw->in, &br);
		job_add_line(j, AUTHD_STEP_ERROR, MSG_DEFAULT_NAME);
		snprintf(reason, reasonlen, "default name %.100s refused", j->req.user);
		return AUTHD_R_PERM_DENIED;
	case PLAN_UNKNOWN:
	case PLAN_PEER:
	case PLAN_INVALID:
		/*
		 * The timing entry: an unknown user costs one real bind too.
		 * Without a password, a real person's failed factor costs the
		 * bind that counts it (refuse_counted): so does any factor here.
		 */
		if (any_collected(p))
			locked = decoy_bind(j, dc, rule, pw != NULL ? pw->in : NULL);
		if (p->why == PLAN_UNKNOWN)
			snprintf(reason, reasonlen, "unknown user");
		else if (p->why == PLAN_PEER)
			snprintf(reason, reasonlen,
			    "peer uid %ld may not authenticate %.200s",
			    (long)j->req.peer_uid, j->req.user);
		else
			snprintf(reason, reasonlen, "policy %s is invalid: %s",
			    p->pol.name, p->pol.error);
		if (locked)
			return decoy_refuse_locked(j, reason, reasonlen);
		return AUTHD_R_AUTH_ERR;
	default:
		break;
	}
	/* PLAN_UNMET: the message only for whoever proved the password. */
	snprintf(reason, reasonlen, "policy %s needs %s; enrolled: %s",
	    p->pol.name, p->pol.req.text, p->enrolled);
	if (pw == NULL) {
		/*
		 * No password to try (a policy without one): the bind an
		 * unknown name's factor costs, and a person's failed factor
		 * (refuse_counted), or a refusal without it is sooner and
		 * tells that the name is a person with nothing enrolled.
		 */
		/* and locks as an unknown name's (decoy_counts) */
		if (any_collected(p) && decoy_bind(j, dc, rule, NULL))
			return decoy_refuse_locked(j, reason, reasonlen);
		return AUTHD_R_AUTH_ERR;
	}
	st = verify_password_bind(dc, p->acct.dn, pw->in, &br);
	switch (st) {
	case DIR_OK:
		msg_policy_unmet(line, sizeof(line), p->missing);
		job_add_line(j, AUTHD_STEP_ERROR, line);
		return AUTHD_R_AUTH_ERR;
	case DIR_LOCKED:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
		snprintf(reason, reasonlen, "locked");
		return AUTHD_R_MAXTRIES;
	case DIR_UNAVAILABLE:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, reasonlen, "directory unavailable: %s",
		    br.message[0] != '\0' ? br.message : dir_conn_error(dc));
		return AUTHD_R_AUTHINFO_UNAVAIL;
	default:
		snprintf(reason, reasonlen, "wrong password; policy %s needs %s; "
		    "enrolled: %s", p->pol.name, p->pol.req.text, p->enrolled);
		return AUTHD_R_AUTH_ERR;
	}
}

/*
 * Whether the directory keeps a failure count for acct. ppolicy skips
 * all lockout work for an entry without a password (ITS#7089), and its
 * reply to the failed bind is the same either way (an empty control).
 * authd may not read, search or compare userPassword; pwdChangedTime, which
 * ppolicy writes with every password and deletes with it, stands for it.
 * An entry whose password came without ppolicy (slapadd) has none either:
 * it fails safe, and any password set through slapd gives it one.
 */
static int
has_lockout(const struct dir_account *acct)
{
	if (acct->pwd_changed != 0)
		return 1;
	authd_log(LOG_ERR, "%s has no password (no pwdChangedTime): the directory "
	    "counts no failed login for it and never locks it; its logins "
	    "without a password are refused until one is set (authctl user "
	    "passwd)", acct->dn);
	return 0;
}

/* A factor failed: one counted failure in the directory, nothing bound right. */
static int
refuse_counted(struct job *j, struct dir_conn *dc, const char *why,
    char *reason, size_t reasonlen)
{
	int st = plan_burn_attempt(dc, j->plan->acct.dn);

	if (st == DIR_LOCKED) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
		snprintf(reason, reasonlen, "%s; locked", why);
		return AUTHD_R_MAXTRIES;
	}
	if (st == DIR_INVALID && !has_lockout(&j->plan->acct)) {
		snprintf(reason, reasonlen, "%s; not counted: no password in the "
		    "directory, so no lockout", why);
		return AUTHD_R_AUTH_ERR;
	}
	snprintf(reason, reasonlen, "%s%s", why, st == DIR_INVALID ? "" :
	    st == DIR_UNAVAILABLE ? "; the directory did not confirm the "
	    "failure's count (it counts it if it got the bind)" :
	    "; the failure could not be counted");
	return AUTHD_R_AUTH_ERR;
}

static void
note_factors(struct job *j, unsigned proven)
{
	struct plan *p = j->plan;
	size_t i, n = 0;

	j->factors[0] = '\0';
	for (i = 0; i < p->n && n < sizeof(j->factors); i++)
		if (p->m[i].state == PM_COLLECTED)
			n += (size_t)snprintf(j->factors + n, sizeof(j->factors) - n,
			    "%s%s", n > 0 ? "," : "", p->m[i].v->name);
	j->categories = proven;
	snprintf(j->policy, sizeof(j->policy), "%s", p->pol.name);
}

/*
 * A privileged account logs in only under a grant honoured on this host
 * now (grant.h); the one chosen goes into the job for the login id.
 * AUTHD_R_SUCCESS, or the refusal with a line for the person.
 */
static int
privileged_grant(struct job *j, struct dir_conn *dc, const struct dir_account *acct,
    char *reason, size_t reasonlen)
{
	struct grant_hold hold;
	enum grant_verdict v;
	char why[512];
	int st;

	st = grant_find(dc, j->srv->conf, acct->dn, time(NULL), &v, &hold, why,
	    sizeof(why));
	if (st != DIR_OK) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, reasonlen, "privileged: grants unreadable: %.300s", why);
		return AUTHD_R_AUTHINFO_UNAVAIL;
	}
	if (v == GRANT_REFUSED) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_PRIV_NO_GRANT);
		snprintf(reason, reasonlen, "privileged: no grant honoured on %.64s: %.300s",
		    j->srv->conf->host_name != NULL ? j->srv->conf->host_name : "",
		    why);
		return AUTHD_R_PERM_DENIED;
	}
	if (v == GRANT_EMERGENCY)
		job_add_line(j, AUTHD_STEP_ERROR, MSG_PRIV_EMERGENCY);
	snprintf(j->grant_dn, sizeof(j->grant_dn), "%s", hold.dn);
	j->grant_until = hold.until;
	j->grant_max_session = hold.max_session;
	j->grant_emergency = hold.emergency;
	j->grant_emergency_until = hold.emergency_deadline;
	snprintf(reason, reasonlen, "%s", why);
	return AUTHD_R_SUCCESS;
}

/* " grant=DN grant_until=T[ grant_emergency=unapproved]" for the audit. */
static void
grant_extra(const struct job *j, char *out, size_t outsz)
{
	char dn[3 * sizeof(j->grant_dn)];

	out[0] = '\0';
	if (j->grant_dn[0] == '\0')
		return;
	authd_audit_escape(j->grant_dn, dn, sizeof(dn));
	snprintf(out, outsz, " grant=%.400s grant_until=%lld%s", dn,
	    (long long)j->grant_until,
	    j->grant_emergency ? " grant_emergency=unapproved" : "");
}

/* The password, when it is the only input collected. */
static struct plan_method *
password_alone(struct plan *p)
{
	struct plan_method *pw = NULL;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (p->m[i].state != PM_COLLECTED)
			continue;
		if (p->m[i].v != &verifier_password || pw != NULL)
			return NULL;
		pw = &p->m[i];
	}
	return pw;
}

int
decide_auth_bind_ahead(struct plan *p, const char **dn_r,
    struct verify_input **in_r)
{
	struct plan_method *pw = password_alone(p);

	if (pw == NULL || pw->in == NULL)
		return 0;
	switch (p->why) {
	case PLAN_UNKNOWN:
	case PLAN_PEER:
	case PLAN_INVALID:
	case PLAN_DENIED_NAME:
		*dn_r = NULL;
		break;
	case PLAN_UNMET:
		*dn_r = p->acct.dn;
		break;
	case PLAN_REAL:
		/* else a failure is counted first (refuse_counted) */
		if (!policy_satisfied(&p->pol.req, FACTOR_KNOWLEDGE))
			return 0;
		*dn_r = p->acct.dn;
		break;
	default:
		return 0;
	}
	*in_r = pw->in;
	return 1;
}

int
decide_auth_bind_now(struct job *j, const char **dn_r,
    struct verify_input **in_r)
{
	struct lockout_rule rule;

	if (!decide_auth_bind_ahead(j->plan, dn_r, in_r))
		return 0;
	if (!decoy_counts(j->plan))
		return 1;
	/*
	 * A decoy's bind depends on whether its name is locked (decoy_bind):
	 * without the rule at hand, a worker reads it and binds.
	 */
	if (decoy_lockout(j, NULL, &rule) != DIR_OK)
		return 0;
	return !decoy_locked_now(j, &rule);
}

/*
 * The password was bound on this worker and that bind used the last grace
 * login: the connection's bind handle, still bound as the person, goes with
 * the job to be held for the change (grace_hold.h), as the loop's does after
 * a password-only login. Without a free place it stays the connection's and
 * the person is told to ask an administrator.
 */
static void
hold_grace_bind(struct job *j, struct dir_conn *dc)
{
	if (j->grace_ld != NULL || !grace_hold_reserve(j->srv->grace_hold))
		return;
	if ((j->grace_ld = dir_conn_take_bind(dc)) != NULL)
		j->grace_reserved = 1;
	else
		grace_hold_unreserve(j->srv->grace_hold);
}

/*
 * Whether decide_authenticate needs no directory connection: the password
 * alone, bound ahead, and nothing to search after it. A privileged account
 * never gets here today: priv_force_mfa makes its policy need possession, so
 * its password is never bound ahead (decide_auth_bind_ahead). Should that
 * rule change, its grant must still be searched after a right password; a
 * wrong one would be refused here like anyone's.
 */
static int
decide_auth_local(struct plan *p)
{
	struct plan_method *pw = password_alone(p);

	if (pw == NULL || pw->in == NULL || !pw->in->bound)
		return 0;
	if (p->why != PLAN_REAL)
		return 1;
	return policy_satisfied(&p->pol.req, FACTOR_KNOWLEDGE) &&
	    (!priv_is_privileged(&p->acct) || pw->in->bound_status != DIR_OK);
}

static int acct_ahead(struct job *j, struct dir_conn *dc, const char *dn,
    char *reason, size_t reasonlen, char *extra, size_t extralen);
static int acct_ahead_ready(struct job *j, const struct dir_account *acct);

void
decide_authenticate(struct job *j, struct dir_conn *dc)
{
	struct plan *p = j->plan;
	struct plan_method *pw = NULL, *m;
	struct verify_result res;
	struct verify_ctx ctx;
	char reason[512], why[384], extra[2048], cats[64], gextra[512];
	char ahead_reason[300], ahead_extra[64], notes[256] = "";
	/* from the directory: escaped, so that a space or '=' adds no field */
	char pol[4 * POLICY_NAME_MAX + 1], cred[4 * sizeof(j->credential) + 1];
	struct job_record recs[2];
	struct lockout_rule rule;
	unsigned proven = 0;
	size_t i, n = 1;
	int result = AUTHD_R_AUTH_ERR, ahead_ms, here;

	memset(&res, 0, sizeof(res));
	res.bind.grace_left = -1;
	res.bind.expire_in = -1;
	extra[0] = '\0';
	if (dc == NULL && !decide_auth_local(p)) {
		/* on the loop: nothing done yet, a worker decides */
		j->need_dir = 1;
		return;
	}
	memset(&rule, 0, sizeof(rule));
	if (decoy_counts(p) && decoy_lockout(j, dc, &rule) == DIR_NO_CONN) {
		/* the lockout rule is due: a worker reads it, then decides */
		j->need_dir = 1;
		return;
	}
	if (dc == NULL && p->why == PLAN_REAL && !acct_ahead_ready(j, &p->acct)) {
		/* acct_ahead needs the password policy's copy: as above */
		j->need_dir = 1;
		return;
	}
	if (p->why != PLAN_REAL) {
		result = check_decoy(j, dc, &rule, reason, sizeof(reason));
		goto out;
	}
	/* Every factor but the password first: a failure must not bind it. */
	for (i = 0; i < p->n; i++) {
		m = &p->m[i];
		if (m->state != PM_COLLECTED)
			continue;
		if (m->v == &verifier_password) {
			pw = m;
			continue;
		}
		memset(&res, 0, sizeof(res));
		plan_ctx(p, i, j->srv->conf, j->req.service, j->req.rhost,
		    j->req.flags, &ctx);
		m->v->check(dc, &ctx, m->in, &res);
		plan_input_wipe(m);
		if (res.status == DIR_UNAVAILABLE) {
			result = AUTHD_R_AUTHINFO_UNAVAIL;
			job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
			snprintf(reason, sizeof(reason), "directory unavailable "
			    "checking %s: %s", m->v->name, res.reason);
			goto out;
		}
		if (res.status == DIR_ERROR) {
			/* The host's fault (an unreadable CA file or site key, a
			 * seed that does not decrypt), not the person's: refused,
			 * but not counted toward the lockout. */
			result = AUTHD_R_AUTHINFO_UNAVAIL;
			/* the verifier may say why in words for the person
			 * (a card whose status cannot be confirmed) */
			job_add_line(j, AUTHD_STEP_ERROR, res.message[0] != '\0' ?
			    res.message : MSG_FACTOR_UNAVAILABLE);
			snprintf(reason, sizeof(reason), "%s cannot be checked here: %s",
			    m->v->name, res.reason[0] != '\0' ? res.reason : "error");
			goto out;
		}
		if (res.status != DIR_OK) {
			snprintf(why, sizeof(why), "%s failed: %s", m->v->name,
			    res.reason[0] != '\0' ? res.reason : "refused");
			result = refuse_counted(j, dc, why, reason, sizeof(reason));
			goto out;
		}
		proven |= res.categories & m->cats;
		if (res.note[0] != '\0')
			snprintf(notes, sizeof(notes), "; %s", res.note);
		/* the device the session will depend on (the first one) */
		if (j->credential[0] == '\0' && res.credential[0] != '\0') {
			snprintf(j->credential, sizeof(j->credential), "%s",
			    res.credential);
			snprintf(j->credential_key, sizeof(j->credential_key), "%s",
			    res.credential_key);
		}
	}
	if (!policy_satisfied(&p->pol.req, proven |
	    (pw != NULL ? FACTOR_KNOWLEDGE : 0))) {
		policy_categories_str(proven, cats, sizeof(cats));
		snprintf(why, sizeof(why), "proven %s%s does not meet policy %s "
		    "(%s)%s", cats, pw != NULL ? " (+ knowledge unchecked)" : "",
		    p->pol.name, p->pol.req.text, notes);
		result = refuse_counted(j, dc, why, reason, sizeof(reason));
		goto out;
	}
	memset(&res, 0, sizeof(res));
	res.bind.grace_left = -1;
	res.bind.expire_in = -1;
	if (pw != NULL) {
		plan_ctx(p, (size_t)(pw - p->m), j->srv->conf, j->req.service,
		    j->req.rhost, j->req.flags, &ctx);
		here = dc != NULL && pw->in != NULL && !pw->in->bound;
		pw->v->check(dc, &ctx, pw->in, &res);
		plan_input_wipe(pw);
		switch (res.status) {
		case DIR_OK:
			proven |= FACTOR_KNOWLEDGE;
			if (here && res.bind.grace_left == 0 && p->why == PLAN_REAL)
				hold_grace_bind(j, dc);
			break;
		case DIR_INVALID:
			snprintf(reason, sizeof(reason), "wrong password");
			goto out;
		case DIR_LOCKED:
			result = AUTHD_R_MAXTRIES;
			job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
			snprintf(reason, sizeof(reason), "locked");
			goto out;
		case DIR_EXPIRED:
			job_add_line(j, AUTHD_STEP_ERROR, MSG_PW_EXPIRED);
			snprintf(reason, sizeof(reason),
			    "password expired, no grace login left");
			goto out;
		case DIR_UNAVAILABLE:
			result = AUTHD_R_AUTHINFO_UNAVAIL;
			job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
			snprintf(reason, sizeof(reason), "directory unavailable: %s",
			    res.bind.message[0] != '\0' ? res.bind.message :
			    dir_conn_error(dc));
			goto out;
		default:
			snprintf(reason, sizeof(reason),
			    "directory refused the bind: %s",
			    res.bind.message[0] != '\0' ? res.bind.message :
			    dir_conn_error(dc));
			goto out;
		}
	} else if (p->acct.locked) {
		/* No bind to ask ppolicy: its lock still holds. */
		result = AUTHD_R_MAXTRIES;
		job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
		snprintf(reason, sizeof(reason), "locked");
		goto out;
	} else if (!has_lockout(&p->acct)) {
		/*
		 * Nothing bounds guessing for this person: refused even with
		 * the right factors, told only to whoever proved them.
		 */
		result = AUTHD_R_PERM_DENIED;
		job_add_line(j, AUTHD_STEP_ERROR, MSG_NO_LOCKOUT);
		snprintf(reason, sizeof(reason), "no password in the directory, so "
		    "no lockout: a login without a password is refused");
		goto out;
	}
	if (!policy_satisfied(&p->pol.req, proven)) {
		policy_categories_str(proven, cats, sizeof(cats));
		snprintf(reason, sizeof(reason), "proven %s does not meet policy %s (%s)",
		    cats, p->pol.name, p->pol.req.text);
		goto out;
	}
	if (priv_is_privileged(&p->acct) && (result = privileged_grant(j, dc,
	    &p->acct, why, sizeof(why))) != AUTHD_R_SUCCESS) {
		snprintf(reason, sizeof(reason), "%s", why);
		goto out;
	}
	note_factors(j, proven);
	policy_categories_str(proven, cats, sizeof(cats));
	result = AUTHD_R_SUCCESS;
	j->must_change = res.bind.must_change || p->acct.pwd_reset;
	j->grace_left = res.bind.grace_left;
	snprintf(reason, sizeof(reason), "%s accepted%s%s", j->factors,
	    j->must_change ? "; must change (reset)" :
	    res.bind.grace_left >= 0 ? "; expired, grace login" : "", notes);
	snprintf(j->acct_dn, sizeof(j->acct_dn), "%s", p->acct.dn);
	if (authd_random_hex(j->login_id, sizeof(j->login_id),
	    LOGIN_ID_LEN / 2) != AUTHD_OK) {
		result = AUTHD_R_SYSTEM_ERR;
		snprintf(reason, sizeof(reason), "no random login id");
		goto out;
	}
	authd_audit_escape(p->pol.name, pol, sizeof(pol));
	authd_audit_escape(j->credential, cred, sizeof(cred));
	snprintf(extra, sizeof(extra), " login_id=%s policy=%s factors=%s "
	    "categories=%s%s%s", j->login_id, pol, j->factors, cats,
	    j->credential[0] != '\0' ? " credential=" : "",
	    j->credential[0] != '\0' ? cred : "");
	grant_extra(j, gextra, sizeof(gextra));
	snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "%s", gextra);
	success_lines(j, &p->acct, &res.bind);
out:
	for (i = 0; i < p->n; i++)
		plan_input_wipe(&p->m[i]);
	if (result != AUTHD_R_SUCCESS) {
		note_factors(j, proven);
		snprintf(extra, sizeof(extra), " policy=%s factors=%s",
		    authd_audit_escape(p->pol.name, pol, sizeof(pol)),
		    j->factors[0] != '\0' ? j->factors : "none");
	}
	recs[0] = (struct job_record){ "authenticate", result, reason,
	    extra[0] != '\0' ? extra : NULL };
	/* acct_mgmt decided with it goes in the same write: both or neither */
	if (result == AUTHD_R_SUCCESS &&
	    (ahead_ms = acct_ahead(j, dc, p->acct.dn, ahead_reason,
	    sizeof(ahead_reason), ahead_extra, sizeof(ahead_extra))) > 0)
		recs[n++] = (struct job_record){ "acct_mgmt", AUTHD_R_SUCCESS,
		    ahead_reason, ahead_extra };
	j->result = result;
	if (job_audit_n(j, recs, n) != AUTHD_OK)
		job_refuse_unrecorded(j);
	else if (n == 2)
		j->acct_ahead_ms = (uint32_t)ahead_ms;
}

/* The account's state, dates, name and type; AUTHD_R_SUCCESS when they let
 * it log in, else AUTHD_R_PERM_DENIED or AUTHD_R_ACCT_EXPIRED. */
static int
account_standing(struct job *j, const struct dir_account *acct, char *reason,
    size_t reasonlen)
{
	char line[AUTHD_STRING_MAX + 1];
	time_t now = time(NULL);

	if (strcmp(acct->state, AUTHD_STATE_SUSPENDED) == 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_SUSPENDED);
		snprintf(reason, reasonlen, "suspended");
		return AUTHD_R_PERM_DENIED;
	}
	if (strcmp(acct->state, AUTHD_STATE_DISABLED) == 0 ||
	    strcmp(acct->state, AUTHD_STATE_PENDING_DEL) == 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_DISABLED);
		snprintf(reason, reasonlen, "%s", acct->state);
		return AUTHD_R_ACCT_EXPIRED;
	}
	if (acct->state[0] != '\0' &&
	    strcmp(acct->state, AUTHD_STATE_ACTIVE) != 0) {
		/* A state this version does not know: fail closed. */
		job_add_line(j, AUTHD_STEP_ERROR, MSG_DISABLED);
		snprintf(reason, reasonlen, "unknown account state %s", acct->state);
		return AUTHD_R_PERM_DENIED;
	}
	if (acct->valid_from != 0 && now < acct->valid_from) {
		msg_not_yet_valid(line, sizeof(line), acct->valid_from);
		job_add_line(j, AUTHD_STEP_ERROR, line);
		snprintf(reason, reasonlen, "not yet valid");
		return AUTHD_R_ACCT_EXPIRED;
	}
	if (dir_account_ended(acct, now)) {
		msg_no_longer_valid(line, sizeof(line), acct->valid_until);
		job_add_line(j, AUTHD_STEP_ERROR, line);
		snprintf(reason, reasonlen, "validity ended");
		return AUTHD_R_ACCT_EXPIRED;
	}
	if (priv_name_denied(j->srv->conf, acct->uid)) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_DEFAULT_NAME);
		snprintf(reason, reasonlen, "default name %.100s refused", acct->uid);
		return AUTHD_R_PERM_DENIED;
	}
	if (strcmp(acct->type, "service") == 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_SERVICE_ACCOUNT);
		snprintf(reason, reasonlen, "service account");
		return AUTHD_R_PERM_DENIED;
	}
	snprintf(reason, reasonlen, "account valid (type %s)",
	    acct->type[0] != '\0' ? acct->type : "regular");
	return AUTHD_R_SUCCESS;
}

/*
 * The expiry rule of the person's password policy, for password_verdict:
 * DIR_OK with *rule_r (known 0: no check), or DIR_NO_CONN on the event loop
 * when the policy's copy is due (a worker reads it, at most once a
 * PPOLICY_TTL). An account without a password (no pwdChangedTime) or whose
 * policy DN was too long to keep needs none.
 */
static int
password_rule(struct job *j, struct dir_conn *dc, const struct dir_account *acct,
    struct expiry_rule *rule_r)
{
	memset(rule_r, 0, sizeof(*rule_r));
	if (acct->pwd_changed == 0 || acct->policy_unknown)
		return DIR_OK;
	return ppolicy_expiry(dc, j->srv->conf, acct->policy_dn, rule_r);
}

/*
 * More than pwdMaxAge since pwdChangedTime (slapo-ppolicy's own test at a
 * bind: at the second itself the password is still good).
 */
static int
password_expired(const struct dir_account *acct, const struct expiry_rule *rule,
    time_t now)
{
	return rule->known && rule->max_age > 0 && acct->pwd_changed != 0 &&
	    now - acct->pwd_changed > rule->max_age;
}

/* Past pwdGraceExpiry too: no grace login is let in, however many are left. */
static int
grace_expired(const struct dir_account *acct, const struct expiry_rule *rule,
    time_t now)
{
	return rule->grace_expiry > 0 &&
	    now - acct->pwd_changed > rule->max_age + rule->grace_expiry;
}

/*
 * The password's state: locked, to change, expired. The login id's hints
 * (what this login's bind said) come first: after the last grace login the
 * entry says no grace is left, yet that login may still change it.
 */
static int
password_verdict(struct job *j, const struct dir_account *acct,
    const struct expiry_rule *rule, char *reason, size_t reasonlen)
{
	time_t now = time(NULL);
	unsigned left;

	if (acct->locked) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
		snprintf(reason, reasonlen, "locked");
		return AUTHD_R_MAXTRIES;
	}
	if (acct->pwd_reset || j->hint_must_change) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_MUST_CHANGE);
		snprintf(reason, reasonlen, "must change (reset)");
		return AUTHD_R_NEW_AUTHTOK_REQD;
	}
	if (j->hint_grace >= 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_MUST_CHANGE_GRACE);
		snprintf(reason, reasonlen, "must change (expired, grace login)");
		return AUTHD_R_NEW_AUTHTOK_REQD;
	}
	/*
	 * No bind told it (sshd after a key, another connection): the
	 * policy's pwdMaxAge says, and pwdGraceAuthNLimit less the entry's
	 * grace logins used (pwdGraceUseTime) whether the next bind, the
	 * change's, would still be let in. None left: what a password login
	 * meets (MSG_PW_EXPIRED), as pam_unix's PAM_ACCT_EXPIRED when shadow
	 * allows no change any more.
	 */
	if (password_expired(acct, rule, now)) {
		left = rule->grace_limit > acct->grace_used ?
		    rule->grace_limit - acct->grace_used : 0;
		if (left > 0 && grace_expired(acct, rule, now)) {
			job_add_line(j, AUTHD_STEP_ERROR, MSG_PW_EXPIRED);
			snprintf(reason, reasonlen, "password expired, no grace "
			    "login left (pwdGraceExpiry passed since pwdChangedTime "
			    "+ pwdMaxAge)");
			return AUTHD_R_ACCT_EXPIRED;
		}
		if (left == 0) {
			job_add_line(j, AUTHD_STEP_ERROR, MSG_PW_EXPIRED);
			snprintf(reason, reasonlen, "password expired, no grace "
			    "login left (pwdChangedTime + pwdMaxAge passed; "
			    "%u grace login%s used)", acct->grace_used,
			    acct->grace_used == 1 ? "" : "s");
			return AUTHD_R_ACCT_EXPIRED;
		}
		job_add_line(j, AUTHD_STEP_ERROR, MSG_MUST_CHANGE_GRACE);
		if (acct->grace_used > 0)
			snprintf(reason, reasonlen, "must change (expired; the "
			    "entry records %u grace login%s used)",
			    acct->grace_used, acct->grace_used == 1 ? "" : "s");
		else
			snprintf(reason, reasonlen, "must change (expired: "
			    "pwdChangedTime + pwdMaxAge passed; %u grace "
			    "login%s left)", left, left == 1 ? "" : "s");
		return AUTHD_R_NEW_AUTHTOK_REQD;
	}
	/* the policy unread: the entry's own record of grace logins (dir.c) */
	if (acct->grace_used > 0) {
		job_add_line(j, AUTHD_STEP_ERROR, MSG_MUST_CHANGE_GRACE);
		snprintf(reason, reasonlen, "must change (expired; the entry "
		    "records %u grace login%s used)", acct->grace_used,
		    acct->grace_used == 1 ? "" : "s");
		return AUTHD_R_NEW_AUTHTOK_REQD;
	}
	return AUTHD_R_SUCCESS;
}

/* The account and its password; AUTHD_R_SUCCESS when it may log in. */
static int
account_verdict(struct job *j, const struct dir_account *acct,
    const struct expiry_rule *rule, char *reason, size_t reasonlen)
{
	int v;

	if ((v = account_standing(j, acct, reason, reasonlen)) != AUTHD_R_SUCCESS)
		return v;
	if ((v = password_verdict(j, acct, rule, reason, reasonlen)) !=
	    AUTHD_R_SUCCESS)
		return v;
	snprintf(reason, reasonlen, "account valid (type %s)",
	    acct->type[0] != '\0' ? acct->type : "regular");
	return AUTHD_R_SUCCESS;
}

/* Whether acct_ahead, if it applies, has what it needs on the event loop. */
static int
acct_ahead_ready(struct job *j, const struct dir_account *acct)
{
	struct expiry_rule rule;

	if (j->srv->conf->acct_ahead_ms <= 0 || j->req.version < 2)
		return 1;
	return password_rule(j, NULL, acct, &rule) == DIR_OK;
}

/*
 * acct_mgmt decided with a successful authentication (acct_ahead_ms): login
 * programs ask it right after, and the module answers it from this decision,
 * saving a round trip and a second wait for the disk. Only the plain case is
 * decided ahead: an account that may log in, with nothing to tell. A
 * privileged account (its grant is read again when asked), a password to
 * change and every refusal are left to ACCT_MGMT. The record says so, and
 * is written with the authentication's, in the same write. Returns the
 * milliseconds the decision is good for, with its record's reason and
 * extra; 0 when acct_mgmt must ask.
 */
static int
acct_ahead(struct job *j, struct dir_conn *dc, const char *dn, char *reason,
    size_t reasonlen, char *extra, size_t extralen)
{
	int ms = j->srv->conf->acct_ahead_ms;
	size_t nlines = j->nlines;
	struct dir_account acct;
	struct expiry_rule rule;
	struct timespec now;
	long long left;

	/* ACCT_AHEAD_MS is a version-2 field: a version-1 module asks anyway */
	if (ms <= 0 || j->req.version < 2 || j->must_change || j->grace_left >= 0)
		return 0;
	/*
	 * The account as it is now, as ACCT_MGMT would read it: the plan's
	 * reading is from before the person typed (a conversation may last
	 * minutes, and the account may have been disabled meanwhile).
	 */
	if (decide_lookup(j, dc, &acct) != DIR_OK || strcmp(acct.dn, dn) != 0 ||
	    !decide_peer_may_act(j, &acct) || priv_is_privileged(&acct))
		return 0;
	/* its policy not at hand (changed since the plan's): ACCT_MGMT asks */
	if (password_rule(j, dc, &acct, &rule) != DIR_OK)
		return 0;
	j->hint_must_change = 0;
	j->hint_grace = -1;
	if (account_verdict(j, &acct, &rule, reason, reasonlen) !=
	    AUTHD_R_SUCCESS) {
		j->nlines = nlines;    /* its messages are ACCT_MGMT's to show */
		return 0;
	}
	/* never past the account's validity: acct_mgmt then refuses it */
	clock_gettime(CLOCK_REALTIME, &now);
	left = dir_account_ms_left(&acct, (long long)now.tv_sec * 1000 +
	    now.tv_nsec / 1000000);
	if (left <= 0)
		return 0;
	if (left < ms)
		ms = (int)left;
	snprintf(reason + strlen(reason), reasonlen - strlen(reason),
	    "; decided with the authentication, for acct_mgmt within %d ms", ms);
	snprintf(extra, extralen, " login_id=%s", j->login_id);
	return ms;
}

/*
 * The person a request after authentication is about. DIR_OK with *acct_r
 * when found and the caller may act for them; DIR_NO_CONN (j->need_dir set)
 * when only a worker can look; otherwise the refusal in *result_r and
 * reason (no oracle for root, none for others either).
 */
static int
account_for(struct job *j, struct dir_conn *dc, struct dir_account *acct_r,
    char *reason, size_t reasonlen, int *result_r)
{
	int st = decide_lookup(j, dc, acct_r);

	if (st == DIR_NO_CONN) {
		j->need_dir = 1;
		return st;
	}
	if (st == DIR_NOT_FOUND || (st == DIR_OK && !decide_peer_may_act(j, acct_r))) {
		*result_r = j->req.peer_uid == 0 ? AUTHD_R_USER_UNKNOWN :
		    AUTHD_R_PERM_DENIED;
		snprintf(reason, reasonlen, st == DIR_NOT_FOUND ?
		    "unknown user" : "peer not allowed");
		return DIR_NOT_FOUND;
	}
	if (st != DIR_OK) {
		*result_r = AUTHD_R_AUTHINFO_UNAVAIL;
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, reasonlen, "directory unavailable: %s",
		    dir_conn_error(dc));
	}
	return st;
}

void
decide_acct_mgmt(struct job *j, struct dir_conn *dc)
{
	struct dir_account acct;
	struct expiry_rule rule;
	char reason[1100], why[512], extra[512];
	int st, result;

	if ((st = account_for(j, dc, &acct, reason, sizeof(reason),
	    &result)) == DIR_NO_CONN)
		return;
	if (st == DIR_OK && password_rule(j, dc, &acct, &rule) == DIR_NO_CONN) {
		/* the policy's copy is due: a worker reads it, then decides */
		j->need_dir = 1;
		return;
	}
	if (st == DIR_OK)
		result = account_verdict(j, &acct, &rule, reason, sizeof(reason));
	extra[0] = '\0';
	if (result == AUTHD_R_SUCCESS && priv_is_privileged(&acct)) {
		if (dc == NULL) {
			/* the grants are read from the directory */
			j->nlines = 0;
			j->need_dir = 1;
			return;
		}
		result = privileged_grant(j, dc, &acct, why, sizeof(why));
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason),
		    "; %s", why);
		if (result == AUTHD_R_SUCCESS)
			grant_extra(j, extra, sizeof(extra));
	}
	decide_finish(j, "acct_mgmt", result, reason, extra[0] != '\0' ? extra : NULL);
}

static int
chauthtok_verdict(struct job *j, int st, const char *msg, char *reason,
    size_t reasonlen)
{
	switch (st) {
	case DIR_OK:
		job_add_line(j, AUTHD_STEP_INFO, MSG_CHANGED);
		snprintf(reason, reasonlen, "password changed");
		return AUTHD_R_SUCCESS;
	case DIR_QUALITY:
		job_add_line(j, AUTHD_STEP_ERROR, msg[0] != '\0' ? msg :
		    MSG_NOT_CHANGED);
		snprintf(reason, reasonlen, "new password refused: %s", msg);
		return AUTHD_R_AUTHTOK_ERR;
	case DIR_WRONG_OLD:
	case DIR_INVALID:
		snprintf(reason, reasonlen, "wrong current password");
		return AUTHD_R_AUTHTOK_RECOVERY_ERR;
	case DIR_LOCKED:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_LOCKED);
		snprintf(reason, reasonlen, "locked");
		return AUTHD_R_MAXTRIES;
	case DIR_EXPIRED:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_NO_GRACE_TO_CHANGE);
		snprintf(reason, reasonlen, "password expired, no grace login "
		    "left to change it");
		return AUTHD_R_AUTHTOK_ERR;
	case DIR_UNAVAILABLE:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_UNAVAILABLE);
		snprintf(reason, reasonlen, "directory unavailable: %s", msg);
		return AUTHD_R_AUTHINFO_UNAVAIL;
	default:
		job_add_line(j, AUTHD_STEP_ERROR, MSG_NOT_CHANGED);
		snprintf(reason, reasonlen, "directory refused the change: %s", msg);
		return AUTHD_R_AUTHTOK_ERR;
	}
}

/*
 * An account that may not log in (its state, dates, type or name) may not
 * change its password either; told only to whoever gives the current one
 * (a bind, no change), so that it is no oracle. Else 0, nothing shown.
 */
static int
chauthtok_account_refused(struct job *j, struct dir_conn *dc,
    const struct dir_account *acct, char *reason, size_t reasonlen,
    int *result_r)
{
	struct dir_bind_result br;
	size_t nlines = j->nlines;
	char why[256];
	int st, v;

	v = account_standing(j, acct, why, sizeof(why));
	if (v == AUTHD_R_SUCCESS) {
		/* locked, must change and expired are ppolicy's to say at the
		 * change */
		j->nlines = nlines;
		return 0;
	}
	st = dir_password_bind(dc, acct->dn, j->old_pw, &br);
	if (st != DIR_OK) {
		j->nlines = nlines;
		*result_r = chauthtok_verdict(j, st, br.message, reason,
		    reasonlen);
		return 1;
	}
	*result_r = AUTHD_R_PERM_DENIED;
	snprintf(reason, reasonlen, "password not changed: %s", why);
	return 1;
}

void
decide_chauthtok(struct job *j, struct dir_conn *dc)
{
	struct dir_account acct;
	struct dir_bind_result br;
	struct lockout_rule rule;
	char reason[512], msg[256], lost[320] = "";
	int st, result, held;

	if ((st = account_for(j, dc, &acct, reason, sizeof(reason),
	    &result)) == DIR_NO_CONN)
		return;
	if (st == DIR_NOT_FOUND && j->req.peer_uid == 0) {
		/*
		 * Root's caller may not be the person (a password-change
		 * service): an unknown user is a wrong current password, at the
		 * cost of a bind (the timing entry's).
		 */
		result = AUTHD_R_AUTHTOK_RECOVERY_ERR;
		/* the bind a person's change makes counts, and locks */
		(void)decoy_lockout(j, dc, &rule);
		if (decoy_locked_now(j, &rule)) {
			bind_nowhere(j, dc);
			result = decoy_refuse_locked(j, reason, sizeof(reason));
		} else {
			(void)dir_password_bind(dc, NULL, j->old_pw, &br);
			if (decoy_attempt_locked(j, &rule))
				result = decoy_refuse_locked(j, reason,
				    sizeof(reason));
		}
	} else if (st == DIR_OK && !chauthtok_account_refused(j, dc, &acct,
	    reason, sizeof(reason), &result)) {
		msg[0] = '\0';
		held = j->grace_ld != NULL && strcmp(j->grace_dn, acct.dn) == 0;
		/* after the last grace login a bind would be refused: the
		 * login's own handle, still bound as the person */
		if (held && (st = dir_password_change_bound(dc, j->grace_ld,
		    acct.dn, j->old_pw, j->new_pw, msg, sizeof(msg))) ==
		    DIR_UNAVAILABLE) {
			/*
			 * That connection is gone (the server restarted or
			 * closed it): the change binds as anyone's, and the
			 * directory says what holds now (no grace left, or
			 * unreachable), not "try again later" for ever.
			 */
			snprintf(lost, sizeof(lost), "; the connection of the "
			    "last grace login was lost (%s)", msg[0] != '\0' ?
			    msg : dir_conn_error(dc));
			held = 0;
			msg[0] = '\0';
		}
		if (!held)
			st = dir_password_change(dc, acct.dn, j->old_pw,
			    j->new_pw, msg, sizeof(msg));
		if (st == DIR_UNAVAILABLE && msg[0] == '\0')
			snprintf(msg, sizeof(msg), "%s", dir_conn_error(dc));
		result = chauthtok_verdict(j, st, msg, reason, sizeof(reason));
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason),
		    "%s%s", held ? "; on the connection of the last grace login" :
		    "", lost);
		if (st == DIR_QUALITY)
			j->quality_refused = 1;   /* the engine may ask again */
	}
	explicit_bzero(j->old_pw, sizeof(j->old_pw));
	explicit_bzero(j->new_pw, sizeof(j->new_pw));
	decide_finish(j, "chauthtok", result, reason, NULL);
}

void
decide_audit_only(struct job *j, struct dir_conn *dc)
{
	(void)dc;
	decide_finish(j, j->audit_event, j->audit_result, j->audit_reason, NULL);
}
