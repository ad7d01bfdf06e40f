/*
 * The NSS socket (conf->nss_socket_path, mode 0666, root-owned): every
 * process on the host may ask who a uid or a name is. Requests are answered
 * from the directory by worker jobs; the loop only moves bytes. See
 * doc/protocol.md, "NSS socket".
 */
#ifndef AUTHD_NSS_SERVER_H
#define AUTHD_NSS_SERVER_H

#include <stddef.h>

struct server;

/* Open the listener beside the others (srv->nss). */
int nss_server_listen(struct server *srv, char *err, size_t errlen);
/* Close the listener and every NSS connection; jobs in flight finish unheard. */
void nss_server_close(struct server *srv);

#endif
