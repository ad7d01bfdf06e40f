/*
 * authd_pwcheck: a password quality module for slapd's ppolicy overlay
 * (OpenLDAP 2.5).  The policy entry names it:
 *
 *	objectClass: pwdPolicyChecker
 *	pwdCheckModule: /usr/lib/x86_64-linux-gnu/authd/authd_pwcheck.so
 *	pwdCheckModuleArg: 3
 *
 * and ppolicy calls check_password() with the clear text of every new
 * password once its own length checks have passed (pwdCheckQuality 1 or 2).
 * The standard asks for passwords that mix character classes; this counts
 * the classes present (lower case, upper case, digit, anything else) and
 * refuses fewer than the argument (1-4, default 3).
 *
 * slapd hands in its Entry, which this module never looks at; the type stays
 * opaque.  The message goes back through *text, which slapd free()s.
 */
#include <lber.h>
#include <stdio.h>
#include <stdlib.h>

#define PWCHECK_OK		0	/* LDAP_SUCCESS */
#define PWCHECK_REFUSED		19	/* LDAP_CONSTRAINT_VIOLATION */
#define PWCHECK_DEFAULT_CLASSES	3

typedef struct Entry Entry;

int check_password(char *password, char **text, Entry *entry,
    struct berval *arg);

/* The argument is a single digit 1-4; anything else means the default. */
static int
required_classes(const struct berval *arg)
{
	if (arg == NULL || arg->bv_val == NULL || arg->bv_len != 1)
		return PWCHECK_DEFAULT_CLASSES;
	if (arg->bv_val[0] < '1' || arg->bv_val[0] > '4')
		return PWCHECK_DEFAULT_CLASSES;
	return arg->bv_val[0] - '0';
}

/*
 * Classes by byte, without the locale: slapd's locale is not ours to trust,
 * and a byte of a multibyte UTF-8 character counts as "other", like a symbol.
 */
static int
count_classes(const char *password)
{
	int lower = 0, upper = 0, digit = 0, other = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)password; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			lower = 1;
		else if (*p >= 'A' && *p <= 'Z')
			upper = 1;
		else if (*p >= '0' && *p <= '9')
			digit = 1;
		else
			other = 1;
	}
	return lower + upper + digit + other;
}

int
check_password(char *password, char **text, Entry *entry,
    struct berval *arg)
{
	enum { TEXT_MAX = 96 };
	int need;

	(void)entry;
	if (password == NULL)
		return PWCHECK_REFUSED;
	need = required_classes(arg);
	if (count_classes(password) >= need)
		return PWCHECK_OK;
	/* malloc, not ber_memalloc: slapd releases the text with free() */
	if (text != NULL && (*text = malloc(TEXT_MAX)) != NULL)
		snprintf(*text, TEXT_MAX, "Password must mix at least %d of: "
		    "lower case, upper case, digits, symbols", need);
	return PWCHECK_REFUSED;
}
