/*
 * output-event.h - the normalized event as one JSON line (--emit events).
 *
 * The schema is stable and documented in docs/events.md: keys always appear
 * in the same order, an unknown value is left out (as in Zeek's JSON logs,
 * absent means unset), query names keep their exact bytes (escaped as
 * util-json.h says).
 */
#ifndef DH_OUTPUT_EVENT_H
#define DH_OUTPUT_EVENT_H

#include "event.h"
#include "util-json.h"

/* Append one JSON line (with '\n') for ev to out. */
void dh_event_to_json(const dh_event_t *ev, dh_strbuf_t *out);

#endif
