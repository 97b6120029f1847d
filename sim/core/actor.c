/* actor: the protocol registry, the one wrapper per hook through which the core calls a
 * protocol, and the cluster view invariant checks read.
 *
 * Every wrapper marks the node as the one running (so the node API can refuse calls made for
 * another node), calls the hook, and then traces the node's describe() line (for humans) and
 * its status (status.h, for tools: the visualiser colours lanes from it) when they changed.
 */
#include "units.h"
#include "node_int.h"

#include <assert.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <gmodule.h>

G_DEFINE_QUARK(fl-actor-error-quark, fl_actor_error)

/* Registered tables in name order. A sorted array rather than a hash table: `list` must be
 * ordered, and there are a handful of protocols. The registry is process-wide configuration
 * filled at start-up, before any simulation runs. */
static GPtrArray *registry;

static void note_origin(const fl_protocol *p);

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
  fl__scenario_know_protocol(p->name);
  g_ptr_array_sort(registry, cmp_proto);
  note_origin(p);
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
  char *echo = fl_format_echo(name, -1);
  g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_UNKNOWN,
              "expected a protocol name (known: %s), found '%s'",
              known->len ? known->str : "none", echo);
  g_free(echo);
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

/* ---- Where protocol code runs, for crash reports. Plain stores into one static record on
 * every hook call (a hook is far dearer than three stores); volatile because a signal handler
 * reads it. Each wrapper saves the record and restores it after the hook, so a hook that runs
 * inside another (init inside restart, say) reports the innermost. */
static struct {
  fl_transport *volatile rt;
  const fl_node *volatile node;
  const char *volatile hook;
  const char *volatile plugin;
} site;

typedef struct site_save {
  fl_transport *rt;
  const fl_node *node;
  const char *hook;
} site_save;

static inline site_save site_enter(fl_transport *rt, const fl_node *n, const char *hook) {
  site_save saved = {site.rt, site.node, site.hook};
  site.rt = rt;
  site.node = n;
  site.hook = hook;
  return saved;
}

static inline void site_leave(site_save saved) {
  site.rt = saved.rt;
  site.node = saved.node;
  site.hook = saved.hook;
}

bool fl_actor_current_site(fl_actor_site *out) {
  fl_transport *rt = site.rt;
  const fl_node *n = site.node;
  const char *hook = site.hook, *plugin = site.plugin;
  if (!hook) return false;
  out->protocol = rt ? rt->proto->name : NULL;
  out->plugin = plugin;
  out->hook = hook;
  out->node = n ? n->id : -1;
  out->has_world = rt != NULL;
  out->event = rt ? fl_sched_events_run(rt->sched) : 0;
  out->now_ns = rt ? fl_sched_now(rt->sched) : 0;
  return true;
}

/* ---- Plugins. */

/* Which plugin registered which protocol, for reproduce lines: (name, path) pairs in load
 * order; process-wide, like the registry. */
static GPtrArray *origins; /* of char *: name, path, name, path, ... */
static const char *loading; /* the plugin whose fl_plugin_register runs, or NULL */

static void note_origin(const fl_protocol *p) {
  if (!loading) return;
  if (!origins) origins = g_ptr_array_new();
  g_ptr_array_add(origins, g_strdup(p->name));
  g_ptr_array_add(origins, g_strdup(loading));
}

const char *fl_actor_plugin_path(const char *protocol) {
  for (guint i = 0; protocol && origins && i < origins->len; i += 2)
    if (strcmp(g_ptr_array_index(origins, i), protocol) == 0)
      return g_ptr_array_index(origins, i + 1);
  return NULL;
}

static bool plugin_error(GError **error, const char *path, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static bool plugin_error(GError **error, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_PLUGIN, "%s: cannot load plugin: %s", path,
              why);
  g_free(why);
  return false;
}

/* The end of a table of n entries of size each at offset off, or UINT64_MAX on overflow. */
static uint64_t table_end(uint64_t off, uint64_t n, uint64_t size) {
  uint64_t len = n * size; /* both at most 65535 */
  return off > UINT64_MAX - len ? UINT64_MAX : off + len;
}

/* The bytes an ELF object's headers say it has: its program and section header tables and
 * every loaded segment's file image must lie within the file. A file shorter than that is
 * what made dlopen die of SIGBUS: it maps the segments and touches pages past the end. */
static uint64_t elf_needs(int fd, const unsigned char *hdr, size_t got, bool *whole_header) {
  bool is64 = hdr[EI_CLASS] == ELFCLASS64;
  size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  *whole_header = got >= ehsize;
  if (!*whole_header) return ehsize;
  uint64_t phoff, shoff, phnum, phentsize, shnum, shentsize;
  if (is64) {
    const Elf64_Ehdr *e = (const Elf64_Ehdr *)hdr;
    phoff = e->e_phoff, shoff = e->e_shoff, phnum = e->e_phnum, phentsize = e->e_phentsize;
    shnum = e->e_shnum, shentsize = e->e_shentsize;
  } else {
    const Elf32_Ehdr *e = (const Elf32_Ehdr *)hdr;
    phoff = e->e_phoff, shoff = e->e_shoff, phnum = e->e_phnum, phentsize = e->e_phentsize;
    shnum = e->e_shnum, shentsize = e->e_shentsize;
  }
  uint64_t need = MAX(ehsize, table_end(phoff, phnum, phentsize));
  if (shnum) need = MAX(need, table_end(shoff, shnum, shentsize));
  size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  for (uint64_t i = 0; i < phnum && phentsize >= phsize; i++) {
    unsigned char ph[sizeof(Elf64_Phdr)];
    if (phoff > (uint64_t)INT64_MAX - i * phentsize ||
        pread(fd, ph, phsize, (off_t)(phoff + i * phentsize)) != (ssize_t)phsize)
      break; /* the table itself is past the end: already counted */
    uint64_t type, offset, filesz;
    if (is64) {
      const Elf64_Phdr *p = (const Elf64_Phdr *)ph;
      type = p->p_type, offset = p->p_offset, filesz = p->p_filesz;
    } else {
      const Elf32_Phdr *p = (const Elf32_Phdr *)ph;
      type = p->p_type, offset = p->p_offset, filesz = p->p_filesz;
    }
    if (type == PT_LOAD) need = MAX(need, table_end(offset, 1, filesz));
  }
  return need;
}

/* What the loader would choke on, found first; true if the file looks loadable. */
static bool check_object(const char *file, const char *shown, GError **error) {
  struct stat st;
  if (stat(file, &st) != 0) return plugin_error(error, shown, "%s", g_strerror(errno));
  if (S_ISDIR(st.st_mode))
    return plugin_error(error, shown, "it is a directory, not a shared object");
  if (!S_ISREG(st.st_mode)) return plugin_error(error, shown, "not a regular file");
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return plugin_error(error, shown, "%s", g_strerror(errno));
  unsigned char hdr[sizeof(Elf64_Ehdr)];
  ssize_t got = pread(fd, hdr, sizeof hdr, 0);
  bool ok = true;
  if (got < SELFMAG || memcmp(hdr, ELFMAG, SELFMAG) != 0) {
    ok = plugin_error(error, shown, "not a shared object (no ELF header)");
  } else if (got > EI_DATA && (hdr[EI_CLASS] == ELFCLASS64 || hdr[EI_CLASS] == ELFCLASS32) &&
             hdr[EI_DATA] == (G_BYTE_ORDER == G_LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB)) {
    /* Another class or byte order: the loader rejects it with a clear message itself. */
    bool whole_header;
    uint64_t need = elf_needs(fd, hdr, (size_t)got, &whole_header);
    if (!whole_header || need > (uint64_t)st.st_size)
      ok = plugin_error(error, shown,
                        "the file is truncated (%" G_GINT64_FORMAT
                        " bytes; its ELF headers describe %" G_GUINT64_FORMAT ")",
                        (gint64)st.st_size, need);
  }
  close(fd);
  return ok;
}

typedef bool (*plugin_register_fn)(GError **error);

bool fl_actor_load_plugin(const char *path, GError **error) {
  /* g_module_open hands a name without a slash to dlopen, which searches the library path
   * and never the working directory: `--plugin lab.so` beside the scenario failed. */
  char *file = strchr(path, '/') ? g_strdup(path) : g_strconcat("./", path, NULL);
  if (!check_object(file, path, error)) {
    g_free(file);
    return false;
  }
  site.plugin = path;
  site.hook = "loading (its constructors)";
  GModule *mod = g_module_open(file, G_MODULE_BIND_LOCAL);
  site.hook = NULL;
  site.plugin = NULL;
  g_free(file);
  if (!mod) return plugin_error(error, path, "%s", g_module_error());
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
  loading = path;
  site.plugin = path;
  site.hook = "fl_plugin_register";
  bool ok = fn(&inner);
  site.hook = NULL;
  site.plugin = NULL;
  loading = NULL;
  if (!ok) {
    g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_PLUGIN, "%s: %s", path,
                inner ? inner->message : "fl_plugin_register failed");
    g_clear_error(&inner);
    return false;
  }
  return true;
}

/* ---- Wrappers. */

/* The status hook after a hook ran, checked, and traced when it changed. Status records are
 * outside the digest (trace.h): they are derived from protocol state, so leaving them out keeps
 * the digest an identifier of the event sequence, the same with or without the hook. A
 * protocol without the hook reports role "other" once per life of the node. */
static void trace_status(fl_node *n) {
  fl_transport *rt = n->rt;
  const fl_protocol *p = rt->proto;
  fl_node_status st;
  fl_node_status_init(&st);
  if (p->status) {
    site_save saved = site_enter(rt, n, "status");
    p->status(n->state, n, &st);
    site_leave(saved);
    st.word[FL_STATUS_WORD_SIZE - 1] = '\0';
    if ((unsigned)st.role >= FL_ROLE_COUNT || (unsigned)st.term_kind >= FL_TERM_KIND_COUNT ||
        st.leader < -1 || st.leader >= rt->n_nodes) {
      fl__transport_halt(rt, FL_STOP_PROTOCOL_ERROR,
                     "node n%d failed: status: expected a role below %d, a term kind below %d "
                     "and a leader from -1 to %d, found role %d, term kind %d, leader %d",
                     n->id + 1, FL_ROLE_COUNT, FL_TERM_KIND_COUNT, rt->n_nodes - 1, (int)st.role,
                     (int)st.term_kind, (int)st.leader);
      return;
    }
  }
  if (n->has_status && fl_node_status_equal(&st, &n->status)) return;
  bool was_leader = n->has_status && n->status.role == FL_ROLE_LEADER;
  if (st.role == FL_ROLE_LEADER && !was_leader)
    n->leader_since = fl_sched_events_run(rt->sched) + 1;
  n->status = st;
  n->has_status = true;
  if (rt->measure) fl_measure_status(rt->measure, fl_sched_now(rt->sched), n->id, was_leader, &st);
  fl_trace_status(rt->trace, fl_sched_now(rt->sched), n->id, &st);
}

static void trace_state(fl_node *n) {
  fl_transport *rt = n->rt;
  if (!n->state) return;
  GString *s = n->all->scratch;
  g_string_truncate(s, 0);
  site_save saved = site_enter(rt, n, "describe");
  rt->proto->describe(n->state, s);
  site_leave(saved);
  if (strcmp(s->str, n->last_state->str) != 0) {
    g_string_assign(n->last_state, s->str);
    fl_trace_state(rt->trace, fl_sched_now(rt->sched), n->id, s->str);
  }
  trace_status(n);
}

bool fl__nodes_status(const fl_nodes *ns, int node, fl_node_status *out) {
  fl_node_status_init(out);
  if (node < 0 || node >= ns->rt->n_nodes) return false;
  const fl_node *n = &ns->v[node];
  if (!n->is_up || !n->has_status) return false;
  *out = n->status;
  return true;
}

int fl__nodes_leader(const fl_nodes *ns) {
  int best = -1;
  for (int i = 0; i < ns->rt->n_nodes; i++) {
    const fl_node *n = &ns->v[i];
    if (!n->is_up || !n->has_status || n->status.role != FL_ROLE_LEADER || !n->leader_since)
      continue;
    if (best < 0 || n->leader_since > ns->v[best].leader_since) best = i;
  }
  if (best >= 0) return best;
  /* No leader: a protocol with one coordinator (2PC's designated one) has that node in the
   * leader's place, the one whose loss stops the others. */
  int coordinator = -1;
  for (int i = 0; i < ns->rt->n_nodes; i++) {
    const fl_node *n = &ns->v[i];
    if (!n->is_up || !n->has_status || n->status.role != FL_ROLE_COORDINATOR) continue;
    if (coordinator >= 0) return -1; /* several: none is the one */
    coordinator = i;
  }
  return coordinator;
}

static void touch(fl_node *n) {
  fl_nodes *ns = n->all;
  ns->touched = ns->touched == -1 || ns->touched == n->id ? n->id : -2;
}

#define ENTER(n, hook)                                                                        \
  fl_node *saved_ = (n)->all->current;                                                          \
  (n)->all->current = (n);                                                                      \
  /* With fsync, nothing leaves before every write so far is synced (a node answers from     \
   * durable state only: a reply that needs no new write may still vouch for one pending). */ \
  (n)->phys.hold_ns = (n)->phys.fsync ? (n)->phys.disk_free_ns : 0;                          \
  touch(n);                                                                                   \
  site_save site_ = site_enter((n)->rt, (n), (hook))
#define LEAVE(n)                                                                              \
  site_leave(site_);                                                                          \
  (n)->all->current = saved_;                                                                   \
  trace_state(n)

void *fl__actor_init(fl_node *n) {
  ENTER(n, "init");
  n->state = n->rt->proto->init(n);
  LEAVE(n);
  return n->state;
}

void *fl__actor_restart(fl_node *n) {
  const fl_protocol *p = n->rt->proto;
  ENTER(n, p->on_restart ? "on_restart" : "init");
  n->state = p->on_restart ? p->on_restart(n) : p->init(n);
  LEAVE(n);
  return n->state;
}

void fl__actor_on_message(fl_node *n, int from, const void *msg, size_t len) {
  ENTER(n, "on_message");
  n->rt->proto->on_message(n->state, n, from, msg, len);
  LEAVE(n);
}

void fl__actor_on_timer(fl_node *n, uint64_t tag) {
  const fl_protocol *p = n->rt->proto;
  if (!p->on_timer) return;
  ENTER(n, "on_timer");
  p->on_timer(n->state, n, tag);
  LEAVE(n);
}

void fl__actor_on_client_request(fl_node *n, const fl_op *op) {
  const fl_protocol *p = n->rt->proto;
  ENTER(n, "on_client_request");
  if (p->on_client_request) {
    p->on_client_request(n->state, n, op);
  } else {
    fl_op_result r = {.status = FL_REPLY_FAIL, .redirect_to = -1};
    fl_node_reply(n, op, &r);
  }
  LEAVE(n);
}

void fl__actor_on_membership(fl_node *n, int node, bool member) {
  const fl_protocol *p = n->rt->proto;
  if (!p->on_membership) return; /* a scenario that changes membership refused it */
  ENTER(n, "on_membership");
  p->on_membership(n->state, n, node, member);
  LEAVE(n);
}

void fl__actor_free(fl_node *n) {
  if (!n->state) return;
  touch(n);
  site_save saved = site_enter(n->rt, n, "free");
  n->rt->proto->free(n->state);
  site_leave(saved);
  n->state = NULL;
  n->has_status = false; /* its next life's first status is traced again */
}

void fl__actor_describe_msg(void *nodes, const void *msg, size_t len, GString *out) {
  fl_nodes *ns = nodes;
  const fl_protocol *p = ns->rt->proto;
  if (p->describe_msg) {
    site_save saved = site_enter(ns->rt, NULL, "describe_msg");
    p->describe_msg(msg, len, out);
    site_leave(saved);
  } else {
    g_string_append_printf(out, "%zu bytes", len);
  }
}

/* ---- Invariants. */

struct fl_cluster_view {
  fl_nodes *ns;
};

fl_cluster_view *fl__view_new(fl_nodes *ns) {
  fl_cluster_view *v = g_new0(fl_cluster_view, 1);
  v->ns = ns;
  return v;
}

void fl__view_free(fl_cluster_view *v) { g_free(v); }

int fl_view_node_count(const fl_cluster_view *v) { return v->ns->rt->n_nodes; }
int64_t fl_view_now(const fl_cluster_view *v) { return fl_sched_now(v->ns->rt->sched); }
uint64_t fl_view_event(const fl_cluster_view *v) { return fl_sched_events_run(v->ns->rt->sched); }
int fl_view_changed_node(const fl_cluster_view *v) {
  return v->ns->touched >= 0 ? v->ns->touched : -1;
}
bool fl_view_is_up(const fl_cluster_view *v, int node) {
  return node >= 0 && node < v->ns->rt->n_nodes && v->ns->v[node].is_up;
}
bool fl_view_is_member(const fl_cluster_view *v, int node) {
  return node >= 0 && node < v->ns->rt->n_nodes && v->ns->member[node];
}
const void *fl_view_state(const fl_cluster_view *v, int node) {
  return node >= 0 && node < v->ns->rt->n_nodes ? v->ns->v[node].state : NULL;
}
const void *fl_view_load(const fl_cluster_view *v, int node, uint64_t key, size_t *len) {
  if (node < 0 || node >= v->ns->rt->n_nodes) {
    if (len) *len = 0;
    return NULL;
  }
  return fl__node_load(&v->ns->v[node], key, len);
}

void fl__actor_check(fl_nodes *ns) {
  const fl_protocol *p = ns->rt->proto;
  if (!p->check_invariants || ns->rt->stop != FL_STOP_NONE) return;
  if (ns->touched == -1) return; /* no protocol state changed: nothing new to check */
  GString *why = ns->why;
  g_string_truncate(why, 0);
  site_save saved = site_enter(ns->rt, NULL, "check_invariants");
  bool held = p->check_invariants(ns->ghost, ns->view, why);
  site_leave(saved);
  if (!held)
    fl__transport_halt(ns->rt, FL_STOP_VIOLATION, "invariant violated: %s",
                   why->len ? why->str : "(no explanation given)");
}

void fl__actor_check_final(fl_nodes *ns) {
  const fl_protocol *p = ns->rt->proto;
  ns->final_checked = true;
  ns->final_ok = true;
  if (!p->check_final || ns->rt->stop != FL_STOP_END) return;
  GString *why = g_string_new(NULL);
  site_save saved = site_enter(ns->rt, NULL, "check_final");
  bool held = p->check_final(ns->ghost, ns->view, why);
  site_leave(saved);
  if (!held) {
    ns->final_ok = false;
    ns->final_message = g_strdup(why->len ? why->str : "(no explanation given)");
    fl_trace_violation(ns->rt->trace, fl_sched_now(ns->rt->sched), ns->final_message);
  }
  g_string_free(why, TRUE);
}
