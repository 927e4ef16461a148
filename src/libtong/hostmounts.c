#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hostmounts.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"
#include "rootfs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

struct found
{
  const char *rootfs;
  const struct hostmounts *only;   /* keep these ids (NULL: all).  */
  const struct hostmounts *except; /* drop these ids (NULL: none).  */
  int *ids;
  char **paths;
  size_t n, cap;
};

static bool
under (const char *path, const char *dir)
{
  size_t n = strlen (dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool
has_id (const struct hostmounts *h, int id)
{
  for (size_t i = 0; i < h->n; i++)
    if (h->ids[i] == id)
      return true;
  return false;
}

static int
collect (const struct rootfs_mountinfo *mi, void *data, struct tong_err *err)
{
  struct found *f = data;
  if (!under (mi->mount_point, f->rootfs) || (f->only && !has_id (f->only, mi->id))
      || (f->except && has_id (f->except, mi->id)))
    return 0;
  if (f->n == f->cap)
    {
      size_t cap = f->cap ? 2 * f->cap : 16;
      int *ids = realloc (f->ids, cap * sizeof *ids);
      if (ids)
        f->ids = ids;
      char **paths = realloc (f->paths, cap * sizeof *paths);
      if (paths)
        f->paths = paths;
      if (ids == NULL || paths == NULL)
        return tong_err_set (err, ENOMEM, "mountinfo");
      f->cap = cap;
    }
  if ((f->paths[f->n] = strdup (mi->mount_point)) == NULL)
    return tong_err_set (err, ENOMEM, "mountinfo");
  f->ids[f->n++] = mi->id;
  return 0;
}

static void
found_clear (struct found *f)
{
  for (size_t i = 0; i < f->n; i++)
    free (f->paths[i]);
  free (f->paths);
  free (f->ids);
}

/* Last mounted first: mountinfo lists a mount after the one it sits on.  */
static void
unmount_found (struct found *f)
{
  for (size_t i = f->n; i-- > 0;)
    if (umount2 (f->paths[i], MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL
        && errno != ENOENT)
      tong_debug ("unmount `%s`: %s", f->paths[i], strerror (errno));
}

int
hostmounts_snapshot (const char *rootfs, struct hostmounts *h, struct tong_err *err)
{
  struct found f = { .rootfs = rootfs };
  h->ids = NULL;
  h->n = 0;
  if (rootfs_mountinfo_each (collect, &f, err) < 0)
    {
      found_clear (&f);
      return -1;
    }
  h->ids = steal_pointer (&f.ids);
  h->n = f.n;
  found_clear (&f);
  return 0;
}

void
hostmounts_clear (struct hostmounts *h)
{
  free (h->ids);
  h->ids = NULL;
  h->n = 0;
}

int
hostmounts_record (int dirfd, const char *rootfs, const struct hostmounts *before,
                   struct tong_err *err)
{
  struct found f = { .rootfs = rootfs, .except = before };
  if (rootfs_mountinfo_each (collect, &f, err) < 0)
    {
      found_clear (&f);
      return tong_err_wrap (err, "note the container's mounts");
    }
  size_t cap = f.n * 12 + 1, len = 0;
  cleanup_free char *text = malloc (cap);
  if (text == NULL)
    {
      found_clear (&f);
      return tong_err_set (err, ENOMEM, "host-mounts");
    }
  text[0] = '\0';
  for (size_t i = 0; i < f.n; i++)
    len += snprintf (text + len, cap - len, "%d\n", f.ids[i]);
  found_clear (&f);
  return write_file_atomic_at (dirfd, "host-mounts", text, len, 0600, err);
}

void
hostmounts_undo (const char *rootfs, const struct hostmounts *before)
{
  struct tong_err err = { 0 };
  struct found f = { .rootfs = rootfs, .except = before };
  if (rootfs_mountinfo_each (collect, &f, &err) < 0)
    tong_debug ("%s", err.msg);
  unmount_found (&f);
  found_clear (&f);
}

void
hostmounts_release (int dirfd, const char *rootfs)
{
  struct tong_err err = { 0 };
  cleanup_free char *text = NULL;
  if (read_file_at (dirfd, "host-mounts", &text, NULL, &err) < 0)
    return; /* none: the container had its own mount namespace.  */
  struct hostmounts h = { 0 };
  for (char *p = text; *p; p++)
    if (*p == '\n')
      h.n++;
  h.ids = calloc (h.n + 1, sizeof *h.ids);
  if (h.ids == NULL)
    return;
  h.n = 0;
  for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n"))
    h.ids[h.n++] = atoi (line);
  struct found f = { .rootfs = rootfs, .only = &h };
  if (rootfs_mountinfo_each (collect, &f, &err) < 0)
    tong_debug ("%s", err.msg);
  unmount_found (&f);
  found_clear (&f);
  hostmounts_clear (&h);
}
