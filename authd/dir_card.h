/* The cards of one person in the directory (read as authd's identity). */
#ifndef AUTHD_DIR_CARD_H
#define AUTHD_DIR_CARD_H

#include <stddef.h>

#include "card.h"
#include "dir.h"

/*
 * The person's active cards (authdCard children of person_dn) into regs,
 * at most max; the fingerprint is computed from the stored certificate.
 * DIR_OK (also with none), or DIR_UNAVAILABLE / DIR_REFUSED / DIR_ERROR.
 */
int dir_card_load_active(struct dir_conn *c, const char *person_dn,
    struct card_reg *regs, size_t max, size_t *n_r);

#endif
