/*
 * parse-zeek-tsv.c - Zeek (and Bro 2.x) ASCII dns.log, the TSV format.
 *
 * A Zeek ASCII log describes itself: a block of '#' lines names the separator,
 * the set separator, the strings that stand for "empty" and "unset", the log
 * path and, in '#fields', the column names. The columns changed over the years
 * (Bro 2.0 had QR/auth/addl, 2.2 added rejected, 2.6 rtt, 8.1 opcode) and sites
 * append their own, so nothing here depends on position: '#fields' is turned
 * once into a map from column number to known field, and each record is split
 * in a single pass that keeps a pointer and a length for the columns that map
 * to something. Values are parsed straight from the line; only the strings
 * that end up in the event are escape-decoded (dh_zeek_unescape: \xNN only,
 * as Zeek reads its own logs; Zeek writes a backslash as \x5c, so "\\" is
 * two backslashes) into the caller's arena, so a
 * record costs no allocation. Two headerless shapes seen in practice are read
 * too: zeek-cut output (a first row of field names) and bare rows with exactly
 * the default 24 or 26 columns. Anything that cannot be read unambiguously is
 * reported MALFORMED with a reason; nothing is guessed.
 */
#include "../src/parser.h"
#include "zeek-common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util-dns.h"
#include "util-ip.h"
#include "util-mem.h"
#include "util-time.h"

/* ------------------------------------------------------------------------ */
/* Fields                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum {
    F_NONE = 0, /* a column this parser ignores */
    F_TS, F_UID, F_ORIG_H, F_ORIG_P, F_RESP_H, F_RESP_P, F_PROTO, F_TRANS_ID,
    F_RTT, F_QUERY, F_QCLASS, F_QCLASS_NAME, F_QTYPE, F_QTYPE_NAME, F_RCODE,
    F_RCODE_NAME, F_QR, F_AA, F_TC, F_RD, F_RA, F_Z, F_ANSWERS, F_TTLS,
    F_REJECTED, F_OPCODE, F_OPCODE_NAME, F_ORIGINAL_QUERY, F_AUTH, F_ADDL,
    F_COUNT
} field_t;

static const char *const field_names[F_COUNT] = {
    [F_NONE] = "", [F_TS] = "ts", [F_UID] = "uid", [F_ORIG_H] = "id.orig_h",
    [F_ORIG_P] = "id.orig_p", [F_RESP_H] = "id.resp_h", [F_RESP_P] = "id.resp_p",
    [F_PROTO] = "proto", [F_TRANS_ID] = "trans_id", [F_RTT] = "rtt", [F_QUERY] = "query",
    [F_QCLASS] = "qclass", [F_QCLASS_NAME] = "qclass_name", [F_QTYPE] = "qtype",
    [F_QTYPE_NAME] = "qtype_name", [F_RCODE] = "rcode", [F_RCODE_NAME] = "rcode_name",
    [F_QR] = "QR", [F_AA] = "AA", [F_TC] = "TC", [F_RD] = "RD", [F_RA] = "RA", [F_Z] = "Z",
    [F_ANSWERS] = "answers", [F_TTLS] = "TTLs", [F_REJECTED] = "rejected",
    [F_OPCODE] = "opcode", [F_OPCODE_NAME] = "opcode_name",
    [F_ORIGINAL_QUERY] = "original_query", [F_AUTH] = "auth", [F_ADDL] = "addl",
};

/* Zeek's default dns.log columns; 8.1 and later append opcode, opcode_name. */
static const uint8_t default_fields[] = {
    F_TS, F_UID, F_ORIG_H, F_ORIG_P, F_RESP_H, F_RESP_P, F_PROTO, F_TRANS_ID,
    F_RTT, F_QUERY, F_QCLASS, F_QCLASS_NAME, F_QTYPE, F_QTYPE_NAME, F_RCODE,
    F_RCODE_NAME, F_AA, F_TC, F_RD, F_RA, F_Z, F_ANSWERS, F_TTLS, F_REJECTED,
    F_OPCODE, F_OPCODE_NAME,
};
#define DEFAULT_COLS_OLD 24
#define DEFAULT_COLS_NEW 26

/* Header flag columns and the event bit each one sets. */
static const struct {
    field_t field;
    uint16_t bit;
} flag_fields[] = {
    {F_QR, DH_FLAG_QR}, {F_AA, DH_FLAG_AA}, {F_TC, DH_FLAG_TC},
    {F_RD, DH_FLAG_RD}, {F_RA, DH_FLAG_RA},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Tokens, spans and splitting                                              */
/* ------------------------------------------------------------------------ */

/* A header-defined string: separator, set separator, empty or unset marker. */
#define TOKEN_MAX 64
typedef struct {
    size_t len;
    char s[TOKEN_MAX];
} token_t;

/* A slice of the input line; p == NULL means "no such column". */
typedef struct {
    const char *p;
    size_t len;
} span_t;

static void token_set(token_t *t, const char *s, size_t len)
{
    memcpy(t->s, s, len);
    t->len = len;
}

static bool span_equals(span_t v, const char *s, size_t len)
{
    return v.p && v.len == len && memcmp(v.p, s, len) == 0;
}

static bool span_is(span_t v, const token_t *t)
{
    return span_equals(v, t->s, t->len);
}

static bool starts_with(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(line, prefix, n) == 0;
}

/* First occurrence of t (non-empty) in [p, end), or end. Columns are short
   (a few bytes on average), so a plain loop beats a memchr call for the
   usual one-byte separator. */
static const char *find_token(const char *p, const char *end, const token_t *t)
{
    if (t->len == 1) {
        char c = t->s[0];
        while (p < end && *p != c)
            p++;
        return p;
    }
    while ((size_t)(end - p) >= t->len) {
        const char *q = memchr(p, t->s[0], (size_t)(end - p) - t->len + 1);
        if (!q)
            break;
        if (memcmp(q, t->s, t->len) == 0)
            return q;
        p = q + 1;
    }
    return end;
}

/* Iterates the pieces of a string cut by a separator; always yields at
   least one (possibly empty) piece. */
typedef struct {
    const char *p, *end;
    const token_t *sep;
    bool done;
} splitter_t;

static void split_init(splitter_t *s, const char *p, size_t len, const token_t *sep)
{
    s->p = p;
    s->end = p + len;
    s->sep = sep;
    s->done = false;
}

static bool split_next(splitter_t *s, span_t *piece)
{
    if (s->done)
        return false;
    const char *q = find_token(s->p, s->end, s->sep);
    piece->p = s->p;
    piece->len = (size_t)(q - s->p);
    if (q == s->end)
        s->done = true;
    else
        s->p = q + s->sep->len;
    return true;
}

static size_t count_columns(const char *p, size_t len, const token_t *sep)
{
    splitter_t s;
    span_t piece;
    size_t n = 0;
    split_init(&s, p, len, sep);
    while (split_next(&s, &piece))
        n++;
    return n;
}


/* ------------------------------------------------------------------------ */
/* Per-stream state                                                         */
/* ------------------------------------------------------------------------ */

typedef struct {
    token_t sep, set_sep, empty, unset;
    bool path_is_dns;   /* #path is dns (or no #path seen) */
    bool block_started; /* a #separator or #fields was seen: no headerless guess */
    bool have_map;      /* #fields (or a zeek-cut header row) is in effect */
    bool map_usable;    /* ... and names at least one known field */
    bool map_duplicate; /* ... but names a column twice: the block is malformed */
    uint8_t *map;       /* column number -> field_t */
    size_t n_cols, map_cap;
    char *scratch;      /* decoded query name, grown on demand */
    size_t scratch_cap;
} zeek_state_t;

static void reset_block(zeek_state_t *st)
{
    token_set(&st->sep, "\t", 1);
    token_set(&st->set_sep, ",", 1);
    token_set(&st->empty, "(empty)", 7);
    token_set(&st->unset, "-", 1);
    st->path_is_dns = true;
    st->have_map = false;
    st->map_usable = false;
    st->map_duplicate = false;
    st->n_cols = 0;
}

static field_t field_lookup(span_t name)
{
    for (int f = 1; f < F_COUNT; f++)
        if (span_equals(name, field_names[f], strlen(field_names[f])))
            return (field_t)f;
    return F_NONE;
}

/* Whether a column name occurs twice in names (split by sep). */
static bool has_duplicate_name(const char *names, size_t len, const token_t *sep)
{
    splitter_t a, b;
    span_t x, y;
    split_init(&a, names, len, sep);
    for (size_t i = 0; split_next(&a, &x); i++) {
        split_init(&b, names, len, sep);
        for (size_t j = 0; j < i && split_next(&b, &y); j++)
            if (x.len == y.len && memcmp(x.p, y.p, x.len) == 0)
                return true;
    }
    return false;
}

/* Install the column map from a list of field names; unknown names are
   ignored columns. In a #fields line (strict) a name given twice makes the
   header malformed (which column would hold the query?): false, and the
   block's records are malformed until the next #fields. A zeek-cut header
   row names what the user asked zeek-cut for, a column twice included
   (zeek's own btest baselines do): the first one is used. */
static bool install_map(zeek_state_t *st, const char *names, size_t len, bool any, bool strict)
{
    bool seen[F_COUNT] = {false};
    size_t n = any ? count_columns(names, len, &st->sep) : 0;
    if (n > st->map_cap) {
        st->map = dh_realloc(st->map, n);
        st->map_cap = n;
    }
    size_t known = 0, i = 0;
    splitter_t s;
    span_t name;
    split_init(&s, names, len, &st->sep);
    while (i < n && split_next(&s, &name)) {
        field_t f = field_lookup(name);
        if (f != F_NONE && seen[f])
            f = F_NONE;
        if (f != F_NONE) {
            seen[f] = true;
            known++;
        }
        st->map[i++] = (uint8_t)f;
    }
    st->n_cols = n;
    st->have_map = true;
    st->map_duplicate = strict && any && has_duplicate_name(names, len, &st->sep);
    st->map_usable = known > 0 && !st->map_duplicate;
    return !st->map_duplicate;
}

/* ------------------------------------------------------------------------ */
/* Header lines                                                             */
/* ------------------------------------------------------------------------ */

/* Decode an escaped header value into t; -1 if it is too long or too short. */
static int decode_token(token_t *t, span_t v, size_t min_len)
{
    char buf[4 * TOKEN_MAX];
    if (v.len >= sizeof(buf))
        return -1;
    size_t n = dh_zeek_unescape(buf, v.p, v.len);
    if (n < min_len || n >= TOKEN_MAX)
        return -1;
    token_set(t, buf, n);
    return 0;
}

static dh_line_t header_separator(zeek_state_t *st, span_t value, char *reason)
{
    token_t sep;
    if (decode_token(&sep, value, 1) != 0) {
        snprintf(reason, DH_REASON_MAX, "bad #separator value");
        return DH_LINE_MALFORMED;
    }
    reset_block(st);
    st->sep = sep;
    st->block_started = true;
    return DH_LINE_HEADER;
}

static dh_line_t header_token(token_t *t, span_t value, size_t min_len, const char *name,
                              char *reason)
{
    if (decode_token(t, value, min_len) != 0) {
        snprintf(reason, DH_REASON_MAX, "bad %s value", name);
        return DH_LINE_MALFORMED;
    }
    return DH_LINE_HEADER;
}

/* A '#' line. "#separator" is followed by a space; the other tags by the
   current separator. Unknown tags (#open, #types, ### BTest ...) are headers. */
static dh_line_t parse_header(zeek_state_t *st, const char *line, size_t len, char *reason)
{
    if (starts_with(line, len, "#separator") && len > 10 && (line[10] == ' ' || line[10] == '\t'))
        return header_separator(st, (span_t){line + 11, len - 11}, reason);

    const char *end = line + len;
    const char *q = find_token(line, end, &st->sep);
    span_t tag = {line, (size_t)(q - line)};
    bool has_value = q != end;
    span_t value = has_value ? (span_t){q + st->sep.len, (size_t)(end - q - st->sep.len)}
                             : (span_t){end, 0};

    if (span_equals(tag, "#fields", 7)) {
        st->block_started = true;
        if (!install_map(st, value.p, value.len, has_value, true)) {
            snprintf(reason, DH_REASON_MAX, "#fields names a field twice");
            return DH_LINE_MALFORMED;
        }
    } else if (span_equals(tag, "#path", 5)) {
        st->path_is_dns = span_equals(value, "dns", 3);
    } else if (span_equals(tag, "#set_separator", 14)) {
        return header_token(&st->set_sep, value, 1, "#set_separator", reason);
    } else if (span_equals(tag, "#empty_field", 12)) {
        return header_token(&st->empty, value, 0, "#empty_field", reason);
    } else if (span_equals(tag, "#unset_field", 12)) {
        return header_token(&st->unset, value, 0, "#unset_field", reason);
    }
    return DH_LINE_HEADER;
}

/* zeek-cut output starts with a row of field names: every column a known
   name (or empty), at least two, one of them query, id.orig_h or uid. */
static bool is_cut_header(const char *line, size_t len, const token_t *sep)
{
    splitter_t s;
    span_t name;
    size_t known = 0;
    bool has_key = false;
    split_init(&s, line, len, sep);
    while (split_next(&s, &name)) {
        field_t f = field_lookup(name);
        if (f == F_NONE && name.len != 0)
            return false;
        if (f != F_NONE)
            known++;
        has_key = has_key || f == F_QUERY || f == F_ORIG_H || f == F_UID;
    }
    return known >= 2 && has_key;
}

static bool try_cut_header(zeek_state_t *st, const char *line, size_t len)
{
    if (!is_cut_header(line, len, &st->sep))
        return false;
    install_map(st, line, len, true, false);
    return true;
}

/* ------------------------------------------------------------------------ */
/* Records: one line split into the known fields, then each field parsed    */
/* ------------------------------------------------------------------------ */

typedef struct {
    zeek_state_t *st;
    dh_evbuf_t *out;
    char *reason;
    span_t col[F_COUNT];
} record_t;

/* The column exists and is not the unset marker. */
static bool is_set(const record_t *r, field_t f)
{
    return r->col[f].p && !span_is(r->col[f], &r->st->unset);
}

#define SHOWN_MAX 48

/* Write "bad <field> '<value>'" (or "bad <kind> '<value>' in <field>") with
   the value cut short and made printable. Returns -1. */
static int reject(char *reason, const char *kind, field_t f, span_t v)
{
    char shown[SHOWN_MAX + 1];
    size_t n = v.len < SHOWN_MAX ? v.len : SHOWN_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        shown[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    shown[n] = '\0';
    const char *more = v.len > SHOWN_MAX ? "..." : "";
    if (kind)
        snprintf(reason, DH_REASON_MAX, "bad %s '%s%s' in %s", kind, shown, more, field_names[f]);
    else
        snprintf(reason, DH_REASON_MAX, "bad %s '%s%s'", field_names[f], shown, more);
    return -1;
}

static int too_large(char *reason)
{
    snprintf(reason, DH_REASON_MAX, "record too large");
    return -1;
}

/* dh_addr_parse stops at a NUL (an address never contains one) and refuses
   anything of 64 bytes or more: check both before it copies. */
static int parse_address(const char *s, size_t len, dh_addr_t *a)
{
    if (len == 0 || len > 63 || memchr(s, '\0', len))
        return -1;
    return dh_addr_parse(s, len, a);
}

static int parse_ts(record_t *r)
{
    span_t v = r->col[F_TS];
    if (!v.p) /* zeek-cut output may leave ts out */
        return 0;
    int64_t us;
    if (dh_time_parse_epoch(v.p, v.len, &us) != 0 || !dh_time_in_range(us))
        return reject(r->reason, NULL, F_TS, v);
    r->out->ev.ts_us = us;
    return 0;
}

static int parse_addr_field(record_t *r, field_t f, dh_addr_t *a)
{
    if (!is_set(r, f))
        return 0;
    if (parse_address(r->col[f].p, r->col[f].len, a) != 0)
        return reject(r->reason, NULL, f, r->col[f]);
    return 0;
}

static int parse_count_field(record_t *r, field_t f, uint64_t max, int32_t *out)
{
    uint64_t v;
    if (!is_set(r, f))
        return 0;
    if (dh_parse_uint(r->col[f].p, r->col[f].len, &v) != 0 || v > max)
        return reject(r->reason, NULL, f, r->col[f]);
    *out = (int32_t)v;
    return 0;
}

/* T/F into 1/0; -1 when unset or absent. */
static int parse_bool_field(record_t *r, field_t f, int *out)
{
    span_t v = r->col[f];
    *out = -1;
    if (!is_set(r, f))
        return 0;
    if (v.len == 1 && (v.p[0] == 'T' || v.p[0] == 'F')) {
        *out = v.p[0] == 'T';
        return 0;
    }
    return reject(r->reason, "bool", f, v);
}

static int parse_interval_us(record_t *r, field_t f, span_t v, int64_t *us)
{
    if (dh_time_parse_interval(v.p, v.len, us) != 0 || *us < 0)
        return reject(r->reason, NULL, f, v);
    return 0;
}

static int parse_endpoints(record_t *r)
{
    dh_event_t *ev = &r->out->ev;
    if (parse_addr_field(r, F_ORIG_H, &ev->client) || parse_addr_field(r, F_RESP_H, &ev->server) ||
        parse_count_field(r, F_ORIG_P, 65535, &ev->client_port) ||
        parse_count_field(r, F_RESP_P, 65535, &ev->server_port))
        return -1;
    if (is_set(r, F_PROTO)) {
        span_t v = r->col[F_PROTO];
        ev->transport = span_equals(v, "udp", 3)   ? DH_TRANSPORT_UDP
                        : span_equals(v, "tcp", 3) ? DH_TRANSPORT_TCP
                                                   : DH_TRANSPORT_UNKNOWN;
    }
    return 0;
}

/* Copy a set value into the arena, decoded: unset -> NULL, empty -> "". */
static int arena_string(record_t *r, span_t v, const char **s, size_t *len)
{
    *s = NULL;
    *len = 0;
    if (span_is(v, &r->st->unset))
        return 0;
    if (span_is(v, &r->st->empty))
        v.len = 0;
    char *dst = dh_evbuf_alloc(r->out, v.len);
    if (!dst)
        return too_large(r->reason);
    if (memchr(v.p, '\\', v.len)) {
        *len = dh_zeek_unescape(dst, v.p, v.len);
    } else {
        memcpy(dst, v.p, v.len);
        *len = v.len;
    }
    dst[*len] = '\0';
    *s = dst;
    return 0;
}

static int parse_uid(record_t *r)
{
    if (!is_set(r, F_UID))
        return 0;
    return arena_string(r, r->col[F_UID], &r->out->ev.uid, &r->out->ev.uid_len);
}

/* The query goes through set_qname, which copies it twice (exact and
   lowercased); a name with escapes is decoded into the state's scratch first. */
static int parse_query(record_t *r)
{
    if (!is_set(r, F_QUERY))
        return 0;
    span_t v = r->col[F_QUERY];
    const char *name = v.p;
    size_t len = v.len;
    if (span_is(v, &r->st->empty)) {
        len = 0;
    } else if (memchr(v.p, '\\', v.len)) {
        zeek_state_t *st = r->st;
        if (st->scratch_cap < v.len) {
            st->scratch_cap = v.len > 2 * st->scratch_cap ? v.len : 2 * st->scratch_cap;
            st->scratch = dh_realloc(st->scratch, st->scratch_cap);
        }
        len = dh_zeek_unescape(st->scratch, v.p, v.len);
        name = st->scratch;
    }
    if (dh_evbuf_set_qname(r->out, name, len) != 0)
        return too_large(r->reason);
    return 0;
}

/* A number column, or failing that its name column through a table. */
static int parse_coded(record_t *r, field_t num, field_t name,
                       int32_t (*from_name)(const char *, size_t), int32_t *out)
{
    if (is_set(r, num))
        return parse_count_field(r, num, 65535, out);
    if (is_set(r, name))
        *out = from_name(r->col[name].p, r->col[name].len);
    return 0;
}

/* The DNS header numbers: class, type, rcode, opcode, message ID. */
static int parse_codes(record_t *r)
{
    dh_event_t *ev = &r->out->ev;
    return parse_coded(r, F_QCLASS, F_QCLASS_NAME, dh_qclass_from_name, &ev->qclass) ||
           parse_coded(r, F_QTYPE, F_QTYPE_NAME, dh_qtype_from_name, &ev->qtype) ||
           parse_coded(r, F_RCODE, F_RCODE_NAME, dh_rcode_from_name, &ev->rcode) ||
           parse_count_field(r, F_OPCODE, 65535, &ev->opcode) ||
           parse_count_field(r, F_TRANS_ID, 65535, &ev->trans_id);
}

static int parse_flags(record_t *r)
{
    dh_event_t *ev = &r->out->ev;
    for (size_t i = 0; i < N_OF(flag_fields); i++) {
        int b;
        if (parse_bool_field(r, flag_fields[i].field, &b) != 0)
            return -1;
        if (b >= 0)
            ev->flags_known |= flag_fields[i].bit;
        if (b == 1)
            ev->flags |= flag_fields[i].bit;
    }
    int32_t z = -1;
    if (parse_count_field(r, F_Z, INT32_MAX, &z) != 0)
        return -1;
    if (z >= 0)
        ev->flags_known |= DH_FLAG_Z;
    if (z > 0)
        ev->flags |= DH_FLAG_Z;
    int rejected;
    if (parse_bool_field(r, F_REJECTED, &rejected) != 0)
        return -1;
    ev->rejected = (int8_t)rejected;
    return 0;
}

static int parse_rtt(record_t *r)
{
    if (!is_set(r, F_RTT))
        return 0;
    return parse_interval_us(r, F_RTT, r->col[F_RTT], &r->out->ev.rtt_us);
}


/* Split a set/vector value; false when it is unset. An empty set yields no
   element (the iterator starts out done). */
static bool elements_init(record_t *r, field_t f, splitter_t *it)
{
    span_t v = r->col[f];
    if (!is_set(r, f))
        return false;
    split_init(it, v.p, v.len, &r->st->set_sep);
    if (span_is(v, &r->st->empty))
        it->done = true;
    return true;
}

/* One TTLs element in whole seconds; stays -1 when unset. */
static int parse_ttl(record_t *r, span_t t, int64_t *ttl)
{
    int64_t us;
    if (span_is(t, &r->st->unset))
        return 0;
    if (parse_interval_us(r, F_TTLS, t, &us) != 0)
        return -1;
    *ttl = us / 1000000;
    return 0;
}

static int parse_answers(record_t *r)
{
    splitter_t answers, ttls;
    span_t a, t;
    if (!elements_init(r, F_ANSWERS, &answers))
        return 0;
    r->out->ev.has_response = true;
    bool have_ttls = elements_init(r, F_TTLS, &ttls);
    while (split_next(&answers, &a)) {
        dh_answer_t rr = {.rrtype = -1, .ttl = -1, .section = DH_SECTION_ANSWER};
        if (have_ttls && split_next(&ttls, &t) && parse_ttl(r, t, &rr.ttl) != 0)
            return -1;
        if (r->out->ev.n_answers < DH_EVBUF_MAX_ANSWERS) {
            if (arena_string(r, a, &rr.data, &rr.data_len) != 0)
                return -1;
            rr.rrtype = dh_zeek_answer_rrtype(rr.data, rr.data_len, r->out->ev.qtype);
        }
        dh_evbuf_add_answer(r->out, &rr);
    }
    return 0;
}

/* auth / addl (policy script, Bro 2.0): names or texts without type or TTL. */
static int parse_section(record_t *r, field_t f, dh_section_t section)
{
    splitter_t it;
    span_t e;
    if (!elements_init(r, f, &it))
        return 0;
    while (split_next(&it, &e)) {
        dh_answer_t rr = {.rrtype = -1, .ttl = -1, .section = (uint8_t)section};
        if (r->out->ev.n_answers < DH_EVBUF_MAX_ANSWERS &&
            arena_string(r, e, &rr.data, &rr.data_len) != 0)
            return -1;
        dh_evbuf_add_answer(r->out, &rr);
    }
    return 0;
}

static int fill_event(record_t *r)
{
    dh_event_t *ev = &r->out->ev;
    ev->sensor = DH_SENSOR_ZEEK;
    r->out->part = DH_PART_COMPLETE;
    if (parse_ts(r) || parse_uid(r) || parse_endpoints(r) || parse_rtt(r) || parse_query(r) ||
        parse_codes(r) || parse_flags(r) || parse_answers(r) ||
        parse_section(r, F_AUTH, DH_SECTION_AUTHORITY) ||
        parse_section(r, F_ADDL, DH_SECTION_ADDITIONAL))
        return -1;
    if (ev->rcode >= 0 || ev->rtt_us >= 0 || (ev->flags & DH_FLAG_QR))
        ev->has_response = true;
    return 0;
}

/* Split the line once, keeping the columns the map names; returns the
   number of columns the line has. */
static size_t split_columns(const token_t *sep, const uint8_t *map, size_t n_map,
                            const char *line, size_t len, span_t col[F_COUNT])
{
    const char *p = line, *end = line + len;
    size_t n = 0;
    for (;;) {
        const char *q = find_token(p, end, sep);
        if (n < n_map && map[n] != F_NONE) {
            col[map[n]].p = p;
            col[map[n]].len = (size_t)(q - p);
        }
        n++;
        if (q == end)
            return n;
        p = q + sep->len;
    }
}

static dh_line_t parse_record(zeek_state_t *st, const uint8_t *map, size_t n_cols,
                              const char *line, size_t len, dh_evbuf_t *out, char *reason)
{
    record_t r = {.st = st, .out = out, .reason = reason};
    size_t got = split_columns(&st->sep, map, n_cols, line, len, r.col);
    if (got != n_cols) {
        snprintf(reason, DH_REASON_MAX, "expected %zu columns, got %zu", n_cols, got);
        return DH_LINE_MALFORMED;
    }
    if (fill_event(&r) != 0) {
        dh_evbuf_reset(out);
        return DH_LINE_MALFORMED;
    }
    return DH_LINE_RECORD;
}

/* No #fields yet: a zeek-cut header row, or a bare default-layout row. */
static dh_line_t parse_headerless(zeek_state_t *st, const char *line, size_t len,
                                  dh_evbuf_t *out, char *reason)
{
    if (try_cut_header(st, line, len))
        return DH_LINE_HEADER;
    if (!st->block_started) {
        size_t n = count_columns(line, len, &st->sep);
        if (n == DEFAULT_COLS_OLD || n == DEFAULT_COLS_NEW)
            return parse_record(st, default_fields, n, line, len, out, reason);
    }
    snprintf(reason, DH_REASON_MAX, "record before #fields header");
    return DH_LINE_MALFORMED;
}

/* ------------------------------------------------------------------------ */
/* The parser interface                                                     */
/* ------------------------------------------------------------------------ */

/* A row of Zeek's default dns.log layout without any header: 24 or 26
   TAB-separated columns whose first is an epoch timestamp. */
static bool is_default_row(const char *line, size_t len, const token_t *tab)
{
    size_t n = count_columns(line, len, tab);
    if (n != DEFAULT_COLS_OLD && n != DEFAULT_COLS_NEW)
        return false;
    const char *end = find_token(line, line + len, tab);
    int64_t us;
    return dh_time_parse_epoch(line, (size_t)(end - line), &us) == 0;
}

static dh_probe_t zeek_probe(const char *line, size_t len)
{
    static const token_t tab = {1, "\t"};
    if (starts_with(line, len, "#separator ") || starts_with(line, len, "#fields\t"))
        return DH_PROBE_YES;
    if (len > 0 && line[0] == '#')
        return DH_PROBE_NEED_MORE;
    if (len > 0 && line[0] == '{')
        return DH_PROBE_NO;
    if (!memchr(line, '\t', len))
        return DH_PROBE_NO;
    if (is_cut_header(line, len, &tab) || is_default_row(line, len, &tab))
        return DH_PROBE_YES;
    return DH_PROBE_NEED_MORE;
}

static void *zeek_create(void)
{
    zeek_state_t *st = dh_calloc(1, sizeof(*st));
    reset_block(st);
    return st;
}

static dh_line_t zeek_parse_line(void *state, const char *line, size_t len, dh_evbuf_t *out,
                                 char reason[DH_REASON_MAX])
{
    zeek_state_t *st = state;
    dh_evbuf_reset(out);
    if (len > 0 && line[0] == '#')
        return parse_header(st, line, len, reason);
    if (!st->path_is_dns)
        return DH_LINE_SKIPPED;
    if (!st->have_map)
        return parse_headerless(st, line, len, out, reason);
    if (!st->map_usable) {
        snprintf(reason, DH_REASON_MAX, st->map_duplicate ? "#fields names a field twice"
                                                          : "no known field in #fields");
        return DH_LINE_MALFORMED;
    }
    return parse_record(st, st->map, st->n_cols, line, len, out, reason);
}

static void zeek_destroy(void *state)
{
    zeek_state_t *st = state;
    if (!st)
        return;
    free(st->map);
    free(st->scratch);
    free(st);
}

const dh_parser_type_t dh_parser_zeek_tsv = {
    .name = "zeek",
    .description = "Zeek/Bro ASCII dns.log (TSV, Bro 2.0 to Zeek 8.x; zeek-cut output)",
    .probe = zeek_probe,
    .create = zeek_create,
    .parse_line = zeek_parse_line,
    .destroy = zeek_destroy,
};
