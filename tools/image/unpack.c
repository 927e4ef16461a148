/* unpack: BUNDLE/rootfs from the layers in order, then BUNDLE/config.json.
   A failure removes the rootfs it started, so nothing half-written stays.  */
#include "image.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cleanup.h"
#include "fileutil.h"

static bool
dir_empty (int fd)
{
  int dup_fd = dup (fd);
  if (dup_fd < 0)
    return false;
  DIR *d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return false;
    }
  struct dirent *e;
  bool empty = true;
  while ((e = readdir (d)))
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      empty = false;
  closedir (d);
  return empty;
}

int
image_unpack (struct store *s, const char *ref, const char *bundle, const struct unpack_opts *o,
              struct tong_err *err)
{
  struct platform want, *pw = NULL;
  if (o->platform)
    {
      if (platform_parse (o->platform, &want, err) < 0)
        return -1;
      pw = &want;
    }
  if (o->volumes && strcmp (o->volumes, "tmpfs") != 0 && strcmp (o->volumes, "ignore") != 0)
    return tong_err_set (err, 0, "--image-volumes: `%s` is not tmpfs or ignore", o->volumes);
  struct image img;
  if (image_find (s, ref, pw, &img, err) < 0)
    return -1;
  int rc = -1;
  const struct json_value *layers = json_get (img.manifest, "layers");
  const struct json_value *diffs = json_get (json_get (img.config, "rootfs"), "diff_ids");
  size_t nl = layers && layers->type == JSON_ARRAY ? layers->u.array.len : 0;
  if (diffs == NULL || diffs->type != JSON_ARRAY || diffs->u.array.len != nl)
    {
      tong_err_set (err, 0,
                    "%s: the config's rootfs.diff_ids do not match the manifest's %zu layers", ref,
                    nl);
      image_free (&img);
      return -1;
    }
  if (mkdir_p (bundle, 0755, err) < 0)
    {
      tong_err_wrap (err, "bundle");
      image_free (&img);
      return -1;
    }
  cleanup_close int bfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int rfd = -1;
  bool made = false;
  if (bfd < 0)
    {
      tong_err_set (err, errno, "bundle %s", bundle);
      goto out;
    }
  if (mkdirat (bfd, "rootfs", 0755) == 0)
    made = true;
  else if (errno != EEXIST)
    {
      tong_err_set (err, errno, "bundle %s: mkdir rootfs", bundle);
      goto out;
    }
  rfd = openat (bfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rfd < 0)
    {
      tong_err_set (err, errno, "bundle %s: rootfs", bundle);
      goto out;
    }
  if (!made)
    {
      if (!dir_empty (rfd))
        {
          tong_err_set (err, EEXIST, "bundle %s: rootfs is not empty", bundle);
          goto out;
        }
      made = true; /* empty before: ours to clean on failure.  */
    }
  for (size_t i = 0; i < nl; i++)
    {
      const char *ld = jstr (layers->u.array.items[i], "digest");
      const struct json_value *dv = diffs->u.array.items[i];
      if (media_check_layer (jstr (layers->u.array.items[i], "mediaType"), err) < 0)
        {
          tong_err_wrap (err, "%s: layer %zu", ref, i);
          goto out;
        }
      if (dv->type != JSON_STRING || !ld)
        {
          tong_err_set (err, 0, "%s: layer %zu: no digest or DiffID", ref, i);
          goto out;
        }
      cleanup_close int lfd = store_blob_open (s, ld, err);
      if (lfd < 0)
        {
          tong_err_wrap (err, "%s: layer %zu is not in the store", ref, i);
          goto out;
        }
      if (layer_apply (rfd, lfd, ld, dv->u.string, err) < 0)
        {
          tong_err_wrap (err, "%s", ref);
          goto out;
        }
    }
  if (bundle_write_config (bfd, rfd, &img, o, err) < 0)
    {
      tong_err_wrap (err, "%s", ref);
      goto out;
    }
  rc = 0;
out:
  if (rc < 0 && made && bfd >= 0)
    {
      struct tong_err e2;
      remove_tree_at (bfd, "rootfs", &e2);
    }
  image_free (&img);
  return rc;
}
