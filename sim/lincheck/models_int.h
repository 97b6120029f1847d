/* models_int: the built-in model tables and helpers the model files share. */
#ifndef FL_MODELS_INT_H
#define FL_MODELS_INT_H

#include "model.h"

extern const fl_model fl__model_register;
extern const fl_model fl__model_cas_register;
extern const fl_model fl__model_kv;
extern const fl_model fl__model_counter;
extern const fl_model fl__model_set;
extern const fl_model fl__model_queue;
extern const fl_model fl__model_mutex;

/* "OP is not an operation of MODEL[: WHY]", newly allocated. */
char *fl__model_unsupported(const char *model, const fl_lincheck_op *op, const char *why);
/* A LIST of two values ([expected new]). */
bool fl__model_is_pair(const fl_lincheck_value *v);

#endif
