/*
 * output-event.c - serializer of the normalized event as an ECS document
 * (see output-event.h, docs/events.md).
 *
 * Layout: the ECS fields first, in the order of docs/events.md, then the
 * sensor's record id where Filebeat's modules put it (zeek.session_id,
 * suricata.eve.flow_id), then dnshound.*: every event field ECS has no
 * exact place for (numbers behind the mnemonics, header flags known to be
 * clear, the answers' sections...), so that parsers/parse-dnshound-events.c
 * rebuilds the very dh_event_t written here.
 */
#include "output-event.h"

#include <string.h>

#include "util-community-id.h"
#include "util-dns.h"
#include "util-ip.h"
#include "util-time.h"

#define ECS_VERSION "9.4.0"

/* event.duration is in ns; a reader that keeps JSON numbers as doubles (as
   cJSON does) has them exact up to 2^53 ns, 104 days. A longer round trip
   (a hand-made or damaged record) goes to dnshound.rtt_us instead. */
#define DURATION_MAX_US ((INT64_C(1) << 53) / 1000)

/* ---- writing fast: --emit events is a whole stage's hot path ------------- */

/* A literal, its length known at compile time. */
#define PUT_LIT(sb, lit) dh_sb_put((sb), (lit), sizeof(lit) - 1)

/* "key": after a comma unless the object or array was just opened (as
   dh_json_key, for a literal key text written with its quotes and colon). */
#define KEY(sb, quoted_key_colon)                                      \
    do {                                                               \
        if ((sb)->len && (sb)->buf[(sb)->len - 1] != '{' &&            \
            (sb)->buf[(sb)->len - 1] != '[')                           \
            dh_sb_putc((sb), ',');                                     \
        PUT_LIT((sb), quoted_key_colon);                               \
    } while (0)

/* A decimal integer without printf (a dozen of them an event). */
static void put_int(dh_strbuf_t *sb, int64_t v)
{
    char d[24];
    size_t i = sizeof(d);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        d[--i] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        d[--i] = '-';
    dh_sb_put(sb, d + i, sizeof(d) - i);
}

static void put_str(dh_strbuf_t *sb, const char *s)
{
    dh_sb_putc(sb, '"');
    dh_sb_puts(sb, s); /* the writer's own words: nothing to escape */
    dh_sb_putc(sb, '"');
}

static const char *provider_name(uint8_t s)
{
    return s == DH_SENSOR_ZEEK ? "zeek" : s == DH_SENSOR_SURICATA ? "suricata" : NULL;
}

static const char *transport_name(uint8_t t)
{
    return t == DH_TRANSPORT_UDP ? "udp" : t == DH_TRANSPORT_TCP ? "tcp" : NULL;
}

const char *dh_opcode_name(int32_t opcode)
{
    /* IANA DNS OpCodes; 3 is unassigned */
    static const char *const names[] = {"QUERY", "IQUERY", "STATUS", NULL,
                                        "NOTIFY", "UPDATE", "DSO"};
    return opcode >= 0 && opcode < (int32_t)(sizeof(names) / sizeof(names[0])) ? names[opcode]
                                                                              : NULL;
}

/* A mnemonic's text: NAME for a number with one, else <prefix><number>
   (RFC 3597's TYPE65280 / CLASS32769 spelling, which util-dns.h reads back). */
static void put_mnemonic(dh_strbuf_t *sb, int32_t v, const char *name, const char *prefix)
{
    dh_sb_putc(sb, '"');
    if (name) {
        dh_sb_puts(sb, name);
    } else {
        dh_sb_puts(sb, prefix);
        put_int(sb, v);
    }
    dh_sb_putc(sb, '"');
}

/* Drop an object opened at `mark` (its key included) when nothing was
   written into it, else close it. */
static void close_or_drop(dh_strbuf_t *sb, size_t mark)
{
    if (sb->len > 0 && sb->buf[sb->len - 1] == '{')
        sb->len = mark;
    else
        dh_sb_putc(sb, '}');
}

static void put_addr(dh_strbuf_t *sb, const dh_addr_t *a)
{
    char ip[DH_ADDR_STRLEN];
    put_str(sb, dh_addr_format(a, ip));
}

static void endpoint(dh_strbuf_t *sb, const char *key_open, const dh_addr_t *a, int32_t port)
{
    if (a->family == DH_AF_UNSET && port < 0)
        return;
    dh_sb_puts(sb, key_open);
    if (a->family != DH_AF_UNSET) {
        PUT_LIT(sb, "\"ip\":");
        put_addr(sb, a);
    }
    if (port >= 0) {
        KEY(sb, "\"port\":");
        put_int(sb, port);
    }
    dh_sb_putc(sb, '}');
}

static void event_obj(dh_strbuf_t *sb, const dh_event_t *ev)
{
    PUT_LIT(sb, ",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
                "\"type\":[\"protocol\"],\"dataset\":\"dnshound.dns\",\"module\":\"dnshound\"");
    if (provider_name(ev->sensor)) {
        PUT_LIT(sb, ",\"provider\":");
        put_str(sb, provider_name(ev->sensor));
    }
    if (ev->rtt_us >= 0 && ev->rtt_us <= DURATION_MAX_US) {
        PUT_LIT(sb, ",\"duration\":");
        put_int(sb, ev->rtt_us * 1000); /* ns */
    }
    dh_sb_putc(sb, '}');
}

static void network_obj(dh_strbuf_t *sb, const dh_event_t *ev)
{
    char cid[DH_COMMUNITY_ID_LEN];
    const char *transport = transport_name(ev->transport);
    PUT_LIT(sb, ",\"network\":{");
    if (transport) {
        PUT_LIT(sb, "\"transport\":");
        put_str(sb, transport);
    }
    KEY(sb, "\"protocol\":\"dns\"");
    /* the flow's id as the sensors and detections spell it, only for a
       whole 5-tuple (community_id needs both ports and the protocol) */
    if (transport && ev->client_port >= 0 && ev->server_port >= 0 &&
        dh_community_id(&ev->client, (uint16_t)ev->client_port, &ev->server,
                        (uint16_t)ev->server_port, ev->transport, 0, cid) == 0) {
        PUT_LIT(sb, ",\"community_id\":");
        put_str(sb, cid);
    }
    dh_sb_putc(sb, '}');
}

/* The length of qname without one trailing dot (regdom.h ignores it too). */
static size_t name_len_without_dot(const dh_event_t *ev)
{
    size_t n = ev->qname_len;
    return n > 0 && ev->qname[n - 1] == '.' ? n - 1 : n;
}

/* ECS subdomain and top_level_domain, cut from the name and its zone key.
   The key is a suffix of the lowered name; the effective TLD is the key
   without its first label when the key is eTLD+1 (a PSL rule, or the PSL's
   default rule for a suffix it does not list, which is the last label); an
   internal zone is no public suffix, so then there is none. */
static void question_parts(dh_strbuf_t *sb, const dh_event_t *ev)
{
    const char *rd = ev->registered_domain;
    size_t rd_len = strlen(rd), n = name_len_without_dot(ev);
    if (n > rd_len + 1 && ev->qname_lc[n - rd_len - 1] == '.' &&
        memcmp(ev->qname_lc + n - rd_len, rd, rd_len) == 0) {
        PUT_LIT(sb, ",\"subdomain\":");
        dh_json_string(sb, ev->qname, n - rd_len - 1);
    }
    const char *dot = memchr(rd, '.', rd_len);
    if (dot && ev->zone_source != DH_ZONE_INTERNAL) {
        PUT_LIT(sb, ",\"top_level_domain\":");
        dh_json_string(sb, dot + 1, rd_len - (size_t)(dot + 1 - rd));
    }
}

static void question_obj(dh_strbuf_t *sb, const dh_event_t *ev)
{
    if (!ev->has_qname && ev->qtype < 0 && ev->qclass < 0)
        return;
    PUT_LIT(sb, ",\"question\":{");
    if (ev->has_qname) {
        PUT_LIT(sb, "\"name\":");
        dh_json_string(sb, ev->qname, ev->qname_len);
    }
    if (ev->qtype >= 0) {
        KEY(sb, "\"type\":");
        put_mnemonic(sb, ev->qtype, dh_qtype_name(ev->qtype), "TYPE");
    }
    if (ev->qclass >= 0) {
        KEY(sb, "\"class\":");
        put_mnemonic(sb, ev->qclass, dh_qclass_name(ev->qclass), "CLASS");
    }
    if (ev->has_qname && ev->registered_domain) {
        PUT_LIT(sb, ",\"registered_domain\":");
        dh_json_string(sb, ev->registered_domain, strlen(ev->registered_domain));
        question_parts(sb, ev);
    }
    dh_sb_putc(sb, '}');
}

/* ECS header_flags: the flags that are set, of those ECS names (QR and Z
   have no value there; dnshound.flags keeps them). */
static void header_flags(dh_strbuf_t *sb, const dh_event_t *ev)
{
    static const struct {
        uint16_t bit;
        char name[8];
    } f[] = {{DH_FLAG_AA, "\"AA\""}, {DH_FLAG_TC, "\"TC\""}, {DH_FLAG_RD, "\"RD\""},
             {DH_FLAG_RA, "\"RA\""}};
    if (!(ev->flags & (DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_RD | DH_FLAG_RA)))
        return;
    PUT_LIT(sb, ",\"header_flags\":[");
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (ev->flags & f[i].bit) {
            if (sb->buf[sb->len - 1] != '[')
                dh_sb_putc(sb, ',');
            dh_sb_put(sb, f[i].name, 4);
        }
    dh_sb_putc(sb, ']');
}

static void answer(dh_strbuf_t *sb, const dh_answer_t *a)
{
    dh_sb_putc(sb, '{');
    if (a->rrname) {
        PUT_LIT(sb, "\"name\":");
        dh_json_string(sb, a->rrname, a->rrname_len);
    }
    if (a->rrtype >= 0) {
        KEY(sb, "\"type\":");
        put_mnemonic(sb, a->rrtype, dh_qtype_name(a->rrtype), "TYPE");
    }
    if (a->ttl >= 0) {
        KEY(sb, "\"ttl\":");
        put_int(sb, a->ttl);
    }
    if (a->data) {
        KEY(sb, "\"data\":");
        dh_json_string(sb, a->data, a->data_len);
    }
    dh_sb_putc(sb, '}');
}

static void answers_arr(dh_strbuf_t *sb, const dh_event_t *ev)
{
    if (!ev->n_answers)
        return;
    PUT_LIT(sb, ",\"answers\":[");
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        if (i)
            dh_sb_putc(sb, ',');
        answer(sb, &ev->answers[i]);
    }
    dh_sb_putc(sb, ']');
}

/* ECS resolved_ip: the addresses of the A, AAAA and untyped answers, in
   answer order. Parsed here, not taken from ev->answer_addrs, so the
   array depends on the event's fields alone (a read-back event has none). */
static void resolved_ips(dh_strbuf_t *sb, const dh_event_t *ev)
{
    bool open = false;
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        const dh_answer_t *a = &ev->answers[i];
        dh_addr_t addr;
        if ((a->rrtype != DH_QTYPE_A && a->rrtype != DH_QTYPE_AAAA && a->rrtype != -1) ||
            !a->data || dh_addr_parse(a->data, a->data_len, &addr) != 0)
            continue;
        if (open)
            dh_sb_putc(sb, ',');
        else
            PUT_LIT(sb, ",\"resolved_ip\":[");
        open = true;
        put_addr(sb, &addr);
    }
    if (open)
        dh_sb_putc(sb, ']');
}

static void dns_obj(dh_strbuf_t *sb, const dh_event_t *ev)
{
    PUT_LIT(sb, ",\"dns\":{");
    if (ev->trans_id >= 0) {
        PUT_LIT(sb, "\"id\":\""); /* ECS: keyword */
        put_int(sb, ev->trans_id);
        dh_sb_putc(sb, '"');
    }
    if (ev->opcode >= 0) {
        KEY(sb, "\"op_code\":");
        put_mnemonic(sb, ev->opcode, dh_opcode_name(ev->opcode), "OPCODE");
    }
    KEY(sb, "\"type\":");
    if (ev->has_response)
        PUT_LIT(sb, "\"answer\"");
    else
        PUT_LIT(sb, "\"query\"");
    question_obj(sb, ev);
    if (ev->rcode >= 0) {
        PUT_LIT(sb, ",\"response_code\":");
        put_mnemonic(sb, ev->rcode, dh_rcode_name(ev->rcode), "RCODE");
    }
    header_flags(sb, ev);
    answers_arr(sb, ev);
    resolved_ips(sb, ev);
    dh_sb_putc(sb, '}');
}

/* The sensor's id of the record, under the name Filebeat's module gives it. */
static void sensor_record_id(dh_strbuf_t *sb, const dh_event_t *ev)
{
    if (!ev->uid)
        return;
    if (ev->sensor == DH_SENSOR_ZEEK) {
        PUT_LIT(sb, ",\"zeek\":{\"session_id\":");
        dh_json_string(sb, ev->uid, ev->uid_len);
        dh_sb_putc(sb, '}');
    } else if (ev->sensor == DH_SENSOR_SURICATA) {
        /* text, not a number: a 64-bit flow_id does not survive a double */
        PUT_LIT(sb, ",\"suricata\":{\"eve\":{\"flow_id\":");
        dh_json_string(sb, ev->uid, ev->uid_len);
        PUT_LIT(sb, "}}");
    }
}

/* ---- dnshound.*: what ECS has no field for --------------------------- */

static void numbers_obj(dh_strbuf_t *sb, int32_t type, int32_t klass)
{
    if (type < 0 && klass < 0)
        return;
    KEY(sb, "\"question\":{");
    if (type >= 0) {
        PUT_LIT(sb, "\"type\":");
        put_int(sb, type);
    }
    if (klass >= 0) {
        KEY(sb, "\"class\":");
        put_int(sb, klass);
    }
    dh_sb_putc(sb, '}');
}

static void known_flags(dh_strbuf_t *sb, const dh_event_t *ev)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } f[] = {{DH_FLAG_QR, "qr"}, {DH_FLAG_AA, "aa"}, {DH_FLAG_TC, "tc"},
             {DH_FLAG_RD, "rd"}, {DH_FLAG_RA, "ra"}, {DH_FLAG_Z, "z"}};
    if (!ev->flags_known)
        return;
    KEY(sb, "\"flags\":{");
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (ev->flags_known & f[i].bit)
            dh_json_kv_bool(sb, f[i].name, (ev->flags & f[i].bit) != 0);
    dh_sb_putc(sb, '}');
}

/* Parallel to dns.answers: each record's section and type number. */
static void answer_extras(dh_strbuf_t *sb, const dh_event_t *ev)
{
    static const char *const sections[] = {"{\"section\":\"answer\"",
                                           "{\"section\":\"authority\"",
                                           "{\"section\":\"additional\""};
    if (!ev->n_answers)
        return;
    KEY(sb, "\"answers\":[");
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        const dh_answer_t *a = &ev->answers[i];
        if (i)
            dh_sb_putc(sb, ',');
        dh_sb_puts(sb, sections[a->section <= 2 ? a->section : 0]);
        if (a->rrtype >= 0) {
            PUT_LIT(sb, ",\"type\":");
            put_int(sb, a->rrtype);
        }
        dh_sb_putc(sb, '}');
    }
    dh_sb_putc(sb, ']');
}

static void dnshound_obj(dh_strbuf_t *sb, const dh_event_t *ev)
{
    size_t mark = sb->len;
    PUT_LIT(sb, ",\"dnshound\":{");
    if (ev->uid && !provider_name(ev->sensor)) {
        PUT_LIT(sb, "\"uid\":");
        dh_json_string(sb, ev->uid, ev->uid_len);
    }
    if (ev->has_qname && ev->registered_domain && dh_zone_source_name(ev->zone_source)) {
        KEY(sb, "\"zone_source\":");
        put_str(sb, dh_zone_source_name(ev->zone_source));
    }
    numbers_obj(sb, ev->qtype, ev->qclass);
    if (ev->opcode >= 0) {
        KEY(sb, "\"opcode\":");
        put_int(sb, ev->opcode);
    }
    if (ev->rcode >= 0) {
        KEY(sb, "\"rcode\":");
        put_int(sb, ev->rcode);
    }
    known_flags(sb, ev);
    if (ev->rejected >= 0)
        dh_json_kv_bool(sb, "rejected", ev->rejected == 1);
    if (ev->rtt_us > DURATION_MAX_US) { /* too long for event.duration */
        KEY(sb, "\"rtt_us\":");
        put_int(sb, ev->rtt_us);
    }
    answer_extras(sb, ev);
    if (ev->answers_dropped) {
        KEY(sb, "\"answers_dropped\":");
        put_int(sb, ev->answers_dropped);
    }
    close_or_drop(sb, mark);
}

void dh_event_to_json(const dh_event_t *ev, dh_strbuf_t *out)
{
    char t[DH_TIME_STRLEN];
    PUT_LIT(out, "{\"@timestamp\":");
    put_str(out, dh_time_format(ev->ts_us, t));
    PUT_LIT(out, ",\"ecs\":{\"version\":\"" ECS_VERSION "\"}");
    event_obj(out, ev);
    endpoint(out, ",\"source\":{", &ev->client, ev->client_port);
    endpoint(out, ",\"destination\":{", &ev->server, ev->server_port);
    network_obj(out, ev);
    dns_obj(out, ev);
    sensor_record_id(out, ev);
    dnshound_obj(out, ev);
    PUT_LIT(out, "}\n");
}
