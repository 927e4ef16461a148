/* A tiny unit test harness: each check prints "ok N - name" or
   "not ok N - name: why"; unit_done prints "N passed, M failed" and
   returns the exit status.  */
#ifndef TONG_UNIT_H
#define TONG_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define UNIT_CHECK(cond, name, ...)                                                                \
  do                                                                                               \
    {                                                                                              \
      if (cond)                                                                                    \
        {                                                                                          \
          unit_passed++;                                                                           \
          printf ("ok %d - %s\n", unit_passed + unit_failed, name);                               \
        }                                                                                          \
      else                                                                                         \
        {                                                                                          \
          unit_failed++;                                                                           \
          printf ("not ok %d - %s: ", unit_passed + unit_failed, name);                           \
          printf (__VA_ARGS__);                                                                    \
          printf (" (%s:%d)\n", __FILE__, __LINE__);                                               \
        }                                                                                          \
    }                                                                                              \
  while (0)

#define UNIT_STREQ(a, b, name)                                                                     \
  do                                                                                               \
    {                                                                                              \
      const char *_a = (a), *_b = (b);                                                             \
      UNIT_CHECK (_a && _b && strcmp (_a, _b) == 0, name, "got `%s`, want `%s`",                   \
                  _a ? _a : "(null)", _b ? _b : "(null)");                                         \
    }                                                                                              \
  while (0)

static inline int
unit_done (void)
{
  printf ("%d passed, %d failed\n", unit_passed, unit_failed);
  return unit_failed == 0 ? 0 : 1;
}

#endif
