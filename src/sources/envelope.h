/*
 * envelope.h - unwrap log shippers' envelopes around one log record.
 *
 * Records reach Kafka wrapped by whatever shipped them:
 *   Zeek's Kafka plugin    {"dns": {...}} (with the log-name wrapper) or the bare record
 *   Filebeat, Vector       {"message": "<the raw line>", "@timestamp": ..., ...}
 *   Fluent Bit             {"log": "<the raw line>", ...}
 * dh_envelope_unwrap returns the record inside (a raw Zeek TSV line, Zeek
 * JSON or EVE JSON), or the input unchanged when it is not an envelope. A
 * record that is itself a Zeek/EVE/dnshound JSON object is recognised
 * cheaply and never parsed here.
 */
#ifndef DH_ENVELOPE_H
#define DH_ENVELOPE_H

#include <stddef.h>

#include "../util-json.h"

/* rec and rlen point into p or into out (owned by the caller, reused). */
void dh_envelope_unwrap(const char *p, size_t len, dh_strbuf_t *out, const char **rec,
                        size_t *rlen);

#endif
