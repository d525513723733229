/*
 * parse-zeek-json.c - Zeek dns.log written as JSON lines (LogAscii::use_json,
 * and the json-streaming-logs package, which adds "_path"/"_write_ts" and
 * writes ts as an ISO 8601 string).
 *
 * Each line is one object with the TSV column names as dotted keys
 * ("id.orig_h"); an absent key means the field was unset. One line is one
 * whole transaction (DH_PART_COMPLETE). Lines of other Zeek logs are
 * DH_LINE_SKIPPED: "_path" other than "dns", or (without "_path") an object
 * with none of the DNS-only keys (query, qtype, rcode, answers, AA, ...).
 * "id.orig_h" or "trans_id" alone do not make a DNS record: conn.log and old
 * dhcp.log have them too.
 *
 * Bytes: Zeek's JSON writer prints bytes that are not valid UTF-8 (and
 * control bytes) as the text "\xNN" (JSON "\\xNN"); like the TSV parser we
 * decode those back to bytes in the query and in answers/auth/addl, so both
 * spellings of a log give the same event. A literal backslash followed by
 * "xNN" in a name is indistinguishable and is decoded too. Both parsers go
 * through dh_zeek_unescape (zeek-common.c), Zeek's own reading rules. The query is read
 * from the raw line (cJSON's strings stop at a "\u0000"), so a NUL written as
 * \u0000 is kept; in answers a \u0000 still truncates the string (cJSON).
 *
 * Answer types are inferred as the TSV parser does, since Zeek does not log
 * them: an IPv4/IPv6 address is A/AAAA, text starting with an upper-case
 * type mnemonic ("TXT 18 ...", "RRSIG 1 ...") is that type, a name answering
 * an A/AAAA query is a CNAME, a name answering PTR/NS/MX has the query's
 * type; anything else (and every auth/addl entry) is -1. TTLs are truncated
 * to whole seconds.
 */
#include <string.h>

#include "../src/util-dns.h"
#include "../src/util-time.h"
#include "json-fields.h"
#include "../src/parser.h"
#include "zeek-common.h"

static dh_probe_t zj_probe(const char *line, size_t len)
{
    line = jf_trim(line, &len);
    if (len == 0 || line[0] != '{')
        return DH_PROBE_NO;
    if (jf_has_key(line, len, "\"event_type\""))
        return DH_PROBE_NO; /* Suricata EVE */
    if (jf_has_key(line, len, "\"id.orig_h\"") || jf_memmem(line, len, "\"_path\":\"dns\"", 13))
        return DH_PROBE_YES;
    return DH_PROBE_NEED_MORE;
}

/* Keys only a DNS record has (the booleans always appear, Zeek logs their
   default F). */
static bool has_dns_keys(const cJSON *root)
{
    static const char *const keys[] = {"query", "qtype", "qtype_name", "qclass", "rcode",
                                       "rcode_name", "answers", "AA", "TC", "RD", "RA", "Z",
                                       "rejected"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (jf_get(root, keys[i]))
            return true;
    return false;
}

/* ts: epoch seconds (number, or a string some re-serialisers write) or an
   ISO 8601 string (json-streaming-logs). */
static bool read_ts_any(const cJSON *root, int64_t *us)
{
    const cJSON *ts = jf_get(root, "ts");
    if (cJSON_IsNumber(ts))
        return jf_seconds_to_us(ts->valuedouble, us);
    if (!cJSON_IsString(ts))
        return false;
    size_t n = strlen(ts->valuestring);
    return dh_time_parse_iso8601(ts->valuestring, n, us) == 0 ||
           dh_time_parse_epoch(ts->valuestring, n, us) == 0;
}

/* ...and within the accepted range (util-time.h). */
static bool read_ts(const cJSON *root, int64_t *us)
{
    return read_ts_any(root, us) && dh_time_in_range(*us);
}

static void read_endpoints(const cJSON *root, dh_event_t *ev)
{
    jf_addr(root, "id.orig_h", &ev->client);
    jf_addr(root, "id.resp_h", &ev->server);
    ev->client_port = jf_port(root, "id.orig_p");
    ev->server_port = jf_port(root, "id.resp_p");
    const char *proto = jf_string(root, "proto");
    if (proto && strcmp(proto, "udp") == 0)
        ev->transport = DH_TRANSPORT_UDP;
    else if (proto && strcmp(proto, "tcp") == 0)
        ev->transport = DH_TRANSPORT_TCP;
    int64_t v;
    if (jf_int(root, "trans_id", 0, 65535, &v))
        ev->trans_id = (int32_t)v;
}

/* A number field, else its *_name companion through `from_name`. */
static int32_t number_or_name(const cJSON *root, const char *key, const char *name_key,
                              int64_t max, int32_t (*from_name)(const char *, size_t))
{
    int64_t v;
    if (jf_int(root, key, 0, max, &v))
        return (int32_t)v;
    const char *s = jf_string(root, name_key);
    return s ? from_name(s, strlen(s)) : -1;
}

static int32_t opcode_from_name(const char *s, size_t len)
{
    static const char *const names[] = {"query", "iquery", "status", NULL, "notify", "update",
                                        "dso"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i] && strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
            return (int32_t)i;
    return -1;
}

static void read_header(const cJSON *root, dh_event_t *ev)
{
    ev->qtype = number_or_name(root, "qtype", "qtype_name", 65535, dh_qtype_from_name);
    ev->qclass = number_or_name(root, "qclass", "qclass_name", 65535, dh_qclass_from_name);
    ev->rcode = number_or_name(root, "rcode", "rcode_name", 4095, dh_rcode_from_name);
    ev->opcode = number_or_name(root, "opcode", "opcode_name", 15, opcode_from_name);
    /* Z is a number in Zeek's log, read below */
    static const char *const flag_keys[6] = {"QR", "AA", "TC", "RD", "RA", NULL};
    jf_bool_flags(root, flag_keys, ev);
    int64_t z;
    if (jf_int(root, "Z", 0, 65535, &z)) {
        ev->flags_known |= DH_FLAG_Z;
        if (z)
            ev->flags |= DH_FLAG_Z;
    }
    int rej = jf_bool(root, "rejected");
    if (rej >= 0)
        ev->rejected = (int8_t)rej;
    double rtt;
    if (jf_number(root, "rtt", &rtt) && !jf_seconds_to_us(rtt, &ev->rtt_us))
        ev->rtt_us = -1;
}

/* The query's exact bytes: from the raw token when possible (keeps \u0000),
   else cJSON's string. -1 when the event buffer is full. */
static int read_query(jf_scratch_t *st, const char *line, size_t len, const cJSON *root,
                      dh_evbuf_t *out)
{
    const char *q = jf_string(root, "query");
    if (!q)
        return 0;
    const char *raw;
    size_t rawlen;
    long n = -1;
    if (jf_raw_member(line, len, "query", &raw, &rawlen))
        n = jf_scratch_decode(st, raw, rawlen);
    if (n < 0) {
        n = (long)strlen(q);
        jf_scratch_reserve(st, (size_t)n);
        if (n)
            memcpy(st->scratch, q, (size_t)n);
    }
    size_t qlen = dh_zeek_unescape(st->scratch, st->scratch, (size_t)n);
    return dh_evbuf_set_qname(out, st->scratch, qlen);
}


/* A TTL element (Zeek writes intervals: 60.0) in whole seconds; -1 when
   missing or odd. */
static int64_t ttl_of(const cJSON *t)
{
    if (!cJSON_IsNumber(t))
        return -1;
    double d = t->valuedouble;
    if (!(d >= 0 && d <= 4294967295.0))
        return -1;
    return (int64_t)d;
}

/* Copy an answer string into the arena with Zeek's \xNN escapes decoded. */
static const char *copy_answer(dh_evbuf_t *out, const char *s, size_t *len)
{
    size_t n = strlen(s);
    char *p = dh_evbuf_copy(out, s, n);
    if (!p)
        return NULL;
    *len = memchr(p, '\\', n) ? dh_zeek_unescape(p, p, n) : n;
    p[*len] = '\0';
    return p;
}

/* Append the strings of `arr` as RRs of `section`, zipped by index with the
   `ttls` array (may be NULL). Only the answer section is typed (auth/addl
   are names or texts without a type, as in the TSV parser). Non-string
   elements are skipped but keep their TTL slot. */
static int add_rrs(dh_evbuf_t *out, const cJSON *arr, const cJSON *ttls, dh_section_t section)
{
    if (!cJSON_IsArray(arr))
        return 0;
    const cJSON *t = cJSON_IsArray(ttls) ? ttls->child : NULL;
    for (const cJSON *it = arr->child; it; it = it->next, t = t ? t->next : NULL) {
        if (!cJSON_IsString(it))
            continue;
        dh_answer_t a = {.section = (uint8_t)section, .ttl = ttl_of(t), .rrtype = -1};
        if (out->ev.n_answers >= DH_EVBUF_MAX_ANSWERS) {
            dh_evbuf_add_answer(out, &a); /* counted as dropped, not copied */
            continue;
        }
        if (!(a.data = copy_answer(out, it->valuestring, &a.data_len)))
            return -1;
        if (section == DH_SECTION_ANSWER)
            a.rrtype = dh_zeek_answer_rrtype(a.data, a.data_len, out->ev.qtype);
        dh_evbuf_add_answer(out, &a);
    }
    return 0;
}

static int read_answers(const cJSON *root, dh_evbuf_t *out)
{
    const cJSON *answers = jf_get(root, "answers");
    if (add_rrs(out, answers, jf_get(root, "TTLs"), DH_SECTION_ANSWER) < 0 ||
        add_rrs(out, jf_get(root, "auth"), NULL, DH_SECTION_AUTHORITY) < 0 ||
        add_rrs(out, jf_get(root, "addl"), NULL, DH_SECTION_ADDITIONAL) < 0)
        return -1;
    dh_event_t *ev = &out->ev;
    ev->has_response = ev->rcode >= 0 || cJSON_IsArray(answers) || ev->rtt_us >= 0 ||
                       (ev->flags & DH_FLAG_QR);
    return 0;
}

static dh_line_t fill_record(void *state, const char *line, size_t len, const cJSON *root,
                             dh_evbuf_t *out, char reason[DH_REASON_MAX])
{
    jf_scratch_t *st = state;
    const char *path = jf_string(root, "_path");
    if (path && strcmp(path, "dns") != 0)
        return DH_LINE_SKIPPED;
    if (!path && !has_dns_keys(root))
        return DH_LINE_SKIPPED;
    dh_event_t *ev = &out->ev;
    if (!jf_get(root, "ts"))
        return jf_malformed(reason, "no ts");
    if (!read_ts(root, &ev->ts_us))
        return jf_malformed(reason, "bad ts");
    ev->sensor = DH_SENSOR_ZEEK;
    out->part = DH_PART_COMPLETE;
    const char *uid = jf_string(root, "uid");
    if (uid && !(ev->uid = jf_copy(out, uid, &ev->uid_len)))
        goto full;
    read_endpoints(root, ev);
    read_header(root, ev);
    if (read_query(st, line, len, root, out) < 0 || read_answers(root, out) < 0)
        goto full;
    return DH_LINE_RECORD;
full:
    return jf_malformed(reason, JF_TOO_LARGE);
}

const dh_parser_type_t dh_parser_zeek_json =
    JF_PARSER("zeek-json", "Zeek dns.log as JSON lines (LogAscii::use_json, json-streaming-logs)",
              zj_probe, fill_record);
