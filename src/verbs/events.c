#include "verbs.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char usage[]
    = "Usage: tong events [--stats] [--interval DURATION] CONTAINER-ID\n\n"
      "Print the container's cgroup statistics and OOM events as JSON, one object a\n"
      "line, until it stops.\n\n"
      "      --stats            print the statistics once and exit\n"
      "      --interval D       how often to print them (default 5s; 500ms, 1m, ...)\n";

/* A Go-style duration as runc takes it: "5s", "100ms", "1m30s", "2".  */
static int
parse_duration (const char *s, unsigned *ms, struct tong_err *err)
{
  double total = 0;
  const char *p = s;
  if (*p == '\0')
    return tong_err_set (err, 0, "--interval: empty duration");
  while (*p)
    {
      char *end;
      double v = strtod (p, &end);
      if (end == p || v < 0)
        return tong_err_set (err, 0, "--interval: invalid duration `%s`", s);
      p = end;
      double unit = 1000; /* a bare number is seconds.  */
      if (strncmp (p, "ms", 2) == 0)
        unit = 1, p += 2;
      else if (strncmp (p, "us", 2) == 0)
        unit = 0.001, p += 2;
      else if (strncmp (p, "ns", 2) == 0)
        unit = 0.000001, p += 2;
      else if (*p == 's')
        unit = 1000, p++;
      else if (*p == 'm')
        unit = 60000, p++;
      else if (*p == 'h')
        unit = 3600000, p++;
      else if (*p)
        return tong_err_set (err, 0, "--interval: invalid duration `%s`", s);
      total += v * unit;
    }
  if (total < 1 || total > 86400000.0 * 7)
    return tong_err_set (err, 0, "--interval: `%s` is out of range (1ms to a week)", s);
  *ms = (unsigned) total;
  return 0;
}

VERB (events)
{
  enum
  {
    O_INTERVAL = 256
  };
  static const struct option longopts[] = { { "stats", no_argument, NULL, 's' },
                                            { "interval", required_argument, NULL, O_INTERVAL },
                                            { "help", no_argument, NULL, 'h' },
                                            { 0 } };
  bool stats = false;
  unsigned interval = 5000;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+h", longopts, NULL)) != -1)
    switch (c)
      {
      case 's':
        stats = true;
        break;
      case O_INTERVAL:
        if (parse_duration (optarg, &interval, err) < 0)
          return -1;
        break;
      case 'h':
        return verb_help (usage);
      default:
        return tong_err_set (err, 0, "events: invalid option\n%s", usage);
      }
  if (verb_need_args (argc, 1, "events", usage, err) < 0)
    return -1;
  return tong_events (ctx, argv[optind], stats, interval, err) < 0 ? -1 : 0;
}
