/* The unified hierarchy (cgroup v2): every field of struct cg_resources
   mapped onto the v2 interface files as runc maps them, devices through an
   eBPF program (cgroup_ebpf.c), freezing through cgroup.freeze.

   Decisions where v2 has no equivalent:
   - memory.kernel and memory.kernelTCP above 0: errors, where runc only
     warns: v2 has no separate kernel limit (memory.max counts kernel and
     socket memory), and a limit that cannot be applied is refused, as the
     v1 driver refuses one the kernel ignores.  -1 (no limit) is accepted.
   - memory.swappiness: v2 has no per-cgroup knob; accepted only when it
     equals the host's vm.swappiness (what the cgroup gets anyway), else an
     error.
   - disableOOMKiller, realtime runtime/period, leaf weights, network
     classID/priorities: errors naming the field.
   - 0 means "not set" for the limits where runc reads it so (memory limit,
     reservation, swap, cpu shares/quota/period, pids, blkio weight).  */
#include "cgroup.h"
#include "cgroup_ebpf.h"
#include "cgroup_v2.h"
#include "cleanup.h"
#include "fileutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long freeze waits for cgroup.events to say "frozen 1".  */
#define FREEZE_TIMEOUT_MS 10000

static void
v2_dir (const struct tong_cgroup *cg, char *buf, size_t len)
{
  const char *root = cg->v2_root ? cg->v2_root : "/sys/fs/cgroup";
  const char *p = cg->path ? cg->path : "";
  if (strcmp (p, "/") == 0)
    p = "";
  snprintf (buf, len, "%s%s%s", root, *p && *p != '/' ? "/" : "", p);
}

static bool
has_file (const char *dir, const char *file)
{
  char path[PATH_MAX + 128];
  snprintf (path, sizeof path, "%s/%s", dir, file);
  return access (path, F_OK) == 0;
}

/* ---- pure helpers (cgroup_v2.h) ---------------------------------------- */

int
cg_v2_keyed (const char *text, const char *key, uint64_t *out)
{
  size_t kl = strlen (key);
  for (const char *l = text; l && *l; l = strchr (l, '\n'), l = l ? l + 1 : NULL)
    if (strncmp (l, key, kl) == 0 && l[kl] == ' ')
      {
        *out = strncmp (l + kl + 1, "max", 3) == 0 ? UINT64_MAX : strtoull (l + kl + 1, NULL, 10);
        return 0;
      }
  return -1;
}

int
cg_v2_events_frozen (const char *text)
{
  uint64_t v;
  if (cg_v2_keyed (text, "frozen", &v) < 0)
    return -1;
  return v != 0;
}

void
cg_v2_io_max_line (char *buf, size_t len, const struct cg_throttle *t, enum cg_throttle_kind kind)
{
  static const char *const key[CG_THROTTLE_COUNT] = { "rbps", "wbps", "riops", "wiops" };
  if (t->rate == 0)
    snprintf (buf, len, "%" PRId64 ":%" PRId64 " %s=max", t->major, t->minor, key[kind]);
  else
    snprintf (buf, len, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t->major, t->minor, key[kind],
              t->rate);
}

int
cg_v2_rdma_line (char *buf, size_t len, const struct cg_rdma *r)
{
  if (!r->hca_handles.set && !r->hca_objects.set)
    return 0;
  int n = snprintf (buf, len, "%s", r->device);
  if (r->hca_handles.set && n >= 0 && (size_t)n < len)
    n += snprintf (buf + n, len - n, " hca_handle=%" PRIu64, r->hca_handles.v);
  if (r->hca_objects.set && n >= 0 && (size_t)n < len)
    n += snprintf (buf + n, len - n, " hca_object=%" PRIu64, r->hca_objects.v);
  return 1;
}

static int
host_swappiness (uint64_t *out)
{
  cleanup_free char *s = NULL;
  if (read_file ("/proc/sys/vm/swappiness", &s, NULL, NULL) < 0)
    return -1;
  *out = strtoull (s, NULL, 10);
  return 0;
}

#define NOT_V2 "not supported on cgroup v2"

int
cg_v2_check (const struct cg_resources *r, struct tong_err *err)
{
  if (r->memory.kernel.set && r->memory.kernel.v > 0)
    return tong_err_set (err, 0,
                         "linux.resources.memory.kernel: " NOT_V2
                         " (memory.max counts kernel memory: use memory.limit)");
  if (r->memory.kernel_tcp.set && r->memory.kernel_tcp.v > 0)
    return tong_err_set (err, 0,
                         "linux.resources.memory.kernelTCP: " NOT_V2
                         " (memory.max counts socket memory: use memory.limit)");
  if (r->memory.disable_oom_killer.set && r->memory.disable_oom_killer.v)
    return tong_err_set (err, 0, "linux.resources.memory.disableOOMKiller: " NOT_V2);
  if (r->memory.use_hierarchy.set && !r->memory.use_hierarchy.v)
    return tong_err_set (
        err, 0, "linux.resources.memory.useHierarchy: false is " NOT_V2 " (always hierarchical)");
  if (r->memory.swappiness.set)
    {
      uint64_t host;
      if (host_swappiness (&host) < 0 || host != r->memory.swappiness.v)
        return tong_err_set (err, 0,
                             "linux.resources.memory.swappiness: " NOT_V2
                             " (only the host's vm.swappiness applies)");
    }
  if (r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v != 0)
    return tong_err_set (err, 0, "linux.resources.cpu.realtimeRuntime: " NOT_V2);
  if (r->cpu.realtime_period.set && r->cpu.realtime_period.v != 0)
    return tong_err_set (err, 0, "linux.resources.cpu.realtimePeriod: " NOT_V2);
  if (r->blkio.leaf_weight.set)
    return tong_err_set (err, 0, "linux.resources.blockIO.leafWeight: " NOT_V2);
  for (size_t i = 0; i < r->blkio.n_weight_device; i++)
    if (r->blkio.weight_device[i].leaf_weight.set)
      return tong_err_set (err, 0, "linux.resources.blockIO.weightDevice[%zu].leafWeight: " NOT_V2,
                           i);
  if (r->network.class_id.set)
    return tong_err_set (err, 0, "linux.resources.network.classID: " NOT_V2);
  if (r->network.n_priorities > 0)
    return tong_err_set (err, 0, "linux.resources.network.priorities: " NOT_V2);
  return 0;
}

/* ---- create, enter, destroy -------------------------------------------- */

static int
v2_create (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  const char *root = cg->v2_root ? cg->v2_root : "/sys/fs/cgroup";
  cleanup_free char *avail = NULL;
  if (cg_read (root, "cgroup.controllers", &avail, err) < 0)
    return tong_err_wrap (err, "cgroup v2");
  /* Every controller the root offers, as runc: a later `update` may need
     one the config did not.  */
  const char *ctrls[32];
  size_t n = 0;
  char *save = NULL;
  for (char *w = strtok_r (avail, " \n", &save); w && n < 31; w = strtok_r (NULL, " \n", &save))
    ctrls[n++] = w;
  ctrls[n] = NULL;
  bool created = false;
  if (cg_v2_mkdir_enable (root, cg->path, ctrls, &created, err) < 0)
    return -1;
  cg->created = created;
  return 0;
}

static int
v2_enter (struct tong_cgroup *cg, pid_t pid, struct tong_err *err)
{
  char dir[PATH_MAX];
  v2_dir (cg, dir, sizeof dir);
  return cg_writef (dir, "cgroup.procs", err, "%d", (int)pid);
}

static int
v2_destroy (struct tong_cgroup *cg, struct tong_err *err)
{
  char dir[PATH_MAX];
  v2_dir (cg, dir, sizeof dir);
  return cg_rmdir_tree (dir, err);
}

static int
v2_pids (struct tong_cgroup *cg, pid_t **out, size_t *n, struct tong_err *err)
{
  char dir[PATH_MAX];
  v2_dir (cg, dir, sizeof dir);
  return cg_read_procs (dir, out, n, err);
}

/* ---- set ------------------------------------------------------------------ */

/* Write VALUE to DIR/FILE; on failure wrap with the JSON FIELD.  */
static int
put (const char *dir, const char *file, const char *value, const char *field, struct tong_err *err)
{
  if (cg_write (dir, file, value, err) < 0)
    return tong_err_wrap (err, "%s", field);
  return 0;
}

static void
num_or_max (char *buf, size_t len, int64_t v)
{
  if (v < 0)
    snprintf (buf, len, "max");
  else
    snprintf (buf, len, "%" PRId64, v);
}

/* v1 refuses (EBUSY) a limit the usage cannot be reclaimed under; v2 takes
   any memory.max and OOM-kills the container to meet it.  Keep v1's answer,
   explained: when the usage is above LIMIT, memory.high (which reclaims but
   never kills) tries first, and is put back.  */
static int
fit_under (const char *dir, uint64_t limit, struct tong_err *err)
{
  uint64_t cur, peak = 0;
  cleanup_free char *high = NULL;
  if (cg_read_u64 (dir, "memory.current", &cur, NULL) < 0 || cur <= limit
      || cg_read (dir, "memory.high", &high, NULL) < 0)
    return 0;
  char buf[32];
  snprintf (buf, sizeof buf, "%" PRIu64, limit);
  cg_write (dir, "memory.high", buf, NULL);
  cg_read_u64 (dir, "memory.current", &cur, NULL);
  high[strcspn (high, "\n")] = '\0';
  cg_write (dir, "memory.high", high, NULL);
  if (cur <= limit)
    return 0;
  bool p = cg_read_u64 (dir, "memory.peak", &peak, NULL) == 0;
  return tong_err_set (err, 0,
                       "linux.resources.memory.limit: %" PRIu64
                       " bytes is below what the container uses: %" PRIu64
                       " bytes after reclaim (peak %s%" PRIu64 "); raise the limit",
                       limit, cur, p ? "" : "unknown ", peak);
}

static int
set_memory (const char *dir, const struct cg_resources *r, bool update, struct tong_err *err)
{
  char buf[64];
  int64_t limit = r->memory.limit.set ? r->memory.limit.v : 0;
  if (r->memory.swap.set && r->memory.swap.v != 0)
    {
      int64_t swap;
      if (limit == -1 && r->memory.swap.v == -1)
        swap = -1;
      else if (cg_swap_v2 (r->memory.swap.v, limit, &swap, "linux.resources.memory.swap", err) < 0)
        return -1;
      num_or_max (buf, sizeof buf, swap);
      /* No swap accounting (swapaccount=0): only "unlimited" is fine.  */
      if (swap >= 0 || has_file (dir, "memory.swap.max"))
        if (put (dir, "memory.swap.max", buf, "linux.resources.memory.swap", err) < 0)
          return -1;
    }
  else if (limit == -1 && has_file (dir, "memory.swap.max"))
    {
      /* An unlimited memory limit without a swap value lifts both, as v1's
         memsw follows the limit.  */
      if (put (dir, "memory.swap.max", "max", "linux.resources.memory.swap", err) < 0)
        return -1;
    }

  if (limit != 0)
    {
      if (update && limit > 0 && r->memory.check_before_update.set
          && r->memory.check_before_update.v)
        {
          uint64_t cur;
          if (cg_read_u64 (dir, "memory.current", &cur, err) < 0)
            return tong_err_wrap (err, "linux.resources.memory.checkBeforeUpdate");
          if ((uint64_t)limit < cur)
            return tong_err_set (err, 0,
                                 "linux.resources.memory.limit: %" PRId64
                                 " is below the current usage %" PRIu64 " (checkBeforeUpdate)",
                                 limit, cur);
        }
      if (limit > 0 && fit_under (dir, (uint64_t)limit, err) < 0)
        return -1;
      num_or_max (buf, sizeof buf, limit);
      if (put (dir, "memory.max", buf, "linux.resources.memory.limit", err) < 0)
        return -1;
    }
  if (r->memory.reservation.set && r->memory.reservation.v != 0)
    {
      num_or_max (buf, sizeof buf, r->memory.reservation.v);
      if (put (dir, "memory.low", buf, "linux.resources.memory.reservation", err) < 0)
        return -1;
    }
  return 0;
}

/* cpu.max "QUOTA PERIOD" as the kernel shows it now.  */
static void
cur_cpu_max (const char *dir, struct cg_i64 *quota, uint64_t *period)
{
  cleanup_free char *s = NULL;
  quota->set = true;
  quota->v = -1;
  *period = 0;
  if (cg_read (dir, "cpu.max", &s, NULL) < 0)
    return;
  if (strncmp (s, "max", 3) != 0)
    quota->v = strtoll (s, NULL, 10);
  const char *sp = strchr (s, ' ');
  if (sp)
    *period = strtoull (sp + 1, NULL, 10);
}

static int
set_cpu (const char *dir, const struct cg_resources *r, struct tong_err *err)
{
  char buf[128];
  if (r->cpu.shares.set && r->cpu.shares.v != 0)
    {
      snprintf (buf, sizeof buf, "%" PRIu64, cg_shares_to_weight (r->cpu.shares.v));
      if (put (dir, "cpu.weight", buf, "linux.resources.cpu.shares", err) < 0)
        return -1;
    }
  bool q = r->cpu.quota.set && r->cpu.quota.v != 0, p = r->cpu.period.set && r->cpu.period.v != 0;
  if (q || p)
    {
      /* One file holds both: keep the half the config leaves out.  */
      struct cg_i64 quota;
      uint64_t cur_period;
      cur_cpu_max (dir, &quota, &cur_period);
      if (q)
        quota = r->cpu.quota;
      cg_cpu_max (buf, sizeof buf, &quota, &r->cpu.period, cur_period);
      if (put (dir, "cpu.max", buf, q ? "linux.resources.cpu.quota" : "linux.resources.cpu.period",
               err)
          < 0)
        return -1;
    }
  if (r->cpu.burst.set)
    {
      snprintf (buf, sizeof buf, "%" PRIu64, r->cpu.burst.v);
      if (put (dir, "cpu.max.burst", buf, "linux.resources.cpu.burst", err) < 0)
        return -1;
    }
  if (r->cpu.idle.set)
    {
      snprintf (buf, sizeof buf, "%" PRId64, r->cpu.idle.v);
      if (put (dir, "cpu.idle", buf, "linux.resources.cpu.idle", err) < 0)
        return -1;
    }
  if (r->cpu.cpus && r->cpu.cpus[0])
    if (put (dir, "cpuset.cpus", r->cpu.cpus, "linux.resources.cpu.cpus", err) < 0)
      return -1;
  if (r->cpu.mems && r->cpu.mems[0])
    if (put (dir, "cpuset.mems", r->cpu.mems, "linux.resources.cpu.mems", err) < 0)
      return -1;
  return 0;
}

static int
set_io (const char *dir, const struct cg_resources *r, struct tong_err *err)
{
  char buf[128], field[96];
  /* BFQ's file takes the blkio scale itself; io.weight needs converting.  */
  bool bfq = has_file (dir, "io.bfq.weight");
  if (r->blkio.weight.set && r->blkio.weight.v != 0)
    {
      if (bfq)
        snprintf (buf, sizeof buf, "%" PRIu64, r->blkio.weight.v);
      else
        snprintf (buf, sizeof buf, "%" PRIu64, cg_blkio_weight_to_io (r->blkio.weight.v));
      if (put (dir, bfq ? "io.bfq.weight" : "io.weight", buf, "linux.resources.blockIO.weight", err)
          < 0)
        return -1;
    }
  for (size_t i = 0; i < r->blkio.n_weight_device; i++)
    {
      const struct cg_weight_device *w = &r->blkio.weight_device[i];
      if (!w->weight.set)
        continue;
      uint64_t v = bfq ? w->weight.v : cg_blkio_weight_to_io (w->weight.v);
      snprintf (buf, sizeof buf, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor, v);
      snprintf (field, sizeof field, "linux.resources.blockIO.weightDevice[%zu]", i);
      if (cg_write (dir, bfq ? "io.bfq.weight" : "io.weight", buf, err) < 0)
        {
          if (err->errnum == EOPNOTSUPP && !bfq)
            tong_err_wrap (err,
                           "%s (a per-device weight needs BFQ as the device's scheduler, or "
                           "iocost enabled for it in io.cost.qos)",
                           field);
          else
            tong_err_wrap (err, "%s", field);
          return -1;
        }
    }
  static const char *const names[CG_THROTTLE_COUNT]
      = { "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
          "throttleWriteIOPSDevice" };
  for (int k = 0; k < CG_THROTTLE_COUNT; k++)
    for (size_t i = 0; i < r->blkio.n_throttle[k]; i++)
      {
        cg_v2_io_max_line (buf, sizeof buf, &r->blkio.throttle[k][i], k);
        snprintf (field, sizeof field, "linux.resources.blockIO.%s[%zu]", names[k], i);
        if (put (dir, "io.max", buf, field, err) < 0)
          return -1;
      }
  return 0;
}

static int
set_hugetlb (const char *dir, const struct cg_resources *r, struct tong_err *err)
{
  char file[96], buf[32], field[64];
  for (size_t i = 0; i < r->n_hugepages; i++)
    {
      const struct cg_hugepage *h = &r->hugepages[i];
      snprintf (field, sizeof field, "linux.resources.hugepageLimits[%zu]", i);
      snprintf (file, sizeof file, "hugetlb.%s.max", h->page_size);
      if (!has_file (dir, file))
        return tong_err_set (err, 0,
                             "%s: page size %s: no %s/%s (hugetlb controller or size "
                             "not available)",
                             field, h->page_size, dir, file);
      snprintf (buf, sizeof buf, "%" PRIu64, h->limit);
      if (put (dir, file, buf, field, err) < 0)
        return -1;
      /* Reservations too (5.11+), or a mmap reserves past the limit and
         faults later.  */
      snprintf (file, sizeof file, "hugetlb.%s.rsvd.max", h->page_size);
      if (has_file (dir, file) && put (dir, file, buf, field, err) < 0)
        return -1;
    }
  return 0;
}

static int
set_rdma (const char *dir, const struct cg_resources *r, struct tong_err *err)
{
  char buf[256], field[64];
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      if (cg_v2_rdma_line (buf, sizeof buf, &r->rdma[i]) == 0)
        continue;
      snprintf (field, sizeof field, "linux.resources.rdma.%s", r->rdma[i].device);
      if (put (dir, "rdma.max", buf, field, err) < 0)
        return -1;
    }
  return 0;
}

static bool
word_in (const char *list, const char *w, size_t wl)
{
  for (const char *p = list; p && *p;)
    {
      p += strspn (p, " \n");
      size_t l = strcspn (p, " \n");
      if (l == wl && strncmp (p, w, wl) == 0)
        return true;
      p += l;
    }
  return false;
}

static int
set_unified (const char *dir, const struct cg_resources *r, struct tong_err *err)
{
  for (size_t i = 0; i < r->n_unified; i++)
    {
      const struct cg_kv *kv = &r->unified[i];
      if (strchr (kv->key, '/') || kv->key[0] == '.' || kv->key[0] == '\0')
        return tong_err_set (err, 0, "linux.resources.unified.%s: not a cgroup file name", kv->key);
      if (cg_write (dir, kv->key, kv->value, err) == 0)
        continue;
      if (err->errnum != ENOENT)
        return tong_err_wrap (err, "linux.resources.unified.%s", kv->key);
      /* Say whether the controller or only the file is missing.  */
      size_t cl = strcspn (kv->key, ".");
      cleanup_free char *ctrls = NULL;
      if (strncmp (kv->key, "cgroup.", 7) != 0
          && (cg_read (dir, "cgroup.controllers", &ctrls, NULL) < 0
              || !word_in (ctrls, kv->key, cl)))
        return tong_err_set (err, ENOENT,
                             "linux.resources.unified.%s: the %.*s controller is not available "
                             "in %s",
                             kv->key, (int)cl, kv->key, dir);
      return tong_err_set (err, ENOENT, "linux.resources.unified.%s: no file %s/%s", kv->key, dir,
                           kv->key);
    }
  return 0;
}

static int
set_devices (const char *dir, const struct cg_device_rule *devices, size_t n, struct tong_err *err)
{
  cleanup_free struct bpf_insn *prog = NULL;
  size_t len;
  if (cg_ebpf_build (devices, n, &prog, &len, err) < 0)
    return -1;
  cleanup_close int pfd = cg_ebpf_load (prog, len, err);
  if (pfd < 0)
    return tong_err_wrap (err, "linux.resources.devices");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return tong_err_set (err, errno, "linux.resources.devices: open %s", dir);
  if (cg_ebpf_attach (dfd, pfd, err) < 0)
    return tong_err_wrap (err, "linux.resources.devices: %s", dir);
  return 0;
}

static int
v2_set (struct tong_cgroup *cg, const struct cg_resources *r, const struct cg_device_rule *devices,
        size_t n_devices, bool update, struct tong_err *err)
{
  char dir[PATH_MAX];
  v2_dir (cg, dir, sizeof dir);
  if (r)
    {
      if (cg_v2_check (r, err) < 0 || set_memory (dir, r, update, err) < 0
          || set_cpu (dir, r, err) < 0 || set_io (dir, r, err) < 0)
        return -1;
      if (r->pids_limit.set && r->pids_limit.v != 0)
        {
          char buf[32];
          num_or_max (buf, sizeof buf, r->pids_limit.v);
          if (put (dir, "pids.max", buf, "linux.resources.pids.limit", err) < 0)
            return -1;
        }
      if (set_hugetlb (dir, r, err) < 0 || set_rdma (dir, r, err) < 0)
        return -1;
      /* Last, so a raw key overrides what the typed fields wrote.  */
      if (set_unified (dir, r, err) < 0)
        return -1;
    }
  if (devices && set_devices (dir, devices, n_devices, err) < 0)
    return -1;
  return 0;
}

/* ---- freeze ---------------------------------------------------------------- */

static long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Wait until DIR/cgroup.events says frozen WANT: the kernel notifies the
   file (POLLPRI) when the state settles.  */
static int
wait_frozen (const char *dir, bool want, struct tong_err *err)
{
  char path[PATH_MAX + 128];
  snprintf (path, sizeof path, "%s/cgroup.events", dir);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open %s", path);
  long deadline = now_ms () + FREEZE_TIMEOUT_MS;
  for (;;)
    {
      char buf[512];
      ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
      if (n < 0)
        return tong_err_set (err, errno, "read %s", path);
      buf[n] = '\0';
      int f = cg_v2_events_frozen (buf);
      if (f < 0)
        return tong_err_set (err, 0, "%s: no \"frozen\" line", path);
      if (f == want)
        return 0;
      long left = deadline - now_ms ();
      if (left <= 0)
        return tong_err_set (err, ETIMEDOUT, "%s: still \"frozen %d\" after %d ms", path, !want,
                             FREEZE_TIMEOUT_MS);
      struct pollfd p = { .fd = fd, .events = POLLPRI };
      /* Wake up now and then anyway: a notification may race the read.  */
      if (poll (&p, 1, left < 100 ? (int)left : 100) < 0 && errno != EINTR)
        return tong_err_set (err, errno, "poll %s", path);
    }
}

static int
v2_freeze (struct tong_cgroup *cg, bool frozen, struct tong_err *err)
{
  char dir[PATH_MAX];
  v2_dir (cg, dir, sizeof dir);
  if (!has_file (dir, "cgroup.freeze"))
    return tong_err_set (err, ENOENT, "%s/cgroup.freeze (the v2 freezer needs Linux 5.2)", dir);
  if (cg_write (dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  if (wait_frozen (dir, frozen, err) < 0)
    {
      /* Do not leave a half-frozen container behind.  */
      if (frozen)
        cg_write (dir, "cgroup.freeze", "0", NULL);
      return -1;
    }
  return 0;
}

static int
v2_frozen (struct tong_cgroup *cg)
{
  char dir[PATH_MAX];
  v2_dir (cg, dir, sizeof dir);
  cleanup_free char *s = NULL;
  if (cg_read (dir, "cgroup.freeze", &s, NULL) < 0)
    {
      struct stat st;
      return stat (dir, &st) == 0 ? 0 : -1;
    }
  return s[0] == '1';
}

/* ---- events: oom and stats ------------------------------------------------ */

static int
v2_oom_fd (struct tong_cgroup *cg, struct tong_err *err)
{
  char dir[PATH_MAX], path[PATH_MAX + 32];
  v2_dir (cg, dir, sizeof dir);
  snprintf (path, sizeof path, "%s/memory.events", dir);
  cleanup_free char *s = NULL;
  if (read_file (path, &s, NULL, err) < 0)
    return -1;
  /* Kills before we started watching are not news.  */
  uint64_t k = 0;
  cg_v2_keyed (s, "oom_kill", &k);
  cg->oom_kills = k;
  cleanup_close int fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0)
    return tong_err_set (err, errno, "inotify_init1");
  if (inotify_add_watch (fd, path, IN_MODIFY) < 0)
    return tong_err_set (err, errno, "inotify_add_watch %s", path);
  return steal_fd (&fd);
}

static int
v2_oom_check (struct tong_cgroup *cg, int fd)
{
  char ev[4096];
  while (fd >= 0 && read (fd, ev, sizeof ev) > 0)
    ;
  char dir[PATH_MAX];
  v2_dir (cg, dir, sizeof dir);
  cleanup_free char *s = NULL;
  uint64_t k;
  if (cg_read (dir, "memory.events", &s, NULL) < 0 || cg_v2_keyed (s, "oom_kill", &k) < 0)
    return 0;
  if (k > cg->oom_kills)
    {
      cg->oom_kills = k;
      return 1;
    }
  return 0;
}

static uint64_t
keyed_file (const char *dir, const char *file, const char *key)
{
  cleanup_free char *s = NULL;
  uint64_t v = 0;
  if (cg_read (dir, file, &s, NULL) == 0)
    cg_v2_keyed (s, key, &v);
  return v;
}

static uint64_t
u64_file (const char *dir, const char *file)
{
  uint64_t v = 0;
  if (cg_read_u64 (dir, file, &v, NULL) < 0)
    return 0;
  return v;
}

/* Go's omitempty: runc leaves zero members out.  */
static void
w_u64_oe (struct json_writer *w, const char *key, uint64_t v)
{
  if (v == 0)
    return;
  json_w_key (w, key);
  json_w_uint (w, v);
}

static void
w_u64 (struct json_writer *w, const char *key, uint64_t v)
{
  json_w_key (w, key);
  json_w_uint (w, v);
}

static void
w_mem_entry (struct json_writer *w, const char *key, uint64_t limit, uint64_t usage, uint64_t max,
             uint64_t failcnt)
{
  json_w_key (w, key);
  json_w_obj_begin (w);
  w_u64 (w, "limit", limit);
  w_u64_oe (w, "usage", usage);
  w_u64_oe (w, "max", max);
  w_u64 (w, "failcnt", failcnt);
  json_w_obj_end (w);
}

static void
stats_cpu (const char *dir, struct json_writer *w)
{
  cleanup_free char *s = NULL;
  uint64_t usage = 0, user = 0, sys = 0, periods = 0, throttled = 0, ttime = 0;
  if (cg_read (dir, "cpu.stat", &s, NULL) == 0)
    {
      cg_v2_keyed (s, "usage_usec", &usage);
      cg_v2_keyed (s, "user_usec", &user);
      cg_v2_keyed (s, "system_usec", &sys);
      cg_v2_keyed (s, "nr_periods", &periods);
      cg_v2_keyed (s, "nr_throttled", &throttled);
      cg_v2_keyed (s, "throttled_usec", &ttime);
    }
  /* runc's units are nanoseconds; v2 counts microseconds.  */
  json_w_key (w, "cpu");
  json_w_obj_begin (w);
  json_w_key (w, "usage");
  json_w_obj_begin (w);
  w_u64_oe (w, "total", usage * 1000);
  w_u64 (w, "kernel", sys * 1000);
  w_u64 (w, "user", user * 1000);
  json_w_obj_end (w);
  json_w_key (w, "throttling");
  json_w_obj_begin (w);
  w_u64_oe (w, "periods", periods);
  w_u64_oe (w, "throttledPeriods", throttled);
  w_u64_oe (w, "throttledTime", ttime * 1000);
  json_w_obj_end (w);
  json_w_obj_end (w);
}

static void
stats_memory (const char *dir, struct json_writer *w)
{
  uint64_t usage = u64_file (dir, "memory.current"), limit = u64_file (dir, "memory.max");
  uint64_t peak = u64_file (dir, "memory.peak");
  uint64_t swap = u64_file (dir, "memory.swap.current"),
           swap_limit = u64_file (dir, "memory.swap.max");
  uint64_t failcnt = keyed_file (dir, "memory.events", "max");
  if (!has_file (dir, "memory.max"))
    limit = UINT64_MAX;
  cleanup_free char *stat = NULL;
  cg_read (dir, "memory.stat", &stat, NULL);
  uint64_t file = 0;
  if (stat)
    cg_v2_keyed (stat, "file", &file);
  json_w_key (w, "memory");
  json_w_obj_begin (w);
  w_u64_oe (w, "cache", file);
  w_mem_entry (w, "usage", limit, usage, peak, failcnt);
  /* v1's "swap" is memory+swap: runc reports v2's the same way.  */
  uint64_t sl = swap_limit == UINT64_MAX || limit == UINT64_MAX ? UINT64_MAX : swap_limit + limit;
  w_mem_entry (w, "swap", sl, swap + usage, 0, keyed_file (dir, "memory.swap.events", "max"));
  w_mem_entry (w, "kernel", 0, 0, 0, 0);
  w_mem_entry (w, "kernelTCP", 0, 0, 0, 0);
  if (stat && *stat)
    {
      json_w_key (w, "raw");
      json_w_obj_begin (w);
      for (char *l = stat; l && *l;)
        {
          char *nl = strchr (l, '\n');
          if (nl)
            *nl = '\0';
          char *sp = strchr (l, ' ');
          if (sp)
            {
              *sp = '\0';
              w_u64 (w, l, strtoull (sp + 1, NULL, 10));
            }
          l = nl ? nl + 1 : NULL;
        }
      json_w_obj_end (w);
    }
  json_w_obj_end (w);
}

static void
stats_pids (const char *dir, struct json_writer *w)
{
  json_w_key (w, "pids");
  json_w_obj_begin (w);
  w_u64_oe (w, "current", u64_file (dir, "pids.current"));
  w_u64_oe (w, "limit", u64_file (dir, "pids.max"));
  json_w_obj_end (w);
}

static void
w_blkio_entry (struct json_writer *w, unsigned long maj, unsigned long min, const char *op,
               uint64_t v)
{
  json_w_obj_begin (w);
  w_u64_oe (w, "major", maj);
  w_u64_oe (w, "minor", min);
  json_w_key (w, "op");
  json_w_str (w, op);
  w_u64_oe (w, "value", v);
  json_w_obj_end (w);
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N".  */
static void
stats_blkio (const char *dir, struct json_writer *w)
{
  cleanup_free char *s = NULL;
  cg_read (dir, "io.stat", &s, NULL);
  json_w_key (w, "blkio");
  json_w_obj_begin (w);
  static const struct
  {
    const char *member, *rkey, *wkey;
  } kinds[] = { { "ioServiceBytesRecursive", "rbytes", "wbytes" },
                { "ioServicedRecursive", "rios", "wios" } };
  for (size_t k = 0; s && *s && k < 2; k++)
    {
      json_w_key (w, kinds[k].member);
      json_w_arr_begin (w);
      for (const char *l = s; l && *l; l = strchr (l, '\n'), l = l ? l + 1 : NULL)
        {
          unsigned long maj, min;
          if (sscanf (l, "%lu:%lu", &maj, &min) != 2)
            continue;
          const char *end = strchr (l, '\n');
          size_t ll = end ? (size_t)(end - l) : strlen (l);
          uint64_t rv = 0, wv = 0;
          char key[16];
          for (const char *f = memchr (l, ' ', ll); f && f < l + ll;
               f = memchr (f + 1, ' ', l + ll - f - 1))
            {
              unsigned long long v;
              if (sscanf (f + 1, "%15[a-z]=%llu", key, &v) != 2)
                continue;
              if (strcmp (key, kinds[k].rkey) == 0)
                rv = v;
              else if (strcmp (key, kinds[k].wkey) == 0)
                wv = v;
            }
          w_blkio_entry (w, maj, min, "Read", rv);
          w_blkio_entry (w, maj, min, "Write", wv);
        }
      json_w_arr_end (w);
    }
  json_w_obj_end (w);
}

static void
stats_hugetlb (const char *dir, struct json_writer *w)
{
  json_w_key (w, "hugetlb");
  json_w_obj_begin (w);
  DIR *d = opendir (dir);
  struct dirent *de;
  while (d && (de = readdir (d)) != NULL)
    {
      /* hugetlb.2MB.current, not hugetlb.2MB.rsvd.current.  */
      char size[32];
      size_t l = strlen (de->d_name);
      if (strncmp (de->d_name, "hugetlb.", 8) != 0 || l < 16 || l - 16 >= sizeof size
          || strcmp (de->d_name + l - 8, ".current") != 0 || strstr (de->d_name, ".rsvd."))
        continue;
      memcpy (size, de->d_name + 8, l - 16);
      size[l - 16] = '\0';
      char f[80];
      json_w_key (w, size);
      json_w_obj_begin (w);
      w_u64_oe (w, "usage", u64_file (dir, de->d_name));
      snprintf (f, sizeof f, "hugetlb.%s.events", size);
      w_u64 (w, "failcnt", keyed_file (dir, f, "max"));
      json_w_obj_end (w);
    }
  if (d)
    closedir (d);
  json_w_obj_end (w);
}

static int
v2_stats (struct tong_cgroup *cg, struct json_writer *w, struct tong_err *err)
{
  char dir[PATH_MAX];
  v2_dir (cg, dir, sizeof dir);
  struct stat st;
  if (stat (dir, &st) < 0)
    return tong_err_set (err, errno, "cgroup %s", dir);
  stats_cpu (dir, w);
  stats_memory (dir, w);
  stats_pids (dir, w);
  stats_blkio (dir, w);
  stats_hugetlb (dir, w);
  return 0;
}

const struct cgroup_driver cgroup_driver_v2 = {
  .name = "v2",
  .create = v2_create,
  .enter = v2_enter,
  .set = v2_set,
  .freeze = v2_freeze,
  .frozen = v2_frozen,
  .pids = v2_pids,
  .stats = v2_stats,
  .oom_fd = v2_oom_fd,
  .oom_check = v2_oom_check,
  .destroy = v2_destroy,
};
