/* One file per verb: parse the verb's options, make one library call.
   Each returns the exit code (>= 0), or -1 with ERR set.  */
#ifndef TONG_VERBS_H
#define TONG_VERBS_H

#include <getopt.h>
#include "err.h"
#include "libtong/tong.h"

#define VERB(name) int verb_##name (struct tong_ctx *ctx, int argc, char **argv, struct tong_err *err)

VERB (create);
VERB (start);
VERB (state);
VERB (kill);
VERB (delete);
VERB (run);
VERB (exec);
VERB (list);
VERB (ps);
VERB (spec);
VERB (features);
VERB (pause);
VERB (resume);
VERB (update);
VERB (events);

/* Print USAGE for --help; returns 0 (the exit code).  */
int verb_help (const char *usage);
/* For verbs whose only option is --help: parse, then expect N positional
   arguments.  Returns 1 when --help was printed (exit 0), 0 to go on, -1 on error.  */
int verb_simple_opts (int argc, char **argv, int n, const char *verb, const char *usage,
                      struct tong_err *err);
/* Expect exactly N positional arguments after optind.  */
int verb_need_args (int argc, int n, const char *verb, const char *usage, struct tong_err *err);
int verb_parse_int (const char *opt, const char *s, int *out, struct tong_err *err);
/* Append S to a NULL-terminated vector.  */
char **verb_strv_add (char **v, const char *s);

#endif
