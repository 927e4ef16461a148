/* The volume store: <root>/<name>/_data plus <root>/<name>/tong-volume.json
   (created time, labels, anonymous, the bundles that use it).  One flock on
   <root>/.lock serializes the commands that change it.  */
#include "volume.h"
#include "cleanup.h"
#include "fileutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
vol_name_valid (const char *name, struct tong_err *err)
{
  size_t len = name ? strlen (name) : 0;
  bool ok = len >= 2 && len <= 255;
  for (size_t i = 0; ok && i < len; i++)
    {
      char c = name[i];
      bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      ok = alnum || (i > 0 && (c == '_' || c == '.' || c == '-'));
    }
  if (!ok)
    return tong_err_set (err, 0,
                         "invalid volume name `%s`: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (2 to 255 "
                         "characters)",
                         name ? name : "");
  return 0;
}

int
vol_store_open (struct vol_store *s, const char *root, bool exclusive, struct tong_err *err)
{
  char abs[PATH_MAX];
  memset (s, 0, sizeof *s);
  s->rootfd = s->lockfd = -1;
  if (root == NULL || *root == '\0')
    root = getenv ("TONG_VOLUME_ROOT");
  if (root == NULL || *root == '\0')
    root = VOLUME_DEFAULT_ROOT;
  if (mkdir_p (root, 0701, err) < 0)
    return tong_err_wrap (err, "volume root");
  if (realpath (root, abs) == NULL)
    return tong_err_set (err, errno, "volume root `%s`", root);
  s->root = strdup (abs);
  s->rootfd = open (abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->rootfd < 0)
    return tong_err_set (err, errno, "open volume root `%s`", abs);
  s->lockfd = openat (s->rootfd, VOLUME_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (s->lockfd < 0)
    return tong_err_set (err, errno, "open `%s/%s`", abs, VOLUME_LOCK);
  while (flock (s->lockfd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    if (errno != EINTR)
      return tong_err_set (err, errno, "lock `%s/%s`", abs, VOLUME_LOCK);
  return 0;
}

void
vol_store_close (struct vol_store *s)
{
  if (s->lockfd >= 0)
    close (s->lockfd);
  if (s->rootfd >= 0)
    close (s->rootfd);
  free (s->root);
  memset (s, 0, sizeof *s);
  s->rootfd = s->lockfd = -1;
}

char *
vol_mountpoint (const struct vol_store *s, const char *name)
{
  char *p = NULL;
  if (asprintf (&p, "%s/%s/%s", s->root, name, VOLUME_DATA) < 0)
    return NULL;
  return p;
}

char *
vol_name_of_source (const struct vol_store *s, const char *path)
{
  size_t rl = strlen (s->root);
  if (path == NULL || strncmp (path, s->root, rl) != 0 || path[rl] != '/')
    return NULL;
  const char *name = path + rl + 1;
  const char *slash = strchr (name, '/');
  if (slash == NULL || strcmp (slash + 1, VOLUME_DATA) != 0)
    return NULL;
  char *n = strndup (name, slash - name);
  if (n == NULL || vol_name_valid (n, NULL) < 0 || !vol_exists (s, n))
    {
      free (n);
      return NULL;
    }
  return n;
}

int
vol_exists (const struct vol_store *s, const char *name)
{
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/%s", name, VOLUME_META);
  return faccessat (s->rootfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void
vol_meta_clear (struct vol_meta *m)
{
  free (m->name);
  free (m->created);
  json_free (m->labels);
  for (size_t i = 0; i < m->n_used; i++)
    free (m->used_by[i]);
  free (m->used_by);
  memset (m, 0, sizeof *m);
}

int
vol_meta_read (const struct vol_store *s, const char *name, struct vol_meta *m,
               struct tong_err *err)
{
  char path[PATH_MAX];
  cleanup_free char *text = NULL;
  size_t len;
  struct json_value *doc = NULL;

  memset (m, 0, sizeof *m);
  if (vol_name_valid (name, err) < 0)
    return -1;
  snprintf (path, sizeof path, "%s/%s", name, VOLUME_META);
  if (read_file_at (s->rootfd, path, &text, &len, err) < 0)
    {
      if (err && err->errnum == ENOENT)
        return tong_err_set (err, ENOENT, "no such volume `%s`", name);
      return -1;
    }
  if (json_parse (text, len, &doc, err) < 0)
    return tong_err_wrap (err, "volume `%s`", name);
  m->name = strdup (name);
  const char *c = jv_get_str (doc, "CreatedAt");
  m->created = strdup (c ? c : "");
  struct json_value *labels = json_get (doc, "Labels");
  m->labels = jv_obj ();
  if (labels && labels->type == JSON_OBJECT)
    for (size_t i = 0; i < labels->u.object.len; i++)
      if (labels->u.object.values[i]->type == JSON_STRING)
        jv_obj_set (m->labels, labels->u.object.keys[i],
                    jv_str (labels->u.object.values[i]->u.string));
  struct json_value *anon = json_get (doc, "Anonymous");
  m->anonymous = anon && anon->type == JSON_BOOL && anon->u.boolean;
  struct json_value *used = json_get (doc, "UsedBy");
  if (used && used->type == JSON_ARRAY && used->u.array.len)
    {
      m->used_by = calloc (used->u.array.len, sizeof (char *));
      for (size_t i = 0; m->used_by && i < used->u.array.len; i++)
        if (used->u.array.items[i]->type == JSON_STRING)
          m->used_by[m->n_used++] = strdup (used->u.array.items[i]->u.string);
    }
  json_free (doc);
  if (m->name == NULL || m->created == NULL || m->labels == NULL
      || (used && used->type == JSON_ARRAY && used->u.array.len && m->used_by == NULL))
    {
      vol_meta_clear (m);
      return tong_err_set (err, ENOMEM, "volume `%s`", name);
    }
  return 0;
}

int
vol_meta_write (const struct vol_store *s, const struct vol_meta *m, struct tong_err *err)
{
  struct json_writer *w = json_writer_new (true);
  if (w == NULL)
    return tong_err_set (err, ENOMEM, "volume `%s`", m->name);
  json_w_obj_begin (w);
  json_w_key (w, "Name");
  json_w_str (w, m->name);
  json_w_key (w, "CreatedAt");
  json_w_str (w, m->created);
  json_w_key (w, "Labels");
  if (m->labels)
    json_w_value (w, m->labels);
  else
    {
      json_w_obj_begin (w);
      json_w_obj_end (w);
    }
  json_w_key (w, "Anonymous");
  json_w_bool (w, m->anonymous);
  json_w_key (w, "UsedBy");
  json_w_arr_begin (w);
  for (size_t i = 0; i < m->n_used; i++)
    json_w_str (w, m->used_by[i]);
  json_w_arr_end (w);
  json_w_obj_end (w);
  cleanup_free char *text = json_writer_finish (w);
  if (text == NULL)
    return tong_err_set (err, ENOMEM, "volume `%s`", m->name);
  cleanup_close int dfd
      = openat (s->rootfd, m->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dfd < 0)
    return tong_err_set (err, errno, "open volume `%s`", m->name);
  if (write_file_atomic_at (dfd, VOLUME_META, text, strlen (text), 0600, err) < 0)
    return tong_err_wrap (err, "volume `%s`", m->name);
  return 0;
}

static void
now_rfc3339 (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
vol_create (const struct vol_store *s, const char *name, char **labels, size_t n_labels,
            bool anonymous, struct tong_err *err)
{
  char created[64];
  struct vol_meta m = { 0 };
  int ret = -1;

  if (vol_name_valid (name, err) < 0)
    return -1;
  /* The volume dir is made last-visible: the meta file is what makes it exist.  */
  if (mkdirat (s->rootfd, name, 0701) < 0)
    {
      if (errno == EEXIST)
        return tong_err_set (err, EEXIST, "volume `%s` already exists", name);
      return tong_err_set (err, errno, "create volume `%s`", name);
    }
  char data[PATH_MAX];
  snprintf (data, sizeof data, "%s/%s", name, VOLUME_DATA);
  if (mkdirat (s->rootfd, data, 0755) < 0)
    {
      tong_err_set (err, errno, "create `%s/%s`", s->root, data);
      goto out;
    }
  now_rfc3339 (created, sizeof created);
  m.name = (char *)name;
  m.created = created;
  m.anonymous = anonymous;
  m.labels = jv_obj ();
  if (m.labels == NULL)
    {
      tong_err_set (err, ENOMEM, "create volume `%s`", name);
      goto out;
    }
  for (size_t i = 0; i < n_labels; i++)
    {
      cleanup_free char *k = strdup (labels[i]);
      char *eq = k ? strchr (k, '=') : NULL;
      if (k == NULL || k[0] == '\0' || k[0] == '=')
        {
          tong_err_set (err, 0, "invalid label `%s`: KEY[=VALUE]", labels[i]);
          goto out;
        }
      if (eq)
        *eq++ = '\0';
      jv_obj_set (m.labels, k, jv_str (eq ? eq : ""));
    }
  ret = vol_meta_write (s, &m, err);
out:
  json_free (m.labels);
  if (ret < 0)
    {
      struct tong_err ignored;
      remove_tree_at (s->rootfd, name, &ignored);
    }
  return ret;
}

int
vol_random_name (char out[65], struct tong_err *err)
{
  unsigned char buf[32];
  if (getrandom (buf, sizeof buf, 0) != (ssize_t)sizeof buf)
    return tong_err_set (err, errno, "getrandom");
  for (size_t i = 0; i < sizeof buf; i++)
    snprintf (out + 2 * i, 3, "%02x", buf[i]);
  return 0;
}

size_t
vol_live_users (const struct vol_store *s, const struct vol_meta *m, char ***live)
{
  size_t n = 0;
  cleanup_free char *mp = vol_mountpoint (s, m->name);
  if (live)
    *live = calloc (m->n_used + 1, sizeof (char *));
  for (size_t i = 0; mp && i < m->n_used; i++)
    if (bundle_mounts (m->used_by[i], mp))
      {
        if (live && *live)
          (*live)[n] = strdup (m->used_by[i]);
        n++;
      }
  return n;
}

int
vol_add_user (const struct vol_store *s, const char *name, const char *bundle, struct tong_err *err)
{
  struct vol_meta m;
  if (vol_meta_read (s, name, &m, err) < 0)
    return -1;
  for (size_t i = 0; i < m.n_used; i++)
    if (strcmp (m.used_by[i], bundle) == 0)
      {
        vol_meta_clear (&m);
        return 0;
      }
  char **u = realloc (m.used_by, (m.n_used + 1) * sizeof (char *));
  char *b = strdup (bundle);
  if (u == NULL || b == NULL)
    {
      free (b);
      if (u)
        m.used_by = u;
      vol_meta_clear (&m);
      return tong_err_set (err, ENOMEM, "volume `%s`", name);
    }
  m.used_by = u;
  m.used_by[m.n_used++] = b;
  int ret = vol_meta_write (s, &m, err);
  vol_meta_clear (&m);
  return ret;
}

int
vol_drop_user (const struct vol_store *s, const char *name, const char *bundle,
               struct tong_err *err)
{
  struct vol_meta m;
  if (vol_meta_read (s, name, &m, err) < 0)
    return -1;
  size_t j = 0;
  for (size_t i = 0; i < m.n_used; i++)
    if (strcmp (m.used_by[i], bundle) == 0)
      free (m.used_by[i]);
    else
      m.used_by[j++] = m.used_by[i];
  int ret = 0;
  if (j != m.n_used)
    {
      m.n_used = j;
      ret = vol_meta_write (s, &m, err);
    }
  vol_meta_clear (&m);
  return ret;
}

int
vol_remove (const struct vol_store *s, const char *name, struct tong_err *err)
{
  struct vol_meta m;
  if (vol_meta_read (s, name, &m, err) < 0)
    return -1;
  cleanup_strv char **live = NULL;
  size_t n = vol_live_users (s, &m, &live);
  vol_meta_clear (&m);
  /* Docker's words ("remove NAME: volume is in use - [IDs]"): scripts
     match them.  */
  if (n)
    return tong_err_set (err, 0, "remove %s: volume is in use - [%s%s]", name,
                         live && live[0] ? live[0] : "a bundle", n > 1 ? " and others" : "");
  pid_t pid = vol_mounted_by (s, name);
  if (pid > 0)
    return tong_err_set (err, 0,
                         "remove %s: volume is in use - [mounted in the mount namespace of pid %d]",
                         name, (int)pid);
  /* The meta file first: a half-removed volume is then no volume at all.  */
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/%s", name, VOLUME_META);
  if (unlinkat (s->rootfd, path, 0) < 0)
    return tong_err_set (err, errno, "remove volume `%s`", name);
  if (remove_tree_at (s->rootfd, name, err) < 0)
    return tong_err_wrap (err, "remove volume `%s`", name);
  return 0;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

int
vol_list (const struct vol_store *s, char ***names, struct tong_err *err)
{
  int fd = dup (s->rootfd);
  if (fd < 0)
    return tong_err_set (err, errno, "read volume root");
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return tong_err_set (err, errno, "read volume root");
    }
  rewinddir (d);
  size_t n = 0, cap = 16;
  char **v = calloc (cap + 1, sizeof (char *));
  struct dirent *de;
  while (v && (de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.' || vol_name_valid (de->d_name, NULL) < 0
          || !vol_exists (s, de->d_name))
        continue;
      if (n == cap)
        {
          char **nv = realloc (v, (2 * cap + 1) * sizeof (char *));
          if (nv == NULL)
            break;
          v = nv;
          cap *= 2;
        }
      v[n++] = strdup (de->d_name);
      v[n] = NULL;
    }
  closedir (d);
  if (v == NULL)
    return tong_err_set (err, ENOMEM, "list volumes");
  qsort (v, n, sizeof (char *), cmp_str);
  *names = v;
  return 0;
}

bool
vol_label_match (const struct vol_meta *m, const char *filter)
{
  const char *eq = strchr (filter, '=');
  size_t klen = eq ? (size_t)(eq - filter) : strlen (filter);
  for (size_t i = 0; m->labels && i < m->labels->u.object.len; i++)
    if (strlen (m->labels->u.object.keys[i]) == klen
        && strncmp (m->labels->u.object.keys[i], filter, klen) == 0)
      return eq == NULL || strcmp (m->labels->u.object.values[i]->u.string, eq + 1) == 0;
  return false;
}
