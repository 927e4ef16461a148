/* tong-image's reference parser against Docker's rules.  */
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>
#include "ref.h"

static void
check (const char *in, const char *reg, const char *repo, const char *tag, const char *digest)
{
  struct image_ref r;
  struct tong_err err = { 0 };
  char name[512];
  int rc = image_ref_parse (in, "docker.io", &r, &err);
  snprintf (name, sizeof name, "parse `%s`", in);
  UNIT_CHECK (rc == 0, name, "%s", err.msg);
  if (rc < 0)
    return;
  snprintf (name, sizeof name, "`%s` registry", in);
  UNIT_STREQ (r.registry, reg, name);
  snprintf (name, sizeof name, "`%s` repo", in);
  UNIT_STREQ (r.repo, repo, name);
  snprintf (name, sizeof name, "`%s` tag", in);
  if (tag)
    UNIT_STREQ (r.tag, tag, name);
  else
    UNIT_CHECK (r.tag == NULL, name, "got tag `%s`", r.tag);
  snprintf (name, sizeof name, "`%s` digest", in);
  if (digest)
    UNIT_STREQ (r.digest, digest, name);
  else
    UNIT_CHECK (r.digest == NULL, name, "got digest `%s`", r.digest);
  image_ref_free (&r);
}

static void
bad (const char *in)
{
  struct image_ref r;
  struct tong_err err = { 0 };
  char name[512];
  snprintf (name, sizeof name, "refuse `%s`", in);
  int rc = image_ref_parse (in, "docker.io", &r, &err);
  UNIT_CHECK (rc < 0, name, "accepted");
  if (rc == 0)
    image_ref_free (&r);
}

#define D "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int
main (void)
{
  check ("busybox", "docker.io", "library/busybox", "latest", NULL);
  check ("busybox:1.36", "docker.io", "library/busybox", "1.36", NULL);
  check ("user/app", "docker.io", "user/app", "latest", NULL);
  check ("docker.io/busybox", "docker.io", "library/busybox", "latest", NULL);
  check ("localhost/app:v1", "localhost", "app", "v1", NULL);
  check ("localhost:5000/a/b", "localhost:5000", "a/b", "latest", NULL);
  check ("127.0.0.1:5000/test/img:v2", "127.0.0.1:5000", "test/img", "v2", NULL);
  check ("quay.io/org/img@" D, "quay.io", "org/img", NULL, D);
  check ("img:tag@" D, "docker.io", "library/img", "tag", D);
  bad ("a.b-c__d/x"); /* a registry (it has a dot) with a bad host name */
  check ("foo_bar/x-y.z", "docker.io", "foo_bar/x-y.z", "latest", NULL);
  check ("[::1]:5000/img", "[::1]:5000", "img", "latest", NULL);
  check ("Registry.Example.com/img", "Registry.Example.com", "img", "latest", NULL);
  bad ("");
  bad ("Busybox");
  bad ("busybox:");
  bad ("busybox@sha256:abc");
  bad ("busybox@md5:0123");
  bad ("a//b");
  bad ("-a/b");
  bad ("a/b_");
  bad ("a/b___c");
  bad ("img:.bad");
  bad ("host:port/img");
  bad ("x:70000000/img");

  /* The default registry is a setting.  */
  struct image_ref r;
  struct tong_err err = { 0 };
  UNIT_CHECK (image_ref_parse ("team/app", "registry.local:5000", &r, &err) == 0,
              "parse with another default registry", "%s", err.msg);
  UNIT_STREQ (r.registry, "registry.local:5000", "default registry used");
  UNIT_STREQ (r.repo, "team/app", "no library/ outside Docker Hub");
  char *s = image_ref_string (&r);
  UNIT_STREQ (s, "registry.local:5000/team/app:latest", "canonical string");
  free (s);
  image_ref_free (&r);
  /* The config file, then the environment over it.  */
  char conf[] = "/tmp/tong-image-conf.XXXXXX";
  int fd = mkstemp (conf);
  if (fd >= 0)
    {
      const char text[] = "# tong-image\ndefault-registry = registry.example.test:5000\n";
      UNIT_CHECK (write (fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1),
                  "write the config", "short");
      close (fd);
    }
  unsetenv ("TONG_IMAGE_REGISTRY");
  setenv ("TONG_IMAGE_CONFIG", conf, 1);
  UNIT_STREQ (image_default_registry (), "registry.example.test:5000",
              "default-registry from the config file");
  unlink (conf);
  setenv ("TONG_IMAGE_REGISTRY", "mirror.test", 1);
  UNIT_STREQ (image_default_registry (), "mirror.test", "TONG_IMAGE_REGISTRY sets the default");

  UNIT_CHECK (image_host_is_loopback ("127.0.0.1:5000"), "127.0.0.1 is loopback", "no");
  UNIT_CHECK (image_host_is_loopback ("127.3.2.1"), "127/8 is loopback", "no");
  UNIT_CHECK (image_host_is_loopback ("localhost:1"), "localhost is loopback", "no");
  UNIT_CHECK (image_host_is_loopback ("[::1]:5000"), "::1 is loopback", "no");
  UNIT_CHECK (!image_host_is_loopback ("128.0.0.1"), "128.0.0.1 is not", "yes");
  UNIT_CHECK (!image_host_is_loopback ("127.0.0.1.example.com"), "a name is not", "yes");
  UNIT_CHECK (!image_host_is_loopback ("docker.io"), "docker.io is not", "yes");
  UNIT_CHECK (image_digest_valid (D), "digest valid", "no");
  UNIT_CHECK (!image_digest_valid ("sha256:0123"), "short digest invalid", "yes");
  return unit_done ();
}
