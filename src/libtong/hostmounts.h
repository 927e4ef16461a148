/* Mounts a container without a mount namespace of its own makes in the
   runtime's: config-linux.md has such a container inherit the runtime's
   mount namespace, so its mounts land there, and runtime.md has delete remove
   what create made, and only that.  Create notes the mounts under the rootfs
   that appeared while it ran ("host-mounts" in the state dir, by mount id);
   delete, or a failed create, unmounts exactly those.  */
#ifndef TONG_HOSTMOUNTS_H
#define TONG_HOSTMOUNTS_H

#include <stddef.h>
#include "err.h"

struct hostmounts
{
  int *ids;
  size_t n;
};

/* The mounts at or under ROOTFS now.  */
int hostmounts_snapshot (const char *rootfs, struct hostmounts *h, struct tong_err *err);
void hostmounts_clear (struct hostmounts *h);
/* Write the ids of the mounts under ROOTFS that BEFORE lacks to DIRFD/host-mounts.  */
int hostmounts_record (int dirfd, const char *rootfs, const struct hostmounts *before,
                       struct tong_err *err);
/* Unmount the mounts under ROOTFS that BEFORE lacks (a failed create).  */
void hostmounts_undo (const char *rootfs, const struct hostmounts *before);
/* Unmount the mounts DIRFD/host-mounts lists that are still under ROOTFS.  */
void hostmounts_release (int dirfd, const char *rootfs);

#endif
