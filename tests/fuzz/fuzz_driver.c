/* The fuzz harnesses' main(): under an AFL++ compiler, AFL's persistent mode over the file AFL
 * names on the command line (afl-fuzz ... -- fuzz_X @@); otherwise a plain program over the
 * files and directories given (each directory's regular files, in name order), which ctest
 * runs over each target's corpus so the harnesses and their regression inputs cannot rot. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#ifdef __AFL_LOOP
int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE (under afl-fuzz: @@)\n", argv[0]);
    return 2;
  }
  fl_fuzz_setup();
  __AFL_INIT();
  /* Persistent mode: AFL rewrites the file before each iteration. The readers keep no state
   * between inputs (everything is freed), so 1,000 inputs per process is safe and ~10x faster
   * than a fork per input. */
  while (__AFL_LOOP(1000)) {
    char *why = NULL;
    if (fl_fuzz_one(argv[1], &why) == FL_FUZZ_BAD) {
      fprintf(stderr, "%s\n", why);
      abort(); /* a contract violation is a finding: make AFL keep it as a crash */
    }
    g_free(why);
  }
  return 0;
}
#else
typedef struct tally {
  unsigned accepted, rejected, bad;
} tally;

static void one(const char *path, tally *t) {
  char *why = NULL;
  switch (fl_fuzz_one(path, &why)) {
  case FL_FUZZ_ACCEPTED: t->accepted++; break;
  case FL_FUZZ_REJECTED: t->rejected++; break;
  case FL_FUZZ_BAD:
    t->bad++;
    fprintf(stderr, "%s: %s\n", path, why);
    break;
  }
  g_free(why);
}

static int by_name(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under `dir`, subdirectories included, in name order. */
static bool walk(const char *dir, tally *t) {
  GError *error = NULL;
  GDir *d = g_dir_open(dir, 0, &error);
  if (!d) {
    fprintf(stderr, "%s\n", error->message);
    g_error_free(error);
    return false;
  }
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  for (const char *n; (n = g_dir_read_name(d));) g_ptr_array_add(names, g_build_filename(dir, n, NULL));
  g_dir_close(d);
  g_ptr_array_sort(names, by_name);
  bool ok = true;
  for (guint k = 0; ok && k < names->len; k++) {
    const char *p = g_ptr_array_index(names, k);
    if (g_file_test(p, G_FILE_TEST_IS_SYMLINK)) continue;
    if (g_file_test(p, G_FILE_TEST_IS_DIR)) ok = walk(p, t);
    else if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) one(p, t);
  }
  g_ptr_array_free(names, TRUE);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  fl_fuzz_setup();
  tally t = {0, 0, 0};
  for (int i = 1; i < argc; i++) {
    if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
      if (!g_file_test(argv[i], G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "%s: no such file or directory\n", argv[i]);
        return 2;
      }
      one(argv[i], &t);
      continue;
    }
    if (!walk(argv[i], &t)) return 2;
  }
  printf("%s: %u inputs: %u accepted, %u rejected with a message, %u bad\n", argv[0],
         t.accepted + t.rejected + t.bad, t.accepted, t.rejected, t.bad);
  /* A corpus with no input at all means the test lost its corpus: fail rather than pass. */
  return t.bad || t.accepted + t.rejected == 0 ? 1 : 0;
}
#endif
