/* attach/detach: edit BUNDLE/config.json as a tree (every field we do not
   touch is written back as it was) and replace it atomically.  Every spec
   is checked before anything changes, so a bad one leaves the bundle and
   the store as they were.  */
#include "volume.h"
#include "cleanup.h"
#include "fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void
vspec_clear (struct vspec *v)
{
  free (v->name);
  free (v->host);
  free (v->dest);
  free (v->seed);
  json_free (v->opts);
  memset (v, 0, sizeof *v);
}

char *
dest_normalize (const char *path, struct tong_err *err)
{
  if (path == NULL || path[0] != '/')
    {
      tong_err_set (err, 0, "container path `%s` is not absolute", path ? path : "");
      return NULL;
    }
  char *out = malloc (strlen (path) + 1);
  if (out == NULL)
    {
      tong_err_set (err, ENOMEM, "container path");
      return NULL;
    }
  size_t o = 0;
  for (const char *p = path; *p;)
    {
      while (*p == '/')
        p++;
      const char *e = strchrnul (p, '/');
      size_t n = e - p;
      if (n == 0)
        break;
      if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        {
          free (out);
          tong_err_set (err, 0, "container path `%s` has a `.` or `..` component", path);
          return NULL;
        }
      out[o++] = '/';
      memcpy (out + o, p, n);
      o += n;
      p = e;
    }
  out[o] = '\0';
  if (o == 0)
    {
      free (out);
      tong_err_set (err, 0, "container path cannot be `/`");
      return NULL;
    }
  return out;
}

/* Options after the paths: ro, rw, nocopy; separated by `:` or `,`.  */
static int
parse_modes (const char *text, struct vspec *v, const char *spec, struct tong_err *err)
{
  cleanup_free char *copy = strdup (text);
  if (copy == NULL)
    return tong_err_set (err, ENOMEM, "volume spec");
  bool seen_mode = false;
  for (char *save = NULL, *t = strtok_r (copy, ":,", &save); t; t = strtok_r (NULL, ":,", &save))
    {
      if (strcmp (t, "ro") == 0 || strcmp (t, "rw") == 0)
        {
          if (seen_mode)
            return tong_err_set (err, 0, "invalid spec `%s`: more than one of ro and rw", spec);
          seen_mode = true;
          v->ro = t[1] == 'o';
        }
      else if (strcmp (t, "nocopy") == 0)
        v->nocopy = true;
      else
        return tong_err_set (err, 0, "invalid spec `%s`: unknown option `%s` (ro, rw, nocopy)",
                             spec, t);
    }
  return 0;
}

int
vspec_parse (const char *text, struct vspec *out, struct tong_err *err)
{
  struct vspec v = { 0 };
  const char *c1 = strchr (text, ':');
  memset (out, 0, sizeof *out);
  if (*text == '\0')
    return tong_err_set (err, 0, "empty volume spec");
  if (c1 == NULL)
    {
      /* "/path": an anonymous volume, as `docker run -v /path`.  */
      v.kind = VSPEC_ANON;
      v.dest = dest_normalize (text, err);
      if (v.dest == NULL)
        return tong_err_wrap (err, "invalid spec `%s`", text);
      *out = v;
      return 0;
    }
  const char *rest = c1 + 1;
  const char *c2 = strchr (rest, ':');
  cleanup_free char *first = strndup (text, c1 - text);
  cleanup_free char *dest = c2 ? strndup (rest, c2 - rest) : strdup (rest);
  if (first == NULL || dest == NULL)
    return tong_err_set (err, ENOMEM, "volume spec");
  if (first[0] == '/')
    {
      v.kind = VSPEC_BIND;
      v.host = strdup (first);
    }
  else
    {
      v.kind = VSPEC_VOLUME;
      if (vol_name_valid (first, err) < 0)
        return tong_err_wrap (err, "invalid spec `%s`", text);
      v.name = strdup (first);
    }
  v.dest = dest_normalize (dest, err);
  if (v.dest == NULL)
    {
      vspec_clear (&v);
      return tong_err_wrap (err, "invalid spec `%s`", text);
    }
  if (c2 && parse_modes (c2 + 1, &v, text, err) < 0)
    {
      vspec_clear (&v);
      return -1;
    }
  if (v.kind == VSPEC_BIND && v.nocopy)
    {
      vspec_clear (&v);
      return tong_err_set (err, 0, "invalid spec `%s`: nocopy is for volumes, not binds", text);
    }
  *out = v;
  return 0;
}

/* Is A equal to or below B (both normalized)?  */
static bool
path_under (const char *a, const char *b)
{
  size_t n = strlen (b);
  return strncmp (a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

size_t
mount_insert_index (const struct json_value *mounts, const char *dest)
{
  size_t after = 0, n = mounts->u.array.len;
  for (size_t i = 0; i < n; i++)
    {
      const char *d = jv_get_str (mounts->u.array.items[i], "destination");
      cleanup_free char *nd = d ? dest_normalize (d, NULL) : NULL;
      if (nd && path_under (dest, nd))
        after = i + 1;
    }
  for (size_t i = after; i < n; i++)
    {
      const char *d = jv_get_str (mounts->u.array.items[i], "destination");
      cleanup_free char *nd = d ? dest_normalize (d, NULL) : NULL;
      if (nd && path_under (nd, dest))
        return i;
    }
  return n;
}

static int
config_load (const char *bundle, struct json_value **doc, mode_t *mode, struct tong_err *err)
{
  char path[PATH_MAX];
  cleanup_free char *text = NULL;
  size_t len;
  struct stat st;
  snprintf (path, sizeof path, "%s/config.json", bundle);
  if (read_file (path, &text, &len, err) < 0)
    return -1;
  if (mode)
    *mode = stat (path, &st) == 0 ? (st.st_mode & 07777) : 0644;
  if (json_parse (text, len, doc, err) < 0)
    return tong_err_wrap (err, "`%s`", path);
  if ((*doc)->type != JSON_OBJECT)
    {
      json_free (*doc);
      return tong_err_set (err, 0, "`%s`: not a JSON object", path);
    }
  return 0;
}

static int
config_save (const char *bundle, const struct json_value *doc, mode_t mode, struct tong_err *err)
{
  struct json_writer *w = json_writer_new (true);
  if (w == NULL)
    return tong_err_set (err, ENOMEM, "write config.json");
  json_w_value (w, doc);
  cleanup_free char *text = json_writer_finish (w);
  if (text == NULL)
    return tong_err_set (err, ENOMEM, "write config.json");
  cleanup_close int fd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open bundle `%s`", bundle);
  if (write_file_atomic_at (fd, "config.json", text, strlen (text), mode, err) < 0)
    return tong_err_wrap (err, "bundle `%s`", bundle);
  return 0;
}

bool
bundle_mounts (const char *bundle, const char *mountpoint)
{
  struct json_value *doc = NULL;
  if (config_load (bundle, &doc, NULL, NULL) < 0)
    return false;
  bool found = false;
  struct json_value *mounts = json_get (doc, "mounts");
  for (size_t i = 0; mounts && mounts->type == JSON_ARRAY && i < mounts->u.array.len; i++)
    {
      const char *src = jv_get_str (mounts->u.array.items[i], "source");
      if (src && strcmp (src, mountpoint) == 0)
        found = true;
    }
  json_free (doc);
  return found;
}

/* OTHER: options to keep (all but ro and rw), or NULL for rbind, rprivate.  */
static struct json_value *
mount_entry (const char *dest, const char *src, bool ro, const struct json_value *other)
{
  struct json_value *m = jv_obj (), *opts = jv_arr ();
  if (m == NULL || opts == NULL)
    {
      json_free (m);
      json_free (opts);
      return NULL;
    }
  if (other == NULL)
    {
      jv_arr_insert (opts, 0, jv_str ("rbind"));
      jv_arr_insert (opts, 1, jv_str ("rprivate"));
    }
  for (size_t i = 0; other && other->type == JSON_ARRAY && i < other->u.array.len; i++)
    {
      const struct json_value *o = other->u.array.items[i];
      if (o->type == JSON_STRING && strcmp (o->u.string, "ro") != 0
          && strcmp (o->u.string, "rw") != 0)
        jv_arr_insert (opts, opts->u.array.len, jv_str (o->u.string));
    }
  jv_arr_insert (opts, opts->u.array.len, jv_str (ro ? "ro" : "rw"));
  if (jv_obj_set (m, "destination", jv_str (dest)) < 0
      || jv_obj_set (m, "type", jv_str ("bind")) < 0 || jv_obj_set (m, "source", jv_str (src)) < 0
      || jv_obj_set (m, "options", opts) < 0)
    {
      json_free (m);
      return NULL;
    }
  return m;
}

/* Index of the mount with destination DEST (normalized compare), or -1.  */
static ssize_t
find_mount (const struct json_value *mounts, const char *dest)
{
  for (size_t i = 0; i < mounts->u.array.len; i++)
    {
      const char *d = jv_get_str (mounts->u.array.items[i], "destination");
      cleanup_free char *nd = d ? dest_normalize (d, NULL) : NULL;
      if (nd && strcmp (nd, dest) == 0)
        return i;
    }
  return -1;
}

static bool
mount_is_ro (const struct json_value *m)
{
  const struct json_value *opts = json_get (m, "options");
  bool ro = false;
  for (size_t i = 0; opts && opts->type == JSON_ARRAY && i < opts->u.array.len; i++)
    if (opts->u.array.items[i]->type == JSON_STRING)
      {
        if (strcmp (opts->u.array.items[i]->u.string, "ro") == 0)
          ro = true;
        else if (strcmp (opts->u.array.items[i]->u.string, "rw") == 0)
          ro = false;
      }
  return ro;
}

static int
open_in_root (int rootfd, const char *path, struct tong_err *err)
{
  struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd = syscall (SYS_openat2, rootfd, path, &how, sizeof how);
  if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
    return tong_err_set (err, errno, "open `%s` in the rootfs", path);
  return fd < 0 ? -2 : fd;
}

/* The directory to seed V's volume from: tong-image's seeded directory, or
   the image's content at DEST in the rootfs.  -2 when there is none.  */
static int
copy_up_source (const char *bundle, const struct json_value *doc, const struct vspec *v,
                struct tong_err *err)
{
  if (v->seed)
    {
      int fd = open (v->seed, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno != ENOENT)
        return tong_err_set (err, errno, "open `%s`", v->seed);
      return fd < 0 ? -2 : fd;
    }
  const char *rp = jv_get_str (json_get (doc, "root"), "path");
  if (rp == NULL)
    return -2;
  char rootfs[2 * PATH_MAX + 2];
  if (rp[0] == '/')
    snprintf (rootfs, sizeof rootfs, "%s", rp);
  else
    snprintf (rootfs, sizeof rootfs, "%s/%s", bundle, rp);
  cleanup_close int rootfd = open (rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return errno == ENOENT ? -2 : tong_err_set (err, errno, "open rootfs `%s`", rootfs);
  return open_in_root (rootfd, v->dest, err);
}

/* Seed an empty volume from the image's directory at DEST, if it has one.  */
static int
copy_up (struct vol_store *s, const char *bundle, const struct json_value *doc,
         const struct vspec *v, struct tong_err *err)
{
  cleanup_close int src = copy_up_source (bundle, doc, v, err);
  if (src == -1)
    return -1;
  if (src < 0)
    {
      src = -1;
      return 0;
    }
  cleanup_free char *mp = vol_mountpoint (s, v->name);
  cleanup_close int dst = mp ? open (mp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
  if (dst < 0)
    return tong_err_set (err, errno, "open `%s`", mp ? mp : v->name);
  int empty = dir_is_empty (dst, err);
  if (empty <= 0)
    return empty;
  if (copy_tree (src, dst, err) < 0)
    return tong_err_wrap (err, "copy `%s` from the image into volume `%s`", v->dest, v->name);
  return 0;
}

/* Is M a bind mount (type "bind", or a bind/rbind option)?  */
static bool
mount_is_bind (const struct json_value *m)
{
  const char *type = jv_get_str (m, "type");
  if (type && strcmp (type, "bind") == 0)
    return true;
  const struct json_value *opts = json_get (m, "options");
  for (size_t i = 0; opts && opts->type == JSON_ARRAY && i < opts->u.array.len; i++)
    if (opts->u.array.items[i]->type == JSON_STRING
        && (strcmp (opts->u.array.items[i]->u.string, "bind") == 0
            || strcmp (opts->u.array.items[i]->u.string, "rbind") == 0))
      return true;
  return false;
}

/* A mount's source as an absolute path: a relative one is relative to its
   bundle, as the runtime resolves it (malloc'd).  */
static char *
mount_source_abs (const char *bundle, const char *src)
{
  char *p = NULL;
  if (src == NULL)
    return NULL;
  if (src[0] == '/')
    return strdup (src);
  return asprintf (&p, "%s/%s", bundle, src) < 0 ? NULL : p;
}

static bool
dest_taken (const struct vspec *specs, size_t n, const char *dest)
{
  for (size_t j = 0; j < n; j++)
    if (strcmp (specs[j].dest, dest) == 0)
      return true;
  return false;
}

/* Docker's --volumes-from: the other bundle's volumes and bind mounts, with
   their modes (or all :ro / :rw).  A mount the SPECs name wins, as -v wins
   over --volumes-from in Docker, and so does one of the bundle's own that is
   not a bind (its /sys or /proc: a rootless bundle binds the host's /sys,
   which is not the other container's data).  */
static int
add_from (struct vol_store *s, const char *from, const struct json_value *doc_self,
          struct vspec **specs, size_t *n, struct tong_err *err)
{
  const struct json_value *own = json_get (doc_self, "mounts");
  cleanup_free char *other = strdup (from);
  if (other == NULL)
    return tong_err_set (err, ENOMEM, "--from");
  int force = -1; /* -1 keep each mount's mode, 0 rw, 1 ro */
  char *colon = strrchr (other, ':');
  if (colon && (strcmp (colon, ":ro") == 0 || strcmp (colon, ":rw") == 0))
    {
      force = colon[2] == 'o';
      *colon = '\0';
    }
  char abs[PATH_MAX];
  if (realpath (other, abs) == NULL)
    return tong_err_set (err, errno, "--from bundle `%s`", other);
  struct json_value *doc = NULL;
  if (config_load (abs, &doc, NULL, err) < 0)
    return tong_err_wrap (err, "--from");
  struct json_value *mounts = json_get (doc, "mounts");
  size_t n_explicit = *n;
  int ret = 0;
  for (size_t i = 0; ret == 0 && mounts && mounts->type == JSON_ARRAY && i < mounts->u.array.len;
       i++)
    {
      const struct json_value *m = mounts->u.array.items[i];
      const char *d = jv_get_str (m, "destination");
      if (d == NULL || !mount_is_bind (m))
        continue;
      cleanup_free char *src = mount_source_abs (abs, jv_get_str (m, "source"));
      cleanup_free char *dest = dest_normalize (d, err);
      if (dest == NULL)
        {
          ret = tong_err_wrap (err, "--from `%s`", abs);
          break;
        }
      if (src == NULL || dest_taken (*specs, n_explicit, dest))
        continue;
      ssize_t mine = own && own->type == JSON_ARRAY ? find_mount (own, dest) : -1;
      if (mine >= 0 && !mount_is_bind (own->u.array.items[mine]))
        continue;
      struct vspec *nv = realloc (*specs, (*n + 1) * sizeof **specs);
      if (nv == NULL)
        {
          ret = tong_err_set (err, ENOMEM, "--from");
          break;
        }
      *specs = nv;
      struct vspec *v = &nv[*n];
      memset (v, 0, sizeof *v);
      v->name = vol_name_of_source (s, src);
      v->dest = steal_pointer (&dest);
      v->ro = force >= 0 ? force : mount_is_ro (m);
      if (v->name)
        {
          v->kind = VSPEC_VOLUME;
          v->nocopy = true; /* the volume already has the other container's data.  */
        }
      else
        {
          v->kind = VSPEC_BIND;
          v->host = steal_pointer (&src);
          /* Its options (propagation, bind or rbind) as they were.  */
          const struct json_value *o = json_get (m, "options");
          v->opts = jv_arr ();
          for (size_t k = 0; v->opts && o && o->type == JSON_ARRAY && k < o->u.array.len; k++)
            if (o->u.array.items[k]->type == JSON_STRING
                && jv_arr_insert (v->opts, v->opts->u.array.len,
                                  jv_str (o->u.array.items[k]->u.string))
                       < 0)
              {
                json_free (v->opts);
                v->opts = NULL;
              }
          if (v->opts == NULL)
            {
              vspec_clear (v);
              ret = tong_err_set (err, ENOMEM, "--from");
              break;
            }
        }
      (*n)++;
    }
  json_free (doc);
  return ret;
}

/* Is M the anonymous volume tong-image made for the image's Volumes entry
   (a bind of a directory under BUNDLE/volumes/)?  Then that directory.  */
static char *
image_anon_source (const char *bundle, const struct json_value *m)
{
  if (!mount_is_bind (m))
    return NULL;
  cleanup_free char *src = mount_source_abs (bundle, jv_get_str (m, "source"));
  char prefix[PATH_MAX];
  snprintf (prefix, sizeof prefix, "%s/volumes/", bundle);
  if (src == NULL || strncmp (src, prefix, strlen (prefix)) != 0
      || strchr (src + strlen (prefix), '/') || src[strlen (prefix)] == '\0')
    return NULL;
  return steal_pointer (&src);
}

static int
add_image_volumes (const char *bundle, const struct json_value *doc, struct vspec **specs,
                   size_t *n, struct tong_err *err)
{
  const char *text = jv_get_str (json_get (doc, "annotations"), ANNOT_IMAGE_VOLUMES);
  if (text == NULL)
    return 0;
  /* "/var/data,/var/log", as tong-image records the image's Volumes.  */
  int ret = 0;
  const struct json_value *mounts = json_get (doc, "mounts");
  for (const char *p = text; ret == 0 && *p;)
    {
      size_t len = strcspn (p, ",");
      cleanup_free char *item = strndup (p, len);
      p += len;
      if (*p == ',')
        p++;
      if (item == NULL)
        return tong_err_set (err, ENOMEM, "--image-volumes");
      if (*item == '\0')
        continue;
      char *dest = dest_normalize (item, err);
      if (dest == NULL)
        {
          ret = tong_err_wrap (err, "annotation %s", ANNOT_IMAGE_VOLUMES);
          break;
        }
      /* An explicit mount wins over the image's volume, as in Docker; the
         one tong-image unpack made for it (BUNDLE/volumes/ID) is replaced
         by a volume of the store, seeded from that directory.  */
      ssize_t at = mounts && mounts->type == JSON_ARRAY ? find_mount (mounts, dest) : -1;
      char *seed = at >= 0 ? image_anon_source (bundle, mounts->u.array.items[at]) : NULL;
      if ((at >= 0 && seed == NULL) || dest_taken (*specs, *n, dest))
        {
          free (seed);
          free (dest);
          continue;
        }
      struct vspec *nv = realloc (*specs, (*n + 1) * sizeof **specs);
      if (nv == NULL)
        {
          free (seed);
          free (dest);
          ret = tong_err_set (err, ENOMEM, "--image-volumes");
          break;
        }
      *specs = nv;
      memset (&nv[*n], 0, sizeof nv[*n]);
      nv[*n].kind = VSPEC_ANON;
      nv[*n].seed = seed;
      nv[(*n)++].dest = dest;
    }
  return ret;
}

int
volume_attach (struct vol_store *s, const char *bundle_arg, char **args, size_t n_args,
               const struct attach_opts *o, struct tong_err *err)
{
  char bundle[PATH_MAX];
  struct json_value *doc = NULL;
  struct vspec *specs = NULL;
  size_t n = 0, n_created = 0;
  char **created = NULL;
  mode_t mode;
  int ret = -1;

  if (realpath (bundle_arg, bundle) == NULL)
    return tong_err_set (err, errno, "bundle `%s`", bundle_arg);
  if (config_load (bundle, &doc, &mode, err) < 0)
    return -1;
  specs = calloc (n_args + 1, sizeof *specs);
  if (specs == NULL)
    {
      tong_err_set (err, ENOMEM, "attach");
      goto out;
    }
  for (size_t i = 0; i < n_args; i++, n++)
    if (vspec_parse (args[i], &specs[n], err) < 0)
      goto out;
  if (o->from && add_from (s, o->from, doc, &specs, &n, err) < 0)
    goto out;
  if (o->image_volumes && add_image_volumes (bundle, doc, &specs, &n, err) < 0)
    goto out;
  if (n == 0)
    {
      tong_err_set (err, 0, "attach: nothing to attach (a SPEC, --from or --image-volumes)");
      goto out;
    }
  for (size_t i = 0; i < n; i++)
    {
      for (size_t j = 0; j < i; j++)
        if (strcmp (specs[i].dest, specs[j].dest) == 0)
          {
            tong_err_set (err, 0, "attach: two mounts for `%s`", specs[i].dest);
            goto out;
          }
      struct stat st;
      if (specs[i].kind == VSPEC_BIND && !o->create_host_path && stat (specs[i].host, &st) < 0)
        {
          tong_err_set (err, errno, "bind source `%s` (--create-host-path makes it)",
                        specs[i].host);
          goto out;
        }
    }

  /* Everything is checked: from here on, changes (undone on failure).  */
  created = calloc (n, sizeof (char *));
  if (created == NULL)
    {
      tong_err_set (err, ENOMEM, "attach");
      goto out;
    }
  for (size_t i = 0; i < n; i++)
    {
      struct vspec *v = &specs[i];
      if (v->kind == VSPEC_BIND)
        {
          if (o->create_host_path && access (v->host, F_OK) < 0 && mkdir_p (v->host, 0755, err) < 0)
            goto out;
          continue;
        }
      if (v->kind == VSPEC_ANON)
        {
          char name[65];
          if (vol_random_name (name, err) < 0)
            goto out;
          v->name = strdup (name);
        }
      if (v->name == NULL)
        {
          tong_err_set (err, ENOMEM, "attach");
          goto out;
        }
      if (!vol_exists (s, v->name))
        {
          if (vol_create (s, v->name, NULL, 0, v->kind == VSPEC_ANON, err) < 0)
            goto out;
          created[n_created++] = strdup (v->name);
        }
      if (!v->nocopy && copy_up (s, bundle, doc, v, err) < 0)
        goto out;
    }

  struct json_value *mounts = json_get (doc, "mounts");
  if (mounts == NULL || mounts->type != JSON_ARRAY)
    {
      if (jv_obj_set (doc, "mounts", jv_arr ()) < 0)
        {
          tong_err_set (err, ENOMEM, "attach");
          goto out;
        }
      mounts = json_get (doc, "mounts");
    }
  for (size_t i = 0; i < n; i++)
    {
      struct vspec *v = &specs[i];
      cleanup_free char *src
          = v->kind == VSPEC_BIND ? strdup (v->host) : vol_mountpoint (s, v->name);
      ssize_t old = find_mount (mounts, v->dest);
      if (old >= 0)
        jv_arr_remove (mounts, old);
      struct json_value *m = src ? mount_entry (v->dest, src, v->ro, v->opts) : NULL;
      if (m == NULL || jv_arr_insert (mounts, mount_insert_index (mounts, v->dest), m) < 0)
        {
          tong_err_set (err, ENOMEM, "attach");
          goto out;
        }
    }
  if (config_save (bundle, doc, mode, err) < 0)
    goto out;
  n_created = 0; /* the config now refers to them: keep them.  */
  ret = 0;
  for (size_t i = 0; i < n; i++)
    if (specs[i].kind != VSPEC_BIND && vol_add_user (s, specs[i].name, bundle, err) < 0)
      ret = -1;
  for (size_t i = 0; i < n; i++)
    if (specs[i].kind == VSPEC_ANON)
      printf ("%s\n", specs[i].name);
out:
  for (size_t i = 0; i < n_created; i++)
    {
      struct tong_err ignored;
      if (created[i])
        vol_remove (s, created[i], &ignored);
    }
  for (size_t i = 0; created && i < n; i++)
    free (created[i]);
  free (created);
  for (size_t i = 0; specs && i < n; i++)
    vspec_clear (&specs[i]);
  free (specs);
  json_free (doc);
  return ret;
}

int
volume_detach (struct vol_store *s, const char *bundle_arg, char **dests, size_t n,
               struct tong_err *err)
{
  char bundle[PATH_MAX];
  struct json_value *doc = NULL;
  mode_t mode;
  cleanup_strv char **names = calloc (n + 1, sizeof (char *));

  if (names == NULL)
    return tong_err_set (err, ENOMEM, "detach");
  if (realpath (bundle_arg, bundle) == NULL)
    return tong_err_set (err, errno, "bundle `%s`", bundle_arg);
  if (config_load (bundle, &doc, &mode, err) < 0)
    return -1;
  struct json_value *mounts = json_get (doc, "mounts");
  int ret = 0;
  size_t k = 0;
  for (size_t i = 0; ret == 0 && i < n; i++)
    {
      cleanup_free char *d = dest_normalize (dests[i], err);
      ssize_t idx = d && mounts && mounts->type == JSON_ARRAY ? find_mount (mounts, d) : -1;
      if (d == NULL)
        ret = tong_err_wrap (err, "detach");
      else if (idx < 0)
        ret = tong_err_set (err, ENOENT, "bundle `%s` has no mount at `%s`", bundle, d);
      else
        {
          char *name = vol_name_of_source (s, jv_get_str (mounts->u.array.items[idx], "source"));
          if (name)
            names[k++] = name;
          jv_arr_remove (mounts, idx);
        }
    }
  if (ret == 0)
    ret = config_save (bundle, doc, mode, err);
  json_free (doc);
  if (ret < 0)
    return -1;
  /* The record goes when no other mount of this bundle uses the volume.  */
  for (size_t i = 0; i < k; i++)
    {
      cleanup_free char *mp = vol_mountpoint (s, names[i]);
      if (mp && !bundle_mounts (bundle, mp) && vol_drop_user (s, names[i], bundle, err) < 0)
        ret = -1;
    }
  return ret;
}
