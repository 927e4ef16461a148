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
#include <linux/openat2.h>
#include <sys/syscall.h>
#include "cleanup.h"
#include "digest.h"
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

void
volume_id (const char *path, char out[16])
{
  char d[DIGEST_STR_LEN];
  if (sha256_buf (path, strlen (path), d, NULL) < 0)
    strcpy (d, "sha256:000000000000");
  snprintf (out, 16, "%.12s", d + 7);
}

/* --image-volumes anonymous: each Volumes path becomes BUNDLE/volumes/ID,
   seeded with what the image has there (moved out of the rootfs, which is
   this bundle's own), and the rootfs keeps an empty directory of the same
   owner and mode as the mount point.  */
static int
seed_volumes (int bfd, int rfd, const struct image *img, struct tong_err *err)
{
  const struct json_value *vols = json_get (json_get (img->config, "config"), "Volumes");
  if (vols == NULL || vols->type != JSON_OBJECT || vols->u.object.len == 0)
    return 0;
  if (mkdirat (bfd, "volumes", 0755) < 0 && errno != EEXIST)
    return tong_err_set (err, errno, "mkdir volumes");
  cleanup_close int vfd = openat (bfd, "volumes", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (vfd < 0)
    return tong_err_set (err, errno, "open volumes");
  for (size_t i = 0; i < vols->u.object.len; i++)
    {
      const char *path = vols->u.object.keys[i];
      char id[16], parent[4096];
      if (path[0] != '/' || strstr (path, "/../") || strcmp (path, "/") == 0
          || (strlen (path) >= 3 && strcmp (path + strlen (path) - 3, "/..") == 0))
        return tong_err_set (err, 0, "volume `%s`: not an absolute path below /", path);
      volume_id (path, id);
      snprintf (parent, sizeof parent, "%s", path);
      while (strlen (parent) > 1 && parent[strlen (parent) - 1] == '/')
        parent[strlen (parent) - 1] = '\0';
      char *slash = strrchr (parent, '/');
      char base[256];
      snprintf (base, sizeof base, "%s", slash + 1);
      slash[slash == parent ? 1 : 0] = '\0';
      struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                              .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
      cleanup_close int pfd = syscall (SYS_openat2, rfd, parent, &how, sizeof how);
      struct stat st;
      if (pfd < 0 || fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          /* Nothing in the image there: an empty volume.  */
          if (mkdirat (vfd, id, 0755) < 0 && errno != EEXIST)
            return tong_err_set (err, errno, "volume %s", path);
          continue;
        }
      if (!S_ISDIR (st.st_mode))
        return tong_err_set (err, 0, "volume %s: the image has a non-directory there", path);
      if (renameat (pfd, base, vfd, id) < 0)
        return tong_err_set (err, errno, "volume %s: move the image's content", path);
      if (mkdirat (pfd, base, st.st_mode & 07777) < 0
          || fchownat (pfd, base, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return tong_err_set (err, errno, "volume %s: mount point", path);
    }
  return 0;
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
  if (o->volumes && strcmp (o->volumes, "tmpfs") != 0 && strcmp (o->volumes, "ignore") != 0
      && strcmp (o->volumes, "anonymous") != 0)
    return tong_err_set (err, 0, "--image-volumes: `%s` is not anonymous, tmpfs or ignore",
                         o->volumes);
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
  if (o->volumes && strcmp (o->volumes, "anonymous") == 0 && seed_volumes (bfd, rfd, &img, err) < 0)
    {
      tong_err_wrap (err, "%s", ref);
      goto out;
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
      remove_tree_at (bfd, "volumes", &e2);
    }
  image_free (&img);
  return rc;
}
