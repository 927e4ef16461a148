/* The container's cgroup: host mode, where the cgroup is, the driver
   dispatch, and the file helpers the drivers share.  */
#include "cgroup.h"
#include "cgroup_v2.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CG_ROOT "/sys/fs/cgroup"
#define CG_UNIFIED CG_ROOT "/unified"

static enum cgroup_mode detected;

enum cgroup_mode
cgroup_mode (void)
{
  if (detected)
    return detected;
  const char *env = getenv ("TONG_CGROUP_MODE"); /* tests of the path logic only.  */
  struct statfs fs;
  if (env && strcmp (env, "v2") == 0)
    detected = CG_MODE_V2;
  else if (statfs (CG_ROOT, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
    detected = CG_MODE_V2;
  else if (statfs (CG_UNIFIED, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
    detected = CG_MODE_HYBRID;
  else
    detected = CG_MODE_V1;
  return detected;
}

const char *
cgroup_mode_name (enum cgroup_mode m)
{
  switch (m)
    {
    case CG_MODE_V1:
      return "legacy (v1)";
    case CG_MODE_HYBRID:
      return "hybrid (v1 + unified)";
    case CG_MODE_V2:
      return "unified (v2)";
    default:
      return "unknown";
    }
}

/* File helpers.  */

int
cg_write (const char *dir, const char *file, const char *value, struct tong_err *err)
{
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open %s", path);
  size_t len = strlen (value);
  ssize_t n = write (fd, value, len);
  if (n < 0)
    return tong_err_set (err, errno, "write \"%s\" to %s", value, path);
  if ((size_t) n != len)
    return tong_err_set (err, EIO, "write \"%s\" to %s: short write", value, path);
  return 0;
}

int
cg_writef (const char *dir, const char *file, struct tong_err *err, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  return cg_write (dir, file, buf, err);
}

int
cg_read (const char *dir, const char *file, char **out, struct tong_err *err)
{
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  return read_file (path, out, NULL, err);
}

int
cg_read_u64 (const char *dir, const char *file, uint64_t *out, struct tong_err *err)
{
  cleanup_free char *s = NULL;
  if (cg_read (dir, file, &s, err) < 0)
    return -1;
  if (strncmp (s, "max", 3) == 0)
    {
      *out = UINT64_MAX;
      return 0;
    }
  char *end;
  errno = 0;
  *out = strtoull (s, &end, 10);
  if (errno || end == s)
    return tong_err_set (err, 0, "%s/%s: not a number: %.40s", dir, file, s);
  return 0;
}

static int
push_pid (pid_t **v, size_t *n, size_t *cap, pid_t p)
{
  if (*n == *cap)
    {
      size_t nc = *cap ? *cap * 2 : 16;
      pid_t *nv = realloc (*v, nc * sizeof *nv);
      if (nv == NULL)
        return -1;
      *v = nv;
      *cap = nc;
    }
  (*v)[(*n)++] = p;
  return 0;
}

static int
read_procs_rec (const char *dir, pid_t **v, size_t *n, size_t *cap, int depth,
                struct tong_err *err)
{
  cleanup_free char *s = NULL;
  if (cg_read (dir, "cgroup.procs", &s, err) < 0)
    return -1;
  for (char *p = s, *end; *p; p = end)
    {
      long pid = strtol (p, &end, 10);
      if (end == p)
        break;
      if (pid > 0 && push_pid (v, n, cap, (pid_t) pid) < 0)
        return tong_err_set (err, ENOMEM, "pids");
    }
  if (depth > 64)
    return 0;
  DIR *d = opendir (dir);
  if (d == NULL)
    return 0;
  struct dirent *de;
  int ret = 0;
  while (ret == 0 && (de = readdir (d)) != NULL)
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      char sub[PATH_MAX];
      snprintf (sub, sizeof sub, "%s/%s", dir, de->d_name);
      ret = read_procs_rec (sub, v, n, cap, depth + 1, err);
    }
  closedir (d);
  return ret;
}

int
cg_read_procs (const char *dir, pid_t **out, size_t *n, struct tong_err *err)
{
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  if (read_procs_rec (dir, out, n, &cap, 0, err) < 0)
    {
      free (*out);
      *out = NULL;
      *n = 0;
      return -1;
    }
  return 0;
}

int
cg_rmdir_tree (const char *dir, struct tong_err *err)
{
  /* Most cgroups have no child: try the rmdir before listing the dir.  */
  if (rmdir (dir) == 0 || errno == ENOENT)
    return 0;
  if (errno != EBUSY)
    return tong_err_set (err, errno, "remove cgroup %s", dir);
  DIR *d = opendir (dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : tong_err_set (err, errno, "open %s", dir);
  struct dirent *de;
  int ret = 0;
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      char sub[PATH_MAX];
      snprintf (sub, sizeof sub, "%s/%s", dir, de->d_name);
      if (cg_rmdir_tree (sub, err) < 0)
        ret = -1;
    }
  closedir (d);
  if (ret < 0)
    return -1;
  /* A cgroup whose last process just died is briefly still busy.  */
  for (int i = 0; i < 200; i++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        break;
      usleep (i < 20 ? 1000 : 10000);
    }
  return tong_err_set (err, errno, "remove cgroup %s", dir);
}

int
cg_v2_mkdir_enable (const char *root, const char *path, const char *const *controllers,
                    bool *created, struct tong_err *err)
{
  char dir[PATH_MAX];
  size_t len = (size_t) snprintf (dir, sizeof dir, "%s", root);
  const char *p = path;
  *created = false;
  while (*p == '/')
    p++;
  while (*p)
    {
      /* Enable the controllers here, for the child level we are about to make.  */
      if (controllers && controllers[0])
        {
          cleanup_free char *avail = NULL, *on = NULL;
          if (cg_read (dir, "cgroup.controllers", &avail, err) < 0)
            return -1;
          if (cg_read (dir, "cgroup.subtree_control", &on, NULL) < 0)
            on = NULL;
          for (const char *const *c = controllers; *c; c++)
            {
              char word[64];
              snprintf (word, sizeof word, " %s ", *c);
              char a[4096], o[4096];
              snprintf (a, sizeof a, " %s ", avail);
              snprintf (o, sizeof o, " %s ", on ? on : "");
              for (char *q = a; *q; q++)
                if (*q == '\n')
                  *q = ' ';
              for (char *q = o; *q; q++)
                if (*q == '\n')
                  *q = ' ';
              if (!strstr (a, word) || strstr (o, word))
                continue;
              if (cg_writef (dir, "cgroup.subtree_control", err, "+%s", *c) < 0)
                return tong_err_wrap (err, "enable the %s controller", *c);
            }
        }
      const char *slash = strchr (p, '/');
      size_t n = slash ? (size_t) (slash - p) : strlen (p);
      if (len + 1 + n >= sizeof dir)
        return tong_err_set (err, ENAMETOOLONG, "cgroup path %s%s", root, path);
      dir[len++] = '/';
      memcpy (dir + len, p, n);
      len += n;
      dir[len] = '\0';
      if (mkdir (dir, 0755) == 0)
        *created = slash == NULL || slash[strspn (slash, "/")] == '\0';
      else if (errno != EEXIST)
        return tong_err_set (err, errno, "mkdir %s", dir);
      p += n;
      while (*p == '/')
        p++;
    }
  return 0;
}

/* Where this process sits in a hierarchy: the line of /proc/self/cgroup
   whose controller list holds CTRL ("" for the unified line).  */
int
cg_own_path_in (const char *proc_cgroup, const char *ctrl, char **out, struct tong_err *err)
{
  size_t cl = strlen (ctrl);
  for (const char *line = proc_cgroup, *next; line && *line; line = next)
    {
      const char *eol = strchr (line, '\n');
      next = eol ? eol + 1 : NULL;
      if (eol == NULL)
        eol = line + strlen (line);
      const char *c1 = memchr (line, ':', (size_t) (eol - line));
      const char *c2 = c1 ? memchr (c1 + 1, ':', (size_t) (eol - c1 - 1)) : NULL;
      if (c2 == NULL)
        continue;
      bool match = false;
      if (cl == 0)
        match = c2 == c1 + 1;
      else
        for (const char *q = c1 + 1; q < c2;)
          {
            size_t n = strcspn (q, ",:");
            if (n == cl && strncmp (q, ctrl, n) == 0)
              match = true;
            q += n;
            if (*q == ',')
              q++;
          }
      if (match)
        {
          *out = strndup (c2 + 1, (size_t) (eol - c2 - 1));
          return *out ? 0 : tong_err_set (err, ENOMEM, "cgroup");
        }
    }
  *out = strdup ("/");
  return *out ? 0 : tong_err_set (err, ENOMEM, "cgroup");
}

int
cg_own_path (const char *ctrl, char **out, struct tong_err *err)
{
  cleanup_free char *s = NULL;
  if (read_file ("/proc/self/cgroup", &s, NULL, err) < 0)
    return -1;
  return cg_own_path_in (s, ctrl, out, err);
}

/* OWN + "/" + REL, or ABS as is; "//" folded, no trailing slash.  */
char *
cg_join (const char *own, const char *path)
{
  char buf[PATH_MAX];
  if (path[0] == '/')
    snprintf (buf, sizeof buf, "%s", path);
  else
    snprintf (buf, sizeof buf, "%s/%s", own, path);
  char *w = buf;
  for (const char *r = buf; *r; r++)
    if (!(*r == '/' && w > buf && w[-1] == '/'))
      *w++ = *r;
  *w = '\0';
  while (w > buf + 1 && w[-1] == '/')
    *--w = '\0';
  return strdup (buf);
}

static int
check_path (const char *p, struct tong_err *err)
{
  /* Never a cgroup outside the hierarchy, nor one a newline could smuggle
     into the state.  */
  for (const char *q = p; *q; q++)
    if (*q == '\n')
      return tong_err_set (err, 0, "linux.cgroupsPath: a newline in \"%s\"", p);
  for (const char *q = p; *q;)
    {
      while (*q == '/')
        q++;
      size_t n = strcspn (q, "/");
      if ((n == 2 && strncmp (q, "..", 2) == 0) || (n == 1 && *q == '.'))
        return tong_err_set (err, 0, "linux.cgroupsPath: \"%s\" has a . or .. component", p);
      q += n;
    }
  return 0;
}

extern int cg_v1_init (struct tong_cgroup *cg, const char *cgroups_path, struct tong_err *err);

int
cgroup_init (struct tong_cgroup *cg, const char *cgroups_path, const char *id, bool systemd,
             struct tong_err *err)
{
  memset (cg, 0, sizeof *cg);
  cg->mode = cgroup_mode ();
  const char *path = cgroups_path && *cgroups_path ? cgroups_path : id;
  struct cg_systemd_path sp = { 0 };
  cleanup_free char *spath = NULL;
  if (systemd)
    {
      if (cg_systemd_parse (cgroups_path, id, &sp, err) < 0)
        return -1;
      cleanup_free char *slice = NULL;
      int r = cg_systemd_expand_slice (sp.slice, &slice, err);
      if (r == 0 && asprintf (&spath, "%s/%s", strcmp (slice, "/") ? slice : "", sp.unit) < 0)
        r = tong_err_set (err, ENOMEM, "cgroup");
      if (r == 0 && strcmp (sp.unit + strlen (sp.unit) - 6, ".slice") == 0)
        r = tong_err_set (err, 0,
                          "linux.cgroupsPath: \"%s\": a slice as the container's own unit is "
                          "not supported; name a scope (\"slice:prefix:name\")",
                          cgroups_path);
      if (r < 0)
        {
          cg_systemd_path_free (&sp);
          return -1;
        }
      /* Without systemd as PID 1 there is nobody to own the scope.  */
      cleanup_free char *comm = NULL;
      if (read_file ("/proc/1/comm", &comm, NULL, NULL) < 0 || strncmp (comm, "systemd", 7) != 0)
        {
          cg_systemd_path_free (&sp);
          return tong_err_set (err, 0,
                               "--systemd-cgroup: systemd is not PID 1 on this host, so it "
                               "cannot manage the cgroup %s; use the cgroupfs driver (no "
                               "--systemd-cgroup)",
                               spath);
        }
      cg->sd_unit = steal_pointer (&sp.unit);
      cg->sd_slice = steal_pointer (&sp.slice);
      cg->sd_name = steal_pointer (&sp.name);
      cg_systemd_path_free (&sp);
      /* systemd puts the scope at the same place in every hierarchy.  */
      if (cg->mode == CG_MODE_V2 || cg->mode == CG_MODE_HYBRID)
        {
          cg->path = strdup (spath);
          cg->v2_root = cg->mode == CG_MODE_V2 ? CG_ROOT : CG_UNIFIED;
          if (cg->path == NULL)
            return tong_err_set (err, ENOMEM, "cgroup");
        }
      cg->driver = &cgroup_driver_systemd;
      return cg->mode == CG_MODE_V2 ? 0 : cg_v1_init (cg, spath, err);
    }
  if (check_path (path, err) < 0)
    return -1;
  if (cg->mode == CG_MODE_V2 || cg->mode == CG_MODE_HYBRID)
    {
      cleanup_free char *own = NULL;
      if (cg_own_path ("", &own, err) < 0)
        return -1;
      cg->path = cg_join (own, path);
      cg->v2_root = cg->mode == CG_MODE_V2 ? CG_ROOT : CG_UNIFIED;
    }
  if (cg->mode == CG_MODE_V2)
    {
      cg->driver = &cgroup_driver_v2;
      return cg->path ? 0 : tong_err_set (err, ENOMEM, "cgroup");
    }
  cg->driver = &cgroup_driver_v1;
  return cg_v1_init (cg, path, err);
}

void
cgroup_clear (struct tong_cgroup *cg)
{
  free (cg->path);
  free (cg->sd_unit);
  free (cg->sd_slice);
  free (cg->sd_name);
  for (size_t i = 0; i < sizeof cg->v1_mount / sizeof cg->v1_mount[0]; i++)
    free (cg->v1_mount[i]);
  memset (cg, 0, sizeof *cg);
}

/* The state keeps the resolved directories, one a line: the unified one
   first ("" when none), then the v1 ones as INDEX=DIR, then the systemd unit
   as unit=NAME (--systemd-cgroup).  The caller of a later
   command may sit in another cgroup, so nothing is recomputed.  */
char *
cgroup_serialize (const struct tong_cgroup *cg)
{
  size_t cap = 256;
  for (size_t i = 0; i < 16; i++)
    if (cg->v1_mount[i])
      cap += strlen (cg->v1_mount[i]) + 8;
  if (cg->path)
    cap += strlen (cg->path) + 64;
  if (cg->sd_unit)
    cap += strlen (cg->sd_unit) + 8;
  char *s = malloc (cap);
  if (s == NULL)
    return NULL;
  int n = snprintf (s, cap, "%d\n%s\n%s\n", (int) cg->mode, cg->v2_root ? cg->v2_root : "",
                    cg->path ? cg->path : "");
  for (size_t i = 0; i < 16; i++)
    if (cg->v1_mount[i])
      n += snprintf (s + n, cap - n, "%zu=%s\n", i, cg->v1_mount[i]);
  if (cg->sd_unit)
    snprintf (s + n, cap - n, "unit=%s\n", cg->sd_unit);
  return s;
}

int
cgroup_open (struct tong_cgroup *cg, const char *state_path, struct tong_err *err)
{
  memset (cg, 0, sizeof *cg);
  if (state_path == NULL || *state_path == '\0')
    return tong_err_set (err, ENOENT, "the container has no cgroup");
  cleanup_free char *s = strdup (state_path);
  if (s == NULL)
    return tong_err_set (err, ENOMEM, "cgroup");
  char *save = NULL;
  char *mode = strtok_r (s, "\n", &save);
  if (mode == NULL)
    return tong_err_set (err, EINVAL, "state: bad cgroupPath");
  cg->mode = (enum cgroup_mode) atoi (mode);
  char *rest = save;
  /* v2 root and path may be empty lines: split by hand.  */
  char *l1 = rest, *l2 = l1 ? strchr (l1, '\n') : NULL;
  if (l2 == NULL)
    return tong_err_set (err, EINVAL, "state: bad cgroupPath");
  *l2++ = '\0';
  char *l3 = strchr (l2, '\n');
  if (l3 == NULL)
    return tong_err_set (err, EINVAL, "state: bad cgroupPath");
  *l3++ = '\0';
  cg->v2_root = strcmp (l1, CG_ROOT) == 0 ? CG_ROOT : strcmp (l1, CG_UNIFIED) == 0 ? CG_UNIFIED : NULL;
  cg->path = *l2 ? strdup (l2) : NULL;
  for (char *line = l3, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      if (strncmp (line, "unit=", 5) == 0)
        {
          free (cg->sd_unit);
          cg->sd_unit = strdup (line + 5);
          continue;
        }
      char *eq = strchr (line, '=');
      int idx = atoi (line);
      if (eq && idx >= 0 && idx < 16)
        cg->v1_mount[idx] = strdup (eq + 1);
    }
  cg->driver = cg->mode == CG_MODE_V2 ? &cgroup_driver_v2 : &cgroup_driver_v1;
  if (cg->sd_unit)
    {
      /* The scope exists since create: joins (exec) go through cgroupfs.  */
      cg->driver = &cgroup_driver_systemd;
      cg->sd_started = true;
    }
  return 0;
}

/* Dispatch.  */

extern int cg_v1_check (const struct tong_cgroup *cg, const struct cg_resources *r,
                        struct tong_err *err);

int
cgroup_check (const struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  if (cg->mode == CG_MODE_V2)
    return cg_v2_check (r, err);
  return cg_v1_check (cg, r, err);
}

int
cgroup_create (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  if (cg->driver->create (cg, r, err) < 0)
    return tong_err_wrap (err, "create the cgroup %s", cg->path ? cg->path : "");
  return 0;
}

int
cgroup_enter (struct tong_cgroup *cg, pid_t pid, struct tong_err *err)
{
  if (cg->driver->enter (cg, pid, err) < 0)
    return tong_err_wrap (err, "join the cgroup");
  return 0;
}

int
cgroup_set (struct tong_cgroup *cg, const struct cg_resources *r, bool update,
            struct tong_err *err)
{
  cleanup_free struct cg_device_rule *rules = NULL;
  size_t n = 0;
  /* update leaves the device rules alone unless it names some.  */
  if ((!update || r->has_devices) && cg_device_rules (r, &rules, &n, err) < 0)
    return -1;
  if (update && !r->has_devices)
    n = 0;
  return cg->driver->set (cg, r, rules, n, update, err);
}

int
cgroup_freeze (struct tong_cgroup *cg, bool frozen, struct tong_err *err)
{
  return cg->driver->freeze (cg, frozen, err);
}

int
cgroup_frozen (struct tong_cgroup *cg)
{
  return cg->driver->frozen (cg);
}

int
cgroup_pids (struct tong_cgroup *cg, pid_t **out, size_t *n, struct tong_err *err)
{
  return cg->driver->pids (cg, out, n, err);
}

int
cgroup_kill_all (struct tong_cgroup *cg, int sig, struct tong_err *err)
{
  /* Frozen, nothing can fork a new process past the list we read; thawed
     again so the signals are delivered.  */
  int was = cgroup_frozen (cg);
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  /* Nothing in it (the init of a pid namespace died, taking the rest with
     it): no process is left that could fork, so no freeze is needed.  */
  if (was != 1 && cgroup_pids (cg, &pids, &n, NULL) == 0 && n == 0)
    return 0;
  free (pids);
  pids = NULL;
  n = 0;
  bool froze = was == 0 && cgroup_freeze (cg, true, NULL) == 0;
  int ret = cgroup_pids (cg, &pids, &n, err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      ret = tong_err_set (err, errno, "kill %d", (int) pids[i]);
  /* A paused container's processes die of SIGKILL only once thawed.  */
  if (froze || (was == 1 && sig == SIGKILL))
    cgroup_freeze (cg, false, NULL);
  return ret;
}

int
cgroup_wait_empty (struct tong_cgroup *cg)
{
  /* SIGKILLed processes leave the cgroup as they exit: quickly, unless one
     sits in an uninterruptible wait.  */
  for (int i = 0; i < 1000; i++)
    {
      cleanup_free pid_t *pids = NULL;
      size_t n = 0;
      if (cgroup_pids (cg, &pids, &n, NULL) < 0 || n == 0)
        return 0;
      usleep (i < 100 ? 1000 : 10000);
    }
  return -1;
}

int
cgroup_destroy (struct tong_cgroup *cg, struct tong_err *err)
{
  return cg->driver->destroy (cg, err);
}
