/* tong error type: one message, built on the way up.  */
#ifndef TONG_ERR_H
#define TONG_ERR_H

#include <stdarg.h>

#define TONG_ERR_MSG_MAX 2048

struct tong_err
{
  int errnum;                  /* errno of the root cause, 0 if none.  */
  char msg[TONG_ERR_MSG_MAX];  /* "context: context: cause: errno text".  */
};

/* Set ERR to the formatted message; when ERRNUM is not 0, append
   ": strerror (ERRNUM)" once.  Always returns -1 so callers can write
   `return tong_err_set (err, errno, "open `%s`", path);`.  */
int tong_err_set (struct tong_err *err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int tong_err_setv (struct tong_err *err, int errnum, const char *fmt, va_list ap);

/* Prefix ERR's message with context: "context: old message".  Returns -1.  */
int tong_err_wrap (struct tong_err *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

void tong_err_clear (struct tong_err *err);

#endif
