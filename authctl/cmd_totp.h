/* authctl totp ...: the commands of authctl/totp.c. */
#ifndef AUTHCTL_CMD_TOTP_H
#define AUTHCTL_CMD_TOTP_H

#include "authctl.h"

int actl_totp_enroll(struct actl *a, int argc, char **argv);
int actl_totp_reset(struct actl *a, int argc, char **argv);
int actl_totp_remove(struct actl *a, int argc, char **argv);
int actl_totp_show(struct actl *a, int argc, char **argv);

#endif
