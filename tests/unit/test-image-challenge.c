/* WWW-Authenticate challenges as registries write them.  */
#include "unit.h"

#include <stdlib.h>
#include "registry.h"

static void
check (const char *c, const char *key, const char *want)
{
  char name[512];
  char *got = registry_challenge_param (c, key);
  snprintf (name, sizeof name, "%s in `%.60s`", key, c);
  if (want)
    UNIT_STREQ (got, want, name);
  else
    UNIT_CHECK (got == NULL, name, "got `%s`", got);
  free (got);
}

int
main (void)
{
  const char *hub = "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    "scope=\"repository:library/busybox:pull\"";
  check (hub, "realm", "https://auth.docker.io/token");
  check (hub, "service", "registry.docker.io");
  check (hub, "scope", "repository:library/busybox:pull");
  check (hub, "error", NULL);
  /* A comma inside quotes, spaces after commas, any case for the key.  */
  const char *odd = "Bearer realm=\"http://127.0.0.1:5000/token?a=1,b=2\", Service=\"my svc\",  "
                    "scope=\"repository:a/b:pull,push\"";
  check (odd, "realm", "http://127.0.0.1:5000/token?a=1,b=2");
  check (odd, "service", "my svc");
  check (odd, "scope", "repository:a/b:pull,push");
  /* Unquoted values and an escaped quote.  */
  check ("Bearer realm=http://x/token,service=svc", "realm", "http://x/token");
  check ("Bearer realm=http://x/token,service=svc", "service", "svc");
  check ("Bearer realm=\"a\\\"b\"", "realm", "a\"b");
  check ("Basic realm=\"Registry Realm\"", "realm", "Registry Realm");
  /* A key that is the tail of another is not that key.  */
  check ("Bearer xrealm=\"no\",realm=\"yes\"", "realm", "yes");
  check ("Bearer", "realm", NULL);
  return unit_done ();
}
