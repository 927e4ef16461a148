/* images, inspect, rmi, prune, df: reading the store and collecting what no
   name reaches.  */
#include "cmds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cleanup.h"
#include "digest.h"
#include "ref.h"
#include "registry.h"

/* ---- reachability ---------------------------------------------------------- */

struct blobset
{
  char **d;
  int64_t *size;
  size_t n, cap;
};

static bool
bs_has (const struct blobset *b, const char *d)
{
  for (size_t i = 0; i < b->n; i++)
    if (strcmp (b->d[i], d) == 0)
      return true;
  return false;
}

static void
bs_add (struct blobset *b, const char *d, int64_t size)
{
  if (d == NULL || bs_has (b, d))
    return;
  if (b->n == b->cap)
    {
      b->cap = b->cap ? b->cap * 2 : 16;
      b->d = realloc (b->d, b->cap * sizeof (char *));
      b->size = realloc (b->size, b->cap * sizeof (int64_t));
    }
  b->d[b->n] = strdup (d);
  b->size[b->n++] = size;
}

static void
bs_free (struct blobset *b)
{
  for (size_t i = 0; i < b->n; i++)
    free (b->d[i]);
  free (b->d);
  free (b->size);
  memset (b, 0, sizeof *b);
}

/* Every blob DIGEST leads to that the store holds (depth-limited).  */
static void
reach (struct store *s, const char *digest, struct blobset *out, int depth)
{
  if (digest == NULL || depth > 8 || bs_has (out, digest) || !store_has_blob (s, digest, -1))
    return;
  cleanup_free char *text = NULL;
  size_t len;
  struct json_value *doc = NULL;
  struct tong_err err;
  if (store_blob_read (s, digest, &text, &len, &err) < 0)
    return;
  bs_add (out, digest, len);
  if (json_parse (text, len, &doc, NULL) < 0)
    return;
  const struct json_value *m = json_get (doc, "manifests");
  for (size_t i = 0; m && m->type == JSON_ARRAY && i < m->u.array.len; i++)
    reach (s, jstr (m->u.array.items[i], "digest"), out, depth + 1);
  const struct json_value *cfg = json_get (doc, "config");
  if (cfg && jstr (cfg, "digest"))
    bs_add (out, jstr (cfg, "digest"), jint (cfg, "size", 0));
  const struct json_value *l = json_get (doc, "layers");
  for (size_t i = 0; l && l->type == JSON_ARRAY && i < l->u.array.len; i++)
    bs_add (out, jstr (l->u.array.items[i], "digest"), jint (l->u.array.items[i], "size", 0));
  json_free (doc);
}

static void
reach_entry (struct store *s, const struct store_entry *e, struct blobset *out)
{
  reach (s, e->digest, out, 0);
  reach (s, jstr (json_get (e->raw, "annotations"), ANNOT_INDEX_DIGEST), out, 0);
}

/* Remove every blob no index.json entry reaches; prints Deleted lines unless QUIET.  */
static int
collect (struct store *s, bool quiet, uint64_t *freed, size_t *count, struct tong_err *err)
{
  struct store_entry *e = NULL;
  size_t n = 0;
  struct blobset live = { 0 };
  if (store_entries (s, &e, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    reach_entry (s, &e[i], &live);
  free (e);
  cleanup_strv char **all = NULL;
  cleanup_free int64_t *sizes = NULL;
  size_t nb = 0;
  int rc = store_list_blobs (s, &all, &sizes, &nb, err);
  for (size_t i = 0; rc == 0 && i < nb; i++)
    {
      if (bs_has (&live, all[i]))
        continue;
      if (store_blob_remove (s, all[i], err) < 0)
        {
          rc = -1;
          break;
        }
      if (!quiet)
        printf ("Deleted: %s\n", all[i]);
      if (freed)
        *freed += sizes[i];
      if (count)
        (*count)++;
    }
  bs_free (&live);
  return rc;
}

/* ---- formatting ------------------------------------------------------------ */

static void
human_size (uint64_t n, char *buf, size_t len)
{
  if (n >= 1000ULL * 1000 * 1000)
    snprintf (buf, len, "%.3gGB", n / 1e9);
  else if (n >= 1000 * 1000)
    snprintf (buf, len, "%.3gMB", n / 1e6);
  else if (n >= 1000)
    snprintf (buf, len, "%.3gkB", n / 1e3);
  else
    snprintf (buf, len, "%lluB", (unsigned long long)n);
}

static void
human_ago (const char *created, char *buf, size_t len)
{
  struct tm tm = { 0 };
  if (created == NULL || strptime (created, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
    {
      snprintf (buf, len, "N/A");
      return;
    }
  time_t t = timegm (&tm);
  long d = (long)(time (NULL) - t);
  if (d < 0)
    d = 0;
  if (d < 60)
    snprintf (buf, len, "%ld seconds ago", d);
  else if (d < 3600)
    snprintf (buf, len, "%ld minutes ago", d / 60);
  else if (d < 2 * 86400)
    snprintf (buf, len, "%ld hours ago", d / 3600);
  else if (d < 60 * 86400)
    snprintf (buf, len, "%ld days ago", d / 86400);
  else if (d < 730 * 86400)
    snprintf (buf, len, "%ld months ago", d / (30 * 86400));
  else
    snprintf (buf, len, "%ld years ago", d / (365 * 86400));
}

/* "docker.io/library/busybox:1" -> repository "busybox", tag "1" (as docker shows).  */
static void
split_name (const char *name, char *repo, size_t rlen, char *tag, size_t tlen)
{
  if (name == NULL)
    {
      snprintf (repo, rlen, "<none>");
      snprintf (tag, tlen, "<none>");
      return;
    }
  const char *n = name;
  if (strncmp (n, "docker.io/library/", 18) == 0)
    n += 18;
  else if (strncmp (n, "docker.io/", 10) == 0)
    n += 10;
  const char *at = strchr (n, '@');
  const char *slash = strrchr (n, '/');
  const char *colon = strrchr (slash ? slash : n, ':');
  if (at)
    {
      snprintf (repo, rlen, "%.*s", (int)(at - n), n);
      snprintf (tag, tlen, "<none>");
    }
  else if (colon)
    {
      snprintf (repo, rlen, "%.*s", (int)(colon - n), n);
      snprintf (tag, tlen, "%s", colon + 1);
    }
  else
    {
      snprintf (repo, rlen, "%s", n);
      snprintf (tag, tlen, "<none>");
    }
}

/* The digest a pull by name resolves to: the index's, when chosen from one.  */
static const char *
repo_digest (const struct store_entry *e)
{
  const char *idx = jstr (json_get (e->raw, "annotations"), ANNOT_INDEX_DIGEST);
  return idx ? idx : e->digest;
}

int
cmd_images (struct store *s, bool digests, bool quiet, bool json, struct tong_err *err)
{
  struct store_entry *e = NULL;
  size_t n = 0;
  if (store_entries (s, &e, &n, err) < 0)
    return -1;
  struct json_writer *w = json ? json_writer_new (true) : NULL;
  if (w)
    json_w_arr_begin (w);
  else if (!quiet)
    printf (digests ? "%-40s %-16s %-72s %-13s %-16s %s\n" : "%-40s %-16s %s%-13s %-16s %s\n",
            "REPOSITORY", "TAG", digests ? "DIGEST" : "", "IMAGE ID", "CREATED", "SIZE");
  struct blobset seen_ids = { 0 };
  for (size_t i = 0; i < n; i++)
    {
      struct image img = { 0 };
      struct tong_err ierr;
      char repo[512], tag[256], size[32], ago[64];
      if (image_find (s, e[i].digest, NULL, &img, &ierr) < 0)
        {
          /* Another platform only, or blobs missing: still list the name.  */
          img.config_digest = strdup ("sha256:????????????");
        }
      split_name (e[i].name, repo, sizeof repo, tag, sizeof tag);
      human_size (image_unpacked_size (s, img.manifest), size, sizeof size);
      const char *created = jstr (img.config, "created");
      human_ago (created, ago, sizeof ago);
      if (w)
        {
          json_w_obj_begin (w);
          json_w_key (w, "name");
          json_w_str (w, e[i].name);
          json_w_key (w, "repository");
          json_w_str (w, repo);
          json_w_key (w, "tag");
          json_w_str (w, tag);
          json_w_key (w, "digest");
          json_w_str (w, repo_digest (&e[i]));
          json_w_key (w, "manifest");
          json_w_str (w, e[i].digest);
          json_w_key (w, "id");
          json_w_str (w, img.config_digest);
          json_w_key (w, "created");
          json_w_str (w, created);
          json_w_key (w, "size");
          json_w_uint (w, image_unpacked_size (s, img.manifest));
          json_w_key (w, "compressedSize");
          json_w_uint (w, image_compressed_size (img.manifest));
          json_w_obj_end (w);
        }
      else if (quiet)
        {
          if (!bs_has (&seen_ids, img.config_digest))
            printf ("%.12s\n", img.config_digest + 7);
          bs_add (&seen_ids, img.config_digest, 0);
        }
      else if (digests)
        printf ("%-40s %-16s %-72s %-13.12s %-16s %s\n", repo, tag, repo_digest (&e[i]),
                img.config_digest + 7, ago, size);
      else
        printf ("%-40s %-16s %-13.12s %-16s %s\n", repo, tag, img.config_digest + 7, ago, size);
      image_free (&img);
    }
  bs_free (&seen_ids);
  free (e);
  if (w)
    {
      json_w_arr_end (w);
      cleanup_free char *text = json_writer_finish (w);
      printf ("%s\n", text ? text : "[]");
    }
  return 0;
}

int
cmd_inspect (struct store *s, const char *ref, const char *platform, struct tong_err *err)
{
  struct platform want;
  if (platform && platform_parse (platform, &want, err) < 0)
    return -1;
  struct image img;
  if (image_find (s, ref, platform ? &want : NULL, &img, err) < 0)
    return -1;
  struct store_entry *e = NULL;
  size_t n = 0;
  const char *index_digest = NULL;
  if (store_entries (s, &e, &n, err) < 0)
    {
      image_free (&img);
      return -1;
    }
  for (size_t i = 0; i < n; i++)
    if (strcmp (e[i].digest, img.digest) == 0
        && (!img.name || (e[i].name && strcmp (e[i].name, img.name) == 0)))
      index_digest = jstr (json_get (e[i].raw, "annotations"), ANNOT_INDEX_DIGEST);
  struct json_writer *w = json_writer_new (true);
  json_w_obj_begin (w);
  json_w_key (w, "Name");
  json_w_str (w, img.name);
  json_w_key (w, "Id");
  json_w_str (w, img.config_digest);
  json_w_key (w, "Digest");
  json_w_str (w, index_digest ? index_digest : img.digest);
  json_w_key (w, "ManifestDigest");
  json_w_str (w, img.manifest_digest);
  json_w_key (w, "Size");
  json_w_uint (w, image_unpacked_size (s, img.manifest));
  json_w_key (w, "CompressedSize");
  json_w_uint (w, image_compressed_size (img.manifest));
  json_w_key (w, "Platforms");
  json_w_arr_begin (w);
  struct json_value *idx = NULL;
  cleanup_free char *itext = NULL;
  size_t ilen;
  const char *top = index_digest ? index_digest : img.digest;
  if (store_blob_read (s, top, &itext, &ilen, NULL) == 0
      && json_parse (itext, ilen, &idx, NULL) == 0 && json_get (idx, "manifests"))
    {
      const struct json_value *m = json_get (idx, "manifests");
      for (size_t i = 0; m->type == JSON_ARRAY && i < m->u.array.len; i++)
        {
          const struct json_value *p = json_get (m->u.array.items[i], "platform");
          if (p == NULL)
            continue;
          struct platform pl = { 0 };
          snprintf (pl.os, sizeof pl.os, "%s", jstr (p, "os") ? jstr (p, "os") : "");
          snprintf (pl.arch, sizeof pl.arch, "%s",
                    jstr (p, "architecture") ? jstr (p, "architecture") : "");
          snprintf (pl.variant, sizeof pl.variant, "%s",
                    jstr (p, "variant") ? jstr (p, "variant") : "");
          char buf[128];
          json_w_str (w, platform_string (&pl, buf, sizeof buf));
        }
    }
  else
    {
      struct platform pl = { 0 };
      const char *os = jstr (img.config, "os"), *arch = jstr (img.config, "architecture");
      const char *var = jstr (img.config, "variant");
      snprintf (pl.os, sizeof pl.os, "%s", os ? os : "");
      snprintf (pl.arch, sizeof pl.arch, "%s", arch ? arch : "");
      snprintf (pl.variant, sizeof pl.variant, "%s", var ? var : "");
      char buf[128];
      json_w_str (w, platform_string (&pl, buf, sizeof buf));
    }
  json_free (idx);
  json_w_arr_end (w);
  json_w_key (w, "Manifest");
  json_w_value (w, img.manifest);
  json_w_key (w, "Config");
  json_w_value (w, img.config);
  json_w_obj_end (w);
  free (e);
  cleanup_free char *text = json_writer_finish (w);
  printf ("%s\n", text ? text : "");
  image_free (&img);
  return 0;
}

int
cmd_rmi (struct store *s, char **refs, int n, struct tong_err *err)
{
  for (int k = 0; k < n; k++)
    {
      struct store_entry *e = NULL;
      size_t ne = 0;
      if (store_entries (s, &e, &ne, err) < 0)
        return -1;
      cleanup_free char *name = image_canonical_name (refs[k], NULL);
      bool by_name = false;
      for (size_t i = 0; name && i < ne; i++)
        by_name |= e[i].name && strcmp (e[i].name, name) == 0;
      if (by_name)
        {
          free (e);
          if (store_update_index (s, name, NULL, err) < 0)
            return -1;
          printf ("Untagged: %s\n", name);
          continue;
        }
      /* By ID or digest: every name of that image.  */
      struct image img;
      if (image_find (s, refs[k], NULL, &img, err) < 0)
        {
          free (e);
          return -1;
        }
      cleanup_strv char **drop = calloc (ne + 1, sizeof (char *));
      size_t nd = 0;
      for (size_t i = 0; drop && i < ne; i++)
        {
          struct image other;
          if (image_find (s, e[i].digest, NULL, &other, NULL) == 0)
            {
              if (strcmp (other.config_digest, img.config_digest) == 0
                  || strcmp (e[i].digest, img.digest) == 0)
                {
                  printf ("Untagged: %s\n", e[i].name ? e[i].name : e[i].digest);
                  drop[nd++] = strdup (e[i].digest);
                }
              image_free (&other);
            }
        }
      image_free (&img);
      free (e);
      if (store_remove_digests (s, (const char *const *)drop, err) < 0)
        return -1;
    }
  return collect (s, false, NULL, NULL, err);
}

int
cmd_prune (struct store *s, struct tong_err *err)
{
  uint64_t freed = 0;
  size_t count = 0;
  if (collect (s, false, &freed, &count, err) < 0)
    return -1;
  char buf[32];
  human_size (freed, buf, sizeof buf);
  printf ("Total reclaimed space: %s\n", buf);
  return 0;
}

int
cmd_df (struct store *s, bool verbose, struct tong_err *err)
{
  struct store_entry *e = NULL;
  size_t n = 0;
  if (store_entries (s, &e, &n, err) < 0)
    return -1;
  struct blobset *per = calloc (n + 1, sizeof *per);
  struct blobset live = { 0 };
  for (size_t i = 0; i < n; i++)
    {
      reach_entry (s, &e[i], &per[i]);
      for (size_t j = 0; j < per[i].n; j++)
        bs_add (&live, per[i].d[j], per[i].size[j]);
    }
  cleanup_strv char **all = NULL;
  cleanup_free int64_t *sizes = NULL;
  size_t nb = 0;
  if (store_list_blobs (s, &all, &sizes, &nb, err) < 0)
    {
      free (e);
      return -1;
    }
  uint64_t total = 0, unused = 0;
  for (size_t i = 0; i < nb; i++)
    {
      total += sizes[i];
      if (!bs_has (&live, all[i]))
        unused += sizes[i];
    }
  char a[32], b[32];
  human_size (total, a, sizeof a);
  human_size (unused, b, sizeof b);
  printf ("%-10s %-8s %-8s %-12s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
  printf ("%-10s %-8zu %-8zu %-12s %s (%zu unreferenced blobs)\n", "Images", n, n, a, b,
          nb - live.n);
  if (verbose)
    {
      printf ("\nImages space usage:\n\n%-40s %-16s %-13s %-10s %-12s %s\n", "REPOSITORY", "TAG",
              "IMAGE ID", "SIZE", "SHARED SIZE", "UNIQUE SIZE");
      for (size_t i = 0; i < n; i++)
        {
          uint64_t sz = 0, shared = 0;
          for (size_t j = 0; j < per[i].n; j++)
            {
              int64_t bsz = -1;
              for (size_t k = 0; k < nb; k++)
                if (strcmp (all[k], per[i].d[j]) == 0)
                  bsz = sizes[k];
              if (bsz < 0)
                continue;
              sz += bsz;
              /* Shared: another name's image reaches it too (not the same digest).  */
              for (size_t o = 0; o < n; o++)
                if (o != i && strcmp (e[o].digest, e[i].digest) != 0
                    && bs_has (&per[o], per[i].d[j]))
                  {
                    shared += bsz;
                    break;
                  }
            }
          struct image img = { 0 };
          char repo[512], tag[256], c[32], d[32], f[32];
          split_name (e[i].name, repo, sizeof repo, tag, sizeof tag);
          if (image_find (s, e[i].digest, NULL, &img, NULL) < 0)
            img.config_digest = strdup ("sha256:????????????");
          human_size (sz, c, sizeof c);
          human_size (shared, d, sizeof d);
          human_size (sz - shared, f, sizeof f);
          printf ("%-40s %-16s %-13.12s %-10s %-12s %s\n", repo, tag, img.config_digest + 7, c, d,
                  f);
          image_free (&img);
        }
    }
  for (size_t i = 0; i < n; i++)
    bs_free (&per[i]);
  free (per);
  bs_free (&live);
  free (e);
  return 0;
}
