#include "verbs.h"

int verb_parse_create_opts (int argc, char **argv, bool is_run, struct tong_create_opts *o,
                            const char *u, struct tong_err *err);

static const char usage[]
    = "Usage: tong run [options] CONTAINER-ID\n\n"
      "Create and start a container, wait for it, and remove it.  Exits with the\n"
      "process's exit code (128+N when it was killed by signal N).\n\n"
      "  -b, --bundle DIR         bundle directory (default: current directory)\n"
      "  -d, --detach             do not wait for the container\n"
      "      --keep               keep the container's state after it exits\n"
      "      --console-socket P   unix socket that receives the pty master\n"
      "      --pid-file FILE      write the container process's pid to FILE\n"
      "      --no-pivot           use MS_MOVE + chroot instead of pivot_root\n"
      "      --no-new-keyring     keep the caller's session keyring\n"
      "      --preserve-fds N     pass N extra fds (3 .. 3+N-1) to the process\n";

VERB (run)
{
  struct tong_create_opts o;
  int r = verb_parse_create_opts (argc, argv, true, &o, usage, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  int code;
  if (tong_run (ctx, &o, &code, err) < 0)
    return -1;
  return code;
}
