/* authctl card ...: IC cards (card.c). */
#ifndef AUTHCTL_CMD_CARD_H
#define AUTHCTL_CMD_CARD_H

#include "authctl.h"

int actl_card_register(struct actl *a, int argc, char **argv);
int actl_card_list(struct actl *a, int argc, char **argv);
int actl_card_show(struct actl *a, int argc, char **argv);

#endif
