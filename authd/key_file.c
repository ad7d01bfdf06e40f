/*
 * Key files of 64 hex digits (key_file.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "conf.h"
#include "err.h"
#include "key_file.h"
#include "pct.h"

int
key_file_load(const char *path, const char *what, const char *hint,
    uint8_t key[KEY_FILE_LEN], char *err, size_t errlen)
{
	char buf[2 * KEY_FILE_LEN + 8];
	struct stat st;
	ssize_t n;
	size_t len, i;
	int fd = -1, r;

	explicit_bzero(buf, sizeof(buf));
	/* regular, owned by root or us, writable by nobody else */
	if ((r = authd_check_file_safe(path, 0, err, errlen)) != AUTHD_OK)
		goto out;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)) == -1) {
		r = errno == EACCES ? AUTHD_ERR_PERM : AUTHD_ERR_IO;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	/* the same checks on the file actually opened, and: not readable by others */
	r = AUTHD_ERR_PERM;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH | S_IROTH)) != 0) {
		snprintf(err, errlen, "%s: unsafe ownership or permissions: the %s "
		    "must be owned by root, mode 0600 or 0640%s", path, what, hint);
		goto out;
	}
	r = AUTHD_ERR_INVALID;
	if ((n = read(fd, buf, sizeof(buf) - 1)) < 0) {
		r = AUTHD_ERR_IO;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	len = (size_t)n;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len != 2 * KEY_FILE_LEN) {
		snprintf(err, errlen, "%s: the %s must be 64 hex digits "
		    "(32 bytes), e.g. from `openssl rand -hex 32`", path, what);
		goto out;
	}
	for (i = 0; i < KEY_FILE_LEN; i++) {
		int hi = authd_hexval((unsigned char)buf[2 * i]);
		int lo = authd_hexval((unsigned char)buf[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "%s: the %s is not hex", path, what);
			goto out;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	r = AUTHD_OK;
 out:
	if (fd != -1)
		close(fd);
	explicit_bzero(buf, sizeof(buf));
	if (r != AUTHD_OK)
		explicit_bzero(key, KEY_FILE_LEN);
	return r;
}

/* The directory holding path, synced so that a link made in it lasts. */
static int
sync_parent(const char *path)
{
	char copy[PATH_MAX];
	int fd, r;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -1;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
key_file_create(const char *path, const char *what,
    uint8_t key[KEY_FILE_LEN], char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	char text[2 * KEY_FILE_LEN + 1], tmp[PATH_MAX];
	size_t i;
	int fd = -1, r = AUTHD_ERR_IO;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return AUTHD_ERR_INVALID;
	}
	if (RAND_bytes(key, KEY_FILE_LEN) != 1) {
		snprintf(err, errlen, "%s: no random bytes for the %s", path, what);
		return AUTHD_ERR_CRYPTO;
	}
	for (i = 0; i < KEY_FILE_LEN; i++) {
		text[2 * i] = hex[key[i] >> 4];
		text[2 * i + 1] = hex[key[i] & 0x0f];
	}
	text[2 * KEY_FILE_LEN] = '\n';
	/* a half-written one of a run that died: never read, made again */
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
		goto out;
	}
	errno = ENOSPC;                 /* a short write sets none */
	if (fchmod(fd, 0600) == -1 ||
	    write(fd, text, sizeof(text)) != (ssize_t)sizeof(text) ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	/* link, not rename: a file already there (another authd's) is kept */
	if (link(tmp, path) == -1) {
		snprintf(err, errlen, "%s: cannot put the %s in place: %s", path,
		    what, strerror(errno));
		goto out;
	}
	(void)unlink(tmp);
	/* not lasting after a crash only means a new key next time: the
	 * state kept with this one is then not read (its key differs) */
	(void)sync_parent(path);
	r = AUTHD_OK;
 out:
	if (fd != -1)
		close(fd);
	if (r != AUTHD_OK) {
		(void)unlink(tmp);
		explicit_bzero(key, KEY_FILE_LEN);
	}
	explicit_bzero(text, sizeof(text));
	return r;
}
