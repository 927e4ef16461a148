/* The v1 driver: one hierarchy per controller (or co-mounted ones).  On a
   hybrid host the container also gets a cgroup in the unified mount, as runc
   places it, so what lives only there (hugetlb here) can be limited.  */
#include "cgroup.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

enum
{
  V1_CPU,
  V1_CPUACCT,
  V1_CPUSET,
  V1_MEMORY,
  V1_DEVICES,
  V1_FREEZER,
  V1_BLKIO,
  V1_PIDS,
  V1_NET_CLS,
  V1_NET_PRIO,
  V1_HUGETLB,
  V1_PERF_EVENT,
  V1_RDMA,
  V1_MISC,
  V1_SYSTEMD,
  V1_COUNT,
};

static const char *const v1_names[V1_COUNT] = {
  "cpu",     "cpuacct",  "cpuset",     "memory", "devices", "freezer",
  "blkio",   "pids",     "net_cls",    "net_prio", "hugetlb", "perf_event",
  "rdma",    "misc",     "name=systemd",
};

#define DIR_OF(cg, i) ((cg)->v1_mount[i])

/* Is dir I the first index holding that directory (co-mounted controllers
   share one)?  */
static bool
first_of_dir (const struct tong_cgroup *cg, int i)
{
  if (DIR_OF (cg, i) == NULL)
    return false;
  for (int j = 0; j < i; j++)
    if (DIR_OF (cg, j) && strcmp (DIR_OF (cg, j), DIR_OF (cg, i)) == 0)
      return false;
  return true;
}

int
cg_v1_init (struct tong_cgroup *cg, const char *path, struct tong_err *err)
{
  cleanup_free char *mi = NULL, *self = NULL;
  if (read_file ("/proc/self/mountinfo", &mi, NULL, err) < 0
      || read_file ("/proc/self/cgroup", &self, NULL, err) < 0)
    return -1;
  for (char *line = mi, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      char *sep = strstr (line, " - ");
      if (sep == NULL || strncmp (sep + 3, "cgroup ", 7) != 0)
        continue;
      /* Fields: id parent maj:min root mountpoint ...; super options last.  */
      char root[PATH_MAX], mnt[PATH_MAX];
      if (sscanf (line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
        continue;
      char *opts = strrchr (sep, ' ');
      if (opts == NULL)
        continue;
      opts++;
      for (char *o = opts; *o;)
        {
          size_t n = strcspn (o, ",");
          for (int i = 0; i < V1_COUNT; i++)
            if (strlen (v1_names[i]) == n && strncmp (o, v1_names[i], n) == 0
                && DIR_OF (cg, i) == NULL)
              {
                cleanup_free char *own = NULL;
                const char *ctrl = i == V1_SYSTEMD ? "name=systemd" : v1_names[i];
                if (cg_own_path_in (self, ctrl, &own, err) < 0)
                  return -1;
                /* A hierarchy mounted from below its root shows that part
                   in the mountinfo root field, not in the mount point.  */
                const char *rel = own;
                size_t rl = strlen (root);
                if (strcmp (root, "/") != 0 && strncmp (own, root, rl) == 0)
                  rel = own + rl;
                cleanup_free char *j = cg_join (rel, path);
                if (j == NULL || asprintf (&cg->v1_mount[i], "%s%s", mnt, j) < 0)
                  return tong_err_set (err, ENOMEM, "cgroup");
              }
          o += n;
          if (*o == ',')
            o++;
        }
    }
  if (cg->path == NULL)
    {
      cleanup_free char *own = NULL;
      if (cg_own_path_in (self, "memory", &own, err) < 0)
        return -1;
      cg->path = cg_join (own, path);
    }
  return cg->path ? 0 : tong_err_set (err, ENOMEM, "cgroup");
}

static char *
unified_dir (const struct tong_cgroup *cg)
{
  char *d = NULL;
  if (cg->mode != CG_MODE_HYBRID || cg->v2_root == NULL || cg->path == NULL)
    return NULL;
  if (asprintf (&d, "%s%s", cg->v2_root, cg->path) < 0)
    return NULL;
  return d;
}

/* mkdir -p DIR; cpuset levels get their parent's cpus and mems, without
   which no process can join them.  */
static int
mkdir_cgroup (const char *dir, bool cpuset, bool *created, struct tong_err *err)
{
  char buf[PATH_MAX];
  snprintf (buf, sizeof buf, "%s", dir);
  *created = false;
  /* The mkdir first: one syscall when the parent is there (the usual case),
     no stat of the dir and of its parent.  */
  char *slash = strrchr (buf, '/');
  if (mkdir (dir, 0755) < 0)
    {
      if (errno == EEXIST)
        return 0;
      if (errno != ENOENT || slash == NULL || slash == buf)
        return tong_err_set (err, errno, "mkdir %s", dir);
      *slash = '\0';
      bool dummy;
      if (mkdir_cgroup (buf, cpuset, &dummy, err) < 0)
        return -1;
      if (mkdir (dir, 0755) < 0)
        {
          if (errno == EEXIST)
            return 0;
          return tong_err_set (err, errno, "mkdir %s", dir);
        }
    }
  *created = true;
  if (cpuset && slash && slash != buf)
    {
      /* A new cpuset level is empty (or, with cgroup.clone_children, a copy
         of its parent's): give it the parent's cpus and mems.  */
      *slash = '\0';
      const char *files[] = { "cpuset.cpus", "cpuset.mems" };
      for (int k = 0; k < 2; k++)
        {
          cleanup_free char *v = NULL;
          if (cg_read (buf, files[k], &v, err) < 0 || cg_write (dir, files[k], v, err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
v1_create (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  for (int i = 0; i < V1_COUNT; i++)
    {
      if (!first_of_dir (cg, i))
        continue;
      bool created = false;
      if (mkdir_cgroup (DIR_OF (cg, i), i == V1_CPUSET, &created, err) < 0)
        return -1;
      if (created)
        cg->created = true;
    }
  /* cpuset must be right before the first process joins.  */
  if (DIR_OF (cg, V1_CPUSET))
    {
      if (r->cpu.cpus && cg_write (DIR_OF (cg, V1_CPUSET), "cpuset.cpus", r->cpu.cpus, err) < 0)
        return tong_err_wrap (err, "linux.resources.cpu.cpus");
      if (r->cpu.mems && cg_write (DIR_OF (cg, V1_CPUSET), "cpuset.mems", r->cpu.mems, err) < 0)
        return tong_err_wrap (err, "linux.resources.cpu.mems");
    }
  else if (r->cpu.cpus || r->cpu.mems)
    return tong_err_set (err, 0, "linux.resources.cpu.%s: the cpuset controller is not mounted",
                         r->cpu.cpus ? "cpus" : "mems");
  cleanup_free char *u = unified_dir (cg);
  if (u)
    {
      static const char *const hugetlb[] = { "hugetlb", NULL };
      bool created;
      if (cg_v2_mkdir_enable (cg->v2_root, cg->path, r->n_hugepages ? hugetlb : NULL, &created,
                              err)
          < 0)
        return tong_err_wrap (err, "the unified hierarchy");
    }
  return 0;
}

static int
v1_enter (struct tong_cgroup *cg, pid_t pid, struct tong_err *err)
{
  for (int i = 0; i < V1_COUNT; i++)
    if (first_of_dir (cg, i) && cg_writef (DIR_OF (cg, i), "cgroup.procs", err, "%d", (int) pid) < 0)
      return -1;
  cleanup_free char *u = unified_dir (cg);
  if (u && cg_writef (u, "cgroup.procs", err, "%d", (int) pid) < 0)
    return -1;
  return 0;
}

/* Is the file there (some kernels lack some knobs)?  */
static bool
has_file (const char *dir, const char *file)
{
  char p[PATH_MAX];
  snprintf (p, sizeof p, "%s/%s", dir, file);
  return access (p, F_OK) == 0;
}

static const char *
need (const struct tong_cgroup *cg, int ctrl, const char *field, struct tong_err *err)
{
  if (DIR_OF (cg, ctrl) == NULL)
    {
      tong_err_set (err, 0, "linux.resources.%s: the %s cgroup controller is not mounted", field,
                    v1_names[ctrl]);
      return NULL;
    }
  return DIR_OF (cg, ctrl);
}

/* Write FILE with a field name for the error.  */
static int
put (const char *dir, const char *file, const char *field, struct tong_err *err,
     const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));
static int
put (const char *dir, const char *file, const char *field, struct tong_err *err,
     const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  if (!has_file (dir, file))
    return tong_err_set (err, 0, "linux.resources.%s: this kernel has no %s", field, file);
  if (cg_write (dir, file, buf, err) < 0)
    return tong_err_wrap (err, "linux.resources.%s", field);
  return 0;
}

static int
memory_limit_error (const char *dir, const char *field, int64_t limit, struct tong_err *err)
{
  uint64_t usage = 0, peak = 0;
  cg_read_u64 (dir, "memory.usage_in_bytes", &usage, NULL);
  cg_read_u64 (dir, "memory.max_usage_in_bytes", &peak, NULL);
  return tong_err_set (err, 0,
                       "linux.resources.%s: cannot set the limit to %" PRId64
                       " bytes: the container already uses %" PRIu64 " bytes (peak %" PRIu64
                       ") that cannot be reclaimed",
                       field, limit, usage, peak);
}

/* Write a memory or memsw limit.  EBUSY can mean no more than the per-CPU
   charge stock (64 pages a CPU, charged ahead of use): the kernel drains it
   asynchronously, finds nothing to reclaim and gives up, while the real
   usage of a container that has not started is far below 512 KiB.  Retry
   for a while (about 50 ms) before reporting it.  */
static int
write_limit (const char *dir, const char *file, int64_t v, struct tong_err *err)
{
  struct tong_err e = { 0 };
  for (int i = 0;; i++)
    {
      if (cg_writef (dir, file, &e, "%" PRId64, v) == 0)
        return 0;
      if (e.errnum != EBUSY || i >= 25)
        break;
      usleep (2000);
    }
  if (err)
    *err = e;
  return -1;
}

static int
set_memory (struct tong_cgroup *cg, const struct cg_resources *r, bool update,
            struct tong_err *err)
{
  const struct cg_resources z = { 0 };
  if (!memcmp (&r->memory, &z.memory, sizeof z.memory))
    return 0;
  const char *d = need (cg, V1_MEMORY, "memory", err);
  if (d == NULL)
    return -1;
  if (update && r->memory.check_before_update.set && r->memory.check_before_update.v
      && r->memory.limit.set && r->memory.limit.v > 0)
    {
      uint64_t usage = 0;
      if (cg_read_u64 (d, "memory.usage_in_bytes", &usage, err) < 0)
        return -1;
      if ((uint64_t) r->memory.limit.v < usage)
        return tong_err_set (err, 0,
                             "linux.resources.memory.limit: %" PRId64
                             " is below the current usage %" PRIu64 " (checkBeforeUpdate)",
                             r->memory.limit.v, usage);
    }
  /* memsw must stay >= the limit at every step: order the two writes.  */
  bool swap_first = false;
  if (r->memory.swap.set)
    {
      uint64_t cur = 0;
      if (!has_file (d, "memory.memsw.limit_in_bytes"))
        return tong_err_set (err, 0,
                             "linux.resources.memory.swap: swap accounting is off in this kernel "
                             "(no memory.memsw.limit_in_bytes)");
      cg_read_u64 (d, "memory.memsw.limit_in_bytes", &cur, NULL);
      swap_first = r->memory.swap.v == -1 || (uint64_t) r->memory.swap.v > cur;
    }
  if (swap_first
      && put (d, "memory.memsw.limit_in_bytes", "memory.swap", err, "%" PRId64, r->memory.swap.v)
             < 0)
    return -1;
  if (r->memory.limit.set)
    {
      if (write_limit (d, "memory.limit_in_bytes", r->memory.limit.v, err) < 0)
        {
          if (err && err->errnum == EBUSY)
            return memory_limit_error (d, "memory.limit", r->memory.limit.v, err);
          return tong_err_wrap (err, "linux.resources.memory.limit");
        }
    }
  if (r->memory.swap.set && !swap_first
      && write_limit (d, "memory.memsw.limit_in_bytes", r->memory.swap.v, err) < 0)
    {
      if (err && err->errnum == EBUSY)
        return memory_limit_error (d, "memory.swap", r->memory.swap.v, err);
      return tong_err_wrap (err, "linux.resources.memory.swap");
    }
  if (r->memory.reservation.set
      && put (d, "memory.soft_limit_in_bytes", "memory.reservation", err, "%" PRId64,
              r->memory.reservation.v)
             < 0)
    return -1;
  if (r->memory.kernel.set)
    {
      if (put (d, "memory.kmem.limit_in_bytes", "memory.kernel", err, "%" PRId64,
               r->memory.kernel.v)
          < 0)
        return -1;
      /* Kernels since 5.16 accept the write and ignore it: say so rather
         than leave a limit that is not there.  */
      uint64_t got = 0;
      if (r->memory.kernel.v > 0 && cg_read_u64 (d, "memory.kmem.limit_in_bytes", &got, NULL) == 0
          && got > (uint64_t) r->memory.kernel.v + 4096)
        return tong_err_set (err, 0,
                             "linux.resources.memory.kernel: this kernel does not enforce kernel "
                             "memory limits (memory.kmem.limit_in_bytes stays %" PRIu64 ")",
                             got);
    }
  if (r->memory.kernel_tcp.set
      && put (d, "memory.kmem.tcp.limit_in_bytes", "memory.kernelTCP", err, "%" PRId64,
              r->memory.kernel_tcp.v)
             < 0)
    return -1;
  if (r->memory.swappiness.set
      && put (d, "memory.swappiness", "memory.swappiness", err, "%" PRIu64,
              r->memory.swappiness.v)
             < 0)
    return -1;
  if (r->memory.disable_oom_killer.set
      && (r->memory.disable_oom_killer.v || update)
      && put (d, "memory.oom_control", "memory.disableOOMKiller", err, "%d",
              r->memory.disable_oom_killer.v ? 1 : 0)
             < 0)
    return -1;
  if (r->memory.use_hierarchy.set)
    {
      /* Kernels since 5.x keep use_hierarchy at 1: asking for 1 is a no-op
         they still accept; asking for 0 fails with the kernel's answer.  */
      if (put (d, "memory.use_hierarchy", "memory.useHierarchy", err, "%d",
               r->memory.use_hierarchy.v ? 1 : 0)
          < 0)
        return -1;
    }
  return 0;
}

static int
set_cpu (struct tong_cgroup *cg, const struct cg_resources *r, bool update, struct tong_err *err)
{
  const char *d;
  if (r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set || r->cpu.burst.set
      || r->cpu.realtime_period.set || r->cpu.realtime_runtime.set || r->cpu.idle.set)
    {
      if ((d = need (cg, V1_CPU, "cpu", err)) == NULL)
        return -1;
      if (r->cpu.shares.set && r->cpu.shares.v
          && put (d, "cpu.shares", "cpu.shares", err, "%" PRIu64, r->cpu.shares.v) < 0)
        return -1;
      if (r->cpu.period.set && r->cpu.period.v
          && put (d, "cpu.cfs_period_us", "cpu.period", err, "%" PRIu64, r->cpu.period.v) < 0)
        return -1;
      if (r->cpu.quota.set && r->cpu.quota.v
          && put (d, "cpu.cfs_quota_us", "cpu.quota", err, "%" PRId64, r->cpu.quota.v) < 0)
        return -1;
      if (r->cpu.burst.set
          && put (d, "cpu.cfs_burst_us", "cpu.burst", err, "%" PRIu64, r->cpu.burst.v) < 0)
        return -1;
      if (r->cpu.realtime_period.set && r->cpu.realtime_period.v
          && put (d, "cpu.rt_period_us", "cpu.realtimePeriod", err, "%" PRIu64,
                  r->cpu.realtime_period.v)
                 < 0)
        return -1;
      if (r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v
          && put (d, "cpu.rt_runtime_us", "cpu.realtimeRuntime", err, "%" PRId64,
                  r->cpu.realtime_runtime.v)
                 < 0)
        {
          if (err && err->errnum == EINVAL)
            tong_err_wrap (err, "(the parent cgroups' cpu.rt_runtime_us must leave room for it)");
          return -1;
        }
      if (r->cpu.idle.set && put (d, "cpu.idle", "cpu.idle", err, "%" PRId64, r->cpu.idle.v) < 0)
        return -1;
    }
  /* create wrote cpuset already; update writes it here.  */
  if (update && (r->cpu.cpus || r->cpu.mems))
    {
      if ((d = need (cg, V1_CPUSET, "cpu.cpus", err)) == NULL)
        return -1;
      if (r->cpu.cpus && put (d, "cpuset.cpus", "cpu.cpus", err, "%s", r->cpu.cpus) < 0)
        return -1;
      if (r->cpu.mems && put (d, "cpuset.mems", "cpu.mems", err, "%s", r->cpu.mems) < 0)
        return -1;
    }
  return 0;
}

static const char *const throttle_files[CG_THROTTLE_COUNT] = {
  "blkio.throttle.read_bps_device",
  "blkio.throttle.write_bps_device",
  "blkio.throttle.read_iops_device",
  "blkio.throttle.write_iops_device",
};
static const char *const throttle_fields[CG_THROTTLE_COUNT] = {
  "blockIO.throttleReadBpsDevice",
  "blockIO.throttleWriteBpsDevice",
  "blockIO.throttleReadIOPSDevice",
  "blockIO.throttleWriteIOPSDevice",
};

static int
set_blkio (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  bool any = r->blkio.weight.set || r->blkio.leaf_weight.set || r->blkio.n_weight_device;
  for (int k = 0; k < CG_THROTTLE_COUNT; k++)
    any = any || r->blkio.n_throttle[k];
  if (!any)
    return 0;
  const char *d = need (cg, V1_BLKIO, "blockIO", err);
  if (d == NULL)
    return -1;
  /* CFQ's blkio.weight is gone from current kernels; BFQ's file takes the
     same 10..1000 range where the bfq scheduler is in use.  */
  const char *wfile = has_file (d, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
  if (r->blkio.weight.set && r->blkio.weight.v
      && put (d, wfile, "blockIO.weight", err, "%" PRIu64, r->blkio.weight.v) < 0)
    return -1;
  if (r->blkio.leaf_weight.set && r->blkio.leaf_weight.v
      && put (d, "blkio.leaf_weight", "blockIO.leafWeight", err, "%" PRIu64,
              r->blkio.leaf_weight.v)
             < 0)
    return -1;
  for (size_t i = 0; i < r->blkio.n_weight_device; i++)
    {
      const struct cg_weight_device *w = &r->blkio.weight_device[i];
      char field[64];
      snprintf (field, sizeof field, "blockIO.weightDevice[%zu]", i);
      const char *wd = has_file (d, "blkio.weight_device") ? "blkio.weight_device"
                                                            : "blkio.bfq.weight_device";
      if (w->weight.set
          && put (d, wd, field, err, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                  w->weight.v)
                 < 0)
        return -1;
      if (w->leaf_weight.set
          && put (d, "blkio.leaf_weight_device", field, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                  w->major, w->minor, w->leaf_weight.v)
                 < 0)
        return -1;
    }
  for (int k = 0; k < CG_THROTTLE_COUNT; k++)
    for (size_t i = 0; i < r->blkio.n_throttle[k]; i++)
      {
        const struct cg_throttle *t = &r->blkio.throttle[k][i];
        char field[80];
        snprintf (field, sizeof field, "%s[%zu]", throttle_fields[k], i);
        if (put (d, throttle_files[k], field, err, "%" PRId64 ":%" PRId64 " %" PRIu64, t->major,
                 t->minor, t->rate)
            < 0)
          return -1;
      }
  return 0;
}

static int
set_hugetlb (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  for (size_t i = 0; i < r->n_hugepages; i++)
    {
      const struct cg_hugepage *h = &r->hugepages[i];
      char field[64], file[96];
      snprintf (field, sizeof field, "hugepageLimits[%zu]", i);
      if (DIR_OF (cg, V1_HUGETLB))
        {
          snprintf (file, sizeof file, "hugetlb.%s.limit_in_bytes", h->page_size);
          if (put (DIR_OF (cg, V1_HUGETLB), file, field, err, "%" PRIu64, h->limit) < 0)
            return -1;
          continue;
        }
      cleanup_free char *u = unified_dir (cg);
      if (u == NULL)
        return tong_err_set (err, 0,
                             "linux.resources.%s: the hugetlb cgroup controller is not mounted",
                             field);
      snprintf (file, sizeof file, "hugetlb.%s.max", h->page_size);
      if (put (u, file, field, err, "%" PRIu64, h->limit) < 0)
        return -1;
    }
  return 0;
}

static int
set_misc (struct tong_cgroup *cg, const struct cg_resources *r,
          const struct cg_device_rule *devices, size_t n_devices, struct tong_err *err)
{
  const char *d;
  if (r->pids_limit.set && r->pids_limit.v != 0)
    {
      if ((d = need (cg, V1_PIDS, "pids", err)) == NULL)
        return -1;
      if (r->pids_limit.v < 0 ? put (d, "pids.max", "pids.limit", err, "max") < 0
                              : put (d, "pids.max", "pids.limit", err, "%" PRId64,
                                     r->pids_limit.v)
                                    < 0)
        return -1;
    }
  if (r->network.class_id.set)
    {
      if ((d = need (cg, V1_NET_CLS, "network.classID", err)) == NULL)
        return -1;
      if (put (d, "net_cls.classid", "network.classID", err, "%" PRIu64, r->network.class_id.v)
          < 0)
        return -1;
    }
  for (size_t i = 0; i < r->network.n_priorities; i++)
    {
      char field[64];
      snprintf (field, sizeof field, "network.priorities[%zu]", i);
      if ((d = need (cg, V1_NET_PRIO, field, err)) == NULL)
        return -1;
      if (put (d, "net_prio.ifpriomap", field, err, "%s %" PRIu32, r->network.priorities[i].name,
               r->network.priorities[i].priority)
          < 0)
        return -1;
    }
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      const struct cg_rdma *x = &r->rdma[i];
      char field[300], val[300];
      snprintf (field, sizeof field, "rdma.%s", x->device);
      if ((d = need (cg, V1_RDMA, field, err)) == NULL)
        return -1;
      int n = snprintf (val, sizeof val, "%s", x->device);
      if (x->hca_handles.set)
        n += snprintf (val + n, sizeof val - n, " hca_handle=%" PRIu64, x->hca_handles.v);
      if (x->hca_objects.set)
        snprintf (val + n, sizeof val - n, " hca_object=%" PRIu64, x->hca_objects.v);
      if (put (d, "rdma.max", field, err, "%s", val) < 0)
        return -1;
    }
  if (r->n_unified)
    {
      cleanup_free char *u = unified_dir (cg);
      if (u == NULL)
        return tong_err_set (err, 0,
                             "linux.resources.unified: needs cgroup v2 (this host is %s)",
                             cgroup_mode_name (cg->mode));
      for (size_t i = 0; i < r->n_unified; i++)
        {
          char field[300];
          snprintf (field, sizeof field, "unified.%s", r->unified[i].key);
          if (!has_file (u, r->unified[i].key))
            return tong_err_set (err, 0,
                                 "linux.resources.%s: no such file in the unified cgroup %s (its "
                                 "controller is not enabled there)",
                                 field, u);
          if (put (u, r->unified[i].key, field, err, "%s", r->unified[i].value) < 0)
            return -1;
        }
    }
  if (devices && n_devices)
    {
      if ((d = need (cg, V1_DEVICES, "devices", err)) == NULL)
        return -1;
      /* Each write is one rule: open each file once, not once a rule.  */
      cleanup_close int fd_deny = -1;
      cleanup_close int fd_allow = -1;
      for (size_t i = 0; i < n_devices; i++)
        {
          char rule[96];
          cg_device_rule_format (&devices[i], rule, sizeof rule);
          const char *file = devices[i].allow ? "devices.allow" : "devices.deny";
          int *fd = devices[i].allow ? &fd_allow : &fd_deny;
          char path[PATH_MAX];
          snprintf (path, sizeof path, "%s/%s", d, file);
          if (*fd < 0 && (*fd = open (path, O_WRONLY | O_CLOEXEC)) < 0)
            return tong_err_set (err, errno, "linux.resources.devices: open %s", path);
          size_t len = strlen (rule);
          ssize_t w = write (*fd, rule, len);
          if (w < 0 || (size_t) w != len)
            return tong_err_set (err, w < 0 ? errno : EIO,
                                 "linux.resources.devices: rule \"%s\": write to %s", rule,
                                 path);
        }
    }
  return 0;
}

/* Refuse before anything exists what no mounted controller can apply.  */
int
cg_v1_check (const struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  const struct cg_resources z = { 0 };
  bool cpu = r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set || r->cpu.burst.set
             || r->cpu.realtime_period.set || r->cpu.realtime_runtime.set || r->cpu.idle.set;
  bool blkio = r->blkio.weight.set || r->blkio.leaf_weight.set || r->blkio.n_weight_device;
  for (int k = 0; k < CG_THROTTLE_COUNT; k++)
    blkio = blkio || r->blkio.n_throttle[k];
  const struct
  {
    bool want;
    int ctrl;
    const char *field;
  } need_list[] = {
    { memcmp (&r->memory, &z.memory, sizeof z.memory) != 0, V1_MEMORY, "memory" },
    { cpu, V1_CPU, "cpu" },
    { r->cpu.cpus != NULL, V1_CPUSET, "cpu.cpus" },
    { r->cpu.mems != NULL, V1_CPUSET, "cpu.mems" },
    { r->pids_limit.set && r->pids_limit.v != 0, V1_PIDS, "pids" },
    { blkio, V1_BLKIO, "blockIO" },
    { r->network.class_id.set, V1_NET_CLS, "network.classID" },
    { r->network.n_priorities > 0, V1_NET_PRIO, "network.priorities" },
    { r->has_devices, V1_DEVICES, "devices" },
  };
  for (size_t i = 0; i < sizeof need_list / sizeof need_list[0]; i++)
    if (need_list[i].want && DIR_OF (cg, need_list[i].ctrl) == NULL)
      return tong_err_set (err, 0, "linux.resources.%s: the %s cgroup controller is not mounted",
                           need_list[i].field, v1_names[need_list[i].ctrl]);
  if (r->n_rdma && DIR_OF (cg, V1_RDMA) == NULL)
    return tong_err_set (err, 0, "linux.resources.rdma.%s: the rdma cgroup controller is not mounted",
                         r->rdma[0].device);
  if (r->n_unified && cg->mode != CG_MODE_HYBRID)
    return tong_err_set (err, 0, "linux.resources.unified: needs cgroup v2 (this host is %s)",
                         cgroup_mode_name (cg->mode));
  if (r->n_hugepages && DIR_OF (cg, V1_HUGETLB) == NULL && cg->mode != CG_MODE_HYBRID)
    return tong_err_set (err, 0,
                         "linux.resources.hugepageLimits: the hugetlb cgroup controller is not "
                         "mounted");
  return 0;
}

static int
v1_set (struct tong_cgroup *cg, const struct cg_resources *r,
        const struct cg_device_rule *devices, size_t n_devices, bool update,
        struct tong_err *err)
{
  if (set_memory (cg, r, update, err) < 0 || set_cpu (cg, r, update, err) < 0
      || set_blkio (cg, r, err) < 0 || set_hugetlb (cg, r, err) < 0
      || set_misc (cg, r, devices, n_devices, err) < 0)
    return -1;
  return 0;
}

static int
v1_frozen (struct tong_cgroup *cg)
{
  if (DIR_OF (cg, V1_FREEZER) == NULL)
    return -1;
  cleanup_free char *s = NULL;
  if (cg_read (DIR_OF (cg, V1_FREEZER), "freezer.state", &s, NULL) < 0)
    return -1;
  return strncmp (s, "FROZEN", 6) == 0 ? 1 : 0;
}

static int
v1_freeze (struct tong_cgroup *cg, bool frozen, struct tong_err *err)
{
  const char *d = DIR_OF (cg, V1_FREEZER);
  if (d == NULL)
    return tong_err_set (err, 0, "the freezer cgroup controller is not mounted");
  if (cg_write (d, "freezer.state", frozen ? "FROZEN" : "THAWED", err) < 0)
    return -1;
  /* FREEZING until every task stopped; the kernel finishes it promptly
     unless a task sits in an uninterruptible wait: bounded.  */
  for (int i = 0; i < 2000; i++)
    {
      int f = v1_frozen (cg);
      if (f == (frozen ? 1 : 0))
        return 0;
      if (frozen && i % 50 == 49)
        cg_write (d, "freezer.state", "FROZEN", NULL);
      usleep (i < 100 ? 1000 : 5000);
    }
  if (frozen)
    cg_write (d, "freezer.state", "THAWED", NULL);
  return tong_err_set (err, EBUSY, "freeze %s", d);
}

static const char *
procs_dir (const struct tong_cgroup *cg)
{
  static const int order[] = { V1_FREEZER, V1_PIDS, V1_MEMORY, V1_DEVICES, V1_CPU, V1_SYSTEMD };
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    if (DIR_OF (cg, order[i]))
      return DIR_OF (cg, order[i]);
  for (int i = 0; i < V1_COUNT; i++)
    if (DIR_OF (cg, i))
      return DIR_OF (cg, i);
  return NULL;
}

static int
v1_pids (struct tong_cgroup *cg, pid_t **out, size_t *n, struct tong_err *err)
{
  const char *d = procs_dir (cg);
  if (d == NULL)
    return tong_err_set (err, ENOENT, "no cgroup hierarchy is mounted");
  return cg_read_procs (d, out, n, err);
}

static void
w_u64_file (struct json_writer *w, const char *key, const char *dir, const char *file)
{
  uint64_t v = 0;
  cg_read_u64 (dir, file, &v, NULL);
  json_w_key (w, key);
  json_w_uint (w, v);
}

static void
w_memory_entry (struct json_writer *w, const char *key, const char *d, const char *prefix)
{
  char f[96];
  json_w_key (w, key);
  json_w_obj_begin (w);
  snprintf (f, sizeof f, "%s.limit_in_bytes", prefix);
  w_u64_file (w, "limit", d, f);
  snprintf (f, sizeof f, "%s.usage_in_bytes", prefix);
  w_u64_file (w, "usage", d, f);
  snprintf (f, sizeof f, "%s.max_usage_in_bytes", prefix);
  w_u64_file (w, "max", d, f);
  snprintf (f, sizeof f, "%s.failcnt", prefix);
  w_u64_file (w, "failcnt", d, f);
  json_w_obj_end (w);
}

/* "8:0 Read 4096" lines as runc's blkio entries.  */
static void
w_blkio_list (struct json_writer *w, const char *key, const char *d, const char *file)
{
  cleanup_free char *s = NULL;
  json_w_key (w, key);
  json_w_arr_begin (w);
  if (cg_read (d, file, &s, NULL) == 0)
    for (char *line = s, *next; line && *line; line = next)
      {
        next = strchr (line, '\n');
        if (next)
          *next++ = '\0';
        unsigned maj, min;
        char op[32];
        unsigned long long v;
        if (sscanf (line, "%u:%u %31s %llu", &maj, &min, op, &v) != 4)
          continue;
        json_w_obj_begin (w);
        json_w_key (w, "major");
        json_w_uint (w, maj);
        json_w_key (w, "minor");
        json_w_uint (w, min);
        json_w_key (w, "op");
        json_w_str (w, op);
        json_w_key (w, "value");
        json_w_uint (w, v);
        json_w_obj_end (w);
      }
  json_w_arr_end (w);
}

static int
v1_stats (struct tong_cgroup *cg, struct json_writer *w, struct tong_err *err)
{
  const char *d;
  json_w_key (w, "cpu");
  json_w_obj_begin (w);
  json_w_key (w, "usage");
  json_w_obj_begin (w);
  if ((d = DIR_OF (cg, V1_CPUACCT)) != NULL)
    {
      w_u64_file (w, "total", d, "cpuacct.usage");
      cleanup_free char *s = NULL;
      json_w_key (w, "percpu");
      json_w_arr_begin (w);
      if (cg_read (d, "cpuacct.usage_percpu", &s, NULL) == 0)
        for (char *p = s, *end;; p = end)
          {
            unsigned long long v = strtoull (p, &end, 10);
            if (end == p)
              break;
            json_w_uint (w, v);
          }
      json_w_arr_end (w);
      free (s);
      s = NULL;
      /* cpuacct.stat counts clock ticks.  */
      unsigned long long user = 0, sys = 0;
      long hz = sysconf (_SC_CLK_TCK);
      if (cg_read (d, "cpuacct.stat", &s, NULL) == 0)
        sscanf (s, "user %llu system %llu", &user, &sys);
      json_w_key (w, "kernel");
      json_w_uint (w, sys * (1000000000ULL / (unsigned long long) (hz > 0 ? hz : 100)));
      json_w_key (w, "user");
      json_w_uint (w, user * (1000000000ULL / (unsigned long long) (hz > 0 ? hz : 100)));
    }
  json_w_obj_end (w);
  json_w_key (w, "throttling");
  json_w_obj_begin (w);
  if ((d = DIR_OF (cg, V1_CPU)) != NULL)
    {
      cleanup_free char *s = NULL;
      unsigned long long p = 0, t = 0, tt = 0;
      if (cg_read (d, "cpu.stat", &s, NULL) == 0)
        {
          char *q;
          if ((q = strstr (s, "nr_periods ")))
            p = strtoull (q + 11, NULL, 10);
          if ((q = strstr (s, "nr_throttled ")))
            t = strtoull (q + 13, NULL, 10);
          if ((q = strstr (s, "throttled_time ")))
            tt = strtoull (q + 15, NULL, 10);
        }
      json_w_key (w, "periods");
      json_w_uint (w, p);
      json_w_key (w, "throttled_periods");
      json_w_uint (w, t);
      json_w_key (w, "throttled_time");
      json_w_uint (w, tt);
    }
  json_w_obj_end (w);
  json_w_obj_end (w);

  json_w_key (w, "memory");
  json_w_obj_begin (w);
  if ((d = DIR_OF (cg, V1_MEMORY)) != NULL)
    {
      cleanup_free char *s = NULL;
      w_memory_entry (w, "usage", d, "memory");
      if (has_file (d, "memory.memsw.usage_in_bytes"))
        w_memory_entry (w, "swap", d, "memory.memsw");
      w_memory_entry (w, "kernel", d, "memory.kmem");
      w_memory_entry (w, "kernelTCP", d, "memory.kmem.tcp");
      json_w_key (w, "raw");
      json_w_obj_begin (w);
      if (cg_read (d, "memory.stat", &s, NULL) == 0)
        for (char *line = s, *next; line && *line; line = next)
          {
            next = strchr (line, '\n');
            if (next)
              *next++ = '\0';
            char *sp = strchr (line, ' ');
            if (sp == NULL)
              continue;
            *sp = '\0';
            json_w_key (w, line);
            json_w_uint (w, strtoull (sp + 1, NULL, 10));
          }
      json_w_obj_end (w);
    }
  json_w_obj_end (w);

  json_w_key (w, "pids");
  json_w_obj_begin (w);
  if ((d = DIR_OF (cg, V1_PIDS)) != NULL)
    {
      w_u64_file (w, "current", d, "pids.current");
      uint64_t max = 0;
      cg_read_u64 (d, "pids.max", &max, NULL);
      json_w_key (w, "limit");
      json_w_uint (w, max == UINT64_MAX ? 0 : max);
    }
  json_w_obj_end (w);

  json_w_key (w, "blkio");
  json_w_obj_begin (w);
  if ((d = DIR_OF (cg, V1_BLKIO)) != NULL)
    {
      w_blkio_list (w, "ioServiceBytesRecursive", d, "blkio.throttle.io_service_bytes_recursive");
      w_blkio_list (w, "ioServicedRecursive", d, "blkio.throttle.io_serviced_recursive");
    }
  json_w_obj_end (w);

  json_w_key (w, "hugetlb");
  json_w_obj_begin (w);
  cleanup_free char *u = unified_dir (cg);
  const char *hd = DIR_OF (cg, V1_HUGETLB) ? DIR_OF (cg, V1_HUGETLB) : u;
  if (hd)
    {
      static const char *const sizes[] = { "2MB", "1GB" };
      for (size_t i = 0; i < 2; i++)
        {
          char f[64];
          bool v1 = hd != u;
          snprintf (f, sizeof f, v1 ? "hugetlb.%s.usage_in_bytes" : "hugetlb.%s.current",
                    sizes[i]);
          if (!has_file (hd, f))
            continue;
          json_w_key (w, sizes[i]);
          json_w_obj_begin (w);
          w_u64_file (w, "usage", hd, f);
          snprintf (f, sizeof f, v1 ? "hugetlb.%s.max_usage_in_bytes" : "hugetlb.%s.max",
                    sizes[i]);
          w_u64_file (w, "max", hd, f);
          snprintf (f, sizeof f, v1 ? "hugetlb.%s.failcnt" : "hugetlb.%s.events", sizes[i]);
          if (v1)
            w_u64_file (w, "failcnt", hd, f);
          json_w_obj_end (w);
        }
    }
  json_w_obj_end (w);
  (void) err;
  return 0;
}

static int
v1_oom_fd (struct tong_cgroup *cg, struct tong_err *err)
{
  const char *d = DIR_OF (cg, V1_MEMORY);
  if (d == NULL)
    return tong_err_set (err, 0, "the memory cgroup controller is not mounted");
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/memory.oom_control", d);
  cleanup_close int ofd = open (path, O_RDONLY | O_CLOEXEC);
  if (ofd < 0)
    return tong_err_set (err, errno, "open %s", path);
  int efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0)
    return tong_err_set (err, errno, "eventfd");
  if (cg_writef (d, "cgroup.event_control", err, "%d %d", efd, ofd) < 0)
    {
      close (efd);
      return -1;
    }
  return efd;
}

static int
v1_oom_check (struct tong_cgroup *cg, int fd)
{
  uint64_t n = 0;
  (void) cg;
  if (read (fd, &n, sizeof n) != sizeof n)
    return 0;
  return n > 0;
}

static int
v1_destroy (struct tong_cgroup *cg, struct tong_err *err)
{
  int ret = 0;
  for (int i = 0; i < V1_COUNT; i++)
    if (first_of_dir (cg, i) && cg_rmdir_tree (DIR_OF (cg, i), err) < 0)
      ret = -1;
  cleanup_free char *u = unified_dir (cg);
  if (u && cg_rmdir_tree (u, err) < 0)
    ret = -1;
  return ret;
}

const struct cgroup_driver cgroup_driver_v1 = {
  .name = "cgroupfs (v1)",
  .create = v1_create,
  .enter = v1_enter,
  .set = v1_set,
  .freeze = v1_freeze,
  .frozen = v1_frozen,
  .pids = v1_pids,
  .stats = v1_stats,
  .oom_fd = v1_oom_fd,
  .oom_check = v1_oom_check,
  .destroy = v1_destroy,
};
