#include "verbs.h"

#include <stddef.h>

#include <stdio.h>
#include <stdlib.h>

static const char usage[] = "Usage: tong state CONTAINER-ID\n\n"
                            "Print the container's state as JSON (the OCI state, plus\n"
                            "rootfs, created and owner as runc prints them).\n";

VERB (state)
{
  int r = verb_simple_opts (argc, argv, 1, "state", usage, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  char *json;
  if (tong_state (ctx, argv[optind], &json, err) < 0)
    return -1;
  puts (json);
  free (json);
  return 0;
}
