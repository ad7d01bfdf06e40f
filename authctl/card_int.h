/*
 * What the card commands share (card.c, card_life.c, card_report.c): the
 * lookup of a card by serial, the one-active-card rule, the history value,
 * and adding a card entry.
 */
#ifndef AUTHCTL_CARD_INT_H
#define AUTHCTL_CARD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "authctl.h"
#include "authd/card.h"

/* A card as the lifecycle commands need it. */
struct actl_card {
	char dn[512];
	char holder[256];                 /* uid */
	char serial[CARD_SERIAL_MAX + 1];
	int state;                        /* enum card_state as stored; -1 unknown */
	time_t suspended_until;           /* 0: none */
	time_t valid_until;               /* 0: unknown */
};

/* Serials become RDN values: A-Z a-z 0-9 . _ : - only. */
int actl_card_valid_serial(const char *s);
int actl_card_read_file(const char *path, uint8_t *buf, size_t bufsz, size_t *len_r);
/* The holder's uid from a card's DN (the RDN after the card's own). */
void actl_card_holder_of(const char *dn, char *out, size_t outsz);

/*
 * The card with this serial. ACTL_OK; ACTL_FAIL after printing "no card
 * with serial S" or the directory's error.
 */
int actl_card_find(struct actl *a, const char *serial, struct actl_card *c_r);

/*
 * Does the person (person_dn) have a card other than except (may be NULL)
 * that is active or suspended (one active card per person: a suspension
 * ends by itself)? 1 with its serial and state in serial_r/state_r, 0 no,
 * -1 error (printed).
 */
int actl_card_slot_taken(struct actl *a, const char *person_dn,
    const char *except, char *serial_r, size_t serialsz, int *state_r);

/* "TIME STATE <ACTOR-DN> REASON", the value of authdCardHistory. */
void actl_card_history(const struct actl *a, time_t now, const char *state,
    const char *reason, char *out, size_t outsz);

/* GeneralizedTime (UTC) of t into out (at least 16 bytes). */
void actl_card_gtime(time_t t, char *out, size_t outsz);

/*
 * Add a card for uid from cert_file: state ("issued" or "active"), serial
 * (NULL: the certificate's), replaces (NULL or the old card's serial),
 * reason (history text). Checks that the certificate and serial are new,
 * and for "active" the one-active-card rule. Records event. The serial
 * used goes to serial_r. ACTL_OK, ACTL_FAIL or ACTL_USAGE (printed).
 */
int actl_card_add(struct actl *a, const char *event, const char *uid,
    const char *cert_file, const char *serial, const char *state,
    const char *replaces, const char *reason, char *serial_r, size_t serialsz);

/* Is the acting person the card's holder? (They never change their own card.) */
int actl_card_is_own(const struct actl *a, const struct actl_card *c);

#endif
