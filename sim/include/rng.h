/* rng: per-component random streams derived from one master seed.
 *
 * A stream's seed is a fixed mix of the master seed and the component's stable identity (a kind
 * such as "node" or "net" plus an index), never its creation order, so adding a client does not
 * change the network's draws. Each stream is opaque here: a protocol draws through the functions
 * below only. The kernel reaches the generator underneath (a gsl_rng, for GSL's distributions)
 * through sim/core/rng_gsl.h, so this public header needs no GSL. Each stream is owned by its
 * component. Nothing here reads the environment or a global generator.
 */
#ifndef FL_RNG_H
#define FL_RNG_H

#include <stdint.h>

typedef struct fl_rng fl_rng;

/* Call once at start-up: replaces GSL's aborting error handler with one that returns, so a bad
 * parameter becomes an error code rather than a crash. Idempotent. */
void fl_rng_global_init(void);

/* The 64-bit seed of stream (kind, index) under `master`. Never 0. */
uint64_t fl_rng_derive_seed(uint64_t master, const char *kind, uint64_t index);

/* Newly allocated stream for (kind, index); freed by fl_rng_free (NULL accepted). */
fl_rng *fl_rng_new(uint64_t master, const char *kind, uint64_t index);
void fl_rng_free(fl_rng *r);

/* A uniform double in [0, 1). */
double fl_rng_uniform(fl_rng *r);
/* A uniform integer in [0, n); n must be > 0. */
uint64_t fl_rng_below(fl_rng *r, uint64_t n);
/* True with probability p (p <= 0 never, p >= 1 always, and no draw is made in either case). */
int fl_rng_chance(fl_rng *r, double p);

#endif
