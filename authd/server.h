/*
 * The daemon's shared context. The loop thread owns everything here except
 * conf (read-only after start), dir and audit, which are thread-safe and
 * used by the workers.
 */
#ifndef AUTHD_SERVER_H
#define AUTHD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "conf.h"
#include "dir.h"
#include "loop.h"
#include "user_rate.h"

struct conn;
struct worker_pool;
struct bind_async;
struct login_ids;
struct grace_hold;
struct session_registry;
struct nss_server;
struct view;
struct card_view;
struct revoke;
struct deadline;
struct grant_view;
struct decoy_stats;
struct decoy_locks;
struct checkpointer;

#define SERVER_N_LISTENERS 2

struct listener {
	struct loop_source src;
	struct server *srv;
	const char *path;
	int privileged;          /* the 0600 socket */
};

struct server {
	const struct authd_conf *conf;
	struct loop *loop;
	struct worker_pool *workers;
	struct bind_async *binds;        /* password binds made by the loop */
	struct dir_pool *dir;
	struct authd_audit *audit;
	struct login_ids *login_ids;
	struct grace_hold *grace_hold;   /* bound after a last grace login */
	struct session_registry *sessions;
	char *banner;                  /* shown before login; NULL for none */

	struct listener listeners[SERVER_N_LISTENERS];
	size_t n_listeners;
	struct loop_timer listen_pause;  /* after EMFILE: accept again later */
	struct loop_timer sweep;         /* expire login ids */

	struct nss_server *nss;          /* the NSS socket (nss_server.c) */
	struct view *view;               /* in-memory view (view.c); NULL: none */
	struct card_view *card_view;     /* the cards (card_view.c); NULL: none */
	struct revoke *revoke;           /* ends revoked sessions (revoke.c) */
	struct deadline *deadline;       /* sessions that end on time (deadline.c) */
	struct grant_view *grant_view;   /* the grants followed (grant_view.c); NULL: none */
	struct decoy_stats *decoys;      /* real plans' method sets (decoy.c); NULL: none */
	char *decoy_state;               /* STATE_DIR/decoys, where they are kept; NULL: not */
	char decoy_methods[128];         /* what their masks' bits stand for */
	struct decoy_locks *decoy_locks; /* unknown names' failures and locks (decoy_lock.c); NULL: none */
	char *decoy_locks_state;         /* STATE_DIR/decoy-locks; NULL: not kept */
	char decoy_key_id[17];           /* the key their tags were made with */
	struct checkpointer *checkpoints; /* the audit chain's head in the directory */

	struct conn *conns;              /* live connections */
	size_t n_conns;
	size_t n_user_conns;            /* of them, on the user socket */
	struct user_rate user_rate;      /* how fast each uid uses the user socket */
	uint64_t next_conn_id;
};

/* server.c */
void server_init(struct server *srv, const struct authd_conf *conf);
int server_listen(struct server *srv, char *err, size_t errlen);
void server_close_listeners(struct server *srv);
/* Stop accepting for a moment (out of descriptors). */
void server_pause_accept(struct server *srv);
/* Periodic housekeeping: expire login ids, count the rate limit's refusals. */
int server_start_sweep(struct server *srv);
/* Keep the decoys' counts in decoy_state, and their locks in
 * decoy_locks_state, when they changed since (sweep, stop). */
void server_save_decoys(struct server *srv);
/* Read conf->banner or conf->banner_file into srv->banner. */
int server_load_banner(struct server *srv, char *err, size_t errlen);

#endif
