#include "err.h"

#include <stdio.h>
#include <string.h>

int
tong_err_setv (struct tong_err *err, int errnum, const char *fmt, va_list ap)
{
  if (err == NULL)
    return -1;
  int n = vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  if (n < 0)
    n = 0;
  if (errnum != 0 && (size_t) n < sizeof err->msg)
    snprintf (err->msg + n, sizeof err->msg - n, ": %s", strerror (errnum));
  err->errnum = errnum;
  return -1;
}

int
tong_err_set (struct tong_err *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  tong_err_setv (err, errnum, fmt, ap);
  va_end (ap);
  return -1;
}

int
tong_err_wrap (struct tong_err *err, const char *fmt, ...)
{
  if (err == NULL)
    return -1;
  char prefix[TONG_ERR_MSG_MAX];
  char old[TONG_ERR_MSG_MAX];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, err->msg, sizeof old);
  size_t n = strnlen (prefix, sizeof err->msg - 3);
  memcpy (err->msg, prefix, n);
  memcpy (err->msg + n, ": ", 2);
  /* Keep the prefix; the old message is cut if both do not fit.  */
  size_t room = sizeof err->msg - n - 3;
  size_t olen = strnlen (old, room);
  memcpy (err->msg + n + 2, old, olen);
  err->msg[n + 2 + olen] = '\0';
  return -1;
}

void
tong_err_clear (struct tong_err *err)
{
  if (err == NULL)
    return;
  err->errnum = 0;
  err->msg[0] = '\0';
}
