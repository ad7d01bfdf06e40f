/*
 * The module's end of the NSS socket: one connection per lookup (or per
 * enumeration), every step bounded by one deadline so that a stopped or
 * stuck authd costs a caller at most NSS_AUTHD_TIMEOUT_MS.
 */
#ifndef NSS_AUTHD_CLIENT_H
#define NSS_AUTHD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "nss_proto.h"

#define NSS_AUTHD_TIMEOUT_MS 1500

struct nssc {
	int fd;
	int64_t deadline;        /* CLOCK_MONOTONIC ms */
	uint8_t *buf;            /* received bytes; at most one frame + header */
	size_t len, cap;
	size_t last;             /* bytes of the frame handed out last */
};

/* Connect (authd's socket: peer must be root or ourselves) and send a request
 * with a NAME (name != NULL), an ID (has_id) or nothing. 0 or -1. */
int nssc_request(struct nssc *c, uint8_t type, const char *name, int has_id,
    uint32_t id);
/* The next checked frame; valid until the next call. 0 or -1 (closed,
 * timeout, malformed or oversized: the caller answers "unavailable"). */
int nssc_recv(struct nssc *c, struct authd_nss_frame *f);
/* Start a new deadline (enumeration: one per entry). */
void nssc_rearm(struct nssc *c);
void nssc_close(struct nssc *c);

#endif
