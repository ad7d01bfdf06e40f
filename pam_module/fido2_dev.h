/*
 * Finding the FIDO2 authenticator, for the module's FIDO2 plugin
 * (pam_authd_fido2.so, fido2_plugin.c) and authctl.
 *
 * A device spec is one of:
 *   NULL or ""     the first FIDO2 device attached (fido_dev_info_manifest:
 *                  hidraw on Linux) — what production uses;
 *   /dev/hidrawN   that device;
 *   unix:/PATH     DEVELOPMENT AND TEST TRANSPORT: CTAPHID reports (64 bytes,
 *                  one per SOCK_SEQPACKET packet, no report id) exchanged
 *                  over a UNIX socket with a software authenticator
 *                  (tests/lib/softfido2), through libfido2's
 *                  fido_dev_set_io_functions(). It proves nothing about a
 *                  person: never configure it on a production host.
 */
#ifndef PAMAUTHD_FIDO2_DEV_H
#define PAMAUTHD_FIDO2_DEV_H

#include <fido.h>

#define FIDO2DEV_UNIX_PREFIX "unix:"

/*
 * Open the device of spec with a hard timeout for each later operation
 * (timeout_ms, -1 for none). FIDO_OK with *dev_r (close it with
 * fido2dev_close), FIDO_ERR_NOTFOUND when no device is there (none
 * attached, socket absent), or another libfido2 error.
 */
int fido2dev_open(const char *spec, int timeout_ms, fido_dev_t **dev_r);
void fido2dev_close(fido_dev_t **devp);

#endif
