/* The parent side of tong exec: join the container's namespaces with one
   clone and run a process there with the container's seccomp filter.  */
#include "caps.h"
#include "cleanup.h"
#include "config.h"
#include "fileutil.h"
#include "init.h"
#include "cgroup.h"
#include "lifecycle.h"
#include "ns.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char **
strv_append (char **v, size_t *n, const char *s)
{
  char **nv = realloc (v, (*n + 2) * sizeof *nv);
  if (nv == NULL)
    return NULL;
  nv[*n] = strdup (s);
  nv[++*n] = NULL;
  return nv;
}

/* -e K=V replaces K from the config's env, as runc does.  */
static int
merge_env (struct oci_process *p, char **extra, struct tong_err *err)
{
  for (; extra && *extra; extra++)
    {
      const char *eq = strchr (*extra, '=');
      size_t klen = eq ? (size_t) (eq - *extra) : strlen (*extra);
      bool replaced = false;
      for (size_t i = 0; i < p->n_env; i++)
        if (strncmp (p->env[i], *extra, klen) == 0 && p->env[i][klen] == '=')
          {
            free (p->env[i]);
            p->env[i] = strdup (*extra);
            replaced = true;
          }
      if (!replaced && (p->env = strv_append (p->env, &p->n_env, *extra)) == NULL)
        return tong_err_set (err, ENOMEM, "env");
    }
  return 0;
}

static int
parse_u32 (const char *s, uint32_t *out)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul (s, &end, 10);
  if (errno || end == s || *end || v > UINT32_MAX)
    return -1;
  *out = (uint32_t) v;
  return 0;
}

static int
apply_overrides (struct oci_process *p, const struct tong_exec_opts *o, struct tong_err *err)
{
  if (o->args && o->args[0])
    {
      for (size_t i = 0; i < p->n_args; i++)
        free (p->args[i]);
      free (p->args);
      p->args = NULL;
      p->n_args = 0;
      for (char **a = o->args; *a; a++)
        if ((p->args = strv_append (p->args, &p->n_args, *a)) == NULL)
          return tong_err_set (err, ENOMEM, "args");
    }
  if (p->n_args == 0)
    return tong_err_set (err, 0, "exec: no command given");
  if (merge_env (p, o->env, err) < 0)
    return -1;
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = strdup (o->cwd);
    }
  if (o->user)
    {
      char buf[64];
      snprintf (buf, sizeof buf, "%s", o->user);
      char *colon = strchr (buf, ':');
      if (colon)
        *colon++ = '\0';
      if (parse_u32 (buf, &p->user.uid) < 0 || (colon && parse_u32 (colon, &p->user.gid) < 0))
        return tong_err_set (err, 0, "--user `%s`: expected UID[:GID]", o->user);
      if (!colon)
        p->user.gid = 0;
    }
  for (char **g = o->additional_gids; g && *g; g++)
    {
      uint32_t gid;
      if (parse_u32 (*g, &gid) < 0)
        return tong_err_set (err, 0, "--additional-gids `%s`: not a number", *g);
      uint32_t *ng
          = realloc (p->user.additional_gids, (p->user.n_additional_gids + 1) * sizeof *ng);
      if (ng == NULL)
        return tong_err_set (err, ENOMEM, "gids");
      ng[p->user.n_additional_gids++] = gid;
      p->user.additional_gids = ng;
    }
  for (char **c = o->caps; c && *c; c++)
    {
      int cap = caps_from_name (*c);
      if (cap < 0)
        return tong_err_set (err, 0, "--cap: unknown capability `%s`", *c);
      uint64_t bit = 1ULL << cap;
      p->caps.present = true;
      p->caps.bounding |= bit;
      p->caps.effective |= bit;
      p->caps.permitted |= bit;
    }
  if (o->tty)
    p->terminal = true;
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = strdup (o->apparmor);
    }
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = strdup (o->process_label);
    }
  return 0;
}

static int
open_container_ns (const struct oci_config *c, pid_t pid, int fds[OCI_NS_COUNT],
                   struct tong_err *err)
{
  for (int i = 0; i < OCI_NS_COUNT; i++)
    fds[i] = -1;
  for (size_t i = 0; i < c->linux_.n_namespaces; i++)
    {
      enum oci_ns_type t = c->linux_.namespaces[i].type;
      const char *name = oci_ns_type_name (t);
      char path[64];
      /* /proc names differ from the config's for two types.  */
      if (t == OCI_NS_NETWORK)
        name = "net";
      else if (t == OCI_NS_MOUNT)
        name = "mnt";
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, name);
      fds[t] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[t] < 0)
        {
          tong_err_set (err, errno, "open `%s`", path);
          ns_close_fds (fds);
          return -1;
        }
    }
  return 0;
}

int
tong_exec (struct tong_ctx *ctx, const struct tong_exec_opts *o, int *exit_code,
           struct tong_err *err)
{
  unsigned long long t = tong_now_us ();
  struct tong_state st;
  *exit_code = 0;
  if (o->detach && o->tty && !o->console_socket)
    return tong_err_set (err, 0,
                         "cannot allocate a terminal when detaching without --console-socket");
  int dirfd = lifecycle_open_locked (ctx, o->id, &st, err);
  if (dirfd < 0)
    return -1;
  int ret = -1;
  struct oci_config *c = NULL;
  struct oci_process proc = { 0 };
  struct json_value *pdoc = NULL;
  struct tong_seccomp_prog *sc = NULL;
  int fds[OCI_NS_COUNT] = { -1, -1, -1, -1, -1, -1, -1, -1 };
  int socks[2] = { -1, -1 }, console = -1, master = -1;
  int saved_ns[2] = { -1, -1 };
  cleanup_pid pid_t pid = -1;

  if (st.status != TONG_STATUS_RUNNING && st.status != TONG_STATUS_CREATED)
    {
      tong_err_set (err, 0, "cannot exec in a %s container", tong_status_name (st.status));
      goto out;
    }
  if (state_load_config (dirfd, st.bundle, &c, err) < 0)
    goto out;
  if (o->process_file)
    {
      cleanup_free char *text = NULL;
      size_t len;
      if (read_file (o->process_file, &text, &len, err) < 0
          || oci_process_parse (text, len, &proc, &pdoc, err) < 0)
        {
          tong_err_wrap (err, "--process `%s`", o->process_file);
          goto out;
        }
    }
  else
    {
      /* Start from the container's process, as runc does.  */
      proc = c->process;
      memset (&c->process, 0, sizeof c->process);
      c->has_process = false;
    }
  if (apply_overrides (&proc, o, err) < 0)
    goto out;
  if (c->linux_.seccomp && seccomp_compile (c->linux_.seccomp, &sc, err) < 0)
    goto out;
  if (open_container_ns (c, st.pid, fds, err) < 0)
    goto out;
  if (o->console_socket && (console = terminal_connect_socket (o->console_socket, err)) < 0)
    goto out;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0)
    {
      tong_err_set (err, errno, "socketpair");
      goto out;
    }
  timing_log ("exec prepare", &t);
  struct init_ctx ic = {
    .config = c,
    .process = &proc,
    .rootfs = oci_config_ns (c, OCI_NS_MOUNT) ? NULL : st.rootfs,
    .sync_sock = socks[1],
    .parent_sock = socks[0],
    .console_sock = console,
    .pty_to_parent = proc.terminal && console < 0,
    .exec_listen_fd = -1,
    .state_dirfd = dirfd,
    .preserve_fds = o->preserve_fds,
    .seccomp = sc,
    .is_exec = true,
  };
  memcpy (ic.ns_fds, fds, sizeof fds);
  /* The pid and time namespaces are entered by the parent for the clone.  */
  ic.ns_fds[OCI_NS_PID] = ic.ns_fds[OCI_NS_TIME] = -1;
  if (ns_parent_prepare (c, fds, saved_ns, err) < 0)
    {
      ns_parent_restore (saved_ns, NULL);
      goto out;
    }
  pid = lifecycle_clone (0);
  if (pid == 0)
    init_child (&ic);
  int clone_errno = errno;
  if (ns_parent_restore (saved_ns, err) < 0)
    goto out;
  if (pid < 0)
    {
      tong_err_set (err, clone_errno, "clone");
      goto out;
    }
  close (socks[1]);
  socks[1] = -1;
  if (st.cgroup_path)
    {
      /* The new process belongs to the container's cgroup, limits included.  */
      struct tong_cgroup cg;
      int r = cgroup_open (&cg, st.cgroup_path, err);
      if (r == 0)
        r = cgroup_enter (&cg, pid, err);
      cgroup_clear (&cg);
      if (r < 0)
        goto out;
    }
  if (sync_send (socks[0], SYNC_GO, -1, err) < 0)
    goto out;
  struct sync_msg *m = malloc (sizeof *m);
  if (m == NULL)
    {
      tong_err_set (err, ENOMEM, "exec");
      goto out;
    }
  bool created = false;
  for (;;)
    {
      int fd = -1;
      memset (m, 0, offsetof (struct sync_msg, msg) + 1);
      int r = sync_recv_fd (socks[0], &fd, m, sizeof *m, err);
      if (r < 0)
        break;
      if (r == 0)
        {
          /* EOF: the process exec'd (the socket was O_CLOEXEC).  */
          if (created)
            ret = 0;
          else
            tong_err_set (err, 0, "exec process exited during setup");
          break;
        }
      if (m->type == SYNC_ERROR)
        {
          tong_err_set (err, 0, "%s", m->msg);
          break;
        }
      if (m->type == SYNC_PTY)
        master = fd;
      else if (m->type == SYNC_SECCOMP_FD)
        {
          cleanup_free char *sj = state_to_json (&st, false);
          int sr = seccomp_send_listener (c->linux_.seccomp, fd, sj, err);
          close (fd);
          if (sr < 0)
            break;
        }
      else if (m->type == SYNC_CREATED)
        created = true;
      else if (fd >= 0)
        close (fd);
    }
  free (m);
  if (ret < 0)
    goto out;
  timing_log ("exec", &t);
  if (o->pid_file && lifecycle_write_pid_file (o->pid_file, pid, err) < 0)
    {
      ret = -1;
      goto out;
    }
  /* Let other tong commands at the container while this one waits.  */
  close (dirfd);
  dirfd = -1;
  if (!o->detach)
    {
      if (master >= 0)
        {
          terminal_proxy (master, err);
          close (master);
          master = -1;
        }
      ret = lifecycle_wait (pid, exit_code, err);
    }
  pid = -1;

out:
  if (dirfd >= 0)
    close (dirfd);
  if (master >= 0)
    close (master);
  if (socks[0] >= 0)
    close (socks[0]);
  if (socks[1] >= 0)
    close (socks[1]);
  if (console >= 0)
    close (console);
  ns_close_fds (fds);
  seccomp_prog_free (sc);
  oci_process_clear (&proc);
  json_free (pdoc);
  oci_config_free (c);
  state_clear (&st);
  return ret;
}
