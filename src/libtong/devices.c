/* The default devices (config-linux.md), linux.devices, /dev/ptmx and the
   /dev symlinks (runtime-linux.md), all made inside the rootfs before the
   root switch.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "devices.h"
#include "cleanup.h"
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct device
{
  const char *path;
  char type;
  unsigned major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct device default_devices[] = {
  { "/dev/null", 'c', 1, 3, 0666, 0, 0 },    { "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
  { "/dev/full", 'c', 1, 7, 0666, 0, 0 },    { "/dev/random", 'c', 1, 8, 0666, 0, 0 },
  { "/dev/urandom", 'c', 1, 9, 0666, 0, 0 }, { "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

/* Compare paths ignoring repeated and trailing slashes ("/dev//null/").  */
static bool
same_path (const char *a, const char *b)
{
  for (;;)
    {
      while (*a == '/' && (a[1] == '/' || a[1] == '\0'))
        a++;
      while (*b == '/' && (b[1] == '/' || b[1] == '\0'))
        b++;
      if (*a != *b)
        return false;
      if (*a == '\0')
        return true;
      a++;
      b++;
    }
}

/* Split PATH into its parent directory, opened (and made) inside the rootfs,
   and the last component NAME.  */
static int
open_parent (int rootfd, const char *path, char name[NAME_MAX + 1], struct tong_err *err)
{
  size_t end = strlen (path);
  while (end > 0 && path[end - 1] == '/')
    end--;
  size_t start = end;
  while (start > 0 && path[start - 1] != '/')
    start--;
  if (end == start || end - start > NAME_MAX)
    return tong_err_set (err, EINVAL, "path `%s`: not a file name", path);
  memcpy (name, path + start, end - start);
  name[end - start] = '\0';
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return tong_err_set (err, EINVAL, "path `%s`: not a file name", path);
  cleanup_free char *parent = strndup (path, start);
  if (parent == NULL)
    return tong_err_set (err, ENOMEM, "path `%s`", path);
  return rootfs_ensure (rootfd, parent, true, err);
}

/* In a user namespace mknod is refused: bind the host's node (same path)
   onto an empty file instead, as runc does.  */
static int
bind_host_node (const struct device *d, int dirfd, const char *name, struct tong_err *err)
{
  cleanup_close int fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && fstat (fd, &st) == 0 && (S_ISLNK (st.st_mode) || S_ISDIR (st.st_mode)))
    {
      if (S_ISDIR (st.st_mode))
        return tong_err_set (err, EISDIR, "`%s` exists", d->path);
      close (fd);
      fd = -1;
      if (unlinkat (dirfd, name, 0) < 0)
        return tong_err_set (err, errno, "remove the symlink `%s`", d->path);
    }
  if (fd < 0)
    {
      int c = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (c < 0 && errno != EEXIST)
        return tong_err_set (err, errno, "create `%s`", d->path);
      if (c >= 0)
        close (c);
      fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return tong_err_set (err, errno, "open `%s`", d->path);
    }
  char buf[ROOTFS_FD_PATH_MAX];
  if (mount (d->path, rootfs_fd_path (fd, buf), NULL, MS_BIND, NULL) < 0)
    return tong_err_set (err, errno, "bind the host's `%s`", d->path);
  return 0;
}

static int
make_device (int rootfd, const struct device *d, bool in_userns, struct tong_err *err)
{
  mode_t type;
  switch (d->type)
    {
    case 'c':
    case 'u':
      type = S_IFCHR;
      break;
    case 'b':
      type = S_IFBLK;
      break;
    case 'p':
      type = S_IFIFO;
      break;
    default:
      return tong_err_set (err, EINVAL, "type `%c`: not c, b, u or p", d->type);
    }
  char name[NAME_MAX + 1];
  cleanup_close int dirfd = open_parent (rootfd, d->path, name, err);
  if (dirfd < 0)
    return -1;
  /* A fifo needs no privilege; device nodes do.  */
  if (in_userns && type != S_IFIFO)
    return bind_host_node (d, dirfd, name, err);

  /* An existing file is replaced: images often ship placeholders in /dev.  */
  if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
    return tong_err_set (err, errno, "replace the existing `%s`", d->path);
  if (mknodat (dirfd, name, type | (d->mode & 07777), makedev (d->major, d->minor)) < 0)
    {
      if (errno == EPERM && type != S_IFIFO)
        return bind_host_node (d, dirfd, name, err);
      return tong_err_set (err, errno, "mknod `%s`", d->path);
    }
  /* mknod applied the umask.  */
  if (fchmodat (dirfd, name, d->mode & 07777, 0) < 0)
    return tong_err_set (err, errno, "chmod `%s`", d->path);
  if (fchownat (dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return tong_err_set (err, errno, "chown `%s`", d->path);
  return 0;
}

/* runc leaves /dev alone when the config bind-mounts it from elsewhere.  */
static bool
dev_is_bind_mounted (const struct oci_config *c)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    if (c->mounts[i].is_bind && same_path (c->mounts[i].destination, "/dev"))
      return true;
  return false;
}

static int
dev_symlinks (int rootfd, struct tong_err *err)
{
  static const char *const links[][2] = {
    { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
    { "/proc/kcore", "core" },
  };
  cleanup_close int dev = rootfs_ensure (rootfd, "/dev", true, err);
  if (dev < 0)
    return -1;
  /* /dev/ptmx: the ptmx of the container's own devpts instance.  */
  if (unlinkat (dev, "ptmx", 0) < 0 && errno != ENOENT)
    return tong_err_set (err, errno, "remove /dev/ptmx");
  if (symlinkat ("pts/ptmx", dev, "ptmx") < 0)
    return tong_err_set (err, errno, "symlink /dev/ptmx");
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    {
      /* kcore is optional (CONFIG_PROC_KCORE); the host's /proc tells.  */
      if (strcmp (links[i][1], "core") == 0 && access ("/proc/kcore", F_OK) < 0)
        continue;
      if (symlinkat (links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
        return tong_err_set (err, errno, "symlink /dev/%s", links[i][1]);
    }
  return 0;
}

int
devices_setup (const struct oci_config *c, int rootfd, const char *rootfs, bool in_userns,
               struct tong_err *err)
{
  if (dev_is_bind_mounted (c))
    return 0;
  for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
    {
      const struct device *d = &default_devices[i];
      bool configured = false;
      for (size_t j = 0; j < c->linux_.n_devices && !configured; j++)
        configured = same_path (c->linux_.devices[j].path, d->path);
      if (!configured && make_device (rootfd, d, in_userns, err) < 0)
        return tong_err_wrap (err, "default device %s", d->path);
    }
  for (size_t i = 0; i < c->linux_.n_devices; i++)
    {
      const struct oci_device *od = &c->linux_.devices[i];
      /* /dev/ptmx is the symlink into devpts below, as runc does.  */
      if (same_path (od->path, "/dev/ptmx"))
        continue;
      struct device d = {
        .path = od->path,
        .type = od->type,
        .major = (unsigned)od->major,
        .minor = (unsigned)od->minor,
        .mode = od->has_file_mode ? od->file_mode & 07777 : 0666,
        .uid = od->has_uid ? od->uid : 0,
        .gid = od->has_gid ? od->gid : 0,
      };
      if (make_device (rootfd, &d, in_userns, err) < 0)
        return tong_err_wrap (err, "linux.devices[%zu] (%s)", i, od->path);
    }
  if (dev_symlinks (rootfd, err) < 0)
    return tong_err_wrap (err, "/dev symlinks");
  return 0;
}
