/* tong-port: publish a container's port on the host with a userspace proxy
   that listens in the caller's network namespace and opens each inside
   connection from the container's namespace (setns), so a container with
   only loopback is reachable and nothing on the host needs cleaning up.  */
#ifndef TONG_PORT_H
#define TONG_PORT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "err.h"

#define PORT_DEFAULT_STATE_DIR "/run/tong-port" /* outside tong's root: not a container id */
#define PORT_DEFAULT_TONG_ROOT "/run/tong"
#define PORT_UDP_DEFAULT_TIMEOUT 30
/* The annotation tong-image records from the image config's ExposedPorts:
   a JSON array such as ["80/tcp", "53/udp"].  */
#define ANNOT_EXPOSED_PORTS "org.opencontainers.image.exposedPorts"

struct port_spec
{
  char host_ip[64];   /* textual, no brackets.  */
  unsigned host_port; /* 0: pick a free one.  */
  unsigned container_port;
  bool udp;
  bool host_ip_given;
};

/* [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]; IPv6 as [::1]:8080:80.  The host
   IP defaults to 127.0.0.1.  */
int port_spec_parse (const char *text, struct port_spec *out, struct tong_err *err);
/* "127.0.0.1:8080->80/tcp" ("[::1]:..." for IPv6).  */
void port_spec_format (const struct port_spec *s, char *buf, size_t len);
int port_sockaddr (const char *ip, unsigned port, struct sockaddr_storage *ss, socklen_t *len,
                   struct tong_err *err);

/* Which container: exactly one of the three ways.  */
struct port_target
{
  const char *netns_path;        /* --netns */
  pid_t pid;                     /* --pid, or from the container's state */
  char *id;                      /* CONTAINER-ID, or the hook's state "id" */
  char *tong_root;               /* absolute; with id */
  unsigned long long start_time; /* of pid, to notice reuse */
  char *exposed;                 /* the ANNOT_EXPOSED_PORTS annotation, if any */
};

/* The specs for --publish-all: "IP:0:PORT/PROTO" for each exposed port.
   Returns the count, -1 on a malformed annotation.  */
int exposed_specs (const char *annotation, const char *host_ip, char ***out, struct tong_err *err);

/* Read the OCI state JSON a hook gets on stdin: id and pid.  */
int target_from_hook_stdin (struct port_target *t, struct tong_err *err);
/* Fill in pid and start time from ROOT/ID/state.json; the container must be
   running (or created).  */
int target_from_container (struct port_target *t, struct tong_err *err);
/* Open the target's network namespace (and a pidfd, -1 with --netns).  */
int target_open (struct port_target *t, int *netns_fd, int *pidfd, struct tong_err *err);

/* proxy.c: the daemon's loops.  They return when the target is gone or on
   SIGTERM/SIGINT; LISTENFD was bound in the caller's namespace and the
   process has already joined the container's.  */
struct proxy_conf
{
  int listenfd;
  int pidfd;       /* -1: none */
  dev_t netns_dev; /* the namespace joined, to compare with netns_path */
  ino_t netns_ino;
  const char *netns_path; /* re-checked every second when set */
  unsigned container_port;
  bool udp;
  /* Where the inside connections go: INSIDE_IP when given, else the
     loopback of the host address's family (127.0.0.1 or ::1), and for TCP
     the other loopback when that one refuses.  */
  const char *inside_ip;
  bool host_v6;
  unsigned udp_timeout; /* seconds */
  int sigfd;
};
int proxy_run (const struct proxy_conf *c);

#endif
