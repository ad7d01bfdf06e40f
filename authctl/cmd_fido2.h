/* authctl fido2 ...: FIDO2 security keys (fido2.c). */
#ifndef AUTHCTL_CMD_FIDO2_H
#define AUTHCTL_CMD_FIDO2_H

#include "authctl.h"

int actl_fido2_enroll(struct actl *a, int argc, char **argv);
int actl_fido2_list(struct actl *a, int argc, char **argv);
int actl_fido2_remove(struct actl *a, int argc, char **argv);

#endif
