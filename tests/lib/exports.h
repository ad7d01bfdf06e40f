/* Check that a shared object exports exactly the given symbols. */
#ifndef AUTHD_TEST_EXPORTS_H
#define AUTHD_TEST_EXPORTS_H

#include <stddef.h>

/* 0 when path resolves every wanted symbol with dlsym() and its .dynsym
 * defines no other visible symbol; else 1 with the reasons on stderr. */
int exports_check(const char *path, const char *const *wanted, size_t nwanted);

#endif
