/* Logging: text or JSON lines with runc's keys (level, msg, time).  */
#ifndef TONG_LOG_H
#define TONG_LOG_H

#include <stdbool.h>
#include "err.h"

enum tong_log_level
{
  TONG_LOG_ERROR,
  TONG_LOG_WARN,
  TONG_LOG_INFO,
  TONG_LOG_DEBUG,
};

extern bool tong_log_debug_enabled;

/* PATH may be NULL (stderr).  JSON selects runc's JSON line format.  */
int tong_log_init (const char *path, bool json, bool debug, struct tong_err *err);
/* The log fd, so a child can keep logging after it changed root.  -1 = stderr.  */
int tong_log_fd (void);
void tong_log_set_fd (int fd);
/* Errors: printed on stderr as text, and also written to --log when set (as runc).  */
void tong_log_error_msg (const char *msg);
void tong_log (enum tong_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#define tong_debug(...)                                                                            \
  do                                                                                               \
    {                                                                                              \
      if (tong_log_debug_enabled)                                                                  \
        tong_log (TONG_LOG_DEBUG, __VA_ARGS__);                                                    \
    }                                                                                              \
  while (0)
#define tong_warn(...) tong_log (TONG_LOG_WARN, __VA_ARGS__)
#define tong_info(...) tong_log (TONG_LOG_INFO, __VA_ARGS__)

/* Monotonic microseconds, for the per-phase timing that --debug shows.  */
unsigned long long tong_now_us (void);

#endif
