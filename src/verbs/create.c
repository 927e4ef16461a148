#include "verbs.h"

#include <stdio.h>
#include <string.h>

static const char usage[]
    = "Usage: tong create [options] CONTAINER-ID\n\n"
      "Create a container from an OCI bundle; `tong start` runs its process.\n\n"
      "  -b, --bundle DIR         bundle directory (default: current directory)\n"
      "      --console-socket P   unix socket that receives the pty master\n"
      "      --pid-file FILE      write the container process's pid to FILE\n"
      "      --no-pivot           use MS_MOVE + chroot instead of pivot_root\n"
      "      --no-new-keyring     keep the caller's session keyring\n"
      "      --preserve-fds N     pass N extra fds (3 .. 3+N-1) to the process\n";

enum
{
  OPT_CONSOLE = 256,
  OPT_PIDFILE,
  OPT_NOPIVOT,
  OPT_NOKEYRING,
  OPT_PRESERVE,
  OPT_DETACH,
  OPT_KEEP,
};

/* Shared with run: the same options plus --detach and --keep.  */
int
verb_parse_create_opts (int argc, char **argv, bool is_run, struct tong_create_opts *o,
                        const char *u, struct tong_err *err)
{
  static const struct option longopts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE },
    { "pid-file", required_argument, NULL, OPT_PIDFILE },
    { "no-pivot", no_argument, NULL, OPT_NOPIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NOKEYRING },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, OPT_KEEP },
    { "no-subreaper", no_argument, NULL, OPT_DETACH },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  memset (o, 0, sizeof *o);
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, is_run ? "+b:dh" : "+b:h", longopts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        o->bundle = optarg;
        break;
      case OPT_CONSOLE:
        o->console_socket = optarg;
        break;
      case OPT_PIDFILE:
        o->pid_file = optarg;
        break;
      case OPT_NOPIVOT:
        o->no_pivot = true;
        break;
      case OPT_NOKEYRING:
        o->no_new_keyring = true;
        break;
      case OPT_PRESERVE:
        if (verb_parse_int ("--preserve-fds", optarg, &o->preserve_fds, err) < 0)
          return -1;
        break;
      case 'd':
        if (!is_run)
          goto bad;
        o->detach = true;
        break;
      case OPT_KEEP:
        if (!is_run)
          goto bad;
        o->keep = true;
        break;
      case OPT_DETACH:
        /* runc's --no-subreaper: tong never becomes a subreaper anyway.  */
        break;
      case 'h':
        verb_help (u);
        return 1;
      default:
      bad:
        return tong_err_set (err, 0, "%s: invalid option\n%s", is_run ? "run" : "create", u);
      }
  if (verb_need_args (argc, 1, is_run ? "run" : "create", u, err) < 0)
    return -1;
  o->id = argv[optind];
  return 0;
}

VERB (create)
{
  struct tong_create_opts o;
  int r = verb_parse_create_opts (argc, argv, false, &o, usage, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return tong_create (ctx, &o, err) < 0 ? -1 : 0;
}
