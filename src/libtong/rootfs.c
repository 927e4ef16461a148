/* The container's root filesystem: the safe in-rootfs path resolver, the
   preparation of the rootfs mount and the root switch.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs.h"
#include "cleanup.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* Same limit as the kernel (MAXSYMLINKS).  */
#define MAX_SYMLINKS 40

static bool force_fallback;
static bool no_openat2;

void
rootfs_force_fallback (bool on)
{
  force_fallback = on;
}

const char *
rootfs_fd_path (int fd, char buf[ROOTFS_FD_PATH_MAX])
{
  snprintf (buf, ROOTFS_FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}

/* A growable stack of O_PATH directory fds: the walk's way back for "..",
   which can therefore never climb above the root.  */
struct walk
{
  int *fds;
  size_t n, cap;
};

static void
walk_free (struct walk *w)
{
  for (size_t i = 0; i < w->n; i++)
    close (w->fds[i]);
  free (w->fds);
}

static int
walk_push (struct walk *w, int fd)
{
  if (w->n == w->cap)
    {
      size_t cap = w->cap ? w->cap * 2 : 16;
      int *n = realloc (w->fds, cap * sizeof *n);
      if (n == NULL)
        {
          close (fd);
          errno = ENOMEM;
          return -1;
        }
      w->fds = n;
      w->cap = cap;
    }
  w->fds[w->n++] = fd;
  return 0;
}

static void
walk_pop_to (struct walk *w, size_t n)
{
  while (w->n > n)
    close (w->fds[--w->n]);
}

/* Read the target of the symlink LINKFD (an O_PATH|O_NOFOLLOW fd).  */
static char *
read_link_fd (int linkfd)
{
  char buf[PATH_MAX];
  ssize_t n = readlinkat (linkfd, "", buf, sizeof buf - 1);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return strdup (buf);
}

/* Replace *REST (which starts at the symlink's component, ending at NEXT)
   with TARGET + "/" + NEXT.  */
static int
splice_link (char **rest, const char *target, const char *next)
{
  size_t tl = strlen (target), nl = strlen (next);
  char *n = malloc (tl + nl + 2);
  if (n == NULL)
    {
      errno = ENOMEM;
      return -1;
    }
  memcpy (n, target, tl);
  if (nl == 0)
    n[tl] = '\0';
  else
    {
      n[tl] = '/';
      memcpy (n + tl + 1, next, nl + 1);
    }
  free (*rest);
  *rest = n;
  return 0;
}

/* openat2's RESOLVE_IN_ROOT done by hand: one component at a time with
   O_NOFOLLOW, symlinks read and resolved against the root, ".." bounded by
   the stack of directories walked.  Returns the fd, or -1 with errno set.  */
static int
walk_open (int rootfd, const char *path, int flags, mode_t mode)
{
  struct walk w = { 0 };
  char *rest = strdup (path);
  int links = 0, ret = -1;
  if (rest == NULL)
    {
      errno = ENOMEM;
      return -1;
    }
  int fd = openat (rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || walk_push (&w, fd) < 0)
    goto out;

  size_t pos = 0;
  for (;;)
    {
      while (rest[pos] == '/')
        pos++;
      if (rest[pos] == '\0')
        {
          /* The path named a directory we are in (e.g. "/" or "a/..").  */
          ret = openat (w.fds[w.n - 1], ".", flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), mode);
          goto out;
        }
      size_t len = strcspn (rest + pos, "/");
      char name[NAME_MAX + 1];
      if (len > NAME_MAX)
        {
          errno = ENAMETOOLONG;
          goto out;
        }
      memcpy (name, rest + pos, len);
      name[len] = '\0';
      const char *next = rest + pos + len;
      bool trailing_slash = *next == '/';
      while (*next == '/')
        next++;
      bool last = *next == '\0';
      int cur = w.fds[w.n - 1];

      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        {
          if (name[1] == '.' && w.n > 1)
            walk_pop_to (&w, w.n - 1);
          pos = next - rest;
          if (last)
            {
              ret = openat (w.fds[w.n - 1], ".", flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), mode);
              goto out;
            }
          continue;
        }

      fd = openat (cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && last && (flags & O_CREAT))
        {
          /* O_NOFOLLOW: a symlink raced in fails with ELOOP, never followed.  */
          ret = openat (cur, name, flags | O_NOFOLLOW, mode);
          goto out;
        }
      if (fd < 0)
        goto out;
      struct stat st;
      if (fstat (fd, &st) < 0)
        {
          close (fd);
          goto out;
        }
      if (S_ISLNK (st.st_mode) && (!last || trailing_slash || !(flags & O_NOFOLLOW)))
        {
          char *target = read_link_fd (fd);
          close (fd);
          if (target == NULL)
            goto out;
          if (++links > MAX_SYMLINKS)
            {
              free (target);
              errno = ELOOP;
              goto out;
            }
          if (target[0] == '/')
            walk_pop_to (&w, 1);
          /* Keep the trailing slash: "link/" must still name a directory.  */
          int r = splice_link (&rest, target, trailing_slash && last ? "/" : next);
          free (target);
          if (r < 0)
            goto out;
          pos = 0;
          continue;
        }
      if (!last)
        {
          if (!S_ISDIR (st.st_mode))
            {
              close (fd);
              errno = ENOTDIR;
              goto out;
            }
          if (walk_push (&w, fd) < 0)
            goto out;
          pos = next - rest;
          continue;
        }
      if (trailing_slash && !S_ISDIR (st.st_mode))
        {
          close (fd);
          errno = ENOTDIR;
          goto out;
        }
      if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        {
          close (fd);
          errno = EEXIST;
          goto out;
        }
      if ((flags & O_PATH) && (flags & (O_DIRECTORY | O_NOFOLLOW)) == 0)
        {
          ret = fd;
          goto out;
        }
      close (fd);
      ret = openat (cur, name, flags | O_NOFOLLOW, mode);
      goto out;
    }
out:
  {
    int saved = errno;
    walk_free (&w);
    free (rest);
    errno = saved;
  }
  return ret;
}

static int
open_in_root (int rootfd, const char *path, int flags, mode_t mode)
{
  if (path[0] == '\0')
    path = "/";
  flags |= O_CLOEXEC;
  if (!force_fallback && !no_openat2)
    {
      struct open_how how = {
        .flags = (unsigned)flags,
        .mode = (flags & (O_CREAT | (O_TMPFILE & ~O_DIRECTORY))) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
      };
      for (int i = 0; i < 64; i++)
        {
          int fd = (int)syscall (SYS_openat2, rootfd, path, &how, sizeof how);
          if (fd >= 0)
            return fd;
          /* EAGAIN: a concurrent rename made the kernel refuse to vouch for "..".  */
          if (errno != EAGAIN && errno != EINTR)
            break;
        }
      if (errno != ENOSYS)
        return -1;
      no_openat2 = true;
    }
  return walk_open (rootfd, path, flags, mode);
}

int
rootfs_open (int rootfd, const char *path, int flags, mode_t mode, struct tong_err *err)
{
  int fd = open_in_root (rootfd, path, flags, mode);
  if (fd < 0)
    return tong_err_set (err, errno, "open `%s`", path);
  return fd;
}

/* Split PATH into a malloc'ed parent and its last component NAME (no
   slashes).  "" or "/" have no last component: returns 1.  */
static int
split_path (const char *path, char **parent, char name[NAME_MAX + 1])
{
  size_t end = strlen (path);
  while (end > 0 && path[end - 1] == '/')
    end--;
  if (end == 0)
    return 1;
  size_t start = end;
  while (start > 0 && path[start - 1] != '/')
    start--;
  if (end - start > NAME_MAX)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  memcpy (name, path + start, end - start);
  name[end - start] = '\0';
  *parent = strndup (path, start);
  if (*parent == NULL)
    {
      errno = ENOMEM;
      return -1;
    }
  return 0;
}

static int
ensure_at (int rootfd, const char *path, bool dir, int depth, struct tong_err *err)
{
  if (depth > MAX_SYMLINKS)
    return tong_err_set (err, ELOOP, "create `%s`", path);
  int fd = open_in_root (rootfd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return tong_err_set (err, errno, "open `%s`", path);

  cleanup_free char *parent = NULL;
  char name[NAME_MAX + 1];
  int r = split_path (path, &parent, name);
  if (r != 0)
    return tong_err_set (err, r < 0 ? errno : ENOENT, "create `%s`", path);
  cleanup_close int parentfd = ensure_at (rootfd, parent, true, depth, err);
  if (parentfd < 0)
    return -1;
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return rootfs_open (rootfd, path, O_PATH, 0, err);

  if (dir)
    r = mkdirat (parentfd, name, 0755);
  else
    {
      r = openat (parentfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0)
        r = close (r);
    }
  if (r < 0 && errno != EEXIST)
    return tong_err_set (err, errno, "create `%s`", path);
  fd = openat (parentfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open `%s`", path);
  struct stat st;
  if (fstat (fd, &st) < 0)
    {
      close (fd);
      return tong_err_set (err, errno, "stat `%s`", path);
    }
  if (!S_ISLNK (st.st_mode))
    return fd;

  /* A dangling symlink: create its target, resolved inside the root.  */
  cleanup_free char *target = read_link_fd (fd);
  close (fd);
  if (target == NULL)
    return tong_err_set (err, errno, "readlink `%s`", path);
  cleanup_free char *next = NULL;
  if (target[0] == '/')
    next = strdup (target);
  else if (asprintf (&next, "%s/%s", parent[0] ? parent : "/", target) < 0)
    next = NULL;
  if (next == NULL)
    return tong_err_set (err, ENOMEM, "create `%s`", path);
  return ensure_at (rootfd, next, dir, depth + 1, err);
}

int
rootfs_ensure (int rootfd, const char *path, bool dir, struct tong_err *err)
{
  return ensure_at (rootfd, path, dir, 0, err);
}

int
rootfs_mount_flags (int fd, unsigned long *flags, struct tong_err *err)
{
  struct statvfs sv;
  if (fstatvfs (fd, &sv) < 0)
    return tong_err_set (err, errno, "statfs");
  static const struct
  {
    unsigned long st, ms;
  } map[] = {
    { ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },
    { ST_NODEV, MS_NODEV },       { ST_NOEXEC, MS_NOEXEC },
    { ST_MANDLOCK, MS_MANDLOCK }, { ST_SYNCHRONOUS, MS_SYNCHRONOUS },
    { ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME },
    { ST_RELATIME, MS_RELATIME }, { ST_NOSYMFOLLOW, MS_NOSYMFOLLOW },
  };
  unsigned long f = 0;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (sv.f_flag & map[i].st)
      f |= map[i].ms;
  /* Strict atime is the absence of the others: statfs has no bit for it.  */
  if ((f & (MS_NOATIME | MS_RELATIME)) == 0)
    f |= MS_STRICTATIME;
  *flags = f;
  return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo.  */
static void
unescape (char *s)
{
  char *d = s;
  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 4;
        }
      else
        *d++ = *s++;
    }
  *d = '\0';
}

int
rootfs_mountinfo_each (int (*cb) (const struct rootfs_mountinfo *mi, void *data,
                                  struct tong_err *err),
                       void *data, struct tong_err *err)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return tong_err_set (err, errno, "open /proc/self/mountinfo");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) > 0)
    {
      line[strcspn (line, "\n")] = '\0';
      /* id parent major:minor root mount-point opts [optional...] - fstype source super-opts */
      char *fields[6] = { 0 };
      char *save = NULL, *tok = strtok_r (line, " ", &save);
      size_t n = 0;
      for (; tok && n < 6; tok = strtok_r (NULL, " ", &save))
        fields[n++] = tok;
      while (tok && strcmp (tok, "-") != 0)
        tok = strtok_r (NULL, " ", &save);
      if (n < 5 || tok == NULL)
        continue;
      char *fstype = strtok_r (NULL, " ", &save);
      char *source = fstype ? strtok_r (NULL, " ", &save) : NULL;
      char *super = source ? strtok_r (NULL, " ", &save) : NULL;
      struct rootfs_mountinfo mi = {
        .id = atoi (fields[0]),
        .parent = atoi (fields[1]),
        .root = fields[3],
        .mount_point = fields[4],
        .fstype = fstype ? fstype : "",
        .source = source ? source : "",
        .super_opts = super ? super : "",
      };
      unescape (fields[3]);
      unescape (fields[4]);
      if (source)
        unescape (source);
      if (cb (&mi, data, err) < 0)
        return -1;
    }
  return 0;
}

int
rootfs_propagation_flags (const struct oci_config *c, unsigned long *flags, struct tong_err *err)
{
  *flags = c->linux_.rootfs_propagation_flags;
  const char *p = c->linux_.rootfs_propagation;
  if (*flags != 0 || p == NULL || *p == '\0')
    return 0;
  static const struct
  {
    const char *name;
    unsigned long flags;
  } table[] = {
    { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp (p, table[i].name) == 0)
      {
        *flags = table[i].flags;
        return 0;
      }
  return tong_err_set (err, EINVAL, "linux.rootfsPropagation: unknown value `%s`", p);
}

/* pivot_root needs the rootfs's parent mount not shared: walk up from the
   rootfs to the first mount point (EINVAL means "not a mount point") and make
   it private, as runc does.  */
static int
make_parent_private (const char *rootfs, struct tong_err *err)
{
  cleanup_free char *path = strdup (rootfs);
  if (path == NULL)
    return tong_err_set (err, ENOMEM, "rootfs");
  for (;;)
    {
      if (mount (NULL, path, NULL, MS_PRIVATE, NULL) == 0)
        return 0;
      if (errno != EINVAL || strcmp (path, "/") == 0)
        return tong_err_set (err, errno, "make the parent mount `%s` of the rootfs private", path);
      char *slash = strrchr (path, '/');
      if (slash == NULL)
        return tong_err_set (err, EINVAL, "rootfs `%s`: not an absolute path", rootfs);
      if (slash == path)
        slash[1] = '\0';
      else
        *slash = '\0';
    }
}

int
rootfs_prepare (const struct oci_config *c, const char *rootfs, struct tong_err *err)
{
  unsigned long flags = MS_SLAVE | MS_REC;
  unsigned long prop;
  if (rootfs_propagation_flags (c, &prop, err) < 0)
    return -1;
  if (prop != 0)
    flags = prop;
  /* Nothing mounted from here on may propagate back to the host.  */
  if (mount (NULL, "/", NULL, flags, NULL) < 0)
    return tong_err_set (err, errno, "set the propagation of `/` (0x%lx)", flags);
  if (make_parent_private (rootfs, err) < 0)
    return -1;
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return tong_err_set (err, errno, "bind-mount the rootfs `%s` onto itself", rootfs);
  return 0;
}

static bool
path_under (const char *path, const char *dir)
{
  size_t n = strlen (dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  if (n == 1 && dir[0] == '/')
    return true;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int
hide_host_proc_sys (const struct rootfs_mountinfo *mi, void *data, struct tong_err *err)
{
  const char *rootfs = data;
  if (strcmp (mi->root, "/") != 0 || path_under (mi->mount_point, rootfs)
      || (strcmp (mi->fstype, "proc") != 0 && strcmp (mi->fstype, "sysfs") != 0))
    return 0;
  if (mount (NULL, mi->mount_point, NULL, MS_SLAVE | MS_REC, NULL) < 0)
    {
      if (errno == ENOENT)
        return 0; /* under a mount already detached.  */
      return tong_err_set (err, errno, "make `%s` rslave", mi->mount_point);
    }
  if (umount2 (mi->mount_point, MNT_DETACH) == 0)
    return 0;
  if (errno != EINVAL && errno != EPERM)
    return tong_err_set (err, errno, "unmount `%s`", mi->mount_point);
  /* Locked in a user namespace: cover it instead.  */
  if (mount ("tmpfs", mi->mount_point, "tmpfs", 0, NULL) < 0)
    return tong_err_set (err, errno, "cover `%s` with a tmpfs", mi->mount_point);
  return 0;
}

/* The switch without pivot_root: move the rootfs onto "/" and chroot.  The
   host's full procfs and sysfs mounts are unmounted first: they would stay
   reachable in this namespace and let the kernel allow new procfs mounts it
   would otherwise refuse.  The caller's cwd is the rootfs.  */
static int
move_root (const char *rootfs, struct tong_err *err)
{
  if (rootfs_mountinfo_each (hide_host_proc_sys, (void *)rootfs, err) < 0)
    return tong_err_wrap (err, "switch root");
  if (mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0)
    return tong_err_set (err, errno, "move the rootfs `%s` onto /", rootfs);
  if (chroot (".") < 0)
    return tong_err_set (err, errno, "chroot into `%s`", rootfs);
  if (chdir ("/") < 0)
    return tong_err_set (err, errno, "chdir /");
  return 0;
}

int
rootfs_pivot (const char *rootfs, bool no_pivot, struct tong_err *err)
{
  cleanup_close int oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0)
    return tong_err_set (err, errno, "open /");
  cleanup_close int newroot = open (rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0)
    return tong_err_set (err, errno, "open the rootfs `%s`", rootfs);
  if (fchdir (newroot) < 0)
    return tong_err_set (err, errno, "chdir into the rootfs `%s`", rootfs);
  if (no_pivot)
    {
      tong_debug ("rootfs: MS_MOVE + chroot instead of pivot_root: --no-pivot was given");
      return move_root (rootfs, err);
    }
  /* pivot_root(".", "."): the old root is stacked on the new one, then
     detached, so no directory for it is needed inside the rootfs.  */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    {
      int saved = errno;
      struct statfs sfs;
      if (saved == EINVAL && statfs ("/", &sfs) == 0
          && ((unsigned long)sfs.f_type == RAMFS_MAGIC || (unsigned long)sfs.f_type == TMPFS_MAGIC))
        {
          tong_debug ("rootfs: MS_MOVE + chroot instead of pivot_root: the current root is an "
                      "initramfs, which pivot_root cannot move");
          return move_root (rootfs, err);
        }
      return tong_err_set (err, saved, "pivot_root into `%s`", rootfs);
    }
  /* The kernel leaves "." on the old root, but don't rely on it.  */
  if (fchdir (oldroot) < 0)
    return tong_err_set (err, errno, "chdir to the old root");
  /* rslave, not rprivate: the host may still act on mounts we hold.  Our
     unmount must not propagate to it.  */
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return tong_err_set (err, errno, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return tong_err_set (err, errno, "detach the old root");
  if (chdir ("/") < 0)
    return tong_err_set (err, errno, "chdir /");
  return 0;
}

int
rootfs_chroot (const char *rootfs, struct tong_err *err)
{
  if (chdir (rootfs) < 0)
    return tong_err_set (err, errno, "chdir into the rootfs `%s`", rootfs);
  if (chroot (".") < 0)
    return tong_err_set (err, errno, "chroot into `%s`", rootfs);
  if (chdir ("/") < 0)
    return tong_err_set (err, errno, "chdir /");
  return 0;
}

/* MS_BIND|MS_REMOUNT|MS_RDONLY on FD's mount, keeping its other flags: a
   bind remount sets the per-mount flags to exactly those given.  */
static int
remount_ro (int fd, const char *what, struct tong_err *err)
{
  unsigned long cur;
  char buf[ROOTFS_FD_PATH_MAX];
  if (rootfs_mount_flags (fd, &cur, err) < 0)
    return tong_err_wrap (err, "%s", what);
  /* With its atime mode given again (MS_STRICTATIME included) the remount
     keeps it instead of falling back to relatime.  */
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | cur;
  const char *target = access ("/proc/self/fd", X_OK) == 0 ? rootfs_fd_path (fd, buf) : what;
  if (mount (NULL, target, NULL, flags, NULL) < 0)
    return tong_err_set (err, errno, "%s: remount read-only", what);
  return 0;
}

static bool
is_dev_dest (const char *dest)
{
  while (*dest == '/')
    dest++;
  size_t n = strlen (dest);
  while (n > 0 && dest[n - 1] == '/')
    n--;
  return n == 3 && strncmp (dest, "dev", 3) == 0;
}

int
rootfs_finalize (const struct oci_config *c, struct tong_err *err)
{
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return tong_err_set (err, errno, "open /");
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      if (!(m->flags & MS_RDONLY) || m->is_bind
          || !((m->type && strcmp (m->type, "tmpfs") == 0) || is_dev_dest (m->destination)))
        continue;
      cleanup_close int fd = rootfs_open (root, m->destination, O_PATH, 0, err);
      if (fd < 0 || remount_ro (fd, m->destination, err) < 0)
        return tong_err_wrap (err, "mounts[%zu] (%s, %s)", i, m->destination,
                              m->type ? m->type : "none");
    }

  unsigned long prop;
  if (rootfs_propagation_flags (c, &prop, err) < 0)
    return -1;
  /* Only now, on the container's own "/": done before the switch it would
     have changed the host's "/" mount.  Private was done by rootfs_prepare.  */
  if (prop != 0 && !(prop & MS_PRIVATE) && mount (NULL, "/", NULL, prop, NULL) < 0)
    return tong_err_set (err, errno, "linux.rootfsPropagation `%s`",
                         c->linux_.rootfs_propagation ? c->linux_.rootfs_propagation : "?");
  if (c->root_readonly && remount_ro (root, "/", err) < 0)
    return tong_err_wrap (err, "root.readonly");
  return 0;
}

/* tmpcopyup.  */

static int
copy_file_data (int in, int out)
{
  for (;;)
    {
      ssize_t n = copy_file_range (in, NULL, out, NULL, 1 << 30, 0);
      if (n == 0)
        return 0;
      if (n > 0)
        continue;
      if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -1;
      break;
    }
  char buf[65536];
  ssize_t n;
  while ((n = read (in, buf, sizeof buf)) > 0)
    {
      for (ssize_t off = 0; off < n;)
        {
          ssize_t w = write (out, buf + off, n - off);
          if (w < 0)
            {
              if (errno == EINTR)
                continue;
              return -1;
            }
          off += w;
        }
    }
  return n < 0 ? -1 : 0;
}

static int copy_dir (int src, int dst, int depth, struct tong_err *err);

static int
copy_entry (int src, int dst, const char *name, int depth, struct tong_err *err)
{
  struct stat st;
  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return tong_err_set (err, errno, "stat `%s`", name);
  mode_t perm = st.st_mode & 07777;
  switch (st.st_mode & S_IFMT)
    {
    case S_IFDIR:
      {
        if (mkdirat (dst, name, 0700) < 0 && errno != EEXIST)
          return tong_err_set (err, errno, "mkdir `%s`", name);
        cleanup_close int s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        cleanup_close int d = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
          return tong_err_set (err, errno, "open `%s`", name);
        if (copy_dir (s, d, depth + 1, err) < 0)
          return tong_err_wrap (err, "%s", name);
        break;
      }
    case S_IFREG:
      {
        cleanup_close int s = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0)
          return tong_err_set (err, errno, "open `%s`", name);
        cleanup_close int d
            = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (d < 0)
          return tong_err_set (err, errno, "create `%s`", name);
        if (copy_file_data (s, d) < 0)
          return tong_err_set (err, errno, "copy `%s`", name);
        break;
      }
    case S_IFLNK:
      {
        char target[PATH_MAX];
        ssize_t n = readlinkat (src, name, target, sizeof target - 1);
        if (n < 0)
          return tong_err_set (err, errno, "readlink `%s`", name);
        target[n] = '\0';
        if (symlinkat (target, dst, name) < 0)
          return tong_err_set (err, errno, "symlink `%s`", name);
        break;
      }
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
      if (mknodat (dst, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
        return tong_err_set (err, errno, "mknod `%s`", name);
      break;
    default:
      return 0; /* sockets: meaningless without their listener.  */
    }
  if (fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
    return tong_err_set (err, errno, "chown `%s`", name);
  if (!S_ISLNK (st.st_mode) && fchmodat (dst, name, perm, 0) < 0)
    return tong_err_set (err, errno, "chmod `%s`", name);
  struct timespec times[2] = { st.st_atim, st.st_mtim };
  utimensat (dst, name, times, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int
copy_dir (int src, int dst, int depth, struct tong_err *err)
{
  if (depth > 256)
    return tong_err_set (err, ELOOP, "directory tree too deep");
  int dfd = dup (src);
  if (dfd < 0)
    return tong_err_set (err, errno, "dup");
  DIR *d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      return tong_err_set (err, errno, "opendir");
    }
  int ret = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if ((ret = copy_entry (src, dst, de->d_name, depth, err)) < 0)
        break;
    }
  closedir (d);
  return ret;
}

int
rootfs_copy_tree (int srcfd, int dstfd, struct tong_err *err)
{
  struct stat st;
  if (fstat (srcfd, &st) < 0)
    return tong_err_set (err, errno, "stat");
  if (copy_dir (srcfd, dstfd, 0, err) < 0)
    return -1;
  if (fchown (dstfd, st.st_uid, st.st_gid) < 0 && errno != EINVAL)
    return tong_err_set (err, errno, "chown");
  if (fchmod (dstfd, st.st_mode & 07777) < 0)
    return tong_err_set (err, errno, "chmod");
  return 0;
}
