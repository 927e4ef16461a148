#include "verbs.h"

#include <stddef.h>

static const char usage[] = "Usage: tong start CONTAINER-ID\n\n"
                            "Run the user process of a created container.\n";

VERB (start)
{
  int r = verb_simple_opts (argc, argv, 1, "start", usage, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return tong_start (ctx, argv[optind], err) < 0 ? -1 : 0;
}
