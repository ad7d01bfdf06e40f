/* authctl grant: requests, approvals and reports of privileged roles (grant.c). */
#ifndef AUTHCTL_CMD_GRANT_H
#define AUTHCTL_CMD_GRANT_H

#include "authctl.h"

int actl_grant_request(struct actl *a, int argc, char **argv);
int actl_grant_approve(struct actl *a, int argc, char **argv);
int actl_grant_deny(struct actl *a, int argc, char **argv);
int actl_grant_revoke(struct actl *a, int argc, char **argv);
int actl_grant_list(struct actl *a, int argc, char **argv);
int actl_grant_report(struct actl *a, int argc, char **argv);

#endif
