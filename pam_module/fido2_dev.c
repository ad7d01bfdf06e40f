/* Finding and opening the FIDO2 authenticator (see fido2_dev.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fido2_dev.h"

#define HID_REPORT   64
#define MAX_DEVICES  8

/* ---- the unix: development transport ---- */

struct unix_handle {
	int fd;
};

static void *
unix_open(const char *path)
{
	struct sockaddr_un sun;
	struct unix_handle *h;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return NULL;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    (h = malloc(sizeof(*h))) == NULL) {
		close(fd);
		return NULL;
	}
	h->fd = fd;
	return h;
}

static void
unix_close(void *handle)
{
	struct unix_handle *h = handle;

	close(h->fd);
	free(h);
}

/* libfido2 hands over a report id byte (always 0 here) and the report. */
static int
unix_write(void *handle, const unsigned char *buf, size_t len)
{
	struct unix_handle *h = handle;

	if (len != HID_REPORT + 1)
		return -1;
	if (send(h->fd, buf + 1, HID_REPORT, MSG_NOSIGNAL) != HID_REPORT)
		return -1;
	return (int)len;
}

static int
unix_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	struct unix_handle *h = handle;
	struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
	ssize_t n;
	int r;

	while ((r = poll(&pfd, 1, ms)) < 0 && errno == EINTR)
		;
	if (r <= 0)
		return -1;  /* timed out: libfido2 gives up */
	if ((n = recv(h->fd, buf, len, 0)) <= 0)
		return -1;
	return (int)n;
}

static const fido_dev_io_t unix_io = {
	.open = unix_open,
	.close = unix_close,
	.read = unix_read,
	.write = unix_write,
};

/* ---- opening ---- */

/* The path of the first FIDO2 device attached, into path. FIDO_OK or NOTFOUND. */
static int
first_device(char *path, size_t pathsz)
{
	fido_dev_info_t *list;
	const fido_dev_info_t *di;
	size_t n = 0;
	int r = FIDO_ERR_NOTFOUND;

	if ((list = fido_dev_info_new(MAX_DEVICES)) == NULL)
		return FIDO_ERR_INTERNAL;
	if (fido_dev_info_manifest(list, MAX_DEVICES, &n) == FIDO_OK && n > 0) {
		di = fido_dev_info_ptr(list, 0);
		if (strlen(fido_dev_info_path(di)) < pathsz) {
			strcpy(path, fido_dev_info_path(di));
			r = FIDO_OK;
		}
	}
	fido_dev_info_free(&list, MAX_DEVICES);
	return r;
}

int
fido2dev_open(const char *spec, int timeout_ms, fido_dev_t **dev_r)
{
	fido_dev_t *dev = NULL;
	char path[1024];
	const char *open_path;
	int r;

	*dev_r = NULL;
	fido_init(0);
	if ((dev = fido_dev_new()) == NULL)
		return FIDO_ERR_INTERNAL;
	if (spec != NULL && strncmp(spec, FIDO2DEV_UNIX_PREFIX,
	    strlen(FIDO2DEV_UNIX_PREFIX)) == 0) {
		open_path = spec + strlen(FIDO2DEV_UNIX_PREFIX);
		if (access(open_path, F_OK) != 0) {
			r = FIDO_ERR_NOTFOUND;
			goto out;
		}
		if ((r = fido_dev_set_io_functions(dev, &unix_io)) != FIDO_OK)
			goto out;
	} else if (spec != NULL && spec[0] != '\0') {
		if (access(spec, F_OK) != 0) {
			r = FIDO_ERR_NOTFOUND;
			goto out;
		}
		open_path = spec;
	} else {
		if ((r = first_device(path, sizeof(path))) != FIDO_OK)
			goto out;
		open_path = path;
	}
	if ((r = fido_dev_set_timeout(dev, timeout_ms)) != FIDO_OK ||
	    (r = fido_dev_open(dev, open_path)) != FIDO_OK)
		goto out;
	*dev_r = dev;
	dev = NULL;
out:
	fido_dev_free(&dev);
	return r;
}

void
fido2dev_close(fido_dev_t **devp)
{
	if (*devp == NULL)
		return;
	fido_dev_close(*devp);
	fido_dev_free(devp);
}
