/* cap_int.h: what the CAP report's files share: the table of figures and the summary over
 * seeds. */
#ifndef FL_CAP_INT_H
#define FL_CAP_INT_H

#include "cap.h"

typedef enum { FL_CAP_PCT, FL_CAP_MS, FL_CAP_COUNT } fl_cap_unit;

typedef struct fl_cap_fig_desc {
  const char *key;   /* JSON and CSV name */
  const char *label; /* column heading */
  size_t offset;     /* of a double in fl_cap_figures */
  fl_cap_unit unit;
} fl_cap_fig_desc;

extern const fl_cap_fig_desc fl_cap_figs[];
extern const size_t fl_cap_n_figs;
double fl_cap_fig(const fl_cap_figures *f, size_t i);

/* Median, min and max over the values that are not NaN (n of them; all NaN when n is 0). */
typedef struct fl_cap_spread {
  double median, min, max;
  size_t n;
} fl_cap_spread;
void fl_cap_spread_of(const double *v, size_t n, fl_cap_spread *out);
void fl_cap_format_spread(GString *s, const fl_cap_spread *sp, fl_cap_unit u);

/* The runs of one protocol (borrowed pointers, in the given order); g_ptr_array_free(a, TRUE). */
GPtrArray *fl_cap_runs_of(const char *protocol, const fl_cap_run *const *runs, size_t n);
/* Every figure's spread over the runs: spread[fl_cap_n_figs]. */
void fl_cap_summarise(GPtrArray *runs, fl_cap_spread *spread);

/* cap_plots.c: the report's plots into dir. */
bool fl_cap_plots_write(const char *dir, const char *title, char **protocols,
                        const fl_cap_run *const *runs, size_t n, GError **error);

#endif
