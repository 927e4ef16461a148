/* Small file helpers shared by the runtime and the tools.  */
#ifndef TONG_FILEUTIL_H
#define TONG_FILEUTIL_H

#include <stddef.h>
#include <sys/types.h>
#include "err.h"

/* Read a whole file (NUL-terminated; LEN may be NULL).  DIRFD may be AT_FDCWD.  */
int read_file_at (int dirfd, const char *path, char **out, size_t *len, struct tong_err *err);
int read_file (const char *path, char **out, size_t *len, struct tong_err *err);
/* Read all of FD.  */
int read_fd (int fd, char **out, size_t *len, struct tong_err *err);
/* Write DATA to an existing file (proc and cgroup files): O_WRONLY|O_TRUNC.  */
int write_file_at (int dirfd, const char *path, const char *data, size_t len,
                   struct tong_err *err);
/* Write via a temp file in the same directory, fsync-free, then rename.  */
int write_file_atomic_at (int dirfd, const char *name, const char *data, size_t len,
                          mode_t mode, struct tong_err *err);
int write_all_fd (int fd, const void *buf, size_t len);
/* mkdir -p; existing directories are fine.  */
int mkdir_p (const char *path, mode_t mode, struct tong_err *err);
/* rm -rf of a directory tree that tong made (state dirs); never crosses mounts.  */
int remove_tree_at (int dirfd, const char *name, struct tong_err *err);

/* /proc/PID/stat: start time (clock ticks since boot, guards against pid
   reuse) and state letter ('Z' zombie, 'X' dead).  -1 if gone.  Either
   output may be NULL.  */
int proc_stat (pid_t pid, unsigned long long *start_time, char *state_letter);

#endif
