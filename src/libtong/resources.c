/* The verbs that act on a container's cgroup: pause, resume, update, events.  */
#include "cgroup.h"
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "lifecycle.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Open and lock the container, and its cgroup.  */
static int
open_cgroup (struct tong_ctx *ctx, const char *id, struct tong_state *st, struct tong_cgroup *cg,
             struct tong_err *err)
{
  int dirfd = lifecycle_open_locked (ctx, id, st, err);
  if (dirfd < 0)
    return -1;
  if (cgroup_open (cg, st->cgroup_path, err) < 0)
    {
      tong_err_wrap (err, "container `%s`", id);
      close (dirfd);
      state_clear (st);
      return -1;
    }
  return dirfd;
}

static int
pause_resume (struct tong_ctx *ctx, const char *id, bool pause, struct tong_err *err)
{
  struct tong_state st;
  struct tong_cgroup cg;
  cleanup_close int dirfd = open_cgroup (ctx, id, &st, &cg, err);
  if (dirfd < 0)
    return -1;
  int ret;
  if (pause && st.status != TONG_STATUS_RUNNING && st.status != TONG_STATUS_CREATED)
    ret = tong_err_set (err, 0, "container `%s` is not running: %s", id,
                        tong_status_name (st.status));
  else if (!pause && st.status != TONG_STATUS_PAUSED)
    ret = tong_err_set (err, 0, "container `%s` is not paused", id);
  else
    ret = cgroup_freeze (&cg, pause, err);
  cgroup_clear (&cg);
  state_clear (&st);
  return ret;
}

int
tong_pause (struct tong_ctx *ctx, const char *id, struct tong_err *err)
{
  return pause_resume (ctx, id, true, err);
}

int
tong_resume (struct tong_ctx *ctx, const char *id, struct tong_err *err)
{
  return pause_resume (ctx, id, false, err);
}

/* "512m", "1g", "4096", "-1".  */
static int
parse_size (const char *flag, const char *s, struct cg_i64 *out, struct tong_err *err)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno || end == s)
    return tong_err_set (err, 0, "--%s: invalid size `%s`", flag, s);
  unsigned long long mul = 1;
  switch (*end)
    {
    case '\0':
      break;
    case 'b':
    case 'B':
      end++;
      break;
    case 'k':
    case 'K':
      mul = 1ULL << 10, end++;
      break;
    case 'm':
    case 'M':
      mul = 1ULL << 20, end++;
      break;
    case 'g':
    case 'G':
      mul = 1ULL << 30, end++;
      break;
    case 't':
    case 'T':
      mul = 1ULL << 40, end++;
      break;
    default:
      return tong_err_set (err, 0, "--%s: invalid size `%s`", flag, s);
    }
  if (mul > 1 && (*end == 'b' || *end == 'B'))
    end++;
  if (*end || (v < 0 && v != -1) || (v > 0 && (unsigned long long) v > INT64_MAX / mul))
    return tong_err_set (err, 0, "--%s: invalid size `%s`", flag, s);
  out->set = true;
  out->v = v < 0 ? -1 : (int64_t) (v * (long long) mul);
  return 0;
}

static int
parse_i64 (const char *flag, const char *s, struct cg_i64 *out, struct tong_err *err)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno || end == s || *end)
    return tong_err_set (err, 0, "--%s: invalid number `%s`", flag, s);
  out->set = true;
  out->v = v;
  return 0;
}

static int
parse_u64 (const char *flag, const char *s, struct cg_u64 *out, struct tong_err *err)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno || end == s || *end || *s == '-')
    return tong_err_set (err, 0, "--%s: invalid number `%s`", flag, s);
  out->set = true;
  out->v = v;
  return 0;
}

static int
flags_to_resources (const struct tong_update_opts *o, struct cg_resources *r,
                    struct tong_err *err)
{
  memset (r, 0, sizeof *r);
  if ((o->memory && parse_size ("memory", o->memory, &r->memory.limit, err) < 0)
      || (o->memory_reservation
          && parse_size ("memory-reservation", o->memory_reservation, &r->memory.reservation,
                         err)
                 < 0)
      || (o->memory_swap && parse_size ("memory-swap", o->memory_swap, &r->memory.swap, err) < 0)
      || (o->kernel_memory
          && parse_size ("kernel-memory", o->kernel_memory, &r->memory.kernel, err) < 0)
      || (o->kernel_memory_tcp
          && parse_size ("kernel-memory-tcp", o->kernel_memory_tcp, &r->memory.kernel_tcp, err)
                 < 0)
      || (o->cpu_shares && parse_u64 ("cpu-share", o->cpu_shares, &r->cpu.shares, err) < 0)
      || (o->cpu_quota && parse_i64 ("cpu-quota", o->cpu_quota, &r->cpu.quota, err) < 0)
      || (o->cpu_period && parse_u64 ("cpu-period", o->cpu_period, &r->cpu.period, err) < 0)
      || (o->cpu_rt_runtime
          && parse_i64 ("cpu-rt-runtime", o->cpu_rt_runtime, &r->cpu.realtime_runtime, err) < 0)
      || (o->cpu_rt_period
          && parse_u64 ("cpu-rt-period", o->cpu_rt_period, &r->cpu.realtime_period, err) < 0)
      || (o->blkio_weight
          && parse_u64 ("blkio-weight", o->blkio_weight, &r->blkio.weight, err) < 0)
      || (o->pids_limit && parse_i64 ("pids-limit", o->pids_limit, &r->pids_limit, err) < 0))
    return -1;
  if (o->cpuset_cpus && (r->cpu.cpus = strdup (o->cpuset_cpus)) == NULL)
    return tong_err_set (err, ENOMEM, "update");
  if (o->cpuset_mems && (r->cpu.mems = strdup (o->cpuset_mems)) == NULL)
    return tong_err_set (err, ENOMEM, "update");
  if (o->l3_cache_schema || o->mem_bw_schema)
    {
      const char *flag = o->l3_cache_schema ? "l3-cache-schema" : "mem-bw-schema";
      if (access ("/sys/fs/resctrl/schemata", F_OK) != 0)
        return tong_err_set (err, 0,
                             "--%s: Intel RDT is not enabled on this host (no resctrl "
                             "filesystem at /sys/fs/resctrl)",
                             flag);
      return tong_err_set (err, 0, "--%s: linux.intelRdt is not supported by tong", flag);
    }
  if (r->blkio.weight.set && r->blkio.weight.v && (r->blkio.weight.v < 10 || r->blkio.weight.v > 1000))
    return tong_err_set (err, 0, "--blkio-weight: %" PRIu64 " is out of range (10 to 1000)",
                         r->blkio.weight.v);
  return 0;
}

int
tong_update (struct tong_ctx *ctx, const char *id, const struct tong_update_opts *o,
             struct tong_err *err)
{
  struct tong_state st;
  struct tong_cgroup cg;
  struct cg_resources flags = { 0 };
  cleanup_free char *text = NULL;
  /* Read and check the input before touching the container.  */
  if (o->resources)
    {
      int r = strcmp (o->resources, "-") == 0 ? read_fd (0, &text, NULL, err)
                                              : read_file (o->resources, &text, NULL, err);
      if (r < 0)
        return tong_err_wrap (err, "--resources");
    }
  if (flags_to_resources (o, &flags, err) < 0)
    {
      cg_resources_free (&flags);
      return -1;
    }
  cleanup_close int dirfd = open_cgroup (ctx, id, &st, &cg, err);
  if (dirfd < 0)
    {
      cg_resources_free (&flags);
      return -1;
    }
  int ret = -1;
  struct json_value *doc = NULL;
  struct cg_resources r = { 0 };
  if (st.status == TONG_STATUS_STOPPED)
    {
      tong_err_set (err, 0, "container `%s` is not running", id);
      goto out;
    }
  if (text)
    {
      if (json_parse (text, strlen (text), &doc, err) < 0)
        {
          tong_err_wrap (err, "--resources");
          goto out;
        }
      if (cg_resources_parse (doc, "resources", &r, err) < 0)
        goto out;
    }
  /* Flags win over the JSON, as runc applies them after it.  */
  if (cg_resources_merge (&r, &flags, err) < 0)
    goto out;
  ret = cgroup_set (&cg, &r, true, err);
out:
  json_free (doc);
  cg_resources_free (&r);
  cg_resources_free (&flags);
  cgroup_clear (&cg);
  state_clear (&st);
  return ret;
}

static int
print_event (const char *type, const char *id, struct tong_cgroup *cg, struct tong_err *err)
{
  struct json_writer *w = json_writer_new (false);
  json_w_obj_begin (w);
  json_w_key (w, "type");
  json_w_str (w, type);
  json_w_key (w, "id");
  json_w_str (w, id);
  if (strcmp (type, "stats") == 0)
    {
      json_w_key (w, "data");
      json_w_obj_begin (w);
      if (cg->driver->stats (cg, w, err) < 0)
        {
          json_writer_free (w);
          return -1;
        }
      json_w_obj_end (w);
    }
  json_w_obj_end (w);
  char *s = json_writer_finish (w);
  if (s == NULL)
    return tong_err_set (err, ENOMEM, "events");
  printf ("%s\n", s);
  fflush (stdout);
  free (s);
  return 0;
}

static bool
still_there (struct tong_ctx *ctx, const char *id)
{
  struct tong_state st;
  struct tong_err e;
  int dirfd = lifecycle_open_locked (ctx, id, &st, &e);
  if (dirfd < 0)
    return false;
  bool alive = st.status != TONG_STATUS_STOPPED;
  state_clear (&st);
  close (dirfd);
  return alive;
}

int
tong_events (struct tong_ctx *ctx, const char *id, bool stats_once, unsigned interval_ms,
             struct tong_err *err)
{
  struct tong_state st;
  struct tong_cgroup cg;
  int dirfd = open_cgroup (ctx, id, &st, &cg, err);
  if (dirfd < 0)
    return -1;
  /* Only the moment of reading holds the lock: events runs for long.  */
  close (dirfd);
  bool stopped = st.status == TONG_STATUS_STOPPED;
  /* Readable when the container's init exits: events ends with it.  */
  cleanup_close int pidfd = stopped ? -1 : (int) syscall (SYS_pidfd_open, st.pid, 0);
  state_clear (&st);
  int ret = 0;
  if (stopped)
    ret = tong_err_set (err, 0, "container `%s` is not running", id);
  else if (stats_once)
    ret = print_event ("stats", id, &cg, err);
  else
    {
      struct tong_err oerr = { 0 };
      cleanup_close int ofd = cg.driver->oom_fd (&cg, &oerr);
      if (ofd < 0)
        tong_debug ("events: no OOM notifications: %s", oerr.msg);
      unsigned long long next = tong_now_us () + interval_ms * 1000ULL;
      while (ret == 0)
        {
          unsigned long long now = tong_now_us ();
          int wait_ms = now >= next ? 0 : (int) ((next - now) / 1000);
          struct pollfd p[2] = { { .fd = ofd, .events = POLLIN },
                                 { .fd = pidfd, .events = POLLIN } };
          int n = poll (p, 2, wait_ms);
          if (n < 0 && errno != EINTR)
            {
              ret = tong_err_set (err, errno, "poll");
              break;
            }
          if (n > 0 && (p[0].revents & POLLIN) && cg.driver->oom_check (&cg, ofd) > 0)
            ret = print_event ("oom", id, &cg, err);
          if (!still_there (ctx, id))
            break;
          if (tong_now_us () >= next)
            {
              ret = print_event ("stats", id, &cg, err);
              next += interval_ms * 1000ULL;
            }
        }
    }
  cgroup_clear (&cg);
  return ret;
}
