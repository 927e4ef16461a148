/* --systemd-cgroup: paths "slice:prefix:name", as runc takes them, the unit
   and cgroup names systemd gives them, and the driver: systemd (PID 1) makes
   a transient scope holding the container's pid, over D-Bus (dbus.c); the
   limits go both into the unit's properties (so systemd keeps them) and,
   through the v1/v2 driver, into the scope's cgroup files (every resource,
   also those systemd has no property for).  */
#include "cgroup.h"
#include "cleanup.h"
#include "dbus.h"
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
cg_systemd_path_free (struct cg_systemd_path *p)
{
  free (p->slice);
  free (p->prefix);
  free (p->name);
  free (p->unit);
  memset (p, 0, sizeof *p);
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

int
cg_systemd_parse (const char *cgroups_path, const char *id, struct cg_systemd_path *p,
                  struct tong_err *err)
{
  memset (p, 0, sizeof *p);
  const char *slice = "", *prefix = "tong", *name = id;
  cleanup_free char *copy = NULL;
  if (cgroups_path && *cgroups_path)
    {
      copy = strdup (cgroups_path);
      if (copy == NULL)
        return tong_err_set (err, ENOMEM, "cgroupsPath");
      char *c1 = strchr (copy, ':');
      char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL || strchr (c2 + 1, ':'))
        return tong_err_set (err, 0,
                             "linux.cgroupsPath: \"%s\": with --systemd-cgroup it must be "
                             "\"slice:prefix:name\"",
                             cgroups_path);
      *c1 = *c2 = '\0';
      slice = copy;
      prefix = c1 + 1;
      name = c2 + 1;
    }
  if (*slice && !ends_with (slice, ".slice"))
    return tong_err_set (err, 0, "linux.cgroupsPath: \"%s\" is not a slice name (*.slice)", slice);
  if (strchr (slice, '/') || strchr (prefix, '/') || strchr (name, '/'))
    return tong_err_set (err, 0, "linux.cgroupsPath: a systemd unit name has no '/'");
  if (*name == '\0')
    return tong_err_set (err, 0, "linux.cgroupsPath: the unit name is empty");
  p->slice = strdup (*slice ? slice : "system.slice");
  p->prefix = strdup (prefix);
  p->name = strdup (name);
  if (ends_with (name, ".slice"))
    p->unit = strdup (name);
  else if (*prefix)
    {
      if (asprintf (&p->unit, "%s-%s.scope", prefix, name) < 0)
        p->unit = NULL;
    }
  else if (asprintf (&p->unit, "%s.scope", name) < 0)
    p->unit = NULL;
  if (!p->slice || !p->prefix || !p->name || !p->unit)
    {
      cg_systemd_path_free (p);
      return tong_err_set (err, ENOMEM, "cgroupsPath");
    }
  return 0;
}

int
cg_systemd_expand_slice (const char *slice, char **out, struct tong_err *err)
{
  *out = NULL;
  if (strcmp (slice, "-.slice") == 0)
    return (*out = strdup ("/")) ? 0 : tong_err_set (err, ENOMEM, "slice");
  if (!ends_with (slice, ".slice") || strchr (slice, '/'))
    return tong_err_set (err, 0, "invalid slice name \"%s\"", slice);
  size_t n = strlen (slice) - strlen (".slice");
  if (n == 0 || slice[0] == '-' || slice[n - 1] == '-' || strstr (slice, "--"))
    return tong_err_set (err, 0, "invalid slice name \"%s\"", slice);
  /* Each dash-separated prefix is a parent slice: a-b.slice lives in a.slice.  */
  size_t cap = 2 * (n + 8) * (n + 1) + 1;
  char *s = malloc (cap);
  if (s == NULL)
    return tong_err_set (err, ENOMEM, "slice");
  size_t len = 0;
  for (size_t i = 0; i <= n; i++)
    if (i == n || slice[i] == '-')
      len += (size_t) snprintf (s + len, cap - len, "/%.*s.slice", (int) i, slice);
  *out = s;
  return 0;
}

/* ---- unit properties ---------------------------------------------------- */

/* systemd's "infinity" for the t-typed limits.  */
#define SD_INFINITY UINT64_MAX

static void
prop (struct dbus_buf *b, const char *name, const char *sig)
{
  dbus_w_struct (b);
  dbus_w_str (b, name);
  dbus_w_sig (b, sig);
}

static void
prop_t (struct dbus_buf *b, const char *name, uint64_t v)
{
  prop (b, name, "t");
  dbus_w_u64 (b, v);
}

static void
prop_b (struct dbus_buf *b, const char *name, bool v)
{
  prop (b, name, "b");
  dbus_w_bool (b, v);
}

static void
prop_s (struct dbus_buf *b, const char *name, const char *v)
{
  prop (b, name, "s");
  dbus_w_str (b, v);
}

static void
prop_ay (struct dbus_buf *b, const char *name, const uint8_t *v, size_t n)
{
  prop (b, name, "ay");
  size_t m = dbus_w_array_begin (b, 1);
  for (size_t i = 0; i < n; i++)
    dbus_w_byte (b, v[i]);
  dbus_w_array_end (b, m);
}

int
cg_systemd_cpumask (const char *list, uint8_t **out, size_t *n, struct tong_err *err)
{
  *out = NULL;
  *n = 0;
  /* Bounded: the kernel's NR_CPUS / MAX_NUMNODES are far below.  */
  enum
  {
    MAX_BIT = 1 << 16
  };
  size_t len = 0;
  uint8_t *m = calloc (MAX_BIT / 8, 1);
  if (m == NULL)
    return tong_err_set (err, ENOMEM, "cpu list");
  for (const char *p = list; *p;)
    {
      while (*p == ' ' || *p == '\n')
        p++;
      if (*p == '\0')
        break;
      char *end;
      errno = 0;
      unsigned long a = strtoul (p, &end, 10), b = a;
      if (end == p || errno)
        goto bad;
      p = end;
      if (*p == '-')
        {
          const char *q = p + 1;
          b = strtoul (q, &end, 10);
          if (end == q || errno || b < a)
            goto bad;
          p = end;
        }
      if (b >= MAX_BIT)
        goto bad;
      for (unsigned long i = a; i <= b; i++)
        m[i / 8] |= (uint8_t) (1u << (i % 8));
      if (b / 8 + 1 > len)
        len = b / 8 + 1;
      while (*p == ' ' || *p == '\n')
        p++;
      if (*p == ',')
        p++;
      else if (*p)
        goto bad;
    }
  *out = m;
  *n = len;
  return 0;
bad:
  free (m);
  return tong_err_set (err, 0, "\"%s\" is not a list of numbers and ranges (\"0-3,5\")", list);
}

int
cg_systemd_resource_props (struct dbus_buf *b, const struct cg_resources *r, enum cgroup_mode mode,
                           struct tong_err *err)
{
  bool v2 = mode == CG_MODE_V2;
  if (r->memory.limit.set && r->memory.limit.v != 0)
    prop_t (b, v2 ? "MemoryMax" : "MemoryLimit",
            r->memory.limit.v < 0 ? SD_INFINITY : (uint64_t) r->memory.limit.v);
  if (v2 && r->memory.reservation.set && r->memory.reservation.v != 0)
    prop_t (b, "MemoryLow",
            r->memory.reservation.v < 0 ? SD_INFINITY : (uint64_t) r->memory.reservation.v);
  if (v2 && r->memory.swap.set && r->memory.swap.v != 0)
    {
      int64_t sw;
      if (cg_swap_v2 (r->memory.swap.v, r->memory.limit.set ? r->memory.limit.v : -1, &sw,
                      "linux.resources.memory.swap", err)
          < 0)
        return -1;
      prop_t (b, "MemorySwapMax", sw < 0 ? SD_INFINITY : (uint64_t) sw);
    }
  if (r->cpu.shares.set && r->cpu.shares.v != 0)
    {
      if (v2)
        prop_t (b, "CPUWeight", cg_shares_to_weight (r->cpu.shares.v));
      else
        prop_t (b, "CPUShares", r->cpu.shares.v);
    }
  if (r->cpu.quota.set && r->cpu.quota.v != 0)
    {
      uint64_t period = r->cpu.period.set && r->cpu.period.v ? r->cpu.period.v : 100000;
      uint64_t per_sec = SD_INFINITY;
      if (r->cpu.quota.v > 0)
        {
          per_sec = (uint64_t) r->cpu.quota.v * 1000000 / period;
          /* systemd keeps this value in steps of 10 ms: round up, never
             below the quota asked for (the cgroup file gets the exact one).  */
          if (per_sec % 10000)
            per_sec = (per_sec / 10000 + 1) * 10000;
        }
      prop_t (b, "CPUQuotaPerSecUSec", per_sec);
      if (r->cpu.period.set && r->cpu.period.v)
        prop_t (b, "CPUQuotaPeriodUSec", r->cpu.period.v);
    }
  const char *sets[2] = { r->cpu.cpus, r->cpu.mems };
  const char *names[2] = { "AllowedCPUs", "AllowedMemoryNodes" };
  for (int i = 0; v2 && i < 2; i++)
    if (sets[i] && *sets[i])
      {
        cleanup_free uint8_t *mask = NULL;
        size_t n;
        if (cg_systemd_cpumask (sets[i], &mask, &n, err) < 0)
          return tong_err_wrap (err, "linux.resources.cpu.%s", i ? "mems" : "cpus");
        prop_ay (b, names[i], mask, n);
      }
  if (r->pids_limit.set && r->pids_limit.v != 0)
    prop_t (b, "TasksMax", r->pids_limit.v < 0 ? SD_INFINITY : (uint64_t) r->pids_limit.v);
  if (r->blkio.weight.set && r->blkio.weight.v != 0)
    {
      if (v2)
        prop_t (b, "IOWeight", cg_blkio_weight_to_io (r->blkio.weight.v));
      else
        prop_t (b, "BlockIOWeight", r->blkio.weight.v);
    }
  return 0;
}

/* The name /proc/devices gives major MAJOR of TYPE ('c' or 'b').  */
static bool
device_group (char type, int64_t major, char *name, size_t len)
{
  cleanup_fclose FILE *f = fopen ("/proc/devices", "re");
  char line[256];
  bool in = false;
  while (f && fgets (line, sizeof line, f))
    {
      if (strncmp (line, "Character devices:", 18) == 0)
        in = type == 'c';
      else if (strncmp (line, "Block devices:", 14) == 0)
        in = type == 'b';
      else if (in)
        {
          long m;
          char n[128];
          if (sscanf (line, "%ld %127s", &m, n) == 2 && m == major)
            {
              snprintf (name, len, "%s", n);
              return true;
            }
        }
    }
  return false;
}

/* DevicePolicy=strict and DeviceAllow for RULES, when systemd can say them
   all: a deny-all resets the list (everything before it is moot), any other
   deny cannot be said.  Otherwise nothing: tong's own device program (v2)
   or devices.allow (v1) enforce the rules anyway, and a partial list would
   deny what the config allows.  */
static void
device_props (struct dbus_buf *b, const struct cg_device_rule *rules, size_t n)
{
  if (n == 0 || rules[0].allow || rules[0].type != 'a')
    return;
  struct
  {
    char spec[160];
    char access[4];
  } *v = calloc (n, sizeof *v);
  if (v == NULL)
    return;
  size_t k = 0;
  for (size_t i = 1; i < n; i++)
    {
      const struct cg_device_rule *d = &rules[i];
      const char *kind = d->type == 'c' ? "char" : "block";
      char group[128];
      if (!d->allow)
        {
          if (d->type == 'a' && d->major < 0 && d->minor < 0 && strcmp (d->access, "rwm") == 0)
            {
              k = 0;
              continue;
            }
          goto out;
        }
      if (d->type == 'a' || !d->access[0])
        goto out;
      if (d->major < 0)
        /* Groups match as globs: every major /proc/devices lists.  */
        snprintf (v[k].spec, sizeof v[k].spec, "%s-*", kind);
      else if (d->minor < 0)
        {
          if (!device_group (d->type, d->major, group, sizeof group))
            goto out;
          snprintf (v[k].spec, sizeof v[k].spec, "%s-%s", kind, group);
        }
      else
        snprintf (v[k].spec, sizeof v[k].spec, "/dev/%s/%" PRId64 ":%" PRId64, kind, d->major,
                  d->minor);
      snprintf (v[k].access, sizeof v[k].access, "%s", d->access);
      k++;
    }
  prop_s (b, "DevicePolicy", "strict");
  prop (b, "DeviceAllow", "a(ss)");
  size_t m = dbus_w_array_begin (b, 8);
  for (size_t j = 0; j < k; j++)
    {
      dbus_w_struct (b);
      dbus_w_str (b, v[j].spec);
      dbus_w_str (b, v[j].access);
    }
  dbus_w_array_end (b, m);
out:
  free (v);
}

int
cg_systemd_start_body (const char *unit, const char *slice, const char *desc, pid_t pid,
                       const struct cg_resources *r, enum cgroup_mode mode,
                       const struct cg_device_rule *devices, size_t n_devices, struct dbus_buf *b,
                       struct tong_err *err)
{
  memset (b, 0, sizeof *b);
  dbus_w_str (b, unit);
  /* "replace": as runc; a stale job for the same unit is superseded.  */
  dbus_w_str (b, "replace");
  size_t props = dbus_w_array_begin (b, 8);
  prop_s (b, "Description", desc);
  prop_s (b, "Slice", slice);
  prop (b, "PIDs", "au");
  size_t pids = dbus_w_array_begin (b, 4);
  dbus_w_u32 (b, (uint32_t) pid);
  dbus_w_array_end (b, pids);
  /* The container may make cgroups below its own (nested runtimes).  */
  prop_b (b, "Delegate", true);
  /* No ordering against shutdown.target and friends: the container's
     lifetime is the engine's business, as with runc.  */
  prop_b (b, "DefaultDependencies", false);
  prop_b (b, "MemoryAccounting", true);
  prop_b (b, "CPUAccounting", true);
  prop_b (b, mode == CG_MODE_V2 ? "IOAccounting" : "BlockIOAccounting", true);
  prop_b (b, "TasksAccounting", true);
  if (r && cg_systemd_resource_props (b, r, mode, err) < 0)
    {
      dbus_buf_free (b);
      return -1;
    }
  if (devices)
    device_props (b, devices, n_devices);
  dbus_w_array_end (b, props);
  /* No auxiliary units: an empty a(sa(sv)).  */
  dbus_w_array_end (b, dbus_w_array_begin (b, 8));
  if (b->oom)
    {
      dbus_buf_free (b);
      return tong_err_set (err, ENOMEM, "D-Bus message");
    }
  return 0;
}

/* ---- talking to systemd --------------------------------------------------- */

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* Bounded waits: a job of a scope is immediate, but a VM under TCG is slow.  */
#define SD_TIMEOUT_MS 30000
#define SD_STOP_TIMEOUT_MS 5000

/* The system bus first (as runc), systemd's private socket (root only)
   when there is no bus daemon.  */
static int
sd_connect (struct dbus_conn *c, struct tong_err *err)
{
  struct tong_err e1 = { 0 };
  const char *env = getenv ("DBUS_SYSTEM_BUS_ADDRESS");
  const char *bus = "/run/dbus/system_bus_socket";
  if (env && strncmp (env, "unix:path=", 10) == 0 && !strchr (env, ','))
    bus = env + 10;
  if (dbus_connect (c, bus, true, &e1) == 0)
    {
      tong_debug ("systemd: D-Bus via the system bus %s", bus);
      /* JobRemoved is broadcast: ask the bus to pass it on to us.  */
      struct dbus_buf body = { 0 };
      dbus_w_str (&body, "type='signal',sender='" SD_DEST "',path='" SD_PATH
                         "',interface='" SD_MANAGER "',member='JobRemoved'");
      struct dbus_call call = { "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "AddMatch", "s" };
      struct dbus_msg m;
      int r = dbus_method (c, &call, &body, &m, NULL, NULL, SD_TIMEOUT_MS, err);
      dbus_buf_free (&body);
      dbus_msg_free (&m);
      if (r < 0)
        dbus_close (c);
      return r;
    }
  /* A direct connection gets every signal without asking.  */
  if (dbus_connect (c, "/run/systemd/private", false, err) == 0)
    {
      tong_debug ("systemd: D-Bus via systemd's private socket /run/systemd/private");
      return 0;
    }
  return tong_err_wrap (err, "--systemd-cgroup: no D-Bus connection to systemd (%s)", e1.msg);
}

struct job_seen
{
  char job[8][256];
  char result[8][32];
  int n;
};

static void
on_signal (const struct dbus_msg *m, void *data)
{
  struct job_seen *js = data;
  if (!m->member || strcmp (m->member, "JobRemoved") != 0 || !m->iface
      || strcmp (m->iface, SD_MANAGER) != 0 || strcmp (m->sig, "uoss") != 0)
    return;
  struct dbus_rd r;
  dbus_rd_init (&r, m->body, m->body_len);
  dbus_r_u32 (&r);
  const char *job = dbus_r_str (&r);
  dbus_r_str (&r); /* the unit.  */
  const char *result = dbus_r_str (&r);
  if (job == NULL || result == NULL)
    return;
  int i = js->n < 8 ? js->n++ : 7;
  snprintf (js->job[i], sizeof js->job[i], "%s", job);
  snprintf (js->result[i], sizeof js->result[i], "%s", result);
}

/* Call METHOD of the manager with BODY (signature SIG), whose reply is a
   job path, and wait for that job's JobRemoved.  *ERROR_NAME (if given)
   gets the D-Bus error name of a refused call.  */
static int
sd_job (const char *method, const char *sig, const struct dbus_buf *body, const char *unit,
        int timeout_ms, char *error_name, size_t error_len, struct tong_err *err)
{
  struct dbus_conn c;
  if (error_name)
    *error_name = '\0';
  if (sd_connect (&c, err) < 0)
    return -1;
  struct job_seen js = { .n = 0 };
  struct dbus_call call = { SD_DEST, SD_PATH, SD_MANAGER, method, sig };
  struct dbus_msg m;
  int r = dbus_method (&c, &call, body, &m, on_signal, &js, timeout_ms, err);
  if (r < 0)
    {
      if (error_name && m.error)
        snprintf (error_name, error_len, "%s", m.error);
      dbus_msg_free (&m);
      dbus_close (&c);
      return tong_err_wrap (err, "systemd: %s %s", method, unit);
    }
  struct dbus_rd rd;
  dbus_rd_init (&rd, m.body, m.body_len);
  const char *p = strcmp (m.sig, "o") == 0 ? dbus_r_str (&rd) : NULL;
  char job[256];
  snprintf (job, sizeof job, "%s", p ? p : "");
  dbus_msg_free (&m);
  if (*job == '\0')
    {
      dbus_close (&c);
      return tong_err_set (err, EPROTO, "systemd: %s %s: the reply has no job", method, unit);
    }
  const char *result = NULL;
  long long waited = 0;
  while (result == NULL)
    {
      for (int i = 0; i < js.n && result == NULL; i++)
        if (strcmp (js.job[i], job) == 0)
          result = js.result[i];
      if (result)
        break;
      if (waited >= timeout_ms)
        {
          dbus_close (&c);
          return tong_err_set (err, ETIMEDOUT, "systemd: %s %s: job %s did not finish", method,
                               unit, job);
        }
      struct dbus_msg s;
      if (dbus_read (&c, &s, 1000, err) < 0)
        {
          if (err && err->errnum == ETIMEDOUT)
            {
              waited += 1000;
              tong_err_clear (err);
              continue;
            }
          dbus_close (&c);
          return tong_err_wrap (err, "systemd: %s %s: wait for job %s", method, unit, job);
        }
      if (s.type == DBUS_SIGNAL)
        on_signal (&s, &js);
      dbus_msg_free (&s);
    }
  dbus_close (&c);
  if (strcmp (result, "done") != 0)
    return tong_err_set (err, 0, "systemd: %s %s: the job ended \"%s\" (journalctl -u %s)", method,
                         unit, result, unit);
  return 0;
}

/* ---- the driver ----------------------------------------------------------- */

static const struct cgroup_driver *
fs_driver (const struct tong_cgroup *cg)
{
  return cg->mode == CG_MODE_V2 ? &cgroup_driver_v2 : &cgroup_driver_v1;
}

/* Nothing yet: systemd makes a scope only together with its first process,
   which enter brings.  */
static int
sd_create (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  (void) err;
  cg->sd_res = r;
  cg->created = false;
  return 0;
}

static int
sd_start (struct tong_cgroup *cg, pid_t pid, struct tong_err *err)
{
  struct dbus_buf body;
  char desc[300], ename[128];
  snprintf (desc, sizeof desc, "tong container %s", cg->sd_name ? cg->sd_name : cg->sd_unit);
  struct cg_resources none = { 0 };
  const struct cg_resources *res = cg->sd_res ? cg->sd_res : &none;
  cleanup_free struct cg_device_rule *rules = NULL;
  size_t n = 0;
  if (cg_device_rules (res, &rules, &n, err) < 0
      || cg_systemd_start_body (cg->sd_unit, cg->sd_slice, desc, pid, res, cg->mode, rules, n,
                                &body, err)
             < 0)
    return -1;
  int r = sd_job ("StartTransientUnit", "ssa(sv)a(sa(sv))", &body, cg->sd_unit, SD_TIMEOUT_MS,
                  ename, sizeof ename, err);
  dbus_buf_free (&body);
  if (r < 0 && strcmp (ename, "org.freedesktop.systemd1.UnitExists") == 0)
    return tong_err_wrap (err,
                          "a unit %s is still there (a container of that name, or one "
                          "not deleted: systemctl stop %s)",
                          cg->sd_unit, cg->sd_unit);
  return r;
}

static int
sd_enter (struct tong_cgroup *cg, pid_t pid, struct tong_err *err)
{
  if (!cg->sd_started)
    {
      if (sd_start (cg, pid, err) < 0)
        return -1;
      cg->sd_started = true;
      /* The scope's cgroup exists now; the fs driver adds what systemd does
         not make (v1 hierarchies it does not manage, controllers enabled
         for update) and checks the pid is in.  */
      if (fs_driver (cg)->create (cg, cg->sd_res, err) < 0)
        return -1;
      /* Ours: a create that fails from here on stops it again.  */
      cg->created = true;
    }
  return fs_driver (cg)->enter (cg, pid, err);
}

static int
sd_set (struct tong_cgroup *cg, const struct cg_resources *r, const struct cg_device_rule *devices,
        size_t n_devices, bool update, struct tong_err *err)
{
  if (update)
    {
      /* Runtime properties, so systemd does not put back the old values on
         its next reload.  */
      struct dbus_buf body = { 0 };
      dbus_w_str (&body, cg->sd_unit);
      dbus_w_bool (&body, true);
      size_t props = dbus_w_array_begin (&body, 8);
      if (cg_systemd_resource_props (&body, r, cg->mode, err) < 0)
        {
          dbus_buf_free (&body);
          return -1;
        }
      dbus_w_array_end (&body, props);
      struct dbus_conn c;
      struct dbus_call call = { SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties", "sba(sv)" };
      struct dbus_msg m = { 0 };
      int ret = sd_connect (&c, err);
      if (ret == 0)
        {
          ret = dbus_method (&c, &call, &body, &m, NULL, NULL, SD_TIMEOUT_MS, err);
          dbus_msg_free (&m);
          dbus_close (&c);
        }
      dbus_buf_free (&body);
      if (ret < 0)
        return tong_err_wrap (err, "systemd: SetUnitProperties %s", cg->sd_unit);
    }
  return fs_driver (cg)->set (cg, r, devices, n_devices, update, err);
}

static int
sd_freeze (struct tong_cgroup *cg, bool frozen, struct tong_err *err)
{
  return fs_driver (cg)->freeze (cg, frozen, err);
}

static int
sd_frozen (struct tong_cgroup *cg)
{
  return cg->sd_started ? fs_driver (cg)->frozen (cg) : -1;
}

/* Before systemd made the scope, a cgroup of that name is somebody else's
   (StartTransientUnit refused it): nothing in it is ours.  */
static int
sd_pids (struct tong_cgroup *cg, pid_t **out, size_t *n, struct tong_err *err)
{
  if (!cg->sd_started)
    {
      *out = NULL;
      *n = 0;
      return 0;
    }
  return fs_driver (cg)->pids (cg, out, n, err);
}

static int
sd_stats (struct tong_cgroup *cg, struct json_writer *w, struct tong_err *err)
{
  return fs_driver (cg)->stats (cg, w, err);
}

static int
sd_oom_fd (struct tong_cgroup *cg, struct tong_err *err)
{
  return fs_driver (cg)->oom_fd (cg, err);
}

static int
sd_oom_check (struct tong_cgroup *cg, int fd)
{
  return fs_driver (cg)->oom_check (cg, fd);
}

/* Whether the scope's cgroup is gone (systemd removes it with the unit).  */
static bool
sd_cgroup_gone (struct tong_cgroup *cg)
{
  char dir[PATH_MAX];
  const char *root = cg->v2_root ? cg->v2_root : cg->v1_mount[0];
  if (root == NULL || cg->path == NULL)
    return false;
  snprintf (dir, sizeof dir, "%s%s", root, cg->path);
  return access (dir, F_OK) < 0 && errno == ENOENT;
}

/* A scope whose processes have all exited stops by itself and systemd
   removes it, as runc relies on; one that does not is stopped (systemd
   then kills what is left and removes its cgroup).  */
static int
sd_destroy (struct tong_cgroup *cg, struct tong_err *err)
{
  if (!cg->sd_started)
    return 0;
  /* delete has emptied the scope: give systemd a moment to notice.  */
  for (int i = 0; i < 100 && !sd_cgroup_gone (cg); i++)
    usleep (20000);
  if (sd_cgroup_gone (cg))
    return 0;
  struct dbus_buf body = { 0 };
  dbus_w_str (&body, cg->sd_unit);
  dbus_w_str (&body, "replace");
  char ename[128];
  struct tong_err e = { 0 };
  /* Short: seen in the VM (systemd 252), a StopUnit that races with the
     scope's own end can go unanswered although systemd serves others.  */
  int r
      = sd_job ("StopUnit", "ss", &body, cg->sd_unit, SD_STOP_TIMEOUT_MS, ename, sizeof ename, &e);
  dbus_buf_free (&body);
  if (r < 0 && strcmp (ename, "org.freedesktop.systemd1.NoSuchUnit") != 0 && !sd_cgroup_gone (cg))
    tong_warn ("%s", e.msg);
  return fs_driver (cg)->destroy (cg, err);
}

const struct cgroup_driver cgroup_driver_systemd = {
  .name = "systemd",
  .create = sd_create,
  .enter = sd_enter,
  .set = sd_set,
  .freeze = sd_freeze,
  .frozen = sd_frozen,
  .pids = sd_pids,
  .stats = sd_stats,
  .oom_fd = sd_oom_fd,
  .oom_check = sd_oom_check,
  .destroy = sd_destroy,
};
