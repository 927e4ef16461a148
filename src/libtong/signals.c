/* Signal names as kill(1) and runc accept them.  */
#include "signals.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct
{
  const char *name;
  int sig;
} signal_table[] = {
  { "HUP", SIGHUP },
  { "INT", SIGINT },
  { "QUIT", SIGQUIT },
  { "ILL", SIGILL },
  { "TRAP", SIGTRAP },
  { "ABRT", SIGABRT },
  { "BUS", SIGBUS },
  { "FPE", SIGFPE },
  { "KILL", SIGKILL },
  { "USR1", SIGUSR1 },
  { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },
  { "PIPE", SIGPIPE },
  { "ALRM", SIGALRM },
  { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT },
  { "CHLD", SIGCHLD },
  { "CONT", SIGCONT },
  { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },
  { "TTIN", SIGTTIN },
  { "TTOU", SIGTTOU },
  { "URG", SIGURG },
  { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ },
  { "VTALRM", SIGVTALRM },
  { "PROF", SIGPROF },
  { "WINCH", SIGWINCH },
  { "IO", SIGIO },
  { "PWR", SIGPWR },
  { "SYS", SIGSYS },
  /* Aliases, after the canonical names so signal_name finds those first.  */
  { "IOT", SIGIOT },
  { "POLL", SIGPOLL },
  { "CLD", SIGCHLD },
};

#define N_SIGNALS (sizeof signal_table / sizeof signal_table[0])

/* Decimal digits only, no sign or spaces: -1 when not a number.  */
static long
parse_number (const char *s)
{
  if (*s < '0' || *s > '9')
    return -1;
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (*end != '\0' || errno != 0)
    return -1;
  return v;
}

int
signal_parse (const char *s)
{
  if (s == NULL || *s == '\0')
    return -1;
  long n = parse_number (s);
  if (n >= 0)
    return n > 0 && n <= SIGRTMAX ? (int)n : -1;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < N_SIGNALS; i++)
    if (strcasecmp (s, signal_table[i].name) == 0)
      return signal_table[i].sig;

  /* RTMIN, RTMIN+N, RTMAX, RTMAX-N, staying within [SIGRTMIN, SIGRTMAX].  */
  int base, dir;
  if (strncasecmp (s, "RTMIN", 5) == 0)
    base = SIGRTMIN, dir = 1;
  else if (strncasecmp (s, "RTMAX", 5) == 0)
    base = SIGRTMAX, dir = -1;
  else
    return -1;
  s += 5;
  if (*s == '\0')
    return base;
  if (*s != (dir > 0 ? '+' : '-'))
    return -1;
  n = parse_number (s + 1);
  if (n < 0 || n > SIGRTMAX - SIGRTMIN)
    return -1;
  return base + dir * (int)n;
}

const char *
signal_name (int sig)
{
  for (size_t i = 0; i < N_SIGNALS; i++)
    if (signal_table[i].sig == sig)
      return signal_table[i].name;
  if (sig < SIGRTMIN || sig > SIGRTMAX)
    return NULL;
  /* As kill -l: RTMIN+1..RTMIN+15 in the lower half, RTMAX-N above.  */
  static char names[64][12];
  int i = sig - SIGRTMIN;
  if (i >= 64)
    return NULL;
  if (names[i][0] == '\0')
    {
      int mid = (SIGRTMIN + SIGRTMAX) / 2;
      if (sig == SIGRTMIN)
        snprintf (names[i], sizeof names[i], "RTMIN");
      else if (sig == SIGRTMAX)
        snprintf (names[i], sizeof names[i], "RTMAX");
      else if (sig <= mid)
        snprintf (names[i], sizeof names[i], "RTMIN+%d", sig - SIGRTMIN);
      else
        snprintf (names[i], sizeof names[i], "RTMAX-%d", SIGRTMAX - sig);
    }
  return names[i];
}
