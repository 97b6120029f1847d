/* fl_test: helpers shared by the Check suites. */
#include "fl_test.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int fl_test_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_FORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *fl_test_source_path(const char *rel) {
  const char *dir = g_getenv("FL_SOURCE_DIR");
  return g_build_filename(dir ? dir : ".", rel, NULL);
}

char *fl_test_shared_path(const char *rel) {
  const char *dir = g_getenv("FL_SHARED_DIR");
  char *path = g_build_filename(dir ? dir : "../shared", rel, NULL);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    printf("SKIP: %s is absent (../shared/ is not beside this clone)\n", path);
    g_free(path);
    return NULL;
  }
  return path;
}

const char *fl_test_faultline(void) {
  const char *p = g_getenv("FL_FAULTLINE");
  return p ? p : "faultline";
}

int fl_test_sh(const char *cmdline, char **out, char **err) {
  char *argv[] = {"/bin/sh", "-c", (char *)cmdline, NULL};
  int status = -1;
  GError *error = NULL;
  if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error)) {
    fprintf(stderr, "spawn failed: %s\n", error->message);
    g_error_free(error);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int fl_test_cli(const char *args, char **out, char **err) {
  char *src = fl_test_source_path("");
  char *cmd = g_strdup_printf("cd '%s' && '%s' %s", src, fl_test_faultline(), args);
  int rc = fl_test_sh(cmd, out, err);
  g_free(cmd);
  g_free(src);
  return rc;
}

static gint by_name(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *fl_test_listing(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  ck_assert_ptr_nonnull(d);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *n;
  while ((n = g_dir_read_name(d))) g_ptr_array_add(names, g_strdup(n));
  g_dir_close(d);
  g_ptr_array_sort(names, by_name);
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf(s, "%s\n", (const char *)g_ptr_array_index(names, i));
  g_ptr_array_free(names, TRUE);
  return g_string_free(s, FALSE);
}

void fl_test_rm_rf(const char *dir) {
  char *q = g_shell_quote(dir);
  char *cmd = g_strdup_printf("rm -rf %s", q);
  ck_assert_int_eq(fl_test_sh(cmd, NULL, NULL), 0);
  g_free(cmd);
  g_free(q);
}
