/* The config parser against the spec's schema tests and a table of
   refusals; the default config of `tong spec`; the features document.  */
#include "libtong/config.h"
#include "libtong/tong.h"
#include "fileutil.h"
#include "json.h"
#include "unit.h"

#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef SPEC_DIR
#define SPEC_DIR "../shared/oci/runtime-spec"
#endif

/* The tables below write JSON with single quotes, to spare the escapes.  */
static char *
dq (const char *s)
{
  char *r = strdup (s);
  for (char *p = r; *p; p++)
    if (*p == '\'')
      *p = '"';
  return r;
}

static int
parse (const char *single_quoted, struct oci_config **c, struct tong_err *err)
{
  char *json = dq (single_quoted);
  int r = oci_config_parse (json, strlen (json), c, err);
  free (json);
  return r;
}

#define BASE "'ociVersion': '1.0.0', 'root': {'path': 'rootfs'}"
#define CFG(x) "{" BASE ", " x "}"
#define PROC(x) CFG ("'process': {'cwd': '/', 'args': ['sh'], " x "}")
#define LINUX(x) CFG ("'linux': {" x "}")
#define SECCOMP(x) LINUX ("'seccomp': {" x "}")

struct refusal
{
  const char *name;
  const char *json;
  const char *want; /* the start of the message: the JSON path and why.  */
};

static const struct refusal refusals[] = {
  { "invalid JSON", "{]", "invalid JSON" },
  { "not an object", "[]", "config: expected an object, got array" },
  { "missing ociVersion", "{'root': {'path': 'rootfs'}}", "ociVersion: required" },
  { "ociVersion type", "{'ociVersion': 1, 'root': {'path': 'r'}}",
    "ociVersion: expected a string, got number" },
  { "missing root", "{'ociVersion': '1.0.0'}", "root: required" },
  { "missing root.path", "{'ociVersion': '1.0.0', 'root': {}}", "root.path: required" },
  { "empty root.path", "{'ociVersion': '1.0.0', 'root': {'path': ''}}",
    "root.path: must not be empty" },
  { "root.readonly type", "{'ociVersion': '1.0.0', 'root': {'path': 'r', 'readonly': 'yes'}}",
    "root.readonly: expected a boolean, got string" },
  { "process type", CFG ("'process': []"), "process: expected an object, got array" },
  { "missing cwd", CFG ("'process': {'args': ['sh']}"), "process.cwd: required" },
  { "relative cwd", CFG ("'process': {'cwd': 'tmp', 'args': ['sh']}"),
    "process.cwd: must be an absolute path" },
  { "missing args", CFG ("'process': {'cwd': '/'}"), "process.args: must not be empty" },
  { "empty args", CFG ("'process': {'cwd': '/', 'args': []}"), "process.args: must not be empty" },
  { "args item type", CFG ("'process': {'cwd': '/', 'args': ['sh', 1]}"),
    "process.args[1]: expected a string, got number" },
  { "terminal type", PROC ("'terminal': 'yes'"), "process.terminal: expected a boolean" },
  { "commandLine", PROC ("'commandLine': 'cmd.exe /c dir'"), "process.commandLine: not supported" },
  { "consoleSize.width", PROC ("'terminal': true, 'consoleSize': {'height': 1}"),
    "process.consoleSize.width: required" },
  { "duplicate rlimit",
    PROC ("'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1},"
          " {'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 2}]"),
    "process.rlimits[1].type: duplicate rlimit RLIMIT_NOFILE" },
  { "unknown rlimit", PROC ("'rlimits': [{'type': 'RLIMIT_FOO', 'soft': 1, 'hard': 1}]"),
    "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'" },
  { "rlimit missing hard", PROC ("'rlimits': [{'type': 'RLIMIT_CORE', 'soft': 1}]"),
    "process.rlimits[0].hard: required" },
  { "rlimit soft > hard", PROC ("'rlimits': [{'type': 'RLIMIT_CORE', 'soft': 2, 'hard': 1}]"),
    "process.rlimits[0]: soft limit 2 exceeds hard limit 1" },
  { "rlimit negative", PROC ("'rlimits': [{'type': 'RLIMIT_CORE', 'soft': -1, 'hard': 1}]"),
    "process.rlimits[0].soft: `-1` is negative" },
  { "unknown capability",
    PROC ("'capabilities': {'bounding': ['CAP_KILL', 'CAP_CHOWN', 'CAP_KILL', 'CAP_FOO']}"),
    "process.capabilities.bounding[3]: unknown capability 'CAP_FOO'" },
  { "capability set type", PROC ("'capabilities': {'ambient': 'CAP_KILL'}"),
    "process.capabilities.ambient: expected an array, got string" },
  { "oomScoreAdj range", PROC ("'oomScoreAdj': 1001"),
    "process.oomScoreAdj: 1001 is out of range (-1000..1000)" },
  { "oomScoreAdj float", PROC ("'oomScoreAdj': 1.5"), "process.oomScoreAdj: `1.5` is not" },
  { "uid negative", PROC ("'user': {'uid': -1, 'gid': 0}"), "process.user.uid: `-1` is negative" },
  { "gid too big", PROC ("'user': {'uid': 0, 'gid': 4294967296}"),
    "process.user.gid: 4294967296 is out of range" },
  { "umask range", PROC ("'user': {'umask': 512}"), "process.user.umask: 512 is out of range" },
  { "additionalGids item", PROC ("'user': {'additionalGids': [1, 'x']}"),
    "process.user.additionalGids[1]: expected an integer, got string" },
  { "ioPriority class", PROC ("'ioPriority': {'class': 'IOPRIO_CLASS_NONE'}"),
    "process.ioPriority.class: unknown class 'IOPRIO_CLASS_NONE'" },
  { "ioPriority priority", PROC ("'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 8}"),
    "process.ioPriority.priority: 8 is out of range (0..7)" },
  { "SCHED_ISO", PROC ("'scheduler': {'policy': 'SCHED_ISO'}"),
    "process.scheduler.policy: SCHED_ISO does not exist on Linux" },
  { "unknown policy", PROC ("'scheduler': {'policy': 'SCHED_FOO'}"),
    "process.scheduler.policy: unknown policy" },
  { "FIFO priority", PROC ("'scheduler': {'policy': 'SCHED_FIFO'}"),
    "process.scheduler.priority: must be 1..99 with SCHED_FIFO" },
  { "nice range", PROC ("'scheduler': {'policy': 'SCHED_OTHER', 'nice': 20}"),
    "process.scheduler.nice: 20 is out of range (-20..19)" },
  { "scheduler flag", PROC ("'scheduler': {'policy': 'SCHED_OTHER', 'flags': ['SCHED_FLAG_X']}"),
    "process.scheduler.flags[0]: unknown scheduler flag 'SCHED_FLAG_X'" },
  { "deadline fields", PROC ("'scheduler': {'policy': 'SCHED_BATCH', 'runtime': 10}"),
    "process.scheduler: runtime, deadline and period need SCHED_DEADLINE" },
  { "cpu list", PROC ("'execCPUAffinity': {'initial': '0-'}"),
    "process.execCPUAffinity.initial: invalid list '0-'" },
  { "cpu list order", PROC ("'execCPUAffinity': {'final': '3-1'}"),
    "process.execCPUAffinity.final: invalid list" },
  { "mount type", CFG ("'mounts': {}"), "mounts: expected an array, got object" },
  { "mount destination", CFG ("'mounts': [{'destination': '/a'}, {'type': 'tmpfs'}]"),
    "mounts[1].destination: required" },
  { "empty mount destination", CFG ("'mounts': [{'destination': ''}]"),
    "mounts[0].destination: must not be empty" },
  { "mount options type", CFG ("'mounts': [{'destination': '/a', 'options': [true]}]"),
    "mounts[0].options[0]: expected a string, got boolean" },
  { "mount uidMappings alone",
    CFG ("'mounts': [{'destination': '/a', 'uidMappings': [{'containerID': 0, 'hostID': 1,"
         " 'size': 1}]}]"),
    "mounts[0].gidMappings: required along with uidMappings" },
  { "mount mapping size",
    CFG ("'mounts': [{'destination': '/a', 'uidMappings': [{'containerID': 0,"
         " 'hostID': 1, 'size': 0}]}]"),
    "mounts[0].uidMappings[0].size: must be at least 1" },
  { "relative hook path", CFG ("'hooks': {'prestart': [{'path': 'bin/true'}]}"),
    "hooks.prestart[0].path: must be an absolute path" },
  { "hook missing path", CFG ("'hooks': {'createRuntime': [{'args': ['x']}]}"),
    "hooks.createRuntime[0].path: required" },
  { "hook timeout", CFG ("'hooks': {'poststop': [{'path': '/x'}, {'path': '/y', 'timeout': 0}]}"),
    "hooks.poststop[1].timeout: must be greater than zero" },
  { "hook env type", CFG ("'hooks': {'poststart': [{'path': '/x', 'env': 'A=1'}]}"),
    "hooks.poststart[0].env: expected an array, got string" },
  { "annotation value", CFG ("'annotations': {'a.b': 'x', 'c': 1}"),
    "annotations['c']: expected a string, got number" },
  { "hostname without uts", CFG ("'hostname': 'x'"), "hostname: needs a 'uts' entry" },
  { "domainname without uts", CFG ("'domainname': 'x', 'linux': {'namespaces': [{'type': 'pid'}]}"),
    "domainname: needs a 'uts' entry" },
  { "linux type", CFG ("'linux': []"), "linux: expected an object, got array" },
  { "unknown ns type",
    LINUX ("'namespaces': [{'type': 'pid'}, {'type': 'mount'}, {'type': 'foo'}]"),
    "linux.namespaces[2].type: unknown namespace type 'foo'" },
  { "duplicate ns", LINUX ("'namespaces': [{'type': 'pid'}, {'type': 'pid', 'path': '/x'}]"),
    "linux.namespaces[1].type: duplicate namespace type 'pid'" },
  { "relative ns path", LINUX ("'namespaces': [{'type': 'network', 'path': 'proc/1/ns/net'}]"),
    "linux.namespaces[0].path: must be an absolute path" },
  { "ns missing type", LINUX ("'namespaces': [{'path': '/x'}]"),
    "linux.namespaces[0].type: required" },
  { "timeOffsets without time ns", LINUX ("'timeOffsets': {'monotonic': {'secs': 1}}"),
    "linux.timeOffsets: only for a new time namespace" },
  { "timeOffsets joined time ns",
    LINUX ("'namespaces': [{'type': 'time', 'path': '/proc/1/ns/time'}],"
           " 'timeOffsets': {'boottime': {'secs': 1}}"),
    "linux.timeOffsets: only for a new time namespace" },
  { "timeOffsets clock",
    LINUX ("'namespaces': [{'type': 'time'}], 'timeOffsets': {'realtime': {}}"),
    "linux.timeOffsets.realtime: unknown clock" },
  { "timeOffsets nanosecs",
    LINUX ("'namespaces': [{'type': 'time'}], 'timeOffsets': {'monotonic': {'nanosecs': "
           "1000000000}}"),
    "linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range" },
  { "mappings without userns",
    LINUX ("'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]"),
    "linux.uidMappings: set without a 'user' entry" },
  { "userns without mappings", LINUX ("'namespaces': [{'type': 'user'}]"),
    "linux.uidMappings: required to create a user namespace" },
  { "mapping missing hostID",
    LINUX ("'namespaces': [{'type': 'user'}], 'uidMappings': [{'containerID': 0, 'size': 1}]"),
    "linux.uidMappings[0].hostID: required" },
  { "mapping overflow",
    LINUX ("'namespaces': [{'type': 'user'}], 'uidMappings': [{'containerID': 0, 'hostID': "
           "4294967295, 'size': 2}]"),
    "linux.uidMappings[0]: the range overflows" },
  { "netDevices", LINUX ("'netDevices': {'eth0': {'name': 'x'}}"),
    "linux.netDevices: not supported" },
  { "intelRdt", LINUX ("'intelRdt': {'closID': 'x'}"), "linux.intelRdt: not supported" },
  { "device type", LINUX ("'devices': [{'type': 'x', 'path': '/dev/x'}]"),
    "linux.devices[0].type: unknown device type 'x'" },
  { "device path", LINUX ("'devices': [{'type': 'c', 'path': 'dev/x', 'major': 1, 'minor': 3}]"),
    "linux.devices[0].path: must be an absolute path" },
  { "device major", LINUX ("'devices': [{'type': 'c', 'path': '/dev/x', 'minor': 3}]"),
    "linux.devices[0].major: required for a device of type c" },
  { "device fileMode", LINUX ("'devices': [{'type': 'p', 'path': '/dev/x', 'fileMode': 65536}]"),
    "linux.devices[0].fileMode: 65536 is out of range" },
  { "device fileMode type bits",
    LINUX ("'devices': [{'type': 'c', 'path': '/dev/x', 'major': 1, 'minor': 5, 'fileMode': 4096}]"),
    "linux.devices[0].fileMode: 010000 is not a mode for a device of type c" },
  { "rootfsPropagation", LINUX ("'rootfsPropagation': 'rshared-ish'"),
    "linux.rootfsPropagation: unknown propagation 'rshared-ish'" },
  { "seccomp missing defaultAction", SECCOMP ("'architectures': []"),
    "linux.seccomp.defaultAction: required" },
  { "seccomp defaultAction", SECCOMP ("'defaultAction': 'SCMP_ACT_NOPE'"),
    "linux.seccomp.defaultAction: unknown seccomp action 'SCMP_ACT_NOPE'" },
  { "seccomp action",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'], 'action': "
             "'SCMP_ACT_FOO'}]"),
    "linux.seccomp.syscalls[0].action: unknown seccomp action 'SCMP_ACT_FOO'" },
  { "seccomp errnoRet",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'], 'action': "
             "'SCMP_ACT_ALLOW', 'errnoRet': 1}]"),
    "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE" },
  { "seccomp defaultErrnoRet", SECCOMP ("'defaultAction': 'SCMP_ACT_KILL', 'defaultErrnoRet': 1"),
    "linux.seccomp.defaultErrnoRet: only valid" },
  { "seccomp arch",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_Z80']"),
    "linux.seccomp.architectures[0]: unknown seccomp architecture 'SCMP_ARCH_Z80'" },
  { "seccomp flag",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_X']"),
    "linux.seccomp.flags[0]: unknown seccomp flag" },
  { "seccomp notify without listener",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'], 'action': "
             "'SCMP_ACT_ALLOW'}, {'names': ['mknod'], 'action': 'SCMP_ACT_NOTIFY'}]"),
    "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY in linux.seccomp.syscalls[1].action" },
  { "seccomp notify default",
    SECCOMP ("'defaultAction': 'SCMP_ACT_NOTIFY', 'listenerPath': '/run/agent.sock'"),
    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
  { "seccomp listener relative",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': 'agent.sock'"),
    "linux.seccomp.listenerPath: must be an absolute path" },
  { "seccomp metadata alone",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'listenerMetadata': 'x'"),
    "linux.seccomp.listenerMetadata: set without listenerPath" },
  { "seccomp names empty",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': [], 'action': "
             "'SCMP_ACT_ERRNO'}]"),
    "linux.seccomp.syscalls[0].names: must not be empty" },
  { "seccomp names missing",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'action': 'SCMP_ACT_ERRNO'}]"),
    "linux.seccomp.syscalls[0].names: required" },
  { "seccomp arg index",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['kill'], 'action': "
             "'SCMP_ACT_ERRNO', 'args': [{'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]"),
    "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0..5)" },
  { "seccomp arg op",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['kill'], 'action': "
             "'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_XX'}]}]"),
    "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator 'SCMP_CMP_XX'" },
  { "seccomp arg value",
    SECCOMP ("'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['kill'], 'action': "
             "'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'op': 'SCMP_CMP_EQ'}]}]"),
    "linux.seccomp.syscalls[0].args[0].value: required" },
  { "sysctl value type",
    LINUX ("'namespaces': [{'type': 'network'}], 'sysctl': {'net.ipv4.ip_forward': 1}"),
    "linux.sysctl['net.ipv4.ip_forward']: expected a string, got number" },
  { "sysctl without netns", LINUX ("'sysctl': {'net.ipv4.ip_forward': '1'}"),
    "linux.sysctl['net.ipv4.ip_forward']: needs a 'network' entry in linux.namespaces" },
  { "sysctl without ipcns", LINUX ("'sysctl': {'kernel.shmmax': '1'}"),
    "linux.sysctl['kernel.shmmax']: needs a 'ipc' entry" },
  { "sysctl host-wide",
    LINUX ("'namespaces': [{'type': 'network'}], 'sysctl': {'vm.swappiness': '1'}"),
    "linux.sysctl['vm.swappiness']: not in a kernel namespace" },
  { "maskedPaths relative", LINUX ("'maskedPaths': ['/proc/kcore', 'proc/keys']"),
    "linux.maskedPaths[1]: must be an absolute path" },
  { "maskedPaths without mount ns", LINUX ("'maskedPaths': ['/proc/kcore']"),
    "linux.maskedPaths: needs a 'mount' entry in linux.namespaces" },
  { "readonlyPaths without mount ns", LINUX ("'readonlyPaths': ['/proc/sys']"),
    "linux.readonlyPaths: needs a 'mount' entry in linux.namespaces" },
  { "rootfsPropagation without mount ns", LINUX ("'rootfsPropagation': 'shared'"),
    "linux.rootfsPropagation: needs a 'mount' entry in linux.namespaces" },
  { "root.readonly without mount ns",
    "{'ociVersion': '1.0.0', 'root': {'path': 'rootfs', 'readonly': true}, 'linux': {}}",
    "root.readonly: needs a 'mount' entry in linux.namespaces" },
  { "readonlyPaths type", LINUX ("'readonlyPaths': '/proc/sys'"),
    "linux.readonlyPaths: expected an array, got string" },
  { "mountLabel type", LINUX ("'mountLabel': 5"), "linux.mountLabel: expected a string" },
  { "personality domain", LINUX ("'personality': {'domain': 'LINUX64'}"),
    "linux.personality.domain: unknown domain 'LINUX64'" },
  { "personality flags",
    LINUX ("'personality': {'domain': 'LINUX', 'flags': ['ADDR_NO_RANDOMIZE']}"),
    "linux.personality.flags[0]: unsupported personality flag" },
  { "memoryPolicy mode", LINUX ("'memoryPolicy': {'mode': 'MPOL_FOO'}"),
    "linux.memoryPolicy.mode: unknown mode 'MPOL_FOO'" },
  { "memoryPolicy nodes", LINUX ("'memoryPolicy': {'mode': 'MPOL_BIND'}"),
    "linux.memoryPolicy.nodes: required with MPOL_BIND" },
  { "memoryPolicy no nodes", LINUX ("'memoryPolicy': {'mode': 'MPOL_LOCAL', 'nodes': '0'}"),
    "linux.memoryPolicy.nodes: must be empty with MPOL_LOCAL" },
  { "memoryPolicy nodes syntax", LINUX ("'memoryPolicy': {'mode': 'MPOL_BIND', 'nodes': '0,,1'}"),
    "linux.memoryPolicy.nodes: invalid list" },
  { "memoryPolicy flag",
    LINUX ("'memoryPolicy': {'mode': 'MPOL_BIND', 'nodes': '0', 'flags': ['MPOL_F_X']}"),
    "linux.memoryPolicy.flags[0]: unknown flag 'MPOL_F_X'" },
  { "memoryPolicy flags conflict",
    LINUX ("'memoryPolicy': {'mode': 'MPOL_BIND', 'nodes': '0', 'flags': "
           "['MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES']}"),
    "linux.memoryPolicy.flags: MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES" },
  { "resources type", LINUX ("'resources': []"), "linux.resources: expected an object, got array" },
  { "resources memory.limit", LINUX ("'resources': {'memory': {'limit': '1G'}}"),
    "linux.resources.memory.limit: expected an integer, got string" },
  { "resources pids.limit", LINUX ("'resources': {'pids': {}}"),
    "linux.resources.pids.limit: required" },
  { "resources devices allow", LINUX ("'resources': {'devices': [{'access': 'rwm'}]}"),
    "linux.resources.devices[0].allow: required" },
  { "resources blockIO weight", LINUX ("'resources': {'blockIO': {'weight': 65536}}"),
    "linux.resources.blockIO.weight: 65536 is out of range (0..65535)" },
  { "resources unified", LINUX ("'resources': {'unified': {'memory.max': 5}}"),
    "linux.resources.unified['memory.max']: expected a string, got number" },
};

static void
check_refusals (void)
{
  for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
    {
      const struct refusal *t = &refusals[i];
      struct tong_err err = { 0 };
      struct oci_config *c = NULL;
      char *want = dq (t->want);
      int r = parse (t->json, &c, &err);
      UNIT_CHECK (r < 0 && strncmp (err.msg, want, strlen (want)) == 0, t->name,
                  "got `%s`, want a message starting with `%s`", r < 0 ? err.msg : "(accepted)",
                  want);
      if (r == 0)
        oci_config_free (c);
      free (want);
    }
}

/* Each file of schema/test/config/{good,bad}.  */
static void
check_schema_tests (void)
{
  static const char *const dirs[]
      = { SPEC_DIR "/schema/test/config/good", SPEC_DIR "/schema/test/config/bad" };
  for (int bad = 0; bad < 2; bad++)
    {
      DIR *d = opendir (dirs[bad]);
      int n = 0;
      UNIT_CHECK (d != NULL, "schema test dir", "cannot open %s", dirs[bad]);
      for (struct dirent *e; d && (e = readdir (d));)
        {
          size_t len = strlen (e->d_name);
          if (len < 5 || strcmp (e->d_name + len - 5, ".json") != 0)
            continue;
          char path[4096], name[512];
          struct tong_err err = { 0 };
          struct oci_config *c = NULL;
          char *text = NULL;
          size_t tlen;
          snprintf (path, sizeof path, "%s/%s", dirs[bad], e->d_name);
          snprintf (name, sizeof name, "%s/%s", bad ? "bad" : "good", e->d_name);
          n++;
          if (read_file (path, &text, &tlen, &err) < 0)
            {
              UNIT_CHECK (0, name, "%s", err.msg);
              continue;
            }
          int r = oci_config_parse (text, tlen, &c, &err);
          /* linux.netDevices is valid, but tong cannot move network devices:
             it refuses the field rather than ignore it (config-linux.md says
             the devices MUST be made available).  */
          if (!bad && strcmp (e->d_name, "linux-netdevice.json") == 0)
            UNIT_CHECK (r < 0 && strstr (err.msg, "linux.netDevices"), name,
                        "want a linux.netDevices refusal, got `%s`",
                        r < 0 ? err.msg : "(accepted)");
          else if (!bad)
            UNIT_CHECK (r == 0, name, "%s", err.msg);
          else
            {
              /* Where the file is valid JSON, the message starts with the path
                 of the offending field: one of the document's top keys.  */
              struct json_value *doc = NULL;
              struct tong_err jerr = { 0 };
              bool has_path = true;
              if (json_parse (text, tlen, &doc, &jerr) == 0 && doc->type == JSON_OBJECT)
                {
                  has_path = false;
                  for (size_t k = 0; k < doc->u.object.len; k++)
                    {
                      size_t kl = strlen (doc->u.object.keys[k]);
                      if (strncmp (err.msg, doc->u.object.keys[k], kl) == 0
                          && strchr (".[:", err.msg[kl]))
                        has_path = true;
                    }
                }
              json_free (doc);
              UNIT_CHECK (r < 0 && err.msg[0] && has_path, name, "got `%s`",
                          r < 0 ? err.msg : "(accepted)");
            }
          if (r == 0)
            oci_config_free (c);
          free (text);
        }
      if (d)
        closedir (d);
      UNIT_CHECK (n > 0, bad ? "bad/ has files" : "good/ has files", "none found");
    }
}

/* A config using most fields: check what lands in the struct.  */
static void
check_accepted (void)
{
  const char *json = CFG (
      "'x-unknown': {'ignored': true}, 'windows': {'layerFolders': []}, 'solaris': {},"
      "'hostname': 'h', 'domainname': null,"
      "'process': {'terminal': true, 'consoleSize': {'height': 25, 'width': 80},"
      " 'cwd': '/root', 'args': ['sh', '-c', 'true'], 'env': ['A=1', 'NOEQUALS'],"
      " 'user': {'uid': 1, 'gid': 2, 'umask': 18, 'additionalGids': [5, 6]},"
      " 'capabilities': {'bounding': ['CAP_KILL', 'CAP_CHOWN'], 'ambient': []},"
      " 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': 18446744073709551615}],"
      " 'noNewPrivileges': true, 'oomScoreAdj': -999, 'apparmorProfile': 'p',"
      " 'selinuxLabel': 'l', 'ioPriority': {'class': 'IOPRIO_CLASS_IDLE', 'priority': 4},"
      " 'scheduler': {'policy': 'SCHED_FIFO', 'priority': 10, 'flags': "
      "['SCHED_FLAG_RESET_ON_FORK']},"
      " 'execCPUAffinity': {'initial': '7', 'final': '0-3, 7'}},"
      "'mounts': [{'destination': 'data', 'type': 'tmpfs', 'source': 'tmpfs'},"
      " {'destination': '/b', 'source': '/src', 'options': ['rbind', 'ro'],"
      "  'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 10}],"
      "  'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 10}]}],"
      "'hooks': {'prestart': [{'path': '/bin/true', 'args': ['true'], 'timeout': 5}],"
      " 'startContainer': [{'path': '/x'}]},"
      "'annotations': {'com.example.k': 'v'},"
      "'linux': {'namespaces': [{'type': 'pid'}, {'type': 'uts'}, {'type': 'time'},"
      "  {'type': 'network', 'path': '/run/netns/n'}, {'type': 'user', 'path': ''},"
      "  {'type': 'mount'}],"
      " 'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
      " 'gidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
      " 'timeOffsets': {'monotonic': {'secs': -5, 'nanosecs': 7}},"
      " 'devices': [{'type': 'c', 'path': '/dev/fuse', 'major': 10, 'minor': 229, 'fileMode': "
      "438}, {'type': 'p', 'path': '/dev/fifo'}],"
      " 'cgroupsPath': 'a:b:c', 'resources': {'pids': {'limit': 10}},"
      " 'rootfsPropagation': 'slave', 'sysctl': {'net.core.somaxconn': '256'},"
      " 'maskedPaths': ['/proc/kcore'], 'readonlyPaths': ['/proc/sys'], 'mountLabel': 'ml',"
      " 'personality': {'domain': 'LINUX32'},"
      " 'memoryPolicy': {'mode': 'MPOL_WEIGHTED_INTERLEAVE', 'nodes': '0-1', 'flags': "
      "['MPOL_F_STATIC_NODES']},"
      " 'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,"
      "  'architectures': ['SCMP_ARCH_X86_64'], 'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
      "  'listenerPath': '/run/agent.sock', 'listenerMetadata': 'm',"
      "  'syscalls': [{'names': ['read', 'not_a_syscall'], 'action': 'SCMP_ACT_ALLOW'},"
      "   {'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'},"
      "   {'names': ['kill'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1, 'args': [{'index': 1,"
      "    'value': 9, 'valueTwo': 0, 'op': 'SCMP_CMP_MASKED_EQ'}]}]}}");
  struct tong_err err = { 0 };
  struct oci_config *c = NULL;
  int r = parse (json, &c, &err);
  UNIT_CHECK (r == 0, "full config accepted", "%s", err.msg);
  if (r < 0)
    return;
  const struct oci_process *p = &c->process;
  UNIT_STREQ (c->oci_version, "1.0.0", "ociVersion");
  UNIT_STREQ (c->root_path, "rootfs", "root.path");
  UNIT_CHECK (c->has_process && p->terminal && p->has_console_size && p->console_width == 80,
              "process.terminal and consoleSize", "width %u", p->console_width);
  UNIT_CHECK (p->n_args == 3 && p->args[3] == NULL && strcmp (p->args[2], "true") == 0,
              "process.args", "n_args %zu", p->n_args);
  UNIT_CHECK (p->n_env == 2 && strcmp (p->env[1], "NOEQUALS") == 0, "env kept as given",
              "n_env %zu", p->n_env);
  UNIT_CHECK (p->user.uid == 1 && p->user.gid == 2 && p->user.has_umask && p->user.umask == 18
                  && p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 6,
              "process.user", "uid %u", p->user.uid);
  UNIT_CHECK (p->caps.present && p->caps.ambient == 0 && p->caps.effective == 0
                  && p->caps.bounding == ((1ULL << 5) | (1ULL << 0)),
              "capabilities as bitmasks", "bounding %llx", (unsigned long long)p->caps.bounding);
  UNIT_CHECK (p->n_rlimits == 1 && p->rlimits[0].resource == RLIMIT_NOFILE
                  && p->rlimits[0].soft == 1024 && p->rlimits[0].hard == UINT64_MAX,
              "rlimits", "n %zu", p->n_rlimits);
  UNIT_CHECK (p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == -999,
              "noNewPrivileges, oomScoreAdj", "oom %d", p->oom_score_adj);
  UNIT_CHECK (p->io_priority.present && p->io_priority.class_ == 3 && p->io_priority.priority == 4,
              "ioPriority", "class %d", p->io_priority.class_);
  UNIT_CHECK (p->scheduler.present && p->scheduler.policy == SCHED_FIFO
                  && p->scheduler.priority == 10 && p->scheduler.flags == 1,
              "scheduler", "policy %d", p->scheduler.policy);
  UNIT_STREQ (p->exec_cpu_affinity.final, "0-3, 7", "execCPUAffinity.final");
  UNIT_STREQ (c->hostname, "h", "hostname");
  UNIT_CHECK (c->domainname == NULL, "null is absent", "domainname set");
  UNIT_CHECK (c->n_mounts == 2, "mounts", "n %zu", c->n_mounts);
  UNIT_STREQ (c->mounts[0].destination, "/data", "relative mount destination made absolute");
  UNIT_CHECK (c->mounts[1].n_options == 2 && c->mounts[1].n_uid_mappings == 1
                  && c->mounts[1].gid_mappings[0].host_id == 1000,
              "mount options and id mappings", "n_options %zu", c->mounts[1].n_options);
  UNIT_CHECK (c->n_hooks[OCI_HOOK_PRESTART] == 1 && c->hooks[OCI_HOOK_PRESTART][0].has_timeout
                  && c->hooks[OCI_HOOK_PRESTART][0].timeout == 5
                  && c->n_hooks[OCI_HOOK_START_CONTAINER] == 1
                  && c->hooks[OCI_HOOK_START_CONTAINER][0].args == NULL,
              "hooks", "n %zu", c->n_hooks[OCI_HOOK_PRESTART]);
  UNIT_CHECK (c->annotations && c->annotations->type == JSON_OBJECT
                  && json_get (c->annotations, "com.example.k"),
              "annotations kept as a tree", "missing");
  const struct oci_linux *l = &c->linux_;
  UNIT_CHECK (c->has_linux && l->n_namespaces == 6, "namespaces", "n %zu", l->n_namespaces);
  const struct oci_namespace *net = oci_config_ns (c, OCI_NS_NETWORK);
  const struct oci_namespace *user = oci_config_ns (c, OCI_NS_USER);
  UNIT_CHECK (net && net->path && strcmp (net->path, "/run/netns/n") == 0, "namespace path",
              "net %p", (void *)net);
  UNIT_CHECK (user && user->path == NULL, "empty namespace path means new", "user path set");
  UNIT_CHECK (oci_config_ns (c, OCI_NS_IPC) == NULL, "absent namespace", "ipc found");
  UNIT_CHECK (l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 100000
                  && l->gid_mappings[0].size == 65536,
              "uid/gid mappings", "n %zu", l->n_uid_mappings);
  UNIT_CHECK (l->time_monotonic.present && l->time_monotonic.secs == -5
                  && l->time_monotonic.nanosecs == 7 && !l->time_boottime.present,
              "timeOffsets", "secs %lld", (long long)l->time_monotonic.secs);
  UNIT_CHECK (l->n_devices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10
                  && l->devices[0].has_file_mode && l->devices[0].file_mode == 438
                  && l->devices[1].type == 'p' && !l->devices[1].has_uid,
              "devices", "n %zu", l->n_devices);
  UNIT_STREQ (l->cgroups_path, "a:b:c", "cgroupsPath");
  UNIT_CHECK (l->resources && json_get (l->resources, "pids"), "resources kept as a tree",
              "missing");
  UNIT_CHECK (l->rootfs_propagation_flags == (MS_SLAVE | MS_REC), "rootfsPropagation flags", "%lx",
              l->rootfs_propagation_flags);
  UNIT_CHECK (l->n_sysctl == 1 && strcmp (l->sysctl[0].key, "net.core.somaxconn") == 0
                  && strcmp (l->sysctl[0].value, "256") == 0,
              "sysctl", "n %zu", l->n_sysctl);
  UNIT_CHECK (l->n_masked_paths == 1 && l->n_readonly_paths == 1, "masked/readonly paths", "%zu",
              l->n_masked_paths);
  UNIT_STREQ (l->mount_label, "ml", "mountLabel");
  UNIT_CHECK (l->personality.present && l->personality.domain == 0x0008, "personality",
              "domain %lx", l->personality.domain);
  UNIT_CHECK (l->memory_policy.present && l->memory_policy.mode == 6
                  && l->memory_policy.flags == (1u << 15)
                  && strcmp (l->memory_policy.nodes, "0-1") == 0,
              "memoryPolicy", "mode %d", l->memory_policy.mode);
  const struct oci_seccomp *s = l->seccomp;
  UNIT_CHECK (s && s->default_action == OCI_SECCOMP_ERRNO && s->has_default_errno_ret
                  && s->default_errno_ret == 38 && s->n_architectures == 1 && s->n_flags == 1
                  && s->n_syscalls == 3,
              "seccomp", "%p", (void *)s);
  if (s && s->n_syscalls == 3)
    {
      UNIT_CHECK (s->syscalls[0].n_names == 2
                      && strcmp (s->syscalls[0].names[1], "not_a_syscall") == 0
                      && s->syscalls[0].action == OCI_SECCOMP_ALLOW,
                  "seccomp names kept as given", "n %zu", s->syscalls[0].n_names);
      UNIT_CHECK (s->syscalls[1].action == OCI_SECCOMP_NOTIFY && s->listener_path
                      && strcmp (s->listener_metadata, "m") == 0,
                  "seccomp notify with listener", "action %d", s->syscalls[1].action);
      const struct oci_seccomp_arg *a = &s->syscalls[2].args[0];
      UNIT_CHECK (s->syscalls[2].n_args == 1 && a->index == 1 && a->value == 9
                      && a->op == OCI_CMP_MASKED_EQ && s->syscalls[2].errno_ret == 1,
                  "seccomp args", "n %zu", s->syscalls[2].n_args);
    }
  oci_config_free (c);

  /* Console size only counts with a terminal; the r- propagation spellings.  */
  r = parse (
      CFG ("'process': {'cwd': '/', 'args': ['a'], 'consoleSize': {'height': 1, 'width': "
           "2}}, 'linux': {'namespaces': [{'type': 'mount'}], 'rootfsPropagation': 'rprivate'}"),
      &c, &err);
  UNIT_CHECK (r == 0 && !c->process.has_console_size
                  && c->linux_.rootfs_propagation_flags == (MS_PRIVATE | MS_REC),
              "consoleSize ignored without terminal", "%s", r < 0 ? err.msg : "set");
  if (r == 0)
    oci_config_free (c);
  r = parse (CFG ("'process': null, 'linux': {'netDevices': {}, 'intelRdt': null}"), &c, &err);
  UNIT_CHECK (r == 0 && !c->has_process, "empty netDevices and null intelRdt pass", "%s",
              r < 0 ? err.msg : "process set");
  if (r == 0)
    oci_config_free (c);
}

static void
check_process_parse (void)
{
  struct oci_process p;
  struct json_value *doc = NULL;
  struct tong_err err = { 0 };
  char *json = dq ("{'cwd': '/tmp', 'args': ['ls', '-l'], 'env': ['PATH=/bin'], 'terminal': false,"
                   " 'capabilities': {'effective': ['CAP_KILL']}, 'user': {'uid': 7}}");
  int r = oci_process_parse (json, strlen (json), &p, &doc, &err);
  UNIT_CHECK (r == 0 && doc && p.n_args == 2 && p.user.uid == 7 && p.caps.effective == 1ULL << 5,
              "process.json parsed", "%s", err.msg);
  if (r == 0)
    {
      oci_process_clear (&p);
      json_free (doc);
    }
  free (json);
  static const struct refusal bad[] = {
    { "process.json: args", "{'cwd': '/', 'args': []}", "args: must not be empty" },
    { "process.json: cwd", "{'cwd': 'x', 'args': ['a']}", "cwd: must be an absolute path" },
    { "process.json: capability",
      "{'cwd': '/', 'args': ['a'], 'capabilities': {'bounding': "
      "['CAP_NOPE']}}",
      "capabilities.bounding[0]: unknown capability 'CAP_NOPE'" },
    { "process.json: not an object", "['a']", "process: expected an object" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char *j = dq (bad[i].json), *want = dq (bad[i].want);
      r = oci_process_parse (j, strlen (j), &p, NULL, &err);
      UNIT_CHECK (r < 0 && strncmp (err.msg, want, strlen (want)) == 0, bad[i].name, "got `%s`",
                  r < 0 ? err.msg : "(accepted)");
      if (r == 0)
        oci_process_clear (&p);
      free (j);
      free (want);
    }
}

static void
check_load (void)
{
  char path[] = "/tmp/tong-test-config-XXXXXX";
  struct tong_err err = { 0 };
  struct oci_config *c = NULL;
  int fd = mkstemp (path);
  const char *text = "{\"ociVersion\": \"1.0.0\"}";
  UNIT_CHECK (fd >= 0 && write (fd, text, strlen (text)) == (ssize_t)strlen (text), "temp file",
              "mkstemp");
  if (fd >= 0)
    close (fd);
  UNIT_CHECK (oci_config_load (path, &c, &err) < 0 && strncmp (err.msg, path, strlen (path)) == 0
                  && strstr (err.msg, "root: required"),
              "load wraps errors with the file", "got `%s`", err.msg);
  unlink (path);
  UNIT_CHECK (oci_config_load (path, &c, &err) < 0 && strstr (err.msg, path),
              "missing file refused", "got `%s`", err.msg);
}

static void
check_tables (void)
{
  for (int t = 0; t < OCI_NS_COUNT; t++)
    UNIT_CHECK (oci_ns_type_from_name (oci_ns_type_name ((enum oci_ns_type)t)) == t,
                "namespace name round trip", "%d", t);
  UNIT_CHECK (oci_ns_type_from_name ("net") == -1, "unknown namespace name", "found");
  UNIT_CHECK (oci_ns_clone_flag (OCI_NS_NETWORK) == CLONE_NEWNET
                  && oci_ns_clone_flag (OCI_NS_TIME) == 0x80
                  && oci_ns_clone_flag (OCI_NS_CGROUP) == CLONE_NEWCGROUP,
              "clone flags", "mismatch");
  UNIT_STREQ (oci_hook_kind_name (OCI_HOOK_CREATE_CONTAINER), "createContainer", "hook name");
}

static void
check_spec_default (void)
{
  for (int rootless = 0; rootless < 2; rootless++)
    {
      const char *name = rootless ? "rootless default spec parses" : "default spec parses";
      struct tong_err err = { 0 };
      struct oci_config *c = NULL;
      char *json = NULL;
      int r = tong_spec_default (rootless, &json, &err);
      if (r == 0)
        r = oci_config_parse (json, strlen (json), &c, &err);
      UNIT_CHECK (r == 0, name, "%s", err.msg);
      if (r < 0)
        {
          free (json);
          continue;
        }
      UNIT_CHECK (strchr (json, '\n') != NULL, "default spec is pretty-printed", "one line");
      UNIT_STREQ (c->oci_version, "1.3.0", "default spec ociVersion");
      UNIT_STREQ (c->hostname, "tong", "default spec hostname");
      UNIT_CHECK (c->root_readonly && c->process.terminal && c->process.no_new_privileges
                      && c->process.n_rlimits == 1
                      && (rootless ? c->linux_.resources == NULL
                                   : json_get (c->linux_.resources, "devices") != NULL)
                      && c->linux_.n_masked_paths > 0,
                  "default spec fields", "mismatch");
      const struct oci_namespace *user = oci_config_ns (c, OCI_NS_USER);
      bool devpts_gid = false, sys_bind = false, cgroup = false;
      for (size_t i = 0; i < c->n_mounts; i++)
        {
          const struct oci_mount *m = &c->mounts[i];
          for (size_t o = 0; o < m->n_options; o++)
            devpts_gid
                |= strcmp (m->destination, "/dev/pts") == 0 && strcmp (m->options[o], "gid=5") == 0;
          sys_bind |= strcmp (m->destination, "/sys") == 0 && strcmp (m->type, "none") == 0;
          cgroup |= strcmp (m->destination, "/sys/fs/cgroup") == 0;
        }
      if (rootless)
        UNIT_CHECK (user && c->linux_.n_uid_mappings == 1
                        && c->linux_.uid_mappings[0].host_id == geteuid ()
                        && c->linux_.gid_mappings[0].host_id == getegid ()
                        && !oci_config_ns (c, OCI_NS_NETWORK) && !devpts_gid && sys_bind && !cgroup,
                    "rootless spec", "mismatch");
      else
        UNIT_CHECK (!user && oci_config_ns (c, OCI_NS_NETWORK) && devpts_gid && !sys_bind && cgroup
                        && c->n_mounts == 7,
                    "root spec", "mismatch");
      oci_config_free (c);
      free (json);
    }
}

static bool
array_has (const struct json_value *a, const char *s)
{
  for (size_t i = 0; a && a->type == JSON_ARRAY && i < a->u.array.len; i++)
    if (a->u.array.items[i]->type == JSON_STRING && strcmp (a->u.array.items[i]->u.string, s) == 0)
      return true;
  return false;
}

static void
check_features (void)
{
  struct tong_err err = { 0 };
  char *json = NULL;
  struct json_value *doc = NULL;
  int r = tong_features (&json, &err);
  if (r == 0)
    r = json_parse (json, strlen (json), &doc, &err);
  UNIT_CHECK (r == 0 && doc->type == JSON_OBJECT, "features is a JSON object", "%s", err.msg);
  if (r < 0)
    {
      free (json);
      return;
    }
  const struct json_value *min = json_get (doc, "ociVersionMin");
  const struct json_value *max = json_get (doc, "ociVersionMax");
  UNIT_CHECK (min && min->type == JSON_STRING && strcmp (min->u.string, "1.0.0") == 0 && max
                  && max->type == JSON_STRING && strcmp (max->u.string, "1.3.0") == 0,
              "features versions", "mismatch");
  const struct json_value *hooks = json_get (doc, "hooks");
  UNIT_CHECK (hooks && hooks->type == JSON_ARRAY && hooks->u.array.len == 6
                  && array_has (hooks, "createRuntime"),
              "features hooks", "mismatch");
  UNIT_CHECK (array_has (json_get (doc, "mountOptions"), "rbind"), "features mountOptions",
              "no rbind");
  const struct json_value *lx = json_get (doc, "linux");
  const struct json_value *ns = json_get (lx, "namespaces");
  UNIT_CHECK (ns && ns->u.array.len == 8 && array_has (ns, "time"), "features namespaces",
              "mismatch");
  UNIT_CHECK (array_has (json_get (lx, "capabilities"), "CAP_SYS_ADMIN"), "features capabilities",
              "no CAP_SYS_ADMIN");
  const struct json_value *sc = json_get (lx, "seccomp");
  const struct json_value *en = json_get (sc, "enabled");
  UNIT_CHECK (en && en->type == JSON_BOOL && en->u.boolean
                  && array_has (json_get (sc, "actions"), "SCMP_ACT_NOTIFY")
                  && array_has (json_get (sc, "operators"), "SCMP_CMP_MASKED_EQ")
                  && json_get (sc, "archs") && json_get (sc, "supportedFlags"),
              "features seccomp", "mismatch");
  const struct json_value *idmap = json_get (json_get (lx, "mountExtensions"), "idmap");
  en = json_get (idmap, "enabled");
  UNIT_CHECK (en && en->type == JSON_BOOL && en->u.boolean, "features idmap", "mismatch");
  static const char *const objs[]
      = { "cgroup", "apparmor", "selinux", "intelRdt", "memoryPolicy", "netDevices" };
  for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
    {
      const struct json_value *o = json_get (lx, objs[i]);
      UNIT_CHECK (o && o->type == JSON_OBJECT, "features linux object", "%s missing", objs[i]);
    }
  json_free (doc);
  free (json);
}

int
main (void)
{
  check_schema_tests ();
  check_refusals ();
  check_accepted ();
  check_process_parse ();
  check_load ();
  check_tables ();
  check_spec_default ();
  check_features ();
  return unit_done ();
}
