/*
 * output-ocsf.h - the output in OCSF (--schema ocsf): detections as
 * Detection Finding (class 2004), events as DNS Activity (class 4003), of
 * the OCSF schema version DH_OCSF_VERSION (README "OCSF").
 *
 * A detection is mapped from its ECS line (detection.c writes that line;
 * it stays the one source of truth): what OCSF has an attribute for moves
 * there, everything else, the evidence numbers above all, stays under
 * `unmapped` with its ECS path, so a member another part of dnshound adds
 * to the ECS line reaches the OCSF line without a change here. Detections
 * are few; the cJSON round trip costs nothing that matters.
 *
 * An event is written straight from dh_event_t (events are many: no JSON
 * round trip), with the same rules as output-event.h: keys in a fixed
 * order, an unknown value left out, names escaped as util-json.h says.
 *
 * Both are pure functions of their input: a replay gives the same bytes.
 */
#ifndef DH_OUTPUT_OCSF_H
#define DH_OUTPUT_OCSF_H

#include <stddef.h>

#include "event.h"
#include "util-json.h"

#define DH_OCSF_VERSION "1.8.0"

/* --schema; the enum order is the option's values' order */
typedef enum { DH_SCHEMA_ECS = 0, DH_SCHEMA_OCSF = 1 } dh_schema_t;

/* Append one DNS Activity JSON line (with '\n') for ev to out. */
void dh_ocsf_event(const dh_event_t *ev, dh_strbuf_t *out);

/* The members a DNS Activity of activity (1 Query, 2 Response, 6 Traffic)
   starts with, from '{' to severity, written member by member: what
   dh_ocsf_event writes as one literal (a unit test holds them equal). */
void dh_ocsf_dns_head(int activity, dh_strbuf_t *out);

/* Append the Detection Finding JSON line (with '\n') of one ECS detection
   line (len bytes, a trailing newline allowed) to out. 0, or -1 when the
   line is no JSON object (out is then unchanged). */
int dh_ocsf_detection(const char *line, size_t len, dh_strbuf_t *out);

#endif
