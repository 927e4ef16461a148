#include "verbs.h"

#include <stddef.h>

int verb_parse_format (const char *s, enum tong_format *fmt, struct tong_err *err);

static const char usage[]
    = "Usage: tong ps [options] CONTAINER-ID [PS-OPTIONS...]\n\n"
      "Show the container's processes.\n\n"
      "  -f, --format table|json   table (ps(1) output, default -ef) or a JSON list of pids\n";

VERB (ps)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { 0 } };
  enum tong_format fmt = TONG_FORMAT_TABLE;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+f:h", longopts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        if (verb_parse_format (optarg, &fmt, err) < 0)
          return -1;
        break;
      case 'h':
        return verb_help (usage);
      default:
        return tong_err_set (err, 0, "ps: invalid option\n%s", usage);
      }
  if (argc - optind < 1)
    return tong_err_set (err, 0, "ps: expects CONTAINER-ID\n%s", usage);
  if (fmt == TONG_FORMAT_JSON && argc - optind > 1)
    return tong_err_set (err, 0, "ps: ps options cannot be used with --format json");
  return tong_ps (ctx, argv[optind], fmt, argv + optind + 1, err) < 0 ? -1 : 0;
}
