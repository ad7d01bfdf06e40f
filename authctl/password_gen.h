/* Random passwords that meet the password policy's quality checks. */
#ifndef AUTHCTL_PASSWORD_GEN_H
#define AUTHCTL_PASSWORD_GEN_H

#include <stddef.h>

/* A temporary password, read aloud or copied by hand (user passwd). */
#define ACTL_TEMP_PASSWORD_LEN 16
/* The password nobody knows that user add gives a new person: longer than
 * any policy here asks (14 for privileged accounts). */
#define ACTL_UNKNOWN_PASSWORD_LEN 32

/*
 * len characters into out (outsz > len), one of each class (upper, lower,
 * digit, other) and the rest from all, shuffled; no look-alikes (I l 1 O 0).
 * 0, or -1 with out wiped when there is no randomness.
 */
int actl_password_generate(char *out, size_t outsz, size_t len);

#endif
