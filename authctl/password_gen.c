/* Random passwords for authctl user passwd and user add. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "password_gen.h"
#include "secret.h"

/* Look-alikes (I l 1 O 0) left out: the password is read aloud or copied by hand. */
static const char *const classes[] = {
	"ABCDEFGHJKLMNPQRSTUVWXYZ",
	"abcdefghijkmnopqrstuvwxyz",
	"23456789",
	"#%+-.=@^_~:,",
};
#define N_CLASSES (sizeof(classes) / sizeof(classes[0]))

/* A uniform random number below n (n <= 256), without modulo bias. */
static int
random_below(unsigned n, unsigned *v_r)
{
	unsigned char b;
	unsigned limit = 256 - 256 % n;

	do {
		if (authd_random_bytes(&b, 1) != AUTHD_OK)
			return -1;
	} while (b >= limit);
	*v_r = b % n;
	return 0;
}

int
actl_password_generate(char *out, size_t outsz, size_t len)
{
	char all[128];
	unsigned i, j, k;
	char tmp;

	if (len < N_CLASSES || outsz < len + 1)
		return -1;
	snprintf(all, sizeof(all), "%s%s%s%s", classes[0], classes[1],
	    classes[2], classes[3]);
	for (i = 0; i < len; i++) {
		const char *set = i < N_CLASSES ? classes[i] : all;

		if (random_below((unsigned)strlen(set), &k) != 0)
			goto fail;
		out[i] = set[k];
	}
	out[len] = '\0';
	for (i = (unsigned)len - 1; i > 0; i--) {
		if (random_below(i + 1, &j) != 0)
			goto fail;
		tmp = out[i];
		out[i] = out[j];
		out[j] = tmp;
	}
	explicit_bzero(&tmp, sizeof(tmp));
	return 0;
 fail:
	explicit_bzero(out, outsz);
	return -1;
}
