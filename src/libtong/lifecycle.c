/* The parent side of create, start, run, kill and delete.  tong is
   short-lived: create clones the container process once and exits.  */
#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "fileutil.h"
#include "hooks.h"
#include "hostmounts.h"
#include "init.h"
#include "lifecycle.h"
#include "mounts.h"
#include "log.h"
#include "ns.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "tong.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pid_t
lifecycle_clone (int flags)
{
  /* A fork-like raw clone: the child runs on a copy of our stack, so it
     needs no stack of its own and sees the parsed config as it is.  */
  return (pid_t) syscall (SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

static char *
now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  size_t n = strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
  return strdup (buf);
}

int
lifecycle_write_pid_file (const char *path, pid_t pid, struct tong_err *err)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%d", (int) pid);
  cleanup_free char *copy = strdup (path);
  cleanup_free char *copy2 = strdup (path);
  if (copy == NULL || copy2 == NULL)
    return tong_err_set (err, ENOMEM, "pid file");
  char *slash = strrchr (copy, '/');
  const char *dir = ".", *name = copy;
  if (slash)
    {
      *slash = '\0';
      dir = slash == copy ? "/" : copy;
      name = slash + 1;
    }
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return tong_err_set (err, errno, "--pid-file: open `%s`", dir);
  if (write_file_atomic_at (dfd, name, buf, n, 0644, err) < 0)
    return tong_err_wrap (err, "--pid-file `%s`", path);
  return 0;
}

/* The exec.sock listener the container process waits on until `start`.  */
static int
make_exec_listener (int dirfd, const char *statedir, struct tong_err *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int n = snprintf (addr.sun_path, sizeof addr.sun_path, "%s/exec.sock", statedir);
  if (n < 0 || (size_t) n >= sizeof addr.sun_path)
    {
      /* Long --root paths: bind through /proc/self/fd of the state dir.  */
      n = snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/exec.sock", dirfd);
    }
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return tong_err_set (err, errno, "socket");
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return tong_err_set (err, errno, "bind `%s`", addr.sun_path);
  if (listen (fd, 1) < 0)
    return tong_err_set (err, errno, "listen on exec.sock");
  return steal_fd (&fd);
}

int
lifecycle_state_path (struct tong_ctx *ctx, const char *id, char *buf, size_t len)
{
  int n = snprintf (buf, len, "%s/%s", ctx->root, id);
  return n < 0 || (size_t) n >= len ? -1 : 0;
}

/* Connect to exec.sock and let the container process exec.  Returns 0 once
   it exec'd (EOF on the connection), -1 with its error otherwise.  */
int
lifecycle_start_process (int dirfd, const struct tong_state *st, struct tong_err *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/exec.sock", dirfd);
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return tong_err_set (err, errno, "socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      if (errno == ECONNREFUSED || errno == ENOENT)
        return tong_err_set (err, 0, "container process is not running");
      return tong_err_set (err, errno, "connect to exec.sock");
    }
  /* From now on the container counts as running: remove the socket name.  */
  unlinkat (dirfd, "exec.sock", 0);
  char b = 0;
  if (send (fd, &b, 1, MSG_NOSIGNAL) != 1)
    return tong_err_set (err, errno, "start container process");
  char msg[TONG_ERR_MSG_MAX];
  size_t got = 0;
  for (;;)
    {
      ssize_t r = read (fd, msg + got, sizeof msg - 1 - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      got += r;
      if (got == sizeof msg - 1)
        break;
    }
  if (got > 0)
    {
      msg[got] = '\0';
      return tong_err_set (err, 0, "%s", msg);
    }
  (void) st;
  return 0;
}

struct created
{
  pid_t pid;
  int pty_master;
  int dirfd;
  struct oci_config *config;
  struct tong_state state;
  struct cg_resources res;
  struct tong_cgroup cg;
  bool cg_made; /* the cgroup exists: a failure must remove it.  */
};

static void
created_clear (struct created *cr)
{
  if (cr->pty_master >= 0)
    close (cr->pty_master);
  if (cr->dirfd >= 0)
    close (cr->dirfd);
  oci_config_free (cr->config);
  state_clear (&cr->state);
  cg_resources_free (&cr->res);
  cgroup_clear (&cr->cg);
}

/* PATH made absolute against the current directory (empty when NULL).  */
static int
abs_path (const char *path, char out[PATH_MAX], struct tong_err *err)
{
  char cwd[PATH_MAX];
  if (path == NULL || path[0] == '/')
    {
      snprintf (out, PATH_MAX, "%s", path ? path : "");
      return 0;
    }
  if (getcwd (cwd, sizeof cwd) == NULL)
    return tong_err_set (err, errno, "getcwd");
  if ((size_t) snprintf (out, PATH_MAX, "%.2048s/%.2000s", cwd, path) >= PATH_MAX
      || strlen (cwd) > 2048 || strlen (path) > 2000)
    return tong_err_set (err, ENAMETOOLONG, "`%s`", path);
  return 0;
}

static int
resolve_bundle (const char *bundle, char **abs_bundle, struct tong_err *err)
{
  char *r = realpath (bundle ? bundle : ".", NULL);
  if (r == NULL)
    return tong_err_set (err, errno, "bundle `%s`", bundle ? bundle : ".");
  *abs_bundle = r;
  return 0;
}

static int
resolve_rootfs (const char *bundle, const struct oci_config *c, char **out, struct tong_err *err)
{
  if (c->root_path == NULL)
    return tong_err_set (err, 0, "root.path: required on Linux");
  char buf[PATH_MAX];
  if (c->root_path[0] == '/')
    snprintf (buf, sizeof buf, "%s", c->root_path);
  else
    snprintf (buf, sizeof buf, "%s/%s", bundle, c->root_path);
  char *r = realpath (buf, NULL);
  if (r == NULL)
    return tong_err_set (err, errno, "root.path: `%s`", buf);
  struct stat sb;
  if (stat (r, &sb) < 0 || !S_ISDIR (sb.st_mode))
    {
      free (r);
      return tong_err_set (err, ENOTDIR, "root.path: `%s`", buf);
    }
  *out = r;
  return 0;
}

static char *
owner_name (void)
{
  uid_t uid = geteuid ();
  if (uid == 0)
    return strdup ("");
  /* /etc/passwd directly: NSS would load shared libraries into a static tong.  */
  cleanup_fclose FILE *f = fopen ("/etc/passwd", "re");
  struct passwd *pw;
  while (f && (pw = fgetpwent (f)) != NULL)
    if (pw->pw_uid == uid)
      return strdup (pw->pw_name);
  char buf[32];
  snprintf (buf, sizeof buf, "%u", (unsigned) uid);
  return strdup (buf);
}

static int
listen_fds (void)
{
  const char *pid = getenv ("LISTEN_PID"), *fds = getenv ("LISTEN_FDS");
  if (pid == NULL || fds == NULL || atoi (pid) != getpid ())
    return 0;
  int n = atoi (fds);
  return n > 0 ? n : 0;
}

static int
do_create (struct tong_ctx *ctx, const struct tong_create_opts *o, bool for_run,
           struct created *cr, struct tong_err *err)
{
  unsigned long long t0 = tong_now_us (), t = t0;
  memset (cr, 0, sizeof *cr);
  cr->pty_master = cr->dirfd = -1;
  if (state_validate_id (o->id, err) < 0)
    return -1;
  cleanup_free char *bundle = NULL;
  if (resolve_bundle (o->bundle, &bundle, err) < 0)
    return -1;
  /* As runc, relative paths in the config (bind sources) are relative to the
     bundle: work from there, after making our own path options absolute.  */
  char pidfile[PATH_MAX], consock[PATH_MAX];
  if (abs_path (o->pid_file, pidfile, err) < 0 || abs_path (o->console_socket, consock, err) < 0)
    return -1;
  if (chdir (bundle) < 0)
    return tong_err_set (err, errno, "chdir to the bundle `%s`", bundle);
  char cfgpath[PATH_MAX];
  snprintf (cfgpath, sizeof cfgpath, "%s/config.json", bundle);
  cleanup_free char *cfgtext = NULL;
  size_t cfglen;
  if (read_file (cfgpath, &cfgtext, &cfglen, err) < 0)
    return -1;
  if (oci_config_parse (cfgtext, cfglen, &cr->config, err) < 0)
    return tong_err_wrap (err, "%s", cfgpath);
  struct oci_config *c = cr->config;
  if (!c->has_process)
    return tong_err_set (err, 0, "process: required to create a container");
  if (c->process.n_args == 0)
    return tong_err_set (err, 0, "process.args: must not be empty");
  cleanup_free char *rootfs = NULL;
  if (resolve_rootfs (bundle, c, &rootfs, err) < 0)
    return -1;
  if (cg_resources_parse (c->linux_.resources, "linux.resources", &cr->res, err) < 0
      || cgroup_init (&cr->cg, c->linux_.cgroups_path, o->id, ctx->systemd_cgroup, err) < 0
      || cgroup_check (&cr->cg, &cr->res, err) < 0)
    return -1;
  struct tong_seccomp_prog *sc = NULL;
  if (c->linux_.seccomp && seccomp_compile (c->linux_.seccomp, &sc, err) < 0)
    return -1;
  timing_log ("parse", &t);

  cleanup_close int rootfd = state_root_open (ctx->root, true, err);
  if (rootfd < 0)
    {
      seccomp_prog_free (sc);
      return -1;
    }
  int dirfd = state_dir_create (rootfd, o->id, err);
  if (dirfd < 0)
    {
      seccomp_prog_free (sc);
      return -1;
    }
  cr->dirfd = dirfd;
  /* From here on a failure must remove the state dir again.  */
  int ret = -1;
  cleanup_pid pid_t pid = -1;
  int ns_fds[OCI_NS_COUNT] = { -1, -1, -1, -1, -1, -1, -1, -1 };
  int socks[2] = { -1, -1 };
  int console = -1, listen_fd = -1;
  int saved_ns[2] = { -1, -1 };
  bool host_mounts = oci_config_ns (c, OCI_NS_MOUNT) == NULL;
  struct hostmounts before = { 0 };
  bool snapped = false;
  char statedir[PATH_MAX];
  lifecycle_state_path (ctx, o->id, statedir, sizeof statedir);

  if (state_lock (dirfd, true, err) < 0 || state_save_config (dirfd, cfgtext, cfglen, err) < 0)
    goto out;
  if ((listen_fd = make_exec_listener (dirfd, statedir, err)) < 0)
    goto out;
  cr->cg_made = true;
  if (cgroup_create (&cr->cg, &cr->res, err) < 0)
    {
      /* The "none" case: a hierarchy we may not write (rootless without
         delegation, a read-only cgroupfs) is fine for a container that asks
         for no limit.  Device rules cannot be applied by a rootless runtime
         anyway, as with runc.  */
      int e = err->errnum;
      if (e != EACCES && e != EPERM && e != EROFS)
        goto out;
      bool asks = geteuid () == 0 ? cg_resources_any (&cr->res)
                                  : cg_resources_any_but_devices (&cr->res);
      if (asks)
        {
          tong_err_wrap (err, "linux.resources: the limits need a cgroup, which cannot be made");
          goto out;
        }
      tong_warn ("no cgroup for the container (%s); it runs without one", err->msg);
      struct tong_err ignore;
      if (cr->cg.created)
        cgroup_destroy (&cr->cg, &ignore);
      cgroup_clear (&cr->cg);
      cr->cg_made = false;
      tong_err_clear (err);
    }
  timing_log ("cgroup", &t);
  if (ns_open_paths (c, ns_fds, err) < 0)
    goto out;
  if (o->console_socket && (console = terminal_connect_socket (consock, err)) < 0)
    goto out;
  if (o->console_socket && !c->process.terminal)
    {
      tong_err_set (err, 0, "--console-socket given but process.terminal is false");
      goto out;
    }
  if (c->process.terminal && console < 0 && !for_run)
    {
      tong_err_set (err, 0, "process.terminal: a terminal needs --console-socket with create");
      goto out;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0)
    {
      tong_err_set (err, errno, "socketpair");
      goto out;
    }
  if (host_mounts && hostmounts_snapshot (rootfs, &before, err) < 0)
    goto out;
  snapped = host_mounts;

  struct init_ctx ic = {
    .config = c,
    .process = &c->process,
    .rootfs = rootfs,
    .sync_sock = socks[1],
    .parent_sock = socks[0],
    .console_sock = console,
    .pty_to_parent = c->process.terminal && console < 0,
    .exec_listen_fd = listen_fd,
    .state_dirfd = dirfd,
    .no_pivot = o->no_pivot,
    .no_new_keyring = o->no_new_keyring,
    .preserve_fds = o->preserve_fds + listen_fds (),
    .seccomp = sc,
    .is_exec = false,
  };
  const struct oci_namespace *userns = oci_config_ns (c, OCI_NS_USER);
  ic.new_userns = userns && userns->path == NULL;
  memcpy (ic.ns_fds, ns_fds, sizeof ns_fds);
  if (ns_parent_prepare (c, ns_fds, saved_ns, err) < 0)
    {
      ns_parent_restore (saved_ns, NULL);
      goto out;
    }
  pid = lifecycle_clone (ns_clone_flags (c));
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
  timing_log ("clone", &t);
  close (socks[1]);
  socks[1] = -1;
  close (listen_fd);
  listen_fd = -1;
  if (console >= 0)
    {
      close (console);
      console = -1;
    }

  /* Everything the container process does from here on is accounted to it.  */
  if (cr->cg_made && cgroup_enter (&cr->cg, pid, err) < 0)
    goto out;
  if (ic.new_userns && ns_write_id_maps (pid, c, err) < 0)
    goto out;
  /* Only the host can idmap a host filesystem for a new user namespace.  */
  if (ic.new_userns && mounts_prepare_idmapped (c, pid, socks[0], err) < 0)
    goto out;
  timing_log ("id maps", &t);
  if (sync_send (socks[0], SYNC_GO, -1, err) < 0)
    goto out;

  cr->state.oci_version = strdup (c->oci_version ? c->oci_version : "1.3.0");
  cr->state.id = strdup (o->id);
  cr->state.bundle = steal_pointer (&bundle);
  cr->state.rootfs = steal_pointer (&rootfs);
  cr->state.pid = pid;
  cr->state.created = now_rfc3339 ();
  cr->state.owner = owner_name ();
  cr->state.annotations = NULL;
  cr->state.has_pidns = oci_config_ns (c, OCI_NS_PID) != NULL;
  cr->state.cgroup_path = cr->cg_made ? cgroup_serialize (&cr->cg) : NULL;
  cr->state.status = TONG_STATUS_CREATING;
  if (proc_stat (pid, &cr->state.start_time, NULL) < 0)
    {
      tong_err_set (err, ESRCH, "container process exited during setup");
      goto out;
    }

  struct sync_msg *m = malloc (sizeof *m);
  if (m == NULL)
    {
      tong_err_set (err, ENOMEM, "create");
      goto out;
    }
  for (;;)
    {
      int fd = -1;
      if (sync_recv (socks[0], m, &fd, err) < 0)
        break;
      if (m->type == SYNC_ERROR)
        {
          tong_err_set (err, 0, "%s", m->msg);
          err->errnum = m->errnum;
          break;
        }
      if (m->type == SYNC_HOOKS_CREATE_RUNTIME)
        {
          /* The state hooks see: annotations included, status "created":
             runtime.md's lifecycle runs these hooks (steps 3-5) after the
             environment is created (step 2), and "created" is the status
             after step 2.  `state` says "creating" until create returns.  */
          cr->state.annotations = c->annotations;
          cr->state.status = TONG_STATUS_CREATED;
          cleanup_free char *sj = state_to_json (&cr->state, false);
          cr->state.status = TONG_STATUS_CREATING;
          cr->state.annotations = NULL;
          if (hooks_run (c, OCI_HOOK_PRESTART, sj, err) < 0
              || hooks_run (c, OCI_HOOK_CREATE_RUNTIME, sj, err) < 0)
            break;
          timing_log ("createRuntime hooks", &t);
          if (sync_send_text (socks[0], SYNC_GO, sj, err) < 0)
            break;
          continue;
        }
      if (m->type == SYNC_PID)
        {
          /* The first child forked the container process into a pid
             namespace of a joined user namespace, and exits.  */
          pid_t np = (pid_t) atoi (m->msg);
          waitpid (pid, NULL, 0);
          pid = np;
          cr->state.pid = np;
          if (np <= 0 || proc_stat (np, &cr->state.start_time, NULL) < 0)
            {
              tong_err_set (err, ESRCH, "container process exited during setup");
              break;
            }
          continue;
        }
      if (m->type == SYNC_PTY)
        {
          cr->pty_master = fd;
          continue;
        }
      if (m->type == SYNC_SECCOMP_FD)
        {
          cr->state.annotations = c->annotations;
          cleanup_free char *sj = state_to_json (&cr->state, false);
          cr->state.annotations = NULL;
          int r = seccomp_send_listener (c->linux_.seccomp, fd, sj, err);
          close (fd);
          if (r < 0)
            break;
          continue;
        }
      if (m->type == SYNC_CREATED)
        {
          /* The limits apply once setup is done (as runc): the runtime's own
             setup needs no room inside them, and mknod of the config's
             devices is not yet filtered.  */
          if (cr->cg_made && cgroup_set (&cr->cg, &cr->res, false, err) < 0)
            break;
          timing_log ("cgroup resources", &t);
          ret = 0;
          break;
        }
      if (fd >= 0)
        close (fd);
      tong_err_set (err, EPROTO, "unexpected message %u from container process", m->type);
      break;
    }
  free (m);
  if (ret == 0 && host_mounts && hostmounts_record (dirfd, cr->state.rootfs, &before, err) < 0)
    ret = -1;
  if (ret < 0)
    goto out;
  timing_log ("container setup", &t);

  /* Keep the annotations for the state: take them from the config doc.  */
  if (c->annotations)
    {
      char *sj = NULL;
      struct json_writer *w = json_writer_new (false);
      json_w_value (w, c->annotations);
      size_t len;
      const char *txt = json_writer_text (w, &len);
      struct tong_err ignore;
      if (json_parse (txt, len, &cr->state.annotations, &ignore) < 0)
        cr->state.annotations = NULL;
      json_writer_free (w);
      free (sj);
    }
  cr->state.status = TONG_STATUS_CREATED;
  if (state_write (dirfd, &cr->state, err) < 0)
    {
      ret = -1;
      goto out;
    }
  if (o->pid_file && lifecycle_write_pid_file (pidfile, pid, err) < 0)
    {
      ret = -1;
      goto out;
    }
  cr->pid = pid;
  pid = -1; /* the container lives on.  */
  tong_debug ("create took %llu us", tong_now_us () - t0);

out:
  seccomp_prog_free (sc);
  hostmounts_clear (&before);
  ns_close_fds (ns_fds);
  if (socks[0] >= 0)
    close (socks[0]);
  if (socks[1] >= 0)
    close (socks[1]);
  if (console >= 0)
    close (console);
  if (listen_fd >= 0)
    close (listen_fd);
  if (ret < 0)
    {
      /* cleanup_pid kills and reaps the child; the state dir goes too.  */
      tong_killpidp (&pid);
      pid = -1;
      if (snapped)
        hostmounts_undo (cr->state.rootfs ? cr->state.rootfs : rootfs, &before);
      struct tong_err ignore;
      if (cr->cg_made && cr->cg.created)
        {
          cgroup_kill_all (&cr->cg, SIGKILL, &ignore);
          if (cgroup_destroy (&cr->cg, &ignore) < 0)
            tong_warn ("create failed, and its cgroup stays: %s", ignore.msg);
        }
      remove_tree_at (rootfd, o->id, &ignore);
    }
  return ret;
}

int
tong_create (struct tong_ctx *ctx, const struct tong_create_opts *o, struct tong_err *err)
{
  struct created cr;
  int r = do_create (ctx, o, false, &cr, err);
  created_clear (&cr);
  return r;
}

int
lifecycle_open_locked (struct tong_ctx *ctx, const char *id, struct tong_state *st,
                       struct tong_err *err)
{
  if (state_validate_id (id, err) < 0)
    return -1;
  cleanup_close int rootfd = state_root_open (ctx->root, false, err);
  if (rootfd < 0)
    {
      if (err->errnum == ENOENT)
        return tong_err_set (err, ENOENT, "container `%s` does not exist", id);
      return -1;
    }
  cleanup_close int dirfd = state_dir_open (rootfd, id, err);
  if (dirfd < 0)
    return -1;
  if (state_lock (dirfd, true, err) < 0)
    return -1;
  if (state_read (dirfd, st, err) < 0)
    return tong_err_wrap (err, "container `%s`", id);
  return steal_fd (&dirfd);
}

static int
start_locked (int dirfd, struct tong_state *st, struct oci_config *c, struct tong_err *err)
{
  if (st->status != TONG_STATUS_CREATED)
    {
      if (st->status == TONG_STATUS_STOPPED)
        return tong_err_set (err, 0, "cannot start a container that has stopped");
      return tong_err_set (err, 0, "cannot start an already %s container",
                           tong_status_name (st->status));
    }
  if (lifecycle_start_process (dirfd, st, err) < 0)
    return -1;
  st->status = TONG_STATUS_RUNNING;
  proc_wait_settled (st->pid, st->start_time, 100);
  if (c && c->n_hooks[OCI_HOOK_POSTSTART])
    {
      cleanup_free char *sj = state_to_json (st, false);
      hooks_run_warn (c, OCI_HOOK_POSTSTART, sj);
    }
  return 0;
}

int
tong_start (struct tong_ctx *ctx, const char *id, struct tong_err *err)
{
  struct tong_state st;
  cleanup_close int dirfd = lifecycle_open_locked (ctx, id, &st, err);
  if (dirfd < 0)
    return -1;
  struct oci_config *c = NULL;
  int ret = 0;
  if (st.status == TONG_STATUS_CREATED && state_load_config (dirfd, st.bundle, &c, err) < 0)
    ret = -1;
  if (ret == 0)
    ret = start_locked (dirfd, &st, c, err);
  oci_config_free (c);
  state_clear (&st);
  return ret;
}

static void
run_poststop (const struct oci_config *c, struct tong_state *st)
{
  if (c->n_hooks[OCI_HOOK_POSTSTOP])
    {
      st->status = TONG_STATUS_STOPPED;
      cleanup_free char *sj = state_to_json (st, false);
      hooks_run_warn (c, OCI_HOOK_POSTSTOP, sj);
    }
}

static int destroy_stopped (struct tong_ctx *ctx, int dirfd, struct tong_state *st,
                            struct tong_err *err);

/* Remove a stopped container: poststop hooks, state dir.  */
int
lifecycle_destroy (struct tong_ctx *ctx, int dirfd, struct tong_state *st, struct tong_err *err)
{
  struct oci_config *c = NULL;
  struct tong_err cerr = { 0 };
  if (state_load_config (dirfd, st->bundle, &c, &cerr) == 0)
    {
      run_poststop (c, st);
      oci_config_free (c);
    }
  else
    tong_debug ("delete: cannot read the container's config, poststop hooks skipped: %s", cerr.msg);
  return destroy_stopped (ctx, dirfd, st, err);
}

/* The host mounts, the cgroup and the state dir of a stopped container.  */
static int
destroy_stopped (struct tong_ctx *ctx, int dirfd, struct tong_state *st, struct tong_err *err)
{
  hostmounts_release (dirfd, st->rootfs);
  cleanup_close int rootfd = state_root_open (ctx->root, false, err);
  if (rootfd < 0)
    return -1;
  struct tong_cgroup cg;
  if (st->cgroup_path && cgroup_open (&cg, st->cgroup_path, NULL) == 0)
    {
      /* What outlived the init (no pid namespace of its own) goes too, as runc.  */
      struct tong_err cgerr = { 0 };
      cgroup_kill_all (&cg, SIGKILL, NULL);
      if (cgroup_wait_empty (&cg) < 0 || cgroup_destroy (&cg, &cgerr) < 0)
        tong_warn ("delete %s: the cgroup stays: %s", st->id,
                   cgerr.msg[0] ? cgerr.msg : "processes are left in it");
      cgroup_clear (&cg);
    }
  return remove_tree_at (rootfd, st->id, err);
}

/* Wait (bounded only by the process's own death) for PID to exit after SIGKILL.  */
static void
wait_dead (pid_t pid, unsigned long long start_time)
{
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return;
  unsigned long long st;
  if (proc_stat (pid, &st, NULL) < 0 || st != start_time)
    return;
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  while (poll (&p, 1, -1) < 0 && errno == EINTR)
    ;
}

int
lifecycle_signal (const struct tong_state *st, int sig, struct tong_err *err)
{
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, st->pid, 0);
  if (pidfd < 0)
    return tong_err_set (err, 0, "container not running");
  /* The pidfd pins the process: check it is still ours before signalling.  */
  unsigned long long start;
  char letter;
  if (proc_stat (st->pid, &start, &letter) < 0 || start != st->start_time || letter == 'Z')
    return tong_err_set (err, 0, "container not running");
  if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    return tong_err_set (err, errno, "kill %d", (int) st->pid);
  return 0;
}

int
tong_delete (struct tong_ctx *ctx, const char *id, bool force, struct tong_err *err)
{
  struct tong_state st;
  cleanup_close int dirfd = lifecycle_open_locked (ctx, id, &st, err);
  if (dirfd < 0)
    {
      if (force && err->errnum == ENOENT)
        return 0;
      if (force && err->errnum == EINPROGRESS)
        {
          /* We hold no lock here, but a live create holds it for its whole
             run, so a state dir without state.json we could lock was left by a
             create that died: remove it.  */
          cleanup_close int rootfd = state_root_open (ctx->root, false, err);
          return rootfd < 0 ? -1 : remove_tree_at (rootfd, id, err);
        }
      return -1;
    }
  int ret = 0;
  if (st.status != TONG_STATUS_STOPPED)
    {
      if (!force)
        {
          ret = tong_err_set (err, 0, "cannot delete container `%s` that is not stopped: %s", id,
                              tong_status_name (st.status));
          goto out;
        }
      lifecycle_kill_all (&st, SIGKILL);
      wait_dead (st.pid, st.start_time);
    }
  ret = lifecycle_destroy (ctx, dirfd, &st, err);
out:
  state_clear (&st);
  return ret;
}

/* Forward signals to the container while waiting for it: tong run.  */
int
lifecycle_wait (pid_t pid, int *exit_code, struct tong_err *err)
{
  sigset_t all, old;
  sigfillset (&all);
  sigdelset (&all, SIGCHLD);
  sigdelset (&all, SIGSEGV);
  sigdelset (&all, SIGBUS);
  sigdelset (&all, SIGFPE);
  sigdelset (&all, SIGILL);
  sigprocmask (SIG_BLOCK, &all, &old);
  cleanup_close int sfd = signalfd (-1, &all, SFD_CLOEXEC);
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
  for (;;)
    {
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[1].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof si) == sizeof si && si.ssi_signo != SIGWINCH)
            kill (pid, si.ssi_signo);
        }
      if (p[0].revents & POLLIN)
        break;
    }
  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        sigprocmask (SIG_SETMASK, &old, NULL);
        return tong_err_set (err, errno, "waitpid");
      }
  sigprocmask (SIG_SETMASK, &old, NULL);
  if (WIFEXITED (status))
    *exit_code = WEXITSTATUS (status);
  else if (WIFSIGNALED (status))
    *exit_code = 128 + WTERMSIG (status);
  else
    *exit_code = 255;
  return 0;
}

int
tong_run (struct tong_ctx *ctx, const struct tong_create_opts *o, int *exit_code,
          struct tong_err *err)
{
  struct created cr;
  *exit_code = 0;
  /* As runc: the container process may be a grandchild (a pid namespace in a
     joined user namespace), so become its reaper to wait for it.  */
  if (!o->detach && prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return tong_err_set (err, errno, "prctl PR_SET_CHILD_SUBREAPER");
  if (o->detach && !o->console_socket)
    {
      /* The terminal would need tong to stay: check before making anything.  */
      char path[PATH_MAX];
      struct oci_config *c = NULL;
      snprintf (path, sizeof path, "%s/config.json", o->bundle ? o->bundle : ".");
      if (oci_config_load (path, &c, err) < 0)
        return -1;
      bool tty = c->has_process && c->process.terminal;
      oci_config_free (c);
      if (tty)
        return tong_err_set (err, 0,
                             "cannot allocate a terminal when detaching without --console-socket");
    }
  if (do_create (ctx, o, true, &cr, err) < 0)
    {
      created_clear (&cr);
      return -1;
    }
  int ret = start_locked (cr.dirfd, &cr.state, cr.config, err);
  if (ret == 0 && !o->detach)
    {
      if (cr.pty_master >= 0)
        {
          terminal_proxy (cr.pty_master, err);
          close (cr.pty_master);
          cr.pty_master = -1;
        }
      ret = lifecycle_wait (cr.pid, exit_code, err);
    }
  if (ret < 0 || (!o->detach && !o->keep))
    {
      struct tong_err derr = { 0 };
      if (ret < 0)
        {
          kill (cr.pid, SIGKILL);
          waitpid (cr.pid, NULL, 0);
        }
      cr.state.status = TONG_STATUS_STOPPED;
      /* The config is at hand: not read and parsed again for the hooks.  */
      run_poststop (cr.config, &cr.state);
      if (destroy_stopped (ctx, cr.dirfd, &cr.state, &derr) < 0 && ret == 0)
        {
          *err = derr;
          ret = -1;
        }
    }
  created_clear (&cr);
  return ret;
}
