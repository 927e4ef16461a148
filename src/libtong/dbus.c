/* A small D-Bus client (see dbus.h): the marshalling of the D-Bus
   specification, little-endian only (what we send, and what systemd sends on
   the machines tong runs on), SASL EXTERNAL, and a blocking call with a
   bounded wait.  */
#include "dbus.h"
#include "cleanup.h"
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Larger than anything systemd replies to us; the spec allows 128 MiB.  */
#define DBUS_MAX_MSG (16u << 20)

/* Header field codes.  */
enum
{
  F_PATH = 1,
  F_INTERFACE = 2,
  F_MEMBER = 3,
  F_ERROR_NAME = 4,
  F_REPLY_SERIAL = 5,
  F_DESTINATION = 6,
  F_SENDER = 7,
  F_SIGNATURE = 8,
};

/* ---- writing ------------------------------------------------------------- */

void
dbus_buf_free (struct dbus_buf *b)
{
  free (b->p);
  memset (b, 0, sizeof *b);
}

static uint8_t *
reserve (struct dbus_buf *b, size_t n)
{
  if (b->oom)
    return NULL;
  if (b->len + n > b->cap)
    {
      size_t cap = b->cap ? b->cap : 256;
      while (cap < b->len + n)
        cap *= 2;
      uint8_t *p = realloc (b->p, cap);
      if (p == NULL)
        {
          b->oom = true;
          return NULL;
        }
      b->p = p;
      b->cap = cap;
    }
  uint8_t *at = b->p + b->len;
  b->len += n;
  return at;
}

static void
put (struct dbus_buf *b, const void *data, size_t n)
{
  uint8_t *at = reserve (b, n);
  if (at)
    memcpy (at, data, n);
}

void
dbus_w_align (struct dbus_buf *b, size_t align)
{
  size_t pad = (align - b->len % align) % align;
  uint8_t *at = reserve (b, pad);
  if (at)
    memset (at, 0, pad);
}

void
dbus_w_byte (struct dbus_buf *b, uint8_t v)
{
  put (b, &v, 1);
}

/* Explicit little-endian bytes, whatever the host.  */
static void
put_le (struct dbus_buf *b, uint64_t v, size_t n)
{
  uint8_t x[8];
  for (size_t i = 0; i < n; i++)
    x[i] = (uint8_t) (v >> (8 * i));
  put (b, x, n);
}

void
dbus_w_u32 (struct dbus_buf *b, uint32_t v)
{
  dbus_w_align (b, 4);
  put_le (b, v, 4);
}

void
dbus_w_bool (struct dbus_buf *b, bool v)
{
  dbus_w_u32 (b, v ? 1 : 0);
}

void
dbus_w_u64 (struct dbus_buf *b, uint64_t v)
{
  dbus_w_align (b, 8);
  put_le (b, v, 8);
}

void
dbus_w_str (struct dbus_buf *b, const char *s)
{
  size_t n = strlen (s);
  dbus_w_u32 (b, (uint32_t) n);
  put (b, s, n + 1);
}

void
dbus_w_sig (struct dbus_buf *b, const char *sig)
{
  size_t n = strlen (sig);
  dbus_w_byte (b, (uint8_t) n);
  put (b, sig, n + 1);
}

/* The mark keeps where the length goes and how much padding to the first
   element follows it (0..7): the length counts the elements only.  */
size_t
dbus_w_array_begin (struct dbus_buf *b, size_t elem_align)
{
  dbus_w_u32 (b, 0);
  size_t at = b->len - 4;
  dbus_w_align (b, elem_align);
  return at * 8 + (b->len - at - 4);
}

void
dbus_w_array_end (struct dbus_buf *b, size_t mark)
{
  if (b->oom)
    return;
  size_t at = mark / 8, start = at + 4 + mark % 8;
  uint32_t n = (uint32_t) (b->len - start);
  for (int i = 0; i < 4; i++)
    b->p[at + i] = (uint8_t) (n >> (8 * i));
}

static void
field_str (struct dbus_buf *b, uint8_t code, const char *type, const char *v)
{
  if (v == NULL)
    return;
  dbus_w_struct (b);
  dbus_w_byte (b, code);
  dbus_w_sig (b, type);
  if (type[0] == 'g')
    dbus_w_sig (b, v);
  else
    dbus_w_str (b, v);
}

int
dbus_encode_call (const struct dbus_call *c, uint32_t serial, const struct dbus_buf *body,
                  struct dbus_buf *out, struct tong_err *err)
{
  memset (out, 0, sizeof *out);
  size_t body_len = body ? body->len : 0;
  dbus_w_byte (out, 'l');
  dbus_w_byte (out, DBUS_METHOD_CALL);
  dbus_w_byte (out, 0);
  dbus_w_byte (out, 1); /* protocol version.  */
  dbus_w_u32 (out, (uint32_t) body_len);
  dbus_w_u32 (out, serial);
  size_t fields = dbus_w_array_begin (out, 8);
  field_str (out, F_PATH, "o", c->path);
  field_str (out, F_INTERFACE, "s", c->iface);
  field_str (out, F_MEMBER, "s", c->member);
  field_str (out, F_DESTINATION, "s", c->dest);
  if (body_len)
    field_str (out, F_SIGNATURE, "g", c->sig);
  dbus_w_array_end (out, fields);
  /* The body starts 8-aligned.  */
  dbus_w_align (out, 8);
  if (body_len)
    put (out, body->p, body_len);
  if (out->oom || (body && body->oom))
    {
      dbus_buf_free (out);
      return tong_err_set (err, ENOMEM, "D-Bus message");
    }
  return 0;
}

/* ---- reading ------------------------------------------------------------- */

void
dbus_rd_init (struct dbus_rd *r, const uint8_t *p, size_t len)
{
  r->p = p;
  r->len = len;
  r->pos = 0;
  r->bad = false;
}

static bool
r_align (struct dbus_rd *r, size_t align)
{
  size_t pos = (r->pos + align - 1) / align * align;
  if (r->bad || pos > r->len)
    {
      r->bad = true;
      return false;
    }
  r->pos = pos;
  return true;
}

static uint64_t
get_le (struct dbus_rd *r, size_t n)
{
  if (!r_align (r, n) || r->len - r->pos < n)
    {
      r->bad = true;
      return 0;
    }
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++)
    v |= (uint64_t) r->p[r->pos + i] << (8 * i);
  r->pos += n;
  return v;
}

uint8_t
dbus_r_byte (struct dbus_rd *r)
{
  return (uint8_t) get_le (r, 1);
}

bool
dbus_r_bool (struct dbus_rd *r)
{
  return get_le (r, 4) != 0;
}

uint32_t
dbus_r_u32 (struct dbus_rd *r)
{
  return (uint32_t) get_le (r, 4);
}

uint64_t
dbus_r_u64 (struct dbus_rd *r)
{
  return get_le (r, 8);
}

/* N bytes and the NUL after them, at the cursor.  */
static const char *
r_chars (struct dbus_rd *r, size_t n)
{
  if (r->bad || r->len - r->pos < n + 1 || r->p[r->pos + n] != '\0'
      || memchr (r->p + r->pos, '\0', n))
    {
      r->bad = true;
      return NULL;
    }
  const char *s = (const char *) r->p + r->pos;
  r->pos += n + 1;
  return s;
}

const char *
dbus_r_str (struct dbus_rd *r)
{
  uint32_t n = dbus_r_u32 (r);
  return r->bad ? NULL : r_chars (r, n);
}

const char *
dbus_r_sig (struct dbus_rd *r)
{
  uint8_t n = dbus_r_byte (r);
  return r->bad ? NULL : r_chars (r, n);
}

size_t
dbus_r_array (struct dbus_rd *r, size_t elem_align)
{
  uint32_t n = dbus_r_u32 (r);
  if (!r_align (r, elem_align) || n > r->len - r->pos)
    {
      r->bad = true;
      return r->pos;
    }
  return r->pos + n;
}

static size_t
sig_one_depth (const char *sig, int depth)
{
  if (depth > 32)
    return 0;
  switch (*sig)
    {
    case 'y':
    case 'b':
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'x':
    case 't':
    case 'd':
    case 'h':
    case 's':
    case 'o':
    case 'g':
    case 'v':
      return 1;
    case 'a':
      {
        size_t n = sig_one_depth (sig + 1, depth + 1);
        return n ? n + 1 : 0;
      }
    case '(':
    case '{':
      {
        char close = *sig == '(' ? ')' : '}';
        size_t i = 1;
        while (sig[i] && sig[i] != close)
          {
            size_t n = sig_one_depth (sig + i, depth + 1);
            if (n == 0)
              return 0;
            i += n;
          }
        return sig[i] == close && i > 1 ? i + 1 : 0;
      }
    default:
      return 0;
    }
}

size_t
dbus_sig_one (const char *sig)
{
  return sig_one_depth (sig, 0);
}

static size_t
sig_align (char c)
{
  switch (c)
    {
    case 'y':
    case 'g':
    case 'v':
      return 1;
    case 'n':
    case 'q':
      return 2;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default:
      return 4;
    }
}

static void
skip_depth (struct dbus_rd *r, const char **sig, int depth)
{
  const char *s = *sig;
  size_t n = dbus_sig_one (s);
  if (n == 0 || depth > 32)
    {
      r->bad = true;
      return;
    }
  *sig = s + n;
  switch (*s)
    {
    case 's':
    case 'o':
      dbus_r_str (r);
      return;
    case 'g':
      dbus_r_sig (r);
      return;
    case 'v':
      {
        const char *inner = dbus_r_sig (r);
        if (inner == NULL || dbus_sig_one (inner) != strlen (inner))
          {
            r->bad = true;
            return;
          }
        skip_depth (r, &inner, depth + 1);
        return;
      }
    case 'a':
      {
        size_t end = dbus_r_array (r, sig_align (s[1]));
        while (!r->bad && r->pos < end)
          {
            const char *e = s + 1;
            skip_depth (r, &e, depth + 1);
          }
        if (r->pos != end)
          r->bad = true;
        return;
      }
    case '(':
    case '{':
      {
        r_align (r, 8);
        const char *e = s + 1;
        while (!r->bad && e < s + n - 1)
          skip_depth (r, &e, depth + 1);
        return;
      }
    case 'y':
      get_le (r, 1);
      return;
    case 'n':
    case 'q':
      get_le (r, 2);
      return;
    case 'x':
    case 't':
    case 'd':
      get_le (r, 8);
      return;
    default:
      get_le (r, 4);
      return;
    }
}

void
dbus_r_skip (struct dbus_rd *r, const char **sig)
{
  skip_depth (r, sig, 0);
}

void
dbus_msg_free (struct dbus_msg *m)
{
  free (m->raw);
  memset (m, 0, sizeof *m);
}

static uint32_t
le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

long
dbus_msg_size (const uint8_t *data, size_t len, struct tong_err *err)
{
  if (len < 16)
    return 0;
  if (data[0] != 'l')
    return tong_err_set (err, EPROTO, "D-Bus: a message in byte order '%c', not 'l'", data[0]);
  if (data[3] != 1)
    return tong_err_set (err, EPROTO, "D-Bus: protocol version %u", data[3]);
  uint64_t fields = le32 (data + 12), body = le32 (data + 4);
  uint64_t total = (16 + fields + 7) / 8 * 8 + body;
  if (total > DBUS_MAX_MSG)
    return tong_err_set (err, EMSGSIZE, "D-Bus: a message of %llu bytes",
                         (unsigned long long) total);
  return (long) total;
}

int
dbus_msg_decode (const uint8_t *data, size_t len, struct dbus_msg *m, struct tong_err *err)
{
  memset (m, 0, sizeof *m);
  long total = dbus_msg_size (data, len, err);
  if (total < 0)
    return -1;
  if (total == 0 || (size_t) total > len)
    return tong_err_set (err, EPROTO, "D-Bus: a truncated message");
  m->raw = malloc ((size_t) total);
  if (m->raw == NULL)
    return tong_err_set (err, ENOMEM, "D-Bus message");
  memcpy (m->raw, data, (size_t) total);
  m->raw_len = (size_t) total;
  m->type = data[1];
  m->flags = data[2];
  m->serial = le32 (data + 8);
  uint32_t fields_len = le32 (data + 12), body_len = le32 (data + 4);
  /* The fields array, read in place: offsets are from the message start.  */
  struct dbus_rd r;
  dbus_rd_init (&r, m->raw, 16 + (size_t) fields_len);
  r.pos = 16;
  while (!r.bad && r.pos < r.len)
    {
      r_align (&r, 8);
      if (r.pos >= r.len)
        break;
      uint8_t code = dbus_r_byte (&r);
      const char *type = dbus_r_sig (&r);
      if (type == NULL || dbus_sig_one (type) != strlen (type))
        {
          r.bad = true;
          break;
        }
      const char *v = NULL;
      if (strcmp (type, "s") == 0 || strcmp (type, "o") == 0)
        v = dbus_r_str (&r);
      else if (strcmp (type, "g") == 0)
        v = dbus_r_sig (&r);
      else if (strcmp (type, "u") == 0 && code == F_REPLY_SERIAL)
        m->reply_serial = dbus_r_u32 (&r);
      else
        dbus_r_skip (&r, &type);
      switch (code)
        {
        case F_PATH:
          m->path = v;
          break;
        case F_INTERFACE:
          m->iface = v;
          break;
        case F_MEMBER:
          m->member = v;
          break;
        case F_ERROR_NAME:
          m->error = v;
          break;
        case F_DESTINATION:
          m->dest = v;
          break;
        case F_SENDER:
          m->sender = v;
          break;
        case F_SIGNATURE:
          m->sig = v;
          break;
        default:
          break;
        }
    }
  if (r.bad || m->type < DBUS_METHOD_CALL || m->type > DBUS_SIGNAL)
    {
      dbus_msg_free (m);
      return tong_err_set (err, EPROTO, "D-Bus: a malformed message header");
    }
  m->body = m->raw + (size_t) total - body_len;
  m->body_len = body_len;
  if (m->sig == NULL)
    m->sig = "";
  return 0;
}

/* ---- the connection ------------------------------------------------------- */

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
send_all (int fd, const void *data, size_t n, struct tong_err *err)
{
  const char *p = data;
  while (n)
    {
      ssize_t w = send (fd, p, n, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return tong_err_set (err, errno, "D-Bus: send");
      p += w;
      n -= (size_t) w;
    }
  return 0;
}

/* One line of the SASL exchange, byte by byte: nothing after it may be
   consumed (the server sends nothing more before BEGIN anyway).  */
static int
read_line (int fd, char *buf, size_t len, struct tong_err *err)
{
  size_t n = 0;
  long long end = now_ms () + 10000;
  while (n + 1 < len)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      int left = (int) (end - now_ms ());
      if (left <= 0 || poll (&pfd, 1, left) == 0)
        return tong_err_set (err, ETIMEDOUT, "D-Bus: authentication");
      ssize_t r = read (fd, buf + n, 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return tong_err_set (err, r < 0 ? errno : ECONNRESET, "D-Bus: authentication");
      if (++n >= 2 && buf[n - 2] == '\r' && buf[n - 1] == '\n')
        {
          buf[n - 2] = '\0';
          return 0;
        }
    }
  return tong_err_set (err, EPROTO, "D-Bus: authentication: a line too long");
}

void
dbus_close (struct dbus_conn *c)
{
  if (c->fd >= 0)
    close (c->fd);
  free (c->in);
  free (c->name);
  memset (c, 0, sizeof *c);
  c->fd = -1;
}

int
dbus_connect (struct dbus_conn *c, const char *path, bool bus, struct tong_err *err)
{
  memset (c, 0, sizeof *c);
  c->fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    return tong_err_set (err, errno, "D-Bus: socket");
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof sa.sun_path)
    {
      dbus_close (c);
      return tong_err_set (err, ENAMETOOLONG, "D-Bus: %s", path);
    }
  strcpy (sa.sun_path, path);
  if (connect (c->fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      int e = errno;
      dbus_close (c);
      return tong_err_set (err, e, "D-Bus: connect to %s", path);
    }
  /* SASL EXTERNAL: the server checks the uid against SO_PEERCRED; the
     identity is the decimal uid, hex-encoded.  */
  char uid[16], line[128], hex[40] = "";
  snprintf (uid, sizeof uid, "%u", (unsigned) geteuid ());
  for (size_t i = 0; uid[i]; i++)
    snprintf (hex + 2 * i, 3, "%02x", (unsigned char) uid[i]);
  int n = snprintf (line, sizeof line, "%cAUTH EXTERNAL %s\r\n", '\0', hex);
  if (send_all (c->fd, line, (size_t) n, err) < 0 || read_line (c->fd, line, sizeof line, err) < 0)
    goto fail;
  if (strncmp (line, "OK ", 3) != 0)
    {
      tong_err_set (err, EACCES, "D-Bus: %s refused authentication: %.80s", path, line);
      goto fail;
    }
  if (send_all (c->fd, "BEGIN\r\n", 7, err) < 0)
    goto fail;
  if (bus)
    {
      struct dbus_call hello = { "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "Hello", NULL };
      struct dbus_msg m;
      if (dbus_method (c, &hello, NULL, &m, NULL, NULL, 10000, err) < 0)
        {
          if (m.raw)
            dbus_msg_free (&m);
          goto fail;
        }
      struct dbus_rd r;
      dbus_rd_init (&r, m.body, m.body_len);
      const char *name = strcmp (m.sig, "s") == 0 ? dbus_r_str (&r) : NULL;
      c->name = name ? strdup (name) : NULL;
      dbus_msg_free (&m);
    }
  return 0;
fail:
  dbus_close (c);
  return tong_err_wrap (err, "connect to %s", path);
}

int
dbus_read (struct dbus_conn *c, struct dbus_msg *m, int timeout_ms, struct tong_err *err)
{
  memset (m, 0, sizeof *m);
  long long end = now_ms () + timeout_ms;
  for (;;)
    {
      long total = dbus_msg_size (c->in, c->in_len, err);
      if (total < 0)
        return -1;
      if (total > 0 && (size_t) total <= c->in_len)
        {
          if (dbus_msg_decode (c->in, (size_t) total, m, err) < 0)
            return -1;
          tong_debug ("D-Bus: got type %u serial %u reply to %u %s%s%s", m->type, m->serial,
                      m->reply_serial, m->member ? m->member : "", m->error ? " error " : "",
                      m->error ? m->error : "");
          memmove (c->in, c->in + total, c->in_len - (size_t) total);
          c->in_len -= (size_t) total;
          return 0;
        }
      if (c->in_cap - c->in_len < 4096)
        {
          size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
          uint8_t *p = realloc (c->in, cap);
          if (p == NULL)
            return tong_err_set (err, ENOMEM, "D-Bus");
          c->in = p;
          c->in_cap = cap;
        }
      struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
      int left = (int) (end - now_ms ());
      if (left <= 0)
        {
          if (c->in_len)
            tong_debug ("D-Bus: %zu bytes of an unfinished message (size %ld) buffered", c->in_len,
                        total);
          return tong_err_set (err, ETIMEDOUT, "D-Bus: no answer");
        }
      int pr = poll (&pfd, 1, left);
      if (pr < 0 && errno == EINTR)
        continue;
      if (pr < 0)
        return tong_err_set (err, errno, "D-Bus: poll");
      if (pr == 0)
        continue;
      ssize_t r = read (c->fd, c->in + c->in_len, c->in_cap - c->in_len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return tong_err_set (err, r < 0 ? errno : ECONNRESET, "D-Bus: read");
      c->in_len += (size_t) r;
    }
}

int
dbus_method (struct dbus_conn *c, const struct dbus_call *call, const struct dbus_buf *body,
             struct dbus_msg *reply, dbus_signal_fn on_signal, void *data, int timeout_ms,
             struct tong_err *err)
{
  memset (reply, 0, sizeof *reply);
  struct dbus_buf out;
  uint32_t serial = ++c->serial;
  if (dbus_encode_call (call, serial, body, &out, err) < 0)
    return -1;
  tong_debug ("D-Bus: call %s serial %u (%zu bytes)", call->member, serial, out.len);
  int r = send_all (c->fd, out.p, out.len, err);
  dbus_buf_free (&out);
  if (r < 0)
    return tong_err_wrap (err, "%s", call->member);
  long long end = now_ms () + timeout_ms;
  for (;;)
    {
      struct dbus_msg m;
      int left = (int) (end - now_ms ());
      if (dbus_read (c, &m, left > 0 ? left : 0, err) < 0)
        return tong_err_wrap (err, "%s", call->member);
      if (m.type == DBUS_SIGNAL && on_signal)
        on_signal (&m, data);
      if ((m.type == DBUS_METHOD_RETURN || m.type == DBUS_ERROR) && m.reply_serial == serial)
        {
          *reply = m;
          if (m.type == DBUS_METHOD_RETURN)
            return 0;
          struct dbus_rd rd;
          dbus_rd_init (&rd, m.body, m.body_len);
          const char *text = m.sig[0] == 's' ? dbus_r_str (&rd) : NULL;
          return tong_err_set (err, 0, "%s: %s: %s", call->member, m.error ? m.error : "error",
                               text ? text : "(no message)");
        }
      dbus_msg_free (&m);
    }
}
