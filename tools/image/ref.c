/* Docker's reference grammar (distribution/reference), reimplemented.  */
#include "ref.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cleanup.h"

bool
image_digest_valid (const char *d)
{
  if (d == NULL || strncmp (d, "sha256:", 7) != 0)
    return false;
  d += 7;
  size_t n = 0;
  for (; d[n]; n++)
    if (!isdigit ((unsigned char)d[n]) && !(d[n] >= 'a' && d[n] <= 'f'))
      return false;
  return n == 64;
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [._] | "__" | "-"+  */
static bool
component_valid (const char *s, size_t n)
{
  size_t i = 0;
  if (n == 0)
    return false;
  while (i < n)
    {
      size_t run = 0;
      while (i < n && (islower ((unsigned char)s[i]) || isdigit ((unsigned char)s[i])))
        i++, run++;
      if (run == 0)
        return false;
      if (i == n)
        return true;
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < n && s[i] == '-')
          i++;
      else
        return false;
      if (i == n)
        return false;
    }
  return true;
}

static bool
path_valid (const char *s)
{
  const char *p = s;
  for (;;)
    {
      const char *slash = strchr (p, '/');
      size_t n = slash ? (size_t)(slash - p) : strlen (p);
      if (!component_valid (p, n))
        return false;
      if (!slash)
        return true;
      p = slash + 1;
    }
}

/* tag := [\w][\w.-]{0,127}  */
static bool
tag_valid (const char *t)
{
  size_t n = strlen (t);
  if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
      return false;
  return true;
}

/* host := label (. label)* [:port], or [ipv6]:port.  */
static bool
registry_valid (const char *r)
{
  const char *port = NULL;
  if (r[0] == '[')
    {
      const char *end = strchr (r, ']');
      if (end == NULL || end == r + 1)
        return false;
      for (const char *q = r + 1; q < end; q++)
        if (!isxdigit ((unsigned char)*q) && *q != ':' && *q != '.')
          return false;
      if (end[1] != '\0' && end[1] != ':')
        return false;
      port = end[1] ? end + 1 : NULL;
    }
  else
    {
      port = strchr (r, ':');
      size_t n = port ? (size_t)(port - r) : strlen (r);
      if (n == 0)
        return false;
      for (size_t i = 0; i < n; i++)
        if (!isalnum ((unsigned char)r[i]) && r[i] != '.' && r[i] != '-')
          return false;
      if (r[0] == '-' || r[0] == '.' || r[n - 1] == '-' || r[n - 1] == '.')
        return false;
    }
  if (port)
    {
      port++;
      if (*port == '\0' || strlen (port) > 5)
        return false;
      for (const char *q = port; *q; q++)
        if (!isdigit ((unsigned char)*q))
          return false;
    }
  return true;
}

int
image_ref_parse (const char *s, const char *default_registry, struct image_ref *out,
                 struct tong_err *err)
{
  memset (out, 0, sizeof *out);
  if (default_registry == NULL)
    default_registry = IMAGE_DEFAULT_REGISTRY;
  if (s == NULL || *s == '\0')
    return tong_err_set (err, 0, "invalid reference format: empty");
  if (strlen (s) > 4096)
    return tong_err_set (err, 0, "invalid reference format: too long");
  cleanup_free char *copy = strdup (s);
  if (copy == NULL)
    return tong_err_set (err, ENOMEM, "reference");
  char *at = strchr (copy, '@');
  if (at)
    {
      *at = '\0';
      if (!image_digest_valid (at + 1))
        return tong_err_set (err, 0, "invalid reference format `%s`: bad digest `%s`", s, at + 1);
      out->digest = strdup (at + 1);
    }
  /* The tag is after a ':' that follows the last '/'.  */
  char *slash = strrchr (copy, '/');
  char *colon = strrchr (slash ? slash : copy, ':');
  if (colon)
    {
      *colon = '\0';
      if (!tag_valid (colon + 1))
        {
          image_ref_free (out);
          return tong_err_set (err, 0, "invalid reference format `%s`: bad tag `%s`", s, colon + 1);
        }
      out->tag = strdup (colon + 1);
    }
  char *name = copy;
  char *first = strchr (name, '/');
  const char *registry = default_registry;
  if (first)
    {
      *first = '\0';
      if (strchr (name, '.') || strchr (name, ':') || strcmp (name, "localhost") == 0)
        {
          registry = name;
          name = first + 1;
        }
      else
        *first = '/';
    }
  if (!registry_valid (registry))
    {
      image_ref_free (out);
      return tong_err_set (err, 0, "invalid reference format `%s`: bad registry `%s`", s, registry);
    }
  if (!path_valid (name))
    {
      image_ref_free (out);
      bool upper = false;
      for (const char *q = name; *q; q++)
        upper |= isupper ((unsigned char)*q) != 0;
      return tong_err_set (err, 0, "invalid reference format `%s`%s", s,
                           upper ? ": repository name must be lowercase" : "");
    }
  out->registry = strdup (registry);
  if (strcmp (registry, "docker.io") == 0 && strchr (name, '/') == NULL)
    {
      if (asprintf (&out->repo, "library/%s", name) < 0)
        out->repo = NULL;
    }
  else
    out->repo = strdup (name);
  if (out->tag == NULL && out->digest == NULL)
    out->tag = strdup ("latest");
  if (out->registry == NULL || out->repo == NULL || (out->tag == NULL && out->digest == NULL))
    {
      image_ref_free (out);
      return tong_err_set (err, ENOMEM, "reference");
    }
  return 0;
}

void
image_ref_free (struct image_ref *r)
{
  free (r->registry);
  free (r->repo);
  free (r->tag);
  free (r->digest);
  memset (r, 0, sizeof *r);
}

char *
image_ref_string (const struct image_ref *r)
{
  char *s = NULL;
  if (asprintf (&s, "%s/%s%s%s%s%s", r->registry, r->repo, r->tag ? ":" : "", r->tag ? r->tag : "",
                r->digest ? "@" : "", r->digest ? r->digest : "")
      < 0)
    return NULL;
  return s;
}

char *
image_ref_store_name (const struct image_ref *r)
{
  char *s = NULL;
  if (r->tag)
    {
      if (asprintf (&s, "%s/%s:%s", r->registry, r->repo, r->tag) < 0)
        return NULL;
    }
  else if (asprintf (&s, "%s/%s@%s", r->registry, r->repo, r->digest) < 0)
    return NULL;
  return s;
}

const char *
image_ref_api_host (const struct image_ref *r)
{
  if (strcmp (r->registry, "docker.io") == 0)
    return "registry-1.docker.io";
  return r->registry;
}

bool
image_host_is_loopback (const char *host)
{
  char h[256];
  if (host[0] == '[')
    {
      const char *end = strchr (host, ']');
      if (end == NULL || (size_t)(end - host - 1) >= sizeof h)
        return false;
      memcpy (h, host + 1, end - host - 1);
      h[end - host - 1] = '\0';
      return strcmp (h, "::1") == 0;
    }
  snprintf (h, sizeof h, "%s", host);
  char *colon = strchr (h, ':');
  if (colon)
    *colon = '\0';
  if (strcmp (h, "localhost") == 0)
    return true;
  unsigned a, b, c, d;
  char extra;
  if (sscanf (h, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) == 4)
    return a == 127 && b < 256 && c < 256 && d < 256;
  return false;
}

const char *
image_default_registry (void)
{
  static char *from_file;
  const char *env = getenv ("TONG_IMAGE_REGISTRY");
  if (env && *env)
    return env;
  if (from_file)
    return from_file;
  const char *path = getenv ("TONG_IMAGE_CONFIG");
  if (path == NULL || *path == '\0')
    path = "/etc/tong/image.conf";
  cleanup_fclose FILE *f = fopen (path, "re");
  if (f)
    {
      char line[512];
      while (fgets (line, sizeof line, f))
        {
          char key[64], val[400];
          if (sscanf (line, " %63[a-z-] = %399s", key, val) == 2
              && strcmp (key, "default-registry") == 0)
            {
              from_file = strdup (val);
              break;
            }
        }
    }
  return from_file ? from_file : IMAGE_DEFAULT_REGISTRY;
}
