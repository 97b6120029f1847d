/* net: links, partitions, cuts and message fates (see net.h for the model).
 *
 * Link state is one dense array of n*n entries: a lookup per send must be O(1), and a hundred
 * nodes with a hundred clients is 40,000 links of a few dozen bytes. Overridden parameters are
 * copies owned by the link; others point at the shared defaults.
 */
#include "net.h"

#include <assert.h>
#include <string.h>
#include <glib.h>

typedef struct link_state {
  fl_link_params *own;  /* an override, or NULL for the defaults */
  fl_rng *rng;          /* created on first send */
  int64_t last_at_ns;   /* latest delivery time scheduled (FIFO) */
  bool cut;
  bool apart; /* an overlapping partition separates the two ends (when net->overlap) */
  fl_link_counters c;
} link_state;

/* A per-type rule (fl_net_set_typed). */
typedef struct type_rule {
  int type;     /* index into type_names */
  int src, dst; /* -1, -1: every link */
  fl_link_prop prop;
  double value;
  fl_dist latency; /* FL_LINK_LATENCY only; owned */
} type_rule;

struct fl_net {
  int n;
  uint64_t seed;
  fl_link_params defaults;
  link_state *links; /* n * n */
  int *group_of;     /* n; all 0 when not partitioned */
  bool partitioned;
  bool overlap; /* the partition is fl_net_partition_sets's: links' `apart` decide */
  int n_cuts;
  uint64_t generation;
  uint64_t next_msg_id;
  /* Some link's corrupt probability was ever set above 0: until then fl_net_corrupt, called
   * for every message between nodes, returns at once. */
  bool any_corrupt;
  /* Per-type rules, in the order set; a handful at most (one per timeline action), so a
   * linear scan per typed message is cheaper than any index. */
  GArray *rules;       /* of type_rule, or NULL until the first */
  GPtrArray *type_names; /* owned strings, or NULL */
};

const char *fl_drop_reason_name(fl_drop_reason r) {
  static const char *names[] = {"loss", "partition", "cut", "crashed"};
  return (unsigned)r < FL_DROP_REASON_COUNT ? names[r] : "unknown";
}

static void params_copy(fl_link_params *dst, const fl_link_params *src) {
  fl_dist_copy(&dst->latency, &src->latency);
  dst->loss = src->loss;
  dst->duplicate = src->duplicate;
  dst->reorder = src->reorder;
  dst->corrupt = src->corrupt;
}

static link_state *link_at(const fl_net *net, int src, int dst) {
  assert(src >= 0 && src < net->n && dst >= 0 && dst < net->n);
  return &net->links[(size_t)src * (size_t)net->n + (size_t)dst];
}

fl_net *fl_net_new(int n_endpoints, const fl_link_params *defaults, uint64_t master_seed) {
  assert(n_endpoints > 0);
  fl_net *net = g_new0(fl_net, 1);
  net->n = n_endpoints;
  net->seed = master_seed;
  params_copy(&net->defaults, defaults);
  net->any_corrupt = defaults->corrupt > 0;
  net->links = g_new0(link_state, (size_t)n_endpoints * (size_t)n_endpoints);
  net->group_of = g_new0(int, n_endpoints);
  net->next_msg_id = 1;
  return net;
}

void fl_net_free(fl_net *net) {
  if (!net) return;
  size_t nl = (size_t)net->n * (size_t)net->n;
  for (size_t i = 0; i < nl; i++) {
    if (net->links[i].own) {
      fl_dist_clear(&net->links[i].own->latency);
      g_free(net->links[i].own);
    }
    fl_rng_free(net->links[i].rng);
  }
  g_free(net->links);
  g_free(net->group_of);
  for (guint i = 0; net->rules && i < net->rules->len; i++)
    fl_dist_clear(&g_array_index(net->rules, type_rule, i).latency);
  if (net->rules) g_array_free(net->rules, TRUE);
  if (net->type_names) g_ptr_array_free(net->type_names, TRUE);
  fl_dist_clear(&net->defaults.latency);
  g_free(net);
}

int fl_net_endpoints(const fl_net *net) { return net->n; }

void fl_net_set_defaults(fl_net *net, const fl_link_params *p) {
  fl_dist_clear(&net->defaults.latency);
  params_copy(&net->defaults, p);
  net->any_corrupt |= p->corrupt > 0;
}

void fl_net_set_link(fl_net *net, int src, int dst, const fl_link_params *p) {
  link_state *l = link_at(net, src, dst);
  if (l->own) {
    fl_dist_clear(&l->own->latency);
  } else {
    l->own = g_new0(fl_link_params, 1);
  }
  params_copy(l->own, p);
  net->any_corrupt |= p->corrupt > 0;
}

const fl_link_params *fl_net_link(const fl_net *net, int src, int dst) {
  const link_state *l = link_at(net, src, dst);
  return l->own ? l->own : &net->defaults;
}

void fl_net_set_loss_all(fl_net *net, double loss) {
  net->defaults.loss = loss;
  size_t nl = (size_t)net->n * (size_t)net->n;
  for (size_t i = 0; i < nl; i++)
    if (net->links[i].own) net->links[i].own->loss = loss;
}

static void set_prop(fl_link_params *p, fl_link_prop prop, double value) {
  switch (prop) {
  case FL_LINK_LOSS: p->loss = value; break;
  case FL_LINK_DUPLICATE: p->duplicate = value; break;
  case FL_LINK_REORDER: p->reorder = value != 0; break;
  case FL_LINK_CORRUPT: p->corrupt = value; break;
  case FL_LINK_LATENCY: assert(!"latency is a distribution"); break;
  }
}

void fl_net_set_prop_all(fl_net *net, fl_link_prop prop, double value) {
  set_prop(&net->defaults, prop, value);
  if (prop == FL_LINK_CORRUPT) net->any_corrupt |= value > 0;
  size_t nl = (size_t)net->n * (size_t)net->n;
  for (size_t i = 0; i < nl; i++)
    if (net->links[i].own) set_prop(net->links[i].own, prop, value);
}

static int type_index(fl_net *net, const char *type) {
  if (!net->type_names) net->type_names = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < net->type_names->len; i++)
    if (strcmp(g_ptr_array_index(net->type_names, i), type) == 0) return (int)i;
  g_ptr_array_add(net->type_names, g_strdup(type));
  return (int)net->type_names->len - 1;
}

void fl_net_set_typed(fl_net *net, const char *type, int src, int dst, fl_link_prop prop,
                      double value, const fl_dist *latency) {
  assert(prop == FL_LINK_LOSS || prop == FL_LINK_DUPLICATE || prop == FL_LINK_LATENCY);
  if (!net->rules) net->rules = g_array_new(FALSE, TRUE, sizeof(type_rule));
  int t = type_index(net, type);
  /* Drop the rules this one replaces: keeps the list as short as the distinct rules. */
  for (guint i = net->rules->len; i-- > 0;) {
    type_rule *r = &g_array_index(net->rules, type_rule, i);
    if (r->type != t || r->prop != prop) continue;
    if (src >= 0 && (r->src != src || r->dst != dst)) continue;
    fl_dist_clear(&r->latency);
    g_array_remove_index(net->rules, i);
  }
  type_rule r = {.type = t, .src = src, .dst = dst, .prop = prop, .value = value};
  if (prop == FL_LINK_LATENCY) fl_dist_copy(&r.latency, latency);
  g_array_append_val(net->rules, r);
}

bool fl_net_has_typed(const fl_net *net) { return net->rules && net->rules->len; }

int fl_net_type_of(const fl_net *net, const char *word, size_t len) {
  for (guint i = 0; net->type_names && i < net->type_names->len; i++) {
    const char *name = g_ptr_array_index(net->type_names, i);
    if (strlen(name) == len && memcmp(name, word, len) == 0) return (int)i;
  }
  return -1;
}

void fl_net_set_latency_all(fl_net *net, const fl_dist *latency) {
  fl_dist_clear(&net->defaults.latency);
  fl_dist_copy(&net->defaults.latency, latency);
  size_t nl = (size_t)net->n * (size_t)net->n;
  for (size_t i = 0; i < nl; i++) {
    if (!net->links[i].own) continue;
    fl_dist_clear(&net->links[i].own->latency);
    fl_dist_copy(&net->links[i].own->latency, latency);
  }
}

void fl_net_partition(fl_net *net, const int *group_of) {
  memcpy(net->group_of, group_of, sizeof(int) * (size_t)net->n);
  net->generation++;
  net->overlap = false;
  net->partitioned = false;
  for (int i = 1; i < net->n; i++)
    if (group_of[i] != group_of[0]) net->partitioned = true;
}

void fl_net_cut(fl_net *net, int src, int dst, bool cut) {
  link_state *l = link_at(net, src, dst);
  if (l->cut != cut) net->n_cuts += cut ? 1 : -1, net->generation++;
  l->cut = cut;
}

void fl_net_heal(fl_net *net) {
  memset(net->group_of, 0, sizeof(int) * (size_t)net->n);
  net->partitioned = false;
  net->overlap = false;
  net->generation++;
  if (net->n_cuts) {
    size_t nl = (size_t)net->n * (size_t)net->n;
    for (size_t i = 0; i < nl; i++) net->links[i].cut = false;
    net->n_cuts = 0;
  }
}

/* O(n^2 * groups) once per partition, so that a send stays one lookup. */
void fl_net_partition_sets(fl_net *net, int n_groups, const bool *member) {
  net->generation++;
  net->overlap = true;
  net->partitioned = false;
  for (int s = 0; s < net->n; s++) {
    net->group_of[s] = 0;
    for (int g = n_groups - 1; g >= 0; g--)
      if (member[(size_t)s * (size_t)n_groups + (size_t)g]) net->group_of[s] = g;
    for (int d = 0; d < net->n; d++) {
      bool share = false;
      for (int g = 0; g < n_groups && !share; g++)
        share = member[(size_t)s * (size_t)n_groups + (size_t)g] &&
                member[(size_t)d * (size_t)n_groups + (size_t)g];
      link_at(net, s, d)->apart = !share;
      net->partitioned |= !share;
    }
  }
}

bool fl_net_is_partitioned(const fl_net *net) { return net->partitioned; }
bool fl_net_is_whole(const fl_net *net) { return !net->partitioned && net->n_cuts == 0; }
uint64_t fl_net_generation(const fl_net *net) { return net->generation; }
int fl_net_group(const fl_net *net, int endpoint) { return net->group_of[endpoint]; }

bool fl_net_can_reach(const fl_net *net, int src, int dst, fl_drop_reason *reason) {
  if (net->partitioned && (net->overlap ? link_at(net, src, dst)->apart
                                       : net->group_of[src] != net->group_of[dst])) {
    if (reason) *reason = FL_DROP_PARTITION;
    return false;
  }
  if (net->n_cuts && link_at(net, src, dst)->cut) {
    if (reason) *reason = FL_DROP_CUT;
    return false;
  }
  return true;
}

fl_msg *fl_net_msg_new(fl_net *net, int src, int dst, int64_t now_ns, const void *data,
                       size_t len) {
  fl_msg *m = g_malloc(sizeof *m + len);
  m->id = net->next_msg_id++;
  m->src = src;
  m->dst = dst;
  m->sent_ns = now_ns;
  m->refs = 0;
  m->len = (uint32_t)len;
  if (len) memcpy(m->data, data, len);
  return m;
}

static int64_t delivery_time(fl_net *net, link_state *l, const fl_link_params *p,
                             const fl_dist *latency, int64_t now) {
  int64_t at = now + fl_dist_sample_ns(latency, l->rng);
  if (!p->reorder) {
    /* FIFO: never overtake an earlier message on this link; equal times keep send order. */
    if (at < l->last_at_ns) at = l->last_at_ns;
  }
  if (at > l->last_at_ns) l->last_at_ns = at;
  (void)net;
  return at;
}

int fl_net_route(fl_net *net, fl_msg *m, int64_t now_ns, int64_t at_ns[2],
                 fl_drop_reason *reason) {
  return fl_net_route_typed(net, m, -1, now_ns, at_ns, reason);
}

int fl_net_route_typed(fl_net *net, fl_msg *m, int type, int64_t now_ns, int64_t at_ns[2],
                       fl_drop_reason *reason) {
  link_state *l = link_at(net, m->src, m->dst);
  const fl_link_params *p = l->own ? l->own : &net->defaults;
  const fl_dist *latency = &p->latency;
  /* A typed message's effective parameters: the link's, with its type's rules on top. The
   * copy is shallow (its latency is never used: `latency` points at the one in force). */
  fl_link_params typed;
  if (type >= 0 && net->rules) {
    typed = *p;
    for (guint i = 0; i < net->rules->len; i++) {
      const type_rule *r = &g_array_index(net->rules, type_rule, i);
      if (r->type != type || (r->src >= 0 && (r->src != m->src || r->dst != m->dst))) continue;
      if (r->prop == FL_LINK_LATENCY) latency = &r->latency;
      else set_prop(&typed, r->prop, r->value);
    }
    p = &typed;
  }
  l->c.sent++;
  if (!fl_net_can_reach(net, m->src, m->dst, reason)) {
    l->c.dropped[*reason]++;
    return 0;
  }
  /* The stream's identity is the link itself, not its index in this network: a network with
   * more endpoints (clients) must give the same draws to the same link. */
  if (!l->rng) l->rng = fl_rng_new(net->seed, "link", ((uint64_t)m->src << 32) | (uint64_t)m->dst);
  if (fl_rng_chance(l->rng, p->loss)) {
    *reason = FL_DROP_LOSS;
    l->c.dropped[FL_DROP_LOSS]++;
    return 0;
  }
  int copies = 1;
  at_ns[0] = delivery_time(net, l, p, latency, now_ns);
  if (fl_rng_chance(l->rng, p->duplicate)) {
    at_ns[1] = delivery_time(net, l, p, latency, now_ns);
    copies = 2;
    l->c.duplicated++;
  }
  m->refs += (uint32_t)copies;
  return copies;
}

bool fl_net_corrupt(fl_net *net, fl_msg *m, uint64_t *bit) {
  if (!net->any_corrupt) return false;
  link_state *l = link_at(net, m->src, m->dst);
  const fl_link_params *p = l->own ? l->own : &net->defaults;
  if (p->corrupt <= 0 || m->len == 0) return false;
  if (!l->rng) l->rng = fl_rng_new(net->seed, "link", ((uint64_t)m->src << 32) | (uint64_t)m->dst);
  if (!fl_rng_chance(l->rng, p->corrupt)) return false;
  *bit = fl_rng_below(l->rng, (uint64_t)m->len * 8);
  m->data[*bit / 8] ^= (unsigned char)(1u << (*bit % 8));
  l->c.corrupted++;
  return true;
}

void fl_net_count_delivered(fl_net *net, const fl_msg *m) {
  link_at(net, m->src, m->dst)->c.delivered++;
}

void fl_net_count_dropped(fl_net *net, const fl_msg *m, fl_drop_reason reason) {
  link_at(net, m->src, m->dst)->c.dropped[reason]++;
}

void fl_net_msg_release(fl_net *net, fl_msg *m) {
  (void)net;
  if (m->refs > 1) {
    m->refs--;
    return;
  }
  g_free(m);
}

const fl_link_counters *fl_net_counters(const fl_net *net, int src, int dst) {
  return &link_at(net, src, dst)->c;
}

void fl_net_totals(const fl_net *net, fl_link_counters *out) {
  memset(out, 0, sizeof *out);
  size_t nl = (size_t)net->n * (size_t)net->n;
  for (size_t i = 0; i < nl; i++) {
    const fl_link_counters *c = &net->links[i].c;
    out->sent += c->sent;
    out->delivered += c->delivered;
    out->duplicated += c->duplicated;
    out->corrupted += c->corrupted;
    for (int r = 0; r < FL_DROP_REASON_COUNT; r++) out->dropped[r] += c->dropped[r];
  }
}
