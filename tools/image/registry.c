/* The distribution spec over libcurl.  Every request may meet a 401 whose
   WWW-Authenticate challenge (Basic, or Bearer with realm/service/scope) is
   answered once; Bearer tokens are cached until they expire.  Redirects
   (blob storage elsewhere) never carry the Authorization header away.  */
#include "registry.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "auth.h"
#include "cleanup.h"
#include "digest.h"
#include "json.h"

#define MANIFEST_MAX (4 << 20)
#define CONFIG_MAX (16 << 20)

struct registry
{
  CURL *curl;
  char *ref_str;
  char *host;   /* api host[:port].  */
  char *scheme; /* "https" or "http".  */
  char *repo;
  bool insecure, http_ok, scheme_known;
  char *authfile;
  char *user, *pass; /* given, instead of the auth file's.  */
  char *auth_header; /* "Authorization: ..." once a challenge was answered.  */
  time_t token_expiry;
  char *challenge; /* the last WWW-Authenticate, to renew an expired token.  */
};

/* One response: headers of the last hop, and either a memory body or a
   stream into an fd with its digest.  */
struct response
{
  struct registry *r;
  long status;
  char content_type[256];
  char digest[128];
  char www_auth[2048];
  char retry_after[64];
  /* memory sink (always used for error bodies).  */
  char *buf;
  size_t len, max;
  /* fd sink.  */
  int fd;
  struct sha256 sha;
  uint64_t done, total;
  registry_progress_fn progress;
  void *progress_data;
  bool too_big, write_failed;
};

static void
copy_value (char *dst, size_t dlen, const char *v, size_t n)
{
  while (n && isspace ((unsigned char)*v))
    v++, n--;
  while (n && isspace ((unsigned char)v[n - 1]))
    n--;
  if (n >= dlen)
    n = dlen - 1;
  memcpy (dst, v, n);
  dst[n] = '\0';
}

static size_t
on_header (char *line, size_t size, size_t nitems, void *data)
{
  struct response *resp = data;
  size_t n = size * nitems;
  if (n >= 5 && strncmp (line, "HTTP/", 5) == 0)
    {
      /* A new hop (redirect): only the last one's headers count.  */
      resp->content_type[0] = resp->digest[0] = resp->www_auth[0] = resp->retry_after[0] = '\0';
      return n;
    }
  const char *colon = memchr (line, ':', n);
  if (colon == NULL)
    return n;
  size_t klen = colon - line;
  const char *v = colon + 1;
  size_t vlen = n - klen - 1;
  if (klen == 12 && strncasecmp (line, "Content-Type", 12) == 0)
    copy_value (resp->content_type, sizeof resp->content_type, v, vlen);
  else if (klen == 21 && strncasecmp (line, "Docker-Content-Digest", 21) == 0)
    copy_value (resp->digest, sizeof resp->digest, v, vlen);
  else if (klen == 16 && strncasecmp (line, "WWW-Authenticate", 16) == 0)
    copy_value (resp->www_auth, sizeof resp->www_auth, v, vlen);
  else if (klen == 11 && strncasecmp (line, "Retry-After", 11) == 0)
    copy_value (resp->retry_after, sizeof resp->retry_after, v, vlen);
  return n;
}

static size_t
on_body (char *data, size_t size, size_t nitems, void *ud)
{
  struct response *resp = ud;
  size_t n = size * nitems;
  long code = 0;
  curl_easy_getinfo (resp->r->curl, CURLINFO_RESPONSE_CODE, &code);
  if (resp->fd >= 0 && code >= 200 && code < 300)
    {
      if (resp->total && resp->done + n > resp->total)
        {
          resp->too_big = true;
          return 0;
        }
      const char *p = data;
      size_t left = n;
      while (left)
        {
          ssize_t w = write (resp->fd, p, left);
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              resp->write_failed = true;
              return 0;
            }
          p += w;
          left -= w;
        }
      sha256_update (&resp->sha, data, n);
      resp->done += n;
      if (resp->progress)
        resp->progress (resp->progress_data, resp->done, resp->total);
      return n;
    }
  if (resp->len + n > resp->max)
    {
      resp->too_big = true;
      return 0;
    }
  char *nb = realloc (resp->buf, resp->len + n + 1);
  if (nb == NULL)
    return 0;
  resp->buf = nb;
  memcpy (resp->buf + resp->len, data, n);
  resp->len += n;
  resp->buf[resp->len] = '\0';
  return n;
}

/* key="value" pairs of a challenge, after the scheme word.  */
char *
registry_challenge_param (const char *c, const char *key)
{
  size_t klen = strlen (key);
  const char *p = c;
  while (*p && !isspace ((unsigned char)*p))
    p++;
  while (*p)
    {
      while (*p == ',' || isspace ((unsigned char)*p))
        p++;
      const char *k = p;
      while (*p && *p != '=' && *p != ',')
        p++;
      if (*p != '=')
        continue;
      size_t kl = p - k;
      p++;
      char val[1024];
      size_t vl = 0;
      if (*p == '"')
        {
          p++;
          while (*p && *p != '"')
            {
              if (*p == '\\' && p[1])
                p++;
              if (vl + 1 < sizeof val)
                val[vl++] = *p;
              p++;
            }
          if (*p == '"')
            p++;
        }
      else
        while (*p && *p != ',' && !isspace ((unsigned char)*p))
          {
            if (vl + 1 < sizeof val)
              val[vl++] = *p;
            p++;
          }
      val[vl] = '\0';
      if (kl == klen && strncasecmp (k, key, klen) == 0)
        return strdup (val);
    }
  return NULL;
}

static bool
url_http_allowed (struct registry *r, const char *url)
{
  if (strncasecmp (url, "https://", 8) == 0)
    return true;
  if (strncasecmp (url, "http://", 7) != 0)
    return false;
  if (r->insecure)
    return true;
  char host[256];
  const char *h = url + 7;
  size_t n = strcspn (h, "/?#");
  if (n >= sizeof host)
    return false;
  memcpy (host, h, n);
  host[n] = '\0';
  char *at = strrchr (host, '@');
  return image_host_is_loopback (at ? at + 1 : host);
}

static void
setup (struct registry *r, struct response *resp, const char *url, struct curl_slist *hdrs)
{
  CURL *c = r->curl;
  curl_easy_reset (c);
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  /* Redirects are followed by do_get, hop by hop.  */
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt (c, CURLOPT_USERAGENT, "tong-image/" PACKAGE_VERSION);
  /* The CA certificates: OpenSSL's and Go's variables, as skopeo honours them.  */
  const char *ca = getenv ("SSL_CERT_FILE"), *cadir = getenv ("SSL_CERT_DIR");
  if (ca && *ca)
    curl_easy_setopt (c, CURLOPT_CAINFO, ca);
  if (cadir && *cadir)
    curl_easy_setopt (c, CURLOPT_CAPATH, cadir);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, 30L);
  /* A stalled transfer: under 1 byte/s for a minute.  */
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, resp);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, resp);
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt (c, CURLOPT_ACCEPT_ENCODING, NULL);
}

/* The registry's {"errors":[{"code","message"}]} as "CODE: message".  */
static void
registry_error (struct registry *r, struct response *resp, const char *what, struct tong_err *err)
{
  char detail[1024] = "";
  struct json_value *doc = NULL;
  if (resp->buf && json_parse (resp->buf, resp->len, &doc, NULL) == 0)
    {
      const struct json_value *errs = json_get (doc, "errors");
      size_t off = 0;
      for (size_t i = 0; errs && errs->type == JSON_ARRAY && i < errs->u.array.len; i++)
        {
          const struct json_value *code = json_get (errs->u.array.items[i], "code");
          const struct json_value *msg = json_get (errs->u.array.items[i], "message");
          off += snprintf (detail + off, off < sizeof detail ? sizeof detail - off : 0, "%s%s%s%s",
                           i ? "; " : "", code && code->type == JSON_STRING ? code->u.string : "",
                           msg && msg->type == JSON_STRING ? ": " : "",
                           msg && msg->type == JSON_STRING ? msg->u.string : "");
          if (off >= sizeof detail)
            break;
        }
      json_free (doc);
    }
  if (detail[0] == '\0')
    {
      const char *code = resp->status == 401   ? "UNAUTHORIZED"
                         : resp->status == 403 ? "DENIED"
                         : resp->status == 404 ? "NOT_FOUND"
                         : resp->status == 429 ? "TOOMANYREQUESTS"
                                               : "HTTP error";
      snprintf (detail, sizeof detail, "%s", code);
    }
  if (resp->status == 429 && resp->retry_after[0])
    tong_err_set (err, 0, "%s: %s: %s (HTTP %ld, Retry-After %s)", r->ref_str, what, detail,
                  resp->status, resp->retry_after);
  else
    tong_err_set (err, 0, "%s: %s: %s (HTTP %ld)", r->ref_str, what, detail, resp->status);
}

static int answer_challenge (struct registry *r, const char *challenge, struct tong_err *err);

/* The credentials for this registry: given ones, else the auth file's.  */
static int
credentials (struct registry *r, char **user, char **pass, struct tong_err *err)
{
  if (r->user)
    {
      *user = strdup (r->user);
      *pass = strdup (r->pass ? r->pass : "");
      return *user && *pass ? 1 : tong_err_set (err, ENOMEM, "auth");
    }
  return auth_lookup (r->authfile, r->host, user, pass, err);
}

/* "host[:port]" of URL into BUF ("" when it has none).  */
static void
url_authority (const char *url, char *buf, size_t len)
{
  const char *p = strstr (url, "://");
  p = p ? p + 3 : url;
  size_t n = strcspn (p, "/?#");
  const char *at = memchr (p, '@', n);
  if (at)
    {
      n -= at + 1 - p;
      p = at + 1;
    }
  if (n >= len)
    n = len - 1;
  memcpy (buf, p, n);
  buf[n] = '\0';
}

/* One GET of PATH (below /v2/), with a 401 answered once.  Redirects are
   followed here, not by curl, so that each hop is checked: HTTPS, or plain
   HTTP only where it is allowed; the Authorization header only to the
   registry itself.  */
static int
do_get (struct registry *r, const char *path, const char *accept, struct response *resp,
        const char *what, struct tong_err *err)
{
  bool answered = false;
  cleanup_free char *url = NULL;
  if (asprintf (&url, "%s://%s/v2/%s", r->scheme, r->host, path) < 0)
    return tong_err_set (err, ENOMEM, "url");
  for (int hops = 0;; hops++)
    {
      char authority[512];
      url_authority (url, authority, sizeof authority);
      bool home = strcasecmp (authority, r->host) == 0
                  && strncasecmp (url, r->scheme, strlen (r->scheme)) == 0;
      if (home && r->auth_header && r->token_expiry && time (NULL) >= r->token_expiry
          && r->challenge)
        {
          cleanup_free char *c = strdup (r->challenge);
          if (answer_challenge (r, c, err) < 0)
            return -1;
        }
      struct curl_slist *hdrs = NULL;
      if (accept)
        hdrs = curl_slist_append (hdrs, accept);
      if (home && r->auth_header)
        hdrs = curl_slist_append (hdrs, r->auth_header);
      resp->status = 0;
      resp->len = 0;
      if (resp->fd >= 0)
        {
          if (ftruncate (resp->fd, 0) < 0 || lseek (resp->fd, 0, SEEK_SET) < 0)
            {
              curl_slist_free_all (hdrs);
              return tong_err_set (err, errno, "%s: %s: temp file", r->ref_str, what);
            }
          sha256_free (&resp->sha);
          if (sha256_init (&resp->sha, err) < 0)
            {
              curl_slist_free_all (hdrs);
              return -1;
            }
          resp->done = 0;
        }
      setup (r, resp, url, hdrs);
      CURLcode rc = curl_easy_perform (r->curl);
      curl_slist_free_all (hdrs);
      curl_easy_getinfo (r->curl, CURLINFO_RESPONSE_CODE, &resp->status);
      if (resp->write_failed)
        return tong_err_set (err, errno ? errno : EIO, "%s: %s: write to the store", r->ref_str,
                             what);
      if (resp->too_big)
        return tong_err_set (
            err, 0, "%s: %s: size mismatch: the registry sent more than %llu bytes", r->ref_str,
            what, (unsigned long long)(resp->fd >= 0 ? resp->total : resp->max));
      if (rc != CURLE_OK)
        return tong_err_set (err, 0, "%s: %s: %s: %s", r->ref_str, what, url,
                             curl_easy_strerror (rc));
      if (resp->status == 401 && home && !answered && resp->www_auth[0])
        {
          cleanup_free char *c = strdup (resp->www_auth);
          if (answer_challenge (r, c, err) < 0)
            return -1;
          answered = true;
          hops--;
          continue;
        }
      if (resp->status == 301 || resp->status == 302 || resp->status == 303 || resp->status == 307
          || resp->status == 308)
        {
          char *loc = NULL;
          curl_easy_getinfo (r->curl, CURLINFO_REDIRECT_URL, &loc);
          if (loc == NULL || hops >= 10)
            return tong_err_set (err, 0, "%s: %s: %s", r->ref_str, what,
                                 loc ? "too many redirects" : "a redirect without a Location");
          if (!url_http_allowed (r, loc))
            return tong_err_set (
                err, 0, "%s: %s: refusing the redirect to %s (plain HTTP to a remote host)",
                r->ref_str, what, loc);
          char *next = strdup (loc);
          if (next == NULL)
            return tong_err_set (err, ENOMEM, "url");
          free (url);
          url = next;
          continue;
        }
      if (resp->status < 200 || resp->status >= 300)
        {
          registry_error (r, resp, what, err);
          return -1;
        }
      return 0;
    }
}

static int
fetch_token (struct registry *r, const char *challenge, struct tong_err *err)
{
  cleanup_free char *realm = registry_challenge_param (challenge, "realm");
  cleanup_free char *service = registry_challenge_param (challenge, "service");
  cleanup_free char *scope = registry_challenge_param (challenge, "scope");
  if (realm == NULL)
    return tong_err_set (err, 0, "%s: UNAUTHORIZED: a Bearer challenge without a realm",
                         r->ref_str);
  if (!url_http_allowed (r, realm))
    return tong_err_set (err, 0, "%s: refusing the token realm %s (plain HTTP to a remote host)",
                         r->ref_str, realm);
  if (scope == NULL && asprintf (&scope, "repository:%s:pull", r->repo) < 0)
    return tong_err_set (err, ENOMEM, "token");
  cleanup_free char *es = curl_easy_escape (r->curl, service ? service : "", 0);
  cleanup_free char *esc = curl_easy_escape (r->curl, scope, 0);
  cleanup_free char *url = NULL;
  if (asprintf (&url, "%s%s%s%s%sscope=%s", realm, strchr (realm, '?') ? "&" : "?",
                service ? "service=" : "", service ? es : "", service ? "&" : "", esc)
      < 0)
    return tong_err_set (err, ENOMEM, "token");
  cleanup_free char *user = NULL, *pass = NULL;
  if (credentials (r, &user, &pass, err) < 0)
    return -1;
  struct response resp = { .r = r, .fd = -1, .max = 1 << 20 };
  struct curl_slist *hdrs = NULL;
  setup (r, &resp, url, hdrs);
  if (user)
    {
      curl_easy_setopt (r->curl, CURLOPT_USERNAME, user);
      curl_easy_setopt (r->curl, CURLOPT_PASSWORD, pass);
      curl_easy_setopt (r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    }
  CURLcode rc = curl_easy_perform (r->curl);
  curl_easy_getinfo (r->curl, CURLINFO_RESPONSE_CODE, &resp.status);
  if (rc != CURLE_OK)
    {
      free (resp.buf);
      return tong_err_set (err, 0, "%s: token from %s: %s", r->ref_str, realm,
                           curl_easy_strerror (rc));
    }
  if (resp.status != 200)
    {
      registry_error (r, &resp, "token", err);
      free (resp.buf);
      return -1;
    }
  struct json_value *doc = NULL;
  if (json_parse (resp.buf ? resp.buf : "", resp.len, &doc, err) < 0)
    {
      free (resp.buf);
      return tong_err_wrap (err, "%s: token from %s", r->ref_str, realm);
    }
  free (resp.buf);
  const struct json_value *tok = json_get (doc, "token");
  if (tok == NULL || tok->type != JSON_STRING || !*tok->u.string)
    tok = json_get (doc, "access_token");
  if (tok == NULL || tok->type != JSON_STRING || !*tok->u.string)
    {
      json_free (doc);
      return tong_err_set (err, 0, "%s: token from %s: no token in the answer", r->ref_str, realm);
    }
  int64_t expires = 60;
  const struct json_value *ex = json_get (doc, "expires_in");
  if (ex && json_as_int64 (ex, &expires, NULL) < 0)
    expires = 60;
  if (expires < 1)
    expires = 60;
  free (r->auth_header);
  r->auth_header = NULL;
  int n = asprintf (&r->auth_header, "Authorization: Bearer %s", tok->u.string);
  json_free (doc);
  if (n < 0)
    return tong_err_set (err, ENOMEM, "token");
  /* Renew a little early.  */
  r->token_expiry = time (NULL) + (expires > 10 ? expires - 5 : expires);
  return 0;
}

static int
answer_challenge (struct registry *r, const char *challenge, struct tong_err *err)
{
  free (r->challenge);
  r->challenge = strdup (challenge);
  if (strncasecmp (challenge, "Bearer", 6) == 0)
    return fetch_token (r, challenge, err);
  if (strncasecmp (challenge, "Basic", 5) == 0)
    {
      cleanup_free char *user = NULL, *pass = NULL, *plain = NULL, *b64 = NULL;
      int found = credentials (r, &user, &pass, err);
      if (found < 0)
        return -1;
      if (found == 0)
        return tong_err_set (err, 0, "%s: UNAUTHORIZED: %s needs credentials (tong-image login %s)",
                             r->ref_str, r->host, r->host);
      if (asprintf (&plain, "%s:%s", user, pass) < 0
          || !(b64 = auth_base64 (plain, strlen (plain))))
        return tong_err_set (err, ENOMEM, "auth");
      free (r->auth_header);
      r->auth_header = NULL;
      r->token_expiry = 0;
      if (asprintf (&r->auth_header, "Authorization: Basic %s", b64) < 0)
        return tong_err_set (err, ENOMEM, "auth");
      return 0;
    }
  return tong_err_set (err, 0, "%s: UNAUTHORIZED: unsupported challenge `%s`", r->ref_str,
                       challenge);
}

int
registry_open (const struct image_ref *ref, const struct registry_opts *o, struct registry **out,
               struct tong_err *err)
{
  static bool global_init;
  if (!global_init)
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      global_init = true;
    }
  struct registry *r = calloc (1, sizeof *r);
  if (r == NULL)
    return tong_err_set (err, ENOMEM, "registry");
  r->curl = curl_easy_init ();
  r->ref_str = *ref->repo ? image_ref_string (ref) : strdup (ref->registry);
  if (o && o->user)
    {
      r->user = strdup (o->user);
      r->pass = strdup (o->pass ? o->pass : "");
    }
  r->host = strdup (image_ref_api_host (ref));
  r->repo = strdup (ref->repo);
  r->authfile = auth_file_path (o ? o->authfile : NULL);
  r->insecure = o && o->insecure;
  r->http_ok = r->insecure || image_host_is_loopback (r->host);
  r->scheme = strdup ("https");
  if (!r->curl || !r->ref_str || !r->host || !r->repo || !r->authfile || !r->scheme)
    {
      registry_free (r);
      return tong_err_set (err, ENOMEM, "registry");
    }
  *out = r;
  return 0;
}

void
registry_free (struct registry *r)
{
  if (r == NULL)
    return;
  if (r->curl)
    curl_easy_cleanup (r->curl);
  free (r->ref_str);
  free (r->host);
  free (r->scheme);
  free (r->repo);
  free (r->authfile);
  free (r->user);
  free (r->pass);
  free (r->auth_header);
  free (r->challenge);
  free (r);
}

int
registry_ping (struct registry *r, struct tong_err *err)
{
  struct response resp = { .r = r, .fd = -1, .max = 1 << 20 };
  int rc = do_get (r, "", NULL, &resp, "ping", err);
  /* HTTPS first; plain HTTP where it is allowed and HTTPS did not connect.  */
  if (rc < 0 && resp.status == 0 && r->http_ok && strcmp (r->scheme, "https") == 0)
    {
      struct tong_err https_err = *err;
      free (r->scheme);
      r->scheme = strdup ("http");
      resp.len = 0;
      rc = do_get (r, "", NULL, &resp, "ping", err);
      /* Both failed: the HTTPS reason is the one that matters.  */
      if (rc < 0)
        {
          char plain[TONG_ERR_MSG_MAX];
          snprintf (plain, sizeof plain, "%s", err->msg);
          *err = https_err;
          tong_err_wrap (err, "HTTPS failed (and then plain HTTP: %.400s)", plain);
        }
    }
  else if (rc < 0 && resp.status == 0 && !r->http_ok)
    /* The one thing a user can change here.  */
    tong_err_wrap (err, "HTTPS did not connect; plain HTTP is tried only for loopback "
                        "registries or with --insecure");
  free (resp.buf);
  r->scheme_known = true;
  return rc;
}

static int
ensure_ping (struct registry *r, struct tong_err *err)
{
  return r->scheme_known ? 0 : registry_ping (r, err);
}

int
registry_get_manifest (struct registry *r, const char *reference, const char *digest_want,
                       char **body, size_t *len, char **media_type, struct tong_err *err)
{
  static const char accept[]
      = "Accept: " MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST;
  if (ensure_ping (r, err) < 0)
    return -1;
  cleanup_free char *path = NULL;
  if (asprintf (&path, "%s/manifests/%s", r->repo, reference) < 0)
    return tong_err_set (err, ENOMEM, "url");
  struct response resp = { .r = r, .fd = -1, .max = MANIFEST_MAX };
  if (do_get (r, path, accept, &resp, "manifest", err) < 0)
    {
      free (resp.buf);
      return -1;
    }
  char got[DIGEST_STR_LEN];
  if (sha256_buf (resp.buf ? resp.buf : "", resp.len, got, err) < 0)
    {
      free (resp.buf);
      return -1;
    }
  const char *want = digest_want ? digest_want : (resp.digest[0] ? resp.digest : NULL);
  if (want && strcmp (want, got) != 0)
    {
      free (resp.buf);
      return tong_err_set (err, 0, "%s: manifest digest mismatch: want %s, got %s", r->ref_str,
                           want, got);
    }
  char *semi = strchr (resp.content_type, ';');
  if (semi)
    *semi = '\0';
  *media_type = strdup (resp.content_type);
  *body = resp.buf ? resp.buf : strdup ("");
  *len = resp.len;
  return 0;
}

int
registry_get_blob (struct registry *r, const char *digest, int64_t size, int fd,
                   registry_progress_fn progress, void *data, struct tong_err *err)
{
  if (ensure_ping (r, err) < 0)
    return -1;
  cleanup_free char *path = NULL;
  char what[128];
  snprintf (what, sizeof what, "blob %.19s", digest);
  if (asprintf (&path, "%s/blobs/%s", r->repo, digest) < 0)
    return tong_err_set (err, ENOMEM, "url");
  struct response resp = { .r = r,
                           .fd = fd,
                           .max = 1 << 20,
                           .total = size > 0 ? size : 0,
                           .progress = progress,
                           .progress_data = data };
  int rc = do_get (r, path, NULL, &resp, what, err);
  free (resp.buf);
  if (rc < 0)
    {
      sha256_free (&resp.sha);
      return -1;
    }
  char got[DIGEST_STR_LEN];
  sha256_final (&resp.sha, got);
  if (size >= 0 && resp.done != (uint64_t)size)
    return tong_err_set (err, 0, "%s: blob %s: size mismatch: want %lld bytes, got %llu",
                         r->ref_str, digest, (long long)size, (unsigned long long)resp.done);
  if (strcmp (got, digest) != 0)
    return tong_err_set (err, 0, "%s: blob digest mismatch: want %s, got %s", r->ref_str, digest,
                         got);
  return 0;
}

int
registry_get_blob_mem (struct registry *r, const char *digest, int64_t size, char **body,
                       size_t *len, struct tong_err *err)
{
  if (ensure_ping (r, err) < 0)
    return -1;
  cleanup_free char *path = NULL;
  if (asprintf (&path, "%s/blobs/%s", r->repo, digest) < 0)
    return tong_err_set (err, ENOMEM, "url");
  struct response resp
      = { .r = r, .fd = -1, .max = size >= 0 && size < CONFIG_MAX ? size : CONFIG_MAX };
  if (do_get (r, path, NULL, &resp, "config", err) < 0)
    {
      free (resp.buf);
      return -1;
    }
  char got[DIGEST_STR_LEN];
  if (sha256_buf (resp.buf ? resp.buf : "", resp.len, got, err) < 0)
    {
      free (resp.buf);
      return -1;
    }
  if ((size >= 0 && resp.len != (size_t)size) || strcmp (got, digest) != 0)
    {
      free (resp.buf);
      return tong_err_set (err, 0, "%s: config digest mismatch: want %s, got %s", r->ref_str,
                           digest, got);
    }
  *body = resp.buf ? resp.buf : strdup ("");
  *len = resp.len;
  return 0;
}
