/* authctl card ...: IC cards (card.c, card_life.c, card_report.c). */
#ifndef AUTHCTL_CMD_CARD_H
#define AUTHCTL_CMD_CARD_H

#include "authctl.h"

int actl_card_register(struct actl *a, int argc, char **argv);
int actl_card_list(struct actl *a, int argc, char **argv);
int actl_card_show(struct actl *a, int argc, char **argv);
/* the lifecycle (card_life.c, card_report.c) */
int actl_card_issue(struct actl *a, int argc, char **argv);
int actl_card_activate(struct actl *a, int argc, char **argv);
int actl_card_suspend(struct actl *a, int argc, char **argv);
int actl_card_resume(struct actl *a, int argc, char **argv);
int actl_card_lost(struct actl *a, int argc, char **argv);
int actl_card_revoke(struct actl *a, int argc, char **argv);
int actl_card_replace(struct actl *a, int argc, char **argv);
int actl_card_collected(struct actl *a, int argc, char **argv);
int actl_card_destroyed(struct actl *a, int argc, char **argv);
int actl_card_report(struct actl *a, int argc, char **argv);
int actl_card_crl(struct actl *a, int argc, char **argv);

#endif
