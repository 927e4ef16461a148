/* Is a volume mounted anywhere right now?  A container made from a bundle
   that no longer names the volume (detached while it ran) still has it
   mounted; removing the data then would pull it from under that container.
   Every mount namespace's mountinfo is read once; a mount of the same
   device whose root is the volume's _data (or inside it) is a use.  */
#include "volume.h"
#include "cleanup.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo.  */
static void
unescape (char *s)
{
  char *o = s;
  for (char *p = s; *p; p++)
    if (p[0] == '\\' && isdigit ((unsigned char)p[1]) && isdigit ((unsigned char)p[2])
        && isdigit ((unsigned char)p[3]))
      {
        *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
        p += 3;
      }
    else
      *o++ = *p;
  *o = '\0';
}

struct mi_line
{
  unsigned maj, min;
  char root[PATH_MAX];
  char point[PATH_MAX];
};

static bool
parse_line (char *line, struct mi_line *m)
{
  /* id parent maj:min root mountpoint ...  */
  char root[PATH_MAX], point[PATH_MAX];
  if (sscanf (line, "%*u %*u %u:%u %4095s %4095s", &m->maj, &m->min, root, point) != 4)
    return false;
  unescape (root);
  unescape (point);
  snprintf (m->root, sizeof m->root, "%s", root);
  snprintf (m->point, sizeof m->point, "%s", point);
  return true;
}

static bool
under (const char *a, const char *b)
{
  size_t n = strlen (b);
  if (n == 1 && b[0] == '/')
    return a[0] == '/';
  return strncmp (a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* PATH as the root field of a mount of its filesystem would show it: the
   path below the mount it lives on, plus that mount's own root.  */
static int
fs_relative (const char *path, dev_t dev, char *rel, size_t len)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  char line[3 * PATH_MAX];
  size_t best = 0;
  bool found = false;
  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f))
    {
      struct mi_line m;
      if (!parse_line (line, &m) || makedev (m.maj, m.min) != dev || !under (path, m.point))
        continue;
      size_t pl = strlen (m.point);
      if (found && pl < best)
        continue;
      best = pl;
      found = true;
      const char *tail = path + (pl == 1 ? 0 : pl);
      snprintf (rel, len, "%s%s", strcmp (m.root, "/") == 0 && *tail ? "" : m.root, tail);
    }
  return found ? 0 : -1;
}

pid_t
vol_mounted_by (const struct vol_store *s, const char *name)
{
  cleanup_free char *mp = vol_mountpoint (s, name);
  struct stat st;
  char rel[PATH_MAX];
  if (mp == NULL || stat (mp, &st) < 0 || fs_relative (mp, st.st_dev, rel, sizeof rel) < 0)
    return 0;
  DIR *d = opendir ("/proc");
  if (d == NULL)
    return 0;
  ino_t *seen = NULL;
  size_t n_seen = 0;
  pid_t found = 0;
  struct dirent *de;
  while (found == 0 && (de = readdir (d)) != NULL)
    {
      char *end;
      long pid = strtol (de->d_name, &end, 10);
      if (*end || pid <= 0)
        continue;
      char path[64];
      struct stat ns;
      snprintf (path, sizeof path, "/proc/%ld/ns/mnt", pid);
      if (stat (path, &ns) < 0)
        continue;
      bool dup = false;
      for (size_t i = 0; i < n_seen && !dup; i++)
        dup = seen[i] == ns.st_ino;
      if (dup)
        continue;
      ino_t *ns_list = realloc (seen, (n_seen + 1) * sizeof *seen);
      if (ns_list == NULL)
        break;
      seen = ns_list;
      seen[n_seen++] = ns.st_ino;
      snprintf (path, sizeof path, "/proc/%ld/mountinfo", pid);
      cleanup_fclose FILE *f = fopen (path, "re");
      char line[3 * PATH_MAX];
      while (f && fgets (line, sizeof line, f))
        {
          struct mi_line m;
          if (parse_line (line, &m) && makedev (m.maj, m.min) == st.st_dev && under (m.root, rel))
            {
              found = (pid_t)pid;
              break;
            }
        }
    }
  free (seen);
  closedir (d);
  return found;
}
