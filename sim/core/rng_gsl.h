/* rng_gsl: the kernel's access to the generator under an fl_rng (the public rng.h keeps the
 * stream opaque and free of GSL, so a protocol compiles without GSL's headers and can only
 * draw through fl_rng_*). Only sim/core includes this. */
#ifndef FL_RNG_GSL_H
#define FL_RNG_GSL_H

#include <gsl/gsl_rng.h>

#include "rng.h"

/* The underlying generator, borrowed for the stream's life (for GSL's distributions). */
gsl_rng *fl_rng_gsl(fl_rng *r);

#endif
