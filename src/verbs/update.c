#include "verbs.h"

#include <stddef.h>
#include <string.h>

static const char usage[]
    = "Usage: tong update [options] CONTAINER-ID\n\n"
      "Change the cgroup limits of a running container.\n\n"
      "  -r, --resources FILE        a LinuxResources JSON file, or - for stdin\n"
      "      --memory SIZE           memory limit (k, m, g suffixes; -1 unlimited)\n"
      "      --memory-reservation SIZE  soft memory limit\n"
      "      --memory-swap SIZE      memory+swap limit\n"
      "      --kernel-memory SIZE    kernel memory limit\n"
      "      --kernel-memory-tcp SIZE  kernel TCP buffer limit\n"
      "      --cpu-share N           CPU shares (relative weight)\n"
      "      --cpu-quota N           CFS quota in microseconds per period\n"
      "      --cpu-period N          CFS period in microseconds\n"
      "      --cpu-rt-runtime N      realtime runtime in microseconds\n"
      "      --cpu-rt-period N       realtime period in microseconds\n"
      "      --cpuset-cpus LIST      CPUs allowed (0-3, 0,1)\n"
      "      --cpuset-mems LIST      memory nodes allowed\n"
      "      --blkio-weight N        block IO weight (10 to 1000)\n"
      "      --pids-limit N          maximum number of processes\n"
      "      --l3-cache-schema S     Intel RDT L3 cache schema\n"
      "      --mem-bw-schema S       Intel RDT memory bandwidth schema\n"
      "Flags apply after --resources and win over it.\n";

enum
{
  O_MEMORY = 256,
  O_MEMORY_RES,
  O_MEMORY_SWAP,
  O_KMEM,
  O_KMEM_TCP,
  O_CPU_SHARE,
  O_CPU_QUOTA,
  O_CPU_PERIOD,
  O_CPU_RT_RUNTIME,
  O_CPU_RT_PERIOD,
  O_CPUSET_CPUS,
  O_CPUSET_MEMS,
  O_BLKIO,
  O_PIDS,
  O_L3,
  O_MEMBW,
};

VERB (update)
{
  static const struct option longopts[] = {
    { "resources", required_argument, NULL, 'r' },
    { "memory", required_argument, NULL, O_MEMORY },
    { "memory-reservation", required_argument, NULL, O_MEMORY_RES },
    { "memory-swap", required_argument, NULL, O_MEMORY_SWAP },
    { "kernel-memory", required_argument, NULL, O_KMEM },
    { "kernel-memory-tcp", required_argument, NULL, O_KMEM_TCP },
    { "cpu-share", required_argument, NULL, O_CPU_SHARE },
    { "cpu-shares", required_argument, NULL, O_CPU_SHARE },
    { "cpu-quota", required_argument, NULL, O_CPU_QUOTA },
    { "cpu-period", required_argument, NULL, O_CPU_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, O_CPU_RT_RUNTIME },
    { "cpu-rt-period", required_argument, NULL, O_CPU_RT_PERIOD },
    { "cpuset-cpus", required_argument, NULL, O_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, O_CPUSET_MEMS },
    { "blkio-weight", required_argument, NULL, O_BLKIO },
    { "pids-limit", required_argument, NULL, O_PIDS },
    { "l3-cache-schema", required_argument, NULL, O_L3 },
    { "mem-bw-schema", required_argument, NULL, O_MEMBW },
    { "help", no_argument, NULL, 'h' },
    { 0 },
  };
  struct tong_update_opts o = { 0 };
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+r:h", longopts, NULL)) != -1)
    switch (c)
      {
      case 'r':
        o.resources = optarg;
        break;
      case O_MEMORY:
        o.memory = optarg;
        break;
      case O_MEMORY_RES:
        o.memory_reservation = optarg;
        break;
      case O_MEMORY_SWAP:
        o.memory_swap = optarg;
        break;
      case O_KMEM:
        o.kernel_memory = optarg;
        break;
      case O_KMEM_TCP:
        o.kernel_memory_tcp = optarg;
        break;
      case O_CPU_SHARE:
        o.cpu_shares = optarg;
        break;
      case O_CPU_QUOTA:
        o.cpu_quota = optarg;
        break;
      case O_CPU_PERIOD:
        o.cpu_period = optarg;
        break;
      case O_CPU_RT_RUNTIME:
        o.cpu_rt_runtime = optarg;
        break;
      case O_CPU_RT_PERIOD:
        o.cpu_rt_period = optarg;
        break;
      case O_CPUSET_CPUS:
        o.cpuset_cpus = optarg;
        break;
      case O_CPUSET_MEMS:
        o.cpuset_mems = optarg;
        break;
      case O_BLKIO:
        o.blkio_weight = optarg;
        break;
      case O_PIDS:
        o.pids_limit = optarg;
        break;
      case O_L3:
        o.l3_cache_schema = optarg;
        break;
      case O_MEMBW:
        o.mem_bw_schema = optarg;
        break;
      case 'h':
        return verb_help (usage);
      default:
        return tong_err_set (err, 0, "update: invalid option\n%s", usage);
      }
  if (verb_need_args (argc, 1, "update", usage, err) < 0)
    return -1;
  return tong_update (ctx, argv[optind], &o, err) < 0 ? -1 : 0;
}
