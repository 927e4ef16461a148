#include "verbs.h"

#include <stddef.h>

static const char usage[] = "Usage: tong resume CONTAINER-ID\n\n"
                            "Thaw the processes of a paused container.\n";

VERB (resume)
{
  int r = verb_simple_opts (argc, argv, 1, "resume", usage, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return tong_resume (ctx, argv[optind], err) < 0 ? -1 : 0;
}
