/* The proxy loops.  The daemon joined the container's network namespace
   after binding its listener in the caller's, so every socket it makes from
   then on (one per TCP connection or UDP flow) is inside the container and
   reaches its loopback; the accepted and listening sockets stay outside.  */
#include "port.h"
#include "cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_TCP_CONNS 512
#define MAX_UDP_FLOWS 1024
#define RELAY_BUF 65536

static atomic_int n_conns;

/* Close FD with a reset rather than a FIN.  */
static void
close_reset (int fd)
{
  struct linger l = { .l_onoff = 1, .l_linger = 0 };
  setsockopt (fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close (fd);
}

/* The inside addresses to try, in order; returns how many.  */
static size_t
inside_addrs (const struct proxy_conf *c, struct sockaddr_storage ss[2], socklen_t sl[2])
{
  if (c->inside_ip)
    return port_sockaddr (c->inside_ip, c->container_port, &ss[0], &sl[0], NULL) == 0 ? 1 : 0;
  /* The container's own loopback, reachable with no address on any link:
     the family the client used first, as a server bound to ::1 only is
     what an IPv6 client expects to reach.  */
  const char *same = c->host_v6 ? "::1" : "127.0.0.1";
  const char *other = c->host_v6 ? "127.0.0.1" : "::1";
  port_sockaddr (same, c->container_port, &ss[0], &sl[0], NULL);
  if (c->udp)
    return 1; /* a datagram has no refusal to fall back on.  */
  port_sockaddr (other, c->container_port, &ss[1], &sl[1], NULL);
  return 2;
}

/* A socket of TYPE connected to the container's port (from inside), or -1.  */
static int
inside_connect (const struct proxy_conf *c, int type)
{
  struct sockaddr_storage ss[2];
  socklen_t sl[2];
  size_t n = inside_addrs (c, ss, sl);
  for (size_t i = 0; i < n; i++)
    {
      int fd = socket (ss[i].ss_family, type | SOCK_CLOEXEC, 0);
      if (fd >= 0 && connect (fd, (struct sockaddr *)&ss[i], sl[i]) == 0)
        return fd;
      int e = errno;
      if (fd >= 0)
        close (fd);
      /* Only "nothing there" moves on to the next address.  */
      if (e != ECONNREFUSED && e != EADDRNOTAVAIL && e != ENETUNREACH && e != EAFNOSUPPORT)
        break;
    }
  return -1;
}

struct half
{
  char *buf;
  size_t len, off;
  bool eof;  /* read side saw EOF */
  bool shut; /* write side shut down */
};

static bool
fatal_errno (int e)
{
  return e != EAGAIN && e != EWOULDBLOCK && e != EINTR;
}

/* Relay A<->B until both directions are done.  A FIN is passed on as a
   shutdown of the other side's write half (half-close); a reset or error
   on either side becomes a reset on the other.  */
static void
relay (int a, int b)
{
  struct half h[2] = { { 0 } }; /* h[0]: a -> b, h[1]: b -> a */
  int fds[2] = { a, b };
  bool reset = false;
  h[0].buf = malloc (RELAY_BUF);
  h[1].buf = malloc (RELAY_BUF);
  if (h[0].buf == NULL || h[1].buf == NULL)
    reset = true;
  fcntl (a, F_SETFL, fcntl (a, F_GETFL) | O_NONBLOCK);
  fcntl (b, F_SETFL, fcntl (b, F_GETFL) | O_NONBLOCK);
  while (!reset && !(h[0].shut && h[1].shut))
    {
      struct pollfd p[2] = { { .fd = a }, { .fd = b } };
      for (int d = 0; d < 2; d++)
        {
          if (!h[d].eof && h[d].len == 0)
            p[d].events |= POLLIN;
          if (h[d].len > 0)
            p[1 - d].events |= POLLOUT;
        }
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          reset = true;
          break;
        }
      for (int d = 0; d < 2 && !reset; d++)
        {
          int from = fds[d], to = fds[1 - d];
          struct half *x = &h[d];
          if (x->len == 0 && !x->eof && (p[d].revents & (POLLIN | POLLHUP | POLLERR)))
            {
              ssize_t n = read (from, x->buf, RELAY_BUF);
              if (n > 0)
                {
                  x->len = n;
                  x->off = 0;
                }
              else if (n == 0)
                x->eof = true;
              else if (fatal_errno (errno))
                reset = true;
            }
          if (!reset && x->len > 0 && (p[1 - d].revents & (POLLOUT | POLLERR | POLLHUP)))
            {
              ssize_t n = send (to, x->buf + x->off, x->len, MSG_NOSIGNAL);
              if (n > 0)
                {
                  x->off += n;
                  x->len -= n;
                }
              else if (n < 0 && fatal_errno (errno))
                reset = true;
            }
          if (!reset && x->eof && x->len == 0 && !x->shut)
            {
              shutdown (to, SHUT_WR);
              x->shut = true;
            }
        }
    }
  free (h[0].buf);
  free (h[1].buf);
  if (reset)
    {
      close_reset (a);
      close_reset (b);
    }
  else
    {
      close (a);
      close (b);
    }
}

struct conn
{
  int client;
  const struct proxy_conf *conf;
};

static void *
conn_main (void *arg)
{
  struct conn *c = arg;
  int s = inside_connect (c->conf, SOCK_STREAM);
  if (s < 0)
    /* Nothing listens inside (or no socket): the client sees a reset, as
       it would connecting to the container directly.  */
    close_reset (c->client);
  else
    relay (c->client, s);
  free (c);
  atomic_fetch_sub (&n_conns, 1);
  return NULL;
}

/* Is the target still there?  With a pidfd: the process; with a netns
   path: the path still names the namespace we hold.  */
static bool
target_gone (const struct proxy_conf *c, const struct pollfd *pidp)
{
  if (pidp && (pidp->revents & (POLLIN | POLLHUP | POLLERR)))
    return true;
  if (c->netns_path)
    {
      struct stat a;
      if (stat (c->netns_path, &a) < 0 || a.st_dev != c->netns_dev || a.st_ino != c->netns_ino)
        return true;
    }
  return false;
}

static int
run_tcp (const struct proxy_conf *c)
{
  pthread_attr_t attr;
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize (&attr, 256 * 1024);
  for (;;)
    {
      struct pollfd p[3] = { { .fd = c->listenfd, .events = POLLIN },
                             { .fd = c->sigfd, .events = POLLIN },
                             { .fd = c->pidfd, .events = POLLIN } };
      int r = poll (p, c->pidfd >= 0 ? 3 : 2, 1000);
      if (r < 0 && errno != EINTR)
        return -1;
      if (p[1].revents & POLLIN)
        return 0;
      if (target_gone (c, c->pidfd >= 0 ? &p[2] : NULL))
        return 0;
      if (!(p[0].revents & POLLIN))
        continue;
      int fd = accept4 (c->listenfd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      struct conn *cn = malloc (sizeof *cn);
      if (cn == NULL || atomic_load (&n_conns) >= MAX_TCP_CONNS)
        {
          free (cn);
          close_reset (fd);
          continue;
        }
      cn->client = fd;
      cn->conf = c;
      atomic_fetch_add (&n_conns, 1);
      pthread_t t;
      if (pthread_create (&t, &attr, conn_main, cn) != 0)
        {
          atomic_fetch_sub (&n_conns, 1);
          close_reset (fd);
          free (cn);
        }
    }
}

struct flow
{
  struct sockaddr_storage peer;
  socklen_t peer_len;
  int fd;         /* connected to the container's port, from inside */
  long long last; /* ms */
};

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int
run_udp (const struct proxy_conf *c)
{
  static char buf[65536];
  struct flow *flows = calloc (MAX_UDP_FLOWS, sizeof *flows);
  struct pollfd *p = calloc (MAX_UDP_FLOWS + 3, sizeof *p);
  size_t n = 0;
  if (flows == NULL || p == NULL)
    return -1;
  for (;;)
    {
      p[0] = (struct pollfd){ .fd = c->listenfd, .events = POLLIN };
      p[1] = (struct pollfd){ .fd = c->sigfd, .events = POLLIN };
      p[2] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
      for (size_t i = 0; i < n; i++)
        p[3 + i] = (struct pollfd){ .fd = flows[i].fd, .events = POLLIN };
      int r = poll (p, 3 + n, 250);
      if (r < 0 && errno != EINTR)
        return -1;
      if (p[1].revents & POLLIN)
        return 0;
      if (target_gone (c, c->pidfd >= 0 ? &p[2] : NULL))
        return 0;
      long long now = now_ms ();
      /* Replies from inside go back to their client from the listener.  */
      for (size_t i = 0; r > 0 && i < n; i++)
        if (p[3 + i].revents & (POLLIN | POLLERR))
          {
            ssize_t len = recv (flows[i].fd, buf, sizeof buf, MSG_DONTWAIT);
            if (len >= 0)
              {
                sendto (c->listenfd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&flows[i].peer,
                        flows[i].peer_len);
                flows[i].last = now;
              }
          }
      if (r > 0 && (p[0].revents & POLLIN))
        {
          struct sockaddr_storage peer;
          socklen_t pl = sizeof peer;
          ssize_t len = recvfrom (c->listenfd, buf, sizeof buf, MSG_DONTWAIT,
                                  (struct sockaddr *)&peer, &pl);
          if (len >= 0)
            {
              size_t i;
              for (i = 0; i < n; i++)
                if (flows[i].peer_len == pl && memcmp (&flows[i].peer, &peer, pl) == 0)
                  break;
              if (i == n)
                {
                  if (n == MAX_UDP_FLOWS)
                    {
                      /* Full: the least recently used flow makes room.  */
                      size_t old = 0;
                      for (size_t j = 1; j < n; j++)
                        if (flows[j].last < flows[old].last)
                          old = j;
                      close (flows[old].fd);
                      flows[old] = flows[--n];
                      i = n;
                    }
                  int fd = inside_connect (c, SOCK_DGRAM);
                  if (fd >= 0)
                    {
                      flows[n] = (struct flow){ .peer = peer, .peer_len = pl, .fd = fd };
                      n++;
                    }
                }
              if (i < n)
                {
                  send (flows[i].fd, buf, len, MSG_DONTWAIT);
                  flows[i].last = now;
                }
            }
        }
      for (size_t i = 0; i < n;)
        if (now - flows[i].last >= 1000LL * c->udp_timeout)
          {
            close (flows[i].fd);
            flows[i] = flows[--n];
          }
        else
          i++;
    }
}

int
proxy_run (const struct proxy_conf *c)
{
  return c->udp ? run_udp (c) : run_tcp (c);
}
