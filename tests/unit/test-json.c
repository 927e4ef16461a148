/* The json module: parse tree, number conversions, writer, escaping.  */
#include "json.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

int
main (void)
{
  struct tong_err err = { 0 };
  struct json_value *v = NULL;
  const char *doc = "{\"a\": [1, -2, 18446744073709551615], \"s\": \"x\\ny\", \"b\": true,"
                    " \"n\": null, \"o\": {\"k\": 1.5}, \"a\": \"last\"}";
  UNIT_CHECK (json_parse (doc, strlen (doc), &v, &err) == 0, "parse object", "%s", err.msg);
  UNIT_CHECK (v && v->type == JSON_OBJECT, "root is an object", "type %d", v ? (int) v->type : -1);
  struct json_value *a = json_get (v, "a");
  UNIT_CHECK (a && a->type == JSON_STRING, "duplicate key: last wins", "type %d",
              a ? (int) a->type : -1);
  struct json_value *arr = v->u.object.values[0];
  int64_t i64;
  uint64_t u64;
  UNIT_CHECK (json_as_int64 (arr->u.array.items[1], &i64, &err) == 0 && i64 == -2, "int64 -2",
              "%s", err.msg);
  UNIT_CHECK (json_as_uint64 (arr->u.array.items[2], &u64, &err) == 0 && u64 == UINT64_MAX,
              "uint64 max", "%s", err.msg);
  UNIT_CHECK (json_as_uint64 (arr->u.array.items[1], &u64, &err) < 0
                  && strstr (err.msg, "negative"),
              "negative refused as uint64", "%s", err.msg);
  UNIT_CHECK (json_as_int64 (arr->u.array.items[2], &i64, &err) < 0, "uint64 max is no int64",
              "converted");
  UNIT_STREQ (json_get (v, "s")->u.string, "x\ny", "string escapes decoded");
  UNIT_CHECK (json_get (v, "b")->u.boolean, "bool", "false");
  UNIT_CHECK (json_get (v, "n")->type == JSON_NULL, "null", "not null");
  double d;
  UNIT_CHECK (json_as_double (json_get (json_get (v, "o"), "k"), &d, &err) == 0 && d == 1.5,
              "double", "%s", err.msg);
  UNIT_CHECK (json_as_int64 (json_get (json_get (v, "o"), "k"), &i64, &err) < 0,
              "1.5 is not an integer", "converted");

  /* Round trip through the writer.  */
  struct json_writer *w = json_writer_new (false);
  json_w_value (w, v);
  size_t len;
  const char *text = json_writer_text (w, &len);
  struct json_value *v2 = NULL;
  UNIT_CHECK (json_parse (text, len, &v2, &err) == 0, "writer output parses", "%s", err.msg);
  UNIT_STREQ (json_get (v2, "s")->u.string, "x\ny", "round trip keeps strings");
  json_free (v2);
  json_writer_free (w);
  json_free (v);

  const char *bad[] = { "{", "[1,]", "{\"a\" 1}", "", "nul" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      v = NULL;
      int r = json_parse (bad[i], strlen (bad[i]), &v, &err);
      UNIT_CHECK (r < 0 && v == NULL && strstr (err.msg, "JSON"), "invalid JSON refused",
                  "`%s` -> %d (%s)", bad[i], r, err.msg);
    }

  char esc[64];
  json_escape ("a\"b\\c\n\x01", esc, sizeof esc);
  UNIT_STREQ (esc, "a\\\"b\\\\c\\n\\u0001", "json_escape");

  w = json_writer_new (false);
  json_w_obj_begin (w);
  json_w_key (w, "big");
  json_w_uint (w, UINT64_MAX);
  json_w_key (w, "neg");
  json_w_int (w, -5);
  json_w_key (w, "s");
  json_w_str (w, NULL);
  json_w_obj_end (w);
  UNIT_STREQ (json_writer_text (w, NULL), "{\"big\":18446744073709551615,\"neg\":-5,\"s\":null}",
              "writer numbers and null");
  json_writer_free (w);
  return unit_done ();
}
