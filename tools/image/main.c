/* tong-image: from an image name to a runnable bundle.  Global options, the
   command table, and the one place that prints an error.  */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "auth.h"
#include "cleanup.h"
#include "cmds.h"
#include "image.h"
#include "ref.h"
#include "registry.h"

static const char *root_opt;

struct command
{
  const char *name;
  int (*fn) (int, char **, struct tong_err *);
  const char *summary, *usage;
};

static int cmd_help (int argc, char **argv, struct tong_err *err);

static int
open_store (bool writable, struct store *s, struct tong_err *err)
{
  return store_open (root_opt, writable, s, err);
}

/* getopt_long over a command's own arguments; argv[0] is the command.  */
#define PARSE_BEGIN(longopts, shortopts)                                                           \
  optind = 0;                                                                                      \
  opterr = 0;                                                                                      \
  for (int _c; (_c = getopt_long (argc, argv, shortopts, longopts, NULL)) != -1;)                  \
    switch (_c)

#define BAD_OPTION(err)                                                                            \
  case '?':                                                                                        \
    return tong_err_set (err, 0, "%s: unknown option or missing value `%s` (see --help)", argv[0], \
                         argv[optind - 1]);                                                        \
  case 'h':                                                                                        \
    return usage_of (argv[0]);

static int usage_of (const char *name);

static int
c_pull (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[]
      = { { "platform", required_argument, NULL, 'p' }, { "insecure", no_argument, NULL, 'k' },
          { "authfile", required_argument, NULL, 'a' }, { "quiet", no_argument, NULL, 'q' },
          { "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 } };
  struct pull_opts o = { 0 };
  PARSE_BEGIN (lo, "qh")
  {
  case 'p':
    o.platform = optarg;
    break;
  case 'k':
    o.insecure = true;
    break;
  case 'a':
    o.authfile = optarg;
    break;
  case 'q':
    o.quiet = true;
    break;
    BAD_OPTION (err)
  }
  if (argc - optind != 1)
    return tong_err_set (err, 0, "pull: want one REF");
  struct store s;
  /* Beside other pulls, images and unpack (store.h).  */
  if (store_open_pull (root_opt, &s, err) < 0)
    return -1;
  int rc = image_pull (&s, argv[optind], &o, err);
  store_close (&s);
  return rc;
}

static int
c_unpack (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = { { "platform", required_argument, NULL, 'p' },
                                      { "tty", no_argument, NULL, 't' },
                                      { "image-volumes", required_argument, NULL, 'v' },
                                      { "env", required_argument, NULL, 'e' },
                                      { "entrypoint", required_argument, NULL, 'E' },
                                      { "user", required_argument, NULL, 'u' },
                                      { "help", no_argument, NULL, 'h' },
                                      { NULL, 0, NULL, 0 } };
  struct unpack_opts o = { .volumes = "anonymous" };
  cleanup_free char **env = calloc (argc + 1, sizeof (char *));
  if (env == NULL)
    return tong_err_set (err, ENOMEM, "unpack");
  o.env = env;
  PARSE_BEGIN (lo, "te:u:h")
  {
  case 'p':
    o.platform = optarg;
    break;
  case 't':
    o.tty = true;
    break;
  case 'v':
    o.volumes = optarg;
    break;
  case 'e':
    if (strchr (optarg, '=') == NULL || optarg[0] == '=')
      {
        /* As docker run -e NAME: the caller's value, if any.  */
        const char *v = getenv (optarg);
        if (v == NULL || optarg[0] == '=')
          return tong_err_set (err, 0, "unpack: -e `%s`: want NAME=VALUE", optarg);
        char *kv = NULL;
        if (asprintf (&kv, "%s=%s", optarg, v) < 0)
          return tong_err_set (err, ENOMEM, "unpack");
        env[o.n_env++] = kv; /* lives until exit.  */
      }
    else
      env[o.n_env++] = optarg;
    break;
  case 'E':
    o.entrypoint = optarg;
    break;
  case 'u':
    o.user = optarg;
    break;
    BAD_OPTION (err)
  }
  if (argc - optind != 2)
    return tong_err_set (err, 0, "unpack: want REF BUNDLE");
  struct store s;
  if (open_store (false, &s, err) < 0)
    return -1;
  int rc = image_unpack (&s, argv[optind], argv[optind + 1], &o, err);
  store_close (&s);
  return rc;
}

static int
c_images (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = { { "digests", no_argument, NULL, 'd' },
                                      { "quiet", no_argument, NULL, 'q' },
                                      { "format", required_argument, NULL, 'f' },
                                      { "help", no_argument, NULL, 'h' },
                                      { NULL, 0, NULL, 0 } };
  bool digests = false, quiet = false, json = false;
  PARSE_BEGIN (lo, "qh")
  {
  case 'd':
    digests = true;
    break;
  case 'q':
    quiet = true;
    break;
  case 'f':
    if (strcmp (optarg, "json") != 0)
      return tong_err_set (err, 0, "images: --format `%s`: only json", optarg);
    json = true;
    break;
    BAD_OPTION (err)
  }
  if (argc != optind)
    return tong_err_set (err, 0, "images: no arguments expected");
  struct store s;
  if (open_store (false, &s, err) < 0)
    return -1;
  int rc = cmd_images (&s, digests, quiet, json, err);
  store_close (&s);
  return rc;
}

static int
c_inspect (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = { { "platform", required_argument, NULL, 'p' },
                                      { "help", no_argument, NULL, 'h' },
                                      { NULL, 0, NULL, 0 } };
  const char *platform = NULL;
  PARSE_BEGIN (lo, "h")
  {
  case 'p':
    platform = optarg;
    break;
    BAD_OPTION (err)
  }
  if (argc - optind != 1)
    return tong_err_set (err, 0, "inspect: want one REF");
  struct store s;
  if (open_store (false, &s, err) < 0)
    return -1;
  int rc = cmd_inspect (&s, argv[optind], platform, err);
  store_close (&s);
  return rc;
}

static int
c_rmi (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  PARSE_BEGIN (lo, "h") { BAD_OPTION (err) }
  if (argc == optind)
    return tong_err_set (err, 0, "rmi: want at least one REF");
  struct store s;
  if (open_store (true, &s, err) < 0)
    return -1;
  int rc = cmd_rmi (&s, argv + optind, argc - optind, err);
  store_close (&s);
  return rc;
}

static int
c_prune (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  PARSE_BEGIN (lo, "h") { BAD_OPTION (err) }
  if (argc != optind)
    return tong_err_set (err, 0, "prune: no arguments expected");
  struct store s;
  if (open_store (true, &s, err) < 0)
    return -1;
  int rc = cmd_prune (&s, err);
  store_close (&s);
  return rc;
}

static int
c_df (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = { { "verbose", no_argument, NULL, 'v' },
                                      { "help", no_argument, NULL, 'h' },
                                      { NULL, 0, NULL, 0 } };
  bool verbose = false;
  PARSE_BEGIN (lo, "vh")
  {
  case 'v':
    verbose = true;
    break;
    BAD_OPTION (err)
  }
  if (argc != optind)
    return tong_err_set (err, 0, "df: no arguments expected");
  struct store s;
  if (open_store (false, &s, err) < 0)
    return -1;
  int rc = cmd_df (&s, verbose, err);
  store_close (&s);
  return rc;
}

static int
c_import (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  PARSE_BEGIN (lo, "h") { BAD_OPTION (err) }
  if (argc - optind < 1 || argc - optind > 2)
    return tong_err_set (err, 0, "import: want SOURCE [REF]");
  struct store s;
  if (open_store (true, &s, err) < 0)
    return -1;
  int rc = image_import (&s, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL, err);
  store_close (&s);
  return rc;
}

/* A registry name as login/logout take it: host[:port], Docker Hub as docker.io.  */
static const char *
registry_key (const char *arg)
{
  if (strncmp (arg, "https://", 8) == 0)
    arg += 8;
  else if (strncmp (arg, "http://", 7) == 0)
    arg += 7;
  if (strcmp (arg, "index.docker.io") == 0 || strcmp (arg, "registry-1.docker.io") == 0)
    return "docker.io";
  return arg;
}

static int
c_login (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = {
    { "username", required_argument, NULL, 'u' }, { "password-stdin", no_argument, NULL, 'P' },
    { "authfile", required_argument, NULL, 'a' }, { "insecure", no_argument, NULL, 'k' },
    { "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 }
  };
  const char *user = NULL, *authfile = NULL;
  bool from_stdin = false, insecure = false;
  PARSE_BEGIN (lo, "u:h")
  {
  case 'u':
    user = optarg;
    break;
  case 'P':
    from_stdin = true;
    break;
  case 'a':
    authfile = optarg;
    break;
  case 'k':
    insecure = true;
    break;
    BAD_OPTION (err)
  }
  if (argc - optind != 1)
    return tong_err_set (err, 0, "login: want one REGISTRY");
  if (user == NULL || !from_stdin)
    return tong_err_set (err, 0, "login: give -u USER and --password-stdin");
  char pass[4096];
  size_t n = fread (pass, 1, sizeof pass - 1, stdin);
  pass[n] = '\0';
  while (n && (pass[n - 1] == '\n' || pass[n - 1] == '\r'))
    pass[--n] = '\0';
  if (n == 0)
    return tong_err_set (err, 0, "login: empty password on stdin");
  const char *host = registry_key (argv[optind]);
  cleanup_free char *file = auth_file_path (authfile);
  if (file == NULL)
    return tong_err_set (err, ENOMEM, "login");
  /* Checked against the registry before they are kept.  */
  struct image_ref ref = { .registry = (char *)host, .repo = (char *)"", .tag = (char *)"" };
  struct registry_opts ro = { .insecure = insecure, .authfile = file, .user = user, .pass = pass };
  struct registry *r = NULL;
  int rc = registry_open (&ref, &ro, &r, err);
  if (rc == 0)
    rc = registry_ping (r, err);
  registry_free (r);
  if (rc < 0)
    return tong_err_wrap (err, "login");
  if (auth_save (file, host, user, pass, err) < 0)
    return -1;
  printf ("Login Succeeded\n");
  return 0;
}

static int
c_logout (int argc, char **argv, struct tong_err *err)
{
  static const struct option lo[] = { { "authfile", required_argument, NULL, 'a' },
                                      { "help", no_argument, NULL, 'h' },
                                      { NULL, 0, NULL, 0 } };
  const char *authfile = NULL;
  PARSE_BEGIN (lo, "h")
  {
  case 'a':
    authfile = optarg;
    break;
    BAD_OPTION (err)
  }
  if (argc - optind != 1)
    return tong_err_set (err, 0, "logout: want one REGISTRY");
  const char *host = registry_key (argv[optind]);
  cleanup_free char *file = auth_file_path (authfile);
  int rc = auth_remove (file, host, err);
  if (rc < 0)
    return -1;
  if (rc == 0)
    return tong_err_set (err, 0, "logout: not logged in to %s", host);
  printf ("Removing login credentials for %s\n", host);
  return 0;
}

static const struct command commands[] = {
  { "pull", c_pull, "download an image from a registry into the store",
    "pull REF [--platform OS/ARCH[/VARIANT]] [--insecure] [--authfile FILE] [-q|--quiet]" },
  { "unpack", c_unpack, "write BUNDLE/rootfs and BUNDLE/config.json from a stored image",
    "unpack REF BUNDLE [--platform P] [-t|--tty] [--image-volumes anonymous|tmpfs|ignore] [-e "
    "K=V]...\n"
    "       [--entrypoint CMD] [-u|--user USER[:GROUP]]" },
  { "images", c_images, "list the stored images",
    "images [--digests] [-q|--quiet] [--format json]" },
  { "inspect", c_inspect, "print an image's manifest, config and platforms as JSON",
    "inspect REF [--platform P]" },
  { "rmi", c_rmi, "remove names (and the blobs no other name needs)", "rmi REF..." },
  { "prune", c_prune, "remove the blobs no name reaches", "prune" },
  { "df", c_df, "show the store's space use, shared and unique", "df [-v|--verbose]" },
  { "import", c_import, "add images from an OCI layout directory or a docker-archive tarball",
    "import OCI-DIR[:TAG] [REF]\n       import DOCKER-ARCHIVE.tar [REF]" },
  { "login", c_login, "keep credentials for a registry",
    "login REGISTRY -u USER --password-stdin [--authfile FILE] [--insecure]" },
  { "logout", c_logout, "forget a registry's credentials", "logout REGISTRY [--authfile FILE]" },
  { "help", cmd_help, "this text", "help [COMMAND]" },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void
usage (FILE *f)
{
  fprintf (f, "Usage: tong-image [--root DIR] COMMAND [options] [args]\n\n"
              "Pull OCI and Docker images into a local store and unpack them into bundles\n"
              "for `tong run`.\n\nCommands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf (f, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf (f,
           "\nGlobal options:\n"
           "  --root DIR     the image store (default $TONG_IMAGE_ROOT, else %s)\n"
           "  -v, --version  print the version\n"
           "  -h, --help     this text; `tong-image COMMAND --help` for a command\n"
           "\nREF is [registry[:port]/]path[:tag][@sha256:hex]; without a registry the\n"
           "default one: $TONG_IMAGE_REGISTRY, else default-registry in /etc/tong/image.conf,\n"
           "else docker.io.\n",
           STORE_DEFAULT_ROOT);
}

static int
usage_of (const char *name)
{
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp (commands[i].name, name) == 0)
      {
        printf ("Usage: tong-image %s\n\n%s\n", commands[i].usage, commands[i].summary);
        exit (0);
      }
  usage (stdout);
  exit (0);
}

static int
cmd_help (int argc, char **argv, struct tong_err *err)
{
  if (argc > 1)
    return usage_of (argv[1]);
  usage (stdout);
  return 0;
}

int
main (int argc, char **argv)
{
  static const struct option longopts[] = { { "root", required_argument, NULL, 'r' },
                                            { "version", no_argument, NULL, 'v' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  /* A write to a pipe whose reader is gone is an error to report, not a death.  */
  signal (SIGPIPE, SIG_IGN);
  int c;
  while ((c = getopt_long (argc, argv, "+vh", longopts, NULL)) != -1)
    switch (c)
      {
      case 'r':
        root_opt = optarg;
        break;
      case 'v':
        printf ("tong-image version %s\ncommit: %s\n", PACKAGE_VERSION, GIT_COMMIT);
        return 0;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
      }
  if (optind >= argc)
    {
      usage (stderr);
      return 2;
    }
  const char *name = argv[optind];
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp (commands[i].name, name) == 0)
      {
        struct tong_err err = { 0 };
        if (commands[i].fn (argc - optind, argv + optind, &err) < 0)
          {
            fflush (stdout);
            fprintf (stderr, "tong-image: %s\n", err.msg[0] ? err.msg : "failed");
            return 1;
          }
        return 0;
      }
  fprintf (stderr, "tong-image: unknown command `%s` (see --help)\n", name);
  return 2;
}
