/*
 * The client end of the authd protocol with blocking I/O and timeouts, used by
 * pam_authd.so, the tests and the benchmarks.
 */
#ifndef AUTHD_CLIENT_H
#define AUTHD_CLIENT_H

#include <stdint.h>

#include "buf.h"
#include "proto.h"

struct authd_client;

#define AUTHD_CLIENT_CHECK_OWNER 0x1   /* refuse a socket not owned by root */

/* Connect to the socket at path, negotiate the version (HELLO). */
int authd_client_connect(const char *path, int timeout_ms, int flags,
    struct authd_client **c_r);
/* A buffer to build the next frame in (authd_frame_begin with authd_client_version()). */
struct authd_buf *authd_client_wbuf(struct authd_client *c);
uint8_t authd_client_version(const struct authd_client *c);
/* Send everything in the write buffer, then wipe it. */
int authd_client_flush(struct authd_client *c);
/* Receive one frame; msg's fields stay valid until the next recv. */
int authd_client_recv(struct authd_client *c, struct authd_msg *msg);
int authd_client_fd(const struct authd_client *c);
void authd_client_close(struct authd_client **cp);

#endif
