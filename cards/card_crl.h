/*
 * A CRL (X.509 v2, signed with the card CA's key) that lists the
 * certificates of every card no longer valid, so that systems outside
 * authd (VPN, web servers) refuse those cards too.
 */
#ifndef CARDS_CARD_CRL_H
#define CARDS_CARD_CRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* One card to list: its DER certificate, since when, and its state. */
struct card_crl_entry {
	const uint8_t *der;
	size_t der_len;
	time_t since;           /* revocation date; 0: now */
	int state;              /* enum card_state: picks the reason code */
};

/*
 * Make the CRL: issuer and signature from ca_cert_file (PEM) and
 * ca_key_file (PEM private key, which must match), thisUpdate now,
 * nextUpdate now + days, CRL number = now. Entries whose certificate was
 * not issued by that CA are skipped (counted in skipped_r). On success
 * (0) *pem_r is the malloc'd NUL-terminated PEM and listed_r the number
 * of serials in it; -1 with err filled otherwise.
 */
int card_crl_make(const char *ca_cert_file, const char *ca_key_file,
    const struct card_crl_entry *entries, size_t n, time_t now, int days,
    char **pem_r, size_t *listed_r, size_t *skipped_r, char *err, size_t errlen);

#endif
