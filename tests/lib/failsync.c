/*
 * Fault injection for the integration tests, preloaded into authd
 * (LD_PRELOAD): fdatasync() fails with EIO while the file named by
 * AUTHD_TEST_FAILSYNC exists, as on a disk that has stopped taking writes.
 * Everything else (the write itself) goes on working, so the test sees what
 * authd does with a record that is in the file but not on disk.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int fdatasync(int fd);

int
fdatasync(int fd)
{
	static int (*real)(int);
	const char *flag = getenv("AUTHD_TEST_FAILSYNC");
	void *sym;

	if (flag != NULL && access(flag, F_OK) == 0) {
		errno = EIO;
		return -1;
	}
	if (real == NULL) {
		if ((sym = dlsym(RTLD_NEXT, "fdatasync")) == NULL) {
			errno = ENOSYS;
			return -1;
		}
		*(void **)&real = sym;
	}
	return real(fd);
}
