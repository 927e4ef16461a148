/* The device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program (see
   cgroup_ebpf.h).  The program is emitted instruction by instruction: it is
   a handful of compares per exception, so no assembler library is needed.  */
#include "cgroup_ebpf.h"
#include "cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned
access_bits (const char *access)
{
  unsigned a = 0;
  /* runc's default when the config gives no access.  */
  if (access == NULL || access[0] == '\0')
    return CG_EBPF_ACC_MKNOD | CG_EBPF_ACC_READ | CG_EBPF_ACC_WRITE;
  for (const char *p = access; *p; p++)
    a |= *p == 'r'   ? CG_EBPF_ACC_READ
         : *p == 'w' ? CG_EBPF_ACC_WRITE
         : *p == 'm' ? CG_EBPF_ACC_MKNOD
                     : 0;
  return a;
}

#define ACC_ALL (CG_EBPF_ACC_MKNOD | CG_EBPF_ACC_READ | CG_EBPF_ACC_WRITE)

void
cg_ebpf_ruleset_free (struct cg_ebpf_ruleset *s)
{
  free (s->ex);
  s->ex = NULL;
  s->n = 0;
}

int
cg_ebpf_reduce (const struct cg_device_rule *rules, size_t n, struct cg_ebpf_ruleset *out,
                struct tong_err *err)
{
  /* A new v1 cgroup with no writes allows everything.  */
  struct cg_ebpf_ruleset s = { .default_allow = true };
  s.ex = calloc (n ? n : 1, sizeof *s.ex);
  if (s.ex == NULL)
    return tong_err_set (err, errno, "device rules");
  for (size_t i = 0; i < n; i++)
    {
      const struct cg_device_rule *r = &rules[i];
      if (r->type != 'a' && r->type != 'b' && r->type != 'c')
        {
          cg_ebpf_ruleset_free (&s);
          return tong_err_set (err, 0, "linux.resources.devices[%zu].type: `%c` is not a, b or c",
                               i, r->type);
        }
      if (r->major > INT32_MAX || r->minor > INT32_MAX || r->major < -1 || r->minor < -1)
        {
          cg_ebpf_ruleset_free (&s);
          return tong_err_set (err, 0, "linux.resources.devices[%zu]: device number out of range",
                               i);
        }
      /* "a *:*" resets, as a write of "a" to devices.allow/deny does.  */
      if (r->type == 'a' && r->major < 0 && r->minor < 0)
        {
          s.default_allow = r->allow;
          s.n = 0;
          continue;
        }
      unsigned acc = access_bits (r->access);
      size_t j;
      for (j = 0; j < s.n; j++)
        if (s.ex[j].type == r->type && s.ex[j].major == r->major && s.ex[j].minor == r->minor)
          break;
      if (r->allow != s.default_allow)
        {
          /* An exception to the default: merged into an identical one.  */
          if (j == s.n)
            s.ex[s.n++] = (struct cg_ebpf_exception){ r->type, r->major, r->minor, 0 };
          s.ex[j].access |= acc;
        }
      else if (j < s.n)
        {
          /* Agrees with the default: cuts only an identical exception (no
             holes punched in wildcards, as v1).  */
          s.ex[j].access &= ~acc;
          if (s.ex[j].access == 0)
            {
              memmove (&s.ex[j], &s.ex[j + 1], (s.n - j - 1) * sizeof *s.ex);
              s.n--;
            }
        }
    }
  *out = s;
  return 0;
}

#define INSN(c, d, s, o, i)                                                                        \
  ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

int
cg_ebpf_build (const struct cg_device_rule *rules, size_t n, struct bpf_insn **out, size_t *len,
               struct tong_err *err)
{
  struct cg_ebpf_ruleset s;
  if (cg_ebpf_reduce (rules, n, &s, err) < 0)
    return -1;
  /* At most 8 instructions per exception, 6 of prologue, 2 of epilogue.  */
  struct bpf_insn *p = calloc (s.n * 8 + 8, sizeof *p);
  if (p == NULL)
    {
      cg_ebpf_ruleset_free (&s);
      return tong_err_set (err, errno, "device program");
    }
  size_t k = 0;
  /* R2 = type, R3 = access, R4 = major, R5 = minor; R1 (the context) is
     then free as a scratch register.  */
  p[k++] = INSN (BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
  p[k++] = INSN (BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
  p[k++] = INSN (BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
  p[k++] = INSN (BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
  p[k++] = INSN (BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
  p[k++] = INSN (BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);

  for (size_t i = 0; i < s.n; i++)
    {
      const struct cg_ebpf_exception *e = &s.ex[i];
      bool check_type = e->type != 'a', check_major = e->major >= 0, check_minor = e->minor >= 0;
      /* An allow matches when every requested bit is allowed; a deny when
         any requested bit is denied.  All three bits: no test needed.  */
      bool check_access = e->access != ACC_ALL;
      size_t blk = check_type + check_major + check_minor + 3 * check_access + 2;
      size_t start = k;
#define SKIP ((short)(start + blk - k - 1))
      if (check_type)
        {
          int t = e->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
          p[k] = INSN (BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, SKIP, t);
          k++;
        }
      if (check_major)
        {
          p[k] = INSN (BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, SKIP, (int32_t)e->major);
          k++;
        }
      if (check_minor)
        {
          p[k] = INSN (BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, SKIP, (int32_t)e->minor);
          k++;
        }
      if (check_access)
        {
          p[k++] = INSN (BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
          if (!s.default_allow)
            {
              p[k++] = INSN (BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, ~e->access & ACC_ALL);
              p[k] = INSN (BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, SKIP, 0);
            }
          else
            {
              p[k++] = INSN (BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, e->access);
              p[k] = INSN (BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, SKIP, 0);
            }
          k++;
        }
#undef SKIP
      p[k++] = INSN (BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, s.default_allow ? 0 : 1);
      p[k++] = INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }
  p[k++] = INSN (BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, s.default_allow ? 1 : 0);
  p[k++] = INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  cg_ebpf_ruleset_free (&s);
  *out = p;
  *len = k;
  return 0;
}

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int)syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

int
cg_ebpf_load (const struct bpf_insn *prog, size_t len, struct tong_err *err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)prog;
  attr.insn_cnt = (uint32_t)len;
  attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
  int fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  int saved = errno;
  if (saved != EINVAL && saved != EACCES)
    return tong_err_set (err, saved, "bpf(BPF_PROG_LOAD) of the device program");
  /* Load again with the verifier's log, only to explain the failure.  */
  static char log[8192];
  log[0] = '\0';
  attr.log_level = 1;
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof log;
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  /* The verifier's complaint is the line before its "processed N insns".  */
  char *end = strstr (log, "\nprocessed ");
  if (end)
    *end = '\0';
  const char *line = strrchr (log, '\n');
  return tong_err_set (err, saved, "bpf(BPF_PROG_LOAD) of the device program (verifier: %s)",
                       line ? line + 1 : log);
}

/* The ids of the device programs attached to DIRFD and the attach flags.  */
static int
query (int dirfd, uint32_t *ids, uint32_t *n, uint32_t *flags, struct tong_err *err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = dirfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = *n;
  if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    return tong_err_set (err, errno, "bpf(BPF_PROG_QUERY) of the cgroup's device programs");
  *n = attr.query.prog_cnt;
  if (flags)
    *flags = attr.query.attach_flags;
  return 0;
}

int
cg_ebpf_count (int dirfd, struct tong_err *err)
{
  uint32_t n = 0;
  if (query (dirfd, NULL, &n, NULL, err) < 0)
    return -1;
  return (int)n;
}

int
cg_ebpf_attach (int dirfd, int prog_fd, struct tong_err *err)
{
  uint32_t ids[64], n = 64, flags = 0;
  if (query (dirfd, ids, &n, &flags, err) < 0)
    return -1;
  if (n > 64)
    n = 64;
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = dirfd;
  attr.attach_bpf_fd = prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  /* A program attached without ALLOW_MULTI (by another manager) can only be
     replaced by attaching the same way; that replacement is atomic.  */
  bool multi = n == 0 || (flags & BPF_F_ALLOW_MULTI);
  attr.attach_flags = multi ? BPF_F_ALLOW_MULTI : 0;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    return tong_err_set (err, errno, "bpf(BPF_PROG_ATTACH) of the device program");
  if (!multi)
    return 0;
  /* Both apply until the old ones are gone: stricter, never looser.  */
  for (uint32_t i = 0; i < n; i++)
    {
      union bpf_attr a;
      memset (&a, 0, sizeof a);
      a.prog_id = ids[i];
      cleanup_close int old = sys_bpf (BPF_PROG_GET_FD_BY_ID, &a);
      if (old < 0)
        {
          if (errno == ENOENT)
            continue;
          return tong_err_set (err, errno, "bpf(BPF_PROG_GET_FD_BY_ID %u)", ids[i]);
        }
      memset (&a, 0, sizeof a);
      a.target_fd = dirfd;
      a.attach_bpf_fd = old;
      a.attach_type = BPF_CGROUP_DEVICE;
      if (sys_bpf (BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
        return tong_err_set (err, errno, "bpf(BPF_PROG_DETACH) of the old device program %u",
                             ids[i]);
    }
  return 0;
}
