/* timeline: a trace loaded into compact arrays, the visualiser's model.
 *
 * One pass over the trace (sim/core/trace.h, read with its reader only) builds everything the
 * renderer and the navigation need, so that a frame never touches the file and costs a number
 * of binary searches per pixel column, not per event:
 *   - lanes: nodes 0..n-1 then clients n..n+c-1 (the trace's endpoint numbers);
 *   - arrows: one per copy of a message, from its send to its delivery, drop or the end of the
 *     trace (still in flight), ordered by send time, with a per-chunk maximum end time so a
 *     view finds the arrows that cross it without scanning the rest;
 *   - per-lane activity times (sends and deliveries, drops, timers), sorted, so the count of
 *     events of a lane in any time range is two binary searches: the level of detail;
 *   - per-lane states (every describe line, shown as text) and role spans (consecutive
 *     STATUS records with the same role, word, term kind and term);
 *   - down (crash..restart) and paused spans, partitions with every lane's group, one-way cuts;
 *   - client operations with outcome, annotations, network changes, invariant violations;
 *   - every event in trace order (for stepping), and the subset that are faults.
 *
 * Role and term come from the STATUS records (sim/include/status.h), never from the describe lines,
 * which are for humans. STATUS records are not events: they colour lanes, and the describe
 * line written at the same time is what stepping shows. A trace without STATUS records (an
 * FLTRACE2 file) has no role spans: its lanes keep the colour of a node without status.
 *
 * Ownership: fl_viz_timeline_load returns a new timeline that owns all of its arrays and
 * strings; everything a getter or field hands out is borrowed until fl_viz_timeline_free.
 * Strings live in one pool (`text`) and are referred to by offset.
 */
#ifndef FL_VIZ_TIMELINE_H
#define FL_VIZ_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define FL_VIZ_ERROR (fl_viz_error_quark())
GQuark fl_viz_error_quark(void);
typedef enum { FL_VIZ_ERROR_INPUT, FL_VIZ_ERROR_IO, FL_VIZ_ERROR_SDL } fl_viz_error;

typedef enum fl_viz_end {
  FL_VIZ_END_DELIVER,
  FL_VIZ_END_DROP,
  FL_VIZ_END_FLIGHT /* neither delivered nor dropped when the trace ends */
} fl_viz_end;

/* One message (one SEND record). */
typedef struct fl_viz_msg {
  int64_t send_ns;
  int64_t dup_ns;   /* time of its DUPLICATE record, -1 if never duplicated */
  uint64_t id;
  uint64_t desc;    /* offset of its description in the text pool */
  uint64_t len;
  int32_t src, dst;
} fl_viz_msg;

/* One copy of a message on its way: what is drawn as an arrow. */
typedef struct fl_viz_arrow {
  int64_t send_ns, end_ns;
  uint32_t msg;     /* index into msgs */
  int32_t src, dst;
  uint8_t end;      /* fl_viz_end */
  uint8_t reason;   /* drop reason (0 loss, 1 partition, 2 cut, 3 crashed) */
  bool dup;         /* the message was duplicated: this is one of its copies */
} fl_viz_arrow;

/* A lane's time interval: down or paused nodes, one-way cuts (lane = src, aux = dst). */
typedef struct fl_viz_span {
  int64_t from_ns, to_ns;
  int32_t lane, aux;
} fl_viz_span;

/* One describe line of a node. */
typedef struct fl_viz_state {
  int64_t from_ns;
  uint64_t text;
} fl_viz_state;

/* Consecutive STATUS records with the same role, word, term kind and term. */
typedef struct fl_viz_role_span {
  int64_t from_ns, to_ns;
  int32_t role;       /* fl_role: the colour */
  int32_t label;      /* index into role_names: the status word if any, else the role's name */
  int64_t term;       /* -1 when the status has no term */
  int32_t term_kind;  /* fl_term_kind: its name in the label ("leader term 3") */
  int32_t leader;     /* the leader the node believed in when the span began, or -1 */
} fl_viz_role_span;

typedef struct fl_viz_partition {
  int64_t from_ns, to_ns;
  int32_t *group; /* one group per lane, -1 if the record did not name it */
} fl_viz_partition;

/* A note at a time: annotation (lane >= 0), network change or violation (lane -1). */
typedef struct fl_viz_note {
  int64_t time_ns;
  int32_t lane;
  uint64_t text;
} fl_viz_note;

typedef enum fl_viz_outcome {
  FL_VIZ_OP_OK = 1,   /* the values of fl_hist_type */
  FL_VIZ_OP_FAIL = 2,
  FL_VIZ_OP_INFO = 3, /* unknown */
  FL_VIZ_OP_OPEN = 4  /* no completion in the trace */
} fl_viz_outcome;

typedef struct fl_viz_op {
  int64_t invoke_ns, complete_ns; /* complete_ns: the trace's end when open */
  uint64_t process, seq;
  int64_t key, value, expected, result;
  int64_t hist_index;  /* index of its invoke event in the history (invokes and completions
                        * counted in trace order, as the history file numbers them) */
  int32_t lane, node, kind, outcome;
  bool has_result;
} fl_viz_op;

/* Every record, in trace order: kind, lane (or -1) and an index into the kind's array
 * (msgs for SEND, arrows for DELIVER/DROP, msgs for DUPLICATE, ops for INVOKE/COMPLETE,
 * partitions for PARTITION/HEAL, the lane's states for STATE, notes for ANNOTATE/NET_CHANGE/
 * VIOLATION, dst << 1 | is_cut for CUT (lane = src), the timer tag for TIMER). */
typedef struct fl_viz_event {
  int64_t time_ns;
  uint64_t ref;
  int32_t lane;
  uint8_t kind;
} fl_viz_event;

/* A lane's sorted event times, for counts over a time range. */
typedef struct fl_viz_times {
  int64_t *t;
  size_t n, cap;
} fl_viz_times;

typedef struct fl_viz_lane {
  char *name;              /* "n1", "c2" or the header's node_names entry */
  bool is_client;
  fl_viz_times activity;   /* sends from and deliveries to this lane */
  fl_viz_times drops;      /* drops of messages to this lane */
  fl_viz_times timers;
  GArray *states;          /* fl_viz_state */
  GArray *roles;           /* fl_viz_role_span */
  GArray *ops;             /* uint32 indices into ops, by invoke time */
  fl_viz_times op_times;   /* their invoke times */
  uint32_t *op_fail;       /* op_fail[k]: failed ones among the lane's first k ops (k <= n) */
  uint32_t *op_info;       /* the same for unknown outcomes (and open ones) */
  fl_viz_times note_times; /* annotations of this lane */
  GArray *note_idx;        /* uint32 indices into notes */
} fl_viz_lane;

typedef struct fl_viz_timeline {
  char *path;
  char *meta;              /* the header's JSON */
  char *protocol, *scenario;
  uint64_t seed;
  uint64_t digest;         /* the END record's */
  int n_nodes, n_clients, n_lanes;
  int64_t end_ns;          /* max(duration, last record) */
  fl_viz_lane *lanes;
  GArray *msgs;            /* fl_viz_msg, by send time */
  GArray *arrows;          /* fl_viz_arrow, by send time */
  GArray *arrow_chunk_max; /* int64: max end_ns of arrows [k*CHUNK, (k+1)*CHUNK) */
  int64_t max_flight_ns;   /* longest arrow */
  GArray *down, *paused, *cuts; /* fl_viz_span */
  GArray *partitions;      /* fl_viz_partition */
  GArray *ops;             /* fl_viz_op, by invoke time */
  GArray *notes;           /* fl_viz_note: annotations */
  GArray *net_changes;     /* fl_viz_note */
  GArray *violations;      /* fl_viz_note */
  GArray *events;          /* fl_viz_event */
  GArray *faults;          /* uint32 indices into events */
  GPtrArray *role_names;   /* char *, owned: the role spans' labels */
  GString *text;           /* the string pool */
} fl_viz_timeline;

#define FL_VIZ_ARROW_CHUNK 1024

/* Loads a complete trace. Errors (FL_VIZ_ERROR_INPUT, or the reader's) name the file and
 * what was expected: a missing file, a malformed or truncated record (with its byte offset),
 * a trace without its end record, a digest mismatch, an endpoint or message id that does not
 * fit the header. Newly allocated; fl_viz_timeline_free. */
fl_viz_timeline *fl_viz_timeline_load(const char *path, GError **error);
void fl_viz_timeline_free(fl_viz_timeline *tl);

/* A string of the pool (borrowed). */
static inline const char *fl_viz_text(const fl_viz_timeline *tl, uint64_t off) {
  return tl->text->str + off;
}

/* Number of times in [from, to). */
size_t fl_viz_times_count(const fl_viz_times *ts, int64_t from_ns, int64_t to_ns);
/* Index of the first time >= t. */
size_t fl_viz_times_lower(const fl_viz_times *ts, int64_t t);

/* Index of the first arrow whose send time is >= t (arrows.len if none). */
size_t fl_viz_arrow_lower(const fl_viz_timeline *tl, int64_t t);
/* Index of the first event whose time is >= t (events.len if none). */
size_t fl_viz_event_lower(const fl_viz_timeline *tl, int64_t t);
/* The lane's state in force at t (its index in lane->states), or -1 before the first. */
int64_t fl_viz_state_at(const fl_viz_lane *lane, int64_t t);

/* A role span's label, e.g. "leader term 3", "precandidate term 4", "replica" (newly
 * allocated). */
char *fl_viz_role_label(const fl_viz_timeline *tl, const fl_viz_role_span *sp);

/* A one-line description of event `i` (newly allocated), e.g.
 * "5.0123s  send #42 n1->n3 (48 B): data n5#1 k1 = 3 @1". */
char *fl_viz_event_describe(const fl_viz_timeline *tl, size_t i);
/* A description of an operation (newly allocated): "c1 p0 #3 read k0 -> n1: ok 4 (2.1ms)". */
char *fl_viz_op_describe(const fl_viz_timeline *tl, const fl_viz_op *op);

/* Time as text with a precision of `step_ns` (newly allocated): "5s", "5.25s", "120ms";
 * step_ns <= 0: exact and shortest. The unit is the largest that keeps the integer part
 * non-zero. */
char *fl_viz_format_time(int64_t t_ns, int64_t step_ns);

#endif
