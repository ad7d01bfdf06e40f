#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "dir_card.h"
#include "err.h"
#include "schema.h"

int
dir_card_load_active(struct dir_conn *c, const char *person_dn,
    struct card_reg *regs, size_t max, size_t *n_r)
{
	static const char *const attrs[] = {
		AUTHD_AT_CARD_CERT, AUTHD_AT_CARD_SERIAL, NULL
	};
	struct berval **cert = NULL, **serial = NULL;
	LDAPMessage *res = NULL, *e;
	LDAP *ld = NULL;
	char filter[256], stamp[32];
	int st, truncated = 0;

	*n_r = 0;
	/* Active, or suspended with an end time that has passed (card left at home). */
	if (dir_format_gentime(time(NULL), stamp, sizeof(stamp)) != 0)
		return DIR_ERROR;
	snprintf(filter, sizeof(filter), "(&(objectClass=" AUTHD_OC_CARD ")(|("
	    AUTHD_AT_CARD_STATE "=" AUTHD_CARD_ACTIVE ")(&(" AUTHD_AT_CARD_STATE
	    "=suspended)(authdCardSuspendedUntil<=%s))))", stamp);
	st = dir_service_search(c, person_dn, filter, attrs, (int)max + 1,
	    &ld, &res, &truncated);
	if (st == DIR_NOT_FOUND)
		return DIR_OK;          /* the person went away: no cards */
	if (st != DIR_OK)
		return st;
	for (e = ldap_first_entry(ld, res); e != NULL && *n_r < max;
	    e = ldap_next_entry(ld, e)) {
		cert = ldap_get_values_len(ld, e, AUTHD_AT_CARD_CERT);
		serial = ldap_get_values_len(ld, e, AUTHD_AT_CARD_SERIAL);
		/* a card without its certificate can prove nothing: skipped */
		if (cert != NULL && cert[0] != NULL &&
		    card_fingerprint((const uint8_t *)cert[0]->bv_val,
		    cert[0]->bv_len, regs[*n_r].fpr) == AUTHD_OK) {
			snprintf(regs[*n_r].serial, sizeof(regs[*n_r].serial), "%.*s",
			    serial != NULL && serial[0] != NULL ?
			    (int)serial[0]->bv_len : 0,
			    serial != NULL && serial[0] != NULL ?
			    serial[0]->bv_val : "");
			(*n_r)++;
		}
		ldap_value_free_len(cert);
		ldap_value_free_len(serial);
	}
	ldap_msgfree(res);
	return DIR_OK;
}
