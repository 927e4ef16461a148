#include "verbs.h"

#include <string.h>

static const char usage[] = "Usage: tong list [options]\n\n"
                            "List the containers under --root.\n\n"
                            "  -f, --format table|json   output format (default table)\n"
                            "  -q, --quiet               print only the ids\n";

int
verb_parse_format (const char *s, enum tong_format *fmt, struct tong_err *err)
{
  if (strcmp (s, "table") == 0)
    *fmt = TONG_FORMAT_TABLE;
  else if (strcmp (s, "json") == 0)
    *fmt = TONG_FORMAT_JSON;
  else
    return tong_err_set (err, 0, "invalid format `%s`: table or json", s);
  return 0;
}

VERB (list)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
                                            { "quiet", no_argument, NULL, 'q' },
                                            { "help", no_argument, NULL, 'h' },
                                            { 0 } };
  enum tong_format fmt = TONG_FORMAT_TABLE;
  bool quiet = false;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+f:qh", longopts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        if (verb_parse_format (optarg, &fmt, err) < 0)
          return -1;
        break;
      case 'q':
        quiet = true;
        break;
      case 'h':
        return verb_help (usage);
      default:
        return tong_err_set (err, 0, "list: invalid option\n%s", usage);
      }
  if (verb_need_args (argc, 0, "list", usage, err) < 0)
    return -1;
  return tong_list (ctx, fmt, quiet, err) < 0 ? -1 : 0;
}
