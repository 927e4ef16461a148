/* The D-Bus client without a bus: marshalling (exact bytes and alignment),
   the StartTransientUnit call tong sends to systemd, and the parsing of a
   reply, an error and a JobRemoved signal.  The three received messages were
   built by an independent encoder (a short script following the D-Bus
   specification), not by dbus.c.  */
#include "libtong/cgroup.h"
#include "libtong/dbus.h"
#include "unit.h"

#include <stdlib.h>

static const unsigned char job_removed[] = {
  0x6c, 0x04, 0x01, 0x01, 0x49, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x8d, 0x00, 0x00, 0x00,
  0x01, 0x01, 0x6f, 0x00, 0x19, 0x00, 0x00, 0x00, 0x2f, 0x6f, 0x72, 0x67, 0x2f, 0x66, 0x72, 0x65,
  0x65, 0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70, 0x2f, 0x73, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x64,
  0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x73, 0x00, 0x20, 0x00, 0x00, 0x00,
  0x6f, 0x72, 0x67, 0x2e, 0x66, 0x72, 0x65, 0x65, 0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70, 0x2e,
  0x73, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x64, 0x31, 0x2e, 0x4d, 0x61, 0x6e, 0x61, 0x67, 0x65, 0x72,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x73, 0x00, 0x0a, 0x00, 0x00, 0x00,
  0x4a, 0x6f, 0x62, 0x52, 0x65, 0x6d, 0x6f, 0x76, 0x65, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x08, 0x01, 0x67, 0x00, 0x04, 0x75, 0x6f, 0x73, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x07, 0x01, 0x73, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3a, 0x31, 0x2e, 0x30, 0x00, 0x00, 0x00, 0x00,
  0x2a, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x2f, 0x6f, 0x72, 0x67, 0x2f, 0x66, 0x72, 0x65,
  0x65, 0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70, 0x2f, 0x73, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x64,
  0x31, 0x2f, 0x6a, 0x6f, 0x62, 0x2f, 0x34, 0x32, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00,
  0x74, 0x6f, 0x6e, 0x67, 0x2d, 0x63, 0x31, 0x2e, 0x73, 0x63, 0x6f, 0x70, 0x65, 0x00, 0x00, 0x00,
  0x04, 0x00, 0x00, 0x00, 0x64, 0x6f, 0x6e, 0x65, 0x00,
};
static const unsigned char start_reply[] = {
  0x6c, 0x02, 0x01, 0x01, 0x25, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x2d, 0x00, 0x00,
  0x00, 0x05, 0x01, 0x75, 0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x01, 0x67, 0x00, 0x01, 0x6f,
  0x00, 0x00, 0x07, 0x01, 0x73, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3a, 0x31, 0x2e, 0x30, 0x00,
  0x00, 0x00, 0x00, 0x06, 0x01, 0x73, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3a, 0x31, 0x2e, 0x35,
  0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x2f, 0x6f, 0x72, 0x67, 0x2f, 0x66, 0x72,
  0x65, 0x65, 0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70, 0x2f, 0x73, 0x79, 0x73, 0x74, 0x65,
  0x6d, 0x64, 0x31, 0x2f, 0x6a, 0x6f, 0x62, 0x2f, 0x34, 0x32, 0x00,
};
static const unsigned char no_such_unit[] = {
  0x6c, 0x03, 0x01, 0x01, 0x23, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00,
  0x00, 0x04, 0x01, 0x73, 0x00, 0x23, 0x00, 0x00, 0x00, 0x6f, 0x72, 0x67, 0x2e, 0x66, 0x72,
  0x65, 0x65, 0x64, 0x65, 0x73, 0x6b, 0x74, 0x6f, 0x70, 0x2e, 0x73, 0x79, 0x73, 0x74, 0x65,
  0x6d, 0x64, 0x31, 0x2e, 0x4e, 0x6f, 0x53, 0x75, 0x63, 0x68, 0x55, 0x6e, 0x69, 0x74, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x05, 0x01, 0x75, 0x00, 0x04, 0x00, 0x00, 0x00, 0x08, 0x01, 0x67,
  0x00, 0x01, 0x73, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x55, 0x6e, 0x69, 0x74, 0x20, 0x74,
  0x6f, 0x6e, 0x67, 0x2d, 0x63, 0x31, 0x2e, 0x73, 0x63, 0x6f, 0x70, 0x65, 0x20, 0x6e, 0x6f,
  0x74, 0x20, 0x6c, 0x6f, 0x61, 0x64, 0x65, 0x64, 0x2e, 0x00,
};

static uint32_t
le32_at (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void
test_marshal (void)
{
  struct dbus_buf b = { 0 };
  dbus_w_byte (&b, 7);
  dbus_w_str (&b, "ab");
  dbus_w_u64 (&b, 0x0102030405060708ull);
  static const uint8_t want[]
      = { 7, 0, 0, 0, 2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1 };
  UNIT_CHECK (b.len == sizeof want && memcmp (b.p, want, sizeof want) == 0,
              "marshal: y, s, t padded to their alignment, little-endian", "len %zu", b.len);
  dbus_buf_free (&b);

  /* An array of structs after a u32: its length at 4, the elements from 8,
     the padding not counted.  */
  dbus_w_u32 (&b, 1);
  size_t m = dbus_w_array_begin (&b, 8);
  dbus_w_struct (&b);
  dbus_w_str (&b, "x");
  dbus_w_sig (&b, "b");
  dbus_w_bool (&b, true);
  dbus_w_array_end (&b, m);
  /* (sv): "x" = 4+2 bytes at 8..13, sig "b" 3 bytes at 14..16, pad to 20, b at 20..23.  */
  UNIT_CHECK (b.len == 24 && le32_at (b.p + 4) == 16 && b.p[14] == 1 && b.p[15] == 'b'
                  && le32_at (b.p + 20) == 1,
              "marshal: a(sv) after a u32: length 16 excludes the padding", "len %zu, alen %u",
              b.len, b.len >= 8 ? le32_at (b.p + 4) : 0);
  dbus_buf_free (&b);

  /* An empty array of structs still pads to 8.  */
  dbus_w_byte (&b, 1);
  dbus_w_array_end (&b, dbus_w_array_begin (&b, 8));
  UNIT_CHECK (b.len == 8 && le32_at (b.p + 4) == 0, "marshal: empty a(...) is length 0, padded",
              "len %zu", b.len);
  dbus_buf_free (&b);

  UNIT_CHECK (dbus_sig_one ("a(sv)s") == 5 && dbus_sig_one ("a(sa(sv))") == 9
                  && dbus_sig_one ("a{sv}") == 5 && dbus_sig_one ("(") == 0
                  && dbus_sig_one ("()") == 0 && dbus_sig_one ("z") == 0,
              "signatures: one complete type", "a(sv)s %zu", dbus_sig_one ("a(sv)s"));
}

struct props
{
  const char *desc, *slice;
  uint32_t pid;
  size_t n_pids;
  bool delegate, delegate_seen;
  uint64_t memory_max, cpu_weight, quota, tasks, io_weight, memory_low, swap_max;
  uint8_t cpus[8];
  size_t n_cpus;
};

static void
test_start_call (void)
{
  const char *text = "{\"memory\": {\"limit\": 67108864, \"reservation\": 1048576, \"swap\": "
                     "134217728}, \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": "
                     "100000, \"cpus\": \"0-1,3\"}, \"pids\": {\"limit\": 32}, \"blockIO\": "
                     "{\"weight\": 500}}";
  struct json_value *v = NULL;
  struct tong_err err = { 0 };
  struct cg_resources res;
  if (json_parse (text, strlen (text), &v, &err) < 0
      || cg_resources_parse (v, "linux.resources", &res, &err) < 0)
    {
      UNIT_CHECK (0, "start call: resources parse", "%s", err.msg);
      return;
    }
  json_free (v);
  struct dbus_buf body, msg;
  int r = cg_systemd_start_body ("tong-c1.scope", "system.slice", "tong container c1", 1234, &res,
                                 CG_MODE_V2, NULL, 0, &body, &err);
  UNIT_CHECK (r == 0, "start call: body built", "%s", err.msg);
  if (r < 0)
    return;
  struct dbus_call call
      = { "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
          "org.freedesktop.systemd1.Manager", "StartTransientUnit", "ssa(sv)a(sa(sv))" };
  r = dbus_encode_call (&call, 5, &body, &msg, &err);
  UNIT_CHECK (r == 0, "start call: message encoded", "%s", err.msg);
  if (r < 0)
    return;
  UNIT_CHECK (msg.p[0] == 'l' && msg.p[1] == DBUS_METHOD_CALL && msg.p[2] == 0 && msg.p[3] == 1,
              "start call: fixed header l, METHOD_CALL, flags 0, version 1", "%c %u %u %u",
              msg.p[0], msg.p[1], msg.p[2], msg.p[3]);
  UNIT_CHECK (le32_at (msg.p + 4) == body.len && le32_at (msg.p + 8) == 5,
              "start call: body length and serial", "%u %u", le32_at (msg.p + 4),
              le32_at (msg.p + 8));
  size_t hdr = (16 + le32_at (msg.p + 12) + 7) / 8 * 8;
  UNIT_CHECK (hdr + body.len == msg.len && memcmp (msg.p + hdr, body.p, body.len) == 0,
              "start call: the body follows the header at an 8-byte boundary", "hdr %zu", hdr);
  /* The header fields: PATH (1, o) first, as we write them.  */
  UNIT_CHECK (msg.p[16] == 1 && msg.p[17] == 1 && msg.p[18] == 'o' && msg.p[19] == 0
                  && le32_at (msg.p + 20) == strlen ("/org/freedesktop/systemd1")
                  && memcmp (msg.p + 24, "/org/freedesktop/systemd1", 26) == 0,
              "start call: PATH header field, variant o", "%02x %02x %02x", msg.p[16], msg.p[17],
              msg.p[18]);

  struct dbus_msg m;
  r = dbus_msg_decode (msg.p, msg.len, &m, &err);
  UNIT_CHECK (r == 0, "start call: decodes again", "%s", err.msg);
  if (r == 0)
    {
      UNIT_STREQ (m.member, "StartTransientUnit", "start call: member");
      UNIT_STREQ (m.iface, "org.freedesktop.systemd1.Manager", "start call: interface");
      UNIT_STREQ (m.dest, "org.freedesktop.systemd1", "start call: destination");
      UNIT_STREQ (m.sig, "ssa(sv)a(sa(sv))", "start call: signature");
      struct dbus_rd rd;
      dbus_rd_init (&rd, m.body, m.body_len);
      UNIT_STREQ (dbus_r_str (&rd), "tong-c1.scope", "start call: unit name");
      UNIT_STREQ (dbus_r_str (&rd), "replace", "start call: mode replace");
      struct props p = { 0 };
      size_t end = dbus_r_array (&rd, 8);
      while (!rd.bad && rd.pos < end)
        {
          /* Each (sv) starts 8-aligned.  */
          rd.pos = (rd.pos + 7) / 8 * 8;
          const char *name = dbus_r_str (&rd);
          const char *vs = dbus_r_sig (&rd);
          if (name == NULL || vs == NULL)
            break;
          if (strcmp (vs, "s") == 0 && strcmp (name, "Description") == 0)
            p.desc = dbus_r_str (&rd);
          else if (strcmp (vs, "s") == 0 && strcmp (name, "Slice") == 0)
            p.slice = dbus_r_str (&rd);
          else if (strcmp (vs, "au") == 0 && strcmp (name, "PIDs") == 0)
            {
              size_t e = dbus_r_array (&rd, 4);
              while (!rd.bad && rd.pos < e)
                {
                  p.pid = dbus_r_u32 (&rd);
                  p.n_pids++;
                }
            }
          else if (strcmp (vs, "b") == 0 && strcmp (name, "Delegate") == 0)
            {
              p.delegate = dbus_r_bool (&rd);
              p.delegate_seen = true;
            }
          else if (strcmp (vs, "ay") == 0 && strcmp (name, "AllowedCPUs") == 0)
            {
              size_t e = dbus_r_array (&rd, 1);
              while (!rd.bad && rd.pos < e)
                {
                  uint8_t c = dbus_r_byte (&rd);
                  if (p.n_cpus < sizeof p.cpus)
                    p.cpus[p.n_cpus++] = c;
                }
            }
          else if (strcmp (vs, "t") == 0)
            {
              uint64_t x = dbus_r_u64 (&rd);
              if (strcmp (name, "MemoryMax") == 0)
                p.memory_max = x;
              else if (strcmp (name, "MemoryLow") == 0)
                p.memory_low = x;
              else if (strcmp (name, "MemorySwapMax") == 0)
                p.swap_max = x;
              else if (strcmp (name, "CPUWeight") == 0)
                p.cpu_weight = x;
              else if (strcmp (name, "CPUQuotaPerSecUSec") == 0)
                p.quota = x;
              else if (strcmp (name, "TasksMax") == 0)
                p.tasks = x;
              else if (strcmp (name, "IOWeight") == 0)
                p.io_weight = x;
            }
          else
            {
              const char *s = vs;
              dbus_r_skip (&rd, &s);
            }
        }
      UNIT_CHECK (!rd.bad && rd.pos == end, "start call: a(sv) walks to its end", "pos %zu end %zu",
                  rd.pos, end);
      UNIT_STREQ (p.desc, "tong container c1", "start call: Description");
      UNIT_STREQ (p.slice, "system.slice", "start call: Slice");
      UNIT_CHECK (p.n_pids == 1 && p.pid == 1234, "start call: PIDs [1234]", "%zu %u", p.n_pids,
                  p.pid);
      UNIT_CHECK (p.delegate_seen && p.delegate, "start call: Delegate true", "seen %d",
                  p.delegate_seen);
      UNIT_CHECK (p.memory_max == 67108864, "start call: MemoryMax", "%llu",
                  (unsigned long long) p.memory_max);
      UNIT_CHECK (p.memory_low == 1048576, "start call: MemoryLow", "%llu",
                  (unsigned long long) p.memory_low);
      UNIT_CHECK (p.swap_max == 134217728 - 67108864, "start call: MemorySwapMax (swap - limit)",
                  "%llu", (unsigned long long) p.swap_max);
      UNIT_CHECK (p.cpu_weight == 39, "start call: CPUWeight from shares 1024", "%llu",
                  (unsigned long long) p.cpu_weight);
      UNIT_CHECK (p.quota == 500000, "start call: CPUQuotaPerSecUSec 50000/100000", "%llu",
                  (unsigned long long) p.quota);
      UNIT_CHECK (p.tasks == 32, "start call: TasksMax", "%llu", (unsigned long long) p.tasks);
      UNIT_CHECK (p.io_weight == cg_blkio_weight_to_io (500), "start call: IOWeight", "%llu",
                  (unsigned long long) p.io_weight);
      UNIT_CHECK (p.n_cpus == 1 && p.cpus[0] == 0x0b, "start call: AllowedCPUs 0-1,3 = 0x0b",
                  "%zu %02x", p.n_cpus, p.cpus[0]);
      /* The auxiliary units: an empty a(sa(sv)), and nothing after it.  */
      size_t aux = dbus_r_array (&rd, 8);
      UNIT_CHECK (!rd.bad && aux == rd.pos && rd.pos == rd.len,
                  "start call: empty aux array ends the body", "pos %zu len %zu", rd.pos, rd.len);
      dbus_msg_free (&m);
    }
  dbus_buf_free (&msg);
  dbus_buf_free (&body);

  /* v1 names.  */
  r = cg_systemd_start_body ("a.scope", "system.slice", "d", 1, &res, CG_MODE_V1, NULL, 0, &body,
                             &err);
  bool has_shares = r == 0 && memmem (body.p, body.len, "CPUShares", 9)
                    && memmem (body.p, body.len, "MemoryLimit", 11)
                    && !memmem (body.p, body.len, "MemoryMax", 9)
                    && !memmem (body.p, body.len, "CPUWeight", 9);
  UNIT_CHECK (has_shares, "start call v1: CPUShares and MemoryLimit, not the v2 names", "%s",
              err.msg);
  if (r == 0)
    dbus_buf_free (&body);
  cg_resources_free (&res);
}

/* Device rules as DevicePolicy/DeviceAllow: said when systemd can say
   them all, left out when not.  */
static void
test_devices (void)
{
  struct tong_err err = { 0 };
  struct cg_resources res = { 0 };
  /* A config deny-all (as tong spec writes it), then an allow of c 10:200.  */
  struct cg_device_rule cfg[2] = { { false, 'a', -1, -1, "rwm" }, { true, 'c', 10, 200, "rw" } };
  res.has_devices = true;
  res.devices = cfg;
  res.n_devices = 2;
  struct cg_device_rule *rules = NULL;
  size_t n = 0;
  struct dbus_buf b;
  int r = cg_device_rules (&res, &rules, &n, &err);
  if (r == 0)
    r = cg_systemd_start_body ("a.scope", "system.slice", "d", 1, NULL, CG_MODE_V2, rules, n, &b,
                               &err);
  UNIT_CHECK (r == 0, "devices: body built", "%s", err.msg);
  if (r == 0)
    {
      UNIT_CHECK (memmem (b.p, b.len, "DevicePolicy", 12) && memmem (b.p, b.len, "strict", 6)
                      && memmem (b.p, b.len, "/dev/char/10:200", 16)
                      && memmem (b.p, b.len, "/dev/char/1:3", 13)
                      && memmem (b.p, b.len, "a(ss)", 5),
                  "devices: DevicePolicy strict, DeviceAllow /dev/char/M:m", "-");
      dbus_buf_free (&b);
    }
  free (rules);
  /* A deny of one device cannot be said to systemd: nothing is sent.  */
  cfg[1].allow = false;
  r = cg_device_rules (&res, &rules, &n, &err);
  if (r == 0)
    r = cg_systemd_start_body ("a.scope", "system.slice", "d", 1, NULL, CG_MODE_V2, rules, n, &b,
                               &err);
  UNIT_CHECK (r == 0 && !memmem (b.p, b.len, "DevicePolicy", 12),
              "devices: a single-device deny leaves the rules to tong", "%s", err.msg);
  if (r == 0)
    dbus_buf_free (&b);
  free (rules);
}

static void
test_receive (void)
{
  struct tong_err err = { 0 };
  struct dbus_msg m;
  UNIT_CHECK (dbus_msg_size (job_removed, 15, &err) == 0, "size: 15 bytes are not enough", "-");
  UNIT_CHECK (dbus_msg_size (job_removed, sizeof job_removed, &err) == (long) sizeof job_removed,
              "size: the whole JobRemoved signal", "%ld",
              dbus_msg_size (job_removed, sizeof job_removed, &err));
  int r = dbus_msg_decode (job_removed, sizeof job_removed, &m, &err);
  UNIT_CHECK (r == 0, "JobRemoved: decodes", "%s", err.msg);
  if (r == 0)
    {
      UNIT_CHECK (m.type == DBUS_SIGNAL && m.serial == 7 && m.flags == 1, "JobRemoved: a signal",
                  "%u %u", m.type, m.serial);
      UNIT_STREQ (m.path, "/org/freedesktop/systemd1", "JobRemoved: path");
      UNIT_STREQ (m.iface, "org.freedesktop.systemd1.Manager", "JobRemoved: interface");
      UNIT_STREQ (m.member, "JobRemoved", "JobRemoved: member");
      UNIT_STREQ (m.sender, ":1.0", "JobRemoved: sender");
      UNIT_STREQ (m.sig, "uoss", "JobRemoved: signature");
      struct dbus_rd rd;
      dbus_rd_init (&rd, m.body, m.body_len);
      UNIT_CHECK (dbus_r_u32 (&rd) == 42, "JobRemoved: id", "-");
      UNIT_STREQ (dbus_r_str (&rd), "/org/freedesktop/systemd1/job/42", "JobRemoved: job path");
      UNIT_STREQ (dbus_r_str (&rd), "tong-c1.scope", "JobRemoved: unit");
      UNIT_STREQ (dbus_r_str (&rd), "done", "JobRemoved: result");
      UNIT_CHECK (!rd.bad && rd.pos == rd.len, "JobRemoved: body read exactly", "%zu/%zu", rd.pos,
                  rd.len);
      dbus_msg_free (&m);
    }
  r = dbus_msg_decode (start_reply, sizeof start_reply, &m, &err);
  UNIT_CHECK (r == 0 && m.type == DBUS_METHOD_RETURN && m.reply_serial == 3,
              "reply: METHOD_RETURN to serial 3", "%s", err.msg);
  if (r == 0)
    {
      UNIT_STREQ (m.dest, ":1.5", "reply: destination");
      struct dbus_rd rd;
      dbus_rd_init (&rd, m.body, m.body_len);
      UNIT_STREQ (dbus_r_str (&rd), "/org/freedesktop/systemd1/job/42", "reply: the job path");
      dbus_msg_free (&m);
    }
  r = dbus_msg_decode (no_such_unit, sizeof no_such_unit, &m, &err);
  UNIT_CHECK (r == 0 && m.type == DBUS_ERROR && m.reply_serial == 4, "error: ERROR to serial 4",
              "%s", err.msg);
  if (r == 0)
    {
      UNIT_STREQ (m.error, "org.freedesktop.systemd1.NoSuchUnit", "error: its name");
      struct dbus_rd rd;
      dbus_rd_init (&rd, m.body, m.body_len);
      UNIT_STREQ (dbus_r_str (&rd), "Unit tong-c1.scope not loaded.", "error: its message");
      dbus_msg_free (&m);
    }
  /* Damage: big-endian, a string past the end, a missing NUL.  */
  uint8_t bad[sizeof job_removed];
  memcpy (bad, job_removed, sizeof bad);
  bad[0] = 'B';
  UNIT_CHECK (dbus_msg_decode (bad, sizeof bad, &m, &err) < 0, "refused: big-endian message", "-");
  memcpy (bad, job_removed, sizeof bad);
  bad[20] = 0xff; /* the PATH field's string length.  */
  UNIT_CHECK (dbus_msg_decode (bad, sizeof bad, &m, &err) < 0,
              "refused: a header string longer than the header", "-");
  UNIT_CHECK (dbus_msg_decode (job_removed, sizeof job_removed - 1, &m, &err) < 0,
              "refused: a truncated message", "-");
  struct dbus_rd rd;
  static const uint8_t nonul[] = { 2, 0, 0, 0, 'a', 'b', 'c' };
  dbus_rd_init (&rd, nonul, sizeof nonul);
  UNIT_CHECK (dbus_r_str (&rd) == NULL && rd.bad, "refused: a string without its NUL", "-");
}

static void
test_cpumask (void)
{
  struct tong_err err = { 0 };
  uint8_t *m = NULL;
  size_t n = 0;
  int r = cg_systemd_cpumask ("0-3,8", &m, &n, &err);
  UNIT_CHECK (r == 0 && n == 2 && m[0] == 0x0f && m[1] == 0x01, "cpumask: 0-3,8", "%s", err.msg);
  free (m);
  r = cg_systemd_cpumask ("63", &m, &n, &err);
  UNIT_CHECK (r == 0 && n == 8 && m[7] == 0x80, "cpumask: 63 is bit 7 of byte 7", "%s", err.msg);
  free (m);
  UNIT_CHECK (cg_systemd_cpumask ("3-1", &m, &n, &err) < 0, "cpumask: refused 3-1", "-");
  UNIT_CHECK (cg_systemd_cpumask ("a", &m, &n, &err) < 0, "cpumask: refused a", "-");
}

static void
test_state (void)
{
  /* The unit kept in the state, and no v1 line made of it.  */
  struct tong_cgroup cg = { 0 }, back;
  cg.mode = CG_MODE_V2;
  cg.v2_root = "/sys/fs/cgroup";
  cg.path = strdup ("/system.slice/tong-c1.scope");
  cg.sd_unit = strdup ("tong-c1.scope");
  char *s = cgroup_serialize (&cg);
  struct tong_err err = { 0 };
  int r = cgroup_open (&back, s, &err);
  UNIT_CHECK (r == 0 && back.driver == &cgroup_driver_systemd && back.sd_started && back.sd_unit
                  && strcmp (back.sd_unit, "tong-c1.scope") == 0 && back.v1_mount[0] == NULL
                  && strcmp (back.path, cg.path) == 0,
              "state: the systemd unit round-trips", "%s", s);
  free (s);
  cgroup_clear (&cg);
  cgroup_clear (&back);
}

int
main (void)
{
  test_marshal ();
  test_start_call ();
  test_devices ();
  test_receive ();
  test_cpumask ();
  test_state ();
  return unit_done ();
}
