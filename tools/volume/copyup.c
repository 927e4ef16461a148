/* Copy-up: the image's content at a volume's path seeds an empty volume, as
   Docker's local driver does.  Everything goes through fds opened with
   O_NOFOLLOW below the source root, so a symlink in the image is copied as
   a symlink and never followed out of the rootfs.  */
#include "volume.h"
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Hard links: the first copy of each multiply-linked inode, by its path
   below the destination root.  */
struct link_seen
{
  dev_t dev;
  ino_t ino;
  char *path;
};

struct copy_ctx
{
  int dstroot;
  struct link_seen *links;
  size_t n_links;
};

int
dir_is_empty (int dirfd, struct tong_err *err)
{
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open directory");
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return tong_err_set (err, errno, "open directory");
    }
  struct dirent *de;
  int empty = 1;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      {
        empty = 0;
        break;
      }
  closedir (d);
  return empty;
}

static int
copy_xattrs (int src, int dst, const char *what, struct tong_err *err)
{
  char names[65536];
  ssize_t n = flistxattr (src, names, sizeof names);
  if (n < 0)
    return errno == ENOTSUP ? 0 : tong_err_set (err, errno, "list xattrs of `%s`", what);
  for (char *k = names; k < names + n; k += strlen (k) + 1)
    {
      char val[65536];
      ssize_t vl = fgetxattr (src, k, val, sizeof val);
      if (vl < 0)
        return tong_err_set (err, errno, "read xattr `%s` of `%s`", k, what);
      if (fsetxattr (dst, k, val, vl, 0) < 0 && errno != ENOTSUP)
        return tong_err_set (err, errno, "set xattr `%s` on `%s`", k, what);
    }
  return 0;
}

/* Owner first: chown clears the set-id bits that chmod then restores.  */
static int
copy_attrs_fd (int src, int dst, const struct stat *st, const char *what, struct tong_err *err)
{
  if (fchown (dst, st->st_uid, st->st_gid) < 0)
    return tong_err_set (err, errno, "chown `%s`", what);
  if (fchmod (dst, st->st_mode & 07777) < 0)
    return tong_err_set (err, errno, "chmod `%s`", what);
  if (copy_xattrs (src, dst, what, err) < 0)
    return -1;
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  if (futimens (dst, ts) < 0)
    return tong_err_set (err, errno, "set times of `%s`", what);
  return 0;
}

static int
copy_data (int src, int dst, const char *what, struct tong_err *err)
{
  for (;;)
    {
      ssize_t n = copy_file_range (src, NULL, dst, NULL, 1 << 30, 0);
      if (n == 0)
        return 0;
      if (n > 0)
        continue;
      if (errno == EINTR)
        continue;
      if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return tong_err_set (err, errno, "copy `%s`", what);
      break;
    }
  char buf[65536];
  for (;;)
    {
      ssize_t n = read (src, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return tong_err_set (err, errno, "read `%s`", what);
      if (n == 0)
        return 0;
      for (ssize_t off = 0; off < n;)
        {
          ssize_t w = write (dst, buf + off, n - off);
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return tong_err_set (err, errno, "write `%s`", what);
          off += w;
        }
    }
}

static int copy_dir (struct copy_ctx *c, int src, int dst, const char *rel, struct tong_err *err);

static int
copy_entry (struct copy_ctx *c, int srcdir, int dstdir, const char *name, const char *rel,
            struct tong_err *err)
{
  struct stat st;
  if (fstatat (srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return tong_err_set (err, errno, "stat `%s`", rel);

  if (!S_ISDIR (st.st_mode) && st.st_nlink > 1)
    for (size_t i = 0; i < c->n_links; i++)
      if (c->links[i].dev == st.st_dev && c->links[i].ino == st.st_ino)
        {
          if (linkat (c->dstroot, c->links[i].path, dstdir, name, 0) < 0)
            return tong_err_set (err, errno, "link `%s`", rel);
          return 0;
        }

  if (S_ISDIR (st.st_mode))
    {
      if (mkdirat (dstdir, name, 0700) < 0)
        return tong_err_set (err, errno, "mkdir `%s`", rel);
      cleanup_close int s = openat (srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int d = openat (dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return tong_err_set (err, errno, "open `%s`", rel);
      if (copy_dir (c, s, d, rel, err) < 0)
        return -1;
      return copy_attrs_fd (s, d, &st, rel, err);
    }
  if (S_ISREG (st.st_mode))
    {
      cleanup_close int s = openat (srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0)
        return tong_err_set (err, errno, "open `%s`", rel);
      cleanup_close int d
          = openat (dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (d < 0)
        return tong_err_set (err, errno, "create `%s`", rel);
      if (copy_data (s, d, rel, err) < 0 || copy_attrs_fd (s, d, &st, rel, err) < 0)
        return -1;
    }
  else if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (srcdir, name, target, sizeof target - 1);
      if (n < 0)
        return tong_err_set (err, errno, "readlink `%s`", rel);
      target[n] = '\0';
      if (symlinkat (target, dstdir, name) < 0)
        return tong_err_set (err, errno, "symlink `%s`", rel);
      if (fchownat (dstdir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return tong_err_set (err, errno, "chown `%s`", rel);
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      if (utimensat (dstdir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return tong_err_set (err, errno, "set times of `%s`", rel);
    }
  else if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode) || S_ISFIFO (st.st_mode)
           || S_ISSOCK (st.st_mode))
    {
      if (mknodat (dstdir, name, st.st_mode, st.st_rdev) < 0)
        return tong_err_set (err, errno, "mknod `%s`", rel);
      if (fchownat (dstdir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0
          || fchmodat (dstdir, name, st.st_mode & 07777, 0) < 0)
        return tong_err_set (err, errno, "set owner and mode of `%s`", rel);
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      if (utimensat (dstdir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return tong_err_set (err, errno, "set times of `%s`", rel);
    }
  else
    return 0;

  if (!S_ISDIR (st.st_mode) && st.st_nlink > 1)
    {
      struct link_seen *l = realloc (c->links, (c->n_links + 1) * sizeof *l);
      if (l == NULL)
        return tong_err_set (err, ENOMEM, "copy `%s`", rel);
      c->links = l;
      l[c->n_links].dev = st.st_dev;
      l[c->n_links].ino = st.st_ino;
      l[c->n_links].path = strdup (rel);
      if (l[c->n_links].path == NULL)
        return tong_err_set (err, ENOMEM, "copy `%s`", rel);
      c->n_links++;
    }
  return 0;
}

static int
copy_dir (struct copy_ctx *c, int src, int dst, const char *rel, struct tong_err *err)
{
  int fd = dup (src);
  if (fd < 0)
    return tong_err_set (err, errno, "open `%s`", rel);
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return tong_err_set (err, errno, "open `%s`", rel);
    }
  rewinddir (d);
  struct dirent *de;
  int ret = 0;
  while (ret == 0 && (de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      char sub[PATH_MAX];
      if ((size_t)snprintf (sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name)
          >= sizeof sub)
        ret = tong_err_set (err, ENAMETOOLONG, "copy `%s`", rel);
      else
        ret = copy_entry (c, src, dst, de->d_name, sub, err);
    }
  closedir (d);
  return ret;
}

int
copy_tree (int srcfd, int dstfd, struct tong_err *err)
{
  struct copy_ctx c = { .dstroot = dstfd };
  struct stat st;
  int ret = copy_dir (&c, srcfd, dstfd, "", err);
  if (ret == 0 && fstat (srcfd, &st) < 0)
    ret = tong_err_set (err, errno, "stat the image directory");
  if (ret == 0)
    ret = copy_attrs_fd (srcfd, dstfd, &st, ".", err);
  for (size_t i = 0; i < c.n_links; i++)
    free (c.links[i].path);
  free (c.links);
  return ret;
}
