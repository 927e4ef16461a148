/* config.mounts: the option table, the mounts in order, maskedPaths and
   readonlyPaths.  Every destination is resolved inside the rootfs
   (rootfs_ensure) and mounted onto through /proc/self/fd/N, so a symlink in
   the rootfs can never redirect a mount onto the host.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "mounts.h"
#include "ns.h"
#include "sync.h"
#include "cleanup.h"
#include "devices.h"
#include "log.h"
#include "lsm.h"
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

enum opt_kind
{
  OPT_NOOP,
  OPT_FLAG,
  OPT_PROPAGATION,
  OPT_ATTR,
  OPT_TMPCOPYUP,
  OPT_IDMAP,
};

struct mount_opt
{
  const char *name;
  enum opt_kind kind;
  bool clear;
  unsigned long long value;
};

/* runc's table (libcontainer/specconv), plus podman's tmpcopyup.  */
static const struct mount_opt options[] = {
  { "defaults", OPT_NOOP, false, 0 },
  { "ro", OPT_FLAG, false, MS_RDONLY },
  { "rw", OPT_FLAG, true, MS_RDONLY },
  { "suid", OPT_FLAG, true, MS_NOSUID },
  { "nosuid", OPT_FLAG, false, MS_NOSUID },
  { "dev", OPT_FLAG, true, MS_NODEV },
  { "nodev", OPT_FLAG, false, MS_NODEV },
  { "exec", OPT_FLAG, true, MS_NOEXEC },
  { "noexec", OPT_FLAG, false, MS_NOEXEC },
  { "sync", OPT_FLAG, false, MS_SYNCHRONOUS },
  { "async", OPT_FLAG, true, MS_SYNCHRONOUS },
  { "dirsync", OPT_FLAG, false, MS_DIRSYNC },
  { "remount", OPT_FLAG, false, MS_REMOUNT },
  { "mand", OPT_FLAG, false, MS_MANDLOCK },
  { "nomand", OPT_FLAG, true, MS_MANDLOCK },
  { "atime", OPT_FLAG, true, MS_NOATIME },
  { "noatime", OPT_FLAG, false, MS_NOATIME },
  { "diratime", OPT_FLAG, true, MS_NODIRATIME },
  { "nodiratime", OPT_FLAG, false, MS_NODIRATIME },
  { "relatime", OPT_FLAG, false, MS_RELATIME },
  { "norelatime", OPT_FLAG, true, MS_RELATIME },
  { "strictatime", OPT_FLAG, false, MS_STRICTATIME },
  { "nostrictatime", OPT_FLAG, true, MS_STRICTATIME },
  { "lazytime", OPT_FLAG, false, MS_LAZYTIME },
  { "nolazytime", OPT_FLAG, true, MS_LAZYTIME },
  { "silent", OPT_FLAG, false, MS_SILENT },
  { "loud", OPT_FLAG, true, MS_SILENT },
  { "iversion", OPT_FLAG, false, MS_I_VERSION },
  { "noiversion", OPT_FLAG, true, MS_I_VERSION },
  { "nosymfollow", OPT_FLAG, false, MS_NOSYMFOLLOW },
  { "symfollow", OPT_FLAG, true, MS_NOSYMFOLLOW },
  { "bind", OPT_FLAG, false, MS_BIND },
  { "rbind", OPT_FLAG, false, MS_BIND | MS_REC },
  { "private", OPT_PROPAGATION, false, MS_PRIVATE },
  { "rprivate", OPT_PROPAGATION, false, MS_PRIVATE | MS_REC },
  { "shared", OPT_PROPAGATION, false, MS_SHARED },
  { "rshared", OPT_PROPAGATION, false, MS_SHARED | MS_REC },
  { "slave", OPT_PROPAGATION, false, MS_SLAVE },
  { "rslave", OPT_PROPAGATION, false, MS_SLAVE | MS_REC },
  { "unbindable", OPT_PROPAGATION, false, MS_UNBINDABLE },
  { "runbindable", OPT_PROPAGATION, false, MS_UNBINDABLE | MS_REC },
  { "rro", OPT_ATTR, false, MOUNT_ATTR_RDONLY },
  { "rrw", OPT_ATTR, true, MOUNT_ATTR_RDONLY },
  { "rnosuid", OPT_ATTR, false, MOUNT_ATTR_NOSUID },
  { "rsuid", OPT_ATTR, true, MOUNT_ATTR_NOSUID },
  { "rnodev", OPT_ATTR, false, MOUNT_ATTR_NODEV },
  { "rdev", OPT_ATTR, true, MOUNT_ATTR_NODEV },
  { "rnoexec", OPT_ATTR, false, MOUNT_ATTR_NOEXEC },
  { "rexec", OPT_ATTR, true, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", OPT_ATTR, false, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", OPT_ATTR, true, MOUNT_ATTR_NODIRATIME },
  { "rrelatime", OPT_ATTR, false, MOUNT_ATTR_RELATIME },
  { "rnorelatime", OPT_ATTR, true, MOUNT_ATTR_RELATIME },
  { "rnoatime", OPT_ATTR, false, MOUNT_ATTR_NOATIME },
  { "ratime", OPT_ATTR, true, MOUNT_ATTR_NOATIME },
  { "rstrictatime", OPT_ATTR, false, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", OPT_ATTR, true, MOUNT_ATTR_STRICTATIME },
  { "rnosymfollow", OPT_ATTR, false, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", OPT_ATTR, true, MOUNT_ATTR_NOSYMFOLLOW },
  { "tmpcopyup", OPT_TMPCOPYUP, false, 0 },
  { "idmap", OPT_IDMAP, false, 0 },
  { "ridmap", OPT_IDMAP, false, AT_RECURSIVE },
};
#define N_OPTIONS (sizeof options / sizeof options[0])

const char *const *
mount_known_options (size_t *n)
{
  static const char *names[N_OPTIONS + 1];
  for (size_t i = 0; i < N_OPTIONS; i++)
    names[i] = options[i].name;
  *n = N_OPTIONS;
  return names;
}

static const struct mount_opt *
find_option (const char *name)
{
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (strcmp (options[i].name, name) == 0)
      return &options[i];
  return NULL;
}

static bool
has_option (const struct oci_mount *m, const char *name)
{
  for (size_t i = 0; i < m->n_options; i++)
    if (m->options[i] && strcmp (m->options[i], name) == 0)
      return true;
  return false;
}

/* Append ITEM to the ','-joined *DATA.  */
static int
data_append (char **data, const char *item)
{
  size_t old = *data ? strlen (*data) : 0, n = strlen (item);
  char *d = realloc (*data, old + n + 2);
  if (d == NULL)
    return -1;
  if (old)
    d[old++] = ',';
  memcpy (d + old, item, n + 1);
  *data = d;
  return 0;
}

int
mount_parse_options (struct oci_mount *m, const char *json_path, struct tong_err *err)
{
  m->flags = m->clear_flags = m->propagation = 0;
  m->attr_set = m->attr_clr = m->attr_propagation = 0;
  m->recursive_attrs = m->is_bind = m->tmpcopyup = m->idmap = false;
  free (m->data);
  m->data = NULL;
  for (size_t i = 0; i < m->n_options; i++)
    {
      const char *o = m->options[i];
      /* buildah passes "" for "no options".  */
      if (o == NULL || *o == '\0')
        continue;
      const struct mount_opt *opt = find_option (o);
      if (opt == NULL)
        {
          if (data_append (&m->data, o) < 0)
            return tong_err_set (err, ENOMEM, "%s.options[%zu]", json_path, i);
          continue;
        }
      switch (opt->kind)
        {
        case OPT_NOOP:
          break;
        case OPT_FLAG:
          if (opt->clear)
            {
              m->flags &= ~opt->value;
              m->clear_flags |= opt->value;
            }
          else
            {
              m->flags |= opt->value;
              m->clear_flags &= ~opt->value;
            }
          break;
        case OPT_PROPAGATION:
          /* One propagation type per mount(2) call: the last one wins.  */
          m->propagation = opt->value;
          m->attr_propagation = opt->value & ~MS_REC;
          break;
        case OPT_ATTR:
          m->recursive_attrs = true;
          if (opt->clear)
            {
              m->attr_clr |= opt->value;
              m->attr_set &= ~opt->value;
            }
          else
            {
              m->attr_set |= opt->value;
              m->attr_clr &= ~opt->value;
              /* mount_setattr(2): an atime mode is set by clearing the whole
                 MOUNT_ATTR__ATIME field and setting the mode (relatime is 0).  */
              if ((opt->value & MOUNT_ATTR__ATIME) == opt->value)
                m->attr_clr |= MOUNT_ATTR__ATIME;
            }
          break;
        case OPT_TMPCOPYUP:
          m->tmpcopyup = true;
          break;
        case OPT_IDMAP:
          m->idmap = true;
          break;
        }
    }
  if (m->type && strcmp (m->type, "bind") == 0)
    m->flags |= MS_BIND;
  m->is_bind = (m->flags & MS_BIND) != 0;
  if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
    return tong_err_set (err, 0, "%s.%s: must be given together with %s", json_path,
                         m->n_uid_mappings ? "uidMappings" : "gidMappings",
                         m->n_uid_mappings ? "gidMappings" : "uidMappings");
  /* Mappings without the option: older configs, still meant as an idmap.  */
  if (m->n_uid_mappings)
    m->idmap = true;
  if (m->idmap && !m->is_bind)
    return tong_err_set (err, 0, "%s.options: idmap and ridmap are only supported on bind mounts",
                         json_path);
  if (m->tmpcopyup && (m->type == NULL || strcmp (m->type, "tmpfs") != 0))
    return tong_err_set (err, 0, "%s.options: tmpcopyup needs a tmpfs mount", json_path);
  return 0;
}

static const char *
mount_kind (const struct oci_mount *m)
{
  return m->is_bind ? "bind" : m->type ? m->type : "none";
}

static bool
streq (const char *a, const char *b)
{
  return a && b && strcmp (a, b) == 0;
}

/* DEST without leading/trailing slashes equals NAME ("dev", "proc").  */
static bool
dest_is (const char *dest, const char *name)
{
  while (*dest == '/')
    dest++;
  size_t n = strlen (dest);
  while (n > 0 && dest[n - 1] == '/')
    n--;
  return n == strlen (name) && strncmp (dest, name, n) == 0;
}

static int
mount_at (const char *src, int fd, const char *type, unsigned long flags, const char *data,
          struct tong_err *err)
{
  char buf[ROOTFS_FD_PATH_MAX];
  if (mount (src, rootfs_fd_path (fd, buf), type, flags, data) < 0)
    return tong_err_set (err, errno, "mount");
  return 0;
}

/* The mount that now sits on DEST: the fd from before the mount still names
   the directory underneath it.  */
static int
reopen (int rootfd, const char *dest, struct tong_err *err)
{
  return rootfs_open (rootfd, dest, O_PATH, 0, err);
}

/* PREFIX, the fs-specific data and the SELinux context=, joined with ','.  */
static int
build_data (const char *prefix, const char *data, const char *label, char **out,
            struct tong_err *err)
{
  *out = NULL;
  char ctx[4096];
  if (label && *label && lsm_selinux_enabled ())
    snprintf (ctx, sizeof ctx, "context=\"%s\"", label);
  else
    ctx[0] = '\0';
  const char *parts[] = { prefix, data, ctx };
  for (size_t i = 0; i < 3; i++)
    if (parts[i] && *parts[i] && data_append (out, parts[i]) < 0)
      return tong_err_set (err, ENOMEM, "mount data");
  return 0;
}

/* A bind mount only changes its flags with a second MS_BIND|MS_REMOUNT.  In
   a user namespace the source's nosuid/nodev/noexec/ro/atime flags are
   locked: when the remount fails, retry keeping the ones the user did not
   explicitly ask to clear (runc's behaviour).  */
static int
remount_bind (int top, unsigned long want, unsigned long cleared, struct tong_err *err)
{
  char buf[ROOTFS_FD_PATH_MAX];
  const char *target = rootfs_fd_path (top, buf);
  unsigned long flags = want | MS_BIND | MS_REMOUNT;
  if (mount (NULL, target, NULL, flags, NULL) == 0)
    return 0;
  int saved = errno;
  unsigned long src;
  if (rootfs_mount_flags (top, &src, err) < 0)
    return -1;
  if (src & cleared & ROOTFS_LOCK_FLAGS)
    return tong_err_set (err, saved,
                         "remount: the source's flags 0x%lx are locked and cannot be cleared",
                         src & cleared & ROOTFS_LOCK_FLAGS);
  if ((want & ROOTFS_ATIME_FLAGS) && (want & ROOTFS_ATIME_FLAGS) != (src & ROOTFS_ATIME_FLAGS))
    return tong_err_set (err, saved, "remount: the source's atime flags 0x%lx are locked",
                         src & ROOTFS_ATIME_FLAGS);
  flags |= src & ROOTFS_LOCK_FLAGS;
  if (mount (NULL, target, NULL, flags, NULL) < 0)
    return tong_err_set (err, errno, "remount with flags 0x%lx", flags);
  return 0;
}

/* The host pid of our child PID (we may be in a new pid namespace while
   /proc is still the host's): from its pidfd's fdinfo.  */
static pid_t
proc_pid (pid_t pid)
{
  cleanup_close int pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return pid;
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
  cleanup_fclose FILE *f = fopen (path, "re");
  char line[256];
  while (f && fgets (line, sizeof line, f))
    {
      int p;
      if (sscanf (line, "Pid:\t%d", &p) == 1 && p > 0)
        return p;
    }
  return pid;
}

static int
write_map (pid_t pid, const char *file, const struct oci_id_mapping *map, size_t n,
           struct tong_err *err)
{
  char path[64], buf[4096];
  size_t len = 0;
  for (size_t i = 0; i < n && len < sizeof buf; i++)
    len += snprintf (buf + len, sizeof buf - len, "%u %u %u\n", map[i].container_id, map[i].host_id,
                     map[i].size);
  if (len >= sizeof buf)
    return tong_err_set (err, E2BIG, "%s: too many mappings", file);
  snprintf (path, sizeof path, "/proc/%d/%s", (int)pid, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, buf, len) != (ssize_t)len)
    return tong_err_set (err, errno, "write %s", file);
  return 0;
}

/* A user namespace with the mount's own uidMappings/gidMappings, for
   MOUNT_ATTR_IDMAP: a child unshares one and waits while we write its maps.  */
static int
idmap_userns (const struct oci_mount *m, struct tong_err *err)
{
  int ready[2], hold[2];
  if (pipe2 (ready, O_CLOEXEC) < 0)
    return tong_err_set (err, errno, "pipe");
  if (pipe2 (hold, O_CLOEXEC) < 0)
    {
      close (ready[0]);
      close (ready[1]);
      return tong_err_set (err, errno, "pipe");
    }
  cleanup_pid pid_t pid = fork ();
  if (pid == 0)
    {
      char b = unshare (CLONE_NEWUSER) == 0 ? 0 : 1;
      if (write (ready[1], &b, 1) == 1)
        while (read (hold[0], &b, 1) < 0 && errno == EINTR)
          ;
      _exit (0);
    }
  close (ready[1]);
  close (hold[0]);
  cleanup_close int rfd = ready[0];
  cleanup_close int hfd = hold[1];
  if (pid < 0)
    return tong_err_set (err, errno, "fork");
  char b = 1;
  if (read (rfd, &b, 1) != 1 || b != 0)
    return tong_err_set (err, EPERM, "unshare a user namespace for the idmap");
  pid_t hp = proc_pid (pid);
  if (write_map (hp, "uid_map", m->uid_mappings, m->n_uid_mappings, err) < 0
      || write_map (hp, "gid_map", m->gid_mappings, m->n_gid_mappings, err) < 0)
    return -1;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int)hp);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open %s", path);
  return fd; /* the cleanup kills and reaps the child: the fd keeps the namespace.  */
}

/* A detached, idmapped copy of M's source: NSFD is the user namespace
   whose mappings it takes.  */
static int
idmapped_tree (const struct oci_mount *m, int nsfd, bool in_userns, struct tong_err *err)
{
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
  cleanup_close int tree = (int)syscall (SYS_open_tree, AT_FDCWD, m->source, flags);
  if (tree < 0)
    return tong_err_set (err, errno, "idmap: open_tree `%s`", m->source);
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)nsfd };
  unsigned at = AT_EMPTY_PATH | (has_option (m, "ridmap") ? AT_RECURSIVE : 0);
  if (syscall (SYS_mount_setattr, tree, "", at, &attr, sizeof attr) < 0)
    return tong_err_set (err, errno, "idmap: mount_setattr(MOUNT_ATTR_IDMAP)%s",
                         errno == EPERM && in_userns
                             ? " (the source's filesystem is not owned by the container's user "
                               "namespace)"
                             : "");
  return steal_fd (&tree);
}

int
mounts_prepare_idmapped (const struct oci_config *c, pid_t child, int sock,
                         struct tong_err *err)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      if (!m->idmap)
        continue;
      char path[64], idx[32];
      cleanup_close int nsfd = -1;
      if (m->n_uid_mappings)
        nsfd = idmap_userns (m, err);
      else
        {
          /* The container's own mappings: its user namespace.  */
          snprintf (path, sizeof path, "/proc/%d/ns/user", (int)child);
          nsfd = open (path, O_RDONLY | O_CLOEXEC);
          if (nsfd < 0)
            tong_err_set (err, errno, "open %s", path);
        }
      if (nsfd < 0)
        return tong_err_wrap (err, "mounts[%zu] (%s)", i, m->destination);
      cleanup_close int tree = idmapped_tree (m, nsfd, false, err);
      if (tree < 0)
        return tong_err_wrap (err, "mounts[%zu] (%s)", i, m->destination);
      snprintf (idx, sizeof idx, "%zu", i);
      if (sync_send_text_fd (sock, SYNC_MOUNT_FD, idx, tree, err) < 0)
        return -1;
    }
  return 0;
}

/* idmap/ridmap: clone the source tree detached, idmap it, attach it.  */
static int
bind_idmapped (const struct mounts_ctx *ctx, const struct oci_mount *m, int fd,
               struct tong_err *err)
{
  size_t index = (size_t) (m - ctx->config->mounts);
  if (ctx->idmap_fds && index < ctx->config->n_mounts && ctx->idmap_fds[index] >= 0)
    {
      /* Made by the parent, which has the privilege over the source.  */
      if (syscall (SYS_move_mount, ctx->idmap_fds[index], "", fd, "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
          < 0)
        return tong_err_set (err, errno, "idmap: move_mount");
      return 0;
    }
  cleanup_close int nsfd = -1;
  if (m->n_uid_mappings)
    nsfd = idmap_userns (m, err);
  else if (ctx->in_userns)
    {
      nsfd = open ("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
      if (nsfd < 0)
        tong_err_set (err, errno, "open /proc/self/ns/user");
    }
  else
    return tong_err_set (err, EINVAL,
                         "options: idmap needs uidMappings and gidMappings or a user namespace");
  if (nsfd < 0)
    return tong_err_wrap (err, "idmap");
  cleanup_close int tree = idmapped_tree (m, nsfd, ctx->in_userns, err);
  if (tree < 0)
    return -1;
  if (syscall (SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
      < 0)
    return tong_err_set (err, errno, "idmap: move_mount");
  return 0;
}

static int
mount_bind (const struct mounts_ctx *ctx, const struct oci_mount *m, int fd, struct tong_err *err)
{
  if (m->idmap)
    {
      if (bind_idmapped (ctx, m, fd, err) < 0)
        return -1;
    }
  else if (mount_at (m->source, fd, NULL, MS_BIND | (m->flags & MS_REC), NULL, err) < 0)
    return tong_err_wrap (err, "bind `%s`", m->source);
  if ((m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) == 0 && m->clear_flags == 0)
    return 0;
  cleanup_close int top = reopen (ctx->rootfd, m->destination, err);
  if (top < 0)
    return -1;
  return remount_bind (top, m->flags, m->clear_flags, err);
}

/* cgroup v1 (hybrid hosts): a tmpfs with one directory per hierarchy.  */

struct cg_hier
{
  char *mount_point, *root, *opts;
};

struct cg_list
{
  struct cg_hier *h;
  size_t n;
  const char *rootfs;
};

static int
collect_v1 (const struct rootfs_mountinfo *mi, void *data, struct tong_err *err)
{
  struct cg_list *l = data;
  size_t rl = strlen (l->rootfs);
  if (strcmp (mi->fstype, "cgroup") != 0)
    return 0;
  /* The host's, not the copies an earlier rbind of /sys put in the rootfs.  */
  if (strncmp (mi->mount_point, l->rootfs, rl) == 0
      && (mi->mount_point[rl] == '/' || mi->mount_point[rl] == '\0'))
    return 0;
  struct cg_hier *h = realloc (l->h, (l->n + 1) * sizeof *h);
  if (h == NULL)
    return tong_err_set (err, ENOMEM, "cgroup mounts");
  l->h = h;
  h[l->n].mount_point = strdup (mi->mount_point);
  h[l->n].root = strdup (mi->root);
  h[l->n].opts = strdup (mi->super_opts);
  if (!h[l->n].mount_point || !h[l->n].root || !h[l->n].opts)
    return tong_err_set (err, ENOMEM, "cgroup mounts");
  l->n++;
  return 0;
}

static void
cg_list_free (struct cg_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    {
      free (l->h[i].mount_point);
      free (l->h[i].root);
      free (l->h[i].opts);
    }
  free (l->h);
}

static bool
list_has (const char *list, const char *item, size_t len)
{
  for (const char *p = list; *p;)
    {
      size_t n = strcspn (p, ",");
      if (n == len && strncmp (p, item, len) == 0)
        return true;
      p += n;
      if (*p == ',')
        p++;
    }
  return false;
}

/* Our cgroup in hierarchy H, relative to H's root (from /proc/self/cgroup,
   which names the container's cgroup: the parent put us there).  */
static void
own_cgroup (const struct cg_hier *h, const char *self_cgroup, char *out, size_t len)
{
  snprintf (out, len, "/");
  for (const char *line = self_cgroup; *line;)
    {
      const char *eol = strchrnul (line, '\n');
      const char *c1 = memchr (line, ':', eol - line);
      const char *c2 = c1 ? memchr (c1 + 1, ':', eol - c1 - 1) : NULL;
      if (c2 && c2 > c1 + 1)
        {
          bool match = false;
          for (const char *p = c1 + 1; p < c2 && !match;)
            {
              size_t n = strcspn (p, ",:");
              match = list_has (h->opts, p, n);
              p += n + 1;
            }
          if (match)
            {
              const char *path = c2 + 1;
              size_t plen = eol - path, rlen = strlen (h->root);
              if (strcmp (h->root, "/") != 0 && plen >= rlen && strncmp (path, h->root, rlen) == 0)
                {
                  path += rlen;
                  plen -= rlen;
                }
              snprintf (out, len, "%.*s", (int)plen, plen ? path : "/");
              return;
            }
        }
      line = *eol ? eol + 1 : eol;
    }
}

static int
cgroup_v1_hierarchies (const struct mounts_ctx *ctx, const struct oci_mount *m, int top,
                       const struct cg_list *l, struct tong_err *err)
{
  const unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  cleanup_free char *self = NULL;
  if (ns_host_cgroup_view)
    self = strdup (ns_host_cgroup_view);
  else
    {
      cleanup_fclose FILE *f = fopen ("/proc/self/cgroup", "re");
      size_t cap = 0;
      if (f == NULL || getdelim (&self, &cap, '\0', f) < 0)
        return tong_err_set (err, errno, "read /proc/self/cgroup");
    }
  if (self == NULL)
    return tong_err_set (err, ENOMEM, "cgroup");
  const struct oci_namespace *cgns = oci_config_ns (ctx->config, OCI_NS_CGROUP);
  for (size_t i = 0; i < l->n; i++)
    {
      const struct cg_hier *h = &l->h[i];
      const char *name = strrchr (h->mount_point, '/');
      name = name ? name + 1 : h->mount_point;
      if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        continue;
      if (mkdirat (top, name, 0755) < 0 && errno != EEXIST)
        return tong_err_set (err, errno, "mkdir `%s`", name);
      cleanup_close int sub = openat (top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        return tong_err_set (err, errno, "open `%s`", name);
      if (cgns)
        {
          /* In a cgroup namespace a fresh mount shows the container's cgroup as its root.  */
          bool named = strcmp (name, "systemd") == 0;
          char opts[NAME_MAX + 8];
          snprintf (opts, sizeof opts, "%s%s", named ? "name=" : "", name);
          if (mount_at (named ? "systemd" : "cgroup", sub, "cgroup", base | (m->flags & MS_RDONLY),
                        opts, err)
              == 0)
            continue;
          /* A superblock of that hierarchy owned by another user namespace
             makes the kernel refuse (EBUSY, sget); a bind of the container's
             own cgroup, the namespace's root, shows the same tree.  */
          if ((err->errnum != EBUSY && err->errnum != EPERM) || ns_host_cgroup_view == NULL)
            return tong_err_wrap (err, "cgroup `%s`", name);
          tong_debug ("cgroup `%s`: fresh mount refused (%s), binding the container's cgroup", name,
                      err->msg);
        }
      char rel[PATH_MAX], src[PATH_MAX * 2];
      own_cgroup (h, self, rel, sizeof rel);
      snprintf (src, sizeof src, "%s%s", h->mount_point, strcmp (rel, "/") == 0 ? "" : rel);
      if (mount_at (src, sub, NULL, MS_BIND | MS_REC, NULL, err) < 0)
        return tong_err_wrap (err, "bind `%s`", src);
      cleanup_close int subtop = openat (top, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (subtop < 0)
        return tong_err_set (err, errno, "open `%s`", name);
      if (remount_bind (subtop, base | (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)),
                        m->clear_flags, err)
          < 0)
        return tong_err_wrap (err, "cgroup `%s`", name);
    }
  /* cpu,cpuacct mounted together: "cpu" and "cpuacct" name it too.  */
  for (size_t i = 0; i < l->n; i++)
    {
      const char *name = strrchr (l->h[i].mount_point, '/');
      name = name ? name + 1 : l->h[i].mount_point;
      if (strchr (name, ',') == NULL)
        continue;
      cleanup_free char *copy = strdup (name);
      char *save = NULL;
      for (char *t = copy ? strtok_r (copy, ",", &save) : NULL; t; t = strtok_r (NULL, ",", &save))
        if (symlinkat (name, top, t) < 0 && errno != EEXIST)
          return tong_err_set (err, errno, "symlink `%s`", t);
    }
  return 0;
}

/* The container's own cgroup of each host hierarchy (or fresh mounts in a
   cgroup namespace) in a tmpfs, as runc does on v1 and hybrid hosts.  */
static int
mount_cgroup_v1 (const struct mounts_ctx *ctx, const struct oci_mount *m, int fd,
                 struct tong_err *err)
{
  const unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  cleanup_free char *data = NULL;
  if (build_data ("mode=755", NULL, ctx->mount_label, &data, err) < 0
      || mount_at ("tmpfs", fd, "tmpfs", base, data, err) < 0)
    return -1;
  cleanup_close int top = rootfs_open (ctx->rootfd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (top < 0)
    return -1;
  struct cg_list l = { .rootfs = ctx->rootfs };
  int r = rootfs_mountinfo_each (collect_v1, &l, err);
  if (r == 0)
    r = cgroup_v1_hierarchies (ctx, m, top, &l, err);
  cg_list_free (&l);
  if (r < 0)
    return -1;
  if ((m->flags & MS_RDONLY) && remount_bind (top, base | MS_RDONLY, 0, err) < 0)
    return -1;
  return 0;
}

/* Type "cgroup" follows the host (v1/hybrid or v2); "cgroup2" is always v2.  */
static int
mount_cgroup (const struct mounts_ctx *ctx, const struct oci_mount *m, int fd, struct tong_err *err)
{
  struct statfs sfs;
  /* v1 and hybrid hosts have a tmpfs of hierarchies there; v2 has cgroup2.  */
  if (streq (m->type, "cgroup") && statfs ("/sys/fs/cgroup", &sfs) == 0
      && (unsigned long)sfs.f_type == TMPFS_MAGIC)
    return mount_cgroup_v1 (ctx, m, fd, err);
  if (mount_at (m->source ? m->source : "cgroup2", fd, "cgroup2", m->flags, m->data, err) == 0)
    return 0;
  if (err->errnum != EPERM && err->errnum != EBUSY)
    return -1;
  /* In a user namespace without a cgroup namespace cgroup2 cannot be
     mounted: bind the host's hierarchy instead, as runc does.  */
  tong_debug ("%s: cgroup2 mount refused (%s), binding /sys/fs/cgroup instead", m->destination,
              err->msg);
  struct oci_mount b = *m;
  b.source = (char *)"/sys/fs/cgroup";
  b.flags |= MS_BIND | MS_REC;
  b.idmap = false;
  return mount_bind (ctx, &b, fd, err);
}

/* runc's checkProcMount: nothing may be mounted over /proc but a procfs, and
   nothing inside it but the files lxcfs emulates.  */
static int
check_proc_dest (const struct mounts_ctx *ctx, const struct oci_mount *m, int fd,
                 struct tong_err *err)
{
  static const char *const allowed[] = { "/cpuinfo",
                                         "/diskstats",
                                         "/meminfo",
                                         "/stat",
                                         "/swaps",
                                         "/uptime",
                                         "/loadavg",
                                         "/slabinfo",
                                         "/net/dev",
                                         "/sys/kernel/ns_last_pid",
                                         "/sys/crypto/fips_enabled" };
  char buf[ROOTFS_FD_PATH_MAX], path[PATH_MAX], proc[PATH_MAX];
  ssize_t n = readlink (rootfs_fd_path (fd, buf), path, sizeof path - 1);
  if (n < 0)
    return tong_err_set (err, errno, "readlink the destination");
  path[n] = '\0';
  snprintf (proc, sizeof proc, "%s/proc", strcmp (ctx->rootfs, "/") == 0 ? "" : ctx->rootfs);
  size_t pl = strlen (proc);
  if (strncmp (path, proc, pl) != 0 || (path[pl] != '\0' && path[pl] != '/'))
    return 0;
  const char *rest = path + pl;
  if (*rest == '\0')
    {
      if (streq (m->type, "proc") && !m->is_bind)
        return 0;
      struct statfs sfs;
      if (m->is_bind && m->source && statfs (m->source, &sfs) == 0
          && (unsigned long)sfs.f_type == PROC_SUPER_MAGIC)
        return 0;
      return tong_err_set (err, 0, "`/proc` cannot be mounted over but by a procfs");
    }
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
    if (strcmp (rest, allowed[i]) == 0)
      return 0;
  return tong_err_set (err, 0, "`/proc%s` cannot be mounted: it is inside /proc", rest);
}

static int
mount_tmpfs (const struct mounts_ctx *ctx, const struct oci_mount *m, int fd, const char *prefix,
             struct tong_err *err)
{
  cleanup_free char *data = NULL;
  if (build_data (prefix, m->data, ctx->mount_label, &data, err) < 0)
    return -1;
  /* Kept writable until rootfs_finalize: mount points and /dev/console may
     still have to be made in it.  */
  unsigned long flags = m->flags & ~MS_RDONLY;
  if (!m->tmpcopyup)
    return mount_at (m->source ? m->source : "tmpfs", fd, "tmpfs", flags, data, err);
  /* Opened before the mount: this fd keeps seeing the directory underneath.  */
  cleanup_close int lower
      = rootfs_open (ctx->rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0, err);
  if (lower < 0)
    return -1;
  if (mount_at (m->source ? m->source : "tmpfs", fd, "tmpfs", flags, data, err) < 0)
    return -1;
  cleanup_close int upper
      = rootfs_open (ctx->rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0, err);
  if (upper < 0 || rootfs_copy_tree (lower, upper, err) < 0)
    return tong_err_wrap (err, "tmpcopyup");
  return 0;
}

/* The permission bits of the directory DEST if it exists in the rootfs, else -1.  */
static int
existing_dir_mode (int rootfd, const char *dest)
{
  struct tong_err ignored;
  cleanup_close int fd = rootfs_open (rootfd, dest, O_PATH, 0, &ignored);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
    return -1;
  return (int)(st.st_mode & 07777);
}

static int
apply_one (const struct mounts_ctx *ctx, const struct oci_mount *m, struct tong_err *err)
{
  const char *type = m->is_bind ? "bind" : m->type;
  if (type == NULL)
    return tong_err_set (err, EINVAL, "type: required unless the mount is a bind mount");
  if (m->destination == NULL || *m->destination == '\0')
    return tong_err_set (err, EINVAL, "destination: required");
  bool dir = true;
  if (m->is_bind)
    {
      struct stat st;
      if (m->source == NULL)
        return tong_err_set (err, EINVAL, "source: required for a bind mount");
      if (stat (m->source, &st) < 0)
        return tong_err_set (err, errno, "source `%s`", m->source);
      dir = S_ISDIR (st.st_mode);
    }

  /* tmpfs over an existing directory keeps its mode, as runc does.  */
  char prefix[32] = "";
  if (streq (type, "tmpfs"))
    {
      int e = existing_dir_mode (ctx->rootfd, m->destination);
      if (e >= 0)
        snprintf (prefix, sizeof prefix, "mode=%04o", e);
    }

  cleanup_close int fd = rootfs_ensure (ctx->rootfd, m->destination, dir, err);
  if (fd < 0)
    return -1;
  if (check_proc_dest (ctx, m, fd, err) < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return tong_err_set (err, errno, "stat the destination");
  if (dir && !S_ISDIR (st.st_mode))
    return tong_err_set (err, ENOTDIR, "destination");

  int r;
  if (m->is_bind)
    r = mount_bind (ctx, m, fd, err);
  else if (streq (type, "cgroup") || streq (type, "cgroup2"))
    r = mount_cgroup (ctx, m, fd, err);
  else if (streq (type, "tmpfs"))
    r = mount_tmpfs (ctx, m, fd, prefix, err);
  else if (streq (type, "proc") || streq (type, "sysfs") || streq (type, "mqueue"))
    {
      /* No context=: these filesystems don't take one.  */
      r = mount_at (m->source ? m->source : type, fd, type, m->flags, m->data, err);
      if (r < 0 && streq (type, "sysfs") && err->errnum == EPERM)
        {
          /* A user namespace without its own network namespace may not
             mount sysfs: bind the host's, as runc does.  */
          tong_debug ("%s: sysfs mount refused, binding /sys instead", m->destination);
          struct oci_mount b = *m;
          b.source = (char *)"/sys";
          b.flags |= MS_BIND | MS_REC;
          r = mount_bind (ctx, &b, fd, err);
        }
    }
  else
    {
      cleanup_free char *data = NULL;
      unsigned long flags = m->flags;
      if (dest_is (m->destination, "dev"))
        flags &= ~MS_RDONLY; /* devices go in first; rootfs_finalize makes it ro.  */
      r = build_data (NULL, m->data, ctx->mount_label, &data, err);
      if (r == 0)
        r = mount_at (m->source ? m->source : type, fd, type, flags, data, err);
    }
  if (r < 0)
    return -1;

  if (m->propagation)
    {
      cleanup_close int top = reopen (ctx->rootfd, m->destination, err);
      if (top < 0 || mount_at (NULL, top, NULL, m->propagation, NULL, err) < 0)
        return tong_err_wrap (err, "set the propagation");
    }
  if (m->recursive_attrs)
    {
      cleanup_close int top = reopen (ctx->rootfd, m->destination, err);
      if (top < 0)
        return -1;
      struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };
      if (syscall (SYS_mount_setattr, top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr)
          < 0)
        return tong_err_set (err, errno, "mount_setattr (recursive options)");
    }
  return 0;
}

int
mounts_apply (const struct mounts_ctx *ctx, struct tong_err *err)
{
  const struct oci_config *c = ctx->config;
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      if (apply_one (ctx, m, err) < 0)
        return tong_err_wrap (err, "mounts[%zu] (%s, %s)", i, m->destination, mount_kind (m));
    }
  return devices_setup (c, ctx->rootfd, ctx->rootfs, ctx->in_userns, err);
}

/* maskedPaths and readonlyPaths, after the root switch.  */

/* Where mount(2) should act for FD: its /proc/self/fd link, or PATH itself
   when the container has no /proc (we are inside the new root by now, so
   symlinks cannot lead out of it).  */
static const char *
target_of (int fd, const char *path, bool have_proc, char buf[ROOTFS_FD_PATH_MAX])
{
  return have_proc ? rootfs_fd_path (fd, buf) : path;
}

static int
mask_path (int root, const char *path, const char *label, bool have_proc, struct tong_err *err)
{
  cleanup_close int fd = rootfs_open (root, path, O_PATH, 0, err);
  if (fd < 0)
    return err->errnum == ENOENT ? 0 : -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return tong_err_set (err, errno, "stat");
  char buf[ROOTFS_FD_PATH_MAX], nbuf[ROOTFS_FD_PATH_MAX];
  const char *target = target_of (fd, path, have_proc, buf);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_free char *data = NULL;
      if (build_data (NULL, NULL, label, &data, err) < 0)
        return -1;
      if (mount ("tmpfs", target, "tmpfs", MS_RDONLY, data) < 0)
        return tong_err_set (err, errno, "mount a read-only tmpfs");
      return 0;
    }
  /* The container's /dev/null is ours, but check it: a symlink or another
     node there would turn the mask into a bind of something else.  */
  cleanup_close int null = open ("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat ns;
  if (null < 0 || fstat (null, &ns) < 0)
    return tong_err_set (err, errno, "open /dev/null");
  if (!S_ISCHR (ns.st_mode) || ns.st_rdev != makedev (1, 3))
    return tong_err_set (err, 0, "/dev/null is not the null device");
  if (mount (target_of (null, "/dev/null", have_proc, nbuf), target, NULL, MS_BIND, NULL) < 0)
    return tong_err_set (err, errno, "bind /dev/null");
  return 0;
}

static int
readonly_path (int root, const char *path, bool have_proc, struct tong_err *err)
{
  cleanup_close int fd = rootfs_open (root, path, O_PATH, 0, err);
  if (fd < 0)
    return err->errnum == ENOENT ? 0 : -1;
  char buf[ROOTFS_FD_PATH_MAX];
  const char *target = target_of (fd, path, have_proc, buf);
  if (mount (target, target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return tong_err_set (err, errno, "bind onto itself");
  cleanup_close int top = rootfs_open (root, path, O_PATH, 0, err);
  if (top < 0)
    return -1;
  unsigned long cur;
  if (rootfs_mount_flags (top, &cur, err) < 0)
    return -1;
  /* Keep nosuid/nodev/noexec and the atime mode: they may be locked.  */
  unsigned long keep = cur & (MS_NOSUID | MS_NODEV | MS_NOEXEC | ROOTFS_ATIME_FLAGS);
  target = target_of (top, path, have_proc, buf);
  if (mount (NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
    return tong_err_set (err, errno, "remount read-only");
  return 0;
}

int
mounts_mask_and_readonly (const struct oci_config *c, struct tong_err *err)
{
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return tong_err_set (err, errno, "open /");
  bool have_proc = access ("/proc/self/fd", X_OK) == 0;
  for (size_t i = 0; i < c->linux_.n_masked_paths; i++)
    {
      const char *p = c->linux_.masked_paths[i];
      if (mask_path (root, p, c->linux_.mount_label, have_proc, err) < 0)
        return tong_err_wrap (err, "linux.maskedPaths[%zu] `%s`", i, p);
    }
  for (size_t i = 0; i < c->linux_.n_readonly_paths; i++)
    {
      const char *p = c->linux_.readonly_paths[i];
      if (readonly_path (root, p, have_proc, err) < 0)
        return tong_err_wrap (err, "linux.readonlyPaths[%zu] `%s`", i, p);
    }
  return 0;
}
