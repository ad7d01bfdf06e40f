/*
 * libnss_authd.so.2 must offer the _nss_authd_* entry points and nothing
 * else: any other exported symbol could clash with the program that resolves
 * a name (every program on the host). The module's path comes from the build
 * (NSS_AUTHD_SO) or argv[1].
 */
#include "config.h"

#include "lib/exports.h"

static const char *const wanted[] = {
	"_nss_authd_getpwnam_r",
	"_nss_authd_getpwuid_r",
	"_nss_authd_setpwent",
	"_nss_authd_getpwent_r",
	"_nss_authd_endpwent",
	"_nss_authd_getgrnam_r",
	"_nss_authd_getgrgid_r",
	"_nss_authd_setgrent",
	"_nss_authd_getgrent_r",
	"_nss_authd_endgrent",
	"_nss_authd_initgroups_dyn",
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

int
main(int argc, char **argv)
{
	return exports_check(argc > 1 ? argv[1] : NSS_AUTHD_SO, wanted, NWANTED);
}
