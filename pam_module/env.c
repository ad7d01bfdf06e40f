/*
 * What authd hands to later stages (AUTHD_LOGIN_ID, AUTHD_SESSION_ID) goes
 * both into the PAM environment, which survives OpenSSH running the stages
 * in different processes, and into module data, which the user's own
 * environment files cannot touch.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "err.h"
#include "pam_authd.h"

#define ENV_PREFIX    "AUTHD_"
#define ENV_NAME_MAX  64

static void
free_data(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

/* NAME is AUTHD_ followed by [A-Z0-9_]: nothing else may reach the environment. */
static int
env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len <= strlen(ENV_PREFIX) || len >= ENV_NAME_MAX ||
	    strncmp(s, ENV_PREFIX, strlen(ENV_PREFIX)) != 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int
set_one(pam_handle_t *pamh, const char *nv)
{
	char key[sizeof(PAMAUTHD_DATA_PREFIX) + ENV_NAME_MAX];
	const char *eq = strchr(nv, '=');
	char *copy;
	int r;

	if (eq == NULL || !env_name_ok(nv, (size_t)(eq - nv))) {
		pam_syslog(pamh, LOG_WARNING, "ignoring environment entry "
		    "from authd that is not AUTHD_NAME=VALUE");
		return PAM_SUCCESS;
	}
	if ((r = pam_putenv(pamh, nv)) != PAM_SUCCESS)
		return r;
	snprintf(key, sizeof(key), "%s%.*s", PAMAUTHD_DATA_PREFIX,
	    (int)(eq - nv), nv);
	if ((copy = strdup(eq + 1)) == NULL)
		return PAM_BUF_ERR;
	if ((r = pam_set_data(pamh, key, copy, free_data)) != PAM_SUCCESS)
		free(copy);
	return r;
}

int
pamauthd_apply_env(pam_handle_t *pamh, const struct authd_msg *msg)
{
	char nv[AUTHD_STRING_MAX + 1];
	const struct authd_field *f;
	size_t i;
	int r;

	for (i = 0; i < msg->nfields; i++) {
		f = &msg->fields[i];
		if (f->tag != AUTHD_F_ENV)
			continue;
		if (f->len >= sizeof(nv) ||
		    (f->len > 0 && memchr(f->val, '\0', f->len) != NULL)) {
			pam_syslog(pamh, LOG_ERR, "malformed environment entry "
			    "from authd");
			return PAM_SYSTEM_ERR;
		}
		memcpy(nv, f->val, f->len);
		nv[f->len] = '\0';
		if ((r = set_one(pamh, nv)) != PAM_SUCCESS)
			return r;
	}
	return PAM_SUCCESS;
}

const char *
pamauthd_get_id(pam_handle_t *pamh, const char *name)
{
	char key[sizeof(PAMAUTHD_DATA_PREFIX) + ENV_NAME_MAX];
	const void *data = NULL;
	const char *v;

	snprintf(key, sizeof(key), "%s%s", PAMAUTHD_DATA_PREFIX, name);
	if (pam_get_data(pamh, key, &data) == PAM_SUCCESS && data != NULL &&
	    *(const char *)data != '\0')
		return data;
	v = pam_getenv(pamh, name);
	return v != NULL && *v != '\0' ? v : NULL;
}
