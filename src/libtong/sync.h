/* The parent<->child protocol during create.  One SOCK_SEQPACKET
   socketpair; every message is a struct sync_msg, optionally with one fd.

   child                                   parent
   -----                                   ------
                                           clone(namespaces)
                                           cgroup enter, id maps (user ns)
   <-------------- SYNC_MOUNT_FD (fd) ----  (idmap mounts in a new user ns)
   <-------------- SYNC_GO ---------------
   join ns by path (a joined user ns: unshare the new namespaces now; a new
   pid ns then needs a fork: SYNC_PID (text) --> the parent follows the new pid)
   sethostname, mounts
   SYNC_HOOKS_CREATE_RUNTIME ------------>
                                           prestart + createRuntime hooks
   <-------------- SYNC_GO (state JSON) ---
   createContainer hooks, root switch,
   devices, masks, sysctls, terminal
   SYNC_PTY (fd) ----------------------->  (only when no console socket: run -t)
   SYNC_SECCOMP_FD (fd) ---------------->  (SCMP_ACT_NOTIFY: sent to listenerPath)
   SYNC_CREATED ------------------------>
                                           write state, exit (create) or start (run)
   accept() on exec.sock until `start` connects; startContainer hooks;
   execve (the connection is O_CLOEXEC: `start` reads EOF on success, or
   the error text when execve failed)
   ... any step may send SYNC_ERROR and exit instead.  */
#ifndef TONG_SYNC_H
#define TONG_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define SYNC_MSG_MAX 65536

enum sync_type
{
  SYNC_GO = 1,
  SYNC_HOOKS_CREATE_RUNTIME,
  SYNC_PTY,
  SYNC_SECCOMP_FD,
  SYNC_CREATED,
  SYNC_ERROR,
  SYNC_PID, /* text: the pid of the process that replaces the first child.  */
  /* fd + text "INDEX": an idmapped copy of mounts[INDEX] the parent made
     (MOUNT_ATTR_IDMAP needs the host's privilege when the container has a
     new user namespace); sent before the first SYNC_GO.  */
  SYNC_MOUNT_FD,
};

struct sync_msg
{
  uint32_t type;
  int32_t errnum;
  char msg[SYNC_MSG_MAX]; /* error text, or the state JSON with SYNC_GO.  */
};

/* Send TYPE (with FD when >= 0).  */
int sync_send (int sock, enum sync_type type, int fd, struct tong_err *err);
/* Send TYPE with a NUL-terminated text payload.  */
int sync_send_text (int sock, enum sync_type type, const char *text, struct tong_err *err);
/* The same with an fd.  */
int sync_send_text_fd (int sock, enum sync_type type, const char *text, int fd,
                       struct tong_err *err);
/* Send ERR as SYNC_ERROR.  */
void sync_send_error (int sock, const struct tong_err *e);
/* Receive one message; *FD gets a passed fd or -1 (FD may be NULL).
   EOF is an error "container process exited during setup".  */
int sync_recv (int sock, struct sync_msg *m, int *fd, struct tong_err *err);
/* Receive and require TYPE; a SYNC_ERROR becomes ERR with the child's message.  */
int sync_expect (int sock, enum sync_type type, int *fd, struct tong_err *err);

/* SCM_RIGHTS helpers, also used for --console-socket.  */
int sync_send_fd (int sock, int fd, const void *data, size_t len, struct tong_err *err);
int sync_recv_fd (int sock, int *fd, void *data, size_t len, struct tong_err *err);

#endif
