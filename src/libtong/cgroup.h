/* linux.resources and cgroupsPath.  The drivers (v1, v2, hybrid, systemd)
   are the cgroups issue's work; until then a config that asks for any
   resource is refused, naming the field, rather than silently ignored.  */
#ifndef TONG_CGROUP_H
#define TONG_CGROUP_H

#include "config.h"
#include "err.h"

int cgroup_validate (const struct oci_config *c, struct tong_err *err);

#endif
