/* The unified (v2) driver.  Interim: the full driver is on the cgv2 branch;
   until it is merged a v2 host gets a clear error rather than a half driver.  */
#include "cgroup.h"

static int
v2_missing (struct tong_err *err)
{
  return tong_err_set (err, 0, "cgroup v2 hosts: this build of tong has no v2 driver");
}
static int
v2_create (struct tong_cgroup *cg, const struct cg_resources *r, struct tong_err *err)
{
  (void) cg, (void) r;
  return v2_missing (err);
}
static int
v2_enter (struct tong_cgroup *cg, pid_t pid, struct tong_err *err)
{
  (void) cg, (void) pid;
  return v2_missing (err);
}
static int
v2_set (struct tong_cgroup *cg, const struct cg_resources *r, const struct cg_device_rule *d,
        size_t n, bool update, struct tong_err *err)
{
  (void) cg, (void) r, (void) d, (void) n, (void) update;
  return v2_missing (err);
}
static int
v2_freeze (struct tong_cgroup *cg, bool f, struct tong_err *err)
{
  (void) cg, (void) f;
  return v2_missing (err);
}
static int
v2_frozen (struct tong_cgroup *cg)
{
  (void) cg;
  return -1;
}
static int
v2_pids (struct tong_cgroup *cg, pid_t **out, size_t *n, struct tong_err *err)
{
  (void) cg, (void) out, (void) n;
  return v2_missing (err);
}
static int
v2_stats (struct tong_cgroup *cg, struct json_writer *w, struct tong_err *err)
{
  (void) cg, (void) w;
  return v2_missing (err);
}
static int
v2_oom_fd (struct tong_cgroup *cg, struct tong_err *err)
{
  (void) cg;
  return v2_missing (err);
}
static int
v2_oom_check (struct tong_cgroup *cg, int fd)
{
  (void) cg, (void) fd;
  return 0;
}
static int
v2_destroy (struct tong_cgroup *cg, struct tong_err *err)
{
  (void) cg;
  return v2_missing (err);
}
const struct cgroup_driver cgroup_driver_v2 = {
  "unified (v2)", v2_create, v2_enter, v2_set, v2_freeze, v2_frozen,
  v2_pids, v2_stats, v2_oom_fd, v2_oom_check, v2_destroy,
};
