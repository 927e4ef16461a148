#include "verbs.h"

#include <stdlib.h>
#include <string.h>

static const char usage[]
    = "Usage: tong exec [options] CONTAINER-ID [COMMAND [ARGS...]]\n\n"
      "Run a new process inside a running container.\n\n"
      "  -p, --process FILE       process.json to run (instead of COMMAND)\n"
      "  -d, --detach             do not wait for the process\n"
      "      --pid-file FILE      write the process's pid to FILE\n"
      "      --console-socket P   unix socket that receives the pty master\n"
      "  -t, --tty                allocate a pseudo-terminal\n"
      "      --cwd DIR            working directory\n"
      "  -e, --env K=V            set an environment variable (repeatable)\n"
      "  -u, --user UID[:GID]     user to run as\n"
      "  -g, --additional-gids G  additional group (repeatable)\n"
      "  -c, --cap CAP            add a capability (repeatable)\n"
      "      --no-new-privs       set no_new_privs\n"
      "      --apparmor PROFILE   AppArmor profile\n"
      "      --process-label L    SELinux label\n"
      "      --preserve-fds N     pass N extra fds (3 .. 3+N-1) to the process\n";

enum
{
  OPT_PIDFILE = 256,
  OPT_CONSOLE,
  OPT_CWD,
  OPT_NNP,
  OPT_APPARMOR,
  OPT_LABEL,
  OPT_PRESERVE,
};

VERB (exec)
{
  static const struct option longopts[] = {
    { "process", required_argument, NULL, 'p' },
    { "detach", no_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, OPT_PIDFILE },
    { "console-socket", required_argument, NULL, OPT_CONSOLE },
    { "tty", no_argument, NULL, 't' },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, OPT_NNP },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "process-label", required_argument, NULL, OPT_LABEL },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct tong_exec_opts o = { 0 };
  int c, ret = -1;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+p:dte:u:g:c:h", longopts, NULL)) != -1)
    switch (c)
      {
      case 'p':
        o.process_file = optarg;
        break;
      case 'd':
        o.detach = true;
        break;
      case OPT_PIDFILE:
        o.pid_file = optarg;
        break;
      case OPT_CONSOLE:
        o.console_socket = optarg;
        break;
      case 't':
        o.tty = true;
        break;
      case OPT_CWD:
        o.cwd = optarg;
        break;
      case 'e':
        o.env = verb_strv_add (o.env, optarg);
        break;
      case 'u':
        o.user = optarg;
        break;
      case 'g':
        /* runc takes a comma list or repeats.  */
        for (char *s = optarg, *tok; (tok = strsep (&s, ","));)
          if (*tok)
            o.additional_gids = verb_strv_add (o.additional_gids, tok);
        break;
      case 'c':
        o.caps = verb_strv_add (o.caps, optarg);
        break;
      case OPT_NNP:
        o.no_new_privs = true;
        break;
      case OPT_APPARMOR:
        o.apparmor = optarg;
        break;
      case OPT_LABEL:
        o.process_label = optarg;
        break;
      case OPT_PRESERVE:
        if (verb_parse_int ("--preserve-fds", optarg, &o.preserve_fds, err) < 0)
          goto out;
        break;
      case 'h':
        ret = verb_help (usage);
        goto out;
      default:
        tong_err_set (err, 0, "exec: invalid option\n%s", usage);
        goto out;
      }
  if (argc - optind < 1)
    {
      tong_err_set (err, 0, "exec: expects CONTAINER-ID\n%s", usage);
      goto out;
    }
  o.id = argv[optind];
  o.args = argv + optind + 1;
  if (o.process_file == NULL && o.args[0] == NULL)
    {
      tong_err_set (err, 0, "exec: a COMMAND or --process is required\n%s", usage);
      goto out;
    }
  int code;
  ret = tong_exec (ctx, &o, &code, err) < 0 ? -1 : code;
out:
  free (o.env);
  free (o.additional_gids);
  free (o.caps);
  return ret;
}
