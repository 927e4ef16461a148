#include "verbs.h"

#include <stddef.h>

#include <stdio.h>
#include <stdlib.h>

static const char usage[] = "Usage: tong features\n\n"
                            "Print what this build of tong supports (OCI features JSON).\n";

VERB (features)
{
  static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+h", longopts, NULL)) != -1)
    if (c == 'h')
      return verb_help (usage);
    else
      return tong_err_set (err, 0, "features: invalid option\n%s", usage);
  if (verb_need_args (argc, 0, "features", usage, err) < 0)
    return -1;
  char *json;
  if (tong_features (&json, err) < 0)
    return -1;
  puts (json);
  free (json);
  return 0;
}
