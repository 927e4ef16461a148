#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"

char *
auth_file_path (const char *file)
{
  char *p = NULL;
  if (file && *file)
    return strdup (file);
  const char *env = getenv ("REGISTRY_AUTH_FILE");
  if (env && *env)
    return strdup (env);
  const char *xdg = getenv ("XDG_CONFIG_HOME");
  if (xdg && *xdg)
    return asprintf (&p, "%s/tong/auth.json", xdg) < 0 ? NULL : p;
  const char *home = getenv ("HOME");
  return asprintf (&p, "%s/.config/tong/auth.json", home && *home ? home : "/root") < 0 ? NULL : p;
}

char *
auth_base64 (const void *data, size_t len)
{
  char *out = malloc (4 * ((len + 2) / 3) + 1);
  if (out)
    EVP_EncodeBlock ((unsigned char *)out, data, len);
  return out;
}

static int
load (const char *file, struct json_value **out, bool missing_ok, struct tong_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  *out = NULL;
  if (read_file (file, &text, &len, err) < 0)
    {
      if (err->errnum == ENOENT && missing_ok)
        return 0;
      return tong_err_wrap (err, "auth file");
    }
  if (json_parse (text, len, out, err) < 0)
    return tong_err_wrap (err, "auth file %s", file);
  if ((*out)->type != JSON_OBJECT)
    {
      json_free (*out);
      *out = NULL;
      return tong_err_set (err, 0, "auth file %s: not a JSON object", file);
    }
  return 0;
}

static const struct json_value *
host_entry (const struct json_value *doc, const char *host)
{
  const struct json_value *auths = json_get (doc, "auths");
  if (auths == NULL || auths->type != JSON_OBJECT)
    return NULL;
  const struct json_value *e = json_get (auths, host);
  if (e == NULL && strcmp (host, "docker.io") == 0)
    {
      e = json_get (auths, "https://index.docker.io/v1/");
      if (e == NULL)
        e = json_get (auths, "registry-1.docker.io");
    }
  return e;
}

int
auth_lookup (const char *file, const char *host, char **user, char **pass, struct tong_err *err)
{
  struct json_value *doc = NULL;
  *user = *pass = NULL;
  if (load (file, &doc, true, err) < 0)
    return -1;
  if (doc == NULL)
    return 0;
  const struct json_value *e = host_entry (doc, host);
  const struct json_value *a = json_get (e, "auth");
  if (a == NULL || a->type != JSON_STRING)
    {
      json_free (doc);
      return 0;
    }
  size_t in = strlen (a->u.string);
  cleanup_free unsigned char *dec = malloc (in / 4 * 3 + 4);
  int n = dec ? EVP_DecodeBlock (dec, (const unsigned char *)a->u.string, in) : -1;
  json_free (doc);
  if (n < 0)
    return tong_err_set (err, 0, "auth file %s: bad base64 for %s", file, host);
  /* EVP_DecodeBlock counts the padding as zero bytes.  */
  while (n > 0 && dec[n - 1] == '\0')
    n--;
  dec[n] = '\0';
  char *colon = strchr ((char *)dec, ':');
  if (colon == NULL)
    return tong_err_set (err, 0, "auth file %s: the entry for %s is not user:password", file, host);
  *colon = '\0';
  *user = strdup ((char *)dec);
  *pass = strdup (colon + 1);
  return 1;
}

/* Rewrite FILE with HOST's entry replaced (AUTH set) or dropped (AUTH NULL),
   keeping every other member.  */
static int
rewrite (const char *file, const char *host, const char *auth, struct tong_err *err)
{
  struct json_value *doc = NULL;
  if (load (file, &doc, true, err) < 0)
    return -1;
  struct json_writer *w = json_writer_new (true);
  json_w_obj_begin (w);
  bool wrote_auths = false;
  for (size_t i = 0; doc && i < doc->u.object.len; i++)
    {
      const char *k = doc->u.object.keys[i];
      const struct json_value *v = doc->u.object.values[i];
      if (strcmp (k, "auths") != 0 || v->type != JSON_OBJECT)
        {
          json_w_key (w, k);
          json_w_value (w, v);
          continue;
        }
      wrote_auths = true;
      json_w_key (w, "auths");
      json_w_obj_begin (w);
      for (size_t j = 0; j < v->u.object.len; j++)
        if (strcmp (v->u.object.keys[j], host) != 0)
          {
            json_w_key (w, v->u.object.keys[j]);
            json_w_value (w, v->u.object.values[j]);
          }
      if (auth)
        {
          json_w_key (w, host);
          json_w_obj_begin (w);
          json_w_key (w, "auth");
          json_w_str (w, auth);
          json_w_obj_end (w);
        }
      json_w_obj_end (w);
    }
  if (!wrote_auths)
    {
      json_w_key (w, "auths");
      json_w_obj_begin (w);
      if (auth)
        {
          json_w_key (w, host);
          json_w_obj_begin (w);
          json_w_key (w, "auth");
          json_w_str (w, auth);
          json_w_obj_end (w);
        }
      json_w_obj_end (w);
    }
  json_w_obj_end (w);
  json_free (doc);
  cleanup_free char *text = json_writer_finish (w);
  if (text == NULL)
    return tong_err_set (err, ENOMEM, "auth file");
  cleanup_free char *dir_copy = strdup (file);
  if (dir_copy == NULL || mkdir_p (dirname (dir_copy), 0700, err) < 0)
    return tong_err_wrap (err, "auth file %s", file);
  cleanup_free char *d2 = strdup (file);
  cleanup_free char *b2 = strdup (file);
  cleanup_close int dfd = open (dirname (d2), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return tong_err_set (err, errno, "auth file %s", file);
  size_t n = strlen (text);
  text[n] = '\n';
  int rc = write_file_atomic_at (dfd, basename (b2), text, n + 1, 0600, err);
  text[n] = '\0';
  return rc < 0 ? tong_err_wrap (err, "auth file %s", file) : 0;
}

int
auth_save (const char *file, const char *host, const char *user, const char *pass,
           struct tong_err *err)
{
  cleanup_free char *plain = NULL;
  if (asprintf (&plain, "%s:%s", user, pass) < 0)
    return tong_err_set (err, ENOMEM, "auth");
  cleanup_free char *b64 = auth_base64 (plain, strlen (plain));
  if (b64 == NULL)
    return tong_err_set (err, ENOMEM, "auth");
  return rewrite (file, host, b64, err);
}

int
auth_remove (const char *file, const char *host, struct tong_err *err)
{
  struct json_value *doc = NULL;
  if (load (file, &doc, true, err) < 0)
    return -1;
  const struct json_value *auths = json_get (doc, "auths");
  bool had = json_get (auths, host) != NULL;
  json_free (doc);
  if (!had)
    return 0;
  return rewrite (file, host, NULL, err) < 0 ? -1 : 1;
}
