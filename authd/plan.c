#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "plan.h"
#include "secret.h"

struct plan *
plan_new(void)
{
	return calloc(1, sizeof(struct plan));
}

void
plan_free(struct plan **pp)
{
	struct plan *p;

	if (pp == NULL || (p = *pp) == NULL)
		return;
	plan_clear_methods(p);
	explicit_bzero(p, sizeof(*p));
	free(p);
	*pp = NULL;
}

void
plan_clear_methods(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->m[i].v->free_enrolment != NULL)
			p->m[i].v->free_enrolment(&p->m[i].enr);
	for (i = 0; i < PLAN_MAX_METHODS; i++) {
		plan_input_wipe(&p->m[i]);
		free(p->m[i].in);
	}
	explicit_bzero(p->m, sizeof(p->m));
	p->n = 0;
	p->cur = 0;
}

struct verify_input *
plan_input(struct plan *p, size_t i)
{
	if (p->m[i].in == NULL)
		p->m[i].in = calloc(1, sizeof(*p->m[i].in));
	return p->m[i].in;
}

/* The min of a length the client gave and the array it was copied to. */
static size_t
filled(size_t len, size_t size)
{
	return len < size ? len : size;
}

/*
 * The secret, and what else the client sent as far as it went: not all
 * 17 KB of blobs, three times a login, when a password used 20 bytes. A
 * blob cut short by a bad field has no length; it is no secret (a
 * signature, a certificate, authenticator data, a credential id).
 */
void
plan_input_wipe(struct plan_method *m)
{
	struct verify_input *in = m->in;

	if (in == NULL)
		return;
	explicit_bzero(in->secret, sizeof(in->secret));
	explicit_bzero(in->challenge, sizeof(in->challenge));
	explicit_bzero(in->authdata, filled(in->authdata_len, sizeof(in->authdata)));
	explicit_bzero(in->signature, filled(in->signature_len, sizeof(in->signature)));
	explicit_bzero(in->cred_id, filled(in->cred_id_len, sizeof(in->cred_id)));
	explicit_bzero(in->cert, filled(in->cert_len, sizeof(in->cert)));
	in->have_secret = 0;
	in->challenge_len = in->authdata_len = in->signature_len = 0;
	in->cred_id_len = in->cert_len = 0;
	in->bound = 0;
	in->bound_status = 0;
	explicit_bzero(&in->bound_result, sizeof(in->bound_result));
}

void
plan_add(struct plan *p, const struct verifier *v,
    const struct verify_enrolment *enr)
{
	struct plan_method *m;

	if (p->n == PLAN_MAX_METHODS)
		return;
	m = &p->m[p->n++];
	memset(m, 0, sizeof(*m));
	m->v = v;
	m->enr = *enr;
	m->cats = enr->categories != 0 ? enr->categories & v->categories :
	    v->categories;
	m->state = PM_CANDIDATE;
}

static unsigned
wanted_of(const struct policy_req *r, unsigned have, unsigned cats)
{
	unsigned want = 0, bit;

	for (bit = FACTOR_KNOWLEDGE; bit <= FACTOR_INHERENCE; bit <<= 1)
		if ((cats & bit) && policy_wants(r, have | want, bit))
			want |= bit;
	return want;
}

int
plan_select(struct plan *p)
{
	unsigned have = 0, want;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->m[i].state == PM_PLANNED || p->m[i].state == PM_COLLECTED)
			have |= p->m[i].cats;
	for (i = 0; i < p->n && !policy_satisfied(&p->pol.req, have); i++) {
		if (p->m[i].state != PM_CANDIDATE)
			continue;
		if ((want = wanted_of(&p->pol.req, have, p->m[i].cats)) == 0)
			continue;
		p->m[i].state = PM_PLANNED;
		p->m[i].want = want;
		have |= p->m[i].cats;
	}
	return policy_satisfied(&p->pol.req, have);
}

int
plan_next(const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->m[i].state == PM_PLANNED)
			return (int)i;
	return -1;
}

void
plan_names(const struct plan *p, int st, char *out, size_t outsz)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < p->n && n < outsz; i++) {
		if (st >= 0 && (int)p->m[i].state != st)
			continue;
		if (st < 0 && !p->m[i].enr.usable)
			continue;
		n += (size_t)snprintf(out + n, outsz - n, "%s%s", n > 0 ? "," : "",
		    p->m[i].v->name);
	}
	if (out[0] == '\0')
		snprintf(out, outsz, "none");
}

void
plan_ctx(const struct plan *p, size_t i, const struct authd_conf *conf,
    const char *service, const char *rhost, uint32_t req_flags,
    struct verify_ctx *ctx_r)
{
	memset(ctx_r, 0, sizeof(*ctx_r));
	ctx_r->conf = conf;
	ctx_r->acct = &p->acct;
	/* The verifier may fill its enrolment (load); the plan owns it. */
	ctx_r->enr = (struct verify_enrolment *)(uintptr_t)&p->m[i].enr;
	ctx_r->service = service;
	ctx_r->rhost = rhost;
	ctx_r->req_flags = req_flags;
	ctx_r->want = p->m[i].want;
	ctx_r->decoy = p->why != PLAN_REAL;
}

int
plan_burn_attempt(struct dir_conn *dc, const char *dn)
{
	struct dir_bind_result br;
	char wrong[65];
	int st;

	memset(&br, 0, sizeof(br));
	/* 256 random bits: never anyone's password. */
	if (authd_random_hex(wrong, sizeof(wrong), 32) != AUTHD_OK)
		return DIR_ERROR;
	st = dir_password_bind(dc, dn, wrong, &br);
	explicit_bzero(wrong, sizeof(wrong));
	return st;
}
