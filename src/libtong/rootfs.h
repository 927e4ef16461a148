/* The container's root filesystem: the one safe way to resolve a path
   inside it, and the switch of root (pivot_root or MS_MOVE + chroot).  */
#ifndef TONG_ROOTFS_H
#define TONG_ROOTFS_H

#include <stdbool.h>
#include <sys/mount.h>
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

/* The root switch of a container without a mount namespace of its own (or
   of a process exec'd into one): pivot_root would move the runtime's root.  */
int rootfs_chroot (const char *rootfs, struct tong_err *err);

/* After the switch: "ro" tmpfs and /dev mounts (kept writable until now so
   devices and /dev/console could be made in them), root.readonly,
   rootfsPropagation's final mode.  */
int rootfs_finalize (const struct oci_config *c, struct tong_err *err);

/* The propagation flags of linux.rootfsPropagation (MS_SHARED, MS_SLAVE|MS_REC, ...),
   0 when absent.  */
int rootfs_propagation_flags (const struct oci_config *c, unsigned long *flags,
                              struct tong_err *err);

/* Helpers shared by rootfs.c, mounts.c and devices.c.  */

/* For the unit tests: use the component walk even where openat2 works.  */
void rootfs_force_fallback (bool on);

/* "/proc/self/fd/N": mount(2) on this path acts on exactly the file FD holds,
   so a symlink swapped in after the lookup cannot redirect the mount.  */
#define ROOTFS_FD_PATH_MAX 32
const char *rootfs_fd_path (int fd, char buf[ROOTFS_FD_PATH_MAX]);

/* The MS_* flags of the mount FD is on (statfs f_flags translated), with
   MS_STRICTATIME when no other atime mode is set.  */
int rootfs_mount_flags (int fd, unsigned long *flags, struct tong_err *err);

/* The MS_* flags a bind remount cannot drop in a user namespace (MNT_LOCK_*).  */
#define ROOTFS_ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME)
#define ROOTFS_LOCK_FLAGS (MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | ROOTFS_ATIME_FLAGS)

/* Copy the content of directory SRCFD into directory DSTFD (podman's
   tmpcopyup): files, directories, symlinks, fifos and device nodes, with
   owner, mode and times.  */
int rootfs_copy_tree (int srcfd, int dstfd, struct tong_err *err);

/* One line of /proc/self/mountinfo, octal escapes decoded.  */
struct rootfs_mountinfo
{
  int id, parent;
  const char *root, *mount_point, *fstype, *source, *super_opts;
};
/* Call CB for each line of /proc/self/mountinfo; a CB returning < 0 stops the
   walk and its error is returned.  */
int rootfs_mountinfo_each (int (*cb) (const struct rootfs_mountinfo *mi, void *data,
                                      struct tong_err *err),
                           void *data, struct tong_err *err);

#endif
