/*
 * detection.c - the detection serializer (see detection.h).
 */
#include "detection.h"

#include <stdio.h>
#include <string.h>

#include "message.h"
#include "sketch.h"
#include "util-community-id.h"
#include "util-ip.h"
#include "util-time.h"

/* 64-bit hash with a seed (a splitmix-style finalizer over FNV-1a). */
static uint64_t hash64(const void *data, size_t len, uint64_t h)
{
    h = dh_fnv1a64(data, len, h);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

static uint64_t hash_parts(const dh_detection_t *d, uint64_t seed)
{
    uint64_t h = hash64(d->rule_name, strlen(d->rule_name), seed);
    if (d->client)
        h = hash64(d->client, sizeof(*d->client), h);
    if (d->registered_domain)
        h = hash64(d->registered_domain, strlen(d->registered_domain), h);
    if (d->entity)
        h = hash64(d->entity, strlen(d->entity), h);
    return hash64(&d->window_start_us, sizeof(d->window_start_us), h);
}

void dh_detection_id(const dh_detection_t *d, char out[33])
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)hash_parts(d, 1469598103934665603ULL),
             (unsigned long long)hash_parts(d, 0x9e3779b97f4a7c15ULL));
}

/* The ATT&CK page of a tactic (TA0011), technique (T1071) or sub-technique
   (T1071.004): https://attack.mitre.org/techniques/T1071/004/ */
static void attack_url(const char *id, char *out, size_t outlen)
{
    const char *dot = strchr(id, '.');
    if (strncmp(id, "TA", 2) == 0)
        snprintf(out, outlen, "https://attack.mitre.org/tactics/%s/", id);
    else if (dot)
        snprintf(out, outlen, "https://attack.mitre.org/techniques/%.*s/%s/", (int)(dot - id), id,
                 dot + 1);
    else
        snprintf(out, outlen, "https://attack.mitre.org/techniques/%s/", id);
}

/* "key":{"id":[...],"name":[...],"reference":[...] (left open) */
static void refs(dh_strbuf_t *sb, const char *key, const dh_attack_ref_t *r, size_t n)
{
    char url[96];
    dh_json_open_obj(sb, key);
    dh_json_open_arr(sb, "id");
    for (size_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, r[i].id, strlen(r[i].id));
    }
    dh_sb_putc(sb, ']');
    dh_json_open_arr(sb, "name");
    for (size_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, r[i].name, strlen(r[i].name));
    }
    dh_sb_putc(sb, ']');
    dh_json_open_arr(sb, "reference");
    for (size_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        attack_url(r[i].id, url, sizeof(url));
        dh_json_string(sb, url, strlen(url));
    }
    dh_sb_putc(sb, ']');
}

/* ECS indicator type (STIX 2.0 cyber observable; an ipv4-addr may be a CIDR) */
static const char *indicator_type(const dh_intel_match_t *m)
{
    if (m->kind == DH_IND_DOMAIN)
        return "domain-name";
    return memchr(m->indicator, ':', m->indicator_len) ? "ipv6-addr" : "ipv4-addr";
}

/* threat.enrichments[].indicator: the indicator in the ECS field of its
   kind (a name in url.domain, an address in ip; a network, which an ECS ip
   field cannot hold, only in name) */
static void indicator_obj(dh_strbuf_t *sb, const dh_intel_match_t *m)
{
    dh_json_open_obj(sb, "indicator");
    dh_json_kv_str(sb, "type", indicator_type(m));
    dh_json_kv_strn(sb, "name", m->indicator, m->indicator_len);
    if (m->kind == DH_IND_DOMAIN) {
        dh_json_open_obj(sb, "url");
        dh_json_kv_strn(sb, "domain", m->indicator, m->indicator_len);
        dh_sb_putc(sb, '}');
    } else if (m->kind == DH_IND_ADDRESS) {
        dh_json_kv_strn(sb, "ip", m->indicator, m->indicator_len);
    }
    if (m->provider)
        dh_json_kv_str(sb, "provider", m->provider);
    if (m->description)
        dh_json_kv_str(sb, "description", m->description);
    dh_sb_putc(sb, '}');
}

/* One enrichment per part of the records that matched (query name, CNAME
   target, answer): Elastic's indicator match rules write one per match. */
static void enrichments(dh_strbuf_t *sb, const dh_detection_t *d)
{
    const dh_intel_match_t *m = d->intel;
    char t[DH_TIME_STRLEN];
    if (!m || !m->n_matched)
        return;
    dh_json_open_arr(sb, "enrichments");
    for (size_t i = 0; i < m->n_matched; i++) {
        dh_json_sep(sb);
        dh_sb_putc(sb, '{');
        indicator_obj(sb, m);
        dh_json_open_obj(sb, "matched");
        dh_json_kv_strn(sb, "atomic", m->matched[i].atomic, m->matched[i].atomic_len);
        dh_json_kv_str(sb, "field", m->matched[i].field);
        dh_json_kv_str(sb, "type", "indicator_match_rule");
        dh_json_kv_str(sb, "occurred", dh_time_format(d->fired_us, t));
        dh_sb_puts(sb, "}}");
    }
    dh_sb_putc(sb, ']');
    dh_json_open_obj(sb, "feed");
    dh_json_kv_str(sb, "name", m->feed);
    dh_sb_putc(sb, '}');
}

static void threat(dh_strbuf_t *sb, const dh_detection_t *d, const dh_attack_t *a)
{
    dh_json_open_obj(sb, "threat");
    dh_json_kv_str(sb, "framework", "MITRE ATT&CK");
    refs(sb, "tactic", a->tactics, a->n_tactics);
    dh_sb_putc(sb, '}');
    refs(sb, "technique", a->techniques, a->n_techniques);
    if (a->n_subtechniques) {
        refs(sb, "subtechnique", a->subtechniques, a->n_subtechniques);
        dh_sb_putc(sb, '}');
    }
    dh_sb_putc(sb, '}');
    enrichments(sb, d);
    dh_sb_putc(sb, '}');
}

static void event_obj(dh_strbuf_t *sb, const dh_detection_t *d, double risk)
{
    char id[33], t[DH_TIME_STRLEN];
    dh_detection_id(d, id);
    dh_json_open_obj(sb, "event");
    dh_json_kv_str(sb, "kind", "alert");
    dh_json_kv_str(sb, "id", d->event_id ? d->event_id : id);
    dh_json_kv_double(sb, "risk_score", risk);
    dh_json_kv_int(sb, "severity", d->severity ? d->severity : d->rule->severity);
    dh_json_kv_str(sb, "start", dh_time_format(d->start_us, t));
    dh_json_kv_str(sb, "end", dh_time_format(d->end_us, t));
    /* "info" is the one type both categories expect (ECS event.category
       allowed_values); an alert that blocked nothing is neither allowed nor denied */
    dh_json_open_arr(sb, "category");
    dh_sb_puts(sb, "\"network\",\"intrusion_detection\"]");
    dh_json_open_arr(sb, "type");
    dh_sb_puts(sb, "\"info\"]");
    dh_json_kv_str(sb, "dataset", d->kind == DH_KIND_INCIDENT    ? "dnshound.incident"
                                  : d->kind == DH_KIND_HOST_RISK ? "dnshound.host_risk"
                                                                 : "dnshound.detection");
    dh_json_kv_str(sb, "module", "dnshound");
    /* the sensor that logged the records behind it, when they are known */
    if (d->pivots && d->pivots->n_uids && d->pivots->sensor != DH_SENSOR_UNKNOWN)
        dh_json_kv_str(sb, "provider", d->pivots->sensor == DH_SENSOR_SURICATA ? "suricata" : "zeek");
    dh_sb_putc(sb, '}');
}

/* ECS rule.*: rule.id is the detector name (stable, what people and
   dashboards say), rule.uuid the rule file's UUID. */
static void rule_obj(dh_strbuf_t *sb, const dh_detection_t *d, const dh_attack_t *a)
{
    const dh_rule_t *r = d->rule;
    char url[96];
    dh_json_open_obj(sb, "rule");
    dh_json_kv_str(sb, "name", d->rule_name);
    dh_json_kv_str(sb, "id", d->rule_name);
    dh_json_kv_str(sb, "uuid", r->uuid);
    dh_json_kv_str(sb, "version", r->version);
    dh_json_kv_str(sb, "description", r->title);
    url[0] = '\0'; /* a correlation (no mapping of its own) links no technique page */
    if (!r->attack.n_techniques)
        ;
    else if (a->n_subtechniques)
        attack_url(a->subtechniques[0].id, url, sizeof(url));
    else if (a->n_techniques)
        attack_url(a->techniques[0].id, url, sizeof(url));
    if (r->reference || url[0])
        dh_json_kv_str(sb, "reference", r->reference ? r->reference : url);
    dh_json_kv_str(sb, "ruleset", "dnshound");
    if (r->author) {
        dh_json_open_arr(sb, "author");
        dh_json_string(sb, r->author, strlen(r->author));
        dh_sb_putc(sb, ']');
    }
    if (r->license)
        dh_json_kv_str(sb, "license", r->license);
    dh_sb_putc(sb, '}');
}

/* ---- pivot keys ----------------------------------------------------------- */

static int addr_in(const dh_addr_t *set, unsigned n, const dh_addr_t *a)
{
    for (unsigned i = 0; i < n; i++)
        if (dh_addr_equal(&set[i], a))
            return 1;
    return 0;
}

static void add_uid(dh_pivots_t *p, const dh_event_t *ev)
{
    if (!ev->uid || !ev->uid_len || ev->uid_len >= DH_PIVOT_UID_LEN || p->n_uids >= DH_PIVOT_UIDS)
        return;
    for (unsigned i = 0; i < p->n_uids; i++)
        if (p->uid_len[i] == ev->uid_len && memcmp(p->uids[i], ev->uid, ev->uid_len) == 0)
            return;
    if (!p->n_uids)
        p->sensor = ev->sensor;
    else if (p->sensor != ev->sensor)
        return; /* one kind of id per finding: a Zeek uid or a Suricata flow_id */
    memcpy(p->uids[p->n_uids], ev->uid, ev->uid_len);
    p->uid_len[p->n_uids++] = (uint8_t)ev->uid_len;
}

void dh_pivots_add(dh_pivots_t *p, const dh_event_t *ev)
{
    add_uid(p, ev);
    if (ev->server.family != DH_AF_UNSET && p->n_servers < DH_PIVOT_SERVERS &&
        !addr_in(p->servers, p->n_servers, &ev->server))
        p->servers[p->n_servers++] = ev->server;
    bool have_answers = ev->answers || ev->answer_addrs; /* a count alone holds no address */
    for (uint32_t i = 0; have_answers && i < ev->n_answers && p->n_resolved < DH_PIVOT_ADDRS; i++) {
        dh_addr_t a;
        if (dh_event_answer_addr(ev, i, &a) && !addr_in(p->resolved, p->n_resolved, &a))
            p->resolved[p->n_resolved++] = a;
    }
    if (!p->has_flow && ev->client_port >= 0 && ev->server_port >= 0 &&
        ev->transport != DH_TRANSPORT_UNKNOWN && ev->server.family == ev->client.family &&
        ev->client.family != DH_AF_UNSET) {
        p->has_flow = true;
        p->transport = ev->transport;
        p->client_port = (uint16_t)ev->client_port;
        p->server_port = (uint16_t)ev->server_port;
        p->flow_client = ev->client;
        p->flow_server = ev->server;
    }
}

static void addr_array(dh_strbuf_t *sb, const char *key, const dh_addr_t *a, unsigned n)
{
    char ip[DH_ADDR_STRLEN];
    dh_json_open_arr(sb, key);
    for (unsigned i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_addr_format(&a[i], ip);
        dh_json_string(sb, ip, strlen(ip));
    }
    dh_sb_putc(sb, ']');
}

/* ECS network.*: the first flow's transport and Community ID. */
static void network_obj(dh_strbuf_t *sb, const dh_pivots_t *p)
{
    char cid[DH_COMMUNITY_ID_LEN];
    if (!p || !p->has_flow)
        return;
    dh_json_open_obj(sb, "network");
    dh_json_kv_str(sb, "transport", p->transport == DH_TRANSPORT_TCP ? "tcp" : "udp");
    if (dh_community_id(&p->flow_client, p->client_port, &p->flow_server, p->server_port,
                        p->transport, 0, cid) == 0)
        dh_json_kv_str(sb, "community_id", cid);
    dh_sb_putc(sb, '}');
}

/* ECS related.ip / related.hosts: every address and name of the finding. */
static void related_obj(dh_strbuf_t *sb, const dh_detection_t *d)
{
    const dh_pivots_t *p = d->pivots;
    dh_addr_t ips[1 + DH_PIVOT_SERVERS + DH_PIVOT_ADDRS];
    unsigned n = 0;
    if (d->client && d->client->family != DH_AF_UNSET)
        ips[n++] = *d->client;
    for (unsigned i = 0; p && i < p->n_servers; i++)
        if (!addr_in(ips, n, &p->servers[i]))
            ips[n++] = p->servers[i];
    for (unsigned i = 0; p && i < p->n_resolved; i++)
        if (!addr_in(ips, n, &p->resolved[i]))
            ips[n++] = p->resolved[i];
    bool same = d->qname && d->registered_domain && strlen(d->registered_domain) == d->qname_len &&
                memcmp(d->qname, d->registered_domain, d->qname_len) == 0;
    if (!n && !d->qname && !d->registered_domain)
        return;
    dh_json_open_obj(sb, "related");
    if (n)
        addr_array(sb, "ip", ips, n);
    if (d->qname || d->registered_domain) {
        dh_json_open_arr(sb, "hosts");
        if (d->qname) {
            dh_json_sep(sb);
            dh_json_string(sb, d->qname, d->qname_len);
        }
        if (d->registered_domain && !same) {
            dh_json_sep(sb);
            dh_json_string(sb, d->registered_domain, strlen(d->registered_domain));
        }
        dh_sb_putc(sb, ']');
    }
    dh_sb_putc(sb, '}');
}

/* dnshound.pivot: the sensor's record ids (Zeek uid, Suricata flow_id). */
static void pivot_obj(dh_strbuf_t *sb, const dh_detection_t *d)
{
    const dh_pivots_t *p = d->pivots;
    if (!p || !p->n_uids)
        return;
    unsigned n = d->pivot_ids && d->pivot_ids < p->n_uids ? d->pivot_ids : p->n_uids;
    dh_json_open_obj(sb, "pivot");
    dh_json_open_arr(sb, p->sensor == DH_SENSOR_SURICATA ? "suricata_flow_ids" : "zeek_uids");
    for (unsigned i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, p->uids[i], p->uid_len[i]);
    }
    dh_sb_puts(sb, "]}");
}

static void entity_objs(dh_strbuf_t *sb, const dh_detection_t *d)
{
    char ip[DH_ADDR_STRLEN];
    const dh_pivots_t *p = d->pivots;
    if (d->client && d->client->family != DH_AF_UNSET) {
        dh_json_open_obj(sb, "source");
        dh_json_kv_str(sb, "ip", dh_addr_format(d->client, ip));
        dh_sb_putc(sb, '}');
    }
    if (p && p->n_servers) { /* the resolver asked */
        dh_json_open_obj(sb, "destination");
        dh_json_kv_str(sb, "ip", dh_addr_format(&p->servers[0], ip));
        dh_sb_putc(sb, '}');
    }
    network_obj(sb, p);
    if (d->qname || d->registered_domain || (p && p->n_resolved)) {
        dh_json_open_obj(sb, "dns");
        if (d->qname || d->registered_domain) {
            dh_json_open_obj(sb, "question");
            if (d->qname)
                dh_json_kv_strn(sb, "name", d->qname, d->qname_len);
            if (d->registered_domain)
                dh_json_kv_str(sb, "registered_domain", d->registered_domain);
            dh_sb_putc(sb, '}');
        }
        if (p && p->n_resolved)
            addr_array(sb, "resolved_ip", p->resolved, p->n_resolved);
        dh_sb_putc(sb, '}');
    }
    related_obj(sb, d);
}

static void dnshound_obj(dh_strbuf_t *sb, const dh_detection_t *d, double confidence)
{
    const dh_attack_t *a = d->attack ? d->attack : &d->rule->attack;
    dh_json_open_obj(sb, "dnshound");
    dh_json_kv_str(sb, "kind", d->kind == DH_KIND_INCIDENT    ? "incident"
                               : d->kind == DH_KIND_HOST_RISK ? "host_risk"
                                                              : "finding");
    dh_json_kv_str(sb, "attack_version", a->version);
    if (a->detection_strategy)
        dh_json_kv_str(sb, "detection_strategy", a->detection_strategy);
    dh_json_kv_double(sb, "confidence", confidence);
    dh_json_kv_bool(sb, "client_is_resolver", d->client_is_resolver);
    pivot_obj(sb, d);
    if (d->is_update) {
        dh_json_kv_bool(sb, "update", true);
        dh_json_kv_uint(sb, "occurrences", d->occurrences);
    }
    if (d->early)
        dh_json_kv_bool(sb, "early", true); /* its window was still open */
    dh_json_open_obj(sb, "evidence");
    if (d->evidence && d->evidence->len)
        dh_sb_put(sb, d->evidence->buf, d->evidence->len);
    /* a key the PSL did not make says so: an analyst weighs "corp.lan" as
       a guess at the zone's boundary, not a registration */
    if (d->registered_domain && d->zone_source != DH_ZONE_PUBLIC_SUFFIX &&
        dh_zone_source_name(d->zone_source))
        dh_json_kv_str(sb, "zone_source", dh_zone_source_name(d->zone_source));
    dh_sb_puts(sb, "}}");
}

/* ECS message: one sentence for people, from the rule's template. */
static void message(dh_strbuf_t *sb, const dh_detection_t *d)
{
    dh_strbuf_t text;
    dh_sb_init(&text);
    dh_message_render(d->rule->message, d, &text);
    dh_json_kv_strn(sb, "message", text.buf, text.len);
    dh_sb_free(&text);
}

void dh_detection_to_json(const dh_detection_t *d, dh_strbuf_t *out)
{
    char t[DH_TIME_STRLEN];
    double risk = d->risk_score >= 0 ? d->risk_score : d->rule->risk_score;
    double confidence = d->confidence >= 0 ? d->confidence : d->rule->confidence;
    const dh_attack_t *a = d->attack ? d->attack : &d->rule->attack;
    dh_sb_putc(out, '{');
    dh_json_kv_str(out, "@timestamp", dh_time_format(d->fired_us, t));
    dh_json_open_obj(out, "ecs");
    dh_json_kv_str(out, "version", DH_ECS_VERSION);
    dh_sb_putc(out, '}');
    message(out, d);
    event_obj(out, d, risk);
    rule_obj(out, d, a);
    threat(out, d, a);
    entity_objs(out, d);
    dnshound_obj(out, d, confidence);
    dh_sb_puts(out, "}\n");
}
