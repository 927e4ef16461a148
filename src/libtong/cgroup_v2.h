/* The unified-hierarchy driver's pure helpers, shared with the unit tests
   (the driver itself is cgroup_driver_v2 in cgroup.h).  */
#ifndef TONG_CGROUP_V2_H
#define TONG_CGROUP_V2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cgroup.h"
#include "err.h"

/* Refuse, naming the field, what cgroup v2 cannot apply (kernel memory
   limits, realtime, net_cls, net_prio, leaf weights, disableOOMKiller, a
   swappiness other than the host's).  Reads nothing but /proc/sys/vm/swappiness.  */
int cg_v2_check (const struct cg_resources *r, struct tong_err *err);

/* One io.max line: "8:16 rbps=1048576"; a rate of 0 lifts the limit
   ("max"), as 0 does in v1's blkio.throttle files.  */
void cg_v2_io_max_line (char *buf, size_t len, const struct cg_throttle *t,
                        enum cg_throttle_kind kind);

/* One rdma.max line: "mlx4_0 hca_handle=2 hca_object=max"; 0 when the entry
   sets nothing.  */
int cg_v2_rdma_line (char *buf, size_t len, const struct cg_rdma *r);

/* The value of KEY in a flat keyed file ("usage_usec 123\n..." as cpu.stat,
   memory.events): 0 when found, -1 when absent.  */
int cg_v2_keyed (const char *text, const char *key, uint64_t *out);

/* "frozen 1" in a cgroup.events text: 1, 0, or -1 when absent.  */
int cg_v2_events_frozen (const char *text);

#endif
