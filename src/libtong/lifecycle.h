/* Shared by the parent-side files (lifecycle.c, exec.c, query.c).  */
#ifndef TONG_LIFECYCLE_H
#define TONG_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>
#include "err.h"
#include "log.h"
#include "state.h"
#include "tong.h"

pid_t lifecycle_clone (int flags);
/* Open, lock and read a container's state; returns the state dir fd.  */
int lifecycle_open_locked (struct tong_ctx *ctx, const char *id, struct tong_state *st,
                           struct tong_err *err);
int lifecycle_start_process (int dirfd, const struct tong_state *st, struct tong_err *err);
int lifecycle_destroy (struct tong_ctx *ctx, int dirfd, struct tong_state *st,
                       struct tong_err *err);
/* Signal the container's init, checked against pid reuse.  */
int lifecycle_signal (const struct tong_state *st, int sig, struct tong_err *err);
/* Signal every process of the container (best effort).  */
void lifecycle_kill_all (const struct tong_state *st, int sig);
/* The container's pids (init first).  Returns the count, -1 on error.  */
int lifecycle_pids (const struct tong_state *st, pid_t **out, struct tong_err *err);

/* Wait for our child PID, forwarding signals to it; *EXIT_CODE as a shell's.  */
int lifecycle_wait (pid_t pid, int *exit_code, struct tong_err *err);
int lifecycle_write_pid_file (const char *path, pid_t pid, struct tong_err *err);

/* --debug per-phase timing.  */
static inline void
timing_log (const char *phase, unsigned long long *t)
{
  if (!tong_log_debug_enabled)
    return;
  unsigned long long now = tong_now_us ();
  tong_debug ("phase %s: %llu us", phase, now - *t);
  *t = now;
}

#endif
