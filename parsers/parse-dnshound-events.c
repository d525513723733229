/*
 * parse-dnshound-events.c - dnshound's own normalized events read back: the
 * JSON lines that `dnshound --emit events` writes (docs/events.md, written by
 * src/output-event.c), one whole transaction per line (DH_PART_COMPLETE).
 *
 * Why: to scale out over Kafka, a stateless stage parses the sensors' logs
 * and publishes these events (a repartition topic keyed by client), and
 * analyzer instances read them back and run the detectors. So the events
 * format is an input like Zeek's and Suricata's, and reading it must give
 * back the very event that was written: serialize(parse(line)) == line for
 * every line the serializer writes, once the pipeline has recomputed the
 * zone key (registered_domain and the fields derived from it, as
 * community_id and resolved_ip, are accepted and ignored).
 *
 * Two forms, told apart per record (a topic may hold both across an
 * upgrade): the ECS 9.4 document written today (a top-level "@timestamp";
 * ECS fields, the numbers and flags ECS cannot hold under dnshound.*), and
 * the legacy form dnshound wrote before (a top-level "ts"; fill_legacy). In
 * the ECS form the dnshound.* numbers win over the ECS mnemonics, which are
 * read when they are absent (another writer's ECS document).
 *
 * Values. A key that is absent (or JSON null) leaves the field unknown, as
 * dh_evbuf_reset set it. Numbers are authoritative; a *_name is read only
 * when its number is absent. A present value of the wrong type, a number out
 * of range, a bad address or a bad/missing ts makes the line
 * DH_LINE_MALFORMED. Strings that name an enum are lenient where a newer
 * writer could add values (an unrecognised sensor or transport reads as
 * unknown) and strict where it could not (an answer section other than
 * answer/authority/additional is malformed). Unknown keys are ignored (the
 * schema only ever adds keys).
 *
 * Strings (the record id, the query name, answers' name and data) hold exact bytes,
 * escaped by util-json.c: control bytes as \u00XX, a byte that is not part
 * of valid UTF-8 as the text \xNN (JSON "\\xNN", lowercase hex), and a real
 * backslash followed by "x" as \x5c. cJSON's strings stop at a NUL, so every
 * such string is decoded here from its raw JSON token: the cJSON tree (which
 * validates the line and types the values) is walked in step with the
 * line's text, whose members are in the same order. Then the escapes are
 * turned back into bytes: \x5c is a backslash, and \xNN with NN 80..ff is
 * that byte unless it is the lead byte of a valid UTF-8 sequence completed
 * by the escapes right after it (util-json.c writes a valid sequence as is;
 * such a run is text from a file written before \x5c was used, kept as
 * text). So "\x41", "\xC3", "\xZZ" stay text, and every string written
 * by util-json.c reads back to its exact bytes.
 */
#include <stdio.h>
#include <string.h>

#include "../src/output-event.h"
#include "../src/util-dns.h"
#include "../src/util-ip.h"
#include "../src/util-json.h"
#include "../src/util-time.h"
#include "json-fields.h"
#include "../src/parser.h"

/* A member found by collect(): its cJSON item (NULL when absent or null)
   and its raw text. */
typedef struct {
    const cJSON *item;
    jf_span_t raw;
    bool seen;
} field_t;

static bool fail(char reason[DH_REASON_MAX], const char *msg)
{
    jf_malformed(reason, msg);
    return false;
}

/* ---- probe ---------------------------------------------------------------- */

/* The ECS form starts with @timestamp and names its dataset (detections,
   ECS too, are "dnshound.detection"); the legacy form starts with ts and
   writes sensor second. Lines with
   the other JSON parsers' markers (EVE's "event_type", Zeek's "id.orig_h"
   and json-streaming-logs' "_path") are never claimed, so at most one JSON
   parser says YES for a line even if a hostile query name spells a marker. */
#define ECS_MARK "\"dataset\":\"dnshound.dns\""

static dh_probe_t de_probe(const char *line, size_t len)
{
    line = jf_trim(line, &len);
    if (len == 0 || line[0] != '{')
        return DH_PROBE_NO;
    bool ecs = len >= 15 && memcmp(line, "{\"@timestamp\":\"", 15) == 0 &&
               jf_memmem(line, len, ECS_MARK, sizeof(ECS_MARK) - 1);
    bool legacy = len >= 7 && memcmp(line, "{\"ts\":\"", 7) == 0 &&
                  jf_memmem(line, len, "\"sensor\":\"", 10);
    if ((ecs || legacy) && !jf_has_key(line, len, "\"event_type\"") &&
        !jf_has_key(line, len, "\"id.orig_h\"") && !jf_has_key(line, len, "\"_path\""))
        return DH_PROBE_YES;
    return DH_PROBE_NEED_MORE;
}

/* ---- the raw text, walked in step with the cJSON tree ------------------- */

/* The raw text agrees with the cJSON item's type. */
static bool same_kind(const cJSON *it, jf_span_t v)
{
    char c = v.p[0];
    if (cJSON_IsString(it))
        return c == '"';
    if (cJSON_IsObject(it))
        return c == '{';
    if (cJSON_IsArray(it))
        return c == '[';
    return c != '"' && c != '{' && c != '[';
}

/* Find the first member of each name in `keys` (as jf_get does) with its raw
   text. Keys are compared decoded, so "n\u0061me" is "name" and "name\u0000"
   is not. A null value counts as absent. false when the raw text and the
   tree disagree (cannot happen on text cJSON accepted). */
static bool collect(const cJSON *obj, jf_span_t raw, const char *const *keys, size_t nkeys,
                    field_t *f)
{
    memset(f, 0, nkeys * sizeof(*f));
    jf_cursor_t c;
    jf_span_t k = {NULL, 0}, v;
    jf_cursor_open(&c, raw);
    for (const cJSON *it = obj->child; it; it = it->next) {
        if (!jf_cursor_next(&c, &k, &v) || !same_kind(it, v))
            return false;
        char kb[32];
        long kl = k.n <= sizeof(kb) ? jf_decode_string(k.p, k.n, kb) : -1;
        if (kl < 0)
            continue;
        for (size_t j = 0; j < nkeys; j++) {
            if (f[j].seen || strlen(keys[j]) != (size_t)kl || memcmp(keys[j], kb, (size_t)kl))
                continue;
            f[j].seen = true;
            if (!cJSON_IsNull(it)) {
                f[j].item = it;
                f[j].raw = v;
            }
            break;
        }
    }
    return !jf_cursor_next(&c, &k, &v);
}

/* ---- strings --------------------------------------------------------------- */

/* util-json.c writes lowercase hex digits only */
static int lower_hex(char c)
{
    return c >= 'A' && c <= 'F' ? -1 : dh_hex_digit(c);
}

/* The byte of a "\xNN" at s[i] as util-json.c writes it (lowercase hex,
   0x80..0xff, or 5c for a backslash), else -1. */
static int byte_escape_at(const char *s, size_t n, size_t i)
{
    if (i + 4 > n || s[i] != '\\' || s[i + 1] != 'x')
        return -1;
    int hi = lower_hex(s[i + 2]), lo = lower_hex(s[i + 3]);
    if (hi < 0 || lo < 0 || (hi < 8 && hi * 16 + lo != '\\'))
        return -1;
    return hi * 16 + lo;
}

/* Decode, in place, the "\xNN" escapes util-json.c writes for bytes that are
   not valid UTF-8 (see the top of the file). An escape is decoded unless its
   byte would start a valid UTF-8 sequence with the escapes that follow it:
   util-json.c writes such a sequence raw, so that whole run of escapes was
   text and stays text. (Only escapes can complete a sequence: the decoded
   JSON string is valid UTF-8, so what follows an escape's hex digits is
   never a stray continuation byte.) Returns the new length. */
static size_t decode_byte_escapes(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        int v = byte_escape_at(s, n, i);
        if (v == '\\') {
            s[o++] = '\\';
            i += 4;
            continue;
        }
        if (v >= 0) {
            unsigned char seq[4] = {(unsigned char)v, 0, 0, 0};
            size_t k = 1;
            for (int e; k < 4 && (e = byte_escape_at(s, n, i + 4 * k)) >= 0; k++)
                seq[k] = (unsigned char)e;
            size_t len = dh_utf8_seq_len(seq, k);
            if (len == 0) {
                s[o++] = (char)v;
                i += 4;
            } else { /* the spelling of a valid sequence: text */
                memmove(s + o, s + i, 4 * len);
                o += 4 * len;
                i += 4 * len;
            }
            continue;
        }
        s[o++] = s[i++];
    }
    return o;
}

/* Decode a string token into st->scratch: JSON escapes (\u0000 included),
   then the byte escapes. false when the token is not a good string. */
static bool decode_text(jf_scratch_t *st, jf_span_t raw, size_t *len)
{
    long n = jf_scratch_decode(st, raw.p, raw.n);
    if (n < 0)
        return false;
    *len = decode_byte_escapes(st->scratch, (size_t)n);
    return true;
}

/* A string field copied into the record arena. *ok false: malformed (reason
   written); a NULL result with *ok true: absent. */
static const char *text_field(jf_scratch_t *st, const field_t *f, dh_evbuf_t *out, size_t *len,
                              const char *bad, char reason[DH_REASON_MAX], bool *ok)
{
    *ok = true;
    if (!f->item)
        return NULL;
    size_t n;
    if (!cJSON_IsString(f->item) || !decode_text(st, f->raw, &n)) {
        *ok = fail(reason, bad);
        return NULL;
    }
    const char *p = dh_evbuf_copy(out, st->scratch, n);
    if (!p) {
        *ok = fail(reason, JF_TOO_LARGE);
        return NULL;
    }
    *len = n;
    return p;
}

/* A short string (an enum value, ts, an address) decoded into buf (NUL
   terminated; it may hold NULs). false when longer than cap - 2 bytes or not
   a good string token; the caller checks the type first. */
static bool small_text(const field_t *f, char *buf, size_t cap, size_t *len)
{
    if (f->raw.n > cap)
        return false;
    long n = jf_decode_string(f->raw.p, f->raw.n, buf);
    if (n < 0)
        return false;
    buf[n] = '\0';
    *len = (size_t)n;
    return true;
}

static bool text_is(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* A word of a closed vocabulary and the value it stands for. */
typedef struct {
    const char *word;
    int value;
} word_t;

/* The value of the word s[0..len) among w[0..n), `otherwise` when none. */
static int word_value(const char *s, size_t len, const word_t *w, size_t n, int otherwise)
{
    for (size_t i = 0; i < n; i++)
        if (text_is(s, len, w[i].word))
            return w[i].value;
    return otherwise;
}

/* An optional string member as a short text: 1 with buf[0..*len) filled,
   0 when absent or too long for buf (nothing to read), -1 when it is not a
   string (reason `bad`). */
static int optional_text(const field_t *f, char *buf, size_t cap, size_t *len, const char *bad,
                         char reason[DH_REASON_MAX])
{
    if (!f->item)
        return 0;
    if (!cJSON_IsString(f->item)) {
        fail(reason, bad);
        return -1;
    }
    return small_text(f, buf, cap, len) ? 1 : 0;
}

/* ---- typed values ------------------------------------------------------- */

/* An integer in [min, max] into *out; absent leaves *out. */
static bool int_field(const field_t *f, int64_t min, int64_t max, int64_t *out, const char *bad,
                      char reason[DH_REASON_MAX])
{
    if (f->item && !jf_item_int(f->item, min, max, out))
        return fail(reason, bad);
    return true;
}

static bool int32_field(const field_t *f, int32_t max, int32_t *out, const char *bad,
                        char reason[DH_REASON_MAX])
{
    int64_t v = *out;
    if (!int_field(f, 0, max, &v, bad, reason))
        return false;
    *out = (int32_t)v;
    return true;
}

/* A boolean: 1, 0, or -1 when absent. */
static bool bool_field(const field_t *f, int *out, const char *bad, char reason[DH_REASON_MAX])
{
    *out = -1;
    if (!f->item)
        return true;
    if (!cJSON_IsBool(f->item))
        return fail(reason, bad);
    *out = cJSON_IsTrue(f->item) ? 1 : 0;
    return true;
}

/* A number with its *_name companion: the number wins; the name is only
   read when the number is absent (an unknown name leaves -1). */
static bool numbered(const field_t *num, const field_t *name, int32_t max,
                     int32_t (*from_name)(const char *, size_t), int32_t *out, const char *bad,
                     const char *bad_name, char reason[DH_REASON_MAX])
{
    if (!int32_field(num, max, out, bad, reason))
        return false;
    char buf[64];
    size_t len;
    int rc = optional_text(name, buf, sizeof(buf), &len, bad_name, reason);
    if (rc > 0 && !num->item) {
        int32_t v = from_name(buf, len);
        *out = v >= 0 && v <= max ? v : -1;
    }
    return rc >= 0;
}

/* ---- the record ---------------------------------------------------------- */

static bool read_ts(const field_t *f, dh_event_t *ev, char reason[DH_REASON_MAX])
{
    if (!f->item)
        return fail(reason, "no ts");
    char buf[80];
    size_t len;
    int64_t us;
    if (!cJSON_IsString(f->item) || !small_text(f, buf, sizeof(buf), &len) ||
        dh_time_parse_iso8601(buf, len, &us) != 0 || !dh_time_in_range(us))
        return fail(reason, "bad ts");
    ev->ts_us = us;
    return true;
}

/* An optional string member naming one of the words w[0..n): absent leaves
   *out, a non-string is malformed (reason `bad`), another word is
   `otherwise`, and a text too long to be any word leaves *out too. */
static bool word_field(const field_t *f, const word_t *w, size_t n, int otherwise, uint8_t *out,
                       const char *bad, char reason[DH_REASON_MAX])
{
    char buf[32];
    size_t len;
    int rc = optional_text(f, buf, sizeof(buf), &len, bad, reason);
    if (rc > 0)
        *out = (uint8_t)word_value(buf, len, w, n, otherwise);
    return rc >= 0;
}

static bool read_sensor(const field_t *f, dh_event_t *ev, char reason[DH_REASON_MAX])
{
    static const word_t w[] = {{"zeek", DH_SENSOR_ZEEK}, {"suricata", DH_SENSOR_SURICATA}};
    return word_field(f, w, 2, DH_SENSOR_UNKNOWN, &ev->sensor, "bad sensor", reason);
}

static bool read_transport(const field_t *f, dh_event_t *ev, char reason[DH_REASON_MAX])
{
    static const word_t w[] = {{"udp", DH_TRANSPORT_UDP}, {"tcp", DH_TRANSPORT_TCP}};
    return word_field(f, w, 2, DH_TRANSPORT_UNKNOWN, &ev->transport, "bad transport", reason);
}

/* client / server: {"ip": "...", "port": n}. */
static bool read_endpoint(const field_t *f, const char *which, dh_addr_t *addr, int32_t *port,
                          char reason[DH_REASON_MAX])
{
    static const char *const keys[] = {"ip", "port"};
    field_t e[2];
    if (!f->item)
        return true;
    if (!cJSON_IsObject(f->item) || !collect(f->item, f->raw, keys, 2, e)) {
        snprintf(reason, DH_REASON_MAX, "bad %s", which);
        return false;
    }
    if (e[0].item) {
        char buf[80];
        size_t len;
        if (!cJSON_IsString(e[0].item) || !small_text(&e[0], buf, sizeof(buf), &len) ||
            memchr(buf, '\0', len) || dh_addr_parse(buf, len, addr) != 0) {
            snprintf(reason, DH_REASON_MAX, "bad %s.ip", which);
            return false;
        }
    }
    int64_t p = -1;
    if (e[1].item && !jf_item_int(e[1].item, 0, 65535, &p)) {
        snprintf(reason, DH_REASON_MAX, "bad %s.port", which);
        return false;
    }
    *port = (int32_t)p;
    return true;
}

static bool read_query(jf_scratch_t *st, const field_t *f, dh_evbuf_t *out,
                       char reason[DH_REASON_MAX])
{
    static const char *const keys[] = {"name", "type", "type_name", "class", "class_name"};
    enum { Q_NAME, Q_TYPE, Q_TYPE_NAME, Q_CLASS, Q_CLASS_NAME, Q_N };
    field_t q[Q_N];
    dh_event_t *ev = &out->ev;
    if (!f->item)
        return true;
    if (!cJSON_IsObject(f->item) || !collect(f->item, f->raw, keys, Q_N, q))
        return fail(reason, "bad query");
    /* query.registered_domain is accepted and ignored: the pipeline
       recomputes it from the name after assembly. */
    if (q[Q_NAME].item) {
        size_t n;
        if (!cJSON_IsString(q[Q_NAME].item) || !decode_text(st, q[Q_NAME].raw, &n))
            return fail(reason, "bad query.name");
        if (dh_evbuf_set_qname(out, st->scratch, n) < 0)
            return fail(reason, JF_TOO_LARGE);
    }
    return numbered(&q[Q_TYPE], &q[Q_TYPE_NAME], 65535, dh_qtype_from_name, &ev->qtype,
                    "bad query.type", "bad query.type_name", reason) &&
           numbered(&q[Q_CLASS], &q[Q_CLASS_NAME], 65535, dh_qclass_from_name, &ev->qclass,
                    "bad query.class", "bad query.class_name", reason);
}

static bool read_flags(const field_t *f, dh_event_t *ev, char reason[DH_REASON_MAX])
{
    static const char *const keys[] = {"qr", "aa", "tc", "rd", "ra", "z"};
    static const uint16_t bits[] = {DH_FLAG_QR, DH_FLAG_AA, DH_FLAG_TC,
                                    DH_FLAG_RD, DH_FLAG_RA, DH_FLAG_Z};
    field_t fl[6];
    if (!f->item)
        return true;
    if (!cJSON_IsObject(f->item) || !collect(f->item, f->raw, keys, 6, fl))
        return fail(reason, "bad flags");
    for (size_t i = 0; i < 6; i++) {
        int b;
        if (!bool_field(&fl[i], &b, "bad flags", reason))
            return false;
        if (b < 0)
            continue;
        ev->flags_known |= bits[i];
        if (b)
            ev->flags |= bits[i];
    }
    return true;
}

/* One element of answers[]. Beyond DH_EVBUF_MAX_ANSWERS it is still checked
   but only counted (dh_evbuf_add_answer), its strings are not copied. */
static bool read_answer(jf_scratch_t *st, const cJSON *item, jf_span_t raw, dh_evbuf_t *out,
                        char reason[DH_REASON_MAX])
{
    static const char *const keys[] = {"section", "name", "type", "type_name", "ttl", "data"};
    enum { A_SECTION, A_NAME, A_TYPE, A_TYPE_NAME, A_TTL, A_DATA, A_N };
    field_t f[A_N];
    dh_answer_t a = {.rrtype = -1, .ttl = -1, .section = DH_SECTION_ANSWER};
    if (!cJSON_IsObject(item) || !collect(item, raw, keys, A_N, f))
        return fail(reason, "bad answers element");
    if (f[A_SECTION].item) {
        char buf[32];
        size_t len;
        if (!cJSON_IsString(f[A_SECTION].item) || !small_text(&f[A_SECTION], buf, sizeof(buf), &len))
            return fail(reason, "bad answers[].section");
        static const word_t sections[] = {{"answer", DH_SECTION_ANSWER},
                                          {"authority", DH_SECTION_AUTHORITY},
                                          {"additional", DH_SECTION_ADDITIONAL}};
        int sec = word_value(buf, len, sections, 3, -1);
        if (sec < 0)
            return fail(reason, "bad answers[].section");
        a.section = (uint8_t)sec;
    }
    if (!numbered(&f[A_TYPE], &f[A_TYPE_NAME], 65535, dh_qtype_from_name, &a.rrtype,
                  "bad answers[].type", "bad answers[].type_name", reason) ||
        !int_field(&f[A_TTL], 0, INT64_MAX, &a.ttl, "bad answers[].ttl", reason))
        return false;
    if (out->ev.n_answers >= DH_EVBUF_MAX_ANSWERS) {
        if ((f[A_NAME].item && !cJSON_IsString(f[A_NAME].item)) ||
            (f[A_DATA].item && !cJSON_IsString(f[A_DATA].item)))
            return fail(reason, "bad answers element");
        dh_evbuf_add_answer(out, &a); /* counted in answers_dropped */
        return true;
    }
    bool ok;
    a.rrname = text_field(st, &f[A_NAME], out, &a.rrname_len, "bad answers[].name", reason, &ok);
    if (!ok)
        return false;
    a.data = text_field(st, &f[A_DATA], out, &a.data_len, "bad answers[].data", reason, &ok);
    if (!ok)
        return false;
    dh_evbuf_add_answer(out, &a);
    return true;
}

static bool read_answers(jf_scratch_t *st, const field_t *f, const field_t *dropped,
                         dh_evbuf_t *out, char reason[DH_REASON_MAX])
{
    if (f->item) {
        if (!cJSON_IsArray(f->item))
            return fail(reason, "bad answers");
        jf_cursor_t c;
        jf_span_t k, v;
        jf_cursor_open(&c, f->raw);
        for (const cJSON *it = f->item->child; it; it = it->next) {
            if (!jf_cursor_next(&c, &k, &v) || !same_kind(it, v))
                return fail(reason, "invalid JSON");
            if (!read_answer(st, it, v, out, reason))
                return false;
        }
    }
    int64_t n = 0;
    if (!int_field(dropped, 0, UINT32_MAX, &n, "bad answers_dropped", reason))
        return false;
    uint64_t sum = (uint64_t)out->ev.answers_dropped + (uint64_t)n;
    out->ev.answers_dropped = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
    return true;
}

enum {
    K_TS, K_SENSOR, K_UID, K_CLIENT, K_SERVER, K_TRANSPORT, K_TRANS_ID, K_QUERY, K_OPCODE,
    K_HAS_RESPONSE, K_RCODE, K_RCODE_NAME, K_FLAGS, K_REJECTED, K_RTT_US, K_ANSWERS,
    K_ANSWERS_DROPPED, K_N
};

static const char *const top_keys[K_N] = {
    "ts",     "sensor",       "uid",   "client",     "server",   "transport",
    "trans_id", "query",      "opcode", "has_response", "rcode", "rcode_name",
    "flags",  "rejected",     "rtt_us", "answers",    "answers_dropped",
};

static bool fill_legacy(jf_scratch_t *st, const cJSON *root, jf_span_t raw, dh_evbuf_t *out,
                        char reason[DH_REASON_MAX])
{
    field_t f[K_N];
    dh_event_t *ev = &out->ev;
    if (!collect(root, raw, top_keys, K_N, f))
        return fail(reason, "invalid JSON");
    if (!read_ts(&f[K_TS], ev, reason) || !read_sensor(&f[K_SENSOR], ev, reason))
        return false;
    out->part = DH_PART_COMPLETE;
    bool ok;
    ev->uid = text_field(st, &f[K_UID], out, &ev->uid_len, "bad uid", reason, &ok);
    if (!ok)
        return false;
    int has_response, rejected;
    if (!read_endpoint(&f[K_CLIENT], "client", &ev->client, &ev->client_port, reason) ||
        !read_endpoint(&f[K_SERVER], "server", &ev->server, &ev->server_port, reason) ||
        !read_transport(&f[K_TRANSPORT], ev, reason) ||
        !int32_field(&f[K_TRANS_ID], 65535, &ev->trans_id, "bad trans_id", reason) ||
        !read_query(st, &f[K_QUERY], out, reason) ||
        !int32_field(&f[K_OPCODE], 15, &ev->opcode, "bad opcode", reason) ||
        !bool_field(&f[K_HAS_RESPONSE], &has_response, "bad has_response", reason) ||
        !numbered(&f[K_RCODE], &f[K_RCODE_NAME], 4095, dh_rcode_from_name, &ev->rcode,
                  "bad rcode", "bad rcode_name", reason) ||
        !read_flags(&f[K_FLAGS], ev, reason) ||
        !bool_field(&f[K_REJECTED], &rejected, "bad rejected", reason) ||
        !int_field(&f[K_RTT_US], 0, INT64_MAX, &ev->rtt_us, "bad rtt_us", reason) ||
        !read_answers(st, &f[K_ANSWERS], &f[K_ANSWERS_DROPPED], out, reason))
        return false;
    ev->has_response = has_response == 1;
    ev->rejected = (int8_t)rejected;
    return true;
}

/* ---- the ECS form (what src/output-event.c writes) ----------------------- */

/* An optional object member's members by name; absent gives all absent.
   false (reason "bad <what>") when it is not an object. */
static bool sub_fields(const field_t *f, const char *const *keys, size_t n, field_t *out,
                       const char *what, char reason[DH_REASON_MAX])
{
    if (!f->item) {
        memset(out, 0, n * sizeof(*out));
        return true;
    }
    if (!cJSON_IsObject(f->item) || !collect(f->item, f->raw, keys, n, out)) {
        snprintf(reason, DH_REASON_MAX, "bad %s", what);
        return false;
    }
    return true;
}

/* "QUERY", "NOTIFY"... (output-event.h), "OPCODE<n>" or "<n>"; -1 unknown. */
static int32_t opcode_from_name(const char *s, size_t len)
{
    for (int32_t op = 0; op < 16; op++)
        if (dh_opcode_name(op) && text_is(s, len, dh_opcode_name(op)))
            return op;
    if (len > 6 && memcmp(s, "OPCODE", 6) == 0) {
        s += 6;
        len -= 6;
    }
    uint64_t v;
    return dh_parse_uint(s, len, &v) == 0 && v < 16 ? (int32_t)v : -1;
}

/* dns.id: ECS keyword, so the decimal text; a number is read too. */
static bool read_dns_id(const field_t *f, dh_event_t *ev, char reason[DH_REASON_MAX])
{
    char buf[16];
    size_t len;
    uint64_t v;
    if (!f->item)
        return true;
    if (cJSON_IsNumber(f->item))
        return int32_field(f, 65535, &ev->trans_id, "bad dns.id", reason);
    if (!cJSON_IsString(f->item) || !small_text(f, buf, sizeof(buf), &len) ||
        dh_parse_uint(buf, len, &v) != 0 || v > 65535)
        return fail(reason, "bad dns.id");
    ev->trans_id = (int32_t)v;
    return true;
}

/* dns.header_flags, read only when dnshound.flags is absent: each flag
   listed is known and set (ECS lists set flags only; AD, CD and DO are
   not event fields). */
static bool read_header_flags(const field_t *f, dh_event_t *ev, char reason[DH_REASON_MAX])
{
    static const word_t w[] = {{"AA", DH_FLAG_AA}, {"TC", DH_FLAG_TC}, {"RD", DH_FLAG_RD},
                               {"RA", DH_FLAG_RA}, {"AD", 0},          {"CD", 0},
                               {"DO", 0}};
    if (!f->item)
        return true;
    if (!cJSON_IsArray(f->item))
        return fail(reason, "bad dns.header_flags");
    for (const cJSON *it = f->item->child; it; it = it->next) {
        const char *s = cJSON_GetStringValue(it);
        int bit = s ? word_value(s, strlen(s), w, 7, -1) : -1;
        if (bit < 0)
            return fail(reason, "bad dns.header_flags");
        ev->flags_known |= (uint16_t)bit;
        ev->flags |= (uint16_t)bit;
    }
    return true;
}

/* event.duration (ns) as rtt_us, unless dnshound.rtt_us (a round trip too
   long for nanoseconds in 64 bits) says it. */
static bool read_duration(const field_t *dur, const field_t *rtt, dh_event_t *ev,
                          char reason[DH_REASON_MAX])
{
    int64_t ns = -1;
    if (!int_field(dur, 0, INT64_MAX, &ns, "bad event.duration", reason) ||
        !int_field(rtt, 0, INT64_MAX, &ev->rtt_us, "bad dnshound.rtt_us", reason))
        return false;
    if (!rtt->item && ns >= 0)
        ev->rtt_us = ns / 1000;
    return true;
}

static bool read_provider(const field_t *f, dh_event_t *ev, char reason[DH_REASON_MAX])
{
    static const word_t w[] = {{"zeek", DH_SENSOR_ZEEK}, {"suricata", DH_SENSOR_SURICATA}};
    return word_field(f, w, 2, DH_SENSOR_UNKNOWN, &ev->sensor, "bad event.provider", reason);
}

/* 1 to max decimal digits and nothing else. */
static bool all_digits(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The record id: zeek.session_id, suricata.eve.flow_id (text, or a number
   kept as its digits, as Filebeat writes it) or dnshound.uid. */
static bool read_record_id(jf_scratch_t *st, const field_t *zeek, const field_t *suricata,
                           const field_t *uid, dh_evbuf_t *out, char reason[DH_REASON_MAX])
{
    static const char *const zkeys[] = {"session_id"}, *const skeys[] = {"eve"},
                      *const ekeys[] = {"flow_id"};
    field_t z, s, e;
    dh_event_t *ev = &out->ev;
    bool ok;
    if (!sub_fields(zeek, zkeys, 1, &z, "zeek", reason) ||
        !sub_fields(suricata, skeys, 1, &s, "suricata", reason) ||
        !sub_fields(&s, ekeys, 1, &e, "suricata.eve", reason))
        return false;
    if (e.item && cJSON_IsNumber(e.item)) {
        /* its digits, read from the text: a double would round a 64-bit id */
        if (!all_digits(e.raw.p, e.raw.n, 20) || !(ev->uid = dh_evbuf_copy(out, e.raw.p, e.raw.n)))
            return fail(reason, "bad suricata.eve.flow_id");
        ev->uid_len = e.raw.n;
        return true;
    }
    const field_t *f = z.item ? &z : e.item ? &e : uid;
    ev->uid = text_field(st, f, out, &ev->uid_len, "bad record id", reason, &ok);
    return ok;
}

static bool read_ecs_question(jf_scratch_t *st, const field_t *q, const field_t *nums,
                              dh_evbuf_t *out, char reason[DH_REASON_MAX])
{
    static const char *const qkeys[] = {"name", "type", "class"}, *const nkeys[] = {"type", "class"};
    field_t f[3], n[2];
    dh_event_t *ev = &out->ev;
    if (!sub_fields(q, qkeys, 3, f, "dns.question", reason) ||
        !sub_fields(nums, nkeys, 2, n, "dnshound.question", reason))
        return false;
    /* registered_domain, subdomain and top_level_domain are accepted and
       ignored: the pipeline recomputes the zone key after assembly. */
    if (f[0].item) {
        size_t len;
        if (!cJSON_IsString(f[0].item) || !decode_text(st, f[0].raw, &len))
            return fail(reason, "bad dns.question.name");
        if (dh_evbuf_set_qname(out, st->scratch, len) < 0)
            return fail(reason, JF_TOO_LARGE);
    }
    return numbered(&n[0], &f[1], 65535, dh_qtype_from_name, &ev->qtype,
                    "bad dnshound.question.type", "bad dns.question.type", reason) &&
           numbered(&n[1], &f[2], 65535, dh_qclass_from_name, &ev->qclass,
                    "bad dnshound.question.class", "bad dns.question.class", reason);
}

/* dns.answers[i] with dnshound.answers[i] (its section and type number;
   NULL item: none, an answer of the answer section). */
static bool read_ecs_answer(jf_scratch_t *st, const cJSON *item, jf_span_t raw,
                            const cJSON *xitem, jf_span_t xraw, dh_evbuf_t *out,
                            char reason[DH_REASON_MAX])
{
    static const char *const keys[] = {"name", "type", "ttl", "data"},
                      *const xkeys[] = {"section", "type"};
    enum { A_NAME, A_TYPE, A_TTL, A_DATA, A_N };
    field_t f[A_N], x[2] = {{0}};
    dh_answer_t a = {.rrtype = -1, .ttl = -1, .section = DH_SECTION_ANSWER};
    if (!cJSON_IsObject(item) || !collect(item, raw, keys, A_N, f))
        return fail(reason, "bad dns.answers element");
    if (xitem && (!cJSON_IsObject(xitem) || !collect(xitem, xraw, xkeys, 2, x)))
        return fail(reason, "bad dnshound.answers element");
    static const word_t sections[] = {{"answer", DH_SECTION_ANSWER},
                                      {"authority", DH_SECTION_AUTHORITY},
                                      {"additional", DH_SECTION_ADDITIONAL}};
    char buf[32];
    size_t len;
    if (x[0].item) {
        int sec = cJSON_IsString(x[0].item) && small_text(&x[0], buf, sizeof(buf), &len)
                      ? word_value(buf, len, sections, 3, -1)
                      : -1;
        if (sec < 0)
            return fail(reason, "bad dnshound.answers[].section");
        a.section = (uint8_t)sec;
    }
    if (!numbered(&x[1], &f[A_TYPE], 65535, dh_qtype_from_name, &a.rrtype,
                  "bad dnshound.answers[].type", "bad dns.answers[].type", reason) ||
        !int_field(&f[A_TTL], 0, INT64_MAX, &a.ttl, "bad dns.answers[].ttl", reason))
        return false;
    if (out->ev.n_answers >= DH_EVBUF_MAX_ANSWERS) {
        if ((f[A_NAME].item && !cJSON_IsString(f[A_NAME].item)) ||
            (f[A_DATA].item && !cJSON_IsString(f[A_DATA].item)))
            return fail(reason, "bad dns.answers element");
        dh_evbuf_add_answer(out, &a); /* counted in answers_dropped */
        return true;
    }
    bool ok;
    a.rrname = text_field(st, &f[A_NAME], out, &a.rrname_len, "bad dns.answers[].name", reason, &ok);
    if (!ok)
        return false;
    a.data = text_field(st, &f[A_DATA], out, &a.data_len, "bad dns.answers[].data", reason, &ok);
    if (!ok)
        return false;
    dh_evbuf_add_answer(out, &a);
    return true;
}

/* dns.answers and dnshound.answers, walked together: the second, when
   present, has exactly as many elements. */
static bool read_ecs_answers(jf_scratch_t *st, const field_t *f, const field_t *x,
                             dh_evbuf_t *out, char reason[DH_REASON_MAX])
{
    if (!f->item)
        return !x->item || fail(reason, "dnshound.answers without dns.answers");
    if (!cJSON_IsArray(f->item) || (x->item && (!cJSON_IsArray(x->item) ||
                                                cJSON_GetArraySize(x->item) !=
                                                    cJSON_GetArraySize(f->item))))
        return fail(reason, "bad dns.answers");
    jf_cursor_t c, xc;
    jf_span_t k, v, xv = {NULL, 0};
    jf_cursor_open(&c, f->raw);
    if (x->item)
        jf_cursor_open(&xc, x->raw);
    const cJSON *xit = x->item ? x->item->child : NULL;
    for (const cJSON *it = f->item->child; it; it = it->next) {
        if (!jf_cursor_next(&c, &k, &v) || !same_kind(it, v) ||
            (xit && (!jf_cursor_next(&xc, &k, &xv) || !same_kind(xit, xv))))
            return fail(reason, "invalid JSON");
        if (!read_ecs_answer(st, it, v, xit, xv, out, reason))
            return false;
        xit = xit ? xit->next : NULL;
    }
    return true;
}

enum { E_TS, E_EVENT, E_SOURCE, E_DEST, E_NETWORK, E_DNS, E_ZEEK, E_SURICATA, E_DNSHOUND, E_N };
static const char *const ecs_keys[E_N] = {"@timestamp", "event",    "source",    "destination",
                                          "network",    "dns",      "zeek",      "suricata",
                                          "dnshound"};
enum { EV_PROVIDER, EV_DURATION, EV_N };
static const char *const event_keys[EV_N] = {"provider", "duration"};
enum { D_ID, D_OP_CODE, D_TYPE, D_QUESTION, D_RCODE, D_HEADER_FLAGS, D_ANSWERS, D_N };
static const char *const dns_keys[D_N] = {"id",       "op_code",       "type",   "question",
                                          "response_code", "header_flags", "answers"};
enum { H_UID, H_QUESTION, H_OPCODE, H_RCODE, H_FLAGS, H_REJECTED, H_RTT_US, H_ANSWERS,
       H_DROPPED, H_N };
static const char *const dnshound_keys[H_N] = {"uid",      "question", "opcode",  "rcode",
                                               "flags",    "rejected", "rtt_us",  "answers",
                                               "answers_dropped"};

static bool read_ecs_dns(jf_scratch_t *st, const field_t *d, const field_t *h, dh_evbuf_t *out,
                         char reason[DH_REASON_MAX])
{
    dh_event_t *ev = &out->ev;
    char buf[16];
    size_t len;
    int rejected, rc = optional_text(&d[D_TYPE], buf, sizeof(buf), &len, "bad dns.type", reason);
    if (rc < 0)
        return false;
    ev->has_response = rc > 0 && text_is(buf, len, "answer");
    if (!read_dns_id(&d[D_ID], ev, reason) ||
        !numbered(&h[H_OPCODE], &d[D_OP_CODE], 15, opcode_from_name, &ev->opcode,
                  "bad dnshound.opcode", "bad dns.op_code", reason) ||
        !read_ecs_question(st, &d[D_QUESTION], &h[H_QUESTION], out, reason) ||
        !numbered(&h[H_RCODE], &d[D_RCODE], 4095, dh_rcode_from_name, &ev->rcode,
                  "bad dnshound.rcode", "bad dns.response_code", reason) ||
        !(h[H_FLAGS].item ? read_flags(&h[H_FLAGS], ev, reason)
                          : read_header_flags(&d[D_HEADER_FLAGS], ev, reason)) ||
        !bool_field(&h[H_REJECTED], &rejected, "bad dnshound.rejected", reason) ||
        !read_ecs_answers(st, &d[D_ANSWERS], &h[H_ANSWERS], out, reason))
        return false;
    ev->rejected = (int8_t)rejected;
    int64_t n = 0;
    if (!int_field(&h[H_DROPPED], 0, UINT32_MAX, &n, "bad dnshound.answers_dropped", reason))
        return false;
    uint64_t sum = (uint64_t)ev->answers_dropped + (uint64_t)n;
    ev->answers_dropped = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
    return true;
}

static bool fill_ecs(jf_scratch_t *st, const cJSON *root, jf_span_t raw, dh_evbuf_t *out,
                     char reason[DH_REASON_MAX])
{
    static const char *const net_keys[] = {"transport"};
    field_t f[E_N], e[EV_N], net[1], d[D_N], h[H_N];
    dh_event_t *ev = &out->ev;
    if (!collect(root, raw, ecs_keys, E_N, f))
        return fail(reason, "invalid JSON");
    if (!read_ts(&f[E_TS], ev, reason) ||
        !sub_fields(&f[E_EVENT], event_keys, EV_N, e, "event", reason) ||
        !sub_fields(&f[E_NETWORK], net_keys, 1, net, "network", reason) ||
        !sub_fields(&f[E_DNS], dns_keys, D_N, d, "dns", reason) ||
        !sub_fields(&f[E_DNSHOUND], dnshound_keys, H_N, h, "dnshound", reason) ||
        !read_provider(&e[EV_PROVIDER], ev, reason))
        return false;
    out->part = DH_PART_COMPLETE;
    return read_record_id(st, &f[E_ZEEK], &f[E_SURICATA], &h[H_UID], out, reason) &&
           read_endpoint(&f[E_SOURCE], "source", &ev->client, &ev->client_port, reason) &&
           read_endpoint(&f[E_DEST], "destination", &ev->server, &ev->server_port, reason) &&
           read_transport(&net[0], ev, reason) &&
           read_duration(&e[EV_DURATION], &h[H_RTT_US], ev, reason) &&
           read_ecs_dns(st, d, h, out, reason);
}

static dh_line_t de_record(void *state, const char *line, size_t len, const cJSON *root,
                           dh_evbuf_t *out, char reason[DH_REASON_MAX])
{
    jf_span_t raw = {line, len};
    /* the form is told per record: a topic may hold both across an upgrade */
    bool ok = jf_get(root, "@timestamp") ? fill_ecs(state, root, raw, out, reason)
                                         : fill_legacy(state, root, raw, out, reason);
    return ok ? DH_LINE_RECORD : DH_LINE_MALFORMED;
}

const dh_parser_type_t dh_parser_dnshound_events =
    JF_PARSER("events", "dnshound normalized events (--emit events), e.g. a repartition topic",
              de_probe, de_record);
