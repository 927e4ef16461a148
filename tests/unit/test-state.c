/* State: id validation, the state.json round trip, status from the process.  */
#include "libtong/state.h"
#include "cleanup.h"
#include "fileutil.h"
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (void)
{
  struct tong_err err = { 0 };
  const char *good[] = { "a", "my-container_1.2+x", "ABC", "0" };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    UNIT_CHECK (state_validate_id (good[i], &err) == 0, "valid id", "`%s`: %s", good[i],
                err.msg);
  const char *bad[] = { "", ".", "..", "../x", "a/b", "a b", "x\n", "é" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    UNIT_CHECK (state_validate_id (bad[i], &err) < 0, "invalid id refused", "`%s` accepted",
                bad[i]);
  char longid[1100];
  memset (longid, 'a', sizeof longid - 1);
  longid[sizeof longid - 1] = '\0';
  UNIT_CHECK (state_validate_id (longid, &err) < 0, "over-long id refused", "accepted");

  char tmpl[] = "/tmp/tong-test-state-XXXXXX";
  UNIT_CHECK (mkdtemp (tmpl) != NULL, "temp dir", "mkdtemp failed");
  cleanup_close int rootfd = state_root_open (tmpl, true, &err);
  UNIT_CHECK (rootfd >= 0, "open root", "%s", err.msg);
  int dirfd = state_dir_create (rootfd, "c1", &err);
  UNIT_CHECK (dirfd >= 0, "create state dir", "%s", err.msg);
  UNIT_CHECK (state_dir_create (rootfd, "c1", &err) < 0 && strstr (err.msg, "already exists"),
              "duplicate id refused", "%s", err.msg);
  struct stat sb;
  UNIT_CHECK (fstat (dirfd, &sb) == 0 && (sb.st_mode & 0777) == 0700, "state dir is 0700",
              "mode %o", sb.st_mode & 0777);

  /* A live child of ours stands in for the container process.  */
  pid_t child = fork ();
  if (child == 0)
    {
      pause ();
      _exit (0);
    }
  struct tong_state st = { 0 };
  st.oci_version = strdup ("1.3.0");
  st.id = strdup ("c1");
  st.bundle = strdup ("/b");
  st.rootfs = strdup ("/b/rootfs");
  st.created = strdup ("2026-01-01T00:00:00.000000000Z");
  st.owner = strdup ("");
  st.pid = child;
  st.has_pidns = true;
  UNIT_CHECK (proc_stat (child, &st.start_time, NULL) == 0, "proc_stat of a live process",
              "failed");
  const char *ann = "{\"x\":\"y\"}";
  json_parse (ann, strlen (ann), &st.annotations, &err);
  UNIT_CHECK (state_write (dirfd, &st, &err) == 0, "state_write", "%s", err.msg);

  struct tong_state r;
  UNIT_CHECK (state_read (dirfd, &r, &err) == 0, "state_read", "%s", err.msg);
  UNIT_STREQ (r.id, "c1", "id round trip");
  UNIT_STREQ (r.bundle, "/b", "bundle round trip");
  UNIT_CHECK (r.pid == child && r.start_time == st.start_time && r.has_pidns,
              "pid, start time, pidns round trip", "pid %d", (int) r.pid);
  UNIT_CHECK (r.status == TONG_STATUS_RUNNING, "live process, no exec.sock: running",
              "status %s", tong_status_name (r.status));
  char *js = state_to_json (&r, false);
  UNIT_CHECK (js && strstr (js, "\"status\":\"running\"") && strstr (js, "\"annotations\":{\"x\":\"y\"}")
                  && strstr (js, "\"rootfs\":\"/b/rootfs\""),
              "state JSON fields", "%s", js ? js : "(null)");
  free (js);

  /* exec.sock present: created.  */
  int s = openat (dirfd, "exec.sock", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  close (s);
  state_refresh (dirfd, &r);
  UNIT_CHECK (r.status == TONG_STATUS_CREATED, "exec.sock present: created", "status %s",
              tong_status_name (r.status));

  /* A pid whose start time differs is someone else's: stopped.  */
  r.start_time++;
  state_refresh (dirfd, &r);
  UNIT_CHECK (r.status == TONG_STATUS_STOPPED, "pid reuse detected: stopped", "status %s",
              tong_status_name (r.status));
  r.start_time--;

  /* A zombie counts as stopped.  */
  kill (child, SIGKILL);
  siginfo_t si;
  waitid (P_PID, child, &si, WEXITED | WNOWAIT);
  state_refresh (dirfd, &r);
  UNIT_CHECK (r.status == TONG_STATUS_STOPPED, "zombie: stopped", "status %s",
              tong_status_name (r.status));
  js = state_to_json (&r, false);
  UNIT_CHECK (js && strstr (js, "\"pid\":0"), "stopped state has pid 0", "%s", js);
  free (js);
  waitpid (child, NULL, 0);

  state_clear (&r);
  state_clear (&st);
  close (dirfd);
  UNIT_CHECK (remove_tree_at (AT_FDCWD, tmpl, &err) == 0, "remove temp tree", "%s", err.msg);
  return unit_done ();
}
