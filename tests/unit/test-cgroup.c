/* Cgroup logic that needs no root: linux.resources parsing and merging,
   value conversions, device rules, systemd path parsing, path joins.  */
#include "libtong/cgroup.h"
#include "unit.h"

#include <stdlib.h>

static int
parse (const char *text, struct cg_resources *r, struct tong_err *err)
{
  struct json_value *v = NULL;
  if (json_parse (text, strlen (text), &v, err) < 0)
    return -1;
  int ret = cg_resources_parse (v, "linux.resources", r, err);
  json_free (v);
  return ret;
}

static void
check_bad (const char *text, const char *needle)
{
  struct cg_resources r;
  struct tong_err err = { 0 };
  char name[200];
  snprintf (name, sizeof name, "refused: %s", text);
  int ret = parse (text, &r, &err);
  UNIT_CHECK (ret < 0 && strstr (err.msg, needle), name, "ret %d, msg `%s`, want `%s`", ret,
              err.msg, needle);
  if (ret == 0)
    cg_resources_free (&r);
}

static void
test_parse (void)
{
  struct cg_resources r;
  struct tong_err err = { 0 };
  int ret = parse ("{\"memory\":{\"limit\":1048576,\"swap\":-1,\"disableOOMKiller\":true},"
                   "\"cpu\":{\"shares\":1024,\"quota\":-1,\"cpus\":\"0-1\"},"
                   "\"pids\":{\"limit\":64},"
                   "\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,"
                   "\"minor\":0,\"rate\":100}]},"
                   "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
                   "\"network\":{\"classID\":7,\"priorities\":[{\"name\":\"eth0\","
                   "\"priority\":3}]},"
                   "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}},"
                   "\"unified\":{\"memory.high\":\"max\"},"
                   "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,"
                   "\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"wr\"},{\"allow\":true,"
                   "\"type\":\"p\"}]}",
                   &r, &err);
  UNIT_CHECK (ret == 0, "a full resources object parses", "%s", err.msg);
  if (ret < 0)
    return;
  UNIT_CHECK (r.memory.limit.set && r.memory.limit.v == 1048576, "memory.limit", "wrong");
  UNIT_CHECK (r.memory.swap.set && r.memory.swap.v == -1, "memory.swap -1", "wrong");
  UNIT_CHECK (!r.memory.reservation.set, "absent memory.reservation is unset", "set");
  UNIT_CHECK (r.memory.disable_oom_killer.set && r.memory.disable_oom_killer.v,
              "memory.disableOOMKiller", "wrong");
  UNIT_CHECK (r.cpu.shares.v == 1024 && r.cpu.quota.v == -1, "cpu shares and quota", "wrong");
  UNIT_STREQ (r.cpu.cpus, "0-1", "cpu.cpus");
  UNIT_CHECK (r.pids_limit.set && r.pids_limit.v == 64, "pids.limit", "wrong");
  UNIT_CHECK (r.blkio.weight.v == 500 && r.blkio.n_throttle[CG_THROTTLE_READ_BPS] == 1
                  && r.blkio.throttle[CG_THROTTLE_READ_BPS][0].rate == 100,
              "blockIO", "wrong");
  UNIT_CHECK (r.n_hugepages == 1 && r.hugepages[0].limit == 4194304, "hugepageLimits", "wrong");
  UNIT_STREQ (r.hugepages[0].page_size, "2MB", "hugepage size");
  UNIT_CHECK (r.network.class_id.v == 7 && r.network.n_priorities == 1
                  && r.network.priorities[0].priority == 3,
              "network", "wrong");
  UNIT_CHECK (r.n_rdma == 1 && r.rdma[0].hca_handles.v == 3 && !r.rdma[0].hca_objects.set,
              "rdma", "wrong");
  UNIT_CHECK (r.n_unified == 1, "unified", "n %zu", r.n_unified);
  UNIT_CHECK (r.has_devices && r.n_devices == 2, "devices (the fifo rule dropped)", "n %zu",
              r.n_devices);
  UNIT_CHECK (r.devices[0].type == 'a' && !r.devices[0].allow && r.devices[0].major == -1,
              "devices[0]: deny all", "wrong");
  UNIT_STREQ (r.devices[1].access, "rw", "access letters normalized to rwm order");
  UNIT_CHECK (cg_resources_any (&r), "any", "false");

  /* update: flags over a file.  */
  struct cg_resources f;
  ret = parse ("{\"memory\":{\"limit\":2097152},\"cpu\":{\"cpus\":\"1\"}}", &f, &err);
  UNIT_CHECK (ret == 0, "second object parses", "%s", err.msg);
  cg_resources_merge (&r, &f, &err);
  UNIT_CHECK (r.memory.limit.v == 2097152, "merge: limit overridden", "got %lld",
              (long long) r.memory.limit.v);
  UNIT_CHECK (r.memory.swap.v == -1, "merge: swap kept", "wrong");
  UNIT_STREQ (r.cpu.cpus, "1", "merge: cpus overridden");
  UNIT_CHECK (r.pids_limit.v == 64, "merge: pids kept", "wrong");
  cg_resources_free (&f);
  cg_resources_free (&r);

  ret = parse ("{}", &r, &err);
  UNIT_CHECK (ret == 0 && !cg_resources_any (&r), "empty object: nothing requested", "wrong");
  cg_resources_free (&r);

  check_bad ("{\"memory\":{\"limit\":\"x\"}}", "linux.resources.memory.limit");
  check_bad ("{\"memory\":{\"swappiness\":101}}", "linux.resources.memory.swappiness");
  check_bad ("{\"pids\":{\"limit\":true}}", "linux.resources.pids.limit");
  check_bad ("{\"cpu\":[]}", "linux.resources.cpu");
  check_bad ("{\"devices\":[{\"allow\":true,\"type\":\"q\"}]}",
             "linux.resources.devices[0].type");
  check_bad ("{\"devices\":[{\"type\":\"c\"}]}", "linux.resources.devices[0].allow");
  check_bad ("{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}",
             "linux.resources.devices[0].access");
  check_bad ("{\"blockIO\":{\"weightDevice\":[{\"minor\":1}]}}",
             "linux.resources.blockIO.weightDevice[0].major");
  check_bad ("{\"unified\":{\"../x\":\"1\"}}", "linux.resources.unified");
  check_bad ("{\"hugepageLimits\":[{\"limit\":1}]}", "linux.resources.hugepageLimits[0].pageSize");
}

static void
test_conversions (void)
{
  UNIT_CHECK (cg_shares_to_weight (2) == 1, "shares 2 -> weight 1", "got %llu",
              (unsigned long long) cg_shares_to_weight (2));
  UNIT_CHECK (cg_shares_to_weight (262144) == 10000, "shares 262144 -> weight 10000", "got %llu",
              (unsigned long long) cg_shares_to_weight (262144));
  UNIT_CHECK (cg_shares_to_weight (1024) == 39, "shares 1024 -> weight 39", "got %llu",
              (unsigned long long) cg_shares_to_weight (1024));
  UNIT_CHECK (cg_blkio_weight_to_io (10) == 1 && cg_blkio_weight_to_io (1000) == 10000,
              "blkio weight range", "wrong");
  char buf[64];
  struct cg_i64 q = { true, 50000 };
  struct cg_u64 p = { true, 100000 };
  cg_cpu_max (buf, sizeof buf, &q, &p, 0);
  UNIT_STREQ (buf, "50000 100000", "cpu.max quota and period");
  q.v = -1;
  cg_cpu_max (buf, sizeof buf, &q, NULL, 250000);
  UNIT_STREQ (buf, "max 250000", "cpu.max unlimited keeps the current period");
  int64_t out;
  struct tong_err err = { 0 };
  UNIT_CHECK (cg_swap_v2 (3 << 20, 1 << 20, &out, "swap", &err) == 0 && out == 2 << 20,
              "v2 swap = memory+swap - memory", "got %lld", (long long) out);
  UNIT_CHECK (cg_swap_v2 (-1, 1 << 20, &out, "swap", &err) == 0 && out == -1, "v2 swap -1",
              "wrong");
  UNIT_CHECK (cg_swap_v2 (1 << 20, 2 << 20, &out, "memory.swap", &err) < 0
                  && strstr (err.msg, "memory.swap"),
              "v2 swap below the limit is refused", "%s", err.msg);
}

static void
test_devices (void)
{
  struct cg_resources r;
  struct tong_err err = { 0 };
  parse ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"b\","
         "\"major\":8,\"access\":\"r\"}]}",
         &r, &err);
  struct cg_device_rule *rules = NULL;
  size_t n = 0;
  UNIT_CHECK (cg_device_rules (&r, &rules, &n, &err) == 0, "device rules", "%s", err.msg);
  char buf[64];
  cg_device_rule_format (&rules[0], buf, sizeof buf);
  UNIT_STREQ (buf, "a *:* rwm", "first rule: deny all");
  UNIT_CHECK (!rules[0].allow, "first rule denies", "allows");
  cg_device_rule_format (&rules[2], buf, sizeof buf);
  UNIT_STREQ (buf, "b 8:* r", "the config's rules come next, in order");
  bool has_null = false, has_pts = false;
  for (size_t i = 3; i < n; i++)
    {
      cg_device_rule_format (&rules[i], buf, sizeof buf);
      has_null = has_null || strcmp (buf, "c 1:3 rwm") == 0;
      has_pts = has_pts || strcmp (buf, "c 136:* rwm") == 0;
    }
  UNIT_CHECK (has_null && has_pts, "then the defaults (null, pts)", "missing");
  free (rules);
  cg_resources_free (&r);
}

static void
test_systemd (void)
{
  struct cg_systemd_path p;
  struct tong_err err = { 0 };
  UNIT_CHECK (cg_systemd_parse ("system.slice:docker:abc", "id", &p, &err) == 0, "slice:prefix:name",
              "%s", err.msg);
  UNIT_STREQ (p.slice, "system.slice", "slice");
  UNIT_STREQ (p.unit, "docker-abc.scope", "unit name prefix-name.scope");
  cg_systemd_path_free (&p);
  UNIT_CHECK (cg_systemd_parse (NULL, "c1", &p, &err) == 0, "default path", "%s", err.msg);
  UNIT_STREQ (p.slice, "system.slice", "default slice");
  UNIT_STREQ (p.unit, "tong-c1.scope", "default unit");
  cg_systemd_path_free (&p);
  UNIT_CHECK (cg_systemd_parse (":pre:x.slice", "id", &p, &err) == 0, "a slice as the name", "%s",
              err.msg);
  UNIT_STREQ (p.unit, "x.slice", "unit is the slice itself");
  cg_systemd_path_free (&p);
  UNIT_CHECK (cg_systemd_parse ("/a/b", "id", &p, &err) < 0
                  && strstr (err.msg, "linux.cgroupsPath"),
              "a plain path is refused with --systemd-cgroup", "%s", err.msg);
  UNIT_CHECK (cg_systemd_parse ("user:p:n", "id", &p, &err) < 0, "a slice without .slice refused",
              "accepted");
  char *s = NULL;
  UNIT_CHECK (cg_systemd_expand_slice ("a-b-c.slice", &s, &err) == 0, "expand a-b-c.slice", "%s",
              err.msg);
  UNIT_STREQ (s, "/a.slice/a-b.slice/a-b-c.slice", "nested slices");
  free (s);
  UNIT_CHECK (cg_systemd_expand_slice ("-.slice", &s, &err) == 0, "-.slice", "%s", err.msg);
  UNIT_STREQ (s, "/", "root slice");
  free (s);
  UNIT_CHECK (cg_systemd_expand_slice ("a--b.slice", &s, &err) < 0, "a--b.slice is invalid",
              "accepted");
  UNIT_CHECK (cg_systemd_expand_slice ("-a.slice", &s, &err) < 0, "-a.slice is invalid",
              "accepted");
}

static void
test_join (void)
{
  char *s = cg_join ("/process_api/x", "a/b");
  UNIT_STREQ (s, "/process_api/x/a/b", "relative below the own cgroup");
  free (s);
  s = cg_join ("/process_api/x", "/a//b/");
  UNIT_STREQ (s, "/a/b", "absolute, normalized");
  free (s);
  s = cg_join ("/", "id");
  UNIT_STREQ (s, "/id", "relative below the root");
  free (s);
}

int
main (void)
{
  test_parse ();
  test_conversions ();
  test_devices ();
  test_systemd ();
  test_join ();
  return unit_done ();
}
