/* linux.devices and the default devices (runtime-linux.md).  */
#ifndef TONG_DEVICES_H
#define TONG_DEVICES_H

#include <stdbool.h>
#include "config.h"
#include "err.h"

/* Create the default devices (/dev/null, zero, full, random, urandom, tty),
   the /dev symlinks (fd, stdin, stdout, stderr, core when /proc/kcore exists),
   /dev/pts/ptmx -> /dev/ptmx link, then linux.devices.  mknod, or bind mounts
   of the host's nodes when IN_USERNS.  ROOTFD is the rootfs (before the root switch).  */
int devices_setup (const struct oci_config *c, int rootfd, const char *rootfs, bool in_userns,
                   struct tong_err *err);

#endif
