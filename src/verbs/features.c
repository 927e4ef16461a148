#include "verbs.h"

#include <stddef.h>

#include <stdio.h>
#include <stdlib.h>

static const char usage[] = "Usage: tong features\n\n"
                            "Print what this build of tong supports (OCI features JSON).\n";

VERB (features)
{
  int r = verb_simple_opts (argc, argv, 0, "features", usage, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  char *json;
  if (tong_features (&json, err) < 0)
    return -1;
  puts (json);
  free (json);
  return 0;
}
