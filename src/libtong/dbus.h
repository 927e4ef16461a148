/* A small D-Bus client: enough of the wire protocol (little-endian
   marshalling, method calls, replies, errors and signals) for tong to talk to
   systemd's manager over a unix socket, with no library.  */
#ifndef TONG_DBUS_H
#define TONG_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

enum
{
  DBUS_METHOD_CALL = 1,
  DBUS_METHOD_RETURN = 2,
  DBUS_ERROR = 3,
  DBUS_SIGNAL = 4,
};

/* A growing buffer for marshalling.  Offsets are relative to its start,
   which must be 8-aligned within the message (a body always is).  OOM is
   sticky: checked once at the end.  */
struct dbus_buf
{
  uint8_t *p;
  size_t len, cap;
  bool oom;
};

void dbus_buf_free (struct dbus_buf *b);
void dbus_w_align (struct dbus_buf *b, size_t align);
void dbus_w_byte (struct dbus_buf *b, uint8_t v);
void dbus_w_bool (struct dbus_buf *b, bool v);
void dbus_w_u32 (struct dbus_buf *b, uint32_t v);
void dbus_w_u64 (struct dbus_buf *b, uint64_t v);
void dbus_w_str (struct dbus_buf *b, const char *s); /* also for object paths.  */
void dbus_w_sig (struct dbus_buf *b, const char *sig);
/* Arrays: begin returns a mark for end, which fills in the byte length.
   ELEM_ALIGN is the alignment of the element type (8 for structs).  */
size_t dbus_w_array_begin (struct dbus_buf *b, size_t elem_align);
void dbus_w_array_end (struct dbus_buf *b, size_t mark);
/* A struct or dict entry starts 8-aligned.  */
#define dbus_w_struct(b) dbus_w_align ((b), 8)

/* A parsed message.  RAW is its own copy; the strings point into it.  */
struct dbus_msg
{
  uint8_t type, flags;
  uint32_t serial, reply_serial;
  const char *path, *iface, *member, *error, *dest, *sender, *sig;
  const uint8_t *body;
  size_t body_len;
  uint8_t *raw;
  size_t raw_len;
};
void dbus_msg_free (struct dbus_msg *m);

/* Header of an outgoing message.  */
struct dbus_call
{
  const char *dest, *path, *iface, *member, *sig; /* SIG may be NULL: no body.  */
};
/* The whole METHOD_CALL message with BODY (may be NULL) into OUT.  */
int dbus_encode_call (const struct dbus_call *c, uint32_t serial, const struct dbus_buf *body,
                      struct dbus_buf *out, struct tong_err *err);
/* How long the message at DATA is, once its first 16 bytes are there: 0
   with fewer, -1 (ERR set) when it is not a message we can take.  */
long dbus_msg_size (const uint8_t *data, size_t len, struct tong_err *err);
/* Parse one whole message (LEN from dbus_msg_size); copies it.  */
int dbus_msg_decode (const uint8_t *data, size_t len, struct dbus_msg *m, struct tong_err *err);

/* Reading a body.  */
struct dbus_rd
{
  const uint8_t *p;
  size_t len, pos;
  bool bad;
};
void dbus_rd_init (struct dbus_rd *r, const uint8_t *p, size_t len);
uint8_t dbus_r_byte (struct dbus_rd *r);
bool dbus_r_bool (struct dbus_rd *r);
uint32_t dbus_r_u32 (struct dbus_rd *r);
uint64_t dbus_r_u64 (struct dbus_rd *r);
const char *dbus_r_str (struct dbus_rd *r); /* s and o; NULL when bad.  */
const char *dbus_r_sig (struct dbus_rd *r);
/* Skip one complete type from *SIG (advanced past it).  */
void dbus_r_skip (struct dbus_rd *r, const char **sig);
/* Start of an array: returns the end offset of its elements.  */
size_t dbus_r_array (struct dbus_rd *r, size_t elem_align);
/* Length of the complete type at SIG ("a(sv)..." -> 5), 0 when invalid.  */
size_t dbus_sig_one (const char *sig);

/* A connection.  */
struct dbus_conn
{
  int fd;
  uint32_t serial;
  uint8_t *in;
  size_t in_len, in_cap;
  char *name; /* the unique name (bus only).  */
};
/* Connect to the unix socket PATH and authenticate (EXTERNAL, our uid).
   BUS: a message bus (send Hello); false for a peer (systemd's private
   socket).  */
int dbus_connect (struct dbus_conn *c, const char *path, bool bus, struct tong_err *err);
void dbus_close (struct dbus_conn *c);
/* Read the next message, waiting up to TIMEOUT_MS.  */
int dbus_read (struct dbus_conn *c, struct dbus_msg *m, int timeout_ms, struct tong_err *err);
/* Called for each signal that arrives while dbus_method waits.  */
typedef void (*dbus_signal_fn) (const struct dbus_msg *m, void *data);
/* Send a call and wait for its reply into *REPLY (freed by the caller).  A
   D-Bus error reply gives -1 with *REPLY still filled (REPLY->error names
   it) and ERR "NAME: message".  */
int dbus_method (struct dbus_conn *c, const struct dbus_call *call, const struct dbus_buf *body,
                 struct dbus_msg *reply, dbus_signal_fn on_signal, void *data, int timeout_ms,
                 struct tong_err *err);

#endif
