/*
 * acct_mgmt answered ahead. When authd's RESULT of a successful AUTHENTICATE
 * carries ACCT_AHEAD_MS, authd has also decided ACCT_MGMT for this person
 * (they may log in, with nothing to tell) and recorded that decision. The
 * module keeps it with the PAM items it was made for; an acct_mgmt of the
 * same handle within that time, with the same items, returns it without
 * asking authd again. Anything else (a later call, another user, host or
 * terminal, a second authentication) asks authd as usual. The module still
 * decides nothing (DESIGN.md decision 5): it repeats authd's verdict.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "pam_authd.h"

/* The PAM items a decision was made for, as authd saw them in the request. */
static const int ahead_items[] = {
	PAM_SERVICE, PAM_USER, PAM_RHOST, PAM_TTY, PAM_RUSER
};
#define NITEMS (sizeof(ahead_items) / sizeof(ahead_items[0]))

struct ahead {
	uint64_t until_ms;                       /* CLOCK_MONOTONIC */
	pid_t pid;                               /* a forked child asks authd */
	char item[NITEMS][AUTHD_STRING_MAX + 1];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Item i as a string; 0 when it is unset, -1 when it does not fit. */
static int
get_item(pam_handle_t *pamh, size_t i, char *out, size_t outlen)
{
	const void *v = NULL;

	out[0] = '\0';
	if (pam_get_item(pamh, ahead_items[i], &v) != PAM_SUCCESS || v == NULL)
		return 0;
	if (strlen(v) >= outlen)
		return -1;
	strcpy(out, v);
	return 1;
}

static void
free_ahead(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

void
pamauthd_ahead_drop(pam_handle_t *pamh)
{
	const void *v = NULL;

	if (pam_get_data(pamh, PAMAUTHD_DATA_ACCT_AHEAD, &v) == PAM_SUCCESS &&
	    v != NULL)
		(void)pam_set_data(pamh, PAMAUTHD_DATA_ACCT_AHEAD, NULL, NULL);
}

void
pamauthd_ahead_note(pam_handle_t *pamh, const struct authd_msg *msg)
{
	struct ahead *a;
	uint32_t ms;
	size_t i;

	pamauthd_ahead_drop(pamh);
	if (authd_msg_get_u32(msg, AUTHD_F_ACCT_AHEAD_MS, &ms) != AUTHD_OK ||
	    ms == 0 || (a = calloc(1, sizeof(*a))) == NULL)
		return;
	a->until_ms = now_ms() + ms;
	a->pid = getpid();
	for (i = 0; i < NITEMS; i++)
		if (get_item(pamh, i, a->item[i], sizeof(a->item[i])) < 0) {
			free(a);
			return;
		}
	if (pam_set_data(pamh, PAMAUTHD_DATA_ACCT_AHEAD, a, free_ahead) !=
	    PAM_SUCCESS)
		free(a);
}

int
pamauthd_ahead_take(pam_handle_t *pamh)
{
	char cur[AUTHD_STRING_MAX + 1];
	const void *v = NULL;
	const struct ahead *a;
	int ok;
	size_t i;

	if (pam_get_data(pamh, PAMAUTHD_DATA_ACCT_AHEAD, &v) != PAM_SUCCESS ||
	    v == NULL)
		return 0;
	a = v;
	ok = a->pid == getpid() && now_ms() < a->until_ms;
	for (i = 0; ok && i < NITEMS; i++)
		ok = get_item(pamh, i, cur, sizeof(cur)) >= 0 &&
		    strcmp(cur, a->item[i]) == 0;
	/* Used once: a second acct_mgmt of the handle asks authd. */
	pamauthd_ahead_drop(pamh);
	return ok;
}
