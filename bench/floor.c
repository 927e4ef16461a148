/* The floor for `run`: the least a runtime must do to start a container
   process: clone the namespaces, make the rootfs the root with pivot_root,
   exec the program, wait for it.  No config, state, mounts or security.
   Usage: floor ROOTFS PROGRAM [ARGS...]  */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: floor ROOTFS PROGRAM [ARGS...]\n");
      return 2;
    }
  int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD;
  pid_t pid = (pid_t) syscall (SYS_clone, flags, NULL, NULL, NULL, NULL);
  if (pid < 0)
    {
      perror ("clone");
      return 1;
    }
  if (pid == 0)
    {
      if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
          || mount (argv[1], argv[1], NULL, MS_BIND | MS_REC, NULL) < 0 || chdir (argv[1]) < 0
          || syscall (SYS_pivot_root, ".", ".") < 0 || umount2 (".", MNT_DETACH) < 0
          || chdir ("/") < 0)
        {
          perror ("setup");
          _exit (1);
        }
      execv (argv[2], argv + 2);
      perror ("execv");
      _exit (127);
    }
  int st;
  if (waitpid (pid, &st, 0) < 0)
    return 1;
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}
