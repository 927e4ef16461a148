/* The JSON module: the only place that calls yajl, so it can be swapped.
   Parsing builds tong's own tree; writing goes through json_writer.  */
#ifndef TONG_JSON_H
#define TONG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

enum json_type
{
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
};

struct json_value
{
  enum json_type type;
  union
  {
    bool boolean;
    char *number; /* the literal text, converted by json_as_* on demand.  */
    char *string;
    struct
    {
      struct json_value **items;
      size_t len;
    } array;
    struct
    {
      char **keys;
      struct json_value **values;
      size_t len;
    } object;
  } u;
};

int json_parse (const char *text, size_t len, struct json_value **out, struct tong_err *err);
void json_free (struct json_value *v);
/* Object member by key, NULL if absent or V is not an object.  */
struct json_value *json_get (const struct json_value *v, const char *key);
const char *json_type_name (enum json_type t);

/* Number conversions: -1 with ERR when the literal is not an integer of that range.  */
int json_as_int64 (const struct json_value *v, int64_t *out, struct tong_err *err);
int json_as_uint64 (const struct json_value *v, uint64_t *out, struct tong_err *err);
int json_as_double (const struct json_value *v, double *out, struct tong_err *err);

/* Escape S as the inside of a JSON string into BUF (always NUL-terminated).  */
void json_escape (const char *s, char *buf, size_t len);

/* Writer.  */
struct json_writer;
struct json_writer *json_writer_new (bool pretty);
void json_writer_free (struct json_writer *w);
void json_w_obj_begin (struct json_writer *w);
void json_w_obj_end (struct json_writer *w);
void json_w_arr_begin (struct json_writer *w);
void json_w_arr_end (struct json_writer *w);
void json_w_key (struct json_writer *w, const char *key);
void json_w_str (struct json_writer *w, const char *s); /* NULL writes null.  */
void json_w_int (struct json_writer *w, long long v);
void json_w_uint (struct json_writer *w, unsigned long long v);
void json_w_bool (struct json_writer *w, bool b);
void json_w_null (struct json_writer *w);
/* Write an already parsed value (e.g. annotations kept as a tree).  */
void json_w_value (struct json_writer *w, const struct json_value *v);
/* Free W and return its text as a malloc'd string without a trailing
   newline (NULL when out of memory).  */
char *json_writer_finish (struct json_writer *w);
/* The text written so far; valid until the writer is freed.  */
const char *json_writer_text (struct json_writer *w, size_t *len);

#endif
