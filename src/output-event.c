/*
 * output-event.c - serializer of the normalized event (see output-event.h).
 */
#include "output-event.h"

#include "util-dns.h"
#include "util-ip.h"
#include "util-time.h"

static const char *sensor_name(uint8_t s)
{
    return s == DH_SENSOR_ZEEK ? "zeek" : s == DH_SENSOR_SURICATA ? "suricata" : "unknown";
}

static const char *transport_name(uint8_t t)
{
    return t == DH_TRANSPORT_UDP ? "udp" : t == DH_TRANSPORT_TCP ? "tcp" : NULL;
}

static void endpoint(dh_strbuf_t *sb, const char *key, const dh_addr_t *a, int32_t port)
{
    char ip[DH_ADDR_STRLEN];
    if (a->family == DH_AF_UNSET && port < 0)
        return;
    dh_json_open_obj(sb, key);
    if (a->family != DH_AF_UNSET)
        dh_json_kv_str(sb, "ip", dh_addr_format(a, ip));
    if (port >= 0)
        dh_json_kv_int(sb, "port", port);
    dh_sb_putc(sb, '}');
}

static void numbered(dh_strbuf_t *sb, const char *key, const char *name_key, int32_t v,
                     const char *name)
{
    if (v < 0)
        return;
    dh_json_kv_int(sb, key, v);
    if (name)
        dh_json_kv_str(sb, name_key, name);
}

static void question(dh_strbuf_t *sb, const dh_event_t *ev)
{
    dh_json_open_obj(sb, "query");
    if (ev->has_qname) {
        dh_json_kv_strn(sb, "name", ev->qname, ev->qname_len);
        if (ev->registered_domain)
            dh_json_kv_str(sb, "registered_domain", ev->registered_domain);
    }
    numbered(sb, "type", "type_name", ev->qtype, dh_qtype_name(ev->qtype));
    numbered(sb, "class", "class_name", ev->qclass, dh_qclass_name(ev->qclass));
    dh_sb_putc(sb, '}');
}

static void flags(dh_strbuf_t *sb, const dh_event_t *ev)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } f[] = {{DH_FLAG_QR, "qr"}, {DH_FLAG_AA, "aa"}, {DH_FLAG_TC, "tc"},
             {DH_FLAG_RD, "rd"}, {DH_FLAG_RA, "ra"}, {DH_FLAG_Z, "z"}};
    if (!ev->flags_known)
        return;
    dh_json_open_obj(sb, "flags");
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (ev->flags_known & f[i].bit)
            dh_json_kv_bool(sb, f[i].name, (ev->flags & f[i].bit) != 0);
    dh_sb_putc(sb, '}');
}

static void answers(dh_strbuf_t *sb, const dh_event_t *ev)
{
    static const char *const sections[] = {"answer", "authority", "additional"};
    if (!ev->n_answers && !ev->answers_dropped)
        return;
    dh_json_open_arr(sb, "answers");
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        const dh_answer_t *a = &ev->answers[i];
        dh_json_open_obj(sb, NULL);
        dh_json_kv_str(sb, "section", sections[a->section <= 2 ? a->section : 0]);
        if (a->rrname)
            dh_json_kv_strn(sb, "name", a->rrname, a->rrname_len);
        numbered(sb, "type", "type_name", a->rrtype, dh_qtype_name(a->rrtype));
        if (a->ttl >= 0)
            dh_json_kv_int(sb, "ttl", a->ttl);
        if (a->data)
            dh_json_kv_strn(sb, "data", a->data, a->data_len);
        dh_sb_putc(sb, '}');
    }
    dh_sb_putc(sb, ']');
    if (ev->answers_dropped)
        dh_json_kv_uint(sb, "answers_dropped", ev->answers_dropped);
}

void dh_event_to_json(const dh_event_t *ev, dh_strbuf_t *out)
{
    char t[DH_TIME_STRLEN];
    dh_sb_putc(out, '{');
    dh_json_kv_str(out, "ts", dh_time_format(ev->ts_us, t));
    dh_json_kv_str(out, "sensor", sensor_name(ev->sensor));
    if (ev->uid)
        dh_json_kv_strn(out, "uid", ev->uid, ev->uid_len);
    endpoint(out, "client", &ev->client, ev->client_port);
    endpoint(out, "server", &ev->server, ev->server_port);
    if (transport_name(ev->transport))
        dh_json_kv_str(out, "transport", transport_name(ev->transport));
    if (ev->trans_id >= 0)
        dh_json_kv_int(out, "trans_id", ev->trans_id);
    question(out, ev);
    if (ev->opcode >= 0)
        dh_json_kv_int(out, "opcode", ev->opcode);
    dh_json_kv_bool(out, "has_response", ev->has_response);
    numbered(out, "rcode", "rcode_name", ev->rcode, dh_rcode_name(ev->rcode));
    flags(out, ev);
    if (ev->rejected >= 0)
        dh_json_kv_bool(out, "rejected", ev->rejected == 1);
    if (ev->rtt_us >= 0)
        dh_json_kv_int(out, "rtt_us", ev->rtt_us);
    answers(out, ev);
    dh_sb_puts(out, "}\n");
}
