/*
 * parser.h - the interface every input format implements.
 *
 * One file per format in parsers/ defines one `const dh_parser_type_t`, and
 * one line in parsers/parsers.def registers it. The pipeline calls it like
 * this:
 *
 *   probe(line)         Format sniffing. Called on each of the first records of
 *                       a stream (empty lines are not shown) until some parser
 *                       says YES. Answers YES (this line is certainly mine),
 *                       NEED_MORE (could be mine, show me more), or NO (this
 *                       line is not mine; do not ask again for this stream).
 *                       Must not keep state; must not guess.
 *   create()            A per-stream state (headers seen, field maps...). Returns
 *                       NULL only on allocation failure.
 *   parse_line(...)     One line, without its newline, never empty, never
 *                       containing NUL bytes or invalid UTF-8 (the reader
 *                       rejects those first). The parser resets `out`, fills
 *                       out->ev and out->part/out->txn_key, and returns what
 *                       the line was. On DH_LINE_MALFORMED it writes a short
 *                       reason (no file name, no line number) into `reason`.
 *                       Callers go through dh_parser_parse_line, never the
 *                       pointer: a JSON-lines format sets json_record instead.
 *   json_record(...)    Instead of parse_line, for a format of one JSON object
 *                       a line: the generic step (parsers/json-fields.c
 *                       jf_parse_line) resets out, trims the line, parses it
 *                       as one object and hands the tree and the trimmed text
 *                       to json_record, which fills out and says what the
 *                       record was (as parse_line; reason written unless
 *                       DH_LINE_RECORD; out is reset again unless a record).
 *                       So a JSON format is a probe, a record function and a
 *                       registration (json-fields.h JF_PARSER).
 *   json_skip(line,len) Optional (NULL), with json_record: true when the
 *                       trimmed raw text is a record to skip without parsing
 *                       it (a non-DNS EVE line).
 *   end_of_input(state) The stream ended (file end). A parser keeping header
 *                       state may forget it; optional (NULL).
 *   destroy(state)      Frees the state. NULL is allowed.
 *   skips_truncated(head, len)
 *                       Optional (NULL). A line was longer than --max-line
 *                       and only its first len bytes are shown (never a
 *                       whole record; may end anywhere, may hold NUL bytes
 *                       or broken UTF-8). true when those bytes show a
 *                       valid record of this format that is not DNS (a big
 *                       EVE stats line), which is then counted skipped
 *                       instead of malformed. Asked of every parser, whether
 *                       or not the stream's format is known. Must not keep
 *                       state.
 *
 * The line memory is owned by the caller and is valid only during the call.
 *
 * Threading: every callback runs on the thread that feeds the stream (the
 * main thread today); one state is only ever used by one stream, so a parser
 * needs no locking. probe() and skips_truncated() see no state and may be
 * called for any stream.
 */
#ifndef DH_PARSER_H
#define DH_PARSER_H

#include <stddef.h>

#include "evbuf.h"

typedef enum {
    DH_PROBE_NO = 0,
    DH_PROBE_NEED_MORE = 1,
    DH_PROBE_YES = 2,
} dh_probe_t;

typedef enum {
    DH_LINE_RECORD = 0,    /* a DNS record: out holds it */
    DH_LINE_HEADER = 1,    /* format metadata (Zeek #fields...), not a record */
    DH_LINE_SKIPPED = 2,   /* a valid record that is not DNS (EVE flow, stats...) */
    DH_LINE_MALFORMED = 3, /* broken: reason says why */
} dh_line_t;

#define DH_REASON_MAX 160

struct cJSON;

/* json_record (above): root is the parsed line, line/len its trimmed text. */
typedef dh_line_t (*dh_json_record_fn)(void *state, const char *line, size_t len,
                                       const struct cJSON *root, dh_evbuf_t *out,
                                       char reason[DH_REASON_MAX]);

typedef struct dh_parser_type {
    const char *name;        /* as given to --format */
    const char *description; /* one line for --help */
    dh_probe_t (*probe)(const char *line, size_t len);
    void *(*create)(void);
    dh_line_t (*parse_line)(void *state, const char *line, size_t len,
                            dh_evbuf_t *out, char reason[DH_REASON_MAX]);
    dh_json_record_fn json_record;                 /* instead of parse_line */
    bool (*json_skip)(const char *line, size_t len); /* with json_record; optional */
    void (*end_of_input)(void *state);
    void (*destroy)(void *state);
    bool (*skips_truncated)(const char *head, size_t len);
} dh_parser_type_t;

/* One line through parser p (parse_line above): its parse_line, or the
   generic JSON-lines step with its json_record. */
dh_line_t dh_parser_parse_line(const dh_parser_type_t *p, void *state, const char *line,
                               size_t len, dh_evbuf_t *out, char reason[DH_REASON_MAX]);

/* The registry: every parser in parsers.def, in probe order, NULL-terminated. */
extern const dh_parser_type_t *const dh_parsers[];

/* Find a parser by name; NULL when unknown. */
const dh_parser_type_t *dh_parser_find(const char *name);

#endif
