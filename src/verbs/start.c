#include "verbs.h"

#include <stddef.h>

static const char usage[] = "Usage: tong start CONTAINER-ID\n\n"
                            "Run the user process of a created container.\n";

VERB (start)
{
  static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+h", longopts, NULL)) != -1)
    if (c == 'h')
      return verb_help (usage);
    else
      return tong_err_set (err, 0, "start: invalid option\n%s", usage);
  if (verb_need_args (argc, 1, "start", usage, err) < 0)
    return -1;
  return tong_start (ctx, argv[optind], err) < 0 ? -1 : 0;
}
