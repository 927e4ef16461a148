#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

/* Parsing: yajl's callback parser builds our tree directly, with a stack
   of open containers and the pending object key.  */

#define MAX_DEPTH 256

struct parse_ctx
{
  struct json_value *root;
  struct json_value *stack[MAX_DEPTH];
  int depth;
  char *pending_key;
  bool oom;
};

static void *
xrealloc_arr (void *p, size_t n, size_t sz)
{
  return realloc (p, n * sz);
}

static int
attach (struct parse_ctx *c, struct json_value *v)
{
  if (v == NULL)
    {
      c->oom = true;
      return 0;
    }
  if (c->depth == 0)
    {
      c->root = v;
      return 1;
    }
  struct json_value *parent = c->stack[c->depth - 1];
  if (parent->type == JSON_ARRAY)
    {
      void *n = xrealloc_arr (parent->u.array.items, parent->u.array.len + 1, sizeof (void *));
      if (n == NULL)
        goto oom;
      parent->u.array.items = n;
      parent->u.array.items[parent->u.array.len++] = v;
    }
  else
    {
      void *k = xrealloc_arr (parent->u.object.keys, parent->u.object.len + 1, sizeof (char *));
      if (k == NULL)
        goto oom;
      parent->u.object.keys = k;
      void *vals
          = xrealloc_arr (parent->u.object.values, parent->u.object.len + 1, sizeof (void *));
      if (vals == NULL)
        goto oom;
      parent->u.object.values = vals;
      parent->u.object.keys[parent->u.object.len] = c->pending_key;
      parent->u.object.values[parent->u.object.len++] = v;
      c->pending_key = NULL;
    }
  return 1;
oom:
  json_free (v);
  c->oom = true;
  return 0;
}

static struct json_value *
new_value (enum json_type t)
{
  struct json_value *v = calloc (1, sizeof *v);
  if (v)
    v->type = t;
  return v;
}

static char *
dup_n (const unsigned char *s, size_t len)
{
  char *r = malloc (len + 1);
  if (r)
    {
      memcpy (r, s, len);
      r[len] = '\0';
    }
  return r;
}

static int
cb_null (void *ctx)
{
  return attach (ctx, new_value (JSON_NULL));
}

static int
cb_bool (void *ctx, int b)
{
  struct json_value *v = new_value (JSON_BOOL);
  if (v)
    v->u.boolean = b;
  return attach (ctx, v);
}

static int
cb_number (void *ctx, const char *s, size_t len)
{
  struct json_value *v = new_value (JSON_NUMBER);
  if (v && (v->u.number = dup_n ((const unsigned char *) s, len)) == NULL)
    {
      free (v);
      v = NULL;
    }
  return attach (ctx, v);
}

static int
cb_string (void *ctx, const unsigned char *s, size_t len)
{
  struct json_value *v = new_value (JSON_STRING);
  if (v && (v->u.string = dup_n (s, len)) == NULL)
    {
      free (v);
      v = NULL;
    }
  return attach (ctx, v);
}

static int
open_container (struct parse_ctx *c, enum json_type t)
{
  if (c->depth >= MAX_DEPTH)
    return 0;
  struct json_value *v = new_value (t);
  if (!attach (c, v))
    return 0;
  c->stack[c->depth++] = v;
  return 1;
}

static int
cb_start_map (void *ctx)
{
  return open_container (ctx, JSON_OBJECT);
}

static int
cb_map_key (void *ctx, const unsigned char *s, size_t len)
{
  struct parse_ctx *c = ctx;
  free (c->pending_key);
  c->pending_key = dup_n (s, len);
  if (c->pending_key == NULL)
    c->oom = true;
  return c->pending_key != NULL;
}

static int
cb_end (void *ctx)
{
  struct parse_ctx *c = ctx;
  c->depth--;
  return 1;
}

static int
cb_start_array (void *ctx)
{
  return open_container (ctx, JSON_ARRAY);
}

static const yajl_callbacks callbacks = {
  .yajl_null = cb_null,
  .yajl_boolean = cb_bool,
  .yajl_number = cb_number,
  .yajl_string = cb_string,
  .yajl_start_map = cb_start_map,
  .yajl_map_key = cb_map_key,
  .yajl_end_map = cb_end,
  .yajl_start_array = cb_start_array,
  .yajl_end_array = cb_end,
};

int
json_parse (const char *text, size_t len, struct json_value **out, struct tong_err *err)
{
  struct parse_ctx c = { 0 };
  yajl_handle h = yajl_alloc (&callbacks, NULL, &c);
  if (h == NULL)
    return tong_err_set (err, ENOMEM, "json parser");
  yajl_status st = yajl_parse (h, (const unsigned char *) text, len);
  if (st == yajl_status_ok)
    st = yajl_complete_parse (h);
  if (st != yajl_status_ok)
    {
      if (c.oom)
        tong_err_set (err, ENOMEM, "parse JSON");
      else
        {
          unsigned char *e = yajl_get_error (h, 0, (const unsigned char *) text, len);
          size_t off = yajl_get_bytes_consumed (h);
          tong_err_set (err, 0, "invalid JSON at byte %zu: %s", off, e ? (char *) e : "?");
          if (e)
            yajl_free_error (h, e);
        }
      yajl_free (h);
      free (c.pending_key);
      json_free (c.root);
      return -1;
    }
  yajl_free (h);
  free (c.pending_key);
  if (c.root == NULL)
    return tong_err_set (err, 0, "invalid JSON: empty document");
  *out = c.root;
  return 0;
}

void
json_free (struct json_value *v)
{
  if (v == NULL)
    return;
  switch (v->type)
    {
    case JSON_NUMBER:
      free (v->u.number);
      break;
    case JSON_STRING:
      free (v->u.string);
      break;
    case JSON_ARRAY:
      for (size_t i = 0; i < v->u.array.len; i++)
        json_free (v->u.array.items[i]);
      free (v->u.array.items);
      break;
    case JSON_OBJECT:
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          free (v->u.object.keys[i]);
          json_free (v->u.object.values[i]);
        }
      free (v->u.object.keys);
      free (v->u.object.values);
      break;
    default:
      break;
    }
  free (v);
}

struct json_value *
json_get (const struct json_value *v, const char *key)
{
  if (v == NULL || v->type != JSON_OBJECT)
    return NULL;
  /* Last one wins for duplicate keys, as Go's encoding/json does.  */
  for (size_t i = v->u.object.len; i > 0; i--)
    if (strcmp (v->u.object.keys[i - 1], key) == 0)
      return v->u.object.values[i - 1];
  return NULL;
}

const char *
json_type_name (enum json_type t)
{
  static const char *const names[]
      = { "null", "boolean", "number", "string", "array", "object" };
  return names[t];
}

int
json_as_int64 (const struct json_value *v, int64_t *out, struct tong_err *err)
{
  if (v->type != JSON_NUMBER)
    return tong_err_set (err, 0, "expected a number, got %s", json_type_name (v->type));
  char *end;
  errno = 0;
  long long r = strtoll (v->u.number, &end, 10);
  if (errno != 0 || *end != '\0')
    return tong_err_set (err, 0, "`%s` is not a 64-bit integer", v->u.number);
  *out = r;
  return 0;
}

int
json_as_uint64 (const struct json_value *v, uint64_t *out, struct tong_err *err)
{
  if (v->type != JSON_NUMBER)
    return tong_err_set (err, 0, "expected a number, got %s", json_type_name (v->type));
  char *end;
  errno = 0;
  if (v->u.number[0] == '-')
    return tong_err_set (err, 0, "`%s` is negative, expected an unsigned integer",
                         v->u.number);
  unsigned long long r = strtoull (v->u.number, &end, 10);
  if (errno != 0 || *end != '\0')
    return tong_err_set (err, 0, "`%s` is not an unsigned 64-bit integer", v->u.number);
  *out = r;
  return 0;
}

int
json_as_double (const struct json_value *v, double *out, struct tong_err *err)
{
  if (v->type != JSON_NUMBER)
    return tong_err_set (err, 0, "expected a number, got %s", json_type_name (v->type));
  char *end;
  *out = strtod (v->u.number, &end);
  if (*end != '\0')
    return tong_err_set (err, 0, "`%s` is not a number", v->u.number);
  return 0;
}

void
json_escape (const char *s, char *buf, size_t len)
{
  size_t o = 0;
  if (len == 0)
    return;
  for (; *s && o + 7 < len; s++)
    {
      unsigned char ch = (unsigned char) *s;
      switch (ch)
        {
        case '"':
        case '\\':
          buf[o++] = '\\';
          buf[o++] = ch;
          break;
        case '\n':
          buf[o++] = '\\';
          buf[o++] = 'n';
          break;
        case '\t':
          buf[o++] = '\\';
          buf[o++] = 't';
          break;
        case '\r':
          buf[o++] = '\\';
          buf[o++] = 'r';
          break;
        default:
          if (ch < 0x20)
            o += snprintf (buf + o, len - o, "\\u%04x", ch);
          else
            buf[o++] = ch;
        }
    }
  buf[o] = '\0';
}

/* Writer.  */

struct json_writer
{
  yajl_gen g;
};

struct json_writer *
json_writer_new (bool pretty)
{
  struct json_writer *w = calloc (1, sizeof *w);
  if (w == NULL)
    return NULL;
  w->g = yajl_gen_alloc (NULL);
  if (w->g == NULL)
    {
      free (w);
      return NULL;
    }
  if (pretty)
    {
      yajl_gen_config (w->g, yajl_gen_beautify, 1);
      yajl_gen_config (w->g, yajl_gen_indent_string, "  ");
    }
  return w;
}

void
json_writer_free (struct json_writer *w)
{
  if (w == NULL)
    return;
  yajl_gen_free (w->g);
  free (w);
}

void
json_w_obj_begin (struct json_writer *w)
{
  yajl_gen_map_open (w->g);
}

void
json_w_obj_end (struct json_writer *w)
{
  yajl_gen_map_close (w->g);
}

void
json_w_arr_begin (struct json_writer *w)
{
  yajl_gen_array_open (w->g);
}

void
json_w_arr_end (struct json_writer *w)
{
  yajl_gen_array_close (w->g);
}

void
json_w_key (struct json_writer *w, const char *key)
{
  yajl_gen_string (w->g, (const unsigned char *) key, strlen (key));
}

void
json_w_str (struct json_writer *w, const char *s)
{
  if (s == NULL)
    yajl_gen_null (w->g);
  else
    yajl_gen_string (w->g, (const unsigned char *) s, strlen (s));
}

void
json_w_int (struct json_writer *w, long long v)
{
  yajl_gen_integer (w->g, v);
}

void
json_w_uint (struct json_writer *w, unsigned long long v)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%llu", v);
  yajl_gen_number (w->g, buf, n);
}

void
json_w_bool (struct json_writer *w, bool b)
{
  yajl_gen_bool (w->g, b);
}

void
json_w_null (struct json_writer *w)
{
  yajl_gen_null (w->g);
}

void
json_w_value (struct json_writer *w, const struct json_value *v)
{
  switch (v->type)
    {
    case JSON_NULL:
      yajl_gen_null (w->g);
      break;
    case JSON_BOOL:
      yajl_gen_bool (w->g, v->u.boolean);
      break;
    case JSON_NUMBER:
      yajl_gen_number (w->g, v->u.number, strlen (v->u.number));
      break;
    case JSON_STRING:
      json_w_str (w, v->u.string);
      break;
    case JSON_ARRAY:
      yajl_gen_array_open (w->g);
      for (size_t i = 0; i < v->u.array.len; i++)
        json_w_value (w, v->u.array.items[i]);
      yajl_gen_array_close (w->g);
      break;
    case JSON_OBJECT:
      yajl_gen_map_open (w->g);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          json_w_key (w, v->u.object.keys[i]);
          json_w_value (w, v->u.object.values[i]);
        }
      yajl_gen_map_close (w->g);
      break;
    }
}

const char *
json_writer_text (struct json_writer *w, size_t *len)
{
  const unsigned char *buf;
  size_t l;
  if (yajl_gen_get_buf (w->g, &buf, &l) != yajl_gen_status_ok)
    {
      buf = (const unsigned char *) "";
      l = 0;
    }
  if (len)
    *len = l;
  return (const char *) buf;
}

char *
json_writer_finish (struct json_writer *w)
{
  size_t len;
  const char *text = json_writer_text (w, &len);
  while (len > 0 && text[len - 1] == '\n')
    len--;
  char *out = strndup (text, len);
  json_writer_free (w);
  return out;
}
