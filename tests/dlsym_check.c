/*
 * pam_authd.so must offer the six pam_sm_* functions and nothing else: any
 * other exported symbol could clash with the login program or other modules.
 * It must not bring libfido2, libcrypto and their kind into every login
 * either, neither as its own DT_NEEDED nor through what it needs: they live
 * in the FIDO2 plugin beside it, which in turn exports its one function.
 * It stays loaded once loaded (check_stays_loaded).
 * The module's path comes from the build (PAM_AUTHD_SO) or argv[1]; the
 * plugin is looked for in the same directory, as the module does.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/exports.h"
#include "pam_module/fido2_plugin.h"

static const char *const wanted[] = {
	"pam_sm_authenticate",
	"pam_sm_setcred",
	"pam_sm_acct_mgmt",
	"pam_sm_open_session",
	"pam_sm_close_session",
	"pam_sm_chauthtok",
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

static const char *const plugin_wanted[] = { PAMAUTHD_FIDO2_SYMBOL };

/* Libraries only the plugins (or helpers) may bring in. */
static const char *const banned[] = {
	"libfido2.so", "libcrypto.so", "libssl.so", "libcbor.so",
	"libudev.so", "libp11.so",
};
#define NBANNED (sizeof(banned) / sizeof(banned[0]))

static const char *
banned_lib(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base == NULL ? path : base + 1;
	for (i = 0; i < NBANNED; i++)
		if (strncmp(base, banned[i], strlen(banned[i])) == 0)
			return banned[i];
	return NULL;
}

/* The DT_NEEDED entries of path's .dynamic: none may be banned. */
static int
check_needed(const char *path)
{
	struct elf_section es;
	const ElfW(Dyn) *d;
	size_t i, n, needed = 0;
	int bad = 1;

	if (elf_section_map(path, SHT_DYNAMIC, &es) != 0)
		goto out;
	d = (const ElfW(Dyn) *)((const char *)es.map + es.sec->sh_offset);
	n = es.sec->sh_size / sizeof(*d);
	bad = 0;
	for (i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		const char *name, *lib;

		if (d[i].d_tag != DT_NEEDED)
			continue;
		if (d[i].d_un.d_val >= es.strtab->sh_size) {
			fprintf(stderr, "%s: bad DT_NEEDED\n", path);
			bad = 1;
			continue;
		}
		name = (const char *)es.map + es.strtab->sh_offset + d[i].d_un.d_val;
		needed++;
		if ((lib = banned_lib(name)) != NULL) {
			fprintf(stderr, "%s needs %s: %s belongs in a plugin\n",
			    path, name, lib);
			bad = 1;
		}
	}
	if (needed == 0) {
		fprintf(stderr, "%s: no DT_NEEDED at all?\n", path);
		bad = 1;
	}
out:
	elf_section_unmap(&es);
	return bad;
}

static int
loaded_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	int *bad = arg;
	const char *lib;

	if (info->dlpi_name != NULL && (lib = banned_lib(info->dlpi_name)) != NULL) {
		fprintf(stderr, "loading the module loaded %s (%s)\n",
		    info->dlpi_name, lib);
		*bad = 1;
	}
	return 0;
}

/* What dlopen() of path loads, its dependencies' dependencies included. */
static int
check_loaded(const char *path)
{
	void *h;
	int bad = 0;

	/* this program links none of them: anything found came with path */
	(void)dl_iterate_phdr(loaded_cb, &bad);
	if (bad) {
		fprintf(stderr, "dlsym_check itself loads them: cannot tell\n");
		return 1;
	}
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return 1;
	}
	(void)dl_iterate_phdr(loaded_cb, &bad);
	dlclose(h);
	return bad;
}

/*
 * Loaded once per process, not once per PAM handle: libpam's dlclose() at
 * pam_end leaves it mapped (-z nodelete, pam_module/local.mk). Called after
 * check_loaded() has opened and closed it.
 */
static int
check_stays_loaded(const char *path)
{
	void *h;

	if ((h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD)) == NULL) {
		fprintf(stderr, "%s was unloaded by dlclose(): every PAM handle "
		    "would load it again (link it with -z nodelete)\n", path);
		return 1;
	}
	dlclose(h);
	return 0;
}

/* The plugin is where the module looks for it: beside the module. */
static int
plugin_path(const char *module, char *path, size_t pathsz)
{
	const char *slash = strrchr(module, '/');
	int dirlen = slash == NULL ? 1 : (int)(slash - module);
	int n;

	n = snprintf(path, pathsz, "%.*s/%s", dirlen, slash == NULL ? "." :
	    module, PAMAUTHD_FIDO2_PLUGIN);
	return n < 0 || (size_t)n >= pathsz ? -1 : 0;
}

int
main(int argc, char **argv)
{
	const char *module = argc > 1 ? argv[1] : PAM_AUTHD_SO;
	char plugin[PATH_MAX];
	int bad;

	/* first: what an earlier dlopen() loaded may stay (libcrypto does) */
	bad = check_loaded(module);
	bad |= check_stays_loaded(module);
	bad |= check_needed(module);
	bad |= exports_check(module, wanted, NWANTED);
	if (!bad)
		printf("%s loads none of libfido2, libcrypto and the like\n", module);
	if (plugin_path(module, plugin, sizeof(plugin)) != 0) {
		fprintf(stderr, "%s: path too long\n", module);
		return 1;
	}
	bad |= exports_check(plugin, plugin_wanted, 1);
	return bad ? 1 : 0;
}
