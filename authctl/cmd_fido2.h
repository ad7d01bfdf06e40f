/* authctl fido2 ...: FIDO2 security keys (fido2.c). */
#ifndef AUTHCTL_CMD_FIDO2_H
#define AUTHCTL_CMD_FIDO2_H

#include <stddef.h>
#include <stdint.h>

#include "authctl.h"

int actl_fido2_enroll(struct actl *a, int argc, char **argv);
int actl_fido2_list(struct actl *a, int argc, char **argv);
int actl_fido2_remove(struct actl *a, int argc, char **argv);

/* fido2_model.c: the directory's biometric models (ou=models). */
int actl_fido2_model_add(struct actl *a, int argc, char **argv);
int actl_fido2_models(struct actl *a, int argc, char **argv);
int actl_fido2_model_remove(struct actl *a, int argc, char **argv);
/* Is aaguid's model listed there: 1 (name gets its name), 0, -1 unreadable. */
int actl_fido2_model_listed(struct actl *a, const uint8_t aaguid[16],
    char *name, size_t namesz);

#endif
