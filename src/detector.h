/*
 * detector.h - the interface every detector implements.
 *
 * One file per detector in src/detectors/ (NAME with hyphens for
 * underscores: dns_tunnel is dns-tunnel.c) defines one
 * `const dh_detector_type_t dh_detector_NAME`, and one line DETECTOR(NAME) in
 * src/detectors/detectors.def registers it; its thresholds (values and
 * limits), lists and ATT&CK mapping live in rules/NAME.yaml (data, not
 * code). The scaffolding every
 * detector shares (base state, thresholds table, tables, a per-client window
 * header, samples, one emit) is in detector-kit.h. The pipeline calls:
 *
 *   create(rule, env, err)   Read and validate rule->thresholds (numeric
 *                            ones within rule->limits, dh_rule_read_params;
 *                            the rest with the dh_yaml_* getters: every key
 *                            read is marked used, unknown keys are reported
 *                            by the caller afterwards) and create the
 *                            detector's tables in env->state (dh_table_new:
 *                            keyed, windowed, memory-bounded). Return the
 *                            detector's state, or NULL with err filled
 *                            ("FILE:LINE: ..."). A detector built on the kit
 *                            leaves it NULL and sets .kit: dh_kit_new.
 *   on_event(st, view, v, env)
 *                            Once per normalized DNS event that survived the
 *                            shared noise control (excluded names, allowlists
 *                            and resolver duplicates never reach detectors,
 *                            except that a type with `sees_excluded` also gets
 *                            the excluded special-use names: *.arpa PTRs,
 *                            mDNS...),
 *                            in input order. view (event-view.h) is the
 *                            event's view, built once by the host for all
 *                            detectors: view->ev is the event, and the view
 *                            holds the facts several detectors need (name
 *                            lengths and labels, registered domain and its
 *                            length, subdomain, longest label, client x
 *                            domain key and hashes); encoding, entropy and
 *                            suffix hashes are computed on first request and
 *                            cached inside it. Both are borrowed and
 *                            read-only, valid for this call only: copy what
 *                            you keep, never keep a pointer into either.
 *                            v says what noise control knows about it
 *                            (benign tunnel-shaped service, from a resolver,
 *                            how many clients query its domain). Must not
 *                            allocate per event beyond dh_table_touch.
 *   Windows close through the tables' on_close callbacks, called by the
 *   pipeline as the watermark advances (dh_state_advance) and at end of input
 *   (dh_state_flush); findings are emitted there with env->emit. With
 *   env->early_alerts (live runs by default) a table made with
 *   dh_kit_early_table has its open windows put to the same callback while
 *   they fill (detector-kit.h "early alerts"), so a finding goes out at the
 *   record that completes it.
 *   oldest_open(st)          Optional (NULL): the event time of the oldest
 *                            event still held outside the tables (a gate, a
 *                            buffer), INT64_MAX when none; input offsets are
 *                            only committed up to events older than it.
 *   flush(st, env)           Optional (NULL): end of input, after the tables
 *                            were flushed; for state kept outside tables.
 *   destroy(st)              Free the detector's own memory (tables belong
 *                            to the state). NULL is allowed.
 *   A detector built on the kit sets .kit instead of create and destroy
 *   (dh_detector_create / dh_detector_destroy call the kit's).
 *   reload(st, ...)          Optional (NULL): on SIGHUP, re-read list files
 *                            without losing state (see below).
 *
 * Detectors never read the wall clock: only event time decides, so a replay
 * gives byte-identical output. The pipeline de-duplicates: one detection per
 * rule x entity x window, and repeats within the suppression period update
 * the first alert instead of repeating it (see alerts.h).
 */
#ifndef DH_DETECTOR_H
#define DH_DETECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "detection.h"
#include "event-view.h"
#include "event.h"
#include "history.h"
#include "log.h"
#include "rules.h"
#include "state.h"

/* What shared noise control knows about one event. */
typedef struct {
    bool benign_service;   /* a known tunnel-shaped benign service (DNSBL, AV lookups...) */
    bool from_resolver;    /* the client is a known resolver, not attributable */
    uint32_t prevalence;   /* distinct clients seen querying the registered domain,
                              counted up to the noise rules' common_clients */
    bool popular;          /* the registered domain is on the popular-domains list */
    bool common;           /* popular, or prevalence >= the noise rules' common_clients */
    /* The passive-DNS history of the registered domain (history.h), as it was
       before this event. has_history is false in runs without a history
       (--emit events) and for events without a registered domain. */
    bool has_history;
    bool history_found;       /* the domain had a record */
    int64_t history_since_us; /* the oldest event the history learned from */
    uint32_t history_days;    /* its coverage: UTC days with data before this
                                 event's day, within the expiry (history-days.h) */
    dh_history_rec_t history; /* the record before this event (when found) */
    dh_history_rec_t *history_live; /* the record with this event; detectors may
                                        set its risk/flags bits */
} dh_verdict_t;

typedef struct dh_detect_env {
    void (*emit)(void *pipeline, const dh_detection_t *d);
    void *pipeline;
    dh_state_t *state;
    dh_history_t *history; /* NULL when the run keeps none */
    dh_log_t *log;         /* borrowed, for diagnostics as dh_log(env->log, level,
                              "detector", NAME, ...); NULL: plain stderr */
    bool early_alerts;     /* report findings while their window is open (the
                              host sets it from --early-alerts and whether the
                              run is live; detector-kit.h "early alerts") */
    bool hunt;             /* --hunt: new_domain judges first sightings within the
                              archive itself (new-domain-hunt.h), without history */
} dh_detect_env_t;

struct dh_kit_spec;

typedef struct dh_detector_type {
    const char *name;
    const char *description;
    bool sees_excluded; /* also called for names noise control excludes */
    bool needs_history; /* reads the passive-DNS history (the run opens it only
                           when an enabled detector does, or with --learn-only) */
    /* A detector built on the kit (detector-kit.h) names its dh_kit_spec_t
       here and leaves create and destroy NULL: the host then creates it
       with dh_kit_new(kit, name, ...) and destroys it with dh_kit_destroy.
       create/destroy of its own replace them (kit NULL). */
    const struct dh_kit_spec *kit;
    void *(*create)(dh_rule_t *rule, const dh_detect_env_t *env, char *err, size_t errlen);
    void (*on_event)(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                     const dh_detect_env_t *env);
    int64_t (*oldest_open)(void *state);
    void (*flush)(void *state, const dh_detect_env_t *env);
    void (*destroy)(void *state);
    /* Optional (NULL): SIGHUP. Re-read the detector's list files (not its
       thresholds) and swap them in only when all of them load; open windows
       and tables are kept. 0, or -1 with err ("FILE:LINE: ...") and the old
       lists still in force. info receives a one-line summary for the log. */
    int (*reload)(void *state, char *info, size_t infolen, char *err, size_t errlen);
    /* Optional (NULL): what the detector decided without a detection
       (counters), as JSON object members without braces; --stats prints
       them as detectors.NAME. */
    void (*stats)(const void *state, dh_strbuf_t *sb);
} dh_detector_type_t;

extern const dh_detector_type_t *const dh_detectors[];

/* Create a detector of type t (its create, else dh_kit_new with its kit):
   the state, or NULL with err ("FILE:LINE: ..."). The caller owns the state
   and frees it with dh_detector_destroy (NULL allowed). */
void *dh_detector_create(const dh_detector_type_t *t, dh_rule_t *rule,
                         const dh_detect_env_t *env, char *err, size_t errlen);
void dh_detector_destroy(const dh_detector_type_t *t, void *state);

#endif
