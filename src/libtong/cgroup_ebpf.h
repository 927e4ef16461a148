/* cgroup v2 device access: the device rules compiled by hand to a
   BPF_PROG_TYPE_CGROUP_DEVICE program, loaded and attached to the cgroup.

   The rules are first reduced the way cgroup v1's devices controller (and
   runc's emulator of it) treats a sequence of devices.allow/deny writes: a
   default (allow or deny everything) reset by an "a *:*" rule, and a list of
   exceptions that later rules extend or cut.  So a container gets the same
   access on v2 as on v1 for the same config, including "deny c 1:3 w" after
   "allow c 1:3 rwm" leaving read and mknod allowed.  */
#ifndef TONG_CGROUP_EBPF_H
#define TONG_CGROUP_EBPF_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cgroup.h"
#include "err.h"

/* Access bits as the kernel passes them in bpf_cgroup_dev_ctx.  */
#define CG_EBPF_ACC_MKNOD BPF_DEVCG_ACC_MKNOD
#define CG_EBPF_ACC_READ BPF_DEVCG_ACC_READ
#define CG_EBPF_ACC_WRITE BPF_DEVCG_ACC_WRITE

/* One exception of the reduced rule set.  TYPE 'a' matches both kinds.  */
struct cg_ebpf_exception
{
  char type;
  int64_t major, minor; /* -1: any.  */
  unsigned access;      /* CG_EBPF_ACC_* bits.  */
};

struct cg_ebpf_ruleset
{
  bool default_allow;
  struct cg_ebpf_exception *ex;
  size_t n;
};

/* Reduce RULES (config order) to a default plus exceptions.  */
int cg_ebpf_reduce (const struct cg_device_rule *rules, size_t n, struct cg_ebpf_ruleset *out,
                    struct tong_err *err);
void cg_ebpf_ruleset_free (struct cg_ebpf_ruleset *s);

/* Build the program for RULES: *OUT (malloc'd) has *LEN instructions.  */
int cg_ebpf_build (const struct cg_device_rule *rules, size_t n, struct bpf_insn **out, size_t *len,
                   struct tong_err *err);

/* bpf(BPF_PROG_LOAD): the program's fd, or -1 with the verifier's log in ERR.  */
int cg_ebpf_load (const struct bpf_insn *prog, size_t len, struct tong_err *err);

/* Attach PROG_FD to the cgroup directory DIRFD (BPF_F_ALLOW_MULTI) and then
   detach every device program that was attached there before, so an update
   replaces the old rules without a moment where neither applies.  */
int cg_ebpf_attach (int dirfd, int prog_fd, struct tong_err *err);

/* Number of device programs attached directly to DIRFD (-1 on error).  */
int cg_ebpf_count (int dirfd, struct tong_err *err);

#endif
