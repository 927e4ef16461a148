/* The container process: the ordered steps from clone to execve.
   Any failure is sent to the parent as SYNC_ERROR and the process exits;
   after `start` connected, failures go to `start` over that connection.  */
#include "init.h"
#include "caps.h"
#include "cleanup.h"
#include "fileutil.h"
#include "hooks.h"
#include "json.h"
#include "log.h"
#include "lsm.h"
#include "mounts.h"
#include "ns.h"
#include "process.h"
#include "rootfs.h"
#include "sync.h"
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static void __attribute__ ((noreturn)) fail (struct init_ctx *ctx, struct tong_err *err)
{
  sync_send_error (ctx->sync_sock, err);
  _exit (1);
}

static int
set_hostname (const struct oci_config *c, struct tong_err *err)
{
  if (c->hostname && sethostname (c->hostname, strlen (c->hostname)) < 0)
    return tong_err_set (err, errno, "hostname: sethostname `%s`", c->hostname);
  if (c->domainname && setdomainname (c->domainname, strlen (c->domainname)) < 0)
    return tong_err_set (err, errno, "domainname: setdomainname `%s`", c->domainname);
  return 0;
}

static int
apply_sysctls (const struct oci_config *c, struct tong_err *err)
{
  for (size_t i = 0; i < c->linux_.n_sysctl; i++)
    {
      const struct oci_sysctl *s = &c->linux_.sysctl[i];
      char path[512];
      int n = snprintf (path, sizeof path, "/proc/sys/");
      for (const char *k = s->key; *k && (size_t) n < sizeof path - 1; k++)
        path[n++] = *k == '.' ? '/' : *k;
      path[n] = '\0';
      if (write_file_at (AT_FDCWD, path, s->value, strlen (s->value), err) < 0)
        return tong_err_wrap (err, "linux.sysctl[\"%s\"]", s->key);
    }
  return 0;
}

/* Mark every fd past stdio and the preserved ones close-on-exec, so what an
   engine leaked into tong never reaches the container.  */
static int
close_extra_fds (int preserve, struct tong_err *err)
{
  unsigned first = 3 + (unsigned) preserve;
  if (syscall (SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return tong_err_set (err, errno, "close_range");
  for (int fd = 3; fd < (int) first; fd++)
    {
      int fl = fcntl (fd, F_GETFD);
      if (fl >= 0)
        fcntl (fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
  return 0;
}

static int
enter_cwd (const char *cwd, bool may_create, struct tong_err *err)
{
  if (chdir (cwd) == 0)
    return 0;
  if (errno == ENOENT && may_create)
    {
      /* As runc: a missing cwd is made (as root, before the user switch).  */
      cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      cleanup_close int fd = root >= 0 ? rootfs_ensure (root, cwd, true, err) : -1;
      if (fd < 0)
        return tong_err_wrap (err, "process.cwd: create `%s`", cwd);
      if (chdir (cwd) == 0)
        return 0;
    }
  return tong_err_set (err, errno, "process.cwd: chdir `%s`", cwd);
}

/* Process attributes that need privileges: before the user switch.  */
static int
apply_process_attrs (const struct init_ctx *ctx, struct tong_err *err)
{
  const struct oci_process *p = ctx->process;
  if (process_apply_rlimits (p, err) < 0 || process_apply_scheduler (p, err) < 0
      || process_apply_io_priority (p, err) < 0)
    return -1;
  /* A new container does this before the root switch: its /proc may be absent.  */
  if (ctx->is_exec && process_apply_oom_score_adj (p, err) < 0)
    return -1;
  if (!ctx->is_exec)
    {
      if (process_apply_personality (&ctx->config->linux_.personality, err) < 0
          || process_apply_memory_policy (&ctx->config->linux_.memory_policy, err) < 0)
        return -1;
    }
  /* config.md: execCPUAffinity is for processes joining the container.  */
  if (ctx->is_exec && p->exec_cpu_affinity.initial
      && process_apply_cpu_affinity (p->exec_cpu_affinity.initial, err) < 0)
    return tong_err_wrap (err, "process.execCPUAffinity.initial");
  return 0;
}

static void
timing (const char *phase, unsigned long long *t)
{
  if (!tong_log_debug_enabled)
    return;
  unsigned long long now = tong_now_us ();
  tong_debug ("phase %s: %llu us", phase, now - *t);
  *t = now;
}

static int
apply_mounts (struct init_ctx *ctx, struct tong_err *err)
{
  const struct oci_config *c = ctx->config;
  cleanup_close int rootfd = open (ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return tong_err_set (err, errno, "open rootfs `%s`", ctx->rootfs);
  struct mounts_ctx mc = { .config = c,
                           .rootfs = ctx->rootfs,
                           .rootfd = rootfd,
                           .in_userns = ns_has_userns (c),
                           .mount_label = c->linux_.mount_label,
                           .idmap_fds = ctx->idmap_fds };
  return mounts_apply (&mc, err);
}

/* Building a new container: namespaces, mounts, root switch.  */
static int
build_container (struct init_ctx *ctx, char *state_json, size_t state_len, int *master,
                 struct tong_err *err)
{
  const struct oci_config *c = ctx->config;
  unsigned long long t = tong_now_us ();
  bool has_mntns = oci_config_ns (c, OCI_NS_MOUNT) != NULL;
  if (oci_config_ns (c, OCI_NS_UTS) && set_hostname (c, err) < 0)
    return -1;
  const struct oci_namespace *netns = oci_config_ns (c, OCI_NS_NETWORK);
  if (netns && netns->path == NULL && ns_loopback_up (err) < 0)
    return -1;
  /* Without a mount namespace the mounts land in the runtime's, as
     config-linux.md says; delete removes them (hostmounts.h).  */
  if ((has_mntns && rootfs_prepare (c, ctx->rootfs, err) < 0) || apply_mounts (ctx, err) < 0)
    return -1;
  timing ("mounts", &t);
  if (apply_sysctls (c, err) < 0)
    return -1;

  /* The parent runs prestart and createRuntime hooks now, in the runtime
     namespace, and answers with the state the next hooks get.  Without any
     of those hooks nothing needs that round trip.  */
  state_json[0] = '\0';
  if (c->n_hooks[OCI_HOOK_PRESTART] || c->n_hooks[OCI_HOOK_CREATE_RUNTIME]
      || c->n_hooks[OCI_HOOK_CREATE_CONTAINER] || c->n_hooks[OCI_HOOK_START_CONTAINER])
    {
      if (sync_send (ctx->sync_sock, SYNC_HOOKS_CREATE_RUNTIME, -1, err) < 0)
        return -1;
      struct sync_msg *m = malloc (sizeof *m);
      if (m == NULL)
        return tong_err_set (err, ENOMEM, "sync");
      if (sync_recv (ctx->sync_sock, m, NULL, err) < 0 || m->type != SYNC_GO)
        {
          free (m);
          _exit (1); /* the parent failed and reports it.  */
        }
      snprintf (state_json, state_len, "%s", m->msg);
      free (m);
    }

  if (hooks_run (c, OCI_HOOK_CREATE_CONTAINER, state_json, err) < 0)
    return -1;
  if (lsm_set_exec_labels (ctx->process->apparmor_profile, ctx->process->selinux_label, err) < 0)
    return -1;
  /* Through the host's /proc, still reachable here.  */
  if (process_apply_oom_score_adj (ctx->process, err) < 0)
    return -1;
  if (has_mntns ? rootfs_pivot (ctx->rootfs, ctx->no_pivot, err) < 0
                : rootfs_chroot (ctx->rootfs, err) < 0)
    return -1;
  timing ("root switch", &t);
  if (ctx->process->terminal)
    {
      *master = terminal_setup (ctx->process, true, err);
      if (*master < 0)
        return -1;
    }
  /* Without a mount namespace the config check refused what these would do
     to the runtime's own mounts (masks, root.readonly, propagation).  */
  if (mounts_mask_and_readonly (c, err) < 0 || rootfs_finalize (c, err) < 0)
    return -1;
  return 0;
}

/* The state startContainer hooks get: "created", and our pid as the
   container's namespace sees it, since they run in it.  */
static int
start_state (char *state_json, size_t len, struct tong_err *err)
{
  struct json_value *doc = NULL;
  if (json_parse (state_json, strlen (state_json), &doc, err) < 0)
    return tong_err_wrap (err, "state for startContainer hooks");
  struct json_writer *w = json_writer_new (false);
  json_w_obj_begin (w);
  for (size_t i = 0; i < doc->u.object.len; i++)
    {
      const char *k = doc->u.object.keys[i];
      json_w_key (w, k);
      if (strcmp (k, "status") == 0)
        json_w_str (w, "created");
      else if (strcmp (k, "pid") == 0)
        json_w_int (w, getpid ());
      else
        json_w_value (w, doc->u.object.values[i]);
    }
  json_w_obj_end (w);
  size_t n;
  const char *text = json_writer_text (w, &n);
  if (n < len)
    memcpy (state_json, text, n + 1);
  json_writer_free (w);
  json_free (doc);
  return 0;
}

/* Waits for `start` to connect to exec.sock; returns the connection.  */
static int
wait_for_start (struct init_ctx *ctx, struct tong_err *err)
{
  int conn;
  do
    conn = accept4 (ctx->exec_listen_fd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    return tong_err_set (err, errno, "accept on exec.sock");
  close (ctx->exec_listen_fd);
  char b;
  /* `start` sends one byte: a connect alone could come from anyone with access.  */
  if (read (conn, &b, 1) != 1)
    {
      close (conn);
      return tong_err_set (err, errno ? errno : EPIPE, "read start request");
    }
  return conn;
}

static int
wait_first_go (struct init_ctx *ctx, struct tong_err *err)
{
  struct sync_msg *m = malloc (sizeof *m);
  if (m == NULL)
    return tong_err_set (err, ENOMEM, "sync");
  for (;;)
    {
      int fd = -1;
      if (sync_recv (ctx->sync_sock, m, &fd, err) < 0)
        break;
      if (m->type == SYNC_GO)
        {
          free (m);
          return 0;
        }
      size_t n = ctx->config->n_mounts;
      size_t idx = (size_t) strtoul (m->msg, NULL, 10);
      if (m->type != SYNC_MOUNT_FD || fd < 0 || idx >= n)
        {
          tong_err_set (err, EPROTO, "unexpected message %u before the first go", m->type);
          break;
        }
      if (ctx->idmap_fds == NULL)
        {
          int *v = malloc (n * sizeof *v);
          if (v == NULL)
            break;
          for (size_t i = 0; i < n; i++)
            v[i] = -1;
          ctx->idmap_fds = v;
        }
      ctx->idmap_fds[idx] = fd;
    }
  free (m);
  return -1;
}

int
init_child (struct init_ctx *ctx)
{
  struct tong_err err = { 0 };
  const struct oci_process *p = ctx->process;
  char *state_json = NULL;
  int master = -1;

  close (ctx->parent_sock);
  if (ctx->state_dirfd >= 0)
    close (ctx->state_dirfd);
  /* The parent first puts us in the cgroup and writes the id maps, and
     sends the idmapped mounts it made for us.  */
  if (wait_first_go (ctx, &err) < 0)
    _exit (1);
  if (ctx->new_userns)
    {
      if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
        {
          tong_err_set (&err, errno, "become root in the user namespace");
          fail (ctx, &err);
        }
    }
  bool joins_userns = ctx->ns_fds[OCI_NS_USER] >= 0;
  if (ns_join (ctx->ns_fds, &err) < 0)
    fail (ctx, &err);
  ns_close_fds (ctx->ns_fds);
  /* Our host ids mean nothing in a joined user namespace: files we make would
     get the overflow ids (EOVERFLOW).  Become its root, as in a new one.  */
  if (joins_userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    {
      tong_err_set (&err, errno, "become root in the joined user namespace");
      fail (ctx, &err);
    }
  if (!ctx->is_exec)
    {
      bool need_fork;
      if (ns_unshare_late (ctx->config, &need_fork, &err) < 0)
        fail (ctx, &err);
      if (need_fork)
        {
          pid_t g = fork ();
          if (g < 0)
            {
              tong_err_set (&err, errno, "fork into the new pid namespace");
              fail (ctx, &err);
            }
          if (g > 0)
            {
              /* The parent follows the new process; we are done.  */
              char buf[32];
              snprintf (buf, sizeof buf, "%d", (int) g);
              _exit (sync_send_text (ctx->sync_sock, SYNC_PID, buf, &err) < 0 ? 1 : 0);
            }
        }
    }
  if (setsid () < 0)
    {
      tong_err_set (&err, errno, "setsid");
      fail (ctx, &err);
    }
  if (!ctx->is_exec && !ctx->no_new_keyring)
    {
      /* A fresh session keyring, so containers don't share the host's keys.
         Not fatal: some kernels deny it in user namespaces.  */
      if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0)
        tong_debug ("join session keyring: %s", strerror (errno));
    }
  if (!ctx->is_exec)
    {
      state_json = malloc (SYNC_MSG_MAX);
      if (state_json == NULL)
        {
          tong_err_set (&err, ENOMEM, "init");
          fail (ctx, &err);
        }
      if (build_container (ctx, state_json, SYNC_MSG_MAX, &master, &err) < 0)
        fail (ctx, &err);
    }
  else
    {
      /* Joining the mount namespace switched the root; without one, the
         container's root is the chroot create made.  */
      if (ctx->rootfs && rootfs_chroot (ctx->rootfs, &err) < 0)
        fail (ctx, &err);
      if (lsm_set_exec_labels (p->apparmor_profile, p->selinux_label, &err) < 0)
        fail (ctx, &err);
      if (p->terminal && (master = terminal_setup (p, false, &err)) < 0)
        fail (ctx, &err);
    }
  if (master >= 0)
    {
      if (ctx->console_sock >= 0)
        {
          if (terminal_send_master (ctx->console_sock, master, &err) < 0)
            fail (ctx, &err);
        }
      else if (sync_send (ctx->sync_sock, SYNC_PTY, master, &err) < 0)
        fail (ctx, &err);
      close (master);
    }
  if (ctx->console_sock >= 0)
    close (ctx->console_sock);

  bool cwd_done = enter_cwd (p->cwd ? p->cwd : "/", true, &err) == 0;
  if (!cwd_done && err.errnum != EACCES)
    fail (ctx, &err);

  cleanup_strv char **env = NULL;
  if (process_env_with_home (p->env, p->user.uid, &env, &err) < 0)
    fail (ctx, &err);
  cleanup_free char *exe = NULL;
  if (process_find_executable (p->args[0], env, p->cwd, &exe, &err) < 0)
    fail (ctx, &err);
  if (apply_process_attrs (ctx, &err) < 0)
    fail (ctx, &err);
  if (close_extra_fds (ctx->preserve_fds, &err) < 0)
    fail (ctx, &err);

  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it
     before the capabilities go.  A notify filter is loaded here too, since its
     listener fd must reach the parent before create returns.  */
  bool seccomp_done = false;
  if (ctx->seccomp && (!p->no_new_privileges || ctx->seccomp->uses_notify))
    {
      if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        {
          tong_err_set (&err, errno, "process.noNewPrivileges: prctl");
          fail (ctx, &err);
        }
      int nfd = -1;
      if (tong_seccomp_load (ctx->seccomp, &nfd, &err) < 0)
        fail (ctx, &err);
      if (nfd >= 0)
        {
          if (sync_send (ctx->sync_sock, SYNC_SECCOMP_FD, nfd, &err) < 0)
            fail (ctx, &err);
          close (nfd);
        }
      seccomp_done = true;
    }
  if (process_set_user_and_caps (p, &err) < 0)
    fail (ctx, &err);
  if (!cwd_done && enter_cwd (p->cwd, false, &err) < 0)
    fail (ctx, &err);
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    {
      tong_err_set (&err, errno, "process.noNewPrivileges: prctl");
      fail (ctx, &err);
    }

  /* Setup is done: from here on errors go to whoever starts us.  */
  int report_fd = ctx->sync_sock;
  if (!ctx->is_exec)
    {
      if (sync_send (ctx->sync_sock, SYNC_CREATED, -1, &err) < 0)
        _exit (1);
      close (ctx->sync_sock);
      report_fd = wait_for_start (ctx, &err);
      if (report_fd < 0)
        _exit (1);
      if (ctx->config->n_hooks[OCI_HOOK_START_CONTAINER]
          && start_state (state_json, SYNC_MSG_MAX, &err) < 0)
        {
          write_all_fd (report_fd, err.msg, strlen (err.msg));
          _exit (1);
        }
      if (hooks_run (ctx->config, OCI_HOOK_START_CONTAINER, state_json, &err) < 0)
        {
          write_all_fd (report_fd, err.msg, strlen (err.msg));
          _exit (1);
        }
    }
  else if (sync_send (ctx->sync_sock, SYNC_CREATED, -1, &err) < 0)
    _exit (1);

  if (ctx->seccomp && !seccomp_done && tong_seccomp_load (ctx->seccomp, NULL, &err) < 0)
    {
      write_all_fd (report_fd, err.msg, strlen (err.msg));
      _exit (1);
    }
  if (ctx->is_exec && p->exec_cpu_affinity.final
      && process_apply_cpu_affinity (p->exec_cpu_affinity.final, &err) < 0)
    {
      tong_err_wrap (&err, "process.execCPUAffinity.final");
      write_all_fd (report_fd, err.msg, strlen (err.msg));
      _exit (1);
    }
  execve (exe, p->args, env);
  tong_err_set (&err, errno, "exec `%s`", exe);
  if (ctx->is_exec)
    sync_send_error (report_fd, &err);
  else
    write_all_fd (report_fd, err.msg, strlen (err.msg));
  _exit (127);
}
