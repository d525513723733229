/*
 * detection.c - the detection serializer (see detection.h).
 */
#include "detection.h"

#include <stdio.h>
#include <string.h>

#include "message.h"
#include "sketch.h"
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

static void refs(dh_strbuf_t *sb, const char *key, const dh_attack_ref_t *r, size_t n)
{
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
}

static void threat(dh_strbuf_t *sb, const dh_attack_t *a)
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
    dh_sb_puts(sb, "}}");
}

static void event_obj(dh_strbuf_t *sb, const dh_detection_t *d, double risk)
{
    char id[33], t[DH_TIME_STRLEN];
    dh_detection_id(d, id);
    dh_json_open_obj(sb, "event");
    dh_json_kv_str(sb, "kind", "alert");
    dh_json_kv_str(sb, "id", d->event_id ? d->event_id : id);
    dh_json_kv_double(sb, "risk_score", risk);
    dh_json_kv_int(sb, "severity", d->rule->severity);
    dh_json_kv_str(sb, "start", dh_time_format(d->start_us, t));
    dh_json_kv_str(sb, "end", dh_time_format(d->end_us, t));
    dh_json_open_arr(sb, "category");
    dh_sb_puts(sb, "\"network\",\"intrusion_detection\"]");
    dh_json_kv_str(sb, "dataset", "dnshound.detection");
    dh_sb_putc(sb, '}');
}

static void rule_obj(dh_strbuf_t *sb, const dh_detection_t *d)
{
    dh_json_open_obj(sb, "rule");
    dh_json_kv_str(sb, "name", d->rule_name);
    dh_json_kv_str(sb, "id", d->rule->id);
    dh_json_kv_str(sb, "description", d->rule->title);
    dh_sb_putc(sb, '}');
}

static void entity_objs(dh_strbuf_t *sb, const dh_detection_t *d)
{
    char ip[DH_ADDR_STRLEN];
    if (d->client && d->client->family != DH_AF_UNSET) {
        dh_json_open_obj(sb, "source");
        dh_json_kv_str(sb, "ip", dh_addr_format(d->client, ip));
        dh_sb_putc(sb, '}');
    }
    if (d->qname || d->registered_domain) {
        dh_json_open_obj(sb, "dns");
        dh_json_open_obj(sb, "question");
        if (d->qname)
            dh_json_kv_strn(sb, "name", d->qname, d->qname_len);
        if (d->registered_domain)
            dh_json_kv_str(sb, "registered_domain", d->registered_domain);
        dh_sb_puts(sb, "}}");
    }
}

static void dnshound_obj(dh_strbuf_t *sb, const dh_detection_t *d, double confidence)
{
    const dh_attack_t *a = d->attack ? d->attack : &d->rule->attack;
    dh_json_open_obj(sb, "dnshound");
    dh_json_kv_str(sb, "attack_version", a->version);
    if (a->detection_strategy)
        dh_json_kv_str(sb, "detection_strategy", a->detection_strategy);
    dh_json_kv_double(sb, "confidence", confidence);
    dh_json_kv_bool(sb, "client_is_resolver", d->client_is_resolver);
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
    dh_sb_putc(out, '{');
    dh_json_kv_str(out, "@timestamp", dh_time_format(d->fired_us, t));
    message(out, d);
    event_obj(out, d, risk);
    rule_obj(out, d);
    threat(out, d->attack ? d->attack : &d->rule->attack);
    entity_objs(out, d);
    dnshound_obj(out, d, confidence);
    dh_sb_puts(out, "}\n");
}
