#include "verbs.h"

#include <stddef.h>

static const char usage[] = "Usage: tong pause CONTAINER-ID\n\n"
                            "Freeze every process of the container (its cgroup's freezer).\n";

VERB (pause)
{
  int r = verb_simple_opts (argc, argv, 1, "pause", usage, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return tong_pause (ctx, argv[optind], err) < 0 ? -1 : 0;
}
