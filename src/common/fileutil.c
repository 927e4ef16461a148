#include "fileutil.h"
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
read_fd (int fd, char **out, size_t *len, struct tong_err *err)
{
  size_t cap = 4096, n = 0;
  char *buf = malloc (cap);
  if (buf == NULL)
    return tong_err_set (err, ENOMEM, "read");
  for (;;)
    {
      if (n + 1 >= cap)
        {
          char *nb = realloc (buf, cap * 2);
          if (nb == NULL)
            {
              free (buf);
              return tong_err_set (err, ENOMEM, "read");
            }
          buf = nb;
          cap *= 2;
        }
      ssize_t r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          free (buf);
          return tong_err_set (err, e, "read");
        }
      if (r == 0)
        break;
      n += r;
    }
  buf[n] = '\0';
  *out = buf;
  if (len)
    *len = n;
  return 0;
}

int
read_file_at (int dirfd, const char *path, char **out, size_t *len, struct tong_err *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open `%s`", path);
  if (read_fd (fd, out, len, err) < 0)
    return tong_err_wrap (err, "`%s`", path);
  return 0;
}

int
read_file (const char *path, char **out, size_t *len, struct tong_err *err)
{
  return read_file_at (AT_FDCWD, path, out, len, err);
}

int
write_all_fd (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      p += w;
      len -= w;
    }
  return 0;
}

int
write_file_at (int dirfd, const char *path, const char *data, size_t len, struct tong_err *err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open `%s`", path);
  /* proc and cgroup files take one write: a short write is an error.  */
  ssize_t w = write (fd, data, len);
  if (w < 0)
    return tong_err_set (err, errno, "write `%s`", path);
  if ((size_t) w != len)
    return tong_err_set (err, EIO, "short write to `%s`", path);
  return 0;
}

int
write_file_atomic_at (int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                      struct tong_err *err)
{
  char tmp[512];
  snprintf (tmp, sizeof tmp, ".%s.tmp.%d", name, (int) getpid ());
  cleanup_close int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return tong_err_set (err, errno, "create `%s`", tmp);
  if (write_all_fd (fd, data, len) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return tong_err_set (err, e, "write `%s`", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return tong_err_set (err, e, "rename `%s` to `%s`", tmp, name);
    }
  return 0;
}

int
mkdir_p (const char *path, mode_t mode, struct tong_err *err)
{
  char buf[4096];
  size_t len = strlen (path);
  if (len == 0 || len >= sizeof buf)
    return tong_err_set (err, ENAMETOOLONG, "mkdir `%s`", path);
  memcpy (buf, path, len + 1);
  for (char *p = buf + 1; *p; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (buf, mode) < 0 && errno != EEXIST)
        return tong_err_set (err, errno, "mkdir `%s`", buf);
      *p = '/';
    }
  if (mkdir (buf, mode) < 0 && errno != EEXIST)
    return tong_err_set (err, errno, "mkdir `%s`", buf);
  return 0;
}

int
remove_tree_at (int parentfd, const char *name, struct tong_err *err)
{
  int fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      if (errno == ENOTDIR || errno == ELOOP)
        {
          if (unlinkat (parentfd, name, 0) < 0 && errno != ENOENT)
            return tong_err_set (err, errno, "unlink `%s`", name);
          return 0;
        }
      return tong_err_set (err, errno, "open `%s`", name);
    }
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return tong_err_set (err, errno, "opendir `%s`", name);
    }
  struct dirent *de;
  int ret = 0;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (de->d_type == DT_DIR)
        {
          if (remove_tree_at (dirfd (d), de->d_name, err) < 0)
            ret = -1;
        }
      else if (unlinkat (dirfd (d), de->d_name, 0) < 0 && errno != ENOENT)
        ret = tong_err_set (err, errno, "unlink `%s/%s`", name, de->d_name);
    }
  closedir (d);
  if (ret == 0 && unlinkat (parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return tong_err_set (err, errno, "rmdir `%s`", name);
  return ret;
}

/* /proc/PID/stat's state letter (field 3) and start time (field 22).  */
int
proc_stat (pid_t pid, unsigned long long *start_time, char *state_letter)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may contain spaces and parens: fields start after the last ')'.  */
  char *p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  p += 2;
  if (state_letter)
    *state_letter = *p;
  /* Field 3 is the state; start time is field 22.  */
  for (int field = 3; field < 22; field++)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        return -1;
      p++;
    }
  if (start_time)
    *start_time = strtoull (p, NULL, 10);
  return 0;
}
