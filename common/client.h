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
#define AUTHD_CLIENT_VERSION1    0x2   /* offer version 1, for an authd that
                                          knows no later one */

/*
 * Connect to the socket at path and send HELLO. When the client offers one
 * version only, HELLO waits in the write buffer: the first flush sends it
 * with the first request and the first recv reads the server's HELLO before
 * the frame it returns. With several versions it waits for the answer here.
 */
int authd_client_connect(const char *path, int timeout_ms, int flags,
    struct authd_client **c_r);
/* Finish a pending HELLO now: send it if queued, read the server's answer. */
int authd_client_handshake(struct authd_client *c);
/* Wait until a whole frame has arrived, without handing it out. */
int authd_client_wait(struct authd_client *c);
/* Bytes received and not handed out by recv yet. */
size_t authd_client_buffered(const struct authd_client *c);
/*
 * 1 when the connection may carry another request: no error on it, HELLO
 * done, the last frame was a RESULT (or the server's HELLO), nothing else
 * buffered, and the server has not closed it (a zero-timeout poll). Wipes
 * the last frame received; its fields are invalid afterwards.
 */
int authd_client_idle(struct authd_client *c);
/* The same without asking the kernel (no poll): for keeping it, not reusing it. */
int authd_client_at_rest(struct authd_client *c);
void authd_client_set_timeout(struct authd_client *c, int timeout_ms);
/* A buffer to build the next frame in (authd_frame_begin with authd_client_version()). */
struct authd_buf *authd_client_wbuf(struct authd_client *c);
uint8_t authd_client_version(const struct authd_client *c);
/* Send everything in the write buffer, then wipe it. */
int authd_client_flush(struct authd_client *c);
/* Receive one frame; msg's fields stay valid until the next recv. */
int authd_client_recv(struct authd_client *c, struct authd_msg *msg);
void authd_client_close(struct authd_client **cp);

#endif
