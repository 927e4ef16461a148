/* Scope-bound cleanup for memory, fds, FILEs and child pids.  */
#ifndef TONG_CLEANUP_H
#define TONG_CLEANUP_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static inline void
tong_freep (void *p)
{
  free (*(void **) p);
}

static inline void
tong_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
tong_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

/* A child that is still set when the scope ends failed midway: kill and reap it.  */
static inline void
tong_killpidp (pid_t *pid)
{
  if (*pid > 0)
    {
      int saved = errno;
      kill (*pid, SIGKILL);
      while (waitpid (*pid, NULL, 0) < 0 && errno == EINTR)
        ;
      errno = saved;
    }
}

static inline void
tong_strvfreep (char ***v)
{
  if (*v)
    {
      for (char **p = *v; *p; p++)
        free (*p);
      free (*v);
    }
}

#define cleanup_free __attribute__ ((cleanup (tong_freep)))
#define cleanup_close __attribute__ ((cleanup (tong_closep)))
#define cleanup_fclose __attribute__ ((cleanup (tong_fclosep)))
#define cleanup_pid __attribute__ ((cleanup (tong_killpidp)))
#define cleanup_strv __attribute__ ((cleanup (tong_strvfreep)))

/* Hand ownership out of a cleanup variable.  */
#define steal_pointer(pp)                                                                          \
  ({                                                                                               \
    __typeof__ (*(pp)) _v = *(pp);                                                                 \
    *(pp) = NULL;                                                                                  \
    _v;                                                                                            \
  })
#define steal_fd(fdp)                                                                              \
  ({                                                                                               \
    int _v = *(fdp);                                                                               \
    *(fdp) = -1;                                                                                   \
    _v;                                                                                            \
  })

#endif
