/* Port specs and finding the container: by netns path, pid, or tong's own
   state (ROOT/ID/state.json, read with src/common/json.h, not libtong).  */
#include "port.h"
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
parse_port (const char *s, size_t len, bool zero_ok, unsigned *out)
{
  if (len == 0 || len > 5)
    return -1;
  unsigned v = 0;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -1;
      v = v * 10 + (s[i] - '0');
    }
  if (v > 65535 || (v == 0 && !zero_ok))
    return -1;
  *out = v;
  return 0;
}

int
port_spec_parse (const char *text, struct port_spec *out, struct tong_err *err)
{
  struct port_spec s = { .host_ip = "127.0.0.1" };
  char buf[256];
  if (strlen (text) >= sizeof buf)
    return tong_err_set (err, 0, "invalid port spec `%s`", text);
  strcpy (buf, text);
  char *proto = strchr (buf, '/');
  if (proto)
    {
      *proto++ = '\0';
      if (strcmp (proto, "udp") == 0)
        s.udp = true;
      else if (strcmp (proto, "tcp") != 0)
        return tong_err_set (err, 0, "invalid port spec `%s`: protocol tcp or udp", text);
    }
  char *p = buf;
  if (*p == '[')
    {
      char *close = strchr (p, ']');
      if (close == NULL || close[1] != ':' || (size_t)(close - p - 1) >= sizeof s.host_ip)
        return tong_err_set (err, 0, "invalid port spec `%s`", text);
      memcpy (s.host_ip, p + 1, close - p - 1);
      s.host_ip[close - p - 1] = '\0';
      s.host_ip_given = true;
      p = close + 2;
    }
  char *last = strrchr (p, ':');
  if (last == NULL)
    return tong_err_set (err, 0, "invalid port spec `%s`: [IP:]HOSTPORT:CONTAINERPORT[/PROTO]",
                         text);
  char *first = memchr (p, ':', last - p);
  if (first && !s.host_ip_given)
    {
      if ((size_t)(first - p) >= sizeof s.host_ip || first == p)
        return tong_err_set (err, 0, "invalid port spec `%s`", text);
      memcpy (s.host_ip, p, first - p);
      s.host_ip[first - p] = '\0';
      s.host_ip_given = true;
      p = first + 1;
    }
  else if (first)
    return tong_err_set (err, 0, "invalid port spec `%s`", text);
  if (parse_port (p, last - p, true, &s.host_port) < 0
      || parse_port (last + 1, strlen (last + 1), false, &s.container_port) < 0)
    return tong_err_set (err, 0, "invalid port spec `%s`: ports are 1-65535 (host port 0: any)",
                         text);
  struct sockaddr_storage ss;
  socklen_t sl;
  if (port_sockaddr (s.host_ip, 0, &ss, &sl, err) < 0)
    return tong_err_wrap (err, "invalid port spec `%s`", text);
  *out = s;
  return 0;
}

void
port_spec_format (const struct port_spec *s, char *buf, size_t len)
{
  bool v6 = strchr (s->host_ip, ':') != NULL;
  snprintf (buf, len, "%s%s%s:%u->%u/%s", v6 ? "[" : "", s->host_ip, v6 ? "]" : "", s->host_port,
            s->container_port, s->udp ? "udp" : "tcp");
}

int
port_sockaddr (const char *ip, unsigned port, struct sockaddr_storage *ss, socklen_t *len,
               struct tong_err *err)
{
  memset (ss, 0, sizeof *ss);
  struct sockaddr_in *in = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton (AF_INET, ip, &in->sin_addr) == 1)
    {
      in->sin_family = AF_INET;
      in->sin_port = htons (port);
      *len = sizeof *in;
      return 0;
    }
  memset (ss, 0, sizeof *ss);
  if (inet_pton (AF_INET6, ip, &in6->sin6_addr) == 1)
    {
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons (port);
      *len = sizeof *in6;
      return 0;
    }
  return tong_err_set (err, 0, "`%s` is not an IPv4 or IPv6 address", ip);
}


static void
take_exposed (struct port_target *t, const struct json_value *doc)
{
  const struct json_value *a = json_get (json_get (doc, "annotations"), ANNOT_EXPOSED_PORTS);
  if (a && a->type == JSON_STRING)
    t->exposed = strdup (a->u.string);
}

int
exposed_specs (const char *annotation, const char *host_ip, char ***out, struct tong_err *err)
{
  /* The image-spec's form (conversion.md): "80/tcp,53/udp,8080", as
     tong-image writes it.  */
  *out = NULL;
  size_t cap = 1;
  for (const char *c = annotation; *c; c++)
    cap += *c == ',';
  char **v = calloc (cap + 1, sizeof (char *));
  if (v == NULL)
    return tong_err_set (err, ENOMEM, "annotation %s", ANNOT_EXPOSED_PORTS);
  size_t n = 0, item = 0;
  bool v6 = strchr (host_ip, ':') != NULL;
  for (const char *p = annotation; *p; item++)
    {
      size_t len = strcspn (p, ",");
      while (len && p[0] == ' ')
        p++, len--;
      if (len == 0 || p[0] < '0' || p[0] > '9'
          || asprintf (&v[n], "%s%s%s:0:%.*s", v6 ? "[" : "", host_ip, v6 ? "]" : "", (int)len, p)
                 < 0)
        {
          for (size_t k = 0; k < n; k++)
            free (v[k]);
          free (v);
          return tong_err_set (err, 0, "annotation %s: item %zu is not PORT[/PROTO]",
                               ANNOT_EXPOSED_PORTS, item);
        }
      n++;
      p += len;
      if (*p == ',')
        p++;
    }
  *out = v;
  return (int)n;
}

int
target_from_hook_stdin (struct port_target *t, struct tong_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  struct json_value *doc = NULL;
  int64_t pid = 0;
  if (read_fd (0, &text, &len, err) < 0)
    return tong_err_wrap (err, "--hook: read the state on stdin");
  if (json_parse (text, len, &doc, err) < 0)
    return tong_err_wrap (err, "--hook: the state on stdin");
  struct json_value *id = json_get (doc, "id"), *p = json_get (doc, "pid");
  if (id && id->type == JSON_STRING)
    t->id = strdup (id->u.string);
  if (p && json_as_int64 (p, &pid, NULL) == 0)
    t->pid = (pid_t)pid;
  /* The OCI state carries the config's annotations: --publish-all.  */
  take_exposed (t, doc);
  json_free (doc);
  if (t->id == NULL)
    return tong_err_set (err, 0, "--hook: the state on stdin has no id");
  return 0;
}

int
target_from_container (struct port_target *t, struct tong_err *err)
{
  char path[PATH_MAX];
  cleanup_free char *text = NULL;
  size_t len;
  struct json_value *doc = NULL;
  int64_t pid = 0;
  uint64_t start = 0;

  if (t->id[0] == '.' || strchr (t->id, '/'))
    return tong_err_set (err, 0, "invalid container id `%s`", t->id);
  snprintf (path, sizeof path, "%s/%s/state.json", t->tong_root, t->id);
  if (read_file (path, &text, &len, err) < 0)
    {
      if (err->errnum == ENOENT)
        return tong_err_set (err, ENOENT, "container `%s` does not exist (--root %s)", t->id,
                             t->tong_root);
      return -1;
    }
  if (json_parse (text, len, &doc, err) < 0)
    return tong_err_wrap (err, "`%s`", path);
  struct json_value *p = json_get (doc, "pid"), *st = json_get (doc, "startTime");
  if (p == NULL || json_as_int64 (p, &pid, NULL) < 0 || pid <= 0)
    pid = 0;
  if (st && json_as_uint64 (st, &start, NULL) < 0)
    start = 0;
  take_exposed (t, doc);
  json_free (doc);
  unsigned long long now;
  char letter = 0;
  if (pid == 0 || proc_stat ((pid_t)pid, &now, &letter) < 0 || (start && now != start)
      || letter == 'Z' || letter == 'X')
    return tong_err_set (err, 0, "container `%s` is not running", t->id);
  t->pid = (pid_t)pid;
  t->start_time = now;
  return 0;
}

int
target_open (struct port_target *t, int *netns_fd, int *pidfd, struct tong_err *err)
{
  *netns_fd = *pidfd = -1;
  if (t->netns_path)
    {
      *netns_fd = open (t->netns_path, O_RDONLY | O_CLOEXEC);
      if (*netns_fd < 0)
        return tong_err_set (err, errno, "open network namespace `%s`", t->netns_path);
      return 0;
    }
  unsigned long long before = 0, after = 0;
  if (proc_stat (t->pid, &before, NULL) < 0)
    return tong_err_set (err, ESRCH, "process %d", (int)t->pid);
  *pidfd = (int)syscall (SYS_pidfd_open, t->pid, 0);
  if (*pidfd < 0)
    return tong_err_set (err, errno, "pidfd_open %d", (int)t->pid);
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/net", (int)t->pid);
  *netns_fd = open (path, O_RDONLY | O_CLOEXEC);
  int e = *netns_fd < 0 ? errno : ESRCH;
  /* The same process all along: the pidfd and the ns fd are both its.  */
  if (*netns_fd < 0 || proc_stat (t->pid, &after, NULL) < 0 || after != before
      || (t->start_time && after != t->start_time))
    {
      close (*pidfd);
      if (*netns_fd >= 0)
        close (*netns_fd);
      *pidfd = *netns_fd = -1;
      return tong_err_set (err, e, "network namespace of process %d", (int)t->pid);
    }
  t->start_time = after;
  return 0;
}
