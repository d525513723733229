/*
 * parse-eve.c - Suricata EVE JSON: one object per line, every event type
 * mixed together; only event_type "dns" (and "mdns"/"llmnr", Suricata 8/9)
 * become records, everything else is DH_LINE_SKIPPED.
 *
 * Skipping is cheap: the top-level "event_type" is located in the raw text
 * and a non-DNS line that looks like one whole object ({...}) is skipped
 * without building a cJSON tree (stats lines are several KB). Only DNS lines,
 * and lines where that scan finds nothing, are fully parsed.
 *
 * Suricata logged DNS in three layouts, all read here:
 *  - v1 (no "version", Suricata <= 6): "query" events -> DH_PART_REQUEST;
 *    one "answer" event per RR -> DH_PART_RESPONSE_RR, the RR directly under
 *    "dns". A failure answer (NXDOMAIN...) has no rrtype and carries only the
 *    rcode; authority RRs also come as "answer" events (section ANSWER, as we
 *    cannot tell them apart). qname is the event's rrname, which for RR events
 *    is the RR owner; qtype is left unknown on RR parts (rrtype is the RR's).
 *  - v2 ("version":2 answers, Suricata 4.1 to 7): "query" -> REQUEST, "answer"
 *    -> DH_PART_RESPONSE with the question flat (rrname/rrtype), "flags" as
 *    hex, an "answers" array or else a "grouped" object, "authorities".
 *  - v3 ("version":3, Suricata 8): "request"/"response", question in
 *    "queries"[0], "additionals" too. mdns/llmnr objects follow v3 and write
 *    rdata under a key named after the type ({"ptr":"x"}), flags as an array.
 *
 * Structured rdata (SOA, SRV, SSHFP objects) becomes zone-file-like text:
 * "mname rname serial refresh retry expire minimum", "priority weight port
 * name", "algo type fingerprint" ("-" for a missing member). A TXT array is
 * joined with spaces. RRs with no rdata keep data NULL.
 *
 * Direction: requests have src = client. For responses the side on a DNS
 * service port (53, 853, 5353, 5355) is the server when only one side is;
 * otherwise v2 answers keep the flow's direction (src = client) and v1/v3
 * responses have src = responder. txn_key mixes flow_id (read from the raw
 * text: cJSON's doubles round 64-bit ids) with the DNS id; tx_id is not used
 * (v3 gives request and response different tx_ids).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../src/util-dns.h"
#include "../src/util-json.h"
#include "../src/util-time.h"
#include "json-fields.h"
#include "zeek-common.h"
#include "../src/parser.h"

/* How the record's dns object is laid out. */
typedef struct {
    const cJSON *dns; /* the protocol object ("dns", "mdns" or "llmnr") */
    int version;      /* 0 when absent */
    bool mdns_style;  /* event_type mdns/llmnr: flags array, rrtype-named rdata */
    dh_part_t part;
} eve_kind_t;

static bool is_dns_event_type(const char *s, size_t n)
{
    return (n == 3 && memcmp(s, "dns", 3) == 0) || (n == 4 && memcmp(s, "mdns", 4) == 0) ||
           (n == 5 && memcmp(s, "llmnr", 5) == 0);
}

static dh_probe_t eve_probe(const char *line, size_t len)
{
    line = jf_trim(line, &len);
    if (len == 0 || line[0] != '{')
        return DH_PROBE_NO;
    if (jf_has_key(line, len, "\"event_type\""))
        return DH_PROBE_YES;
    if (jf_has_key(line, len, "\"id.orig_h\""))
        return DH_PROBE_NO; /* Zeek JSON */
    return DH_PROBE_NEED_MORE;
}

/* true when the line is a whole object whose top-level event_type is a
   string other than dns/mdns/llmnr: skip it without parsing. */
static bool fast_skip(const char *line, size_t len)
{
    const char *raw;
    size_t rawlen;
    char buf[64];
    if (len < 2 || line[0] != '{' || line[len - 1] != '}')
        return false;
    if (!jf_raw_member(line, len, "event_type", &raw, &rawlen) || raw[0] != '"' ||
        rawlen > sizeof(buf))
        return false;
    long n = jf_decode_string(raw, rawlen, buf);
    return n >= 0 && !is_dns_event_type(buf, (size_t)n);
}

static bool classify(const cJSON *dns, bool mdns_style, eve_kind_t *k)
{
    const char *type = jf_string(dns, "type");
    int64_t v;
    k->dns = dns;
    k->mdns_style = mdns_style;
    k->version = jf_int(dns, "version", 0, 255, &v) ? (int)v : 0;
    if (!type)
        return false;
    if (strcmp(type, "query") == 0 || strcmp(type, "request") == 0)
        k->part = DH_PART_REQUEST;
    else if (strcmp(type, "answer") == 0 && k->version <= 1)
        k->part = DH_PART_RESPONSE_RR;
    else if (strcmp(type, "answer") == 0 || strcmp(type, "response") == 0)
        k->part = DH_PART_RESPONSE;
    else
        return false;
    return true;
}

static bool is_service_port(int32_t p)
{
    return p == 53 || p == 853 || p == 5353 || p == 5355;
}

static bool src_is_server(const eve_kind_t *k, int32_t sport, int32_t dport)
{
    if (k->part == DH_PART_REQUEST)
        return false;
    bool s = is_service_port(sport), d = is_service_port(dport);
    if (s != d)
        return s;
    return k->version != 2; /* v2 answers keep the flow direction */
}

static void read_endpoints(const cJSON *root, const eve_kind_t *k, dh_event_t *ev)
{
    dh_addr_t src = {0}, dst = {0};
    jf_addr(root, "src_ip", &src);
    jf_addr(root, "dest_ip", &dst);
    int32_t sport = jf_port(root, "src_port"), dport = jf_port(root, "dest_port");
    bool swap = src_is_server(k, sport, dport);
    ev->client = swap ? dst : src;
    ev->server = swap ? src : dst;
    ev->client_port = swap ? dport : sport;
    ev->server_port = swap ? sport : dport;
    const char *proto = jf_string(root, "proto");
    if (proto && strcasecmp(proto, "UDP") == 0)
        ev->transport = DH_TRANSPORT_UDP;
    else if (proto && strcasecmp(proto, "TCP") == 0)
        ev->transport = DH_TRANSPORT_TCP;
}

/* flow_id as exact decimal text from the raw line; false when absent or not
   a non-negative integer that fits 64 bits. */
static bool read_flow_id(const char *line, size_t len, const char **txt, size_t *tlen,
                         uint64_t *id)
{
    if (!jf_raw_member(line, len, "flow_id", txt, tlen) || *tlen == 0 || *tlen > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < *tlen; i++) {
        unsigned d = (unsigned)((*txt)[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *id = v;
    return true;
}

/* A code written as a number in [0, max] or as a name (by_name reads the
   name); -1 when it is neither. */
static int32_t code_of(const cJSON *it, int64_t max, int32_t (*by_name)(const char *s))
{
    int64_t v;
    if (jf_item_int(it, 0, max, &v))
        return (int32_t)v;
    return cJSON_IsString(it) ? by_name(it->valuestring) : -1;
}

/* Any spelling dh_qtype_from_name knows ("A", "65", "ptr"), plus Suricata's
   own misspellings CDSNKEY, NSAPPT, ND. */
static int32_t rrtype_by_name(const char *s)
{
    int32_t t = dh_qtype_from_name(s, strlen(s));
    if (t >= 0)
        return t;
    if (strcmp(s, "CDSNKEY") == 0)
        return 60;
    if (strcmp(s, "NSAPPT") == 0)
        return 23;
    if (strcmp(s, "ND") == 0)
        return 3;
    return -1;
}

/* "NOERROR", "BADVERS/BADSIG", "17". */
static int32_t rcode_by_name(const char *s)
{
    const char *slash = strchr(s, '/');
    return dh_rcode_from_name(s, slash ? (size_t)(slash - s) : strlen(s));
}

/* RR type from a number or a name. */
static int32_t rrtype_of(const cJSON *it)
{
    return code_of(it, 65535, rrtype_by_name);
}

/* RCODE from a name or a number (mdns). */
static int32_t rcode_of(const cJSON *it)
{
    return code_of(it, 4095, rcode_by_name);
}

/* The question: queries[0] (v3), query[0] (v2 style in Suricata 8), or the
   flat rrname/rrtype of the dns object. */
static const cJSON *question_of(const cJSON *dns)
{
    const cJSON *arr = jf_get(dns, "queries");
    if (!cJSON_IsArray(arr))
        arr = jf_get(dns, "query");
    if (cJSON_IsArray(arr) && cJSON_IsObject(arr->child))
        return arr->child;
    return dns;
}

static int read_question(const eve_kind_t *k, dh_evbuf_t *out)
{
    const cJSON *q = question_of(k->dns);
    const char *name = jf_string(q, "rrname");
    /* Suricata writes a name that is not UTF-8 with its bytes above 0x7f as
       "\xNN" (as Zeek does): decoded back to the bytes, so a binary tunnel
       label (iodine base128/raw) weighs the same from both sensors */
    char buf[1024];
    size_t len = name ? strlen(name) : 0;
    if (name && len < sizeof(buf) && memchr(name, '\\', len)) {
        len = dh_zeek_unescape(buf, name, len);
        name = buf;
    }
    if (name && dh_evbuf_set_qname(out, name, len) < 0)
        return -1;
    if (k->part != DH_PART_RESPONSE_RR)
        out->ev.qtype = rrtype_of(jf_get(q, "rrtype"));
    return 0;
}

/* "8180" -> 0x8180; -1 when not 1 to 4 hex digits. */
static long parse_hex16(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 4)
        return -1;
    return dh_hex_value(s, n);
}

/* Header bits of a 16-bit flags word. Z covers the three bits Zeek reports
   as Z (Z, AD, CD), so both sensors agree on DH_FLAG_Z. */
static uint16_t flags_from_word(long w)
{
    static const struct {
        long bits;
        uint16_t flag;
    } map[] = {{0x8000, DH_FLAG_QR}, {0x0400, DH_FLAG_AA}, {0x0200, DH_FLAG_TC},
               {0x0100, DH_FLAG_RD}, {0x0080, DH_FLAG_RA}, {0x0070, DH_FLAG_Z}};
    uint16_t f = 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (w & map[i].bits)
            f |= map[i].flag;
    return f;
}

#define ALL_FLAGS (DH_FLAG_QR | DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_RD | DH_FLAG_RA | DH_FLAG_Z)

/* mdns/llmnr: ["aa","rd",...], listed only when set; QR comes from type. */
static void flags_from_array(const cJSON *arr, const eve_kind_t *k, dh_event_t *ev)
{
    static const struct { const char *name; uint16_t bit; } names[] = {
        {"aa", DH_FLAG_AA}, {"tc", DH_FLAG_TC}, {"rd", DH_FLAG_RD},
        {"ra", DH_FLAG_RA}, {"z", DH_FLAG_Z},   {"ad", DH_FLAG_Z}, {"cd", DH_FLAG_Z}};
    ev->flags_known = ALL_FLAGS;
    ev->flags = k->part == DH_PART_REQUEST ? 0 : DH_FLAG_QR;
    for (const cJSON *it = cJSON_IsArray(arr) ? arr->child : NULL; it; it = it->next)
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (cJSON_IsString(it) && strcmp(it->valuestring, names[i].name) == 0)
                ev->flags |= names[i].bit;
}

/* flags, booleans, opcode; rcode on responses. */
static void read_header(const eve_kind_t *k, dh_event_t *ev)
{
    const cJSON *dns = k->dns;
    const char *hex = jf_string(dns, "flags");
    long word = hex ? parse_hex16(hex) : -1;
    if (word >= 0) {
        ev->flags = flags_from_word(word);
        ev->flags_known = ALL_FLAGS;
    } else if (k->mdns_style) {
        flags_from_array(jf_get(dns, "flags"), k, ev);
    }
    static const char *const flag_keys[6] = {"qr", "aa", "tc", "rd", "ra", "z"};
    jf_bool_flags(dns, flag_keys, ev);
    int64_t v;
    if (jf_int(dns, "opcode", 0, 15, &v))
        ev->opcode = (int32_t)v;
    else if (word >= 0)
        ev->opcode = (int32_t)((word >> 11) & 0xF);
    if (k->part == DH_PART_REQUEST)
        return;
    ev->has_response = true;
    ev->rcode = rcode_of(jf_get(dns, "rcode"));
    if (ev->rcode < 0 && word >= 0)
        ev->rcode = (int32_t)(word & 0xF);
}

/* Text of one member of a structured rdata object, "-" when unusable. */
static const char *field_text(const cJSON *v, char tmp[24])
{
    int64_t n;
    if (cJSON_IsString(v))
        return v->valuestring;
    if (jf_item_int(v, -9007199254740992LL, 9007199254740992LL, &n)) {
        snprintf(tmp, 24, "%lld", (long long)n);
        return tmp;
    }
    return "-";
}

/* Join the members `keys` of object o with spaces into the arena. */
static const char *join_members(dh_evbuf_t *out, const cJSON *o, const char *const *keys,
                                size_t *len)
{
    char tmp[24];
    size_t total = 0;
    for (size_t i = 0; keys[i]; i++)
        total += strlen(field_text(jf_get(o, keys[i]), tmp)) + (i ? 1 : 0);
    char *p = dh_evbuf_alloc(out, total);
    if (!p)
        return NULL;
    size_t o_ = 0;
    for (size_t i = 0; keys[i]; i++) {
        const char *t = field_text(jf_get(o, keys[i]), tmp);
        if (i)
            p[o_++] = ' ';
        memcpy(p + o_, t, strlen(t));
        o_ += strlen(t);
    }
    *len = total;
    return p;
}

/* Structured rdata as text; *ok false when the arena is full. */
static const char *structured_text(dh_evbuf_t *out, int32_t type, const cJSON *o, size_t *len,
                                   bool *ok)
{
    static const char *const soa[] = {"mname", "rname", "serial", "refresh", "retry",
                                      "expire", "minimum", NULL};
    static const char *const srv[] = {"priority", "weight", "port", "name", NULL};
    static const char *const sshfp[] = {"algo", "type", "fingerprint", NULL};
    const char *const *keys = type == DH_QTYPE_SOA ? soa : type == DH_QTYPE_SRV ? srv
                              : type == 44         ? sshfp
                                                   : NULL;
    if (!keys || !cJSON_IsObject(o))
        return NULL;
    const char *p = join_members(out, o, keys, len);
    *ok = p != NULL;
    return p;
}

/* The strings of an array joined with spaces (TXT in mdns/llmnr). */
static const char *join_strings(dh_evbuf_t *out, const cJSON *arr, size_t *len, bool *ok)
{
    size_t total = 0, n = 0;
    for (const cJSON *it = arr->child; it; it = it->next)
        if (cJSON_IsString(it))
            total += strlen(it->valuestring) + (n++ ? 1 : 0);
    if (n == 0)
        return NULL;
    char *p = dh_evbuf_alloc(out, total);
    if (!(*ok = p != NULL))
        return NULL;
    size_t o = 0;
    n = 0;
    for (const cJSON *it = arr->child; it; it = it->next) {
        if (!cJSON_IsString(it))
            continue;
        if (n++)
            p[o++] = ' ';
        memcpy(p + o, it->valuestring, strlen(it->valuestring));
        o += strlen(it->valuestring);
    }
    *len = total;
    return p;
}

/* rdata text of a value of any shape; NULL when none. */
static const char *render(dh_evbuf_t *out, int32_t type, const cJSON *v, size_t *len, bool *ok)
{
    if (cJSON_IsString(v)) {
        const char *p = jf_copy(out, v->valuestring, len);
        *ok = p != NULL;
        return p;
    }
    if (cJSON_IsArray(v))
        return join_strings(out, v, len, ok);
    return structured_text(out, type, v, len, ok);
}

/* The payload member of an RR object that has no "rdata": the first member
   named after an RR type ("soa", "srv", "sshfp", mdns "ptr"/"txt"/"a"). */
static const cJSON *payload_member(const cJSON *o, int32_t *type)
{
    for (const cJSON *m = o->child; m; m = m->next) {
        if (!m->string || strcmp(m->string, "rrname") == 0 || strcmp(m->string, "rrtype") == 0)
            continue;
        int32_t t = dh_qtype_from_name(m->string, strlen(m->string));
        if (t >= 0) {
            *type = t;
            return m;
        }
    }
    return NULL;
}

/* Fill rrname/rrtype/ttl/data of one RR object; -1 when the arena is full. */
static int read_rr(dh_evbuf_t *out, const cJSON *o, dh_answer_t *a)
{
    const char *name = jf_string(o, "rrname");
    int64_t ttl;
    bool ok = true;
    a->rrtype = rrtype_of(jf_get(o, "rrtype"));
    a->ttl = jf_int(o, "ttl", 0, 4294967295LL, &ttl) ? ttl : -1;
    if (name && !(a->rrname = jf_copy(out, name, &a->rrname_len)))
        return -1;
    const cJSON *v = jf_get(o, "rdata");
    int32_t ptype = a->rrtype;
    if (!cJSON_IsString(v))
        v = payload_member(o, &ptype);
    if (v)
        a->data = render(out, ptype, v, &a->data_len, &ok);
    if (a->rrtype < 0 && a->data)
        a->rrtype = ptype; /* mdns: the type is the member's name */
    return ok ? 0 : -1;
}

static int add_rr_objects(dh_evbuf_t *out, const cJSON *arr, dh_section_t section)
{
    for (const cJSON *it = cJSON_IsArray(arr) ? arr->child : NULL; it; it = it->next) {
        if (!cJSON_IsObject(it))
            continue;
        dh_answer_t a = {.section = (uint8_t)section, .rrtype = -1, .ttl = -1};
        if (out->ev.n_answers < DH_EVBUF_MAX_ANSWERS && read_rr(out, it, &a) < 0)
            return -1;
        dh_evbuf_add_answer(out, &a);
    }
    return 0;
}

/* {"A":["1.2.3.4"],"SOA":[{...}]}: type from the key, no owner, no ttl. */
static int add_grouped(dh_evbuf_t *out, const cJSON *grouped)
{
    for (const cJSON *g = cJSON_IsObject(grouped) ? grouped->child : NULL; g; g = g->next) {
        int32_t t = g->string ? dh_qtype_from_name(g->string, strlen(g->string)) : -1;
        for (const cJSON *e = cJSON_IsArray(g) ? g->child : NULL; e; e = e->next) {
            dh_answer_t a = {.section = DH_SECTION_ANSWER, .rrtype = t, .ttl = -1};
            bool ok = true;
            if (out->ev.n_answers < DH_EVBUF_MAX_ANSWERS)
                a.data = render(out, t, e, &a.data_len, &ok);
            if (!ok)
                return -1;
            dh_evbuf_add_answer(out, &a);
        }
    }
    return 0;
}

/* v1 answer event: the RR is the dns object itself; none without rrtype. */
static int read_v1_rr(const eve_kind_t *k, dh_evbuf_t *out)
{
    if (!jf_get(k->dns, "rrtype"))
        return 0;
    dh_answer_t a = {.section = DH_SECTION_ANSWER, .rrtype = -1, .ttl = -1};
    if (read_rr(out, k->dns, &a) < 0)
        return -1;
    dh_evbuf_add_answer(out, &a);
    return 0;
}

static int read_rrs(const eve_kind_t *k, dh_evbuf_t *out)
{
    if (k->part == DH_PART_RESPONSE_RR)
        return read_v1_rr(k, out);
    if (k->part != DH_PART_RESPONSE)
        return 0;
    const cJSON *answers = jf_get(k->dns, "answers");
    int r = cJSON_IsArray(answers) ? add_rr_objects(out, answers, DH_SECTION_ANSWER)
                                   : add_grouped(out, jf_get(k->dns, "grouped"));
    if (r < 0 ||
        add_rr_objects(out, jf_get(k->dns, "authorities"), DH_SECTION_AUTHORITY) < 0 ||
        add_rr_objects(out, jf_get(k->dns, "additionals"), DH_SECTION_ADDITIONAL) < 0)
        return -1;
    return 0;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* Without a flow_id: FNV-1a of the (direction-normalised) endpoints. */
static uint64_t endpoint_hash(const dh_event_t *ev)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint8_t *parts[] = {&ev->client.family, ev->client.bytes, &ev->server.family,
                              ev->server.bytes};
    const size_t sizes[] = {1, 16, 1, 16};
    for (size_t p = 0; p < 4; p++)
        for (size_t i = 0; i < sizes[p]; i++)
            h = (h ^ parts[p][i]) * 0x100000001b3ULL;
    h ^= (uint64_t)(uint32_t)ev->client_port << 32 | (uint32_t)ev->server_port;
    return h ^ ev->transport;
}

static uint64_t txn_key(bool have_flow, uint64_t flow_id, const dh_event_t *ev)
{
    uint64_t base = have_flow ? flow_id : endpoint_hash(ev);
    uint64_t id = ev->trans_id >= 0 ? (uint64_t)ev->trans_id : 0x10000;
    return splitmix64(splitmix64(base) ^ id);
}

/* The dns object and its layout; NULL reason when fine. */
static const char *find_dns(const cJSON *root, const char *et, eve_kind_t *k)
{
    const cJSON *dns = jf_get(root, et);
    if (!cJSON_IsObject(dns))
        dns = jf_get(root, "dns");
    if (!cJSON_IsObject(dns))
        return "no dns object";
    if (!classify(dns, strcmp(et, "dns") != 0, k))
        return "unknown dns.type";
    return NULL;
}

static dh_line_t eve_record(void *state, const char *line, size_t len, const cJSON *root,
                            dh_evbuf_t *out, char reason[DH_REASON_MAX])
{
    (void)state;
    const char *et = jf_string(root, "event_type"), *why, *ts, *flow_txt;
    if (!et)
        return jf_malformed(reason, "no event_type");
    if (!is_dns_event_type(et, strlen(et)))
        return DH_LINE_SKIPPED;
    eve_kind_t k;
    if ((why = find_dns(root, et, &k)))
        return jf_malformed(reason, why);
    dh_event_t *ev = &out->ev;
    if (!(ts = jf_string(root, "timestamp")))
        return jf_malformed(reason, "no timestamp");
    if (dh_time_parse_iso8601(ts, strlen(ts), &ev->ts_us) != 0 || !dh_time_in_range(ev->ts_us))
        return jf_malformed(reason, "bad timestamp");
    ev->sensor = DH_SENSOR_SURICATA;
    out->part = k.part;
    size_t flow_len;
    uint64_t flow_id = 0;
    bool have_flow = read_flow_id(line, len, &flow_txt, &flow_len, &flow_id);
    if (have_flow && !(ev->uid = dh_evbuf_copy(out, flow_txt, flow_len)))
        goto full;
    ev->uid_len = have_flow ? flow_len : 0;
    read_endpoints(root, &k, ev);
    int64_t id;
    if (jf_int(k.dns, "id", 0, 65535, &id))
        ev->trans_id = (int32_t)id;
    read_header(&k, ev);
    if (read_question(&k, out) < 0 || read_rrs(&k, out) < 0)
        goto full;
    out->txn_key = txn_key(have_flow, flow_id, ev);
    return DH_LINE_RECORD;
full:
    return jf_malformed(reason, JF_TOO_LARGE);
}

/* The head of an over-long line: the first "event_type" key within 4 KiB
   names something other than dns (parser.h skips_truncated). Only len bytes
   are shown: a value cut before it can be told from "dns" is not skipped. */
static bool eve_skips_truncated(const char *head, size_t len)
{
    static const char key[] = "\"event_type\":\"";
    const size_t klen = sizeof(key) - 1, n = len < 4096 ? len : 4096;
    if (len == 0 || head[0] != '{')
        return false;
    for (size_t i = 0; i + klen <= n; i++)
        if (memcmp(head + i, key, klen) == 0) {
            size_t rest = len - i - klen;
            return memcmp(head + i + klen, "dns\"", rest < 4 ? rest : 4) != 0;
        }
    return false;
}

const dh_parser_type_t dh_parser_eve =
    JF_PARSER("eve", "Suricata EVE JSON (event_type dns/mdns/llmnr; DNS log v1, v2 and v3)",
              eve_probe, eve_record, .json_skip = fast_skip,
              .skips_truncated = eve_skips_truncated);
