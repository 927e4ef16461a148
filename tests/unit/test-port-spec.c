/* tong-port: port spec parsing and formatting.  */
#include "unit.h"
#include "port.h"

#include <stdlib.h>

static void
check_ok (const char *text, const char *ip, unsigned hp, unsigned cp, bool udp, const char *fmt)
{
  struct port_spec s;
  struct tong_err err = { 0 };
  char name[160], buf[160];
  snprintf (name, sizeof name, "parse `%s`", text);
  int r = port_spec_parse (text, &s, &err);
  UNIT_CHECK (r == 0, name, "%s", err.msg);
  if (r < 0)
    return;
  snprintf (name, sizeof name, "`%s` fields", text);
  UNIT_CHECK (strcmp (s.host_ip, ip) == 0 && s.host_port == hp && s.container_port == cp
                  && s.udp == udp,
              name, "ip %s hp %u cp %u udp %d", s.host_ip, s.host_port, s.container_port, s.udp);
  port_spec_format (&s, buf, sizeof buf);
  snprintf (name, sizeof name, "`%s` formatted", text);
  UNIT_STREQ (buf, fmt, name);
}

int
main (void)
{
  check_ok ("8080:80", "127.0.0.1", 8080, 80, false, "127.0.0.1:8080->80/tcp");
  check_ok ("127.0.0.2:8080:80/tcp", "127.0.0.2", 8080, 80, false, "127.0.0.2:8080->80/tcp");
  check_ok ("0.0.0.0:53:53/udp", "0.0.0.0", 53, 53, true, "0.0.0.0:53->53/udp");
  check_ok ("0:80", "127.0.0.1", 0, 80, false, "127.0.0.1:0->80/tcp");
  check_ok ("[::1]:8443:443", "::1", 8443, 443, false, "[::1]:8443->443/tcp");
  static const char *const bad[]
      = { "80",           "a:80",       "8080:0", "8080:65536", "1.2.3:80:80",
          "8080:80/sctp", "[::1:80:80", ":80:80", "x:y:80:80",  "" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct port_spec s;
      char name[128];
      snprintf (name, sizeof name, "refused `%s`", bad[i]);
      UNIT_CHECK (port_spec_parse (bad[i], &s, NULL) < 0, name, "accepted");
    }
  char **v = NULL;
  struct tong_err err = { 0 };
  int n = exposed_specs ("80/tcp,53/udp,8080", "127.0.0.1", &v, &err);
  UNIT_CHECK (n == 3, "exposed ports: three", "%d %s", n, err.msg);
  if (n == 3)
    {
      UNIT_STREQ (v[0], "127.0.0.1:0:80/tcp", "exposed 80/tcp");
      UNIT_STREQ (v[1], "127.0.0.1:0:53/udp", "exposed 53/udp");
      UNIT_STREQ (v[2], "127.0.0.1:0:8080", "exposed bare 8080");
      for (int i = 0; i < n; i++)
        free (v[i]);
      free (v);
    }
  n = exposed_specs ("443/tcp", "::1", &v, &err);
  UNIT_CHECK (n == 1 && strcmp (v[0], "[::1]:0:443/tcp") == 0, "exposed on ::1", "%s",
              n == 1 ? v[0] : err.msg);
  if (n == 1)
    {
      free (v[0]);
      free (v);
    }
  UNIT_CHECK (exposed_specs ("[\"80\"]", "127.0.0.1", &v, NULL) < 0, "exposed: JSON refused",
              "accepted");
  UNIT_CHECK (exposed_specs ("80,,53", "127.0.0.1", &v, NULL) < 0, "exposed: an empty item refused",
              "accepted");
  UNIT_CHECK (exposed_specs ("/tcp", "127.0.0.1", &v, NULL) < 0, "exposed: no port refused",
              "accepted");
  return unit_done ();
}
