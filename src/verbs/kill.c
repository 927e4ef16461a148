#include "verbs.h"

#include <stddef.h>
#include "libtong/signals.h"

static const char usage[]
    = "Usage: tong kill [--all] CONTAINER-ID [SIGNAL]\n\n"
      "Send SIGNAL (default TERM; a name with or without SIG, or a number) to the\n"
      "container's process.\n\n"
      "  -a, --all   send it to every process of the container\n";

VERB (kill)
{
  static const struct option longopts[]
      = { { "all", no_argument, NULL, 'a' }, { "help", no_argument, NULL, 'h' }, { 0 } };
  bool all = false;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+ah", longopts, NULL)) != -1)
    switch (c)
      {
      case 'a':
        all = true;
        break;
      case 'h':
        return verb_help (usage);
      default:
        return tong_err_set (err, 0, "kill: invalid option\n%s", usage);
      }
  if (argc - optind < 1 || argc - optind > 2)
    return tong_err_set (err, 0, "kill: expects CONTAINER-ID [SIGNAL]\n%s", usage);
  int sig = 15;
  if (argc - optind == 2 && (sig = signal_parse (argv[optind + 1])) < 0)
    return tong_err_set (err, 0, "kill: invalid signal `%s`", argv[optind + 1]);
  return tong_kill (ctx, argv[optind], sig, all, err) < 0 ? -1 : 0;
}
