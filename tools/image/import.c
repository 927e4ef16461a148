/* import: seed the store offline from an OCI image layout directory or a
   docker-archive tarball (`docker save`, skopeo's docker-archive:).  Every
   blob is hashed on the way in; a docker-archive's uncompressed layers must
   match its config's DiffIDs.  */
#include "image.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"
#include "ref.h"
#include "registry.h"

/* Copy FD into the store as DIGEST (NULL: whatever it hashes to, written to GOT).  */
static int
ingest_fd (struct store *s, int fd, const char *digest, char got[DIGEST_STR_LEN], int64_t *size,
           struct tong_err *err)
{
  char name[64];
  cleanup_close int out = store_ingest_create (s, name, err);
  if (out < 0)
    return -1;
  struct sha256 h;
  if (sha256_init (&h, err) < 0)
    {
      store_ingest_abort (s, name);
      return -1;
    }
  char buf[65536];
  int64_t total = 0;
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || (n > 0 && write_all_fd (out, buf, n) < 0))
        {
          int e = errno;
          sha256_free (&h);
          store_ingest_abort (s, name);
          return tong_err_set (err, e, "copy blob");
        }
      if (n == 0)
        break;
      sha256_update (&h, buf, n);
      total += n;
    }
  sha256_final (&h, got);
  if (digest && strcmp (digest, got) != 0)
    {
      store_ingest_abort (s, name);
      return tong_err_set (err, 0, "blob %s: digest mismatch: its content hashes to %s", digest,
                           got);
    }
  if (size)
    *size = total;
  if (store_has_blob (s, got, total))
    {
      store_ingest_abort (s, name);
      return 0;
    }
  return store_ingest_commit (s, name, got, err);
}

/* ---- OCI layout ------------------------------------------------------------ */

static int
copy_layout_blob (struct store *s, int src, const char *digest, struct tong_err *err)
{
  if (!image_digest_valid (digest))
    return tong_err_set (err, 0, "unsupported digest `%s`", digest ? digest : "(none)");
  if (store_has_blob (s, digest, -1))
    return 0;
  char path[128], got[DIGEST_STR_LEN];
  snprintf (path, sizeof path, "blobs/sha256/%s", digest + 7);
  cleanup_close int fd = openat (src, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return tong_err_set (err, errno, "blob %s", digest);
  return ingest_fd (s, fd, digest, got, NULL, err);
}

/* DIGEST and what it leads to (an index's manifests that the layout holds).  */
static int
copy_tree (struct store *s, int src, const char *digest, int depth, struct tong_err *err)
{
  if (depth > 4)
    return tong_err_set (err, 0, "indexes nested too deep");
  if (copy_layout_blob (s, src, digest, err) < 0)
    return -1;
  cleanup_free char *text = NULL;
  size_t len;
  struct json_value *doc = NULL;
  if (store_blob_read (s, digest, &text, &len, err) < 0 || json_parse (text, len, &doc, err) < 0)
    return tong_err_wrap (err, "manifest %s", digest);
  int rc = 0;
  const struct json_value *m = json_get (doc, "manifests");
  for (size_t i = 0; rc == 0 && m && m->type == JSON_ARRAY && i < m->u.array.len; i++)
    {
      const char *d = jstr (m->u.array.items[i], "digest");
      char path[128];
      struct stat st;
      /* A layout may hold only some platforms of an index.  */
      if (!image_digest_valid (d))
        continue;
      snprintf (path, sizeof path, "blobs/sha256/%s", d + 7);
      if (fstatat (src, path, &st, 0) == 0)
        rc = copy_tree (s, src, d, depth + 1, err);
    }
  const struct json_value *cfg = json_get (doc, "config");
  if (rc == 0 && cfg)
    rc = copy_layout_blob (s, src, jstr (cfg, "digest"), err);
  const struct json_value *l = json_get (doc, "layers");
  for (size_t i = 0; rc == 0 && l && l->type == JSON_ARRAY && i < l->u.array.len; i++)
    rc = copy_layout_blob (s, src, jstr (l->u.array.items[i], "digest"), err);
  json_free (doc);
  return rc;
}

static int
import_layout (struct store *s, const char *dir, const char *tag, const char *ref,
               struct tong_err *err)
{
  cleanup_close int src = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src < 0)
    return tong_err_set (err, errno, "import %s", dir);
  cleanup_free char *text = NULL;
  size_t len;
  struct json_value *idx = NULL;
  if (read_file_at (src, "index.json", &text, &len, err) < 0
      || json_parse (text, len, &idx, err) < 0)
    return tong_err_wrap (err, "import %s", dir);
  const struct json_value *m = json_get (idx, "manifests");
  size_t n = m && m->type == JSON_ARRAY ? m->u.array.len : 0, chosen = 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++)
    {
      const struct json_value *d = m->u.array.items[i];
      const char *rn = jstr (json_get (d, "annotations"), ANNOT_REF_NAME);
      if (tag && (rn == NULL || strcmp (rn, tag) != 0))
        continue;
      if (ref == NULL && rn == NULL)
        continue;
      if (ref && chosen > 0)
        {
          rc = tong_err_set (err, 0, "import %s: several images: name one with %s:TAG", dir, dir);
          break;
        }
      chosen++;
      cleanup_free char *name = image_canonical_name (ref ? ref : rn, err);
      const char *digest = jstr (d, "digest"), *mt = jstr (d, "mediaType");
      if (name == NULL)
        {
          rc = tong_err_wrap (err, "import %s", dir);
          break;
        }
      if (!media_is_index (mt) && !media_is_manifest (mt))
        {
          rc = tong_err_set (err, 0, "import %s: unsupported media type `%s`", dir,
                             mt ? mt : "(none)");
          break;
        }
      if (copy_tree (s, src, digest, 0, err) < 0)
        {
          rc = tong_err_wrap (err, "import %s", dir);
          break;
        }
      const struct json_value *p = json_get (d, "platform");
      struct store_new_entry add = { .name = name,
                                     .media_type = mt,
                                     .digest = digest,
                                     .size = jint (d, "size", 0),
                                     .os = jstr (p, "os"),
                                     .arch = jstr (p, "architecture"),
                                     .variant = jstr (p, "variant") };
      if (store_update_index (s, name, &add, err) < 0)
        rc = -1;
      else
        printf ("Loaded image: %s\n", name);
    }
  json_free (idx);
  if (rc == 0 && chosen == 0)
    rc = tong_err_set (err, 0, "import %s: no image%s%s (give a REF for unnamed ones)", dir,
                       tag ? " named " : "", tag ? tag : "");
  return rc;
}

/* ---- docker-archive ---------------------------------------------------------- */

struct member
{
  char *path, *link; /* link: a symlink's target, resolved to a member path.  */
  char tmp[64];
  char digest[DIGEST_STR_LEN];
  int64_t size;
};

static struct member *
find_member (struct member *v, size_t n, const char *path, int depth)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v[i].path, path) == 0)
      return v[i].link && depth < 8 ? find_member (v, n, v[i].link, depth + 1)
                                    : (v[i].link ? NULL : &v[i]);
  return NULL;
}

static char *
strip_dot (const char *p)
{
  while (p[0] == '.' && p[1] == '/')
    p += 2;
  while (*p == '/')
    p++;
  return strdup (p);
}

static int
import_archive (struct store *s, const char *file, const char *ref, struct tong_err *err)
{
  struct archive *a = archive_read_new ();
  archive_read_support_format_tar (a);
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_zstd (a);
  struct member *mem = NULL;
  size_t nm = 0;
  cleanup_free char *manifest = NULL;
  size_t mlen = 0;
  int rc = 0;
  if (archive_read_open_filename (a, file, 65536) != ARCHIVE_OK)
    {
      rc = tong_err_set (err, 0, "import %s: %s", file, archive_error_string (a));
      archive_read_free (a);
      return rc;
    }
  struct archive_entry *e;
  int r;
  while (rc == 0 && ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN))
    {
      mode_t type = archive_entry_filetype (e);
      if (type != AE_IFREG && type != AE_IFLNK)
        continue;
      struct member *nv = realloc (mem, (nm + 1) * sizeof *mem);
      if (nv == NULL)
        {
          rc = tong_err_set (err, ENOMEM, "import");
          break;
        }
      mem = nv;
      struct member *m = &mem[nm++];
      memset (m, 0, sizeof *m);
      m->path = strip_dot (archive_entry_pathname (e));
      if (type == AE_IFLNK)
        {
          /* Relative to the link's directory.  */
          const char *t = archive_entry_symlink (e);
          const char *slash = strrchr (m->path, '/');
          if (asprintf (&m->link, "%.*s%s%s", slash ? (int)(slash - m->path) : 0, m->path,
                        slash ? "/" : "", t)
              < 0)
            m->link = NULL;
          char *clean = m->link ? strip_dot (m->link) : NULL;
          free (m->link);
          m->link = clean;
          continue;
        }
      if (strcmp (m->path, "manifest.json") == 0)
        {
          la_int64_t sz = archive_entry_size (e);
          if (sz < 0 || sz > (16 << 20) || !(manifest = malloc (sz + 1)))
            {
              rc = tong_err_set (err, 0, "import %s: manifest.json too large", file);
              break;
            }
          mlen = archive_read_data (a, manifest, sz);
          manifest[mlen] = '\0';
          continue;
        }
      cleanup_close int fd = store_ingest_create (s, m->tmp, err);
      struct sha256 h;
      if (fd < 0 || sha256_init (&h, err) < 0)
        {
          rc = -1;
          break;
        }
      char buf[65536];
      la_ssize_t n;
      while ((n = archive_read_data (a, buf, sizeof buf)) > 0)
        {
          if (write_all_fd (fd, buf, n) < 0)
            {
              rc = tong_err_set (err, errno, "import %s: write", file);
              break;
            }
          sha256_update (&h, buf, n);
          m->size += n;
        }
      if (n < 0)
        rc = tong_err_set (err, 0, "import %s: %s", file, archive_error_string (a));
      sha256_final (&h, m->digest);
    }
  archive_read_free (a);
  struct json_value *doc = NULL;
  if (rc == 0 && manifest == NULL)
    rc = tong_err_set (err, 0, "import %s: not a docker-archive (no manifest.json)", file);
  if (rc == 0 && json_parse (manifest, mlen, &doc, err) < 0)
    rc = tong_err_wrap (err, "import %s: manifest.json", file);
  if (rc == 0 && (doc->type != JSON_ARRAY || doc->u.array.len == 0))
    rc = tong_err_set (err, 0, "import %s: manifest.json lists no image", file);
  if (rc == 0 && ref && doc->u.array.len != 1)
    rc = tong_err_set (err, 0, "import %s: several images: a REF names only one", file);
  for (size_t i = 0; rc == 0 && i < doc->u.array.len; i++)
    {
      const struct json_value *im = doc->u.array.items[i];
      const char *cpath = jstr (im, "Config");
      const struct json_value *layers = json_get (im, "Layers");
      const struct json_value *tags = json_get (im, "RepoTags");
      cleanup_free char *cp = cpath ? strip_dot (cpath) : NULL;
      struct member *cm = cp ? find_member (mem, nm, cp, 0) : NULL;
      if (cm == NULL || layers == NULL || layers->type != JSON_ARRAY)
        {
          rc = tong_err_set (err, 0, "import %s: image %zu: config or layers missing", file, i);
          break;
        }
      /* The config: its DiffIDs must be the layers' digests.  */
      cleanup_free char *ctext = NULL;
      struct json_value *cfg = NULL;
      int cfd = openat (s->dirfd, cm->tmp, O_RDONLY | O_CLOEXEC);
      if (cfd < 0 || read_fd (cfd, &ctext, NULL, err) < 0
          || json_parse (ctext, strlen (ctext), &cfg, err) < 0)
        {
          if (cfd >= 0)
            close (cfd);
          rc = tong_err_wrap (err, "import %s: config", file);
          break;
        }
      close (cfd);
      const struct json_value *diffs = json_get (json_get (cfg, "rootfs"), "diff_ids");
      struct json_writer *w = json_writer_new (false);
      json_w_obj_begin (w);
      json_w_key (w, "schemaVersion");
      json_w_int (w, 2);
      json_w_key (w, "mediaType");
      json_w_str (w, MT_OCI_MANIFEST);
      json_w_key (w, "config");
      json_w_obj_begin (w);
      json_w_key (w, "mediaType");
      json_w_str (w, MT_OCI_CONFIG);
      json_w_key (w, "digest");
      json_w_str (w, cm->digest);
      json_w_key (w, "size");
      json_w_int (w, cm->size);
      json_w_obj_end (w);
      json_w_key (w, "layers");
      json_w_arr_begin (w);
      if (diffs == NULL || diffs->type != JSON_ARRAY || diffs->u.array.len != layers->u.array.len)
        rc = tong_err_set (err, 0, "import %s: the config's diff_ids do not match the %zu layers",
                           file, layers->u.array.len);
      for (size_t k = 0; rc == 0 && k < layers->u.array.len; k++)
        {
          const struct json_value *lp = layers->u.array.items[k];
          cleanup_free char *p = lp->type == JSON_STRING ? strip_dot (lp->u.string) : NULL;
          struct member *lm = p ? find_member (mem, nm, p, 0) : NULL;
          const struct json_value *dv = diffs->u.array.items[k];
          if (lm == NULL)
            rc = tong_err_set (err, 0, "import %s: layer %s missing", file, p ? p : "?");
          else if (dv->type != JSON_STRING || strcmp (dv->u.string, lm->digest) != 0)
            rc = tong_err_set (err, 0,
                               "import %s: layer %s: DiffID mismatch: the config says %s, its "
                               "content hashes to %s",
                               file, p, dv->type == JSON_STRING ? dv->u.string : "?", lm->digest);
          if (rc < 0)
            break;
          json_w_obj_begin (w);
          json_w_key (w, "mediaType");
          json_w_str (w, "application/vnd.oci.image.layer.v1.tar");
          json_w_key (w, "digest");
          json_w_str (w, lm->digest);
          json_w_key (w, "size");
          json_w_int (w, lm->size);
          json_w_obj_end (w);
        }
      json_w_arr_end (w);
      json_w_obj_end (w);
      cleanup_free char *mtext = json_writer_finish (w);
      char mdigest[DIGEST_STR_LEN];
      /* Commit what this image uses (a member may serve several: commit once).  */
      for (size_t k = 0; rc == 0 && k < nm; k++)
        {
          bool used = &mem[k] == cm;
          for (size_t j = 0; !used && j < layers->u.array.len; j++)
            {
              const struct json_value *lp = layers->u.array.items[j];
              cleanup_free char *p = strip_dot (lp->u.string);
              used = find_member (mem, nm, p, 0) == &mem[k];
            }
          if (!used || mem[k].tmp[0] == '\0')
            continue;
          if (store_has_blob (s, mem[k].digest, mem[k].size))
            store_ingest_abort (s, mem[k].tmp);
          else if (store_ingest_commit (s, mem[k].tmp, mem[k].digest, err) < 0)
            rc = -1;
          mem[k].tmp[0] = '\0';
        }
      if (rc == 0
          && (mtext == NULL || sha256_buf (mtext, strlen (mtext), mdigest, err) < 0
              || store_put_blob (s, mdigest, mtext, strlen (mtext), err) < 0))
        rc = -1;
      size_t ntags = tags && tags->type == JSON_ARRAY ? tags->u.array.len : 0;
      if (rc == 0 && ref == NULL && ntags == 0)
        rc = tong_err_set (err, 0, "import %s: image %zu has no RepoTags: give a REF", file, i);
      for (size_t t = 0; rc == 0 && t < (ref ? 1 : ntags); t++)
        {
          const char *tn = ref ? ref
                               : (tags->u.array.items[t]->type == JSON_STRING
                                      ? tags->u.array.items[t]->u.string
                                      : "");
          cleanup_free char *name = image_canonical_name (tn, err);
          struct store_new_entry add = { .name = name,
                                         .media_type = MT_OCI_MANIFEST,
                                         .digest = mdigest,
                                         .size = (int64_t)strlen (mtext),
                                         .os = jstr (cfg, "os"),
                                         .arch = jstr (cfg, "architecture"),
                                         .variant = jstr (cfg, "variant") };
          if (name == NULL || store_update_index (s, name, &add, err) < 0)
            rc = -1;
          else
            printf ("Loaded image: %s\n", name);
        }
      json_free (cfg);
    }
  json_free (doc);
  for (size_t k = 0; k < nm; k++)
    {
      if (mem[k].tmp[0])
        store_ingest_abort (s, mem[k].tmp);
      free (mem[k].path);
      free (mem[k].link);
    }
  free (mem);
  return rc;
}

int
image_import (struct store *s, const char *src, const char *ref, struct tong_err *err)
{
  struct stat st;
  cleanup_free char *path = strdup (src);
  char *tag = NULL;
  if (path == NULL)
    return tong_err_set (err, ENOMEM, "import");
  /* DIR:TAG picks one image of a layout (as skopeo's oci:DIR:TAG).  */
  if (stat (path, &st) < 0)
    {
      char *colon = strchr (path, ':');
      if (colon)
        {
          *colon = '\0';
          tag = colon + 1;
        }
      if (stat (path, &st) < 0)
        return tong_err_set (err, errno, "import %s", src);
    }
  cleanup_free char *check = ref ? image_canonical_name (ref, err) : NULL;
  if (ref && check == NULL)
    return -1;
  if (S_ISDIR (st.st_mode))
    {
      cleanup_free char *layout = NULL;
      if (asprintf (&layout, "%s/oci-layout", path) < 0)
        return tong_err_set (err, ENOMEM, "import");
      if (access (layout, R_OK) < 0)
        return tong_err_set (err, 0, "import %s: not an OCI image layout (no oci-layout file)",
                             path);
      return import_layout (s, path, tag, ref, err);
    }
  if (tag)
    return tong_err_set (err, 0, "import %s: `:TAG` only selects from an OCI layout", src);
  return import_archive (s, path, ref, err);
}
