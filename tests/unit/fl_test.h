/* fl_test: helpers shared by the Check suites. */
#ifndef FL_TEST_H
#define FL_TEST_H

#include <check.h>

/* Runs one suite with the given name in fork mode; returns the process exit status. */
int fl_test_run(Suite *s);

/* Absolute path of a file in the source tree (FL_SOURCE_DIR), newly allocated (g_free). */
char *fl_test_source_path(const char *rel);

/* Absolute path under ../shared/ (FL_SHARED_DIR), or NULL if that folder is absent: the test
 * then prints a visible skip line and passes. Newly allocated (g_free). */
char *fl_test_shared_path(const char *rel);

/* Path of the built faultline binary (FL_FAULTLINE). */
const char *fl_test_faultline(void);

/* Runs a command line through /bin/sh, capturing stdout and stderr (newly allocated, g_free);
 * returns the exit status. */
int fl_test_sh(const char *cmdline, char **out, char **err);

/* Runs `faultline ARGS` from the source tree's root (so scenario paths are relative to it),
 * capturing its output like fl_test_sh; returns the exit status. */
int fl_test_cli(const char *args, char **out, char **err);

/* A folder's entries, sorted by name, one per line ("" when it is empty): what a test asserts
 * to show that nothing was left behind. Newly allocated (g_free). */
char *fl_test_listing(const char *dir);

/* Removes a folder and everything in it (rm -rf); the test fails if that fails. */
void fl_test_rm_rf(const char *dir);

#endif
