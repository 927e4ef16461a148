/* linux.seccomp: compiled to BPF once in the parent, loaded in the child.  */
#ifndef TONG_SECCOMP_H
#define TONG_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "err.h"

struct tong_seccomp_prog
{
  void *bpf;          /* struct sock_filter[], as seccomp_export_bpf wrote it.  */
  size_t bpf_len;     /* bytes.  */
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2).  */
  bool uses_notify;   /* SCMP_ACT_NOTIFY somewhere: the load returns a listener fd.  */
};

/* Compile S.  Unknown syscall names are a warning, unknown actions,
   architectures, operators or flags an error naming the JSON path.  */
int seccomp_compile (const struct oci_seccomp *s, struct tong_seccomp_prog **out,
                     struct tong_err *err);
void seccomp_prog_free (struct tong_seccomp_prog *p);

/* Load with seccomp(SECCOMP_SET_MODE_FILTER).  When the program uses notify,
   *NOTIFY_FD receives the listener fd (else -1).  No libseccomp call here:
   the child only needs the syscall.  */
int tong_seccomp_load (const struct tong_seccomp_prog *p, int *notify_fd, struct tong_err *err);
/* libseccomp exports seccomp_load itself, so the function needs another
   name.  This macro keeps the old calls working; being function-like, it
   does not touch the declaration in <seccomp.h> when that is included
   first (include <seccomp.h> before this header).  */

/* Send the listener fd to S->listener_path with the container state
   (runc's seccomp agent protocol: the state JSON with "fds": ["seccompFd"],
   "pid", "metadata" and the fd as SCM_RIGHTS).  */
int seccomp_send_listener (const struct oci_seccomp *s, int notify_fd, const char *state_json,
                           struct tong_err *err);

/* Names tong accepts, for `tong features` (NULL-terminated).  */
extern const char *const seccomp_known_actions[];
extern const char *const seccomp_known_operators[];
extern const char *const seccomp_known_flags[];
/* Architectures the host's libseccomp knows (NULL-terminated, static).  */
const char *const *seccomp_known_archs (void);

#endif
