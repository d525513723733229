/*
 * alerts.h - de-duplication and suppression of detections.
 *
 * Detectors already report once per rule x entity x window. On top of that,
 * a rule's `suppression` period (seconds of event time) keeps an entity that
 * keeps matching from flooding the SOC: the first finding is emitted at once;
 * further findings for the same rule and entity (client and domain) within
 * the period are absorbed. When the period ends (the watermark passes it) or
 * at end of input, one update is emitted carrying the first alert's
 * event.id, `dnshound.update: true`, the number of findings absorbed
 * (`dnshound.occurrences`), the first start and the latest evidence. A SIEM
 * that upserts on event.id ends up with one alert holding the latest
 * evidence; one that appends sees the alert and one summary.
 *
 * Scope (the rule's suppression_scope, rules.h): "the same entity" is the
 * client with the finding's domain / entity (client_domain), or the client
 * alone (client; findings with their own ATT&CK mapping, e.g. a threat-intel
 * list's, stay apart). A client-scope alert and its updates add to the
 * evidence `services`, the distinct services (detection.services, else
 * entity, else registered domain, else query name) of the findings merged, at most the rule's
 * suppression_services of them, and `services_omitted`, how many more there
 * were (exact up to 64, estimated beyond). Its update carries the alert's
 * event.id whatever service the latest finding was about, and the highest
 * risk score of the findings merged. A client-scope
 * finding riskier than any reported for its alert is absorbed and its update
 * emitted at once: a day-long period never holds back an escalation.
 *
 * Early alerts (detector-kit.h): a finding raised while its window is open
 * (detection.early) is an alert like any, or absorbed like any repeat; one
 * that goes out as an alert of its own is noted through detection.alerted.
 * The finding of that window at its close (detection.completes_early) is
 * absorbed as any repeat, but its update is emitted at once rather than at
 * the end of the period: the SOC gets the final evidence when the window
 * closes. When the early alert is no longer open (suppression 0, or a
 * period shorter than the window) that update goes out on its own
 * (occurrences 1). The close of a window whose early finding was absorbed is
 * an ordinary repeat (or a new alert), as in a replay.
 *
 * Ownership: dh_alerts_new/free. Memory is bounded by max_entries (and, per
 * client-scope entry, by its list of at most 2 KB of service names); when
 * full the entry whose period ends first is closed early (its update emitted).
 */
#ifndef DH_ALERTS_H
#define DH_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "detection.h"
#include "util-json.h"

typedef struct dh_alerts dh_alerts_t;

/* Where finished JSON lines go (the pipeline's sink), with their
   partitioning key: the client address, else the registered domain. */
typedef void (*dh_alert_out_fn)(void *ctx, const dh_strbuf_t *line, const char *key);

typedef struct {
    uint64_t emitted, suppressed, updates;
    uint64_t early; /* of the emitted: raised while their window was open */
} dh_alerts_stats_t;

dh_alerts_t *dh_alerts_new(size_t max_entries, dh_alert_out_fn out, void *ctx);
void dh_alerts_free(dh_alerts_t *a);

/* A detection from a detector; suppression_us 0 emits it unconditionally. */
void dh_alerts_submit(dh_alerts_t *a, const dh_detection_t *d, int64_t suppression_us);

/* Event time moved on: emit the updates of periods that ended. */
void dh_alerts_advance(dh_alerts_t *a, int64_t watermark_us);

/* End of input: emit every pending update. */
void dh_alerts_flush(dh_alerts_t *a);

/* Window start of the first alert of the oldest open suppression period,
   INT64_MAX when none is open. A replay that starts later would not know
   the alert and would raise its repeats as new alerts (and lose the
   update): input offsets are committed only up to events older than this. */
int64_t dh_alerts_oldest_open(const dh_alerts_t *a);

dh_alerts_stats_t dh_alerts_stats(const dh_alerts_t *a);

#endif
