#include "verbs.h"

#include <stddef.h>

static const char usage[]
    = "Usage: tong delete [--force] CONTAINER-ID\n\n"
      "Remove a stopped container.\n\n"
      "  -f, --force   kill it first if it is still running; a missing container is\n"
      "                not an error\n";

VERB (delete)
{
  static const struct option longopts[]
      = { { "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' }, { 0 } };
  bool force = false;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+fh", longopts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        force = true;
        break;
      case 'h':
        return verb_help (usage);
      default:
        return tong_err_set (err, 0, "delete: invalid option\n%s", usage);
      }
  if (verb_need_args (argc, 1, "delete", usage, err) < 0)
    return -1;
  return tong_delete (ctx, argv[optind], force, err) < 0 ? -1 : 0;
}
