/* TEMPORARY: the cgroup.h helpers that src/libtong/cgroup.c and
   cgroup_res.c provide on main, with the same semantics, so the v2 driver's
   unit test and probe link before those files are merged into this branch.
   Linked only into tests/unit/test-cgroup-v2 and tests/vm/cgv2-probe; delete
   once main has them (the Makefile.am lines say where).  */
#include "libtong/cgroup.h"
#include "cleanup.h"
#include "fileutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
cg_write (const char *dir, const char *file, const char *value, struct tong_err *err)
{
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open %s", path);
  size_t len = strlen (value);
  ssize_t n = write (fd, value, len);
  if (n < 0)
    return tong_err_set (err, errno, "write \"%s\" to %s", value, path);
  if ((size_t)n != len)
    return tong_err_set (err, EIO, "write \"%s\" to %s: short write", value, path);
  return 0;
}

int
cg_writef (const char *dir, const char *file, struct tong_err *err, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  return cg_write (dir, file, buf, err);
}

int
cg_read (const char *dir, const char *file, char **out, struct tong_err *err)
{
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  return read_file (path, out, NULL, err);
}

int
cg_read_u64 (const char *dir, const char *file, uint64_t *out, struct tong_err *err)
{
  cleanup_free char *s = NULL;
  if (cg_read (dir, file, &s, err) < 0)
    return -1;
  if (strncmp (s, "max", 3) == 0)
    {
      *out = UINT64_MAX;
      return 0;
    }
  char *end;
  errno = 0;
  *out = strtoull (s, &end, 10);
  if (errno || end == s)
    return tong_err_set (err, 0, "%s/%s: not a number", dir, file);
  return 0;
}

static int
procs_rec (const char *dir, pid_t **v, size_t *n, size_t *cap, struct tong_err *err)
{
  cleanup_free char *s = NULL;
  if (cg_read (dir, "cgroup.procs", &s, err) < 0)
    return -1;
  for (char *p = s; *p;)
    {
      char *end;
      long pid = strtol (p, &end, 10);
      if (end == p)
        break;
      if (*n == *cap)
        {
          *cap = *cap ? *cap * 2 : 16;
          pid_t *nv = realloc (*v, *cap * sizeof *nv);
          if (nv == NULL)
            return tong_err_set (err, errno, "pids");
          *v = nv;
        }
      (*v)[(*n)++] = (pid_t)pid;
      p = end;
      while (*p == '\n')
        p++;
    }
  DIR *d = opendir (dir);
  if (d == NULL)
    return 0;
  struct dirent *de;
  int ret = 0;
  while (ret == 0 && (de = readdir (d)) != NULL)
    if (de->d_type == DT_DIR && de->d_name[0] != '.')
      {
        char sub[PATH_MAX];
        snprintf (sub, sizeof sub, "%s/%s", dir, de->d_name);
        ret = procs_rec (sub, v, n, cap, err);
      }
  closedir (d);
  return ret;
}

int
cg_read_procs (const char *dir, pid_t **out, size_t *n, struct tong_err *err)
{
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  return procs_rec (dir, out, n, &cap, err);
}

int
cg_rmdir_tree (const char *dir, struct tong_err *err)
{
  DIR *d = opendir (dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : tong_err_set (err, errno, "open %s", dir);
  struct dirent *de;
  int ret = 0;
  while ((de = readdir (d)) != NULL)
    if (de->d_type == DT_DIR && de->d_name[0] != '.')
      {
        char sub[PATH_MAX];
        snprintf (sub, sizeof sub, "%s/%s", dir, de->d_name);
        if (cg_rmdir_tree (sub, err) < 0)
          ret = -1;
      }
  closedir (d);
  if (ret < 0)
    return -1;
  for (int i = 0; i < 200; i++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        break;
      usleep (10000);
    }
  return tong_err_set (err, errno, "remove cgroup %s", dir);
}

int
cg_v2_mkdir_enable (const char *root, const char *path, const char *const *controllers,
                    bool *created, struct tong_err *err)
{
  char dir[PATH_MAX];
  size_t len = (size_t)snprintf (dir, sizeof dir, "%s", root);
  const char *p = path;
  *created = false;
  while (*p == '/')
    p++;
  while (*p)
    {
      for (const char *const *c = controllers; c && *c; c++)
        {
          /* Best effort: a controller that cannot be enabled here shows up
             later as a missing file, with the field's name.  */
          char w[64];
          snprintf (w, sizeof w, "+%s", *c);
          cg_write (dir, "cgroup.subtree_control", w, NULL);
        }
      size_t l = strcspn (p, "/");
      len += (size_t)snprintf (dir + len, sizeof dir - len, "/%.*s", (int)l, p);
      p += l;
      while (*p == '/')
        p++;
      if (mkdir (dir, 0755) == 0)
        *created = *p == '\0';
      else if (errno != EEXIST)
        return tong_err_set (err, errno, "mkdir %s", dir);
    }
  return 0;
}

uint64_t
cg_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
cg_blkio_weight_to_io (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

void
cg_cpu_max (char *buf, size_t len, const struct cg_i64 *quota, const struct cg_u64 *period,
            uint64_t cur_period)
{
  uint64_t p = period && period->set && period->v ? period->v : cur_period ? cur_period : 100000;
  if (quota && quota->set && quota->v > 0)
    snprintf (buf, len, "%" PRId64 " %" PRIu64, quota->v, p);
  else
    snprintf (buf, len, "max %" PRIu64, p);
}

int
cg_swap_v2 (int64_t swap, int64_t limit, int64_t *out, const char *path, struct tong_err *err)
{
  if (swap == -1)
    {
      *out = -1;
      return 0;
    }
  if (limit == -1 || limit == 0)
    return tong_err_set (err, 0, "%s: a swap limit needs a memory limit on cgroup v2", path);
  if (swap < limit)
    return tong_err_set (err, 0, "%s: %" PRId64 " is below the memory limit %" PRId64, path, swap,
                         limit);
  *out = swap - limit;
  return 0;
}
