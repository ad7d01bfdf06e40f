/*
 * verifier_card: a PIN-activated IC card, knowledge + possession (with
 * card_pin_policies, only a card whose certificate carries one of those
 * policies counts the PIN; any other is possession alone).
 * load() reads the person's active cards; start() sends a fresh 32-byte
 * challenge in a CARD_SIGN step; the module answers with the card's
 * certificate and its signature over SHA-256(challenge); check() asks
 * card.c for the verdict against card_ca_file (+ card_crl_file).
 *
 * The card's state comes from the card view (card_view.h) when it is in
 * step: load() takes the person's active cards from it without a search,
 * and check() confirms the card is still active, so a card reported lost
 * is refused as soon as the change reaches this host. A view out of step
 * for less than view_staleness falls back to directory reads; longer, and
 * card logins are refused (fail closed) with words for the person.
 * So are they when card_crl_file cannot vouch (no CRL for the CA, expired,
 * not yet valid, badly signed): both are the host's state, not a failed
 * factor, and neither counts toward the person's lockout.
 *
 * A PIN the card refused comes back as ANSWER_STATUS 1 with ANSWER "pin
 * refused": the card keeps its own retry counter, and authd counts the
 * attempt as a failed factor like any other (the engine's one lockout
 * counter), so a right password with wrong PINs still locks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "card.h"
#include "card_view.h"
#include "dir_card.h"
#include "err.h"
#include "log.h"
#include "schema.h"
#include "verifier.h"

#define CARD_CHALLENGE_LEN 32

/* verify_input.authdata is not used by cards: it carries the module's
 * failure word (one byte) when the card step did not produce a signature. */
#define FAIL_CANCELLED    1
#define FAIL_PIN_REFUSED  2
#define FAIL_PIN_LOCKED   3
#define FAIL_CARD_ERROR   4

#define MSG_CARD_STATUS_UNKNOWN \
	"Card status cannot be confirmed now; try another method or later."

/* A CRL that cannot vouch would be logged at every card login: once a
 * minute at most, with the count of the logins refused in between. */
#define CRL_LOG_INTERVAL_MS 60000

struct card_enrolment {
	size_t n;
	struct card_reg regs[CARD_MAX_ACTIVE];
};

/* The person's active cards: from the card view when in step, else read. */
static int
load_active(struct dir_conn *dc, const char *dn, struct card_enrolment *ce)
{
	struct card_view *cv = card_view_global();

	if (cv != NULL && card_view_active_for(cv, dn, ce->regs,
	    CARD_MAX_ACTIVE, &ce->n) == CARD_VIEW_FOUND)
		return DIR_OK;
	return dir_card_load_active(dc, dn, ce->regs, CARD_MAX_ACTIVE, &ce->n);
}

static int
card_load(struct dir_conn *dc, const struct verify_ctx *ctx,
    struct verify_enrolment *enr)
{
	struct card_enrolment *ce;
	int st;

	enr->usable = 0;
	enr->data = NULL;
	/* a host without a card CA cannot judge cards: the method is off */
	if (ctx->conf->card_ca_file == NULL || *ctx->conf->card_ca_file == '\0')
		return AUTHD_OK;
	if ((ce = calloc(1, sizeof(*ce))) == NULL)
		return DIR_ERROR;
	if ((st = load_active(dc, ctx->acct->dn, ce)) != DIR_OK) {
		free(ce);
		return st;
	}
	enr->data = ce;
	enr->usable = ce->n > 0;
	return AUTHD_OK;
}

static void
card_free_enrolment(struct verify_enrolment *enr)
{
	if (enr->data != NULL) {
		explicit_bzero(enr->data, sizeof(struct card_enrolment));
		free(enr->data);
	}
	enr->data = NULL;
	enr->usable = 0;
}

static int
card_start(const struct verify_ctx *ctx, const struct authd_msg *req,
    struct verify_input *in, struct verify_step *step_r)
{
	(void)req;
	/* the PIN is a prompt: use_first_pass forbids prompting */
	if (ctx->req_flags & AUTHD_REQ_NO_PROMPT)
		return VERIFY_NO_INPUT;
	if (RAND_bytes(in->challenge, CARD_CHALLENGE_LEN) != 1)
		return AUTHD_ERR_CRYPTO;
	in->challenge_len = CARD_CHALLENGE_LEN;
	in->cert_len = 0;
	in->signature_len = 0;
	in->authdata_len = 0;
	step_r->kind = AUTHD_STEP_CARD_SIGN;
	step_r->text = NULL;
	step_r->challenge = in->challenge;
	step_r->challenge_len = in->challenge_len;
	step_r->options = AUTHD_STEP_OPT_PIN;
	return VERIFY_STEP;
}

static int
card_answer(const struct verify_ctx *ctx, const struct authd_msg *ans,
    struct verify_input *in, struct verify_step *step_r)
{
	char word[32];
	uint8_t status = 0;
	int r;

	(void)ctx;
	(void)step_r;
	if ((r = authd_msg_get_u8(ans, AUTHD_F_ANSWER_STATUS, &status)) != AUTHD_OK &&
	    r != AUTHD_ERR_MISSING)
		return r;
	if (status == 2)
		return VERIFY_UNAVAILABLE;
	if (status != 0) {
		/* only known words reach the audit log */
		in->authdata_len = 1;
		in->authdata[0] = FAIL_CANCELLED;
		if (authd_msg_get_str(ans, AUTHD_F_ANSWER, word, sizeof(word)) ==
		    AUTHD_OK) {
			if (strcmp(word, "pin refused") == 0)
				in->authdata[0] = FAIL_PIN_REFUSED;
			else if (strcmp(word, "pin locked") == 0)
				in->authdata[0] = FAIL_PIN_LOCKED;
			else if (strcmp(word, "card error") == 0)
				in->authdata[0] = FAIL_CARD_ERROR;
		}
		return VERIFY_READY;
	}
	if ((r = authd_msg_get_bytes(ans, AUTHD_F_CERT, in->cert,
	    VERIFY_BLOB_MAX, &in->cert_len)) != AUTHD_OK ||
	    (r = authd_msg_get_bytes(ans, AUTHD_F_SIGNATURE, in->signature,
	    VERIFY_BLOB_MAX, &in->signature_len)) != AUTHD_OK)
		return r;
	return VERIFY_READY;
}

static void
fail(struct verify_result *res, int status, const char *reason,
    const char *message)
{
	res->status = status;
	res->categories = 0;
	snprintf(res->reason, sizeof(res->reason), "%s", reason);
	snprintf(res->message, sizeof(res->message), "%s", message);
}

/* The directory says, now, whether the card is one of the person's active. */
static int
active_in_directory(struct dir_conn *dc, const struct verify_ctx *ctx,
    const struct card_reg *reg, struct verify_result *res_r)
{
	struct card_enrolment now;
	size_t i;
	int st;

	memset(&now, 0, sizeof(now));
	if ((st = dir_card_load_active(dc, ctx->acct->dn, now.regs,
	    CARD_MAX_ACTIVE, &now.n)) != DIR_OK) {
		fail(res_r, st, "card state: directory unavailable", "");
		return -1;
	}
	for (i = 0; i < now.n; i++)
		if (memcmp(now.regs[i].fpr, reg->fpr, CARD_FPR_LEN) == 0)
			return 0;
	fail(res_r, DIR_INVALID, "card no longer active", "");
	return -1;
}

/*
 * After the signature: is the card still active? 0 when it is, else res_r
 * says why not. Without a card view the directory is asked again: the read
 * made when the login began may be older than a revocation since.
 */
static int
still_active(struct dir_conn *dc, const struct verify_ctx *ctx,
    const struct card_reg *reg, struct verify_result *res_r)
{
	struct card_view *cv = card_view_global();
	struct card_status cs;
	char fpr[CARD_FPR_HEX_LEN + 1], why[160];

	if (cv == NULL)
		return active_in_directory(dc, ctx, reg, res_r);
	card_fpr_hex(reg->fpr, fpr);
	switch (card_view_lookup(cv, fpr, &cs)) {
	case CARD_VIEW_FOUND:
		if (card_status_usable(&cs, time(NULL)))
			return 0;
		snprintf(why, sizeof(why), "card %s is %s%s%.32s", cs.serial,
		    cs.state[0] != '\0' ? cs.state : "without a state",
		    cs.suspended_until[0] != '\0' ? " until " : "",
		    cs.suspended_until);
		fail(res_r, DIR_INVALID, why, "");
		return -1;
	case CARD_VIEW_NOT_FOUND:
		fail(res_r, DIR_INVALID, "card no longer registered", "");
		return -1;
	case CARD_VIEW_RECENT:
		/* the view is behind, not yet stale: ask the directory */
		return active_in_directory(dc, ctx, reg, res_r);
	default:
		/* the host's state, not the person's: not a failed factor */
		snprintf(why, sizeof(why), "card status cannot be confirmed: the "
		    "card view has been out of step for more than %d s",
		    ctx->conf->view_staleness);
		fail(res_r, DIR_ERROR, why, MSG_CARD_STATUS_UNKNOWN);
		return -1;
	}
}

static long long
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* For the administrator: the workers share it, hence the atomics. */
static void
log_crl_cannot_vouch(const struct verify_ctx *ctx, const char *detail)
{
	static long long logged_ms;        /* 0: never */
	static unsigned long refused;      /* since the last line */
	long long now = monotonic_ms(), last;
	unsigned long n;

	__atomic_add_fetch(&refused, 1, __ATOMIC_RELAXED);
	last = __atomic_load_n(&logged_ms, __ATOMIC_RELAXED);
	if (last != 0 && now - last < CRL_LOG_INTERVAL_MS)
		return;
	/* one worker of those that see the minute out writes the line */
	if (!__atomic_compare_exchange_n(&logged_ms, &last, now, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	n = __atomic_exchange_n(&refused, 0, __ATOMIC_RELAXED);
	authd_log(LOG_ERR, "card_crl_file %s cannot vouch for the cards: %s; "
	    "card logins are refused (not counted against the people) until a "
	    "current CRL of the card CA is installed; %lu refused since the "
	    "last such line", ctx->conf->card_crl_file, detail, n);
}

/*
 * The CRL cannot vouch for the card (none for its CA, expired, not yet
 * valid, a bad signature): refused, as a stale CRL could hide a revoked
 * card, but not counted toward the person's lockout. The CRL is the host's
 * (its CA's publishing), not the person's: when publishing stops, counting
 * it would lock out every card user of every host at once.
 */
static void
crl_cannot_vouch(const struct verify_ctx *ctx, const char *detail,
    struct verify_result *res_r)
{
	char why[sizeof(res_r->reason)];

	log_crl_cannot_vouch(ctx, detail);
	snprintf(why, sizeof(why), "%s: %.100s", card_verdict_reason(CARD_NO_CRL),
	    detail);
	fail(res_r, DIR_ERROR, why, MSG_CARD_STATUS_UNKNOWN);
}

static void
card_check(struct dir_conn *dc, const struct verify_ctx *ctx,
    const struct verify_input *in, struct verify_result *res_r)
{
	const struct card_enrolment *ce = ctx->enr->data;
	char err[sizeof(((struct verify_result *)0)->reason)];
	size_t matched = 0;
	int v;

	if (in->authdata_len == 1) {
		switch (in->authdata[0]) {
		case FAIL_PIN_REFUSED:
			fail(res_r, DIR_INVALID, "card PIN refused",
			    "The card refused the PIN.");
			break;
		case FAIL_PIN_LOCKED:
			fail(res_r, DIR_INVALID, "card PIN locked",
			    "The card's PIN is locked. Contact your administrator.");
			break;
		case FAIL_CARD_ERROR:
			fail(res_r, DIR_INVALID, "card error on the client", "");
			break;
		default:
			fail(res_r, DIR_INVALID, "card step cancelled", "");
		}
		return;
	}
	v = card_verify(ctx->conf->card_ca_file, ctx->conf->card_crl_file,
	    in->cert, in->cert_len, in->challenge, in->challenge_len,
	    in->signature, in->signature_len, ce != NULL ? ce->regs : NULL,
	    ce != NULL ? ce->n : 0, time(NULL), &matched, err, sizeof(err));
	if (v == CARD_OK) {
		if (still_active(dc, ctx, &ce->regs[matched], res_r) != 0)
			return;
		res_r->status = DIR_OK;
		res_r->categories = FACTOR_KNOWLEDGE | FACTOR_POSSESSION;
		/* the PIN counts where the CA says its key needs one */
		if (ctx->conf->card_pin_policies != NULL &&
		    !card_cert_has_policy(in->cert, in->cert_len,
		    ctx->conf->card_pin_policies)) {
			res_r->categories = FACTOR_POSSESSION;
			snprintf(res_r->note, sizeof(res_r->note), "card without a "
			    "PIN policy of card_pin_policies: possession only");
		}
		snprintf(res_r->reason, sizeof(res_r->reason), "card %s",
		    ce->regs[matched].serial);
		res_r->message[0] = '\0';
		snprintf(res_r->credential, sizeof(res_r->credential), "card:%s",
		    ce->regs[matched].serial);
		card_fpr_hex(ce->regs[matched].fpr, res_r->credential_key);
		return;
	}
	if (v == CARD_ERROR) {
		/* the host's configuration, not the person: not a failed factor */
		fail(res_r, DIR_ERROR, err[0] != '\0' ? err : card_verdict_reason(v),
		    "");
		return;
	}
	if (v == CARD_NO_CRL) {
		crl_cannot_vouch(ctx, err[0] != '\0' ? err : "no detail", res_r);
		return;
	}
	/*
	 * Counted, as a failed factor: a revoked or expired card, another
	 * person's, a bad signature, and a card of an unknown CA too, which may
	 * be a forged one (a CA file that cannot be read is CARD_ERROR above).
	 * So is a certificate that is no card's (a CA's, one for another
	 * purpose) or too weak: the presented certificate's own fault, which
	 * other cards of the same CA do not share (a CA of card_ca_file too
	 * weak is CARD_ERROR above).
	 */
	if (v == CARD_TOO_WEAK && err[0] != '\0') {
		char why[sizeof(res_r->reason)];

		snprintf(why, sizeof(why), "%s: %.100s", card_verdict_reason(v),
		    err);
		fail(res_r, DIR_INVALID, why, "");
		return;
	}
	fail(res_r, DIR_INVALID, card_verdict_reason(v), "");
}

const struct verifier verifier_card = {
	.name = "card",
	.device = 1,
	.categories = FACTOR_KNOWLEDGE | FACTOR_POSSESSION,
	.load = card_load,
	.free_enrolment = card_free_enrolment,
	.start = card_start,
	.answer = card_answer,
	.check = card_check,
};
