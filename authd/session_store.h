/*
 * The live sessions of this host kept in a file (STATE_DIR/sessions), so that
 * a restart of authd (a new configuration, an upgrade, a crash) does not
 * forget them: their deadlines, their grants and the cards and accounts
 * they rest on still end them afterwards.
 *
 * A journal of lines, appended as the registry changes and rewritten
 * whole at start and when it has grown to several times what it holds:
 *
 *   authd-sessions 1 boot=BOOT_ID
 *   + id=... pid=... start=... user=... (every field, key=value)
 *   - id=...
 *
 * A "+" line adds a session or replaces the one of the same id, "-"
 * removes it; values are %XX-escaped (space, '%', control bytes); keys a
 * reader does not know are skipped. Lines are written, not synced: the
 * sessions do not outlive the machine, and a file of another boot (its
 * boot id) is dropped whole. A torn last line (a crash while writing) is
 * ignored; any other bad line is reported by number and skipped.
 *
 * A change that cannot be written (a full disk) is cut off again and the
 * file rewritten whole at the next change that finds room; with no room
 * for the rewrite at start, authd goes on with the file as it is.
 *
 * The file is locked: a second authd on the same file does not start.
 * Loop thread only.
 */
#ifndef AUTHD_SESSION_STORE_H
#define AUTHD_SESSION_STORE_H

#include <stddef.h>

#include "session.h"

struct session_store;

/*
 * Open (creating 0600) and lock path,
 * then call restore for each session it holds whose login program is
 * still running (the same pid and start time); the file is then rewritten
 * with what restore kept (it returns 0 to keep). *dropped_r: sessions whose
 * login program is gone. AUTHD_OK, or an error with err filled.
 */
int session_store_open(const char *path,
    int (*restore)(void *arg, const struct session *s), void *arg,
    struct session_store **st_r, size_t *dropped_r, char *err, size_t errlen);
void session_store_close(struct session_store **stp);

/*
 * Read path without taking it (authctl session list, while authd writes
 * it): fn for each session it holds now, in no order; a file of an
 * earlier boot holds none. AUTHD_OK, or an error with err filled.
 */
int session_store_read(const char *path,
    int (*fn)(void *arg, const struct session *s), void *arg, char *err,
    size_t errlen);

/* s was added or changed / the session id is gone. */
void session_store_put(struct session_store *st, const struct session *s);
void session_store_del(struct session_store *st, const char *id);

/*
 * Whether the journal is worth rewriting for live sessions held; then
 * session_store_rewrite with each of them through next (NULL at the end).
 */
int session_store_wants_rewrite(const struct session_store *st, size_t live);
int session_store_rewrite(struct session_store *st,
    const struct session *(*next)(void *arg), void *arg);

/* Encode one session as a "+" line / decode one (0, or -1 malformed). */
int session_store_encode(const struct session *s, char *line, size_t linesz);
int session_store_decode(char *line, struct session *s_r);

#endif
