/* signals: what the command line does when it is interrupted or crashes (see cli.h).
 *
 * Stop signals (SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXCPU, SIGXFSZ) remove the registered
 * temporaries, pass SIGTERM on to the sweep's workers, then take their default action again
 * (the process dies of the signal: a shell sees 128 + N). Crash signals (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT) print where protocol code was running and the command that
 * reproduces the run. A crash inside a protocol hook is the protocol's failure: exit status 1,
 * as for a broken expectation. A crash outside protocol code is faultline's own bug: after the
 * report the signal takes its default action (and a core file, where enabled).
 *
 * Everything a handler does is async-signal-safe: write(2) of text formatted by hand into a
 * static buffer, unlink, rmdir, kill, sigaction, raise, _exit. The reproduce line is formatted
 * before the run, and the handler runs on its own stack so that a stack overflow in a protocol
 * is reported too.
 */
#include "cli.h"
#include "actor.h"
#include "fl_limits.h"
#include "outfile.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static char *volatile reproduce_line; /* replaced only between runs */
static volatile int crash_fd = STDERR_FILENO;
static const char *volatile crash_prefix = "faultline: ";
static volatile pid_t children[FL_LIMIT_SWEEP_JOBS];
static volatile pid_t owner; /* the process whose children those are (workers inherit it) */

void fl_cli_crash_set_reproduce(const char *line) {
  char *old = reproduce_line;
  reproduce_line = g_strdup(line);
  g_free(old);
}

void fl_cli_crash_set_output(int fd, const char *prefix) {
  crash_fd = fd;
  crash_prefix = prefix;
}

void fl_cli_signals_add_child(pid_t pid) {
  owner = getpid();
  for (int i = 0; i < FL_LIMIT_SWEEP_JOBS; i++)
    if (!children[i]) {
      children[i] = pid;
      return;
    }
}

void fl_cli_signals_remove_child(pid_t pid) {
  for (int i = 0; i < FL_LIMIT_SWEEP_JOBS; i++)
    if (children[i] == pid) children[i] = 0;
}

static void stop_children(void) {
  if (owner != getpid()) return;
  for (int i = 0; i < FL_LIMIT_SWEEP_JOBS; i++)
    if (children[i] > 0) kill(children[i], SIGTERM);
}

/* Dies of sig by its default action. The signal is blocked while its handler runs: it is
 * delivered when the handler returns (or at once, for a fault that repeats). */
static void die_of(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
  raise(sig);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void on_stop(int sig) {
  int saved = errno;
  fl_outfile_remove_temporaries();
  stop_children();
  die_of(sig);
  errno = saved;
}

/* ---- Formatting without stdio. */

typedef struct buf {
  char text[4096];
  size_t len;
} buf;

static void put(buf *b, const char *s) {
  while (s && *s && b->len < sizeof b->text) b->text[b->len++] = *s++;
}

static void put_u(buf *b, uint64_t v) {
  char d[20];
  int n = 0;
  do d[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
  while (n && b->len < sizeof b->text) b->text[b->len++] = d[--n];
}

/* Simulated time as the run's messages print it, to the millisecond at most: "5.2s",
 * "174.1ms", "0ns". */
static void put_time(buf *b, int64_t ns) {
  if (ns < 0) {
    put(b, "-");
    ns = -ns;
  }
  static const struct {
    int64_t unit;
    const char *name;
  } units[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}, {1, "ns"}};
  size_t u = 0;
  while (u + 1 < G_N_ELEMENTS(units) && ns < units[u].unit) u++;
  put_u(b, (uint64_t)(ns / units[u].unit));
  int64_t frac = units[u].unit >= 1000 ? ns % units[u].unit / (units[u].unit / 1000) : 0;
  if (frac) {
    char d[4] = {(char)('0' + frac / 100), (char)('0' + frac / 10 % 10), (char)('0' + frac % 10), 0};
    for (int i = 2; i > 0 && d[i] == '0'; i--) d[i] = 0;
    put(b, ".");
    put(b, d);
  }
  put(b, units[u].name);
}

static const char *signal_name(int sig) {
  switch (sig) {
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGFPE: return "SIGFPE";
  case SIGILL: return "SIGILL";
  case SIGABRT: return "SIGABRT";
  default: return "a signal";
  }
}

static void on_crash(int sig) {
  static buf b; /* static: the alternate stack is small */
  b.len = 0;
  fl_actor_site s;
  bool in_protocol = fl_actor_current_site(&s);
  put(&b, crash_prefix);
  if (in_protocol && s.protocol) {
    put(&b, "protocol ");
    put(&b, s.protocol);
  } else if (in_protocol) {
    put(&b, "plugin ");
    put(&b, s.plugin);
  } else {
    put(&b, "faultline itself");
  }
  put(&b, " crashed (");
  put(&b, signal_name(sig));
  put(&b, ")");
  if (in_protocol) {
    put(&b, " in ");
    put(&b, s.hook);
    if (s.node >= 0) {
      put(&b, " at node n");
      put_u(&b, (uint64_t)s.node + 1);
    }
    if (s.has_world) {
      put(&b, ", event ");
      put_u(&b, s.event);
      put(&b, ", ");
      put_time(&b, s.now_ns);
    }
  } else {
    put(&b, " outside protocol code: a bug in faultline");
  }
  put(&b, "\n");
  if (reproduce_line) {
    put(&b, "  reproduce: ");
    put(&b, reproduce_line);
    put(&b, "\n");
  }
  for (size_t off = 0; off < b.len;) {
    ssize_t k = write(crash_fd, b.text + off, b.len - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    off += (size_t)k;
  }
  fl_outfile_remove_temporaries();
  stop_children();
  if (in_protocol) _exit(1);
  die_of(sig);
}

void fl_cli_signals_install(void) {
  /* An alternate stack: a protocol that recurses without end overflows the main one. */
  static char altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXCPU, SIGXFSZ};
  static const int crashes[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigfillset(&sa.sa_mask); /* one handler at a time: they share the registry and the buffer */
  sa.sa_handler = on_stop;
  for (size_t i = 0; i < G_N_ELEMENTS(stops); i++) {
    struct sigaction old;
    /* A signal ignored by whoever started us (nohup, a shell's background job) stays so. */
    if (sigaction(stops[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(stops[i], &sa, NULL);
  }
  sa.sa_handler = on_crash;
  sa.sa_flags = SA_ONSTACK;
  for (size_t i = 0; i < G_N_ELEMENTS(crashes); i++) sigaction(crashes[i], &sa, NULL);
}
