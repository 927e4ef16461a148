/* pull: manifest (resolved through an index to one platform), config, then
   the layers the store does not have yet; index.json is written last, so an
   interrupted pull leaves at most unreferenced whole blobs.  */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cleanup.h"
#include "digest.h"
#include "ref.h"
#include "registry.h"

struct progress
{
  bool tty, quiet;
  size_t n;    /* layers shown.  */
  size_t line; /* this layer's line (tty).  */
  char id[16];
  uint64_t last_shown;
};

static void
layer_line (struct progress *p, size_t line, const char *id, const char *text)
{
  if (p->quiet)
    return;
  if (p->tty)
    {
      size_t up = p->n - line;
      /* Up to the layer's line, rewrite it, and back down.  */
      if (up)
        fprintf (stdout, "\033[%zuA", up);
      fprintf (stdout, "\r\033[2K%s: %s\r", id, text);
      if (up)
        fprintf (stdout, "\033[%zuB", up);
      fflush (stdout);
    }
  else
    printf ("%s: %s\n", id, text);
}

static void
human (uint64_t n, char *buf, size_t len)
{
  if (n >= 1000 * 1000 * 1000)
    snprintf (buf, len, "%.2fGB", n / 1e9);
  else if (n >= 1000 * 1000)
    snprintf (buf, len, "%.2fMB", n / 1e6);
  else if (n >= 1000)
    snprintf (buf, len, "%.2fkB", n / 1e3);
  else
    snprintf (buf, len, "%lluB", (unsigned long long)n);
}

static void
on_progress (void *data, uint64_t done, uint64_t total)
{
  struct progress *p = data;
  if (!p->tty || p->quiet || (done - p->last_shown < 65536 && done != total))
    return;
  p->last_shown = done;
  char bar[52], a[32], b[32], text[160];
  int width = 50, fill = total ? (int)(done * width / total) : 0;
  for (int i = 0; i < width; i++)
    bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
  bar[width] = '\0';
  human (done, a, sizeof a);
  human (total, b, sizeof b);
  snprintf (text, sizeof text, "Downloading [%s] %s/%s", bar, a, b);
  layer_line (p, p->line, p->id, text);
}

static int
fetch_layer (struct store *s, struct registry *r, const char *digest, int64_t size,
             struct progress *p, struct tong_err *err)
{
  char name[64] = "";
  cleanup_close int fd = store_ingest_create (s, name, err);
  if (fd < 0)
    return -1;
  p->last_shown = 0;
  if (registry_get_blob (r, digest, size, fd, on_progress, p, err) < 0)
    {
      store_ingest_abort (s, name);
      return -1;
    }
  return store_ingest_commit (s, name, digest, err);
}

static int
check_manifest (const struct json_value *m, const char *ref, struct tong_err *err)
{
  const struct json_value *cfg = json_get (m, "config");
  const struct json_value *layers = json_get (m, "layers");
  const char *cmt = jstr (cfg, "mediaType");
  if (!image_digest_valid (jstr (cfg, "digest")))
    return tong_err_set (err, 0, "%s: the manifest's config has no sha256 digest", ref);
  if (cmt == NULL || (strcmp (cmt, MT_OCI_CONFIG) != 0 && strcmp (cmt, MT_DOCKER_CONFIG) != 0))
    return tong_err_set (err, 0, "%s: unsupported config media type `%s` (not a container image)",
                         ref, cmt ? cmt : "(none)");
  if (layers == NULL || layers->type != JSON_ARRAY)
    return tong_err_set (err, 0, "%s: the manifest has no layers", ref);
  for (size_t i = 0; i < layers->u.array.len; i++)
    {
      const struct json_value *l = layers->u.array.items[i];
      if (media_check_layer (jstr (l, "mediaType"), err) < 0)
        return tong_err_wrap (err, "%s: layer %zu", ref, i);
      if (!image_digest_valid (jstr (l, "digest")))
        return tong_err_set (err, 0, "%s: layer %zu has no sha256 digest", ref, i);
    }
  return 0;
}

int
image_pull (struct store *s, const char *refstr, const struct pull_opts *o, struct tong_err *err)
{
  struct image_ref ref;
  struct platform want;
  char pbuf[128];
  if (image_ref_parse (refstr, image_default_registry (), &ref, err) < 0)
    return -1;
  cleanup_free char *name = image_ref_store_name (&ref);
  cleanup_free char *full = image_ref_string (&ref);
  if (o->platform ? platform_parse (o->platform, &want, err) < 0 : (platform_host (&want), 0))
    {
      image_ref_free (&ref);
      return -1;
    }
  struct registry_opts ro = { .insecure = o->insecure, .authfile = o->authfile };
  struct registry *r = NULL;
  if (registry_open (&ref, &ro, &r, err) < 0)
    {
      image_ref_free (&ref);
      return -1;
    }
  struct progress prog = { .tty = isatty (STDOUT_FILENO) == 1, .quiet = o->quiet };
  cleanup_free char *body = NULL, *ctype = NULL;
  cleanup_free char *index_body = NULL;
  size_t len = 0, index_len = 0;
  struct json_value *doc = NULL, *index_doc = NULL;
  char top_digest[DIGEST_STR_LEN], mdigest[DIGEST_STR_LEN];
  const char *mt;
  int rc = -1;

  if (!o->quiet)
    printf ("%s: Pulling from %s\n", ref.tag ? ref.tag : ref.digest, ref.repo);
  if (registry_get_manifest (r, ref.digest ? ref.digest : ref.tag, ref.digest, &body, &len, &ctype,
                             err)
      < 0)
    goto out;
  if (sha256_buf (body, len, top_digest, err) < 0)
    goto out;
  if (json_parse (body, len, &doc, err) < 0)
    {
      tong_err_wrap (err, "%s: manifest", full);
      goto out;
    }
  mt = manifest_media_type (ctype, doc);
  strcpy (mdigest, top_digest);
  if (media_is_index (mt))
    {
      const struct json_value *d = index_select (doc, &want);
      if (d == NULL)
        {
          tong_err_set (err, 0, "%s: no manifest for platform %s in the index", full,
                        platform_string (&want, pbuf, sizeof pbuf));
          goto out;
        }
      const char *md = jstr (d, "digest");
      if (!image_digest_valid (md))
        {
          tong_err_set (err, 0, "%s: the index entry for %s has no sha256 digest", full,
                        platform_string (&want, pbuf, sizeof pbuf));
          goto out;
        }
      strcpy (mdigest, md);
      index_body = steal_pointer (&body);
      index_len = len;
      index_doc = doc;
      doc = NULL;
      free (ctype);
      ctype = NULL;
      if (registry_get_manifest (r, mdigest, mdigest, &body, &len, &ctype, err) < 0)
        goto out;
      if (json_parse (body, len, &doc, err) < 0)
        {
          tong_err_wrap (err, "%s: manifest %s", full, mdigest);
          goto out;
        }
      mt = manifest_media_type (ctype, doc);
    }
  if (strcmp (mt, MT_DOCKER_SCHEMA1) == 0 || strcmp (mt, MT_DOCKER_SCHEMA1_SIGNED) == 0)
    {
      tong_err_set (err, 0, "%s: unsupported media type `%s` (Docker schema 1 is refused)", full,
                    mt);
      goto out;
    }
  if (!media_is_manifest (mt))
    {
      tong_err_set (err, 0, "%s: unsupported manifest media type `%s`", full, mt);
      goto out;
    }
  if (check_manifest (doc, full, err) < 0)
    goto out;

  const struct json_value *cfg = json_get (doc, "config");
  const char *cdigest = jstr (cfg, "digest");
  int64_t csize = jint (cfg, "size", -1);
  if (!store_has_blob (s, cdigest, csize))
    {
      cleanup_free char *cbody = NULL;
      size_t clen;
      if (registry_get_blob_mem (r, cdigest, csize, &cbody, &clen, err) < 0
          || store_put_blob (s, cdigest, cbody, clen, err) < 0)
        goto out;
    }
  /* The platform from the config, for index.json's descriptor.  */
  struct json_value *cdoc = NULL;
  {
    cleanup_free char *ctext = NULL;
    size_t ctlen;
    if (store_blob_read (s, cdigest, &ctext, &ctlen, err) < 0
        || json_parse (ctext, ctlen, &cdoc, err) < 0)
      {
        tong_err_wrap (err, "%s: config", full);
        goto out;
      }
  }
  const struct json_value *layers = json_get (doc, "layers");
  size_t nl = layers->u.array.len;
  bool downloaded = false;
  if (prog.tty && !prog.quiet)
    {
      for (size_t i = 0; i < nl; i++)
        printf ("%.12s: %s\n", jstr (layers->u.array.items[i], "digest") + 7, "Waiting");
      prog.n = nl;
    }
  for (size_t i = 0; i < nl; i++)
    {
      const struct json_value *l = layers->u.array.items[i];
      const char *ld = jstr (l, "digest");
      int64_t lsize = jint (l, "size", -1);
      snprintf (prog.id, sizeof prog.id, "%.12s", ld + 7);
      prog.line = i;
      if (store_has_blob (s, ld, lsize))
        {
          layer_line (&prog, i, prog.id, "Already exists");
          continue;
        }
      /* Another pull may be fetching it: wait ("Waiting"), then look again.  */
      int lk = store_blob_lock (s, ld, err);
      if (lk == -1)
        {
          json_free (cdoc);
          goto out;
        }
      if (store_has_blob (s, ld, lsize))
        {
          store_blob_unlock (s, ld, lk);
          layer_line (&prog, i, prog.id, "Already exists");
          continue;
        }
      if (!prog.tty)
        layer_line (&prog, i, prog.id, "Pulling fs layer");
      /* Extracting: the uncompressed size `images` shows, measured now.  */
      uint64_t unpacked;
      int frc = fetch_layer (s, r, ld, lsize, &prog, err);
      if (frc == 0 && prog.tty)
        layer_line (&prog, i, prog.id, "Extracting");
      if (frc == 0)
        frc = layer_unpacked_size (s, ld, &unpacked, err);
      store_blob_unlock (s, ld, lk);
      if (frc < 0)
        {
          json_free (cdoc);
          goto out;
        }
      downloaded = true;
      layer_line (&prog, i, prog.id, "Pull complete");
    }
  if ((index_body && store_put_blob (s, top_digest, index_body, index_len, err) < 0)
      || store_put_blob (s, mdigest, body, len, err) < 0)
    {
      json_free (cdoc);
      goto out;
    }
  /* Was the name already pointing here?  */
  struct store_entry *e = NULL;
  size_t ne = 0;
  bool same = false;
  if (store_entries (s, &e, &ne, err) < 0)
    {
      json_free (cdoc);
      goto out;
    }
  for (size_t i = 0; i < ne; i++)
    same |= e[i].name && strcmp (e[i].name, name) == 0 && strcmp (e[i].digest, mdigest) == 0;
  free (e);
  struct store_new_entry add = {
    .name = name,
    .media_type = strcmp (mt, MT_DOCKER_MANIFEST) == 0 ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST,
    .digest = mdigest,
    .size = len,
    .os = jstr (cdoc, "os"),
    .arch = jstr (cdoc, "architecture"),
    .variant = jstr (cdoc, "variant"),
    .index_digest = index_body ? top_digest : NULL,
  };
  rc = store_update_index (s, name, &add, err);
  json_free (cdoc);
  if (rc < 0)
    goto out;
  if (o->quiet)
    printf ("%s\n", top_digest);
  else
    {
      printf ("Digest: %s\n", top_digest);
      printf ("Status: %s for %s\n",
              downloaded || !same ? "Downloaded newer image" : "Image is up to date", name);
      printf ("%s\n", name);
    }
  rc = 0;
out:
  fflush (stdout);
  json_free (doc);
  json_free (index_doc);
  registry_free (r);
  image_ref_free (&ref);
  return rc;
}
