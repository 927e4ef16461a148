/* Signal names and numbers as `tong kill` takes them.  */
#include "libtong/signals.h"
#include "unit.h"

#include <signal.h>

static void
check_parse (const char *s, int want)
{
  char name[64];
  int got = signal_parse (s);
  snprintf (name, sizeof name, "parse `%s`", s);
  UNIT_CHECK (got == want, name, "got %d, want %d", got, want);
}

int
main (void)
{
  check_parse ("TERM", SIGTERM);
  check_parse ("SIGTERM", SIGTERM);
  check_parse ("term", SIGTERM);
  check_parse ("sigterm", SIGTERM);
  check_parse ("SigKill", SIGKILL);
  check_parse ("15", 15);
  check_parse ("9", SIGKILL);
  check_parse ("HUP", SIGHUP);
  check_parse ("WINCH", SIGWINCH);
  check_parse ("SIGUSR1", SIGUSR1);
  check_parse ("IOT", SIGABRT);
  check_parse ("CLD", SIGCHLD);
  check_parse ("SYS", SIGSYS);
  check_parse ("RTMIN", SIGRTMIN);
  check_parse ("SIGRTMIN+3", SIGRTMIN + 3);
  check_parse ("rtmin+3", SIGRTMIN + 3);
  check_parse ("RTMAX-1", SIGRTMAX - 1);
  check_parse ("RTMAX", SIGRTMAX);
  check_parse ("64", SIGRTMAX);

  check_parse ("0", -1);
  check_parse ("65", -1);
  check_parse ("-9", -1);
  check_parse ("+9", -1);
  check_parse (" 9", -1);
  check_parse ("9x", -1);
  check_parse ("", -1);
  check_parse ("SIG", -1);
  check_parse ("NOPE", -1);
  check_parse ("SIGNOPE", -1);
  check_parse ("RTMIN-1", -1);
  check_parse ("RTMAX+1", -1);
  check_parse ("RTMIN+31", -1);
  check_parse ("RTMIN+", -1);
  check_parse ("99999999999999999999", -1);
  UNIT_CHECK (signal_parse (NULL) == -1, "parse NULL", "accepted");

  UNIT_STREQ (signal_name (SIGTERM), "TERM", "name 15");
  UNIT_STREQ (signal_name (SIGKILL), "KILL", "name 9");
  UNIT_STREQ (signal_name (SIGABRT), "ABRT", "name 6 is ABRT, not IOT");
  UNIT_STREQ (signal_name (SIGCHLD), "CHLD", "name 17 is CHLD");
  UNIT_STREQ (signal_name (SIGRTMIN), "RTMIN", "name RTMIN");
  UNIT_STREQ (signal_name (SIGRTMIN + 3), "RTMIN+3", "name RTMIN+3");
  UNIT_STREQ (signal_name (SIGRTMAX - 1), "RTMAX-1", "name RTMAX-1");
  UNIT_STREQ (signal_name (SIGRTMAX), "RTMAX", "name RTMAX");
  UNIT_CHECK (signal_name (0) == NULL && signal_name (SIGRTMAX + 1) == NULL, "no name for 0, 65",
              "named");

  /* Every name parses back to its number.  */
  int round = 1;
  for (int s = 1; s <= SIGRTMAX; s++)
    {
      const char *n = signal_name (s);
      if (n && signal_parse (n) != s)
        {
          round = 0;
          printf ("# %d -> %s -> %d\n", s, n, signal_parse (n));
        }
    }
  UNIT_CHECK (round, "names round-trip", "see above");
  return unit_done ();
}
