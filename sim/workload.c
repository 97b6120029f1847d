/* workload: defaults and copies of the workload a scenario describes (client.h). */
#include "client.h"

#include <string.h>

void fl_workload_init_defaults(fl_workload *w) {
  memset(w, 0, sizeof *w);
  w->clients = 1;
  w->keys = 1;
  w->mix[FL_OP_READ] = 0.5;
  w->mix[FL_OP_WRITE] = 0.4;
  w->mix[FL_OP_CAS] = 0.1;
  w->key_dist = FL_KEYS_UNIFORM;
  w->zipf_s = 1.0;
  fl_dist_init_constant(&w->think, 10e6);
  w->timeout_ns = 1000000000;
  w->retry_ns = 5000000;
}

void fl_workload_copy(fl_workload *dst, const fl_workload *src) {
  *dst = *src;
  fl_dist_copy(&dst->think, &src->think);
}

void fl_workload_clear(fl_workload *w) { fl_dist_clear(&w->think); }
