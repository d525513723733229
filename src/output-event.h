/*
 * output-event.h - the normalized event as one ECS 9.4 JSON document a line
 * (--emit events).
 *
 * The schema is stable and documented in docs/events.md: keys always appear
 * in the same order, an unknown value is left out (absent means unset),
 * names keep their exact bytes (escaped as util-json.h says), and whatever
 * ECS has no field for lives under dnshound.*, so that
 * parsers/parse-dnshound-events.c reads back the very event written.
 */
#ifndef DH_OUTPUT_EVENT_H
#define DH_OUTPUT_EVENT_H

#include "event.h"
#include "util-json.h"

/* Append one JSON line (with '\n') for ev to out. */
void dh_event_to_json(const dh_event_t *ev, dh_strbuf_t *out);

/* The IANA mnemonic of a DNS opcode ("QUERY", "NOTIFY"...), NULL when the
   number has none (ECS dns.op_code then holds "OPCODE<n>"). */
const char *dh_opcode_name(int32_t opcode);

#endif
