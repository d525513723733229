/*
 * incidents.h - incidents, not alert storms: the correlation of the
 * detections a run emits into two detection kinds of their own.
 *
 *   incident   one client x registered domain that raised findings of at
 *              least `min_rules` different rules (dns_tunnel, dns_exfil,
 *              dns_beacon ...) within `window` seconds of event time of each
 *              other: one detection with every technique of its findings,
 *              one risk score (the probability-style union of the rules'
 *              highest risk scores, 1 - prod(1 - r/100)) and the findings
 *              linked by their event.id. A later finding that adds a rule or
 *              raises the score is emitted at once as an update of the
 *              incident (same event.id, dnshound.update, as alert
 *              suppression does); one that only adds a finding of a rule it
 *              has is linked by the update sent when its window ends (or at
 *              the end of input).
 *   host_risk  a rolling roll-up per client over `window` seconds (24 h by
 *              default), weighted as Elastic's entity risk scoring weighs a
 *              host's alerts: the risk scores sorted from the highest, the
 *              i-th divided by i^1.5, summed and normalized to 0..100 by the
 *              sum's limit (100 * zeta(1.5)). Emitted when the host's level
 *              (low, moderate, high, critical: `levels`) reaches
 *              `alert_level`, and as an update each time the level rises;
 *              when the score falls below that level the episode ends, and
 *              the next rise is a new host_risk detection.
 *
 * Input is what the SIEM gets: every detection line alert suppression
 * emits (alerts and updates; an update of a finding replaces its risk), read
 * back with cJSON, so the correlation sees the ids, risk scores and ATT&CK
 * mapping an analyst sees. Incident and host_risk lines are not read back.
 * The kinds are rules of their own (rules/incident.yaml, rules/host_risk.yaml:
 * metadata, message template, thresholds), disabled there like any rule.
 *
 * Replays are pure event time: the windows are measured between the
 * findings' @timestamp values, and a correlation is decided when a finding
 * arrives, never by the wall clock. An incident's event.id is made of the
 * client, the domain and the `window`-aligned bucket its first finding's
 * evidence started in (a host_risk episode's: its window's earliest start),
 * not of the time a finding was reported, so early alerts and a replay name
 * it alike.
 *
 * Ownership: dh_incidents_new/free. Memory is bounded by the rules'
 * max_entries (an entry holds at most 16 linked findings); when full, the
 * entry idle longest is dropped (counted as evicted).
 */
#ifndef DH_INCIDENTS_H
#define DH_INCIDENTS_H

#include <stddef.h>
#include <stdint.h>

#include "util-json.h"

typedef struct dh_incidents dh_incidents_t;

/* The two kinds, for --list (rules/NAME.yaml holds each one's settings). */
typedef struct {
    const char *name;
    const char *description;
} dh_correlation_info_t;

extern const dh_correlation_info_t *const dh_correlations[]; /* NULL-terminated */

/* Where the correlation's detection lines go, with their partitioning key
   (the client address). */
typedef void (*dh_incidents_out_fn)(void *ctx, const dh_strbuf_t *line, const char *key);

typedef struct {
    uint64_t findings;         /* detection lines read */
    uint64_t unreadable;       /* lines that were no detection object */
    uint64_t incidents, incident_updates;
    uint64_t host_risk, host_risk_updates;
    uint64_t evicted;          /* entries dropped when max_entries was reached */
} dh_incidents_stats_t;

/* Load rules_dir/incident.yaml and rules_dir/host_risk.yaml. NULL with err
   "FILE:LINE: ..." when a file is invalid. A rule disabled in its file is
   not run; both disabled still gives a (silent) object. */
dh_incidents_t *dh_incidents_new(const char *rules_dir, dh_incidents_out_fn out, void *ctx,
                                 char *err, size_t errlen);
void dh_incidents_free(dh_incidents_t *x);

/* Event time moved on: incidents whose window ended emit the update that
   links their latest findings, and are forgotten, as are hosts without a
   finding in their window. */
void dh_incidents_advance(dh_incidents_t *x, int64_t watermark_us);

/* End of input (or of a replay epoch): every pending update out, every
   entry forgotten. */
void dh_incidents_flush(dh_incidents_t *x);

/* A detection line that went out (with or without its '\n'). */
void dh_incidents_observe(dh_incidents_t *x, const char *line, size_t len);

dh_incidents_stats_t dh_incidents_stats(const dh_incidents_t *x);

#endif
