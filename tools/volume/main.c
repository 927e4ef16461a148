/* tong-volume: persistent volumes for tong bundles (Docker's `docker volume`
   and `-v`, `--volumes-from`), without the runtime: it edits config.json.  */
#include "volume.h"
#include "cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[]
    = "Usage: tong-volume [--root DIR] COMMAND [options] [args]\n"
      "\n"
      "Commands:\n"
      "  create [--label K=V]... [NAME]     create a volume (a random name without NAME)\n"
      "  ls [-q] [--filter F]...            list volumes; F: label=K[=V], label!=K[=V],\n"
      "                                     dangling=true|false, name=SUBSTRING\n"
      "  inspect NAME...                    print the volumes as a JSON array\n"
      "  rm [-f] NAME...                    remove volumes (refused when in use; -f: a missing\n"
      "                                     one is no error)\n"
      "  prune [-a|--all] [--filter F]...   remove unused anonymous volumes (all unused: --all\n"
      "                                     or all=true); F: label=K[=V], label!=K[=V], all=B\n"
      "  attach [--create-host-path] [--image-volumes] [--from OTHER_BUNDLE[:ro|:rw]]\n"
      "         BUNDLE [SPEC]...            mount volumes in BUNDLE/config.json; SPEC:\n"
      "                                     NAME:/path[:ro|:rw][:nocopy], /host:/path[:ro|:rw],\n"
      "                                     /path (a new anonymous volume)\n"
      "  detach BUNDLE /path...             remove those mounts from BUNDLE/config.json\n"
      "\n"
      "  --root DIR    the volume store (default $TONG_VOLUME_ROOT, else " VOLUME_DEFAULT_ROOT
      ")\n";

static int
fail_usage (const char *cmd, const char *what)
{
  fprintf (stderr, "tong-volume: %s: %s\n%s", cmd, what, usage);
  return 2;
}

static int
report (struct tong_err *err)
{
  fprintf (stderr, "tong-volume: %s\n", err->msg);
  return 1;
}

static int
cmd_create (const char *root, int argc, char **argv)
{
  static const struct option lo[] = { { "label", required_argument, NULL, 'l' }, { 0 } };
  struct tong_err err = { 0 };
  cleanup_free char **labels = calloc (argc + 1, sizeof (char *));
  size_t nl = 0;
  int c;
  if (labels == NULL)
    return 1;
  while ((c = getopt_long (argc, argv, "l:", lo, NULL)) != -1)
    if (c == 'l')
      labels[nl++] = optarg;
    else
      return fail_usage ("create", "invalid option");
  if (argc - optind > 1)
    return fail_usage ("create", "at most one NAME");
  char rnd[65];
  const char *name = optind < argc ? argv[optind] : NULL;
  if (name == NULL)
    {
      if (vol_random_name (rnd, &err) < 0)
        return report (&err);
      name = rnd;
    }
  else if (vol_name_valid (name, &err) < 0)
    return report (&err);
  struct vol_store s;
  if (vol_store_open (&s, root, true, &err) < 0)
    return report (&err);
  /* Docker's create is idempotent for an existing name.  */
  int ret = vol_exists (&s, name) ? 0 : vol_create (&s, name, labels, nl, false, &err);
  vol_store_close (&s);
  if (ret < 0)
    return report (&err);
  printf ("%s\n", name);
  return 0;
}

struct filters
{
  char **labels;
  size_t n_labels;
  char **not_labels; /* label!=K[=V]: volumes without that label */
  size_t n_not_labels;
  int dangling; /* -1 any */
  const char *name;
  bool all; /* prune's all=true: Docker 23's other spelling of --all */
};

static int
parse_filter (struct filters *f, const char *text, bool prune, struct tong_err *err)
{
  if (strncmp (text, "label=", 6) == 0 && text[6])
    f->labels[f->n_labels++] = (char *)text + 6;
  else if (strncmp (text, "label!=", 7) == 0 && text[7])
    f->not_labels[f->n_not_labels++] = (char *)text + 7;
  else if (prune && (strcmp (text, "all=true") == 0 || strcmp (text, "all=1") == 0))
    f->all = true;
  else if (prune && (strcmp (text, "all=false") == 0 || strcmp (text, "all=0") == 0))
    f->all = false;
  else if (!prune && strcmp (text, "dangling=true") == 0)
    f->dangling = 1;
  else if (!prune && strcmp (text, "dangling=false") == 0)
    f->dangling = 0;
  else if (!prune && strncmp (text, "name=", 5) == 0)
    f->name = text + 5;
  else
    return tong_err_set (err, 0, "invalid filter `%s`: %s", text,
                         prune ? "label=K[=V], label!=K[=V] or all=true|false"
                               : "label=K[=V], label!=K[=V], dangling=true|false or name=S");
  return 0;
}

static bool
filters_match (const struct vol_store *s, const struct filters *f, const struct vol_meta *m)
{
  for (size_t i = 0; i < f->n_labels; i++)
    if (!vol_label_match (m, f->labels[i]))
      return false;
  for (size_t i = 0; i < f->n_not_labels; i++)
    if (vol_label_match (m, f->not_labels[i]))
      return false;
  if (f->name && strstr (m->name, f->name) == NULL)
    return false;
  if (f->dangling >= 0
      && (vol_live_users (s, m, NULL) == 0 && vol_mounted_by (s, m->name) == 0)
             != (f->dangling == 1))
    return false;
  return true;
}

static int
cmd_ls (const char *root, int argc, char **argv)
{
  static const struct option lo[]
      = { { "quiet", no_argument, NULL, 'q' }, { "filter", required_argument, NULL, 'f' }, { 0 } };
  struct tong_err err = { 0 };
  cleanup_free char **labels = calloc (argc + 1, sizeof (char *));
  cleanup_free char **not_labels = calloc (argc + 1, sizeof (char *));
  struct filters f = { .labels = labels, .not_labels = not_labels, .dangling = -1 };
  bool quiet = false;
  int c;
  if (labels == NULL || not_labels == NULL)
    return 1;
  while ((c = getopt_long (argc, argv, "qf:", lo, NULL)) != -1)
    if (c == 'q')
      quiet = true;
    else if (c == 'f')
      {
        if (parse_filter (&f, optarg, false, &err) < 0)
          return report (&err);
      }
    else
      return fail_usage ("ls", "invalid option");
  if (optind != argc)
    return fail_usage ("ls", "no arguments");
  struct vol_store s;
  cleanup_strv char **names = NULL;
  if (vol_store_open (&s, root, false, &err) < 0 || vol_list (&s, &names, &err) < 0)
    {
      vol_store_close (&s);
      return report (&err);
    }
  if (!quiet)
    printf ("%-10s%s\n", "DRIVER", "VOLUME NAME");
  for (char **n = names; *n; n++)
    {
      struct vol_meta m;
      if (vol_meta_read (&s, *n, &m, NULL) < 0)
        continue;
      if (filters_match (&s, &f, &m))
        {
          if (quiet)
            printf ("%s\n", *n);
          else
            printf ("%-10s%s\n", "local", *n);
        }
      vol_meta_clear (&m);
    }
  vol_store_close (&s);
  return 0;
}

static int
cmd_inspect (const char *root, int argc, char **argv)
{
  struct tong_err err = { 0 };
  if (argc < 2)
    return fail_usage ("inspect", "at least one NAME");
  struct vol_store s;
  if (vol_store_open (&s, root, false, &err) < 0)
    return report (&err);
  struct json_writer *w = json_writer_new (true);
  int rc = 0;
  json_w_arr_begin (w);
  for (int i = 1; i < argc; i++)
    {
      struct vol_meta m;
      if (vol_meta_read (&s, argv[i], &m, &err) < 0)
        {
          fprintf (stderr, "tong-volume: %s\n", err.msg);
          rc = 1;
          continue;
        }
      cleanup_free char *mp = vol_mountpoint (&s, m.name);
      cleanup_strv char **live = NULL;
      size_t nlive = vol_live_users (&s, &m, &live);
      json_w_obj_begin (w);
      json_w_key (w, "CreatedAt");
      json_w_str (w, m.created);
      json_w_key (w, "Driver");
      json_w_str (w, "local");
      json_w_key (w, "Labels");
      json_w_value (w, m.labels);
      json_w_key (w, "Mountpoint");
      json_w_str (w, mp);
      json_w_key (w, "Name");
      json_w_str (w, m.name);
      json_w_key (w, "Options");
      json_w_obj_begin (w);
      json_w_obj_end (w);
      json_w_key (w, "Scope");
      json_w_str (w, "local");
      json_w_key (w, "Anonymous");
      json_w_bool (w, m.anonymous);
      json_w_key (w, "UsedBy");
      json_w_arr_begin (w);
      for (size_t j = 0; live && j < nlive; j++)
        json_w_str (w, live[j]);
      json_w_arr_end (w);
      json_w_obj_end (w);
      vol_meta_clear (&m);
    }
  json_w_arr_end (w);
  vol_store_close (&s);
  cleanup_free char *text = json_writer_finish (w);
  printf ("%s\n", text ? text : "[]");
  return rc;
}

static int
cmd_rm (const char *root, int argc, char **argv)
{
  struct tong_err err = { 0 };
  bool force = false;
  int c;
  static const struct option lo[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
  while ((c = getopt_long (argc, argv, "f", lo, NULL)) != -1)
    if (c == 'f')
      force = true;
    else
      return fail_usage ("rm", "invalid option");
  if (optind == argc)
    return fail_usage ("rm", "at least one NAME");
  struct vol_store s;
  if (vol_store_open (&s, root, true, &err) < 0)
    return report (&err);
  int rc = 0;
  for (int i = optind; i < argc; i++)
    {
      if (vol_remove (&s, argv[i], &err) < 0)
        {
          if (force && err.errnum == ENOENT)
            continue;
          fprintf (stderr, "tong-volume: %s\n", err.msg);
          rc = 1;
          continue;
        }
      printf ("%s\n", argv[i]);
    }
  vol_store_close (&s);
  return rc;
}

static int
cmd_prune (const char *root, int argc, char **argv)
{
  static const struct option lo[]
      = { { "all", no_argument, NULL, 'a' }, { "filter", required_argument, NULL, 'F' }, { 0 } };
  struct tong_err err = { 0 };
  cleanup_free char **labels = calloc (argc + 1, sizeof (char *));
  cleanup_free char **not_labels = calloc (argc + 1, sizeof (char *));
  struct filters f = { .labels = labels, .not_labels = not_labels, .dangling = -1 };
  bool all = false;
  int c;
  if (labels == NULL || not_labels == NULL)
    return 1;
  while ((c = getopt_long (argc, argv, "aF:", lo, NULL)) != -1)
    if (c == 'a')
      all = true;
    else if (c == 'F')
      {
        if (parse_filter (&f, optarg, true, &err) < 0)
          return report (&err);
      }
    else
      return fail_usage ("prune", "invalid option");
  if (optind != argc)
    return fail_usage ("prune", "no arguments");
  struct vol_store s;
  cleanup_strv char **names = NULL;
  if (vol_store_open (&s, root, true, &err) < 0 || vol_list (&s, &names, &err) < 0)
    {
      vol_store_close (&s);
      return report (&err);
    }
  int rc = 0;
  for (char **n = names; *n; n++)
    {
      struct vol_meta m;
      if (vol_meta_read (&s, *n, &m, NULL) < 0)
        continue;
      bool pick = (all || f.all || m.anonymous) && filters_match (&s, &f, &m)
                  && vol_live_users (&s, &m, NULL) == 0 && vol_mounted_by (&s, *n) == 0;
      vol_meta_clear (&m);
      if (!pick)
        continue;
      if (vol_remove (&s, *n, &err) < 0)
        {
          fprintf (stderr, "tong-volume: %s\n", err.msg);
          rc = 1;
        }
      else
        printf ("%s\n", *n);
    }
  vol_store_close (&s);
  return rc;
}

static int
cmd_attach (const char *root, int argc, char **argv)
{
  enum
  {
    OPT_CREATE = 256,
    OPT_IMAGE,
    OPT_FROM
  };
  static const struct option lo[] = { { "create-host-path", no_argument, NULL, OPT_CREATE },
                                      { "image-volumes", no_argument, NULL, OPT_IMAGE },
                                      { "from", required_argument, NULL, OPT_FROM },
                                      { 0 } };
  struct attach_opts o = { 0 };
  struct tong_err err = { 0 };
  int c;
  /* Options anywhere (`attach ./b data:/data --image-volumes`): a SPEC, a
     BUNDLE or a volume name never starts with `-`.  */
  while ((c = getopt_long (argc, argv, "", lo, NULL)) != -1)
    switch (c)
      {
      case OPT_CREATE:
        o.create_host_path = true;
        break;
      case OPT_IMAGE:
        o.image_volumes = true;
        break;
      case OPT_FROM:
        o.from = optarg;
        break;
      default:
        return fail_usage ("attach", "invalid option");
      }
  if (optind == argc)
    return fail_usage ("attach", "BUNDLE is required");
  struct vol_store s;
  if (vol_store_open (&s, root, true, &err) < 0)
    return report (&err);
  int ret = volume_attach (&s, argv[optind], argv + optind + 1, argc - optind - 1, &o, &err);
  vol_store_close (&s);
  return ret < 0 ? report (&err) : 0;
}

static int
cmd_detach (const char *root, int argc, char **argv)
{
  struct tong_err err = { 0 };
  if (argc < 3)
    return fail_usage ("detach", "BUNDLE and at least one /path");
  struct vol_store s;
  if (vol_store_open (&s, root, true, &err) < 0)
    return report (&err);
  int ret = volume_detach (&s, argv[1], argv + 2, argc - 2, &err);
  vol_store_close (&s);
  return ret < 0 ? report (&err) : 0;
}

int
main (int argc, char **argv)
{
  static const struct option lo[]
      = { { "root", required_argument, NULL, 'r' }, { "help", no_argument, NULL, 'h' }, { 0 } };
  const char *root = NULL;
  int c;
  while ((c = getopt_long (argc, argv, "+h", lo, NULL)) != -1)
    switch (c)
      {
      case 'r':
        root = optarg;
        break;
      case 'h':
        fputs (usage, stdout);
        return 0;
      default:
        fputs (usage, stderr);
        return 2;
      }
  if (optind == argc)
    {
      fputs (usage, stderr);
      return 2;
    }
  static const struct
  {
    const char *name;
    int (*fn) (const char *root, int argc, char **argv);
  } cmds[] = { { "create", cmd_create },   { "ls", cmd_ls },         { "list", cmd_ls },
               { "inspect", cmd_inspect }, { "rm", cmd_rm },         { "remove", cmd_rm },
               { "prune", cmd_prune },     { "attach", cmd_attach }, { "detach", cmd_detach } };
  const char *cmd = argv[optind];
  argc -= optind;
  argv += optind;
  /* 0, not 1: glibc then starts afresh, forgetting the "+" (stop at the
     command) of the parse above, so the command's options may follow its
     arguments.  */
  optind = 0;
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp (cmd, cmds[i].name) == 0)
      return cmds[i].fn (root, argc, argv);
  fprintf (stderr, "tong-volume: unknown command `%s`\n%s", cmd, usage);
  return 2;
}
