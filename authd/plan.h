/*
 * The plan of one AUTHENTICATE: which methods to ask, in which order, to
 * meet the login policy with what this person has enrolled (decide_auth.c
 * builds it on a worker, auth.c walks it on the loop, decide_auth.c checks
 * it on a worker). It moves between the connection and its jobs, never
 * shared: whoever holds it frees it with plan_free().
 *
 * Order of asking: verifiers_all[] (password, card, fido2, totp). A method
 * is planned when it brings a category the policy still wants; methods
 * the person has but the plan does not need stay candidates, offered when
 * a planned one is unavailable on the client (ANSWER_STATUS 2, e.g. ssh).
 *
 * A decoy plan is played when the person is unknown, the caller may not act
 * for them, the policy is unreadable, or the person cannot meet the policy:
 * the prompts of a real plan of the policy, picked for the name (decoy.h),
 * so that the conversation says nothing about who exists.
 */
#ifndef AUTHD_PLAN_H
#define AUTHD_PLAN_H

#include <stddef.h>

#include "dir.h"
#include "policy.h"
#include "verifier.h"

#define PLAN_MAX_METHODS 8

enum plan_state {
	PM_CANDIDATE = 0,   /* allowed and enrolled, not (yet) asked */
	PM_PLANNED,         /* to ask */
	PM_COLLECTED,       /* its input is in */
	PM_DROPPED          /* the client cannot perform it */
};

enum plan_why {
	PLAN_REAL = 0,
	PLAN_UNKNOWN,       /* no such person */
	PLAN_PEER,          /* the caller may not act for this person */
	PLAN_INVALID,       /* the policy entry is unreadable */
	PLAN_UNMET,         /* the person has not enrolled enough */
	PLAN_DENIED_NAME    /* a default name (privileged.h): refused for anyone */
};

struct plan_method {
	const struct verifier *v;
	struct verify_enrolment enr;
	struct verify_input *in;   /* from plan_input(), when the method starts */
	unsigned cats;          /* what it can prove here at most */
	unsigned want;          /* what the plan counts on it for */
	enum plan_state state;
};

struct plan {
	struct policy_eff pol;
	struct dir_account acct;   /* the person, or a stand-in (dn "") */
	enum plan_why why;
	unsigned missing;          /* PLAN_UNMET: categories nobody can give */
	char enrolled[96];         /* PLAN_UNMET: usable allowed methods, "password" */
	struct plan_method m[PLAN_MAX_METHODS];
	size_t n;
	size_t cur;                /* the method being collected */
};

struct plan *plan_new(void);
/* free_enrolment() of each method, wipe, free. */
void plan_free(struct plan **pp);
/* Drop every method (enrolments and inputs freed): an empty plan. */
void plan_clear_methods(struct plan *p);
/*
 * The input buffers of method i, made when it starts (NULL: out of memory).
 * They are large (a certificate, a signature...) and most plans use one or
 * two methods, so a plan does not carry them for every method.
 */
struct verify_input *plan_input(struct plan *p, size_t i);
/* Wipe a method's input (a password, a code); no-op when it has none. */
void plan_input_wipe(struct plan_method *m);
/* Add a method (state PM_CANDIDATE); enr as load() left it. */
void plan_add(struct plan *p, const struct verifier *v,
    const struct verify_enrolment *enr);
/* Plan candidates until the policy is met (keeps what is planned or
 * collected); 1 when the planned and collected methods can meet it. */
int plan_select(struct plan *p);
/* The next method to collect, or -1 when every planned one is in. */
int plan_next(const struct plan *p);
/* "password,totp" for the methods in state st (or every usable with -1). */
void plan_names(const struct plan *p, int st, char *out, size_t outsz);
/* The context a verifier sees for method i. */
void plan_ctx(const struct plan *p, size_t i, const struct authd_conf *conf,
    const char *service, const char *rhost, uint32_t req_flags,
    struct verify_ctx *ctx_r);

/* One deliberately failed bind as dn (a random password), so that the
 * directory's ppolicy counts the failure and locks after pwdMaxFailure.
 * Returns what the bind said (DIR_INVALID, DIR_LOCKED, DIR_UNAVAILABLE...). */
int plan_burn_attempt(struct dir_conn *dc, const char *dn);

#endif
