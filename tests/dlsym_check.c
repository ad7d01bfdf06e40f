/*
 * pam_authd.so must offer the six pam_sm_* functions and nothing else: any
 * other exported symbol could clash with the login program or other modules.
 * The module's path comes from the build (PAM_AUTHD_SO) or argv[1].
 */
#include "config.h"

#include "lib/exports.h"

static const char *const wanted[] = {
	"pam_sm_authenticate",
	"pam_sm_setcred",
	"pam_sm_acct_mgmt",
	"pam_sm_open_session",
	"pam_sm_close_session",
	"pam_sm_chauthtok",
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

int
main(int argc, char **argv)
{
	return exports_check(argc > 1 ? argv[1] : PAM_AUTHD_SO, wanted, NWANTED);
}
