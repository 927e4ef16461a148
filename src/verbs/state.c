#include "verbs.h"

#include <stddef.h>

#include <stdio.h>
#include <stdlib.h>

static const char usage[] = "Usage: tong state CONTAINER-ID\n\n"
                            "Print the container's state as JSON (the OCI state, plus\n"
                            "rootfs, created and owner as runc prints them).\n";

VERB (state)
{
  static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+h", longopts, NULL)) != -1)
    if (c == 'h')
      return verb_help (usage);
    else
      return tong_err_set (err, 0, "state: invalid option\n%s", usage);
  if (verb_need_args (argc, 1, "state", usage, err) < 0)
    return -1;
  char *json;
  if (tong_state (ctx, argv[optind], &json, err) < 0)
    return -1;
  puts (json);
  free (json);
  return 0;
}
