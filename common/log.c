#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * One process-wide logger. The settings are written once at start-up but may
 * be read from several threads, so they sit behind a mutex; the mutex also
 * keeps lines written to stderr by different threads from interleaving.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_ident[64] = "authd";
static int log_to_stderr;
static int log_debug;

#define LOG_LINE_MAX 2048
#define SYSLOG_RECHECK_S 1
#define SYSLOG_LINE_MAX 8192   /* an audit record with its extra fields */

static void neutralise_controls(char *s);

/*
 * The syslog copy. glibc's syslog() blocks when the daemon stops reading
 * (its socket buffer full), and authd writes records from its event loop:
 * a stalled journald must not stall logins. So lines go out on a socket of
 * our own, non-blocking; what cannot be sent at once is dropped and counted
 * (the audit file is the record; syslog is a second witness), and the count
 * is told with the next line that goes out.
 */
static pthread_mutex_t sl_lock = PTHREAD_MUTEX_INITIALIZER;
static int sl_fd = -1;
static char sl_path[sizeof(((struct sockaddr_un *)0)->sun_path)] = _PATH_LOG;
static unsigned long sl_dropped;

/* Whether a syslog daemon may listen: the socket exists (checked at most
 * once a second, by whichever thread comes first). */
int
authd_syslog_listening(void)
{
	static _Atomic long checked = -1;
	static _Atomic int present;
	struct timespec now;
	struct stat st;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (checked == -1 || now.tv_sec - checked >= SYSLOG_RECHECK_S) {
		pthread_mutex_lock(&sl_lock);
		present = stat(sl_path, &st) == 0 && S_ISSOCK(st.st_mode);
		pthread_mutex_unlock(&sl_lock);
		checked = now.tv_sec;
	}
	return present;
}

void
authd_syslog_set_path(const char *path)
{
	pthread_mutex_lock(&sl_lock);
	snprintf(sl_path, sizeof(sl_path), "%s", path);
	if (sl_fd != -1)
		close(sl_fd);
	sl_fd = -1;
	pthread_mutex_unlock(&sl_lock);
}

static int
sl_connect(void)
{
	struct sockaddr_un sun;

	if (sl_fd != -1)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sl_path, strlen(sl_path));
	if ((sl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (connect(sl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(sl_fd);
		sl_fd = -1;
		return -1;
	}
	return 0;
}

void
authd_syslog(int priority, const char *fmt, ...)
{
	char msg[SYSLOG_LINE_MAX], line[SYSLOG_LINE_MAX + 256], stamp[32];
	char dropped[96] = "";
	int saved_errno = errno, n, tries;
	size_t len;
	time_t now;
	struct tm tm;
	va_list ap;

	if (!authd_syslog_listening())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	neutralise_controls(msg);
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %T", &tm);
	pthread_mutex_lock(&sl_lock);
	if (sl_dropped > 0)
		snprintf(dropped, sizeof(dropped), "(%lu lines dropped before, "
		    "syslog not reading) ", sl_dropped);
	/* RFC 3164, as glibc writes it: <PRI>TIMESTAMP TAG[PID]: MSG */
	n = snprintf(line, sizeof(line), "<%d>%s %s[%ld]: %s%s",
	    LOG_FAC(priority) != 0 ? priority : (LOG_AUTHPRIV | priority),
	    stamp, log_ident, (long)getpid(), dropped, msg);
	len = n < 0 ? 0 : (size_t)n >= sizeof(line) ? sizeof(line) - 1 : (size_t)n;
	for (tries = 0; tries < 2 && len > 0; tries++) {
		if (sl_connect() != 0)
			break;
		if (send(sl_fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) {
			sl_dropped = 0;
			goto out;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			break;
		/* the daemon restarted: its socket is a new one */
		close(sl_fd);
		sl_fd = -1;
	}
	sl_dropped++;
 out:
	pthread_mutex_unlock(&sl_lock);
	errno = saved_errno;
}

void
authd_log_open(const char *ident, int to_stderr, int debug)
{
	pthread_mutex_lock(&log_lock);
	if (ident != NULL)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_to_stderr = to_stderr;
	log_debug = debug;
	/*
	 * Everything authd and authctl say concerns authentication and may
	 * name people: LOG_AUTHPRIV keeps it out of world-readable logs
	 * (authd_syslog's default facility).
	 */
	pthread_mutex_unlock(&log_lock);
}

static const char *
level_name(int pri)
{
	switch (LOG_PRI(pri)) {
	case LOG_EMERG: return "emerg";
	case LOG_ALERT: return "alert";
	case LOG_CRIT: return "crit";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/*
 * Messages carry names and hosts that come from clients; a control character
 * (a newline above all) could forge a second log line, so each becomes '?'.
 */
static void
neutralise_controls(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void
write_stderr(int pri, const char *msg)
{
	char stamp[32], line[LOG_LINE_MAX + 128];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld]: %s: %s\n", stamp,
	    ts.tv_nsec / 1000000, log_ident, (long)getpid(), level_name(pri), msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write() per line so that lines of concurrent processes stay whole. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
authd_log(int priority, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	int saved_errno = errno;  /* callers often log and then test errno */
	va_list ap;

	pthread_mutex_lock(&log_lock);
	if (LOG_PRI(priority) == LOG_DEBUG && !log_debug)
		goto out;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	neutralise_controls(msg);
	authd_syslog(priority, "%s", msg);
	if (log_to_stderr)
		write_stderr(priority, msg);
 out:
	pthread_mutex_unlock(&log_lock);
	errno = saved_errno;
}
