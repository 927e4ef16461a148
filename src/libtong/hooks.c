#include "hooks.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int
wait_with_timeout (pid_t pid, int timeout, int *status, struct tong_err *err)
{
  if (timeout <= 0)
    {
      while (waitpid (pid, status, 0) < 0)
        if (errno != EINTR)
          return tong_err_set (err, errno, "waitpid");
      return 0;
    }
  /* A pidfd lets poll() bound the wait without signals or busy loops.  */
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return tong_err_set (err, errno, "pidfd_open");
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int r;
  do
    r = poll (&p, 1, timeout * 1000);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, status, 0);
      return tong_err_set (err, ETIMEDOUT, "timed out after %d s", timeout);
    }
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR)
      return tong_err_set (err, errno, "waitpid");
  return 0;
}

static int
run_one (const struct oci_hook *h, const char *state_json, struct tong_err *err)
{
  int in[2];
  if (pipe2 (in, O_CLOEXEC) < 0)
    return tong_err_set (err, errno, "pipe");
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (in[0]);
      close (in[1]);
      return tong_err_set (err, errno, "fork");
    }
  if (pid == 0)
    {
      dup2 (in[0], 0);
      /* Hooks get the runtime's stdout/stderr, as runc.  */
      char *const default_argv[] = { h->path, NULL };
      char *const empty_env[] = { NULL };
      execve (h->path, h->args ? h->args : default_argv, h->env ? h->env : empty_env);
      _exit (127);
    }
  close (in[0]);
  /* A hook that does not read stdin must not make us fail: ignore EPIPE.  */
  void (*old) (int) = signal (SIGPIPE, SIG_IGN);
  write_all_fd (in[1], state_json, strlen (state_json));
  signal (SIGPIPE, old);
  close (in[1]);
  int status = 0;
  if (wait_with_timeout (pid, h->has_timeout ? h->timeout : 0, &status, err) < 0)
    return -1;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127 && access (h->path, X_OK) < 0)
    return tong_err_set (err, errno, "exec");
  if (WIFEXITED (status))
    return tong_err_set (err, 0, "exited with status %d", WEXITSTATUS (status));
  return tong_err_set (err, 0, "killed by signal %d", WTERMSIG (status));
}

int
hooks_run (const struct oci_config *c, enum oci_hook_kind kind, const char *state_json,
           struct tong_err *err)
{
  for (size_t i = 0; i < c->n_hooks[kind]; i++)
    {
      const struct oci_hook *h = &c->hooks[kind][i];
      unsigned long long t0 = tong_now_us ();
      if (run_one (h, state_json, err) < 0)
        return tong_err_wrap (err, "hooks.%s[%zu] (%s)", oci_hook_kind_name (kind), i, h->path);
      tong_debug ("hooks.%s[%zu] (%s) took %llu us", oci_hook_kind_name (kind), i, h->path,
                  tong_now_us () - t0);
    }
  return 0;
}

void
hooks_run_warn (const struct oci_config *c, enum oci_hook_kind kind, const char *state_json)
{
  for (size_t i = 0; i < c->n_hooks[kind]; i++)
    {
      const struct oci_hook *h = &c->hooks[kind][i];
      struct tong_err e = { 0 };
      if (run_one (h, state_json, &e) < 0)
        tong_warn ("hooks.%s[%zu] (%s): %s", oci_hook_kind_name (kind), i, h->path, e.msg);
    }
}
