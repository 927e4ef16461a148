#include "log.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool tong_log_debug_enabled = false;
static int log_fd = -1;     /* -1: stderr only.  */
static bool log_json = false;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int
tong_log_init (const char *path, bool json, bool debug, struct tong_err *err)
{
  tong_log_debug_enabled = debug;
  log_json = json;
  if (path == NULL || path[0] == '\0')
    return 0;
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return tong_err_set (err, errno, "open log file `%s`", path);
  log_fd = fd;
  return 0;
}

int
tong_log_fd (void)
{
  return log_fd;
}

void
tong_log_set_fd (int fd)
{
  log_fd = fd;
}

static void
format_time (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  size_t n = strftime (buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static void
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t w = write (fd, buf, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return;
      buf += w;
      len -= w;
    }
}

static void
emit (int fd, enum tong_log_level level, const char *msg)
{
  char line[TONG_ERR_MSG_MAX * 2 + 128];
  char tbuf[64];
  int n;
  format_time (tbuf, sizeof tbuf);
  if (log_json && fd != STDERR_FILENO)
    {
      char esc[TONG_ERR_MSG_MAX * 2];
      json_escape (msg, esc, sizeof esc);
      n = snprintf (line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                    level_names[level], esc, tbuf);
    }
  else if (fd == STDERR_FILENO)
    n = snprintf (line, sizeof line, "%s%s\n", level == TONG_LOG_ERROR ? "tong: " : "",
                  msg);
  else
    n = snprintf (line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", tbuf,
                  level_names[level], msg);
  if (n < 0)
    return;
  if ((size_t) n >= sizeof line)
    n = sizeof line - 1;
  write_all (fd, line, n);
}

void
tong_log_error_msg (const char *msg)
{
  if (log_fd >= 0)
    emit (log_fd, TONG_LOG_ERROR, msg);
  emit (STDERR_FILENO, TONG_LOG_ERROR, msg);
}

void
tong_log (enum tong_log_level level, const char *fmt, ...)
{
  if (level == TONG_LOG_DEBUG && !tong_log_debug_enabled)
    return;
  char msg[TONG_ERR_MSG_MAX];
  va_list ap;
  int saved = errno;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (level == TONG_LOG_ERROR)
    tong_log_error_msg (msg);
  else if (log_fd >= 0)
    emit (log_fd, level, msg);
  else
    {
      char pfx[TONG_ERR_MSG_MAX + 16];
      snprintf (pfx, sizeof pfx, "%s: %s", level_names[level], msg);
      emit (STDERR_FILENO, level, pfx);
    }
  errno = saved;
}

unsigned long long
tong_now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (unsigned long long) ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}
