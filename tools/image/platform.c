/* Platforms, media types and reading images back from the store.  */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "cleanup.h"
#include "ref.h"
#include "registry.h"

const char *
jstr (const struct json_value *o, const char *key)
{
  const struct json_value *v = json_get (o, key);
  return v && v->type == JSON_STRING ? v->u.string : NULL;
}

int64_t
jint (const struct json_value *o, const char *key, int64_t dflt)
{
  const struct json_value *v = json_get (o, key);
  int64_t n;
  if (v == NULL || json_as_int64 (v, &n, NULL) < 0)
    return dflt;
  return n;
}

void
platform_host (struct platform *p)
{
  struct utsname u;
  static const struct
  {
    const char *machine, *arch, *variant;
  } map[] = {
    { "x86_64", "amd64", "" },
    { "aarch64", "arm64", "" },
    { "armv7l", "arm", "v7" },
    { "armv6l", "arm", "v6" },
    { "i686", "386", "" },
    { "i386", "386", "" },
    { "ppc64le", "ppc64le", "" },
    { "s390x", "s390x", "" },
    { "riscv64", "riscv64", "" },
    { "mips64", "mips64", "" },
    { "loongarch64", "loong64", "" },
  };
  memset (p, 0, sizeof *p);
  strcpy (p->os, "linux");
  uname (&u);
  snprintf (p->arch, sizeof p->arch, "%.31s", u.machine);
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp (u.machine, map[i].machine) == 0)
      {
        snprintf (p->arch, sizeof p->arch, "%s", map[i].arch);
        snprintf (p->variant, sizeof p->variant, "%s", map[i].variant);
      }
}

int
platform_parse (const char *s, struct platform *p, struct tong_err *err)
{
  memset (p, 0, sizeof *p);
  char os[64] = "", arch[64] = "", variant[64] = "", extra[8] = "";
  int n = sscanf (s, "%63[^/]/%63[^/]/%63[^/]/%7s", os, arch, variant, extra);
  if (n < 2 || n > 3 || strlen (os) >= sizeof p->os || strlen (arch) >= sizeof p->arch
      || strlen (variant) >= sizeof p->variant)
    return tong_err_set (err, 0, "invalid platform `%s` (want os/arch[/variant])", s);
  strcpy (p->os, os);
  strcpy (p->arch, arch);
  strcpy (p->variant, variant);
  return 0;
}

const char *
platform_string (const struct platform *p, char *buf, size_t len)
{
  snprintf (buf, len, "%s/%s%s%s", p->os, p->arch, p->variant[0] ? "/" : "", p->variant);
  return buf;
}

bool
platform_match (const struct json_value *plat, const struct platform *want)
{
  const char *os = jstr (plat, "os"), *arch = jstr (plat, "architecture");
  const char *variant = jstr (plat, "variant");
  if (os == NULL || arch == NULL || strcmp (os, want->os) != 0 || strcmp (arch, want->arch) != 0)
    return false;
  if (want->variant[0] == '\0')
    return true;
  /* arm64 without a variant is v8.  */
  if (variant == NULL && strcmp (want->arch, "arm64") == 0)
    variant = "v8";
  return variant && strcmp (variant, want->variant) == 0;
}

const struct json_value *
index_select (const struct json_value *index, const struct platform *want)
{
  const struct json_value *m = json_get (index, "manifests");
  for (size_t i = 0; m && m->type == JSON_ARRAY && i < m->u.array.len; i++)
    {
      const struct json_value *d = m->u.array.items[i];
      if (media_is_manifest (jstr (d, "mediaType"))
          && platform_match (json_get (d, "platform"), want))
        return d;
    }
  return NULL;
}

bool
media_is_index (const char *mt)
{
  return mt && (strcmp (mt, MT_OCI_INDEX) == 0 || strcmp (mt, MT_DOCKER_LIST) == 0);
}

bool
media_is_manifest (const char *mt)
{
  return mt && (strcmp (mt, MT_OCI_MANIFEST) == 0 || strcmp (mt, MT_DOCKER_MANIFEST) == 0);
}

int
media_check_layer (const char *mt, struct tong_err *err)
{
  static const char *const ok[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  };
  for (size_t i = 0; mt && i < sizeof ok / sizeof ok[0]; i++)
    if (strcmp (mt, ok[i]) == 0)
      return 0;
  return tong_err_set (err, 0, "unsupported layer media type `%s`", mt ? mt : "(none)");
}

const char *
manifest_media_type (const char *content_type, const struct json_value *doc)
{
  const char *mt = jstr (doc, "mediaType");
  if (content_type && *content_type && strcmp (content_type, "application/json") != 0
      && strcmp (content_type, "text/plain") != 0
      && strcmp (content_type, "application/octet-stream") != 0)
    return content_type;
  if (mt)
    return mt;
  /* An OCI manifest may omit mediaType: tell them apart by their members.  */
  if (json_get (doc, "manifests"))
    return MT_OCI_INDEX;
  if (json_get (doc, "config") && json_get (doc, "layers"))
    return MT_OCI_MANIFEST;
  if (jint (doc, "schemaVersion", 0) == 1)
    return MT_DOCKER_SCHEMA1;
  return content_type ? content_type : "";
}

char *
image_canonical_name (const char *ref, struct tong_err *err)
{
  struct image_ref r;
  if (image_ref_parse (ref, image_default_registry (), &r, err) < 0)
    return NULL;
  char *name = image_ref_store_name (&r);
  image_ref_free (&r);
  if (name == NULL)
    tong_err_set (err, ENOMEM, "reference");
  return name;
}

void
image_free (struct image *img)
{
  free (img->name);
  free (img->digest);
  free (img->manifest_digest);
  free (img->config_digest);
  json_free (img->manifest);
  json_free (img->config);
  memset (img, 0, sizeof *img);
}

static int
load_json_blob (struct store *s, const char *digest, struct json_value **out, struct tong_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (store_blob_read (s, digest, &text, &len, err) < 0)
    return -1;
  if (json_parse (text, len, out, err) < 0)
    return tong_err_wrap (err, "blob %s", digest);
  return 0;
}

/* True when Q names D: the full digest, or 12+ hex digits it starts with.  */
static bool
digest_matches (const char *q, const char *d)
{
  if (d == NULL)
    return false;
  if (strcmp (q, d) == 0)
    return true;
  if (strncmp (q, "sha256:", 7) == 0)
    q += 7;
  size_t n = strlen (q);
  if (n < 12 || n > 64 || strspn (q, "0123456789abcdef") != n)
    return false;
  return strncmp (d + 7, q, n) == 0;
}

static int
resolve_manifest (struct store *s, struct image *img, const char *digest, const char *mt,
                  const struct platform *want, struct tong_err *err)
{
  struct json_value *doc = NULL;
  if (load_json_blob (s, digest, &doc, err) < 0)
    return -1;
  mt = manifest_media_type (mt, doc);
  if (media_is_index (mt))
    {
      char pbuf[128];
      const struct json_value *d = index_select (doc, want);
      if (d == NULL)
        {
          json_free (doc);
          return tong_err_set (err, 0, "%s: no manifest for platform %s",
                               img->name ? img->name : digest,
                               platform_string (want, pbuf, sizeof pbuf));
        }
      const char *md = jstr (d, "digest");
      if (md == NULL || !store_has_blob (s, md, -1))
        {
          json_free (doc);
          return tong_err_set (
              err, 0,
              "%s: the manifest for platform %s is not in the store (pull it with --platform)",
              img->name ? img->name : digest, platform_string (want, pbuf, sizeof pbuf));
        }
      cleanup_free char *mdc = strdup (md);
      cleanup_free char *mtc = jstr (d, "mediaType") ? strdup (jstr (d, "mediaType")) : NULL;
      json_free (doc);
      return resolve_manifest (s, img, mdc, mtc, want, err);
    }
  if (!media_is_manifest (mt))
    {
      json_free (doc);
      return tong_err_set (err, 0, "unsupported manifest media type `%s`", mt);
    }
  img->manifest = doc;
  img->manifest_digest = strdup (digest);
  const char *cd = jstr (json_get (doc, "config"), "digest");
  if (cd == NULL)
    return tong_err_set (err, 0, "manifest %s has no config", digest);
  img->config_digest = strdup (cd);
  return load_json_blob (s, cd, &img->config, err);
}

int
image_find (struct store *s, const char *ref, const struct platform *platform, struct image *img,
            struct tong_err *err)
{
  struct platform host;
  memset (img, 0, sizeof *img);
  if (platform == NULL)
    {
      platform_host (&host);
      platform = &host;
    }
  struct store_entry *e = NULL;
  size_t n = 0;
  if (store_entries (s, &e, &n, err) < 0)
    return -1;
  const struct store_entry *found = NULL;
  struct tong_err perr;
  cleanup_free char *name = image_canonical_name (ref, &perr);
  for (size_t i = 0; name && i < n && !found; i++)
    if (e[i].name && strcmp (e[i].name, name) == 0)
      found = &e[i];
  /* By digest or image ID: the first entry whose manifest or config it names.  */
  for (size_t i = 0; i < n && !found; i++)
    if (digest_matches (ref, e[i].digest))
      found = &e[i];
  for (size_t i = 0; i < n && !found; i++)
    {
      struct image tmp = { 0 };
      if (resolve_manifest (s, &tmp, e[i].digest, e[i].media_type, platform, NULL) == 0
          && digest_matches (ref, tmp.config_digest))
        found = &e[i];
      image_free (&tmp);
    }
  if (found == NULL)
    {
      free (e);
      return tong_err_set (err, 0, "%s: no such image in the store", ref);
    }
  img->name = found->name ? strdup (found->name) : NULL;
  img->digest = strdup (found->digest);
  const char *mt = found->media_type;
  free (e);
  if (resolve_manifest (s, img, img->digest, mt, platform, err) < 0)
    {
      tong_err_wrap (err, "%s", ref);
      image_free (img);
      return -1;
    }
  img->manifest_size = -1;
  return 0;
}
