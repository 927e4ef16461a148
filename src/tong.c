/* tong: global options, the verb table, and the one place that prints an error.  */
#include "cleanup.h"
#include "log.h"
#include "libtong/tong.h"
#include "verbs/verbs.h"

#include <errno.h>
#include <getopt.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct verb
{
  const char *name;
  int (*fn) (struct tong_ctx *, int, char **, struct tong_err *);
  const char *summary;
};

static const struct verb verbs[] = {
  { "create", verb_create, "create a container" },
  { "start", verb_start, "run the user process of a created container" },
  { "state", verb_state, "print the state of a container" },
  { "kill", verb_kill, "send a signal to a container's process" },
  { "delete", verb_delete, "remove a container" },
  { "run", verb_run, "create and start a container, and wait for it" },
  { "exec", verb_exec, "run a new process inside a container" },
  { "list", verb_list, "list containers" },
  { "ps", verb_ps, "show the processes of a container" },
  { "spec", verb_spec, "write a default config.json" },
  { "features", verb_features, "show what tong supports" },
  { "pause", verb_pause, "freeze every process of a container" },
  { "resume", verb_resume, "thaw a paused container" },
  { "update", verb_update, "change a running container's cgroup limits" },
  { "events", verb_events, "print a container's cgroup statistics and OOM events" },
};

static void
usage (FILE *f)
{
  fprintf (f, "Usage: tong [global options] COMMAND [options] [args]\n\n"
              "tong is an OCI container runtime, command-line compatible with runc.\n\n"
              "Commands:\n");
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    fprintf (f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
  fprintf (f, "\nGlobal options:\n"
              "  --root DIR             state directory (default /run/tong, or\n"
              "                         $XDG_RUNTIME_DIR/tong when not root)\n"
              "  --log PATH             log file (default: stderr)\n"
              "  --log-format FORMAT    text or json\n"
              "  --debug                debug logging, with per-phase timing\n"
              "  --systemd-cgroup       manage cgroups through systemd\n"
              "  --rootless true|false|auto\n"
              "  -v, --version          print the version\n"
              "  -h, --help             this text; `tong COMMAND --help` for a command\n");
}

static void
version (void)
{
  const struct scmp_version *v = seccomp_version ();
  printf ("tong version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\n", PACKAGE_VERSION,
          GIT_COMMIT, OCI_SPEC_VERSION, v->major, v->minor, v->micro);
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD,
  OPT_ROOTLESS,
  OPT_CRIU,
};

int
main (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "criu", required_argument, NULL, OPT_CRIU },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct tong_ctx ctx = { .rootless = -1 };
  struct tong_err err = { 0 };
  const char *log_path = NULL;
  bool json = false;
  char rootbuf[4096], absroot[4200];
  int c;

  while ((c = getopt_long (argc, argv, "+vh", longopts, NULL)) != -1)
    switch (c)
      {
      case OPT_ROOT:
        ctx.root = optarg;
        break;
      case OPT_LOG:
        log_path = optarg;
        break;
      case OPT_LOG_FORMAT:
        if (strcmp (optarg, "json") == 0)
          json = true;
        else if (strcmp (optarg, "text") == 0)
          json = false;
        else
          {
            fprintf (stderr, "tong: invalid --log-format `%s`: text or json\n", optarg);
            return 1;
          }
        break;
      case OPT_DEBUG:
        ctx.debug = true;
        break;
      case OPT_SYSTEMD:
        ctx.systemd_cgroup = true;
        break;
      case OPT_ROOTLESS:
        if (strcmp (optarg, "true") == 0)
          ctx.rootless = 1;
        else if (strcmp (optarg, "false") == 0)
          ctx.rootless = 0;
        else if (strcmp (optarg, "auto") == 0)
          ctx.rootless = -1;
        else
          {
            fprintf (stderr, "tong: invalid --rootless `%s`: true, false or auto\n", optarg);
            return 1;
          }
        break;
      case OPT_CRIU:
        /* runc's checkpoint/restore binary: tong has no checkpoint verb.  */
        break;
      case 'v':
        version ();
        return 0;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 1;
      }
  if (optind >= argc)
    {
      usage (stderr);
      return 1;
    }
  if (tong_log_init (log_path, json, ctx.debug, &err) < 0)
    {
      tong_log_error_msg (err.msg);
      return 1;
    }
  if (ctx.root == NULL)
    {
      const char *xdg = getenv ("XDG_RUNTIME_DIR");
      if (geteuid () != 0 && xdg && *xdg)
        {
          snprintf (rootbuf, sizeof rootbuf, "%s/tong", xdg);
          ctx.root = rootbuf;
        }
      else
        ctx.root = "/run/tong";
    }
  if (ctx.root[0] != '/')
    {
      /* create works from the bundle directory: keep --root meaning the same.  */
      char cwd[2048];
      if (getcwd (cwd, sizeof cwd) == NULL)
        {
          tong_log_error_msg ("--root: getcwd failed");
          return 1;
        }
      snprintf (absroot, sizeof absroot, "%s/%s", cwd, ctx.root);
      ctx.root = absroot;
    }
  const char *name = argv[optind];
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (strcmp (verbs[i].name, name) == 0)
      {
        int r = verbs[i].fn (&ctx, argc - optind, argv + optind, &err);
        if (r < 0)
          {
            tong_log_error_msg (err.msg);
            return 1;
          }
        return r;
      }
  fprintf (stderr, "tong: unknown command `%s`\n", name);
  usage (stderr);
  return 1;
}
