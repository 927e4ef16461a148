#include "verbs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cleanup.h"
#include "fileutil.h"

static const char usage[] = "Usage: tong spec [options]\n\n"
                            "Write a default config.json into the bundle directory.\n\n"
                            "  -b, --bundle DIR   bundle directory (default: current directory)\n"
                            "      --rootless     a config for a container run without root\n";

VERB (spec)
{
  static const struct option longopts[] = { { "bundle", required_argument, NULL, 'b' },
                                            { "rootless", no_argument, NULL, 'r' },
                                            { "help", no_argument, NULL, 'h' },
                                            { 0 } };
  const char *bundle = ".";
  bool rootless = false;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+b:h", longopts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        bundle = optarg;
        break;
      case 'r':
        rootless = true;
        break;
      case 'h':
        return verb_help (usage);
      default:
        return tong_err_set (err, 0, "spec: invalid option\n%s", usage);
      }
  if (verb_need_args (argc, 0, "spec", usage, err) < 0)
    return -1;
  cleanup_close int dfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return tong_err_set (err, errno, "bundle `%s`", bundle);
  if (faccessat (dfd, "config.json", F_OK, 0) == 0)
    return tong_err_set (err, 0, "File %s/config.json exists. Remove it first", bundle);
  cleanup_free char *json = NULL;
  if (tong_spec_default (rootless, &json, err) < 0)
    return -1;
  cleanup_close int fd
      = openat (dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return tong_err_set (err, errno, "create %s/config.json", bundle);
  if (write_all_fd (fd, json, strlen (json)) < 0 || write_all_fd (fd, "\n", 1) < 0)
    return tong_err_set (err, errno, "write %s/config.json", bundle);
  return 0;
}
