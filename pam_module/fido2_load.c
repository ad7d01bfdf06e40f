/*
 * Loading pam_authd_fido2.so (fido2_plugin.h) from the directory this
 * module was loaded from, so that an installed module and one in a build
 * tree each find their own.
 *
 * The plugin runs inside every login program that meets a FIDO2 step, so
 * it is refused unless it and its directory belong to root and only root
 * may write them (the rule the module applies to authd's socket). It is
 * loaded once per process and never unloaded: libcrypto, which it brings,
 * cannot be unloaded safely. A refused or missing plugin only means "no
 * FIDO2 key here" to the caller, and is looked at again on the next step.
 */
#include "config.h"

#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "fido2_plugin.h"

static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;
static pamauthd_fido2_assert_fn *plugin_fn;

/* dir and dir/pam_authd_fido2.so, dir being where this object lives. */
static int
plugin_path(char *dir, char *path, size_t sz)
{
	Dl_info info;
	const char *slash;
	int n;

	/* any address inside this object names its file */
	if (dladdr(&plugin_fn, &info) == 0 || info.dli_fname == NULL ||
	    (slash = strrchr(info.dli_fname, '/')) == NULL)
		return -1;
	n = snprintf(dir, sz, "%.*s", (int)(slash - info.dli_fname),
	    info.dli_fname);
	if (n < 0 || (size_t)n >= sz)
		return -1;
	if (dir[0] == '\0')
		(void)strcpy(dir, "/");
	n = snprintf(path, sz, "%.*s/%s", (int)(slash - info.dli_fname),
	    info.dli_fname, PAMAUTHD_FIDO2_PLUGIN);
	return n < 0 || (size_t)n >= sz ? -1 : 0;
}

/* 0 when path is a file (or directory) of root's that only root may write. */
static int
root_only(pam_handle_t *pamh, const char *path, int is_dir)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		pam_syslog(pamh, LOG_ERR, "cannot use FIDO2 plugin %s: %s",
		    path, strerror(errno));
		return -1;
	}
	if ((is_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) ||
	    st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		pam_syslog(pamh, LOG_ERR, "refusing FIDO2 plugin: %s is not "
		    "root's or is writable by group or others", path);
		return -1;
	}
	return 0;
}

static pamauthd_fido2_assert_fn *
load(pam_handle_t *pamh)
{
	char dir[PATH_MAX], path[PATH_MAX];
	pamauthd_fido2_assert_fn *fn;
	void *h;
	int abi;

	if (plugin_path(dir, path, sizeof(path)) != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot find the FIDO2 plugin: "
		    "where is pam_authd.so?");
		return NULL;
	}
	if (root_only(pamh, dir, 1) != 0 || root_only(pamh, path, 0) != 0)
		return NULL;
	/* Kept open even when refused below: see the top of this file. */
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		pam_syslog(pamh, LOG_ERR, "cannot load FIDO2 plugin: %s",
		    dlerror());
		return NULL;
	}
	if ((fn = (pamauthd_fido2_assert_fn *)dlsym(h,
	    PAMAUTHD_FIDO2_SYMBOL)) == NULL) {
		pam_syslog(pamh, LOG_ERR, "FIDO2 plugin %s lacks %s", path,
		    PAMAUTHD_FIDO2_SYMBOL);
		return NULL;
	}
	if ((abi = fn(NULL, NULL)) != PAMAUTHD_FIDO2_ABI) {
		pam_syslog(pamh, LOG_ERR, "FIDO2 plugin %s has ABI %d, "
		    "pam_authd.so wants %d", path, abi, PAMAUTHD_FIDO2_ABI);
		return NULL;
	}
	return fn;
}

pamauthd_fido2_assert_fn *
pamauthd_fido2_load(pam_handle_t *pamh)
{
	pamauthd_fido2_assert_fn *fn;

	(void)pthread_mutex_lock(&plugin_lock);
	if (plugin_fn == NULL)
		plugin_fn = load(pamh);
	fn = plugin_fn;
	(void)pthread_mutex_unlock(&plugin_lock);
	return fn;
}
