/* Option helpers shared by the verbs.  */
#include "verbs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
verb_help (const char *usage)
{
  fputs (usage, stdout);
  return 0;
}

int
verb_need_args (int argc, int n, const char *verb, const char *usage, struct tong_err *err)
{
  if (argc - optind != n)
    return tong_err_set (err, 0, "%s: expects %d argument%s, got %d\n%s", verb, n,
                         n == 1 ? "" : "s", argc - optind, usage);
  return 0;
}

int
verb_parse_int (const char *opt, const char *s, int *out, struct tong_err *err)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > INT_MAX)
    return tong_err_set (err, 0, "%s: invalid number `%s`", opt, s);
  *out = (int) v;
  return 0;
}

char **
verb_strv_add (char **v, const char *s)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  char **nv = realloc (v, (n + 2) * sizeof *nv);
  if (nv == NULL)
    abort ();
  nv[n] = (char *) s;
  nv[n + 1] = NULL;
  return nv;
}

int
verb_simple_opts (int argc, char **argv, int n, const char *verb, const char *usage,
                  struct tong_err *err)
{
  static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+h", longopts, NULL)) != -1)
    {
      if (c != 'h')
        return tong_err_set (err, 0, "%s: invalid option\n%s", verb, usage);
      verb_help (usage);
      return 1;
    }
  return verb_need_args (argc, n, verb, usage, err);
}
