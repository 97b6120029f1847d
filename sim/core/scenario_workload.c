/* scenario_workload: the [workload] keys whose values depend on the workload kind (kind, mix).
 *
 * The mix names the kind's operations, so `kind` must come before `mix` when both are given:
 * a kind after a mix would silently reinterpret it. */
#include "scenario_int.h"

#include <string.h>

bool fl__workload_kind_line(fl__cur *c, fl_workload *w, int at) {
  fl__scn_skip_ws(c);
  int vat = c->pos;
  char *name = fl__scn_token(c, "");
  const fl_workload_kind *k = fl_workload_kind_find(name);
  g_free(name);
  if (!k) {
    char *names = fl_workload_kind_names();
    bool ok = fl__scn_fail(c, vat, "expected a workload kind (%s), found '%s'", names,
                           fl__scn_echo(c, c->s + vat, (gssize)strcspn(c->s + vat, " \t")));
    g_free(names);
    return ok;
  }
  if (w->mix_line)
    return fl__scn_fail(c, at, "expected kind before mix, found kind after the mix of line %d",
                        w->mix_line);
  w->kind = k;
  memcpy(w->mix, k->default_mix, sizeof w->mix);
  return true;
}

/* "read, write or cas" from "read|write|cas". */
static char *op_list(const char *ops) {
  char **v = g_strsplit(ops, "|", -1);
  GString *s = g_string_new(NULL);
  guint n = g_strv_length(v);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(s, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", v[i]);
  g_strfreev(v);
  return g_string_free(s, FALSE);
}

bool fl__workload_mix_line(fl__cur *c, fl_workload *w, int at) {
  const fl_workload_kind *kind = w->kind;
  if (!kind->mix_ops)
    return fl__scn_fail(c, at, "expected no mix with kind = %s (%s), found a mix", kind->name,
                        kind->summary);
  double mix[FL_OP_KIND_COUNT] = {0}, total = 0;
  for (;;) {
    fl__scn_skip_ws(c);
    int kat = c->pos;
    char *name = fl__scn_token(c, ",");
    int k = fl_workload_mix_op(kind, name);
    g_free(name);
    if (k < 0) {
      char *ops = op_list(kind->mix_ops);
      fl__scn_fail(c, kat, "expected %s followed by a percentage, found '%s'", ops,
                   fl__scn_echo(c, c->s + kat, (gssize)strcspn(c->s + kat, " ,")));
      g_free(ops);
      return false;
    }
    if (!fl__scn_fraction(c, &mix[k])) return false;
    if (!fl__scn_accept(c, ",")) break;
  }
  for (int k = 0; k < FL_OP_KIND_COUNT; k++) total += mix[k];
  if (total <= 0) return fl__scn_fail(c, at, "expected a mix with some operations, found only zeros");
  memcpy(w->mix, mix, sizeof mix);
  w->mix_line = c->line;
  return true;
}
