/* tong-volume: spec parsing, name validation, container path normalization
   and where a new mount goes among the existing ones.  */
#include "unit.h"
#include "volume.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cleanup.h"
#include "fileutil.h"

static struct json_value *
parse (const char *text)
{
  struct json_value *v = NULL;
  if (json_parse (text, strlen (text), &v, NULL) < 0)
    return NULL;
  return v;
}

static void
test_names (void)
{
  UNIT_CHECK (vol_name_valid ("data", NULL) == 0, "name data", "refused");
  UNIT_CHECK (vol_name_valid ("a.b_c-1", NULL) == 0, "name with . _ -", "refused");
  UNIT_CHECK (vol_name_valid ("x", NULL) < 0, "one character refused", "accepted");
  UNIT_CHECK (vol_name_valid ("-x", NULL) < 0, "leading - refused", "accepted");
  UNIT_CHECK (vol_name_valid ("..", NULL) < 0, ".. refused", "accepted");
  UNIT_CHECK (vol_name_valid ("a/b", NULL) < 0, "slash refused", "accepted");
  UNIT_CHECK (vol_name_valid ("", NULL) < 0, "empty refused", "accepted");
}

static void
test_specs (void)
{
  struct vspec v;
  struct tong_err err = { 0 };
  UNIT_CHECK (vspec_parse ("data:/srv/data", &v, &err) == 0, "NAME:/path", "%s", err.msg);
  UNIT_CHECK (v.kind == VSPEC_VOLUME && !v.ro && !v.nocopy, "NAME:/path is a rw volume", "kind %d",
              v.kind);
  UNIT_STREQ (v.name, "data", "NAME:/path name");
  UNIT_STREQ (v.dest, "/srv/data", "NAME:/path dest");
  vspec_clear (&v);

  UNIT_CHECK (vspec_parse ("data:/srv//data/:ro:nocopy", &v, &err) == 0, "ro and nocopy", "%s",
              err.msg);
  UNIT_CHECK (v.ro && v.nocopy, "ro and nocopy set", "ro %d nocopy %d", v.ro, v.nocopy);
  UNIT_STREQ (v.dest, "/srv/data", "dest normalized");
  vspec_clear (&v);

  UNIT_CHECK (vspec_parse ("data:/d:ro,nocopy", &v, &err) == 0 && v.ro && v.nocopy,
              "comma-separated options", "%s", err.msg);
  vspec_clear (&v);

  UNIT_CHECK (vspec_parse ("/host/dir:/d:ro", &v, &err) == 0 && v.kind == VSPEC_BIND && v.ro,
              "bind ro", "%s", err.msg);
  UNIT_STREQ (v.host, "/host/dir", "bind host");
  vspec_clear (&v);

  UNIT_CHECK (vspec_parse ("/cache", &v, &err) == 0 && v.kind == VSPEC_ANON, "anonymous", "%s",
              err.msg);
  vspec_clear (&v);

  static const char *const bad[]
      = { "data:relative", "data:/a/../b", "x:/d", "bad name:/d", "data:/d:rx", "data:/d:ro:rw",
          "/h:/d:nocopy",  "data:/",       "" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char name[128];
      snprintf (name, sizeof name, "refused `%s`", bad[i]);
      int r = vspec_parse (bad[i], &v, &err);
      UNIT_CHECK (r < 0, name, "accepted");
      if (r == 0)
        vspec_clear (&v);
    }
}

static void
test_insert_index (void)
{
  struct json_value *m = parse ("[{\"destination\":\"/proc\"},{\"destination\":\"/dev\"},"
                                "{\"destination\":\"/srv/data/sub\"},{\"destination\":\"/srv\"},"
                                "{\"destination\":\"/tmp\"}]");
  UNIT_CHECK (m != NULL, "parse mounts", "failed");
  if (m == NULL)
    return;
  UNIT_CHECK (mount_insert_index (m, "/opt") == 5, "unrelated: appended", "got %zu",
              mount_insert_index (m, "/opt"));
  /* /srv/data: after its parent /srv (index 3); the child /srv/data/sub
     comes before that parent already, so the parent wins.  */
  UNIT_CHECK (mount_insert_index (m, "/srv/data") == 5, "after the parent /srv", "got %zu",
              mount_insert_index (m, "/srv/data"));
  UNIT_CHECK (mount_insert_index (m, "/dev/x") == 5, "under /dev: after /dev", "got %zu",
              mount_insert_index (m, "/dev/x"));
  json_free (m);
  m = parse ("[{\"destination\":\"/proc\"},{\"destination\":\"/data/sub\"},"
             "{\"destination\":\"/tmp\"}]");
  UNIT_CHECK (mount_insert_index (m, "/data") == 1, "before a child mount", "got %zu",
              mount_insert_index (m, "/data"));
  json_free (m);
}

static void
test_jv (void)
{
  struct json_value *o = jv_obj ();
  jv_obj_set (o, "a", jv_str ("1"));
  jv_obj_set (o, "b", jv_str ("2"));
  jv_obj_set (o, "a", jv_str ("3"));
  UNIT_STREQ (jv_get_str (o, "a"), "3", "set replaces");
  jv_obj_del (o, "a");
  UNIT_CHECK (json_get (o, "a") == NULL && o->u.object.len == 1, "del", "len %zu", o->u.object.len);
  struct json_value *a = jv_arr ();
  jv_arr_insert (a, 0, jv_str ("x"));
  jv_arr_insert (a, 0, jv_str ("y"));
  jv_arr_insert (a, 2, jv_str ("z"));
  jv_arr_remove (a, 1);
  UNIT_CHECK (a->u.array.len == 2 && strcmp (a->u.array.items[0]->u.string, "y") == 0
                  && strcmp (a->u.array.items[1]->u.string, "z") == 0,
              "array insert/remove", "len %zu", a->u.array.len);
  json_free (a);
  json_free (o);
}

static int
put (const char *path, const char *text)
{
  struct tong_err err;
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  int r = write_all_fd (fd, text, strlen (text));
  close (fd);
  (void)err;
  return r;
}

static void
test_copy_tree (const char *tmp)
{
  char src[512], dst[512], p[600], q[600];
  snprintf (src, sizeof src, "%s/src", tmp);
  snprintf (dst, sizeof dst, "%s/dst", tmp);
  mkdir (src, 0750);
  mkdir (dst, 0755);
  snprintf (p, sizeof p, "%s/sub", src);
  mkdir (p, 0700);
  snprintf (p, sizeof p, "%s/sub/f", src);
  put (p, "hello");
  chmod (p, 0604);
  snprintf (q, sizeof q, "%s/sub/hard", src);
  link (p, q);
  snprintf (p, sizeof p, "%s/link", src);
  symlink ("sub/f", p);
  struct timespec ts[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };
  snprintf (p, sizeof p, "%s/sub/f", src);
  utimensat (AT_FDCWD, p, ts, 0);

  int s = open (src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int d = open (dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct tong_err err = { 0 };
  UNIT_CHECK (dir_is_empty (d, &err) == 1, "destination empty before", "%s", err.msg);
  UNIT_CHECK (copy_tree (s, d, &err) == 0, "copy_tree", "%s", err.msg);
  UNIT_CHECK (dir_is_empty (d, &err) == 0, "destination not empty after", "%s", err.msg);
  close (s);
  close (d);

  cleanup_free char *text = NULL;
  snprintf (p, sizeof p, "%s/sub/f", dst);
  UNIT_CHECK (read_file (p, &text, NULL, &err) == 0 && strcmp (text, "hello") == 0,
              "file content copied", "%s", text ? text : err.msg);
  struct stat a, b;
  UNIT_CHECK (stat (p, &a) == 0 && (a.st_mode & 07777) == 0604, "file mode kept", "mode %o",
              a.st_mode & 07777);
  UNIT_CHECK (a.st_mtim.tv_sec == 1000000000, "file mtime kept", "mtime %ld",
              (long)a.st_mtim.tv_sec);
  snprintf (q, sizeof q, "%s/sub/hard", dst);
  UNIT_CHECK (stat (q, &b) == 0 && a.st_ino == b.st_ino, "hard link kept", "inodes differ");
  char target[64] = "";
  snprintf (p, sizeof p, "%s/link", dst);
  ssize_t n = readlink (p, target, sizeof target - 1);
  target[n > 0 ? n : 0] = '\0';
  UNIT_STREQ (target, "sub/f", "symlink kept as a symlink");
  snprintf (p, sizeof p, "%s/sub", dst);
  UNIT_CHECK (stat (p, &a) == 0 && (a.st_mode & 07777) == 0700, "subdir mode kept", "mode %o",
              a.st_mode & 07777);
  UNIT_CHECK (stat (dst, &a) == 0 && (a.st_mode & 07777) == 0750,
              "the destination root takes the source's mode", "mode %o", a.st_mode & 07777);
}

static void
test_store (const char *tmp)
{
  char root[512];
  struct vol_store s;
  struct tong_err err = { 0 };
  snprintf (root, sizeof root, "%s/volumes", tmp);
  UNIT_CHECK (vol_store_open (&s, root, true, &err) == 0, "store open", "%s", err.msg);
  char *labels[] = { (char *)"a=1", (char *)"flag" };
  UNIT_CHECK (vol_create (&s, "vol1", labels, 2, false, &err) == 0, "create", "%s", err.msg);
  UNIT_CHECK (vol_create (&s, "vol1", NULL, 0, false, &err) < 0, "create twice refused",
              "accepted");
  char *bad[] = { (char *)"=x" };
  UNIT_CHECK (vol_create (&s, "vol2", bad, 1, false, &err) < 0 && !vol_exists (&s, "vol2"),
              "a bad label leaves nothing", "created");
  struct vol_meta m;
  UNIT_CHECK (vol_meta_read (&s, "vol1", &m, &err) == 0, "meta read", "%s", err.msg);
  UNIT_CHECK (vol_label_match (&m, "a") && vol_label_match (&m, "a=1")
                  && !vol_label_match (&m, "a=2") && vol_label_match (&m, "flag=")
                  && !vol_label_match (&m, "b"),
              "label filters", "mismatch");
  UNIT_CHECK (m.n_used == 0 && !m.anonymous, "fresh volume: unused, named", "n_used %zu", m.n_used);
  vol_meta_clear (&m);
  cleanup_free char *mp = vol_mountpoint (&s, "vol1");
  cleanup_free char *name = vol_name_of_source (&s, mp);
  UNIT_STREQ (name, "vol1", "name of a mountpoint");
  char other[600];
  snprintf (other, sizeof other, "%s/vol1/other", s.root);
  UNIT_CHECK (vol_name_of_source (&s, other) == NULL, "not a mountpoint", "matched");
  UNIT_CHECK (vol_add_user (&s, "vol1", "/nonexistent/bundle", &err) == 0, "add user", "%s",
              err.msg);
  vol_meta_read (&s, "vol1", &m, &err);
  UNIT_CHECK (m.n_used == 1 && vol_live_users (&s, &m, NULL) == 0,
              "a missing bundle is recorded but not live", "n_used %zu", m.n_used);
  vol_meta_clear (&m);
  UNIT_CHECK (vol_drop_user (&s, "vol1", "/nonexistent/bundle", &err) == 0, "drop user", "%s",
              err.msg);
  char rnd[65];
  UNIT_CHECK (vol_random_name (rnd, &err) == 0 && strlen (rnd) == 64
                  && vol_name_valid (rnd, NULL) == 0,
              "random names are valid", "%s", rnd);
  vol_create (&s, "avol", NULL, 0, true, &err);
  cleanup_strv char **names = NULL;
  UNIT_CHECK (vol_list (&s, &names, &err) == 0 && names[0] && names[1] && !names[2]
                  && strcmp (names[0], "avol") == 0 && strcmp (names[1], "vol1") == 0,
              "list, sorted", "%s", err.msg);
  UNIT_CHECK (vol_remove (&s, "vol1", &err) == 0 && !vol_exists (&s, "vol1"), "remove", "%s",
              err.msg);
  UNIT_CHECK (vol_remove (&s, "vol1", &err) < 0 && err.errnum == ENOENT, "remove missing: ENOENT",
              "errnum %d", err.errnum);
  vol_store_close (&s);
}

int
main (void)
{
  test_names ();
  test_specs ();
  test_insert_index ();
  test_jv ();
  char tmp[] = "/tmp/test-volume.XXXXXX";
  if (mkdtemp (tmp) == NULL)
    {
      UNIT_CHECK (0, "mkdtemp", "failed");
      return unit_done ();
    }
  test_copy_tree (tmp);
  test_store (tmp);
  struct tong_err err;
  char *base = strrchr (tmp, '/');
  *base = '\0';
  cleanup_close int fd = open (tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  remove_tree_at (fd, base + 1, &err);
  return unit_done ();
}
