#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"
#include "ref.h"

static const char oci_layout[] = "{\"imageLayoutVersion\": \"1.0.0\"}";
static const char empty_index[]
    = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
      "\"manifests\":[]}";

const char *
store_default_root (const char *root)
{
  if (root && *root)
    return root;
  const char *env = getenv ("TONG_IMAGE_ROOT");
  return env && *env ? env : STORE_DEFAULT_ROOT;
}

static int
blob_path (const char *digest, char *buf, size_t len, struct tong_err *err)
{
  if (!image_digest_valid (digest))
    return tong_err_set (err, 0, "unsupported digest `%s` (only sha256)", digest);
  snprintf (buf, len, "blobs/sha256/%s", digest + 7);
  return 0;
}

static int
load_index (struct store *s, struct tong_err *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  json_free (s->index);
  s->index = NULL;
  if (read_file_at (s->dirfd, "index.json", &text, &len, err) < 0)
    {
      if (err->errnum != ENOENT || s->writable)
        return tong_err_wrap (err, "image store %s", s->root);
      text = strdup (empty_index);
      len = strlen (text);
    }
  if (json_parse (text, len, &s->index, err) < 0)
    return tong_err_wrap (err, "image store %s: index.json", s->root);
  struct json_value *m = json_get (s->index, "manifests");
  if (s->index->type != JSON_OBJECT || (m && m->type != JSON_ARRAY))
    return tong_err_set (err, 0, "image store %s: index.json is not an image index", s->root);
  return 0;
}

/* Files left in ingest/ by a killed pull: only reached under the exclusive lock.  */
static void
clean_ingest (struct store *s)
{
  int fd = openat (s->dirfd, "ingest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return;
    }
  struct dirent *e;
  while ((e = readdir (d)))
    if (e->d_name[0] != '.')
      unlinkat (fd, e->d_name, 0);
  closedir (d);
}

/* The index lock: an exclusive flock on the blobs/ directory (no file of
   its own in the layout), for a pull's read-modify-write of index.json
   beside other pulls; -2 when the store lock already excludes every other
   writer.  */
static int
index_lock (struct store *s, struct tong_err *err)
{
  if (!s->shared)
    return -2;
  int fd = openat (s->dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return tong_err_set (err, errno, "image store %s: blobs", s->root);
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        int e = errno;
        close (fd);
        return tong_err_set (err, e, "image store %s: lock blobs", s->root);
      }
  return fd;
}

static void
index_unlock (int fd)
{
  if (fd >= 0)
    close (fd);
}

/* The layout's directories and files, made when missing (idempotent: pulls
   may do it at once; index.json is only created under the index lock).  */
static int
prepare_layout (struct store *s, struct tong_err *err)
{
  struct stat st;
  if (mkdirat (s->dirfd, "blobs", 0755) < 0 && errno != EEXIST)
    return tong_err_set (err, errno, "image store %s: mkdir blobs", s->root);
  if (mkdirat (s->dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST)
    return tong_err_set (err, errno, "image store %s: mkdir blobs/sha256", s->root);
  if (mkdirat (s->dirfd, "ingest", 0700) < 0 && errno != EEXIST)
    return tong_err_set (err, errno, "image store %s: mkdir ingest", s->root);
  if (fstatat (s->dirfd, "oci-layout", &st, 0) < 0
      && write_file_atomic_at (s->dirfd, "oci-layout", oci_layout, strlen (oci_layout), 0644, err)
             < 0)
    return tong_err_wrap (err, "image store %s", s->root);
  int lk = index_lock (s, err);
  if (lk == -1)
    return -1;
  int rc = 0;
  if (fstatat (s->dirfd, "index.json", &st, 0) < 0
      && write_file_atomic_at (s->dirfd, "index.json", empty_index, strlen (empty_index), 0644, err)
             < 0)
    rc = tong_err_wrap (err, "image store %s", s->root);
  index_unlock (lk);
  return rc;
}

static int
open_as (const char *root, bool writable, bool shared, struct store *s, struct tong_err *err)
{
  memset (s, 0, sizeof *s);
  s->dirfd = -1;
  s->writable = writable;
  s->shared = shared;
  s->root = strdup (store_default_root (root));
  if (s->root == NULL)
    return tong_err_set (err, ENOMEM, "image store");
  if (writable && mkdir_p (s->root, 0700, err) < 0)
    return tong_err_wrap (err, "image store");
  s->dirfd = open (s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dirfd < 0)
    {
      if (errno == ENOENT && !writable)
        {
          /* No store yet: an empty one, read-only.  */
          s->index = NULL;
          return json_parse (empty_index, strlen (empty_index), &s->index, err);
        }
      return tong_err_set (err, errno, "image store %s", s->root);
    }
  bool alone = !writable || !shared;
  if (writable && shared)
    /* Alone (no other pull or reader)?  Then what a killed pull left in
       ingest/ can go, before sharing the store.  */
    alone = flock (s->dirfd, LOCK_EX | LOCK_NB) == 0;
  int mode = writable && !shared ? LOCK_EX : LOCK_SH;
  if (writable && shared && alone)
    {
      if (prepare_layout (s, err) < 0)
        return -1;
      clean_ingest (s);
    }
  while (flock (s->dirfd, mode) < 0)
    if (errno != EINTR)
      return tong_err_set (err, errno, "lock image store %s", s->root);
  if (writable && !(shared && alone) && prepare_layout (s, err) < 0)
    return -1;
  if (writable && !shared)
    clean_ingest (s);
  return load_index (s, err);
}

int
store_open (const char *root, bool writable, struct store *s, struct tong_err *err)
{
  return open_as (root, writable, false, s, err);
}

int
store_open_pull (const char *root, struct store *s, struct tong_err *err)
{
  return open_as (root, true, true, s, err);
}

int
store_blob_lock (struct store *s, const char *digest, struct tong_err *err)
{
  char path[128];
  if (!s->shared)
    return -2;
  if (!image_digest_valid (digest))
    return tong_err_set (err, 0, "unsupported digest `%s` (only sha256)", digest);
  snprintf (path, sizeof path, "ingest/%s.lock", digest + 7);
  int fd = openat (s->dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return tong_err_set (err, errno, "image store %s: %s", s->root, path);
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        int e = errno;
        close (fd);
        return tong_err_set (err, e, "image store %s: lock %s", s->root, path);
      }
  return fd;
}

void
store_blob_unlock (struct store *s, const char *digest, int fd)
{
  char path[128];
  if (fd < 0)
    return;
  /* Unlinked while held: a pull waiting on it finds the blob stored when it
     gets the lock; one arriving later makes a new file (at worst, after a
     failed download, two pulls fetch the same layer).  */
  snprintf (path, sizeof path, "ingest/%s.lock", digest + 7);
  unlinkat (s->dirfd, path, 0);
  close (fd);
}

void
store_close (struct store *s)
{
  if (s->dirfd >= 0)
    close (s->dirfd);
  s->dirfd = -1;
  json_free (s->index);
  s->index = NULL;
  free (s->root);
  s->root = NULL;
}

bool
store_has_blob (struct store *s, const char *digest, int64_t size)
{
  char path[128];
  struct stat st;
  if (s->dirfd < 0 || blob_path (digest, path, sizeof path, NULL) < 0)
    return false;
  if (fstatat (s->dirfd, path, &st, 0) < 0 || !S_ISREG (st.st_mode))
    return false;
  return size < 0 || st.st_size == size;
}

int
store_blob_open (struct store *s, const char *digest, struct tong_err *err)
{
  char path[128];
  if (blob_path (digest, path, sizeof path, err) < 0)
    return -1;
  if (s->dirfd < 0)
    return tong_err_set (err, ENOENT, "blob %s", digest);
  int fd = openat (s->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return tong_err_set (err, errno, "blob %s", digest);
  return fd;
}

int
store_blob_read (struct store *s, const char *digest, char **out, size_t *len, struct tong_err *err)
{
  cleanup_close int fd = store_blob_open (s, digest, err);
  if (fd < 0)
    return -1;
  cleanup_free char *buf = NULL;
  size_t n = 0;
  char got[DIGEST_STR_LEN];
  if (read_fd (fd, &buf, &n, err) < 0)
    return tong_err_wrap (err, "blob %s", digest);
  if (sha256_buf (buf, n, got, err) < 0)
    return -1;
  if (strcmp (got, digest) != 0)
    return tong_err_set (err, 0, "blob %s in the store is corrupt: its digest is %s", digest, got);
  *out = steal_pointer (&buf);
  if (len)
    *len = n;
  return 0;
}

int
store_ingest_create (struct store *s, char name[64], struct tong_err *err)
{
  static unsigned counter;
  for (int tries = 0; tries < 100; tries++)
    {
      snprintf (name, 64, "ingest/%d-%u-%ld", (int)getpid (), counter++, (long)time (NULL));
      int fd = openat (s->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0)
        return fd;
      if (errno != EEXIST)
        return tong_err_set (err, errno, "image store %s: create %s", s->root, name);
    }
  return tong_err_set (err, EEXIST, "image store %s: create a temp file", s->root);
}

int
store_ingest_commit (struct store *s, const char *name, const char *digest, struct tong_err *err)
{
  char path[128];
  if (blob_path (digest, path, sizeof path, err) < 0)
    return -1;
  if (renameat (s->dirfd, name, s->dirfd, path) < 0)
    {
      int e = errno;
      unlinkat (s->dirfd, name, 0);
      return tong_err_set (err, e, "image store %s: store blob %s", s->root, digest);
    }
  return 0;
}

void
store_ingest_abort (struct store *s, const char *name)
{
  if (name[0])
    unlinkat (s->dirfd, name, 0);
}

int
store_put_blob (struct store *s, const char *digest, const char *data, size_t len,
                struct tong_err *err)
{
  char got[DIGEST_STR_LEN], name[64];
  if (sha256_buf (data, len, got, err) < 0)
    return -1;
  if (strcmp (got, digest) != 0)
    return tong_err_set (err, 0, "digest mismatch: want %s, got %s", digest, got);
  if (store_has_blob (s, digest, len))
    return 0;
  cleanup_close int fd = store_ingest_create (s, name, err);
  if (fd < 0)
    return -1;
  if (write_all_fd (fd, data, len) < 0)
    {
      int e = errno;
      store_ingest_abort (s, name);
      return tong_err_set (err, e, "image store %s: write blob %s", s->root, digest);
    }
  return store_ingest_commit (s, name, digest, err);
}

int
store_blob_remove (struct store *s, const char *digest, struct tong_err *err)
{
  char path[128];
  if (blob_path (digest, path, sizeof path, err) < 0)
    return -1;
  if (unlinkat (s->dirfd, path, 0) < 0 && errno != ENOENT)
    return tong_err_set (err, errno, "image store %s: remove blob %s", s->root, digest);
  /* Its unpacked size, if it was a layer: nothing may outlive the blob.  */
  snprintf (path, sizeof path, "%s/%s", STORE_SIZES_DIR, digest + 7);
  unlinkat (s->dirfd, path, 0);
  return 0;
}

int
store_list_blobs (struct store *s, char ***digests, int64_t **sizes, size_t *n,
                  struct tong_err *err)
{
  *digests = NULL;
  *sizes = NULL;
  *n = 0;
  if (s->dirfd < 0)
    {
      *digests = calloc (1, sizeof (char *));
      return *digests ? 0 : tong_err_set (err, ENOMEM, "list blobs");
    }
  int fd = openat (s->dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    {
      *digests = calloc (1, sizeof (char *));
      return *digests ? 0 : tong_err_set (err, ENOMEM, "list blobs");
    }
  if (fd < 0)
    return tong_err_set (err, errno, "image store %s: blobs/sha256", s->root);
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return tong_err_set (err, errno, "image store %s: blobs/sha256", s->root);
    }
  size_t cap = 16, len = 0;
  char **v = calloc (cap + 1, sizeof (char *));
  int64_t *sz = calloc (cap, sizeof (int64_t));
  struct dirent *e;
  while (v && sz && (e = readdir (d)))
    {
      struct stat st;
      if (e->d_name[0] == '.' || fstatat (fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
          || !S_ISREG (st.st_mode))
        continue;
      if (len == cap)
        {
          cap *= 2;
          char **nv = realloc (v, (cap + 1) * sizeof (char *));
          int64_t *ns = nv ? realloc (sz, cap * sizeof (int64_t)) : NULL;
          if (nv)
            v = nv;
          if (ns)
            sz = ns;
          if (!nv || !ns)
            break;
        }
      if (asprintf (&v[len], "sha256:%s", e->d_name) < 0)
        break;
      sz[len++] = st.st_size;
      v[len] = NULL;
    }
  closedir (d);
  *digests = v;
  *sizes = sz;
  *n = len;
  return v && sz ? 0 : tong_err_set (err, ENOMEM, "list blobs");
}

static const char *
str_member (const struct json_value *o, const char *key)
{
  const struct json_value *v = json_get (o, key);
  return v && v->type == JSON_STRING ? v->u.string : NULL;
}

int
store_entries (struct store *s, struct store_entry **entries, size_t *n, struct tong_err *err)
{
  const struct json_value *m = json_get (s->index, "manifests");
  size_t len = m ? m->u.array.len : 0;
  struct store_entry *e = calloc (len + 1, sizeof *e);
  if (e == NULL)
    return tong_err_set (err, ENOMEM, "index");
  size_t k = 0;
  for (size_t i = 0; i < len; i++)
    {
      const struct json_value *d = m->u.array.items[i];
      const char *digest = str_member (d, "digest");
      if (d->type != JSON_OBJECT || digest == NULL)
        continue;
      e[k].raw = d;
      e[k].digest = digest;
      e[k].media_type = str_member (d, "mediaType");
      e[k].name = str_member (json_get (d, "annotations"), ANNOT_REF_NAME);
      int64_t size = -1;
      const struct json_value *sv = json_get (d, "size");
      if (sv == NULL || json_as_int64 (sv, &size, NULL) < 0)
        size = -1;
      e[k].size = size;
      k++;
    }
  *entries = e;
  *n = k;
  return 0;
}

static int
write_index (struct store *s, const char *remove, const char *const *drop,
             const struct store_new_entry *add, struct tong_err *err)
{
  struct store_entry *e = NULL;
  size_t n = 0;
  if (store_entries (s, &e, &n, err) < 0)
    return -1;
  struct json_writer *w = json_writer_new (false);
  if (w == NULL)
    {
      free (e);
      return tong_err_set (err, ENOMEM, "index");
    }
  json_w_obj_begin (w);
  json_w_key (w, "schemaVersion");
  json_w_int (w, 2);
  json_w_key (w, "mediaType");
  json_w_str (w, "application/vnd.oci.image.index.v1+json");
  json_w_key (w, "manifests");
  json_w_arr_begin (w);
  for (size_t i = 0; i < n; i++)
    {
      if (remove && e[i].name && strcmp (e[i].name, remove) == 0)
        continue;
      bool dropped = false;
      for (const char *const *d = drop; d && *d; d++)
        dropped |= strcmp (*d, e[i].digest) == 0;
      if (!dropped)
        json_w_value (w, e[i].raw);
    }
  free (e);
  if (add)
    {
      char now[64];
      time_t t = time (NULL);
      struct tm tm;
      strftime (now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&t, &tm));
      json_w_obj_begin (w);
      json_w_key (w, "mediaType");
      json_w_str (w, add->media_type);
      json_w_key (w, "digest");
      json_w_str (w, add->digest);
      json_w_key (w, "size");
      json_w_int (w, add->size);
      json_w_key (w, "annotations");
      json_w_obj_begin (w);
      json_w_key (w, ANNOT_REF_NAME);
      json_w_str (w, add->name);
      if (add->index_digest)
        {
          json_w_key (w, ANNOT_INDEX_DIGEST);
          json_w_str (w, add->index_digest);
        }
      json_w_key (w, ANNOT_STORED);
      json_w_str (w, now);
      json_w_obj_end (w);
      if (add->os && add->arch)
        {
          json_w_key (w, "platform");
          json_w_obj_begin (w);
          json_w_key (w, "architecture");
          json_w_str (w, add->arch);
          json_w_key (w, "os");
          json_w_str (w, add->os);
          if (add->variant)
            {
              json_w_key (w, "variant");
              json_w_str (w, add->variant);
            }
          json_w_obj_end (w);
        }
      json_w_obj_end (w);
    }
  json_w_arr_end (w);
  json_w_obj_end (w);
  cleanup_free char *text = json_writer_finish (w);
  if (text == NULL)
    return tong_err_set (err, ENOMEM, "index");
  if (write_file_atomic_at (s->dirfd, "index.json", text, strlen (text), 0644, err) < 0)
    return tong_err_wrap (err, "image store %s", s->root);
  return load_index (s, err);
}

/* Beside other pulls: under the index lock, on index.json as it is now.  */
static int
update_index (struct store *s, const char *remove, const char *const *drop,
              const struct store_new_entry *add, struct tong_err *err)
{
  int lk = index_lock (s, err);
  if (lk == -1)
    return -1;
  int rc = lk >= 0 ? load_index (s, err) : 0;
  if (rc == 0)
    rc = write_index (s, remove, drop, add, err);
  index_unlock (lk);
  return rc;
}

int
store_update_index (struct store *s, const char *remove, const struct store_new_entry *add,
                    struct tong_err *err)
{
  return update_index (s, remove, NULL, add, err);
}

int
store_remove_digests (struct store *s, const char *const *drop, struct tong_err *err)
{
  return update_index (s, NULL, drop, NULL, err);
}
