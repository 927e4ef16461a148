/* cgroup v2 driver without root: the device program run by a small eBPF
   interpreter on (type, major, minor, access) requests, the program's shape,
   io.max/rdma/cpu.max lines, conversions, the refusals, and the driver's set,
   freeze and stats on a fake cgroup directory of plain files.  As root, each
   generated program is also passed through the kernel's verifier (loaded,
   never attached).  */
#include "unit.h"
#include "libtong/cgroup.h"
#include "libtong/cgroup_ebpf.h"
#include "libtong/cgroup_v2.h"
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a minimal interpreter for the instructions the generator emits ---- */

/* 1 allow, 0 deny, -1 the program is malformed (unknown opcode, jump out of
   range, read of an unset register, no exit).  */
static int
run (const struct bpf_insn *p, size_t len, char type, uint32_t major, uint32_t minor,
     const char *access)
{
  uint32_t ctx[3];
  uint32_t acc = 0;
  for (const char *a = access; *a; a++)
    acc |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  ctx[0] = (acc << 16) | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
  ctx[1] = major;
  ctx[2] = minor;
  uint64_t reg[11] = { 0 };
  bool set[11] = { false };
  set[1] = true; /* R1: the context.  */
  for (size_t pc = 0, steps = 0; pc < len && steps < 10000; pc++, steps++)
    {
      const struct bpf_insn *i = &p[pc];
      uint8_t d = i->dst_reg, s = i->src_reg;
      if (d > 10 || s > 10)
        return -1;
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          if (s != 1 || i->off < 0 || i->off > 8 || i->off % 4)
            return -1;
          reg[d] = ctx[i->off / 4];
          set[d] = true;
          break;
        case BPF_ALU64 | BPF_MOV | BPF_X:
          if (!set[s])
            return -1;
          reg[d] = reg[s];
          set[d] = true;
          break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
          reg[d] = (uint64_t)(int64_t)i->imm;
          set[d] = true;
          break;
        case BPF_ALU64 | BPF_AND | BPF_K:
          if (!set[d])
            return -1;
          reg[d] &= (uint64_t)(int64_t)i->imm;
          break;
        case BPF_ALU64 | BPF_RSH | BPF_K:
          if (!set[d])
            return -1;
          reg[d] >>= i->imm;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
        case BPF_JMP | BPF_JEQ | BPF_K:
          {
            if (!set[d] || i->off < 0 || pc + 1 + (size_t)i->off >= len)
              return -1;
            bool eq = reg[d] == (uint64_t)(int64_t)i->imm;
            if ((i->code == (BPF_JMP | BPF_JEQ | BPF_K)) == eq)
              pc += (size_t)i->off;
            break;
          }
        case BPF_JMP | BPF_EXIT:
          if (!set[0] || reg[0] > 1)
            return -1;
          return (int)reg[0];
        default:
          return -1;
        }
    }
  return -1;
}

static struct cg_device_rule
R (bool allow, char type, int64_t major, int64_t minor, const char *access)
{
  struct cg_device_rule r = { .allow = allow, .type = type, .major = major, .minor = minor };
  snprintf (r.access, sizeof r.access, "%s", access);
  return r;
}

struct probe
{
  char type;
  uint32_t major, minor;
  const char *access;
  int want;
};

static bool can_load;

static void
check_rules (const char *name, const struct cg_device_rule *rules, size_t n,
             const struct probe *probes, size_t np)
{
  struct tong_err err = { 0 };
  cleanup_free struct bpf_insn *prog = NULL;
  size_t len = 0;
  char what[256];
  int rc = cg_ebpf_build (rules, n, &prog, &len, &err);
  snprintf (what, sizeof what, "%s: builds", name);
  UNIT_CHECK (rc == 0, what, "%s", err.msg);
  if (rc < 0)
    return;
  for (size_t i = 0; i < np; i++)
    {
      const struct probe *q = &probes[i];
      int got = run (prog, len, q->type, q->major, q->minor, q->access);
      snprintf (what, sizeof what, "%s: %c %u:%u %s is %s", name, q->type, q->major, q->minor,
                q->access, q->want ? "allowed" : "denied");
      UNIT_CHECK (got == q->want, what, "program says %d", got);
    }
  if (can_load)
    {
      int fd = cg_ebpf_load (prog, len, &err);
      snprintf (what, sizeof what, "%s: the kernel's verifier accepts the %zu instructions", name,
                len);
      UNIT_CHECK (fd >= 0, what, "%s", err.msg);
      if (fd >= 0)
        close (fd);
    }
}

#define N(a) (sizeof (a) / sizeof (a)[0])

static void
test_ebpf (void)
{
  /* The defaults runc gives every container, then the config's rules.  */
  struct cg_device_rule defaults[] = {
    R (false, 'a', -1, -1, "rwm"), R (true, 'c', -1, -1, "m"),    R (true, 'b', -1, -1, "m"),
    R (true, 'c', 1, 3, "rwm"),    R (true, 'c', 1, 8, "rwm"),    R (true, 'c', 1, 7, "rwm"),
    R (true, 'c', 5, 0, "rwm"),    R (true, 'c', 1, 5, "rwm"),    R (true, 'c', 1, 9, "rwm"),
    R (true, 'c', 5, 1, "rwm"),    R (true, 'c', 136, -1, "rwm"), R (true, 'c', 5, 2, "rwm"),
    R (true, 'c', 10, 200, "rwm"),
  };
  struct probe pd[] = {
    { 'c', 1, 3, "rw", 1 },  { 'c', 1, 3, "rwm", 1 },   { 'c', 1, 9, "r", 1 },
    { 'c', 136, 7, "w", 1 }, { 'c', 10, 200, "rw", 1 }, { 'c', 4, 1, "rw", 0 },
    { 'b', 8, 0, "r", 0 },   { 'b', 8, 0, "m", 1 },     { 'c', 4, 1, "m", 1 },
    { 'c', 1, 1, "r", 0 },   { 'c', 10, 229, "rw", 0 }, { 'b', 1, 3, "r", 0 },
  };
  check_rules ("runc's defaults", defaults, N (defaults), pd, N (pd));

  /* Nothing requested: a new cgroup allows everything.  */
  struct probe pe[] = { { 'c', 1, 3, "rwm", 1 }, { 'b', 8, 0, "rw", 1 } };
  check_rules ("no rules", NULL, 0, pe, N (pe));

  /* A later deny takes away only the bits it names.  */
  struct cg_device_rule cut[]
      = { R (false, 'a', -1, -1, "rwm"), R (true, 'c', 1, 3, "rwm"), R (false, 'c', 1, 3, "w") };
  struct probe pc[] = {
    { 'c', 1, 3, "r", 1 }, { 'c', 1, 3, "m", 1 }, { 'c', 1, 3, "w", 0 }, { 'c', 1, 3, "rw", 0 }
  };
  check_rules ("allow then deny w", cut, N (cut), pc, N (pc));

  /* Two allows of the same device merge, as v1's exception list does.  */
  struct cg_device_rule merge[]
      = { R (false, 'a', -1, -1, "rwm"), R (true, 'c', 1, 3, "r"), R (true, 'c', 1, 3, "w") };
  struct probe pm[] = { { 'c', 1, 3, "rw", 1 }, { 'c', 1, 3, "m", 0 }, { 'c', 1, 5, "r", 0 } };
  check_rules ("allow r, allow w", merge, N (merge), pm, N (pm));

  /* Deny-list mode: any denied bit requested denies.  */
  struct cg_device_rule deny[]
      = { R (true, 'a', -1, -1, "rwm"), R (false, 'c', 1, 3, "rwm"), R (false, 'b', -1, -1, "w") };
  struct probe pn[] = { { 'c', 1, 3, "r", 0 }, { 'c', 1, 5, "rw", 1 }, { 'b', 8, 0, "r", 1 },
                        { 'b', 8, 0, "w", 0 }, { 'b', 8, 0, "rw", 0 }, { 'b', 8, 0, "m", 1 } };
  check_rules ("deny-list", deny, N (deny), pn, N (pn));

  /* Deny-list, an allow cuts a deny of the same device.  */
  struct cg_device_rule undeny[]
      = { R (true, 'a', -1, -1, "rwm"), R (false, 'c', 1, 3, "rw"), R (true, 'c', 1, 3, "r") };
  struct probe pu[] = { { 'c', 1, 3, "r", 1 }, { 'c', 1, 3, "w", 0 }, { 'c', 1, 3, "rw", 0 } };
  check_rules ("deny-list, allow r back", undeny, N (undeny), pu, N (pu));

  /* "a" resets whatever came before; last one wins.  */
  struct cg_device_rule reset[]
      = { R (true, 'c', 1, 3, "rwm"), R (false, 'a', -1, -1, "rwm"), R (true, 'c', 1, 5, "r") };
  struct probe pr[] = { { 'c', 1, 3, "r", 0 }, { 'c', 1, 5, "r", 1 }, { 'c', 1, 5, "w", 0 } };
  check_rules ("reset by a", reset, N (reset), pr, N (pr));

  /* No hole punched in a wildcard (as v1): c 1:3 stays allowed.  */
  struct cg_device_rule hole[] = { R (false, 'a', -1, -1, "rwm"), R (true, 'c', -1, -1, "rwm"),
                                   R (false, 'c', 1, 3, "rwm") };
  struct probe ph[] = { { 'c', 1, 3, "r", 1 }, { 'c', 7, 0, "rw", 1 }, { 'b', 7, 0, "r", 0 } };
  check_rules ("wildcard not punched", hole, N (hole), ph, N (ph));

  /* Type a with numbers: both kinds; a wildcard minor.  */
  struct cg_device_rule any[] = { R (false, 'a', -1, -1, "rwm"), R (true, 'a', 7, -1, "r") };
  struct probe pa[] = {
    { 'c', 7, 0, "r", 1 }, { 'b', 7, 3, "r", 1 }, { 'b', 7, 3, "w", 0 }, { 'c', 8, 0, "r", 0 }
  };
  check_rules ("type a 7:*", any, N (any), pa, N (pa));

  /* The shape: 6 of prologue, per exception its compares + 2, 2 of epilogue.  */
  struct tong_err err = { 0 };
  cleanup_free struct bpf_insn *p1 = NULL;
  size_t l1 = 0;
  struct cg_device_rule one[] = { R (false, 'a', -1, -1, "rwm"), R (true, 'c', 1, 3, "rwm") };
  cg_ebpf_build (one, N (one), &p1, &l1, &err);
  UNIT_CHECK (l1 == 6 + 5 + 2, "one full-access rule: 13 instructions", "got %zu", l1);
  UNIT_CHECK (p1 && p1[l1 - 1].code == (BPF_JMP | BPF_EXIT) && p1[l1 - 2].imm == 0,
              "allow-list ends with r0 = 0; exit", "last imm %d", p1 ? p1[l1 - 2].imm : -1);
  cleanup_free struct bpf_insn *p2 = NULL;
  size_t l2 = 0;
  struct cg_device_rule partial[] = { R (false, 'a', -1, -1, "rwm"), R (true, 'c', 136, -1, "rw") };
  cg_ebpf_build (partial, N (partial), &p2, &l2, &err);
  UNIT_CHECK (l2 == 6 + 2 + 3 + 2 + 2, "wildcard minor, partial access: 15 instructions", "got %zu",
              l2);
  cleanup_free struct bpf_insn *p3 = NULL;
  size_t l3 = 0;
  cg_ebpf_build (defaults, N (defaults), &p3, &l3, &err);
  UNIT_CHECK (l3 == 6 + 2 * (1 + 3 + 2) + 9 * 5 + 4 + 2, "runc's defaults: 71 instructions",
              "got %zu", l3);

  struct cg_device_rule bad[] = { R (true, 'x', 1, 3, "rwm") };
  cleanup_free struct bpf_insn *p4 = NULL;
  size_t l4;
  int rc = cg_ebpf_build (bad, 1, &p4, &l4, &err);
  UNIT_CHECK (rc < 0 && strstr (err.msg, "linux.resources.devices[0].type"),
              "a bad type names the field", "rc %d, %s", rc, err.msg);

  struct cg_ebpf_ruleset s;
  struct cg_device_rule cutall[]
      = { R (false, 'a', -1, -1, "rwm"), R (true, 'c', 1, 3, "rw"), R (false, 'c', 1, 3, "rwm") };
  cg_ebpf_reduce (cutall, N (cutall), &s, &err);
  UNIT_CHECK (!s.default_allow && s.n == 0, "a deny of all bits removes the exception",
              "default_allow %d, %zu exceptions", s.default_allow, s.n);
  cg_ebpf_ruleset_free (&s);
}

/* ---- pure helpers ---------------------------------------------------------- */

static void
test_lines (void)
{
  char buf[128];
  struct cg_throttle t = { 8, 16, 1048576 };
  cg_v2_io_max_line (buf, sizeof buf, &t, CG_THROTTLE_READ_BPS);
  UNIT_STREQ (buf, "8:16 rbps=1048576", "io.max rbps line");
  cg_v2_io_max_line (buf, sizeof buf, &t, CG_THROTTLE_WRITE_IOPS);
  UNIT_STREQ (buf, "8:16 wiops=1048576", "io.max wiops line");
  struct cg_throttle z = { 253, 0, 0 };
  cg_v2_io_max_line (buf, sizeof buf, &z, CG_THROTTLE_WRITE_BPS);
  UNIT_STREQ (buf, "253:0 wbps=max", "io.max rate 0 lifts the limit");
  cg_v2_io_max_line (buf, sizeof buf, &t, CG_THROTTLE_READ_IOPS);
  UNIT_STREQ (buf, "8:16 riops=1048576", "io.max riops line");

  struct cg_rdma r = { .device = "mlx4_0", .hca_handles = { true, 2 }, .hca_objects = { true, 7 } };
  UNIT_CHECK (cg_v2_rdma_line (buf, sizeof buf, &r) == 1, "rdma line made", "condition false");
  UNIT_STREQ (buf, "mlx4_0 hca_handle=2 hca_object=7", "rdma.max line");
  struct cg_rdma r2 = { .device = "mlx5_1", .hca_objects = { true, 9 } };
  cg_v2_rdma_line (buf, sizeof buf, &r2);
  UNIT_STREQ (buf, "mlx5_1 hca_object=9", "rdma.max line, objects only");
  struct cg_rdma r3 = { .device = "x" };
  UNIT_CHECK (cg_v2_rdma_line (buf, sizeof buf, &r3) == 0, "rdma entry without limits: no line",
              "condition false");

  struct cg_i64 q = { true, 50000 }, qn = { true, -1 }, qu = { false, 0 };
  struct cg_u64 p = { true, 200000 }, pu = { false, 0 };
  cg_cpu_max (buf, sizeof buf, &q, &p, 100000);
  UNIT_STREQ (buf, "50000 200000", "cpu.max quota and period");
  cg_cpu_max (buf, sizeof buf, &qn, &pu, 100000);
  UNIT_STREQ (buf, "max 100000", "cpu.max -1 is max, period kept");
  cg_cpu_max (buf, sizeof buf, &qu, &p, 0);
  UNIT_STREQ (buf, "max 200000", "cpu.max period only");

  UNIT_CHECK (cg_shares_to_weight (2) == 1, "shares 2 -> weight 1", "%llu",
              (unsigned long long)cg_shares_to_weight (2));
  UNIT_CHECK (cg_shares_to_weight (1024) == 39, "shares 1024 -> weight 39", "%llu",
              (unsigned long long)cg_shares_to_weight (1024));
  UNIT_CHECK (cg_shares_to_weight (262144) == 10000, "shares 262144 -> weight 10000", "%llu",
              (unsigned long long)cg_shares_to_weight (262144));
  UNIT_CHECK (cg_blkio_weight_to_io (10) == 1 && cg_blkio_weight_to_io (1000) == 10000
                  && cg_blkio_weight_to_io (500) == 4950,
              "blkio weight 10/500/1000 -> io.weight 1/4950/10000", "%llu",
              (unsigned long long)cg_blkio_weight_to_io (500));
  int64_t out = 0;
  struct tong_err err = { 0 };
  UNIT_CHECK (cg_swap_v2 (300, 100, &out, "x", &err) == 0 && out == 200,
              "swap 300 with limit 100 -> swap.max 200", "%lld", (long long)out);
  UNIT_CHECK (cg_swap_v2 (50, 100, &out, "linux.resources.memory.swap", &err) < 0
                  && strstr (err.msg, "linux.resources.memory.swap"),
              "swap below the limit is refused with the field", "%s", err.msg);

  uint64_t v = 0;
  const char *stat = "usage_usec 1234\nuser_usec 1000\nsystem_usec 234\nnr_periods 0\n";
  UNIT_CHECK (cg_v2_keyed (stat, "user_usec", &v) == 0 && v == 1000, "keyed file: user_usec",
              "%llu", (unsigned long long)v);
  UNIT_CHECK (cg_v2_keyed (stat, "usage", &v) < 0, "keyed file: no prefix match",
              "condition false");
  UNIT_CHECK (cg_v2_events_frozen ("populated 1\nfrozen 1\n") == 1
                  && cg_v2_events_frozen ("populated 0\nfrozen 0\n") == 0
                  && cg_v2_events_frozen ("populated 0\n") == -1,
              "cgroup.events frozen line", "condition false");
}

static void
test_check (void)
{
  struct tong_err err = { 0 };
  struct cg_resources r;
  static const char *const fields[] = {
    "linux.resources.cpu.realtimeRuntime",     "linux.resources.cpu.realtimePeriod",
    "linux.resources.memory.disableOOMKiller", "linux.resources.network.classID",
    "linux.resources.blockIO.leafWeight",      "linux.resources.memory.swappiness",
    "linux.resources.network.priorities",      "linux.resources.memory.kernel",
    "linux.resources.memory.kernelTCP",
  };
  struct cg_net_prio np = { (char *)"eth0", 1 };
  for (size_t i = 0; i < N (fields); i++)
    {
      memset (&r, 0, sizeof r);
      switch (i)
        {
        case 0:
          r.cpu.realtime_runtime = (struct cg_i64){ true, 950000 };
          break;
        case 1:
          r.cpu.realtime_period = (struct cg_u64){ true, 1000000 };
          break;
        case 2:
          r.memory.disable_oom_killer = (struct cg_bool){ true, true };
          break;
        case 3:
          r.network.class_id = (struct cg_u64){ true, 7 };
          break;
        case 4:
          r.blkio.leaf_weight = (struct cg_u64){ true, 10 };
          break;
        case 5:
          r.memory.swappiness = (struct cg_u64){ true, 101 };
          break;
        case 6:
          r.network.priorities = &np;
          r.network.n_priorities = 1;
          break;
        case 7:
          r.memory.kernel = (struct cg_i64){ true, 67108864 };
          break;
        case 8:
          r.memory.kernel_tcp = (struct cg_i64){ true, 1048576 };
          break;
        }
      int rc = cg_v2_check (&r, &err);
      char what[160];
      snprintf (what, sizeof what, "refused on v2: %s", fields[i]);
      UNIT_CHECK (rc < 0 && strncmp (err.msg, fields[i], strlen (fields[i])) == 0
                      && strstr (err.msg, "not supported on cgroup v2"),
                  what, "rc %d: %s", rc, err.msg);
    }
  memset (&r, 0, sizeof r);
  r.memory.disable_oom_killer = (struct cg_bool){ true, false };
  r.cpu.realtime_runtime = (struct cg_i64){ true, 0 };
  r.memory.kernel = (struct cg_i64){ true, -1 };
  UNIT_CHECK (cg_v2_check (&r, &err) == 0,
              "disableOOMKiller false, realtime 0 and kernel -1 are fine", "%s", err.msg);
}

/* ---- the driver on a fake cgroup directory ---------------------------------- */

static char fake_root[64];

static void
put_file (const char *name, const char *content)
{
  char p[256];
  snprintf (p, sizeof p, "%s/c/%s", fake_root, name);
  struct tong_err err;
  int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0)
    {
      write_all_fd (fd, content, strlen (content));
      close (fd);
    }
  (void)err;
}

static char *
get_file (const char *name)
{
  char p[256];
  char *s = NULL;
  snprintf (p, sizeof p, "%s/c/%s", fake_root, name);
  if (read_file (p, &s, NULL, NULL) < 0)
    return strdup ("(missing)");
  return s;
}

#define FILE_IS(name, want, what)                                                                  \
  do                                                                                               \
    {                                                                                              \
      cleanup_free char *_s = get_file (name);                                                     \
      UNIT_STREQ (_s, want, what);                                                                 \
    }                                                                                              \
  while (0)

static void
test_driver (void)
{
  snprintf (fake_root, sizeof fake_root, "/tmp/tong-cgv2.XXXXXX");
  if (mkdtemp (fake_root) == NULL)
    {
      UNIT_CHECK (0, "temp dir", "%s", strerror (errno));
      return;
    }
  struct tong_err err = { 0 };
  struct tong_cgroup cg = { .mode = CG_MODE_V2, .driver = &cgroup_driver_v2, .v2_root = fake_root };
  cg.path = (char *)"/c";
  /* create: mkdir of the leaf, the root offers its controllers.  */
  char f[128];
  snprintf (f, sizeof f, "%s/cgroup.controllers", fake_root);
  int fd = open (f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  write_all_fd (fd, "memory pids\n", 12);
  close (fd);
  snprintf (f, sizeof f, "%s/cgroup.subtree_control", fake_root);
  close (open (f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  int rc = cgroup_driver_v2.create (&cg, NULL, &err);
  UNIT_CHECK (rc == 0 && cg.created, "create makes the leaf", "%s", err.msg);
  static const char *const files[]
      = { "memory.max",        "memory.low",    "memory.swap.max", "cpu.weight",
          "cpu.max",           "cpu.max.burst", "cpu.idle",        "cpuset.cpus",
          "cpuset.mems",       "pids.max",      "io.weight",       "io.max",
          "hugetlb.2MB.max",   "rdma.max",      "cgroup.freeze",   "memory.high",
          "cgroup.controllers" };
  for (size_t i = 0; i < N (files); i++)
    put_file (files[i], "");
  put_file ("cgroup.controllers", "memory pids cpu io hugetlb rdma\n");

  struct cg_resources r;
  memset (&r, 0, sizeof r);
  r.memory.limit = (struct cg_i64){ true, 268435456 };
  r.memory.reservation = (struct cg_i64){ true, 134217728 };
  r.memory.swap = (struct cg_i64){ true, 536870912 };
  r.cpu.shares = (struct cg_u64){ true, 1024 };
  r.cpu.quota = (struct cg_i64){ true, 50000 };
  r.cpu.period = (struct cg_u64){ true, 100000 };
  r.cpu.burst = (struct cg_u64){ true, 1000 };
  r.cpu.idle = (struct cg_i64){ true, 1 };
  r.cpu.cpus = (char *)"0-1";
  r.cpu.mems = (char *)"0";
  r.pids_limit = (struct cg_i64){ true, 32 };
  r.blkio.weight = (struct cg_u64){ true, 500 };
  struct cg_throttle th = { 7, 0, 4096 };
  r.blkio.throttle[CG_THROTTLE_WRITE_BPS] = &th;
  r.blkio.n_throttle[CG_THROTTLE_WRITE_BPS] = 1;
  struct cg_hugepage hp = { (char *)"2MB", 4194304 };
  r.hugepages = &hp;
  r.n_hugepages = 1;
  struct cg_rdma rd = { .device = "mlx4_0", .hca_handles = { true, 3 } };
  r.rdma = &rd;
  r.n_rdma = 1;
  struct cg_kv kv = { (char *)"memory.high", (char *)"200000000" };
  r.unified = &kv;
  r.n_unified = 1;
  rc = cgroup_driver_v2.set (&cg, &r, NULL, 0, false, &err);
  UNIT_CHECK (rc == 0, "set every v2 field", "%s", err.msg);
  FILE_IS ("memory.max", "268435456", "memory.limit -> memory.max");
  FILE_IS ("memory.low", "134217728", "memory.reservation -> memory.low");
  FILE_IS ("memory.swap.max", "268435456", "memory.swap (memory+swap) -> memory.swap.max");
  FILE_IS ("cpu.weight", "39", "cpu.shares 1024 -> cpu.weight 39");
  FILE_IS ("cpu.max", "50000 100000", "cpu.quota/period -> cpu.max");
  FILE_IS ("cpu.max.burst", "1000", "cpu.burst -> cpu.max.burst");
  FILE_IS ("cpu.idle", "1", "cpu.idle");
  FILE_IS ("cpuset.cpus", "0-1", "cpu.cpus -> cpuset.cpus");
  FILE_IS ("cpuset.mems", "0", "cpu.mems -> cpuset.mems");
  FILE_IS ("pids.max", "32", "pids.limit -> pids.max");
  FILE_IS ("io.weight", "4950", "blockIO.weight 500 -> io.weight 4950 (no BFQ)");
  FILE_IS ("io.max", "7:0 wbps=4096", "throttleWriteBpsDevice -> io.max");
  FILE_IS ("hugetlb.2MB.max", "4194304", "hugepageLimits -> hugetlb.2MB.max");
  FILE_IS ("rdma.max", "mlx4_0 hca_handle=3", "rdma -> rdma.max");
  FILE_IS ("memory.high", "200000000", "unified memory.high written raw");

  /* With BFQ the weight keeps blkio's scale.  */
  put_file ("io.bfq.weight", "");
  memset (&r, 0, sizeof r);
  r.blkio.weight = (struct cg_u64){ true, 500 };
  cgroup_driver_v2.set (&cg, &r, NULL, 0, true, &err);
  FILE_IS ("io.bfq.weight", "500", "blockIO.weight -> io.bfq.weight when BFQ is there");

  /* cpu.period alone keeps the current quota.  */
  put_file ("cpu.max", "20000 100000\n");
  memset (&r, 0, sizeof r);
  r.cpu.period = (struct cg_u64){ true, 50000 };
  /* A plain file is not truncated by the write as a cgroup file would be:
     compare the first 11 bytes.  */
  rc = cgroup_driver_v2.set (&cg, &r, NULL, 0, true, &err);
  cleanup_free char *cm = get_file ("cpu.max");
  UNIT_CHECK (rc == 0 && strncmp (cm, "20000 50000", 11) == 0,
              "update of the period alone keeps the quota", "rc %d, `%s`", rc, cm);

  /* Errors name the field.  */
  memset (&r, 0, sizeof r);
  struct cg_kv bad = { (char *)"memory.foo", (char *)"1" };
  r.unified = &bad;
  r.n_unified = 1;
  rc = cgroup_driver_v2.set (&cg, &r, NULL, 0, false, &err);
  UNIT_CHECK (rc < 0 && strstr (err.msg, "linux.resources.unified.memory.foo: no file"),
              "unified: a missing file is named", "%s", err.msg);
  struct cg_kv badc = { (char *)"misc.max", (char *)"1" };
  r.unified = &badc;
  rc = cgroup_driver_v2.set (&cg, &r, NULL, 0, false, &err);
  UNIT_CHECK (rc < 0 && strstr (err.msg, "linux.resources.unified.misc.max: the misc controller"),
              "unified: a missing controller is named", "%s", err.msg);
  memset (&r, 0, sizeof r);
  struct cg_hugepage hp1 = { (char *)"1GB", 1073741824 };
  r.hugepages = &hp1;
  r.n_hugepages = 1;
  rc = cgroup_driver_v2.set (&cg, &r, NULL, 0, false, &err);
  UNIT_CHECK (rc < 0 && strstr (err.msg, "linux.resources.hugepageLimits[0]: page size 1GB"),
              "hugetlb: an unknown page size is named", "%s", err.msg);
  memset (&r, 0, sizeof r);
  r.cpu.realtime_runtime = (struct cg_i64){ true, 1000 };
  rc = cgroup_driver_v2.set (&cg, &r, NULL, 0, false, &err);
  UNIT_STREQ (rc < 0 ? err.msg : "(none)",
              "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2",
              "set refuses realtime with the field");

  /* A limit below the usage that memory.high could not reclaim: refused,
     explained, memory.max untouched, memory.high put back.  */
  put_file ("memory.max", "max\n");
  put_file ("memory.high", "max\n");
  put_file ("memory.current", "100000000\n");
  put_file ("memory.peak", "120000000\n");
  memset (&r, 0, sizeof r);
  r.memory.limit = (struct cg_i64){ true, 4194304 };
  rc = cgroup_driver_v2.set (&cg, &r, NULL, 0, true, &err);
  UNIT_STREQ (rc < 0 ? err.msg : "(none)",
              "linux.resources.memory.limit: 4194304 bytes is below what the container uses: "
              "100000000 bytes after reclaim (peak 120000000); raise the limit",
              "a limit below the usage is explained");
  FILE_IS ("memory.max", "max\n", "a refused limit leaves memory.max");
  cleanup_free char *hi = get_file ("memory.high");
  UNIT_CHECK (strncmp (hi, "max", 3) == 0, "memory.high is put back", "`%s`", hi);
  put_file ("memory.current", "4096\n");
  rc = cgroup_driver_v2.set (&cg, &r, NULL, 0, true, &err);
  cleanup_free char *mx = get_file ("memory.max");
  UNIT_CHECK (rc == 0 && strncmp (mx, "4194304", 7) == 0, "a limit above the usage is written",
              "rc %d `%s` %s", rc, mx, err.msg);

  /* freeze: cgroup.freeze written, cgroup.events read.  */
  put_file ("cgroup.events", "populated 1\nfrozen 1\n");
  rc = cgroup_driver_v2.freeze (&cg, true, &err);
  UNIT_CHECK (rc == 0, "freeze returns once cgroup.events says frozen 1", "%s", err.msg);
  FILE_IS ("cgroup.freeze", "1", "freeze writes cgroup.freeze");
  UNIT_CHECK (cgroup_driver_v2.frozen (&cg) == 1, "frozen reads cgroup.freeze", "condition false");

  /* stats in runc's shape.  */
  put_file ("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\n"
                        "nr_throttled 2\nthrottled_usec 30\n");
  put_file ("memory.current", "4096\n");
  put_file ("memory.max", "max\n");
  put_file ("memory.peak", "8192\n");
  put_file ("memory.stat", "anon 4096\nfile 0\n");
  put_file ("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  put_file ("pids.current", "2\n");
  put_file ("pids.max", "32\n");
  put_file ("io.stat", "7:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n");
  put_file ("hugetlb.2MB.current", "0\n");
  put_file ("hugetlb.2MB.events", "max 5\n");
  struct json_writer *w = json_writer_new (false);
  json_w_obj_begin (w);
  rc = cgroup_driver_v2.stats (&cg, w, &err);
  json_w_obj_end (w);
  cleanup_free char *js = json_writer_finish (w);
  UNIT_CHECK (rc == 0 && js, "stats", "%s", err.msg);
  struct json_value *v = NULL;
  UNIT_CHECK (js && json_parse (js, strlen (js), &v, &err) == 0, "stats is JSON", "%s", js);
  if (v)
    {
      struct json_value *cpu = json_get (v, "cpu"), *mem = json_get (v, "memory");
      uint64_t x = 0;
      json_as_uint64 (json_get (json_get (cpu, "usage"), "total"), &x, &err);
      UNIT_CHECK (x == 1500000, "stats cpu.usage.total in ns", "%s", js);
      x = 0;
      json_as_uint64 (json_get (json_get (cpu, "throttling"), "throttledTime"), &x, &err);
      UNIT_CHECK (x == 30000, "stats cpu.throttling.throttledTime in ns", "%s", js);
      x = 0;
      json_as_uint64 (json_get (json_get (mem, "usage"), "max"), &x, &err);
      UNIT_CHECK (x == 8192, "stats memory.usage.max is memory.peak", "%s", js);
      x = 0;
      json_as_uint64 (json_get (json_get (mem, "usage"), "failcnt"), &x, &err);
      UNIT_CHECK (x == 3, "stats memory.usage.failcnt from memory.events max", "%s", js);
      x = 0;
      json_as_uint64 (json_get (json_get (mem, "raw"), "anon"), &x, &err);
      UNIT_CHECK (x == 4096, "stats memory.raw from memory.stat", "%s", js);
      x = 0;
      json_as_uint64 (json_get (json_get (v, "pids"), "limit"), &x, &err);
      UNIT_CHECK (x == 32, "stats pids.limit", "%s", js);
      struct json_value *bytes = json_get (json_get (v, "blkio"), "ioServiceBytesRecursive");
      UNIT_CHECK (bytes && bytes->type == JSON_ARRAY && bytes->u.array.len == 2
                      && json_as_uint64 (json_get (bytes->u.array.items[1], "value"), &x, &err) == 0
                      && x == 1024,
                  "stats blkio: Read and Write entries from io.stat", "%s", js);
      x = 0;
      json_as_uint64 (json_get (json_get (json_get (v, "hugetlb"), "2MB"), "failcnt"), &x, &err);
      UNIT_CHECK (x == 5, "stats hugetlb.2MB.failcnt", "%s", js);
      json_free (v);
    }
  /* oom: the counter seen at watch time is the baseline.  */
  int ofd = cgroup_driver_v2.oom_fd (&cg, &err);
  UNIT_CHECK (ofd >= 0 && cg.oom_kills == 1, "oom_fd watches memory.events", "%s", err.msg);
  UNIT_CHECK (cgroup_driver_v2.oom_check (&cg, ofd) == 0, "no new oom kill", "condition false");
  put_file ("memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n");
  UNIT_CHECK (cgroup_driver_v2.oom_check (&cg, ofd) == 1, "a new oom kill is reported",
              "condition false");
  if (ofd >= 0)
    close (ofd);

  struct tong_err e2 = { 0 };
  remove_tree_at (AT_FDCWD, fake_root, &e2);
}

int
main (void)
{
  /* Loading (never attaching) needs CAP_BPF or root.  */
  can_load = geteuid () == 0;
  test_ebpf ();
  test_lines ();
  test_check ();
  test_driver ();
  return unit_done ();
}
