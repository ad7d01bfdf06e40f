#include "config.h"

#include <sys/epoll.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "decoy.h"
#include "decoy_lock.h"
#include "err.h"
#include "log.h"
#include "grace_hold.h"
#include "login_ids.h"
#include "nss_server.h"
#include "server.h"
#include "session.h"

#define LISTEN_BACKLOG   512
#define ACCEPT_PAUSE_MS  200
#define SWEEP_MS         60000
#define BANNER_MAX       8192

static int
listener_open(struct server *srv, const char *path, mode_t mode, int privileged,
    char *err, size_t errlen)
{
	struct listener *li = &srv->listeners[srv->n_listeners];
	int fd, r;

	if ((r = loop_listen_unix(path, mode, LISTEN_BACKLOG, &fd, err,
	    errlen)) != AUTHD_OK)
		return r;
	li->src.fd = fd;
	li->src.on_event = conn_on_accept;
	li->src.arg = li;
	li->srv = srv;
	li->path = path;
	li->privileged = privileged;
	if ((r = loop_add(srv->loop, &li->src, EPOLLIN)) != AUTHD_OK) {
		snprintf(err, errlen, "%s: epoll: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return r;
	}
	srv->n_listeners++;
	return AUTHD_OK;
}

int
server_listen(struct server *srv, char *err, size_t errlen)
{
	const struct authd_conf *conf = srv->conf;
	int r;

	if ((r = listener_open(srv, conf->socket_path, 0600, 1, err,
	    errlen)) != AUTHD_OK)
		return r;
	if (conf->user_socket_path != NULL && conf->user_socket_path[0] != '\0' &&
	    (r = listener_open(srv, conf->user_socket_path, 0666, 0, err,
	    errlen)) != AUTHD_OK)
		return r;
	if ((r = nss_server_listen(srv, err, errlen)) != AUTHD_OK)
		return r;
	return AUTHD_OK;
}

void
server_close_listeners(struct server *srv)
{
	struct listener *li;
	size_t i;

	if (srv->loop == NULL)
		return;
	loop_timer_cancel(srv->loop, &srv->listen_pause);
	loop_timer_cancel(srv->loop, &srv->sweep);
	for (i = 0; i < srv->n_listeners; i++) {
		li = &srv->listeners[i];
		loop_del(srv->loop, &li->src);
		close(li->src.fd);
		unlink(li->path);
	}
	srv->n_listeners = 0;
	nss_server_close(srv);
}

static void on_accept_resume(struct loop_timer *t);
static void on_sweep(struct loop_timer *t);

void
server_init(struct server *srv, const struct authd_conf *conf)
{
	memset(srv, 0, sizeof(*srv));
	srv->conf = conf;
	loop_timer_init(&srv->listen_pause, on_accept_resume, srv);
	loop_timer_init(&srv->sweep, on_sweep, srv);
}

static void
on_accept_resume(struct loop_timer *t)
{
	struct server *srv = t->arg;
	size_t i;

	for (i = 0; i < srv->n_listeners; i++)
		(void)loop_mod(srv->loop, &srv->listeners[i].src, EPOLLIN);
}

void
server_pause_accept(struct server *srv)
{
	size_t i;

	/* Level-triggered epoll would spin on a listener we cannot serve. */
	for (i = 0; i < srv->n_listeners; i++)
		(void)loop_mod(srv->loop, &srv->listeners[i].src, 0);
	(void)loop_timer_after(srv->loop, &srv->listen_pause, ACCEPT_PAUSE_MS);
}

static void
on_sweep(struct loop_timer *t)
{
	struct server *srv = t->arg;

	login_ids_expire(srv->login_ids, time(NULL));
	grace_hold_expire(srv->grace_hold, time(NULL));
	session_expire_ended(srv->sessions, time(NULL));
	server_save_decoys(srv);
	conn_report_rate_limits(srv);
	(void)loop_timer_after(srv->loop, &srv->sweep, SWEEP_MS);
}

void
server_save_decoys(struct server *srv)
{
	if (srv->decoy_state != NULL && decoy_stats_dirty(srv->decoys) &&
	    decoy_stats_save(srv->decoys, srv->decoy_state,
	    srv->decoy_methods) != AUTHD_OK)
		authd_log(LOG_ERR, "%s: cannot keep the decoys' counts: %s",
		    srv->decoy_state, strerror(errno));
	if (srv->decoy_locks_state != NULL && decoy_locks_dirty(srv->decoy_locks) &&
	    decoy_locks_save(srv->decoy_locks, srv->decoy_locks_state,
	    srv->decoy_key_id) != AUTHD_OK)
		authd_log(LOG_ERR, "%s: cannot keep the decoys' locks: %s",
		    srv->decoy_locks_state, strerror(errno));
}

int
server_start_sweep(struct server *srv)
{
	return loop_timer_after(srv->loop, &srv->sweep, SWEEP_MS);
}

static int
read_banner_file(const char *path, char **text_r, char *err, size_t errlen)
{
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return AUTHD_ERR_IO;
	}
	if ((text = calloc(1, BANNER_MAX + 1)) == NULL) {
		close(fd);
		return AUTHD_ERR_NOMEM;
	}
	while (len < BANNER_MAX &&
	    (n = read(fd, text + len, BANNER_MAX - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(text);
			close(fd);
			return AUTHD_ERR_IO;
		}
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	*text_r = text;
	return AUTHD_OK;
}

int
server_load_banner(struct server *srv, char *err, size_t errlen)
{
	const struct authd_conf *conf = srv->conf;
	size_t len;
	int r;

	srv->banner = NULL;
	if (conf->banner_file != NULL && conf->banner_file[0] != '\0') {
		if ((r = read_banner_file(conf->banner_file, &srv->banner, err,
		    errlen)) != AUTHD_OK)
			return r;
	} else if (conf->banner != NULL && conf->banner[0] != '\0') {
		if ((srv->banner = strdup(conf->banner)) == NULL)
			return AUTHD_ERR_NOMEM;
	}
	if (srv->banner == NULL)
		return AUTHD_OK;
	/* Login programs end each message with a newline of their own. */
	len = strlen(srv->banner);
	while (len > 0 && srv->banner[len - 1] == '\n')
		srv->banner[--len] = '\0';
	if (len == 0) {
		free(srv->banner);
		srv->banner = NULL;
	}
	return AUTHD_OK;
}
