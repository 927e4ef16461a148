/* The container process's side: everything between clone and execve, in
   order.  It runs in the memory clone copied from the parent, so it reads
   the parsed config and the compiled seccomp program directly.  */
#ifndef TONG_INIT_H
#define TONG_INIT_H

#include <stdbool.h>
#include "config.h"
#include "seccomp.h"

struct init_ctx
{
  const struct oci_config *config;
  const struct oci_process *process; /* config->process, or exec's process.  */
  const char *rootfs;                /* absolute host path; for exec only
                                        without a mount namespace.  */
  int sync_sock;                     /* the child's end.  */
  int parent_sock;                   /* the parent's end, closed by the child.  */
  int ns_fds[OCI_NS_COUNT];          /* namespaces to join (-1: none).  */
  int console_sock;                  /* --console-socket, or -1.  */
  bool pty_to_parent;                /* terminal without a console socket.  */
  int exec_listen_fd;                /* exec.sock, listening (create only).  */
  int state_dirfd; /* the locked state dir: the child closes it at once.  */
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;                  /* fds 3 .. 3+N-1 stay open.  */
  const struct tong_seccomp_prog *seccomp;
  bool is_exec;                      /* tong exec: join, don't build.  */
  bool new_userns;                   /* wait for the id maps, then become root.  */
  int *idmap_fds;                    /* the child's: SYNC_MOUNT_FD trees by mount index.  */
};

/* Never returns: ends in execve or _exit.  */
int init_child (struct init_ctx *ctx) __attribute__ ((noreturn));

#endif
