/*
 * detector-kit.h - the scaffolding every detector needs, written once: a base
 * struct (rule, environment, evidence buffer) with init and free, tables of
 * windows, the header of a per-client window (client, first and last event,
 * from a resolver) with its update and its part of the detection, one emit,
 * sample names (and addresses) kept for the evidence, the thresholds (the
 * fields named by DH_KIT_FIELDS; value and range are the rule's data) read
 * from the rule and written back into the evidence, client
 * x domain keys (built, or taken from the event's view).
 *
 * A detector embeds dh_kit_t first in its state, its params struct right
 * after it (DH_KIT_STATE_LAYOUT), and a dh_kit_window_t in each window
 * struct; it keeps its own logic and evidence. Its dh_kit_spec_t describes
 * the rest of create() and destroy() (dh_kit_new, dh_kit_destroy): the
 * state's size, which fields are thresholds, setup, release, main table
 * (kept in the kit). The kit holds no global state and allocates only the
 * evidence buffer.
 *
 * Ownership: the rule and the environment are borrowed (both outlive the
 * detector, see detector.h); the evidence buffer belongs to the kit.
 */
#ifndef DH_DETECTOR_KIT_H
#define DH_DETECTOR_KIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detector.h"
#include "sketch.h"
#include "util-json.h"
#include "util-macro.h"

/* Seconds of a threshold to the microseconds of event time. */
#define DH_S_TO_US(s) ((int64_t)(s) * 1000000)

/* A detector's numeric thresholds: which fields of its params struct are
   read from the rule (dh_rule_read_params). Only their names are code: the
   value of each is rules/NAME.yaml `thresholds: KEY`, its allowed range
   `limits: KEY: [min, max]` (data, see rules.h). */
typedef struct dh_kit_params {
    const dh_param_field_t *fields;
    size_t n;
} dh_kit_params_t;

/* The thresholds table of the fields named, each read from the rule key of
   its name and typed from the field (int64_t: an integer, double: a number;
   another type does not compile):
       static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, min_score);
   A field takes the key's name; settings of a nested struct (the lexical
   model's) are flat fields copied into it by the detector's setup. */
#define DH_KIT_FIELDS(type, ...)                                                            \
    {(const dh_param_field_t[]){DH_FOR_EACH(DH_KIT_FIELD_, type, __VA_ARGS__)},              \
     DH_NARGS(__VA_ARGS__)}
#define DH_KIT_FIELD_(type, f)                                                              \
    {#f, offsetof(type, f),                                                                 \
     _Generic(((type *)0)->f, int64_t: DH_PARAM_INT, double: DH_PARAM_DOUBLE)},

/* The params struct follows the kit in the state: a detector's state is
       typedef struct { dh_kit_t kit; params_t p; ...its own... } xx_t;
       DH_KIT_STATE_LAYOUT(xx_t, p);
   and the kit reads the thresholds into it (dh_kit_new). The check makes a
   different layout a compile error. */
#define DH_KIT_STATE_LAYOUT(type, params_member)                                            \
    _Static_assert(offsetof(type, kit) == 0 && offsetof(type, params_member) == sizeof(dh_kit_t), \
                   #type ": dh_kit_t kit first, its params struct right after")

/* The params struct of a kit's state (above). */
#define DH_KIT_PARAMS_OF(k) ((void *)((char *)(k) + sizeof(dh_kit_t)))

typedef struct dh_kit dh_kit_t;
typedef struct dh_kit_early dh_kit_early_t;

/* How often an open window's "would it fire now" check may run (early
   alerts, below): after every_events more events of the window, or once
   every_s seconds of event time passed since the last check, whichever comes
   first. {1, 0}: on every event, for a check that costs O(1). */
typedef struct {
    uint16_t every_events; /* >= 1 */
    int64_t every_s;       /* 0: no time bound */
} dh_kit_pace_t;

/* A table whose windows are checked early: the detector's close callback
   (each window starts with its dh_kit_early_t). */
typedef struct {
    dh_kit_t *kit;
    dh_table_t *table;
    dh_close_fn on_close;
    void *ctx;
    dh_kit_pace_t pace;
} dh_kit_etable_t;

#define DH_KIT_MAX_ETABLES 4

struct dh_kit {
    const char *name;           /* the detector's: detection.rule_name */
    dh_rule_t *rule;            /* borrowed */
    const dh_detect_env_t *env; /* borrowed */
    dh_strbuf_t ev;             /* the evidence of the finding being emitted */
    /* early alerts: the tables, and the window being checked early (early)
       or closed (closing) while the detector's close callback runs */
    dh_kit_etable_t etables[DH_KIT_MAX_ETABLES];
    size_t n_etables;
    dh_kit_early_t *early, *closing;
    void (*release)(void *state); /* from dh_kit_spec_t, set by dh_kit_new */
    dh_table_t *table;            /* the spec's main table (NULL: none) */
};

/* Fill the base (nothing allocated yet: dh_kit_free is safe from here on, and
   on a zeroed kit). */
void dh_kit_init(dh_kit_t *k, const char *name, dh_rule_t *rule, const dh_detect_env_t *env);
void dh_kit_free(dh_kit_t *k);

/* Free what the state owns (its kit's release, when dh_kit_new set one),
   the kit and the state that starts with it (NULL is allowed): the destroy
   callback of every detector (tables belong to env->state). */
void dh_kit_destroy(void *state);

/* A detector's main table, made by dh_kit_new after the setup and kept in
   the kit (k->table): windows checked early (dh_kit_early_table) lasting
   the threshold named `window` (seconds; the params must declare it), each
   value_size bytes, closing through on_close(state, ...). */
typedef struct {
    const char *name; /* NULL: dh_kit_new makes no table */
    size_t value_size; /* a window struct starting with its dh_kit_early_t */
    dh_close_fn on_close;
    dh_kit_pace_t pace;
} dh_kit_spec_table_t;

/* What a detector built on the kit is, besides its callbacks: named by its
   dh_detector_type_t's .kit, the host creates it with dh_kit_new and
   destroys it with dh_kit_destroy (detector.h). Only what is its own; the
   layout is the kit's (the state starts with its dh_kit_t, its params
   struct right after: DH_KIT_STATE_LAYOUT):
     size      sizeof the state;
     params    its thresholds (DH_KIT_FIELDS; NULL: none), read by
               dh_kit_new into DH_KIT_PARAMS_OF(state);
     required  a thresholds key it cannot do without
               (dh_kit_require_thresholds; NULL: none);
     setup     called once by dh_kit_new after the thresholds were read:
               what else the detector reads and checks (its lists, checks
               between thresholds, C bounds: dh_kit_param_max), the tables
               of its own; 0, or -1 with err (NULL: nothing);
     release   frees what the state owns besides the kit (NULL: nothing);
               dh_kit_destroy calls it, also after a failed setup;
     table     its main table (above). */
typedef struct dh_kit_spec {
    size_t size;
    const struct dh_kit_params *params;
    const char *required;
    int (*setup)(void *state, char *err, size_t errlen);
    void (*release)(void *state);
    dh_kit_spec_table_t table;
} dh_kit_spec_t;

/* A detector's create(): a zeroed state of spec->size bytes, its kit
   filled (dh_kit_init with name: the detector's, its findings' rule_name),
   the thresholds required and read into it, then
   spec->release set (so a create() that fails later only calls
   dh_kit_destroy, with the state's other members zero or made), the
   detector's setup run and its table made. NULL with err when the
   thresholds or the setup fail (then nothing is left allocated). The state
   belongs to the caller: dh_kit_destroy frees it. */
void *dh_kit_new(const dh_kit_spec_t *spec, const char *name, dh_rule_t *rule,
                 const dh_detect_env_t *env, char *err, size_t errlen);

/* Read the rule's thresholds listed in pt into params (dh_rule_read_params).
   0, or -1 with err ("FILE:LINE: ..."). */
int dh_kit_read_params(const dh_kit_t *k, void *params, const dh_kit_params_t *pt, char *err,
                       size_t errlen);

/* A table in env->state of windows of window_s seconds (0: none), each
   value_size bytes, closing through on_close(ctx, ...). */
dh_table_t *dh_kit_table(const dh_kit_t *k, const char *name, size_t value_size,
                         int64_t window_s, dh_close_fn on_close, void *ctx);

/* A rule whose thresholds block holds a key the detector cannot do without
   (what: "brands_list"): 0 when the rule has thresholds, else -1 with err =
   "RULE: missing 'thresholds' (what is required)". */
int dh_kit_require_thresholds(const dh_kit_t *k, const char *what, char *err, size_t errlen);

/* A threshold that passed its range but not a check between thresholds:
   err = "RULE:LINE: key: what" (the key's line, 0 when absent). -1. */
int dh_kit_param_error(const dh_kit_t *k, const char *key, const char *what, char *err,
                       size_t errlen);

/* A bound the C code depends on (an array of max entries, a label buffer):
   the rule's limits can be edited, so a setup checks such thresholds again
   here. 0 when v <= max, else -1 with dh_kit_param_error's err. */
int dh_kit_param_max(const dh_kit_t *k, const char *key, int64_t v, int64_t max, char *err,
                     size_t errlen);

/* "key":value for each of keys[0..n), in that order, from params as pt reads
   them: an integer threshold as an integer, a double as a number (the
   evidence's "thresholds"). A key pt does not list is a programming error:
   abort. */
void dh_kit_json_params(dh_strbuf_t *sb, const void *params, const dh_kit_params_t *pt,
                        const char *const *keys, size_t n);

/* "thresholds":{...} holding those keys alone (dh_kit_json_params); a
   detector that adds its own keys opens the object itself. */
void dh_kit_json_thresholds(dh_strbuf_t *sb, const void *params, const dh_kit_params_t *pt,
                            const char *const *keys, size_t n);

/* Emit d through env->emit; rule_name, rule and evidence default to the
   kit's (k->ev) where d leaves them NULL. */
void dh_kit_emit(dh_kit_t *k, dh_detection_t *d);

/* A confidence capped at 0.99: findings that add up signals never claim
   certainty. */
double dh_kit_confidence(double c);

/* ---- the header of a per-client window ---------------------------------- */

/* The early-alert state of a window (below, "early alerts"): the first
   member of every window of a table made by dh_kit_early_table, where the
   kit finds it (a window with a dh_kit_window_t header has it there). */
struct dh_kit_early { /* 16 bytes: it is part of every window */
    int64_t next_us;    /* check again at this event time (with a time bound) ... */
    uint32_t checks;    /* checks made */
    uint16_t left;      /* ... or after this many more events */
    uint8_t fired;      /* an early finding was emitted: no more checks */
    uint8_t alerted;    /* ... and went out as an alert of its own (alerts.c) */
};

typedef struct {
    dh_kit_early_t early; /* first: the kit's, for early alerts */
    dh_addr_t client;
    int64_t first_us, last_us; /* event times of the first and last event */
    uint64_t events;           /* events counted; 0: the window just opened */
    uint8_t from_resolver;     /* some event came from a known resolver */
    dh_pivots_t pivots;        /* back to the sensor's records (detection.h) */
} dh_kit_window_t;

/* Widen the span *first_us..*last_us to ts_us (first: the span's first
   event, which sets both). */
void dh_kit_span_add(int64_t *first_us, int64_t *last_us, int64_t ts_us, bool first);

/* Count ev in the window (the first event sets the client). */
void dh_kit_window_update(dh_kit_window_t *h, const dh_event_t *ev, const dh_verdict_t *v);

/* The window of key in t, created when absent, with ev counted in its
   header (dh_kit_window_update): for a window struct that starts with its
   dh_kit_window_t. NULL when the event is late. */
void *dh_kit_touch_window(dh_table_t *t, const void *key, size_t keylen, const dh_event_t *ev,
                          const dh_verdict_t *v);

/* The same for the window of the event's client (the view's client hash). */
void *dh_kit_touch_client(dh_table_t *t, const dh_event_view_t *vw, const dh_verdict_t *v);

/* A detection of the events first_us..last_us of client (from a resolver
   or not) in the window that started at ws, fired at the last event; no
   pivots, risk and confidence unset (-1), the rest zero. For windows
   without a dh_kit_window_t header. */
dh_detection_t dh_kit_span_detection(int64_t first_us, int64_t last_us, int64_t ws,
                                     const dh_addr_t *client, bool from_resolver);

/* Name d's subject: the query name qname[0..qname_len), the registered
   domain and the entity (each NULL: none). */
void dh_kit_detection_names(dh_detection_t *d, const char *qname, size_t qname_len,
                            const char *domain, const char *entity);

/* The detection's times and client from the window that started at ws
   (fired at the last event); the rest zero. */
dh_detection_t dh_kit_window_detection(const dh_kit_window_t *h, int64_t ws);

/* The same with the query name qname[0..qname_len) (NULL: none). */
dh_detection_t dh_kit_named_detection(const dh_kit_window_t *h, int64_t ws, const char *qname,
                                      size_t qname_len);

/* ---- sample names -------------------------------------------------------- */

/* Keep name[0..len) (cut to cap bytes) in names, a [max][cap] array, with its
   length in lens; nothing once n reaches max; with distinct, not when an
   equal sample is kept. */
void dh_kit_add_sample(char *names, size_t cap, uint8_t *lens, uint8_t *n, uint8_t max,
                       bool distinct, const char *name, size_t len);

/* The members of a window that keeps sample names (max names of up to cap
   bytes), as the macros below read them: in the window struct,
       DH_KIT_SAMPLES(SAMPLES, SAMPLE_LEN);  */
#define DH_KIT_SAMPLES(max, cap)                                                            \
    uint8_t n_samples;                                                                      \
    uint8_t sample_len[max];                                                                \
    char samples[max][cap]

/* For a window with samples[MAX][CAP], sample_len[MAX] and n_samples
   (DH_KIT_SAMPLES, or members of those names). */
#define DH_KIT_ADD_SAMPLE(w, name, len)                                                     \
    dh_kit_add_sample(&(w)->samples[0][0], sizeof((w)->samples[0]), (w)->sample_len,         \
                      &(w)->n_samples, (uint8_t)DH_N_OF((w)->samples), false, (name), (len))

#define DH_KIT_ADD_DISTINCT_SAMPLE(w, name, len)                                            \
    dh_kit_add_sample(&(w)->samples[0][0], sizeof((w)->samples[0]), (w)->sample_len,         \
                      &(w)->n_samples, (uint8_t)DH_N_OF((w)->samples), true, (name), (len))

/* The detection of window w, a struct with its header h and the sample
   members (DH_KIT_SAMPLES), that started at ws: dh_kit_window_detection
   with the window's first sample as the representative query name (none
   when it kept none). */
#define DH_KIT_SAMPLES_DETECTION(w, ws)                                                     \
    dh_kit_named_detection(&(w)->h, (ws), (w)->n_samples ? (w)->samples[0] : NULL,           \
                           (w)->n_samples ? (w)->sample_len[0] : 0)

/* ---- client addresses --------------------------------------------------- */

/* Keep client c in addrs[0..max) unless it is unset or kept already (*n
   counts them); *more = 1 when one did not fit. */
void dh_kit_add_client(dh_addr_t *addrs, uint8_t *n, uint8_t max, uint8_t *more,
                       const dh_addr_t *c);

/* For a window with clients[MAX], n_clients and clients_more. */
#define DH_KIT_ADD_CLIENT(w, c)                                                             \
    dh_kit_add_client((w)->clients, &(w)->n_clients, (uint8_t)DH_N_OF((w)->clients),        \
                      &(w)->clients_more, (c))

/* "key":[names...] */
void dh_kit_json_names(dh_strbuf_t *sb, const char *key, const char *names, size_t cap,
                       const uint8_t *lens, uint8_t n);

/* A distinct count of the evidence and its name, for dh_kit_json_estimates. */
typedef struct {
    const char *name;
    const dh_distinct_t *d;
} dh_kit_count_t;

/* "estimated":[names...]: which of the evidence's distinct counts are
   estimates (sketch.h: rounded, within [exact limit, items added]); nothing
   when all are exact. So an analyst knows which figures to read as "about". */
void dh_kit_json_estimates(dh_strbuf_t *sb, const dh_kit_count_t *counts, size_t n);

/* "key":["addr"...]: addrs[0..n) as text (dh_addr_format). */
void dh_kit_json_addrs(dh_strbuf_t *sb, const char *key, const dh_addr_t *addrs, size_t n);

#define DH_KIT_JSON_SAMPLES(sb, key, w)                                                     \
    dh_kit_json_names((sb), (key), &(w)->samples[0][0], sizeof((w)->samples[0]),             \
                      (w)->sample_len, (w)->n_samples)

/* ---- keys ------------------------------------------------------------------ */

/* The window in t of the event's client x registered-domain pair, created
   when absent (*created, when not NULL, tells whether it was): one lookup
   with the view's pair key and hash (the client's address, then the
   registered domain). NULL when the event has no pair, when its registered
   domain has domain_max bytes or more (the detector's own limit: a key of
   sizeof(dh_addr_t) + domain_max bytes), or when the event is late. */
void *dh_kit_touch_pair(dh_table_t *t, const dh_event_view_t *vw, size_t domain_max,
                        bool *created);

/* dh_kit_touch_pair, then the event counted in the window's header, for a
   window struct that starts with its dh_kit_window_t (dh_kit_touch_window). */
void *dh_kit_touch_pair_window(dh_table_t *t, const dh_event_view_t *vw, size_t domain_max,
                               const dh_verdict_t *v);

/* The domain of such a key, NUL-terminated into out (cap bytes). */
void dh_kit_key_domain(const void *key, size_t keylen, char *out, size_t cap);

/* ---- early alerts ------------------------------------------------------------
 * Live, a finding should reach the SOC when the record that completes it is
 * read, not when its window closes minutes later (an "early trigger" as Flink
 * and Beam call it). The kit does it once for every detector, reusing the
 * detector's own close callback as the "would it fire now" check:
 *
 *  - the detector creates its table with dh_kit_early_table (a
 *    dh_kit_early_t first in its window struct, as in a dh_kit_window_t
 *    header, and a pace) instead of dh_kit_table;
 *  - after counting an event into a window, it calls dh_kit_early_check;
 *    when env->early_alerts is set, the window has not been reported early
 *    yet and the pace allows, the kit calls the close callback with why =
 *    DH_KIT_CLOSE_EARLY on the open window. Whatever it emits is an early
 *    alert (detection.early; fired at the event just counted, same event.id
 *    as the window's final finding, which uses the same window start), and
 *    the window is not checked again;
 *  - when that window really closes, what the callback emits is marked
 *    completes_early if the early finding went out as an alert of its own
 *    (not absorbed by suppression into an earlier window's alert: alerts.c
 *    notes it through detection.alerted), and alert suppression (alerts.h)
 *    emits it as the update of the early alert. Otherwise the close is an
 *    ordinary finding, as in a replay.
 *
 * A close callback called with DH_KIT_CLOSE_EARLY must leave the window as
 * it was (it is still open) and keep its side effects (history marks, notes
 * of what was reported) for the real close. Without env->early_alerts
 * (replays by default) nothing is checked and the output is today's, byte
 * for byte. Cost: at most one check per pace step per window, and none once
 * it fired. */

/* The why of a close callback asked about an open window (dh_close_t has
   only the reasons of a real close). */
#define DH_KIT_CLOSE_EARLY ((dh_close_t)100)


typedef struct {
    const char *name;   /* as dh_kit_table */
    size_t value_size;
    int64_t window_s;
    dh_close_fn on_close;
    void *ctx;
    dh_kit_pace_t pace;
} dh_kit_etable_opts_t;

/* dh_kit_table for a table whose windows are checked early (at most
   DH_KIT_MAX_ETABLES a detector; more is a programming error: abort). */
dh_table_t *dh_kit_early_table(dh_kit_t *k, const dh_kit_etable_opts_t *o);

/* The window value of table t (made by dh_kit_early_table), under key, has
   just counted an event of time ts_us: check it early when due (above).
   Whether an early alert went out. */
bool dh_kit_early_check(dh_kit_t *k, const dh_table_t *t, const void *key, size_t keylen,
                        void *value, int64_t ts_us);

/* In a real close callback: the window's early finding went out as an
   alert. A detector whose thresholds can fall back below the line (shares,
   scores) emits its final evidence then even when it no longer fires, so
   the alert's update says so (anchors none, a score below the minimum)
   instead of leaving the early evidence standing. */
static inline bool dh_kit_closing_alerted(const dh_kit_t *k)
{
    return k->closing && k->closing->alerted;
}

/* A close callback's why: is this a check of an open window? */
static inline bool dh_kit_is_early(dh_close_t why)
{
    return why == DH_KIT_CLOSE_EARLY;
}

#endif
