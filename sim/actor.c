/* actor: the protocol registry, the one wrapper per hook through which the core calls a
 * protocol, and the cluster view invariant checks read.
 *
 * Every wrapper marks the node as the one running (so the node API can refuse calls made for
 * another node), calls the hook, and then traces the node's describe() line if it changed:
 * the visualiser colours lanes from those lines.
 */
#include "world_int.h"

#include <assert.h>
#include <string.h>
#include <gmodule.h>

G_DEFINE_QUARK(fl-actor-error-quark, fl_actor_error)

/* Registered tables in name order. A sorted array rather than a hash table: `list` must be
 * ordered, and there are a handful of protocols. The registry is process-wide configuration
 * filled at start-up, before any simulation runs. */
static GPtrArray *registry;

static int cmp_proto(gconstpointer a, gconstpointer b) {
  const fl_protocol *x = *(const fl_protocol *const *)a, *y = *(const fl_protocol *const *)b;
  return strcmp(x->name, y->name);
}

bool fl_actor_register(const fl_protocol *p, GError **error) {
  if (!p || !p->name || !*p->name) {
    g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_INVALID, "a protocol table has no name");
    return false;
  }
  if (p->api_version != FL_ACTOR_API_VERSION) {
    g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_VERSION,
                "protocol '%s' was built for actor API version %d, expected %d", p->name,
                p->api_version, FL_ACTOR_API_VERSION);
    return false;
  }
  if (!p->init || !p->on_message || !p->free || !p->describe) {
    g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_INVALID,
                "protocol '%s' lacks a required hook (init, on_message, free and describe are "
                "required)", p->name);
    return false;
  }
  if (!registry) registry = g_ptr_array_new();
  for (guint i = 0; i < registry->len; i++) {
    const fl_protocol *q = g_ptr_array_index(registry, i);
    if (strcmp(q->name, p->name) == 0) {
      g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_DUPLICATE,
                  "a protocol named '%s' is already registered", p->name);
      return false;
    }
  }
  g_ptr_array_add(registry, (gpointer)p);
  g_ptr_array_sort(registry, cmp_proto);
  return true;
}

const fl_protocol *fl_actor_lookup(const char *name, GError **error) {
  GString *known = g_string_new(NULL);
  for (guint i = 0; registry && i < registry->len; i++) {
    const fl_protocol *p = g_ptr_array_index(registry, i);
    if (strcmp(p->name, name) == 0) {
      g_string_free(known, TRUE);
      return p;
    }
    g_string_append_printf(known, "%s%s", i ? ", " : "", p->name);
  }
  g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_UNKNOWN,
              "expected a protocol name (known: %s), found '%s'",
              known->len ? known->str : "none", name);
  g_string_free(known, TRUE);
  return NULL;
}

const fl_protocol **fl_actor_list(size_t *n) {
  size_t len = registry ? registry->len : 0;
  const fl_protocol **out = g_new0(const fl_protocol *, len + 1);
  for (size_t i = 0; i < len; i++) out[i] = g_ptr_array_index(registry, i);
  *n = len;
  return out;
}

typedef bool (*plugin_register_fn)(GError **error);

bool fl_actor_load_plugin(const char *path, GError **error) {
  GModule *mod = g_module_open(path, G_MODULE_BIND_LOCAL);
  if (!mod) {
    g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_PLUGIN, "%s: cannot load plugin: %s",
                path, g_module_error());
    return false;
  }
  gpointer sym = NULL;
  if (!g_module_symbol(mod, "fl_plugin_register", &sym) || !sym) {
    g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_PLUGIN,
                "%s: expected a function fl_plugin_register(GError **), found none", path);
    g_module_close(mod);
    return false;
  }
  /* The protocols it registers point into the module: it stays loaded for the process. */
  g_module_make_resident(mod);
  plugin_register_fn fn;
  memcpy(&fn, &sym, sizeof fn);
  GError *inner = NULL;
  if (!fn(&inner)) {
    g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_PLUGIN, "%s: %s", path,
                inner ? inner->message : "fl_plugin_register failed");
    g_clear_error(&inner);
    return false;
  }
  return true;
}

/* ---- Wrappers. */

/* By convention a state line starts with the node's role; timelines can name "leader". */
bool fl__actor_is_leader_line(const char *line) {
  return strncmp(line, "leader", 6) == 0 && (line[6] == ' ' || line[6] == '\0');
}

static void trace_state(fl_node *n) {
  fl_world *w = n->w;
  if (!n->state) return;
  GString *s = w->scratch;
  g_string_truncate(s, 0);
  w->proto->describe(n->state, s);
  if (strcmp(s->str, n->last_state->str) != 0) {
    if (fl__actor_is_leader_line(s->str) && !fl__actor_is_leader_line(n->last_state->str))
      n->leader_since = fl_sched_events_run(w->sched) + 1;
    g_string_assign(n->last_state, s->str);
    fl_trace_state(w->trace, fl_sched_now(w->sched), n->id, s->str);
  }
}

static void touch(fl_node *n) {
  fl_world *w = n->w;
  w->touched = w->touched == -1 || w->touched == n->id ? n->id : -2;
}

#define ENTER(n) fl_node *saved_ = (n)->w->current; (n)->w->current = (n); touch(n)
#define LEAVE(n) (n)->w->current = saved_; trace_state(n)

void *fl__actor_init(fl_node *n) {
  ENTER(n);
  n->state = n->w->proto->init(n);
  LEAVE(n);
  return n->state;
}

void *fl__actor_restart(fl_node *n) {
  const fl_protocol *p = n->w->proto;
  ENTER(n);
  n->state = p->on_restart ? p->on_restart(n) : p->init(n);
  LEAVE(n);
  return n->state;
}

void fl__actor_on_message(fl_node *n, int from, const void *msg, size_t len) {
  ENTER(n);
  n->w->proto->on_message(n->state, n, from, msg, len);
  LEAVE(n);
}

void fl__actor_on_timer(fl_node *n, uint64_t tag) {
  const fl_protocol *p = n->w->proto;
  if (!p->on_timer) return;
  ENTER(n);
  p->on_timer(n->state, n, tag);
  LEAVE(n);
}

void fl__actor_on_client_request(fl_node *n, const fl_op *op) {
  const fl_protocol *p = n->w->proto;
  ENTER(n);
  if (p->on_client_request) {
    p->on_client_request(n->state, n, op);
  } else {
    fl_op_result r = {.status = FL_REPLY_FAIL, .redirect_to = -1};
    fl_node_reply(n, op, &r);
  }
  LEAVE(n);
}

void fl__actor_free(fl_node *n) {
  if (!n->state) return;
  touch(n);
  n->w->proto->free(n->state);
  n->state = NULL;
}

void fl__actor_describe_msg(fl_world *w, const void *msg, size_t len, GString *out) {
  if (w->proto->describe_msg)
    w->proto->describe_msg(msg, len, out);
  else
    g_string_append_printf(out, "%zu bytes", len);
}

/* ---- Invariants. */

struct fl_cluster_view {
  fl_world *w;
};

fl_cluster_view *fl__view_new(fl_world *w) {
  fl_cluster_view *v = g_new0(fl_cluster_view, 1);
  v->w = w;
  return v;
}

void fl__view_free(fl_cluster_view *v) { g_free(v); }

int fl_view_node_count(const fl_cluster_view *v) { return v->w->n_nodes; }
int64_t fl_view_now(const fl_cluster_view *v) { return fl_sched_now(v->w->sched); }
uint64_t fl_view_event(const fl_cluster_view *v) { return fl_sched_events_run(v->w->sched); }
int fl_view_changed_node(const fl_cluster_view *v) {
  return v->w->touched >= 0 ? v->w->touched : -1;
}
bool fl_view_is_up(const fl_cluster_view *v, int node) {
  return node >= 0 && node < v->w->n_nodes && v->w->nodes[node].is_up;
}
const void *fl_view_state(const fl_cluster_view *v, int node) {
  return node >= 0 && node < v->w->n_nodes ? v->w->nodes[node].state : NULL;
}
const void *fl_view_load(const fl_cluster_view *v, int node, uint64_t key, size_t *len) {
  if (node < 0 || node >= v->w->n_nodes) {
    if (len) *len = 0;
    return NULL;
  }
  return fl__node_load(&v->w->nodes[node], key, len);
}

void fl__actor_check(fl_world *w) {
  const fl_protocol *p = w->proto;
  if (!p->check_invariants || w->stop != FL_STOP_NONE) return;
  if (w->touched == -1) return; /* no protocol state changed: nothing new to check */
  GString *why = w->why;
  g_string_truncate(why, 0);
  if (!p->check_invariants(w->ghost, w->view, why))
    fl__world_halt(w, FL_STOP_VIOLATION, "invariant violated: %s",
                   why->len ? why->str : "(no explanation given)");
}

void fl__actor_check_final(fl_world *w) {
  const fl_protocol *p = w->proto;
  w->final_checked = true;
  w->final_ok = true;
  if (!p->check_final || w->stop != FL_STOP_END) return;
  GString *why = g_string_new(NULL);
  if (!p->check_final(w->ghost, w->view, why)) {
    w->final_ok = false;
    w->final_message = g_strdup(why->len ? why->str : "(no explanation given)");
    fl_trace_violation(w->trace, fl_sched_now(w->sched), w->final_message);
  }
  g_string_free(why, TRUE);
}
