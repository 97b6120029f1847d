/* rng: per-component streams of gsl_rng_taus2 seeded from one master seed.
 *
 * Why taus2: faultline keeps a stream per directed network link (tens of thousands in a large
 * run), so a stream must be small; taus2 (L'Ecuyer's maximally equidistributed Tausworthe
 * generator) keeps three words of state, is fast, and passes the usual batteries. MT19937 was
 * rejected for its 2.5 KB of state per stream.
 *
 * Why the state is set directly: gsl_rng_set seeds taus2 from only 32 bits, so among tens of
 * thousands of streams two would collide with real probability. We fill the three state words
 * from the 64-bit derived seed with splitmix64 instead, respecting taus2's constraints
 * (s1 > 1, s2 > 7, s3 > 15), and discard a few draws to decorrelate streams with close seeds.
 */
#include "rng_gsl.h"

#include <assert.h>
#include <string.h>
#include <glib.h>
#include <gsl/gsl_errno.h>

struct fl_rng {
  gsl_rng *r;
};

/* GSL's state layout for taus2 (gsl/rng/taus.c): three unsigned longs. */
typedef struct taus_state {
  unsigned long s1, s2, s3;
} taus_state;

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void fl_rng_global_init(void) {
  /* GSL's default handler aborts; faultline checks return codes instead. */
  gsl_set_error_handler_off();
}

uint64_t fl_rng_derive_seed(uint64_t master, const char *kind, uint64_t index) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the kind */
  for (const unsigned char *p = (const unsigned char *)kind; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ull;
  }
  uint64_t x = master;
  uint64_t a = splitmix64(&x);
  x = a ^ h;
  uint64_t b = splitmix64(&x);
  x = b ^ (index * 0xD1B54A32D192ED03ull);
  uint64_t seed = splitmix64(&x);
  return seed ? seed : 0x5DEECE66Dull; /* 0 is reserved: never a valid seed */
}

fl_rng *fl_rng_new(uint64_t master, const char *kind, uint64_t index) {
  fl_rng *r = g_new0(fl_rng, 1);
  r->r = gsl_rng_alloc(gsl_rng_taus2);
  assert(r->r && "out of memory");
  /* If a GSL release changed taus2's state layout, seeding below would be wrong: refuse. */
  assert(gsl_rng_size(r->r) == sizeof(taus_state));
  uint64_t x = fl_rng_derive_seed(master, kind, index);
  taus_state *st = gsl_rng_state(r->r);
  do st->s1 = (unsigned long)(splitmix64(&x) & 0xffffffffu); while (st->s1 < 2);
  do st->s2 = (unsigned long)(splitmix64(&x) & 0xffffffffu); while (st->s2 < 8);
  do st->s3 = (unsigned long)(splitmix64(&x) & 0xffffffffu); while (st->s3 < 16);
  for (int i = 0; i < 10; i++) gsl_rng_get(r->r);
  return r;
}

void fl_rng_free(fl_rng *r) {
  if (!r) return;
  gsl_rng_free(r->r);
  g_free(r);
}

gsl_rng *fl_rng_gsl(fl_rng *r) { return r->r; }

double fl_rng_uniform(fl_rng *r) { return gsl_rng_uniform(r->r); }

uint64_t fl_rng_below(fl_rng *r, uint64_t n) {
  assert(n > 0);
  if (n <= 0xffffffffull) return gsl_rng_uniform_int(r->r, (unsigned long)n);
  /* Two 32-bit draws make 64 bits; reject the top partial range so no value is favoured. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    uint64_t v = ((uint64_t)gsl_rng_get(r->r) << 32) | (uint64_t)gsl_rng_get(r->r);
    if (v < limit) return v % n;
  }
}

int fl_rng_chance(fl_rng *r, double p) {
  if (p <= 0.0) return 0;
  if (p >= 1.0) return 1;
  return gsl_rng_uniform(r->r) < p;
}
