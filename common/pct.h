/*
 * %XX escapes for the state files authd keeps (session_store.c, decoy.c):
 * a value written this way holds no space, '%' nor control byte, so that
 * lines split on spaces and a value read back is the one written.
 */
#ifndef AUTHD_PCT_H
#define AUTHD_PCT_H

#include <stddef.h>

/* Append v, escaped, at buf + *pos (NUL-terminated); 0, or -1 when full. */
int authd_pct_append(char *buf, size_t bufsz, size_t *pos, const char *v);
/* Undo the escapes in place; -1 for a broken one or an escaped NUL. */
int authd_pct_decode(char *s);
/* A hexadecimal digit's value (either case), or -1. */
int authd_hexval(int c);

#endif
