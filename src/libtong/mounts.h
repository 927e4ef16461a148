/* config.mounts: option parsing and the mounts themselves, in order.  */
#ifndef TONG_MOUNTS_H
#define TONG_MOUNTS_H

#include <stdbool.h>
#include "config.h"
#include "err.h"

/* Fill M->flags, clear_flags, propagation, attr_*, is_bind, tmpcopyup, idmap and
   data from M->options and M->type.  JSON_PATH ("mounts[3]") prefixes errors:
   "mounts[3].options[1]: unknown mount option `rbindx`"?  No: unknown options
   are fs-specific data passed to the kernel, as runc does; errors are for
   malformed ones (e.g. an empty propagation conflict).  Called by the config parser.  */
int mount_parse_options (struct oci_mount *m, const char *json_path, struct tong_err *err);

struct mounts_ctx
{
  const struct oci_config *config;
  const char *rootfs;    /* absolute host path of the (bind-mounted) rootfs.  */
  int rootfd;            /* O_PATH|O_DIRECTORY fd of it.  */
  bool in_userns;        /* devices are bind-mounted instead of mknod'ed.  */
  const char *mount_label; /* SELinux context= for tmpfs etc; NULL if none.  */
  /* Per config mount: a detached idmapped tree the parent made, or -1.  */
  const int *idmap_fds;
};

/* In the parent, for a container with a new user namespace: make each
   idmap/ridmap bind mount's tree (open_tree + MOUNT_ATTR_IDMAP with the
   mount's own mappings, else the container's user namespace of CHILD) and
   send it to the child as SYNC_MOUNT_FD.  */
int mounts_prepare_idmapped (const struct oci_config *c, pid_t child, int sock,
                             struct tong_err *err);

/* Perform config.mounts in order (creating targets inside the rootfs, never
   following symlinks out of it), then the default devices and /dev symlinks
   that runtime-linux.md lists, /dev/pts/ptmx, and linux.devices.
   Runs in the child, in the container's mount namespace, before the root switch.  */
int mounts_apply (const struct mounts_ctx *ctx, struct tong_err *err);

/* After the root switch: linux.maskedPaths and linux.readonlyPaths.  */
int mounts_mask_and_readonly (const struct oci_config *c, struct tong_err *err);

/* The option names mount_parse_options knows, for `tong features`.  */
const char *const *mount_known_options (size_t *n);

#endif
