/*
 * Running as authd's own account (privdrop.h).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "privdrop.h"

int
privdrop_resolve(const char *name, struct privdrop *pd, char *err,
    size_t errlen)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int n = PRIVDROP_GROUPS_MAX, e;

	memset(pd, 0, sizeof(*pd));
	if (strlen(name) >= sizeof(pd->name)) {
		snprintf(err, errlen, "user: '%.40s...' is too long for an "
		    "account name", name);
		return AUTHD_ERR_CONFIG;
	}
	if ((e = getpwnam_r(name, &pw, buf, sizeof(buf), &found)) != 0 ||
	    found == NULL) {
		snprintf(err, errlen, "user: no local account '%s'%s%s (make "
		    "one: useradd --system --no-create-home --shell "
		    "/usr/sbin/nologin %s)", name, e != 0 ? ": " : "",
		    e != 0 ? strerror(e) : "", name);
		return AUTHD_ERR_CONFIG;
	}
	if (pw.pw_uid == 0) {
		snprintf(err, errlen, "user: '%s' is root's account; name an "
		    "account of authd's own, or leave user out to run as root",
		    name);
		return AUTHD_ERR_CONFIG;
	}
	snprintf(pd->name, sizeof(pd->name), "%s", name);
	pd->uid = pw.pw_uid;
	pd->gid = pw.pw_gid;
	if (getgrouplist(name, pw.pw_gid, pd->groups, &n) == -1) {
		snprintf(err, errlen, "user: '%s' is in more than %d groups",
		    name, PRIVDROP_GROUPS_MAX);
		return AUTHD_ERR_CONFIG;
	}
	pd->ngroups = n;
	return AUTHD_OK;
}

/* The highest capability this kernel knows. */
static int
last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f != NULL) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

static int
fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "user: cannot %s: %s", what, strerror(errno));
	return AUTHD_ERR_PERM;
}

int
privdrop_apply(const struct privdrop *pd, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];
	uid_t r, e, s;
	int cap, last = last_cap();

	/* out of the bounding set: never to be had again, by exec or else */
	for (cap = 0; cap <= last; cap++)
		if (cap != CAP_KILL && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)
			return fail(err, errlen, "drop the capabilities");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		return fail(err, errlen, "keep CAP_KILL");
	if (setgroups((size_t)pd->ngroups, pd->groups) == -1 ||
	    setresgid(pd->gid, pd->gid, pd->gid) == -1)
		return fail(err, errlen, "take the account's groups");
	if (setresuid(pd->uid, pd->uid, pd->uid) == -1)
		return fail(err, errlen, "become the account");
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = 1u << CAP_KILL;
	if (syscall(SYS_capset, &hdr, data) == -1)
		return fail(err, errlen, "keep CAP_KILL");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return fail(err, errlen, "set no_new_privs");
	/* no way back */
	if (setresuid(0, 0, 0) != -1 || getresuid(&r, &e, &s) == -1 ||
	    r != pd->uid || e != pd->uid || s != pd->uid) {
		snprintf(err, errlen, "user: still able to become root after "
		    "the change to %s", pd->name);
		return AUTHD_ERR_PERM;
	}
	return AUTHD_OK;
}
