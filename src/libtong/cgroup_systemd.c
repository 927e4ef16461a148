/* --systemd-cgroup paths: "slice:prefix:name", as runc takes them, and the
   unit and cgroup names systemd gives them.  */
#include "cgroup.h"
#include "cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cg_systemd_path_free (struct cg_systemd_path *p)
{
  free (p->slice);
  free (p->prefix);
  free (p->name);
  free (p->unit);
  memset (p, 0, sizeof *p);
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

int
cg_systemd_parse (const char *cgroups_path, const char *id, struct cg_systemd_path *p,
                  struct tong_err *err)
{
  memset (p, 0, sizeof *p);
  const char *slice = "", *prefix = "tong", *name = id;
  cleanup_free char *copy = NULL;
  if (cgroups_path && *cgroups_path)
    {
      copy = strdup (cgroups_path);
      if (copy == NULL)
        return tong_err_set (err, ENOMEM, "cgroupsPath");
      char *c1 = strchr (copy, ':');
      char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL || strchr (c2 + 1, ':'))
        return tong_err_set (err, 0,
                             "linux.cgroupsPath: \"%s\": with --systemd-cgroup it must be "
                             "\"slice:prefix:name\"",
                             cgroups_path);
      *c1 = *c2 = '\0';
      slice = copy;
      prefix = c1 + 1;
      name = c2 + 1;
    }
  if (*slice && !ends_with (slice, ".slice"))
    return tong_err_set (err, 0, "linux.cgroupsPath: \"%s\" is not a slice name (*.slice)",
                         slice);
  if (strchr (slice, '/') || strchr (prefix, '/') || strchr (name, '/'))
    return tong_err_set (err, 0, "linux.cgroupsPath: a systemd unit name has no '/'");
  if (*name == '\0')
    return tong_err_set (err, 0, "linux.cgroupsPath: the unit name is empty");
  p->slice = strdup (*slice ? slice : "system.slice");
  p->prefix = strdup (prefix);
  p->name = strdup (name);
  if (ends_with (name, ".slice"))
    p->unit = strdup (name);
  else if (*prefix)
    {
      if (asprintf (&p->unit, "%s-%s.scope", prefix, name) < 0)
        p->unit = NULL;
    }
  else if (asprintf (&p->unit, "%s.scope", name) < 0)
    p->unit = NULL;
  if (!p->slice || !p->prefix || !p->name || !p->unit)
    {
      cg_systemd_path_free (p);
      return tong_err_set (err, ENOMEM, "cgroupsPath");
    }
  return 0;
}

int
cg_systemd_expand_slice (const char *slice, char **out, struct tong_err *err)
{
  *out = NULL;
  if (strcmp (slice, "-.slice") == 0)
    return (*out = strdup ("/")) ? 0 : tong_err_set (err, ENOMEM, "slice");
  if (!ends_with (slice, ".slice") || strchr (slice, '/'))
    return tong_err_set (err, 0, "invalid slice name \"%s\"", slice);
  size_t n = strlen (slice) - strlen (".slice");
  if (n == 0 || slice[0] == '-' || slice[n - 1] == '-' || strstr (slice, "--"))
    return tong_err_set (err, 0, "invalid slice name \"%s\"", slice);
  /* Each dash-separated prefix is a parent slice: a-b.slice lives in a.slice.  */
  size_t cap = 2 * (n + 8) * (n + 1) + 1;
  char *s = malloc (cap);
  if (s == NULL)
    return tong_err_set (err, ENOMEM, "slice");
  size_t len = 0;
  for (size_t i = 0; i <= n; i++)
    if (i == n || slice[i] == '-')
      len += (size_t) snprintf (s + len, cap - len, "/%.*s.slice", (int) i, slice);
  *out = s;
  return 0;
}
