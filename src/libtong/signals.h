/* Signal names as kill(1) and runc accept them.  */
#ifndef TONG_SIGNALS_H
#define TONG_SIGNALS_H

/* "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3" -> number; -1 if invalid.  */
int signal_parse (const char *s);
/* Short name without SIG for a number, NULL if unknown.  */
const char *signal_name (int sig);

#endif
