/* linux.resources and cgroupsPath: the container's cgroup.

   The mode of the host (legacy v1, hybrid v1 + a cgroup2 mount at
   /sys/fs/cgroup/unified, unified v2) is detected once with statfs.  A small
   driver interface with one file per driver does the work:
     cgroup_v1.c     v1 controllers (and, on hybrid, the unified placement)
     cgroup_v2.c     the unified hierarchy
     cgroup_systemd.c  --systemd-cgroup: "slice:prefix:name" paths, unit
                     names, and a transient scope asked of systemd over D-Bus
                     (dbus.c), whose cgroup the v1/v2 drivers then fill
   cgroup_res.c parses linux.resources once into struct cg_resources, so the
   drivers, `update` and the unit tests share one typed view of it;
   cgroup_devices.c holds the device rules (defaults, config order), which v1
   writes to devices.allow/deny and v2 compiles to an eBPF program.  */
#ifndef TONG_CGROUP_H
#define TONG_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "config.h"
#include "err.h"
#include "json.h"

enum cgroup_mode
{
  CG_MODE_UNKNOWN = 0,
  CG_MODE_V1,     /* legacy: v1 controllers only.  */
  CG_MODE_HYBRID, /* v1 controllers + cgroup2 at /sys/fs/cgroup/unified.  */
  CG_MODE_V2,     /* unified.  */
};

/* Optional values: SET says whether the config gave one.  */
struct cg_u64
{
  bool set;
  uint64_t v;
};
struct cg_i64
{
  bool set;
  int64_t v;
};
struct cg_bool
{
  bool set;
  bool v;
};

struct cg_device_rule
{
  bool allow;
  char type;       /* 'a', 'c', 'b'.  */
  int64_t major;   /* -1: any.  */
  int64_t minor;   /* -1: any.  */
  char access[4];  /* subset of "rwm", in that order.  */
};

struct cg_weight_device
{
  int64_t major, minor;
  struct cg_u64 weight, leaf_weight;
};

struct cg_throttle
{
  int64_t major, minor;
  uint64_t rate;
};

enum cg_throttle_kind
{
  CG_THROTTLE_READ_BPS,
  CG_THROTTLE_WRITE_BPS,
  CG_THROTTLE_READ_IOPS,
  CG_THROTTLE_WRITE_IOPS,
  CG_THROTTLE_COUNT,
};

struct cg_hugepage
{
  char *page_size; /* "2MB": v1 and v2 spell it "2MB" in the file names.  */
  uint64_t limit;
};

struct cg_net_prio
{
  char *name;
  uint32_t priority;
};

struct cg_rdma
{
  char *device;
  struct cg_u64 hca_handles, hca_objects;
};

struct cg_kv
{
  char *key, *value;
};

struct cg_resources
{
  struct
  {
    struct cg_i64 limit, reservation, swap, kernel, kernel_tcp;
    struct cg_u64 swappiness;
    struct cg_bool disable_oom_killer, use_hierarchy, check_before_update;
  } memory;
  struct
  {
    struct cg_u64 shares, period, burst, realtime_period;
    struct cg_i64 quota, realtime_runtime, idle;
    char *cpus, *mems; /* NULL: not set.  */
  } cpu;
  struct cg_i64 pids_limit;
  struct
  {
    struct cg_u64 weight, leaf_weight;
    struct cg_weight_device *weight_device;
    size_t n_weight_device;
    struct cg_throttle *throttle[CG_THROTTLE_COUNT];
    size_t n_throttle[CG_THROTTLE_COUNT];
  } blkio;
  struct cg_hugepage *hugepages;
  size_t n_hugepages;
  struct
  {
    struct cg_u64 class_id;
    struct cg_net_prio *priorities;
    size_t n_priorities;
  } network;
  struct cg_rdma *rdma;
  size_t n_rdma;
  struct cg_kv *unified;
  size_t n_unified;
  /* linux.resources.devices, in the config's order.  */
  bool has_devices;
  struct cg_device_rule *devices;
  size_t n_devices;
};

/* Parse a LinuxResources object (config linux.resources, or `update
   --resources`).  PATH prefixes the error messages ("linux.resources").
   R is zeroed first; V may be NULL (nothing set).  */
int cg_resources_parse (const struct json_value *v, const char *path, struct cg_resources *r,
                        struct tong_err *err);
void cg_resources_free (struct cg_resources *r);
/* Anything at all requested?  And anything besides device rules?  */
bool cg_resources_any (const struct cg_resources *r);
bool cg_resources_any_but_devices (const struct cg_resources *r);
/* Overlay SRC's set fields onto DST (update): DST keeps what SRC lacks.  */
int cg_resources_merge (struct cg_resources *dst, const struct cg_resources *src,
                        struct tong_err *err);

/* Conversions shared by the drivers (unit-tested).  */
/* cpu.shares (2..262144) to cpu.weight (1..10000), as runc and crun.  */
uint64_t cg_shares_to_weight (uint64_t shares);
/* blkio weight (10..1000) to io.weight (1..10000).  */
uint64_t cg_blkio_weight_to_io (uint64_t weight);
/* "QUOTA PERIOD" for cpu.max; quota < 0 gives "max".  */
void cg_cpu_max (char *buf, size_t len, const struct cg_i64 *quota, const struct cg_u64 *period,
                 uint64_t cur_period);
/* v2 memory.swap.max from the OCI swap (memory+swap) and limit: -1 max.  */
int cg_swap_v2 (int64_t swap, int64_t limit, int64_t *out, const char *path, struct tong_err *err);

/* The device rules a container gets: deny all, the config's rules in
   order, the implicit ones runc adds (mknod, null, zero, full, tty, urandom,
   random, console, ptmx, pts, tun).  R may be NULL.  */
int cg_device_rules (const struct cg_resources *r, struct cg_device_rule **out, size_t *n,
                     struct tong_err *err);
/* "c 1:3 rwm" / "a *:* rwm".  */
void cg_device_rule_format (const struct cg_device_rule *d, char *buf, size_t len);

struct tong_cgroup;

struct cgroup_driver
{
  const char *name;
  /* Make the cgroup (and missing parents).  Sets cg->created when the leaf
     was new.  */
  int (*create) (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err);
  int (*enter) (struct tong_cgroup *cg, pid_t pid, struct tong_err *err);
  /* Apply R.  UPDATE: from `tong update` (a running container).  DEVICES:
     the device rules to install (NULL: leave them).  */
  int (*set) (struct tong_cgroup *cg, const struct cg_resources *r,
              const struct cg_device_rule *devices, size_t n_devices, bool update,
              struct tong_err *err);
  int (*freeze) (struct tong_cgroup *cg, bool frozen, struct tong_err *err);
  /* 1 frozen, 0 not, -1 error (no such cgroup).  */
  int (*frozen) (struct tong_cgroup *cg);
  /* Every process in the cgroup and below.  */
  int (*pids) (struct tong_cgroup *cg, pid_t **out, size_t *n, struct tong_err *err);
  /* The members of runc's events "data" object (cpu, memory, pids, blkio,
     hugetlb).  */
  int (*stats) (struct tong_cgroup *cg, struct json_writer *w, struct tong_err *err);
  /* An fd that becomes readable (poll) when an OOM kill may have happened,
     and a check that says whether one did since the last call.  */
  int (*oom_fd) (struct tong_cgroup *cg, struct tong_err *err);
  int (*oom_check) (struct tong_cgroup *cg, int fd);
  /* Remove the cgroup (it must be empty).  */
  int (*destroy) (struct tong_cgroup *cg, struct tong_err *err);
};

struct tong_cgroup
{
  enum cgroup_mode mode;
  const struct cgroup_driver *driver;
  /* The cgroup's path below each hierarchy's root, "/a/b/id".  */
  char *path;
  bool created;
  /* v1: one mount per controller (NULL when not mounted).  */
  char *v1_mount[16];
  /* v2 (and hybrid's unified mount): the mount point.  */
  const char *v2_root;
  /* v2: the counter of oom_kill seen last (oom_check).  */
  uint64_t oom_kills;
  /* --systemd-cgroup: the scope unit, its slice, whether systemd has made
     it yet (it needs the container's pid: at enter), and the resources
     create was given, for the unit's properties.  */
  char *sd_unit, *sd_slice, *sd_name;
  bool sd_started;
  const struct cg_resources *sd_res;
};

enum cgroup_mode cgroup_mode (void);
const char *cgroup_mode_name (enum cgroup_mode m);

/* Resolve where the container's cgroup is (cgroupsPath: absolute below the
   hierarchy root; relative below tong's own cgroup; absent: relative ID) and
   pick the driver.  Creates nothing.  */
int cgroup_init (struct tong_cgroup *cg, const char *cgroups_path, const char *id,
                 bool systemd, struct tong_err *err);
/* Re-open a container's cgroup from the path kept in its state.  */
int cgroup_open (struct tong_cgroup *cg, const char *state_path, struct tong_err *err);
void cgroup_clear (struct tong_cgroup *cg);

/* Refuse, naming the field, what this host's cgroups cannot apply.  */
int cgroup_check (const struct tong_cgroup *cg, const struct cg_resources *r,
                  struct tong_err *err);

/* Driver entry points.  */
int cgroup_create (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err);
int cgroup_enter (struct tong_cgroup *cg, pid_t pid, struct tong_err *err);
int cgroup_set (struct tong_cgroup *cg, const struct cg_resources *r, bool update,
                struct tong_err *err);
int cgroup_freeze (struct tong_cgroup *cg, bool frozen, struct tong_err *err);
int cgroup_frozen (struct tong_cgroup *cg);
int cgroup_pids (struct tong_cgroup *cg, pid_t **out, size_t *n, struct tong_err *err);
/* Signal every process: frozen first so none can fork away, as runc.  */
int cgroup_kill_all (struct tong_cgroup *cg, int sig, struct tong_err *err);
int cgroup_destroy (struct tong_cgroup *cg, struct tong_err *err);
/* Wait (bounded) until no process is left in the cgroup: -1 if some stay.  */
int cgroup_wait_empty (struct tong_cgroup *cg);

/* systemd paths "slice:prefix:name" (cgroup_systemd.c).  */
struct cg_systemd_path
{
  char *slice;  /* "system.slice" by default.  */
  char *prefix;
  char *name;
  char *unit;   /* "prefix-name.scope", or name when it ends in ".slice".  */
};
int cg_systemd_parse (const char *cgroups_path, const char *id, struct cg_systemd_path *p,
                      struct tong_err *err);
void cg_systemd_path_free (struct cg_systemd_path *p);
/* "a-b.slice" -> "/a.slice/a-b.slice".  */
int cg_systemd_expand_slice (const char *slice, char **out, struct tong_err *err);

extern const struct cgroup_driver cgroup_driver_systemd;
struct dbus_buf;
/* The body of StartTransientUnit ("ssa(sv)a(sa(sv))") for UNIT in SLICE
   holding PID, with R's limits as unit properties (MODE picks the v1 or v2
   names) and DEVICES (may be NULL) as DevicePolicy/DeviceAllow when systemd
   can express them all; also used by the unit tests.  */
int cg_systemd_start_body (const char *unit, const char *slice, const char *desc, pid_t pid,
                           const struct cg_resources *r, enum cgroup_mode mode,
                           const struct cg_device_rule *devices, size_t n_devices,
                           struct dbus_buf *body, struct tong_err *err);
/* R's limits as a(sv) properties (SetUnitProperties on update).  */
int cg_systemd_resource_props (struct dbus_buf *b, const struct cg_resources *r,
                               enum cgroup_mode mode, struct tong_err *err);
/* "0-2,4" -> the little-endian bit mask systemd takes for AllowedCPUs.  */
int cg_systemd_cpumask (const char *list, uint8_t **out, size_t *n, struct tong_err *err);

/* "INDEX=DIR" lines for the state (cgroup_open reads them back).  */
char *cgroup_serialize (const struct tong_cgroup *cg);
/* This process's cgroup in the hierarchy of CTRL ("" for the unified one).  */
int cg_own_path (const char *ctrl, char **out, struct tong_err *err);
/* The same from PROC_CGROUP, the text of /proc/self/cgroup read once.  */
int cg_own_path_in (const char *proc_cgroup, const char *ctrl, char **out, struct tong_err *err);
/* OWN/PATH for a relative PATH, PATH itself when absolute; normalized.  */
char *cg_join (const char *own, const char *path);

/* Small file helpers for the drivers: DIR/FILE.  */
int cg_write (const char *dir, const char *file, const char *value, struct tong_err *err);
int cg_writef (const char *dir, const char *file, struct tong_err *err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
int cg_read (const char *dir, const char *file, char **out, struct tong_err *err);
int cg_read_u64 (const char *dir, const char *file, uint64_t *out, struct tong_err *err);
/* Read the pids of DIR/cgroup.procs, and of every cgroup below, into *OUT.  */
int cg_read_procs (const char *dir, pid_t **out, size_t *n, struct tong_err *err);
/* rmdir DIR and every (empty) cgroup below it, deepest first.  */
int cg_rmdir_tree (const char *dir, struct tong_err *err);

extern const struct cgroup_driver cgroup_driver_v1;
extern const struct cgroup_driver cgroup_driver_v2;

/* v2 (and hybrid's unified mount): mkdir ROOT/PATH level by level, enabling
   each of CONTROLLERS (NULL-terminated, e.g. "memory") that the parent offers
   in every ancestor's cgroup.subtree_control on the way down.  Sets *CREATED
   when the leaf was new.  */
int cg_v2_mkdir_enable (const char *root, const char *path, const char *const *controllers,
                        bool *created, struct tong_err *err);

#endif
