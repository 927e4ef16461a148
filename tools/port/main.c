/* tong-port: publish, list and unpublish a container's ports.  One proxy
   daemon per published port; its record is a JSON file in the state dir
   (pid and start time, so a reused pid is never taken for it).  */
#include "port.h"
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[]
    = "Usage: tong-port COMMAND [options]\n"
      "\n"
      "  publish TARGET [--udp-timeout SECS] [-P|--publish-all [--ip IP]] [--container-ip IP]\n"
      "          [[IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]]...\n"
      "        start a proxy for each port; prints IP:HOSTPORT->PORT/PROTO (HOSTPORT 0: a free\n"
      "        port is picked).  The host IP defaults to 127.0.0.1.  --publish-all: also each\n"
      "        port of the image's ExposedPorts (annotation " ANNOT_EXPOSED_PORTS "), on a\n"
      "        free port of --ip (default 127.0.0.1)\n"
      "  unpublish TARGET [[IP:]HOSTPORT:CONTAINERPORT[/PROTO]]...\n"
      "        stop those proxies (all of the target's without a spec)\n"
      "  ls [--format table|json]   the published ports, one line each\n"
      "\n"
      "TARGET is one of:\n"
      "  CONTAINER-ID         a tong container, found under --root\n"
      "  --netns PATH         a network namespace file (e.g. /run/netns/NAME)\n"
      "  --pid PID            the network namespace of a process\n"
      "  --hook               the OCI state on stdin (tong's createRuntime / poststop hooks)\n"
      "\n"
      "Options:\n"
      "  --root DIR           tong's state root (default " PORT_DEFAULT_TONG_ROOT ")\n"
      "  --state-dir DIR      where the proxies are recorded (default $TONG_PORT_STATE_DIR,\n"
      "                       else " PORT_DEFAULT_STATE_DIR ")\n"
      "  --udp-timeout SECS   a UDP flow idle this long is forgotten (default 30)\n"
      "  -P, --publish-all    publish the image's exposed ports too (a container target)\n"
      "  --ip IP              the host address of --publish-all (default 127.0.0.1)\n"
      "  --container-ip IP    connect to IP inside the container (default: its loopback,\n"
      "                       127.0.0.1 for an IPv4 host address, ::1 for IPv6; TCP then\n"
      "                       tries the other loopback when the first refuses)\n";

struct opts
{
  struct port_target t;
  const char *state_dir;
  bool publish_all;
  const char *all_ip;
  const char *container_ip; /* --container-ip, or NULL: the loopback */
  bool hook;
  bool root_given;
  unsigned udp_timeout;
  bool json;
};

static int
report (struct tong_err *err)
{
  fprintf (stderr, "tong-port: %s\n", err->msg);
  return 1;
}

static int
fail_usage (const char *what)
{
  fprintf (stderr, "tong-port: %s\n%s", what, usage);
  return 2;
}

/* ---- the records ---- */

struct record
{
  char file[NAME_MAX + 1];
  pid_t pid;
  unsigned long long start;
  char *container, *root, *netns, *container_ip;
  pid_t target_pid;
  struct port_spec spec;
};

static void
record_clear (struct record *r)
{
  free (r->container);
  free (r->root);
  free (r->netns);
  free (r->container_ip);
  memset (r, 0, sizeof *r);
}

static void
record_name (const struct port_spec *s, char *buf, size_t len)
{
  snprintf (buf, len, "%s-%s-%u.json", s->udp ? "udp" : "tcp", s->host_ip, s->host_port);
}

static char *
record_json (pid_t pid, unsigned long long start, const struct opts *o, const struct port_spec *s)
{
  struct json_writer *w = json_writer_new (false);
  if (w == NULL)
    return NULL;
  json_w_obj_begin (w);
  json_w_key (w, "pid");
  json_w_int (w, pid);
  json_w_key (w, "startTime");
  json_w_uint (w, start);
  json_w_key (w, "container");
  json_w_str (w, o->t.id ? o->t.id : "");
  json_w_key (w, "root");
  json_w_str (w, o->t.id && (o->root_given || !o->hook) ? o->t.tong_root : "");
  json_w_key (w, "netns");
  json_w_str (w, o->t.netns_path ? o->t.netns_path : "");
  json_w_key (w, "targetPid");
  json_w_int (w, o->t.netns_path ? 0 : o->t.pid);
  json_w_key (w, "hostIp");
  json_w_str (w, s->host_ip);
  json_w_key (w, "hostPort");
  json_w_uint (w, s->host_port);
  json_w_key (w, "containerPort");
  json_w_uint (w, s->container_port);
  json_w_key (w, "protocol");
  json_w_str (w, s->udp ? "udp" : "tcp");
  json_w_key (w, "containerIp");
  json_w_str (w, o->container_ip ? o->container_ip : "");
  json_w_obj_end (w);
  return json_writer_finish (w);
}

static int
record_read (int dirfd, const char *file, struct record *r)
{
  cleanup_free char *text = NULL;
  size_t len;
  struct json_value *doc = NULL;
  int64_t i;
  uint64_t u;
  memset (r, 0, sizeof *r);
  if (read_file_at (dirfd, file, &text, &len, NULL) < 0 || json_parse (text, len, &doc, NULL) < 0)
    return -1;
  snprintf (r->file, sizeof r->file, "%s", file);
  const struct json_value *v;
  if ((v = json_get (doc, "pid")) && json_as_int64 (v, &i, NULL) == 0)
    r->pid = i;
  if ((v = json_get (doc, "startTime")) && json_as_uint64 (v, &u, NULL) == 0)
    r->start = u;
  if ((v = json_get (doc, "targetPid")) && json_as_int64 (v, &i, NULL) == 0)
    r->target_pid = i;
  if ((v = json_get (doc, "hostPort")) && json_as_uint64 (v, &u, NULL) == 0)
    r->spec.host_port = u;
  if ((v = json_get (doc, "containerPort")) && json_as_uint64 (v, &u, NULL) == 0)
    r->spec.container_port = u;
  const char *s;
  if ((v = json_get (doc, "hostIp")) && v->type == JSON_STRING)
    snprintf (r->spec.host_ip, sizeof r->spec.host_ip, "%s", v->u.string);
  v = json_get (doc, "protocol");
  r->spec.udp = v && v->type == JSON_STRING && strcmp (v->u.string, "udp") == 0;
  s = (v = json_get (doc, "container")) && v->type == JSON_STRING ? v->u.string : "";
  r->container = strdup (s);
  s = (v = json_get (doc, "root")) && v->type == JSON_STRING ? v->u.string : "";
  r->root = strdup (s);
  s = (v = json_get (doc, "netns")) && v->type == JSON_STRING ? v->u.string : "";
  r->netns = strdup (s);
  s = (v = json_get (doc, "containerIp")) && v->type == JSON_STRING ? v->u.string : "";
  r->container_ip = strdup (s);
  json_free (doc);
  if (r->pid <= 0 || r->container == NULL || r->root == NULL || r->netns == NULL
      || r->container_ip == NULL)
    {
      record_clear (r);
      return -1;
    }
  return 0;
}

static bool
record_alive (const struct record *r)
{
  unsigned long long st;
  char letter;
  return proc_stat (r->pid, &st, &letter) == 0 && st == r->start && letter != 'Z'
         && letter != 'X';
}

static int
state_dir_open (const struct opts *o, bool create, struct tong_err *err)
{
  if (create && mkdir_p (o->state_dir, 0700, err) < 0)
    return tong_err_wrap (err, "state dir");
  int fd = open (o->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && !(errno == ENOENT && !create))
    return tong_err_set (err, errno, "open state dir `%s`", o->state_dir);
  return fd < 0 ? -2 : fd;
}

/* Every live record (stale ones are removed); NULL-terminated via n.  */
static int
records_load (int dirfd, struct record **out, size_t *n)
{
  *out = NULL;
  *n = 0;
  int fd = dup (dirfd);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      size_t l = strlen (de->d_name);
      if (de->d_name[0] == '.' || l < 6 || strcmp (de->d_name + l - 5, ".json") != 0)
        continue;
      struct record r;
      if (record_read (dirfd, de->d_name, &r) < 0)
        continue;
      if (!record_alive (&r))
        {
          unlinkat (dirfd, r.file, 0);
          record_clear (&r);
          continue;
        }
      struct record *nr = realloc (*out, (*n + 1) * sizeof *nr);
      if (nr == NULL)
        {
          record_clear (&r);
          break;
        }
      *out = nr;
      nr[(*n)++] = r;
    }
  closedir (d);
  return 0;
}

/* ---- publish ---- */

static int
make_listener (struct port_spec *s, struct tong_err *err)
{
  struct sockaddr_storage ss;
  socklen_t sl;
  if (port_sockaddr (s->host_ip, s->host_port, &ss, &sl, err) < 0)
    return -1;
  cleanup_close int fd
      = socket (ss.ss_family, (s->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return tong_err_set (err, errno, "socket");
  int one = 1;
  if (!s->udp)
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ss.ss_family == AF_INET6)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  char what[128];
  port_spec_format (s, what, sizeof what);
  if (bind (fd, (struct sockaddr *)&ss, sl) < 0)
    return tong_err_set (err, errno, "bind %s%s%s:%u/%s", ss.ss_family == AF_INET6 ? "[" : "",
                         s->host_ip, ss.ss_family == AF_INET6 ? "]" : "", s->host_port,
                         s->udp ? "udp" : "tcp");
  if (!s->udp && listen (fd, 128) < 0)
    return tong_err_set (err, errno, "listen on port %u", s->host_port);
  if (s->host_port == 0)
    {
      sl = sizeof ss;
      if (getsockname (fd, (struct sockaddr *)&ss, &sl) < 0)
        return tong_err_set (err, errno, "getsockname");
      s->host_port = ntohs (((struct sockaddr_in *)&ss)->sin_port);
    }
  return steal_fd (&fd);
}

static void
daemon_fail (int ready, const char *fmt, const char *arg)
{
  char msg[512];
  int n = snprintf (msg, sizeof msg, fmt, arg, strerror (errno));
  write_all_fd (ready, msg, n > 0 ? (size_t)n : 0);
  _exit (1);
}

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

/* Close every fd but stdio and KEEP: the caller's (a shell's pipes, a
   runtime's files) must not live on in a long-running proxy.  */
static void
close_other_fds (int *keep, size_t n)
{
  qsort (keep, n, sizeof *keep, cmp_int);
  unsigned lo = 3;
  for (size_t i = 0; i <= n; i++)
    {
      unsigned hi = i < n ? (unsigned)keep[i] : ~0U;
      if (i < n && keep[i] < 3)
        continue;
      if (hi > lo && syscall (SYS_close_range, lo, hi - 1, 0) < 0)
        for (unsigned fd = lo; fd < hi && fd < 65536; fd++)
          close (fd);
      if (i < n)
        lo = keep[i] + 1;
    }
}

/* The daemon: never returns.  */
static void
daemon_main (const struct opts *o, struct port_spec *s, int listenfd, int netns_fd, int pidfd,
             int ready)
{
  char file[NAME_MAX + 1];
  sigset_t set;
  int keep[4] = { listenfd, netns_fd, ready, pidfd };
  close_other_fds (keep, pidfd >= 0 ? 4 : 3);
  setsid ();
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigprocmask (SIG_BLOCK, &set, NULL);
  signal (SIGPIPE, SIG_IGN);
  int sigfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (sigfd < 0)
    daemon_fail (ready, "signalfd%s: %s", "");
  struct stat nst;
  if (fstat (netns_fd, &nst) < 0)
    daemon_fail (ready, "stat the network namespace%s: %s", "");
  if (setns (netns_fd, CLONE_NEWNET) < 0)
    daemon_fail (ready, "join the network namespace%s: %s", "");
  /* Being in the namespace keeps it alive; an open fd would also pin the
     bind mount of --netns PATH, which then could not be unmounted.  */
  close (netns_fd);
  unsigned long long start = 0;
  if (proc_stat (getpid (), &start, NULL) < 0)
    daemon_fail (ready, "read /proc/self/stat%s: %s", "");
  struct tong_err err = { 0 };
  cleanup_close int dirfd = state_dir_open (o, true, &err);
  cleanup_free char *json = record_json (getpid (), start, o, s);
  record_name (s, file, sizeof file);
  if (dirfd < 0 || json == NULL
      || write_file_atomic_at (dirfd, file, json, strlen (json), 0600, &err) < 0)
    {
      write_all_fd (ready, err.msg, strlen (err.msg));
      _exit (1);
    }
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0)
    {
      dup2 (null, 0);
      dup2 (null, 1);
      dup2 (null, 2);
      close (null);
    }
  if (chdir ("/") < 0)
    { /* the proxy needs no cwd.  */
    }
  write_all_fd (ready, "R", 1);
  close (ready);
  struct proxy_conf c = { .listenfd = listenfd,
                          .pidfd = pidfd,
                          .netns_dev = nst.st_dev,
                          .netns_ino = nst.st_ino,
                          .netns_path = o->t.netns_path,
                          .container_port = s->container_port,
                          .udp = s->udp,
                          .inside_ip = o->container_ip,
                          .host_v6 = strchr (s->host_ip, ':') != NULL,
                          .udp_timeout = o->udp_timeout,
                          .sigfd = sigfd };
  proxy_run (&c);
  /* Remove the record, unless a newer proxy took the name over.  */
  struct record r;
  if (record_read (dirfd, file, &r) == 0)
    {
      if (r.pid == getpid ())
        unlinkat (dirfd, file, 0);
      record_clear (&r);
    }
  _exit (0);
}

/* Stop the proxy R: SIGTERM, then wait (bounded) until it is gone.  */
static int
stop_proxy (int dirfd, const struct record *r, struct tong_err *err)
{
  int pidfd = (int)syscall (SYS_pidfd_open, r->pid, 0);
  if (pidfd >= 0 && record_alive (r))
    {
      syscall (SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      if (poll (&p, 1, 5000) == 0)
        {
          syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
          poll (&p, 1, 5000);
        }
    }
  if (pidfd >= 0)
    close (pidfd);
  /* Its own child (publish then unpublish in one process): reap it.  */
  waitpid (r->pid, NULL, WNOHANG);
  if (unlinkat (dirfd, r->file, 0) < 0 && errno != ENOENT)
    return tong_err_set (err, errno, "remove `%s`", r->file);
  return 0;
}

static int
cmd_publish (struct opts *o, char **specs, int n)
{
  struct tong_err err = { 0 };
  if (n == 0 && !o->publish_all)
    return fail_usage ("publish: at least one port, or --publish-all");
  if (o->t.id && !o->hook && target_from_container (&o->t, &err) < 0)
    return report (&err);
  if (o->publish_all)
    {
      if (o->t.id == NULL)
        return fail_usage ("--publish-all: the target must be a container (its annotations)");
      char **more = NULL;
      int m = o->t.exposed ? exposed_specs (o->t.exposed, o->all_ip, &more, &err) : 0;
      if (m < 0)
        return report (&err);
      char **all = calloc (n + m + 1, sizeof (char *));
      if (all == NULL)
        return 1;
      memcpy (all, specs, n * sizeof (char *));
      if (m > 0)
        memcpy (all + n, more, m * sizeof (char *));
      specs = all;
      n += m;
      if (n == 0)
        {
          fprintf (stderr, "tong-port: %s exposes no ports (no annotation %s)\n", o->t.id,
                   ANNOT_EXPOSED_PORTS);
          return 1;
        }
    }
  struct port_spec *s = calloc (n, sizeof *s);
  int *lfd = calloc (n, sizeof *lfd);
  pid_t *kids = calloc (n, sizeof *kids);
  if (s == NULL || lfd == NULL || kids == NULL)
    return 1;
  for (int i = 0; i < n; i++)
    {
      lfd[i] = -1;
      if (port_spec_parse (specs[i], &s[i], &err) < 0)
        return report (&err);
    }
  if (o->hook && o->t.pid <= 0)
    return fail_usage ("publish --hook: the state on stdin has no pid (use createRuntime)");
  int netns_fd, pidfd;
  if (target_open (&o->t, &netns_fd, &pidfd, &err) < 0)
    return report (&err);
  /* Bound (and listening) before anything is reported: a port in use fails
     publish itself.  */
  for (int i = 0; i < n; i++)
    if ((lfd[i] = make_listener (&s[i], &err)) < 0)
      return report (&err);
  int rc = 0, started = 0;
  for (int i = 0; i < n && rc == 0; i++)
    {
      int ready[2];
      if (pipe2 (ready, O_CLOEXEC) < 0)
        {
          tong_err_set (&err, errno, "pipe");
          rc = report (&err);
          break;
        }
      fflush (NULL);
      pid_t pid = fork ();
      if (pid < 0)
        {
          tong_err_set (&err, errno, "fork");
          rc = report (&err);
          break;
        }
      if (pid == 0)
        {
          close (ready[0]);
          for (int j = 0; j < n; j++)
            if (j != i)
              close (lfd[j]);
          daemon_main (o, &s[i], lfd[i], netns_fd, pidfd, ready[1]);
        }
      close (ready[1]);
      kids[started++] = pid;
      char msg[512];
      ssize_t len = read (ready[0], msg, sizeof msg - 1);
      close (ready[0]);
      if (len == 1 && msg[0] == 'R')
        continue;
      msg[len > 0 ? len : 0] = '\0';
      fprintf (stderr, "tong-port: proxy for %s: %s\n", specs[i], len > 0 ? msg : "died");
      rc = 1;
    }
  if (rc != 0)
    {
      /* All or nothing: the proxies already started go too.  */
      for (int i = 0; i < started; i++)
        {
          kill (kids[i], SIGTERM);
          waitpid (kids[i], NULL, 0);
        }
      cleanup_close int dirfd = state_dir_open (o, false, &err);
      for (int i = 0; dirfd >= 0 && i < started; i++)
        {
          char file[NAME_MAX + 1];
          record_name (&s[i], file, sizeof file);
          unlinkat (dirfd, file, 0);
        }
      return rc;
    }
  for (int i = 0; i < n; i++)
    {
      char line[160];
      port_spec_format (&s[i], line, sizeof line);
      printf ("%s\n", line);
    }
  return 0;
}

/* ---- ls and unpublish ---- */

static bool
record_matches_target (const struct record *r, const struct opts *o)
{
  if (o->t.netns_path)
    return strcmp (r->netns, o->t.netns_path) == 0;
  if (o->t.id)
    return strcmp (r->container, o->t.id) == 0
           && (r->root[0] == '\0' || strcmp (r->root, o->t.tong_root) == 0);
  return r->netns[0] == '\0' && r->target_pid == o->t.pid;
}

static bool
record_matches_spec (const struct record *r, const struct port_spec *s)
{
  return r->spec.udp == s->udp && r->spec.container_port == s->container_port
         && (s->host_port == 0 || r->spec.host_port == s->host_port)
         && strcmp (r->spec.host_ip, s->host_ip) == 0;
}

static int
cmd_unpublish (struct opts *o, char **specs, int n)
{
  struct tong_err err = { 0 };
  struct port_spec *s = calloc (n + 1, sizeof *s);
  bool *used = calloc (n + 1, sizeof *used);
  if (s == NULL || used == NULL)
    return 1;
  for (int i = 0; i < n; i++)
    if (port_spec_parse (specs[i], &s[i], &err) < 0)
      return report (&err);
  cleanup_close int dirfd = state_dir_open (o, false, &err);
  if (dirfd == -1)
    return report (&err);
  struct record *r = NULL;
  size_t nr = 0;
  if (dirfd >= 0)
    records_load (dirfd, &r, &nr);
  int rc = 0;
  for (size_t i = 0; i < nr; i++)
    {
      if (!record_matches_target (&r[i], o))
        continue;
      bool want = n == 0;
      for (int j = 0; j < n; j++)
        if (record_matches_spec (&r[i], &s[j]))
          want = used[j] = true;
      if (want && stop_proxy (dirfd, &r[i], &err) < 0)
        rc = report (&err);
    }
  for (int j = 0; j < n; j++)
    if (!used[j])
      {
        fprintf (stderr, "tong-port: %s is not published for this target\n", specs[j]);
        rc = 1;
      }
  for (size_t i = 0; i < nr; i++)
    record_clear (&r[i]);
  free (r);
  return rc;
}

static int
cmd_ls (struct opts *o)
{
  struct tong_err err = { 0 };
  cleanup_close int dirfd = state_dir_open (o, false, &err);
  if (dirfd == -1)
    return report (&err);
  struct record *r = NULL;
  size_t nr = 0;
  if (dirfd >= 0)
    records_load (dirfd, &r, &nr);
  struct json_writer *w = o->json ? json_writer_new (true) : NULL;
  if (w)
    json_w_arr_begin (w);
  for (size_t i = 0; i < nr; i++)
    {
      if (o->root_given && r[i].container[0] && r[i].root[0]
          && strcmp (r[i].root, o->t.tong_root) != 0)
        continue;
      char line[160], who[64];
      port_spec_format (&r[i].spec, line, sizeof line);
      snprintf (who, sizeof who, "pid:%d", (int)r[i].target_pid);
      const char *target = r[i].container[0] ? r[i].container : r[i].netns[0] ? r[i].netns : who;
      if (w == NULL)
        {
          printf ("%s %s\n", target, line);
          continue;
        }
      json_w_obj_begin (w);
      json_w_key (w, "container");
      json_w_str (w, r[i].container);
      json_w_key (w, "netns");
      json_w_str (w, r[i].netns);
      json_w_key (w, "targetPid");
      json_w_int (w, r[i].target_pid);
      json_w_key (w, "hostIp");
      json_w_str (w, r[i].spec.host_ip);
      json_w_key (w, "hostPort");
      json_w_uint (w, r[i].spec.host_port);
      json_w_key (w, "containerPort");
      json_w_uint (w, r[i].spec.container_port);
      json_w_key (w, "protocol");
      json_w_str (w, r[i].spec.udp ? "udp" : "tcp");
      json_w_key (w, "containerIp");
      json_w_str (w, r[i].container_ip);
      json_w_key (w, "proxyPid");
      json_w_int (w, r[i].pid);
      json_w_obj_end (w);
    }
  if (w)
    {
      json_w_arr_end (w);
      char *text = json_writer_finish (w);
      printf ("%s\n", text ? text : "[]");
      free (text);
    }
  for (size_t i = 0; i < nr; i++)
    record_clear (&r[i]);
  free (r);
  return 0;
}

int
main (int argc, char **argv)
{
  enum
  {
    OPT_NETNS = 256,
    OPT_PID,
    OPT_HOOK,
    OPT_ROOT,
    OPT_STATE,
    OPT_UDP_TIMEOUT,
    OPT_FORMAT,
    OPT_IP,
    OPT_CONTAINER_IP,
  };
  static const struct option lo[] = { { "netns", required_argument, NULL, OPT_NETNS },
                                      { "pid", required_argument, NULL, OPT_PID },
                                      { "hook", no_argument, NULL, OPT_HOOK },
                                      { "root", required_argument, NULL, OPT_ROOT },
                                      { "state-dir", required_argument, NULL, OPT_STATE },
                                      { "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },
                                      { "format", required_argument, NULL, OPT_FORMAT },
                                      { "publish-all", no_argument, NULL, 'P' },
                                      { "ip", required_argument, NULL, OPT_IP },
                                      { "container-ip", required_argument, NULL, OPT_CONTAINER_IP },
                                      { "help", no_argument, NULL, 'h' },
                                      { 0 } };
  struct opts o = { .udp_timeout = PORT_UDP_DEFAULT_TIMEOUT };
  const char *root = PORT_DEFAULT_TONG_ROOT;
  bool udp_timeout_given = false, format_given = false;
  int ways = 0, c;
  char *end;

  if (argc < 2)
    {
      fputs (usage, stderr);
      return 2;
    }
  /* Options may come anywhere, before the command too (`tong-port --root
     DIR publish ...`, as tong-image and tong-volume take --root): specs
     never start with `-`, and the first other word is the command.  */
  while ((c = getopt_long (argc, argv, "hP", lo, NULL)) != -1)
    switch (c)
      {
      case 'P':
        o.publish_all = true;
        break;
      case OPT_IP:
        o.all_ip = optarg;
        break;
      case OPT_CONTAINER_IP:
        {
          struct sockaddr_storage ss;
          socklen_t sl;
          struct tong_err e = { 0 };
          if (port_sockaddr (optarg, 0, &ss, &sl, &e) < 0)
            return fail_usage ("--container-ip: an IPv4 or IPv6 address");
          o.container_ip = optarg;
        }
        break;
      case OPT_NETNS:
        o.t.netns_path = optarg;
        ways++;
        break;
      case OPT_PID:
        o.t.pid = (pid_t)strtol (optarg, &end, 10);
        if (*end || o.t.pid <= 0)
          return fail_usage ("--pid: a process id");
        ways++;
        break;
      case OPT_HOOK:
        o.hook = true;
        ways++;
        break;
      case OPT_ROOT:
        root = optarg;
        o.root_given = true;
        break;
      case OPT_STATE:
        o.state_dir = optarg;
        break;
      case OPT_UDP_TIMEOUT:
        o.udp_timeout = (unsigned)strtoul (optarg, &end, 10);
        if (*end || o.udp_timeout == 0)
          return fail_usage ("--udp-timeout: seconds, at least 1");
        udp_timeout_given = true;
        break;
      case OPT_FORMAT:
        if (strcmp (optarg, "json") == 0)
          o.json = true;
        else if (strcmp (optarg, "table") != 0)
          return fail_usage ("--format: table or json");
        format_given = true;
        break;
      case 'h':
        fputs (usage, stdout);
        return 0;
      default:
        fputs (usage, stderr);
        return 2;
      }
  if (o.state_dir == NULL)
    o.state_dir = getenv ("TONG_PORT_STATE_DIR");
  if (o.state_dir == NULL || *o.state_dir == '\0')
    o.state_dir = PORT_DEFAULT_STATE_DIR;
  char absroot[PATH_MAX];
  o.t.tong_root = realpath (root, absroot) ? absroot : (char *)root;
  if (optind == argc)
    return fail_usage ("a command: publish, unpublish or ls");
  const char *cmd = argv[optind];
  char **rest = argv + optind + 1;
  int nrest = argc - optind - 1;

  if (strcmp (cmd, "ls") == 0 || strcmp (cmd, "list") == 0)
    {
      if (nrest || ways || udp_timeout_given || o.container_ip)
        return fail_usage ("ls: no target, arguments, --udp-timeout or --container-ip");
      return cmd_ls (&o);
    }
  bool publish = strcmp (cmd, "publish") == 0;
  if (!publish && strcmp (cmd, "unpublish") != 0)
    return fail_usage ("unknown command");
  if (format_given || (udp_timeout_given && !publish))
    return fail_usage ("--format is for ls, --udp-timeout for publish");
  if ((o.publish_all && !publish) || (o.all_ip && !o.publish_all))
    return fail_usage ("--publish-all is for publish, --ip for --publish-all");
  if (o.container_ip && !publish)
    return fail_usage ("--container-ip is for publish");
  if (o.all_ip == NULL)
    o.all_ip = "127.0.0.1";
  if (ways > 1)
    return fail_usage ("one target: CONTAINER-ID, --netns, --pid or --hook");
  if (ways == 0)
    {
      if (nrest == 0)
        return fail_usage ("a target: CONTAINER-ID, --netns, --pid or --hook");
      o.t.id = rest[0];
      rest++;
      nrest--;
    }
  struct tong_err err = { 0 };
  if (o.hook && target_from_hook_stdin (&o.t, &err) < 0)
    return report (&err);
  return publish ? cmd_publish (&o, rest, nrest) : cmd_unpublish (&o, rest, nrest);
}
