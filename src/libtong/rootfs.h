/* The container's root filesystem: the one safe way to resolve a path
   inside it, and the switch of root (pivot_root or MS_MOVE + chroot).  */
#ifndef TONG_ROOTFS_H
#define TONG_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "err.h"

/* Open PATH (absolute or relative; interpreted with ROOTFD as "/") without
   ever leaving ROOTFD: symlinks and ".." are resolved inside it
   (openat2 RESOLVE_IN_ROOT, or an equivalent component walk where openat2
   is missing).  FLAGS are open(2) flags; O_CLOEXEC is always added.  */
int rootfs_open (int rootfd, const char *path, int flags, mode_t mode, struct tong_err *err);

/* Make sure PATH exists inside ROOTFD, creating missing parent directories
   (mode 0755) and the last component as a directory (DIR) or an empty file.
   Returns an O_PATH fd for it, safe to mount onto via /proc/self/fd/N or
   move_mount.  */
int rootfs_ensure (int rootfd, const char *path, bool dir, struct tong_err *err);

/* In the child's new mount namespace, before any mount: apply
   rootfsPropagation's first half (make "/" rslave/rprivate/... so nothing
   leaks to the host) and bind-mount ROOTFS onto itself so it is a mount point.  */
int rootfs_prepare (const struct oci_config *c, const char *rootfs, struct tong_err *err);

/* Switch the root to ROOTFS: pivot_root, or MS_MOVE + chroot when NO_PIVOT is set
   or when the current root is an initramfs (rootfs/ramfs), logging a debug line then.  */
int rootfs_pivot (const char *rootfs, bool no_pivot, struct tong_err *err);

/* After the switch: root.readonly, rootfsPropagation's final mode.  */
int rootfs_finalize (const struct oci_config *c, struct tong_err *err);

#endif
