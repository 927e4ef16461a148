/* linux.namespaces: which to create (clone flags), which to join by path,
   user namespace id maps and time namespace offsets.  */
#ifndef TONG_NS_H
#define TONG_NS_H

#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "err.h"

/* CLONE_NEW* for every namespace the config creates (no path).  Time is
   never in it: its offsets must be written before the first process enters
   it, so the parent unshares it instead (ns_parent_prepare).  */
int ns_clone_flags (const struct oci_config *c);

/* In the child, after ns_join: when the config joins a user namespace by
   path, the namespaces to create are made now, so that it owns them.  With a
   new pid namespace *NEED_FORK is set: the container process must be a new
   child (init.c forks and reports its pid with SYNC_PID).  */
int ns_unshare_late (const struct oci_config *c, bool *need_fork, struct tong_err *err);
/* /proc/self/cgroup read just before the new cgroup namespace was made
   (NULL when none was): the host's view of the container's cgroups.  */
extern char *ns_host_cgroup_view;

/* Open every namespace path and check its type (NS_GET_NSTYPE): FDS[type]
   is the fd or -1.  A wrong type is "linux.namespaces[i].path: `P` is a
   network namespace, not a pid namespace".  */
int ns_open_paths (const struct oci_config *c, int fds[OCI_NS_COUNT], struct tong_err *err);
void ns_close_fds (int fds[OCI_NS_COUNT]);

/* In the parent, right before clone: the pid and time namespaces apply to
   children only, so the parent enters them (by path, or a new time
   namespace with its offsets) for the clone; ns_parent_restore puts the
   parent back afterwards so the hooks it runs stay on the host.  */
int ns_parent_prepare (const struct oci_config *c, int fds[OCI_NS_COUNT], int saved[2],
                       struct tong_err *err);
int ns_parent_restore (int saved[2], struct tong_err *err);

/* In the child: join the namespaces given by path (the user namespace
   first), except pid and time.  */
int ns_join (int fds[OCI_NS_COUNT], struct tong_err *err);

/* In the parent: write /proc/PID/{uid,gid}_map from the config.  */
int ns_write_id_maps (pid_t pid, const struct oci_config *c, struct tong_err *err);

/* Whether the container gets its own user namespace (new or joined).  */
bool ns_has_userns (const struct oci_config *c);
/* Bring up lo in a new network namespace, as runc does: a container with
   only loopback can still serve (and be reached through tong-port).  */
int ns_loopback_up (struct tong_err *err);

#endif
