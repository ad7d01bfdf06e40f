/* Logging for long-running programs: to syslog, and to stderr when asked. */
#ifndef AUTHD_LOG_H
#define AUTHD_LOG_H

#include <syslog.h>

/* ident: program name; to_stderr: also print (foreground/debug); debug: keep LOG_DEBUG. */
void authd_log_open(const char *ident, int to_stderr, int debug);
/*
 * Whether a syslog daemon listens (checked at most once a second). Without
 * one, each syslog() call opens, connects and closes a socket in vain.
 */
int authd_syslog_listening(void);
void authd_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
