/*
 * output-ocsf.c - OCSF Detection Finding and DNS Activity lines (see
 * output-ocsf.h; the mapping table is in README "OCSF").
 */
#include "output-ocsf.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util-community-id.h"
#include "util-dns.h"
#include "util-ip.h"
#include "util-mem.h"
#include "util-time.h"
#include "version.h"

enum { CLASS_DETECTION_FINDING = 2004, CLASS_DNS_ACTIVITY = 4003 };
enum { DNS_QUERY = 1, DNS_RESPONSE = 2, DNS_TRAFFIC = 6 };
enum { FINDING_CREATE = 1, FINDING_UPDATE = 2 };

static const char *const dns_activity_names[] = {
    [DNS_QUERY] = "Query", [DNS_RESPONSE] = "Response", [DNS_TRAFFIC] = "Traffic"};
static const char *const severity_names[] = {"Unknown", "Informational", "Low",
                                             "Medium",  "High",          "Critical"};
static const char *const direction_names[] = {"Unknown", "Inbound", "Outbound", "Lateral", "Local"};

/* ---- what both classes share ---------------------------------------------- */

/* activity_id .. type_name: the classification members every class has */
static void classification(dh_strbuf_t *sb, int class_uid, const char *class_name,
                           const char *category_name, int activity, const char *activity_name)
{
    dh_json_kv_int(sb, "activity_id", activity);
    dh_json_kv_str(sb, "activity_name", activity_name);
    dh_json_kv_int(sb, "category_uid", class_uid / 1000);
    dh_json_kv_str(sb, "category_name", category_name);
    dh_json_kv_int(sb, "class_uid", class_uid);
    dh_json_kv_str(sb, "class_name", class_name);
    dh_json_kv_int(sb, "type_uid", (int64_t)class_uid * 100 + activity);
    dh_json_key(sb, "type_name");
    char type_name[96];
    snprintf(type_name, sizeof(type_name), "%s: %s", class_name, activity_name);
    dh_json_string(sb, type_name, strlen(type_name));
}

static void severity(dh_strbuf_t *sb, int id)
{
    if (id < 0 || id > 5) {
        dh_json_kv_int(sb, "severity_id", 99);
        dh_json_kv_str(sb, "severity", "Other");
        return;
    }
    dh_json_kv_int(sb, "severity_id", id);
    dh_json_kv_str(sb, "severity", severity_names[id]);
}

/* metadata: the schema version, the product, the record's own uid */
static void metadata(dh_strbuf_t *sb, const char *uid, const char *log_name, const char *profile)
{
    dh_json_open_obj(sb, "metadata");
    dh_json_kv_str(sb, "version", DH_OCSF_VERSION);
    dh_json_open_obj(sb, "product");
    dh_json_kv_str(sb, "name", "dnshound");
    dh_json_kv_str(sb, "vendor_name", "dnshound");
    dh_json_kv_str(sb, "version", DH_VERSION);
    dh_sb_putc(sb, '}');
    if (profile) {
        dh_json_open_arr(sb, "profiles");
        dh_json_string(sb, profile, strlen(profile));
        dh_sb_putc(sb, ']');
    }
    if (uid)
        dh_json_kv_str(sb, "uid", uid);
    if (log_name)
        dh_json_kv_str(sb, "log_name", log_name);
    dh_sb_putc(sb, '}');
}

/* Where an address is: the direction of a connection depends on which end
   is inside (RFC 1918, CGNAT, link-local, ULA) and which is not. */
enum { SCOPE_UNKNOWN, SCOPE_LOOPBACK, SCOPE_INTERNAL, SCOPE_EXTERNAL };

static int v4_scope(const uint8_t *b)
{
    if (b[0] == 127)
        return SCOPE_LOOPBACK;
    if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
        (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xc0) == 64))
        return SCOPE_INTERNAL;
    return SCOPE_EXTERNAL;
}

static int addr_scope(const dh_addr_t *a)
{
    static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t loopback6[16] = {[15] = 1};
    if (a->family == DH_AF_INET)
        return v4_scope(a->bytes);
    if (a->family != DH_AF_INET6)
        return SCOPE_UNKNOWN;
    if (memcmp(a->bytes, v4_mapped, sizeof(v4_mapped)) == 0)
        return v4_scope(a->bytes + 12);
    if (memcmp(a->bytes, loopback6, sizeof(loopback6)) == 0)
        return SCOPE_LOOPBACK;
    if ((a->bytes[0] & 0xfe) == 0xfc || (a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80))
        return SCOPE_INTERNAL;
    return SCOPE_EXTERNAL;
}

/* direction_id of client -> server: 1 Inbound, 2 Outbound, 3 Lateral, 4 Local */
static int direction(const dh_addr_t *client, const dh_addr_t *server)
{
    int c = addr_scope(client), s = addr_scope(server);
    if (c == SCOPE_UNKNOWN || s == SCOPE_UNKNOWN)
        return 0;
    if (c == SCOPE_LOOPBACK && s == SCOPE_LOOPBACK)
        return 4;
    if (c != SCOPE_EXTERNAL && s != SCOPE_EXTERNAL)
        return 3;
    if (c != SCOPE_EXTERNAL)
        return 2;
    return s != SCOPE_EXTERNAL ? 1 : 0; /* both outside: transit, seen by a sensor */
}

/* connection_info members but uid (direction_id is required) */
static void connection_members(dh_strbuf_t *sb, const char *community_id, int dir,
                               const char *transport, int family)
{
    if (community_id)
        dh_json_kv_str(sb, "community_uid", community_id);
    dh_json_kv_str(sb, "direction", direction_names[dir]);
    dh_json_kv_int(sb, "direction_id", dir);
    if (transport) {
        dh_json_kv_str(sb, "protocol_name", transport);
        if (strcmp(transport, "udp") == 0 || strcmp(transport, "tcp") == 0)
            dh_json_kv_int(sb, "protocol_num", transport[0] == 'u' ? 17 : 6);
    }
    if (family == DH_AF_INET || family == DH_AF_INET6)
        dh_json_kv_int(sb, "protocol_ver_id", family);
}

/* ---- DNS Activity (4003), straight from the event ---------------------- */

static int64_t ms(int64_t us)
{
    return us / 1000; /* event times are after 1970 (dh_time_in_range) */
}

/* A request without its response is a Query; a response whose request was
   not seen (no round-trip time) a Response; both a Traffic. */
static int dns_activity(const dh_event_t *ev)
{
    if (!ev->has_response)
        return DNS_QUERY;
    return ev->rtt_us >= 0 ? DNS_TRAFFIC : DNS_RESPONSE;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* metadata.uid: a hash of what tells one transaction from another, so a
   replay gives every event the uid it had before */
static void event_uid(const dh_event_t *ev, char out[17])
{
    uint64_t h = 14695981039346656037ULL;
    h = fnv(h, &ev->ts_us, sizeof(ev->ts_us));
    h = fnv(h, &ev->client, sizeof(ev->client));
    h = fnv(h, &ev->client_port, sizeof(ev->client_port));
    h = fnv(h, &ev->server, sizeof(ev->server));
    h = fnv(h, &ev->trans_id, sizeof(ev->trans_id));
    h = fnv(h, &ev->sensor, sizeof(ev->sensor));
    if (ev->has_qname)
        h = fnv(h, ev->qname, ev->qname_len);
    if (ev->uid)
        h = fnv(h, ev->uid, ev->uid_len);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* An endpoint needs a name of some kind (ip, hostname, svc_name...): the
   client is written when its address is known; the server always, as the
   DNS service it is, whether or not the log gave its address. */
static void endpoint(dh_strbuf_t *sb, const char *key, const dh_addr_t *a, int32_t port,
                     const char *svc_name)
{
    char ip[DH_ADDR_STRLEN];
    if (a->family == DH_AF_UNSET && !svc_name)
        return;
    dh_json_open_obj(sb, key);
    if (a->family != DH_AF_UNSET)
        dh_json_kv_str(sb, "ip", dh_addr_format(a, ip));
    if (port >= 0)
        dh_json_kv_int(sb, "port", port);
    if (svc_name)
        dh_json_kv_str(sb, "svc_name", svc_name);
    dh_sb_putc(sb, '}');
}

static const char *transport_name(uint8_t t)
{
    return t == DH_TRANSPORT_UDP ? "udp" : t == DH_TRANSPORT_TCP ? "tcp" : NULL;
}

static void event_connection(dh_strbuf_t *sb, const dh_event_t *ev)
{
    char cid[DH_COMMUNITY_ID_LEN];
    const char *community = NULL;
    if (ev->transport != DH_TRANSPORT_UNKNOWN && ev->client_port >= 0 && ev->server_port >= 0 &&
        dh_community_id(&ev->client, (uint16_t)ev->client_port, &ev->server,
                        (uint16_t)ev->server_port, ev->transport, 0, cid) == 0)
        community = cid;
    dh_json_open_obj(sb, "connection_info");
    connection_members(sb, community, direction(&ev->client, &ev->server),
                       transport_name(ev->transport), ev->client.family);
    if (ev->uid) /* a Zeek uid or a Suricata flow_id names the connection */
        dh_json_kv_strn(sb, "uid", ev->uid, ev->uid_len);
    dh_sb_putc(sb, '}');
}

/* An RR type or class by its mnemonic, else RFC 3597's TYPEnn / CLASSnn */
static void rr_word(dh_strbuf_t *sb, const char *key, const char *name, const char *prefix,
                    int32_t v)
{
    char tmp[24];
    if (v < 0)
        return;
    if (!name) {
        snprintf(tmp, sizeof(tmp), "%s%d", prefix, (int)v);
        name = tmp;
    }
    dh_json_kv_str(sb, key, name);
}

static void dns_query(dh_strbuf_t *sb, const dh_event_t *ev)
{
    static const char *const opcodes[] = {"Query",  "Inverse Query", "Status",     "Reserved",
                                          "Notify", "Update",        "DSO Message"};
    if (!ev->has_qname)
        return; /* query.hostname is required: a response-only record has none */
    dh_json_open_obj(sb, "query");
    if (ev->qname_len)
        dh_json_kv_strn(sb, "hostname", ev->qname, ev->qname_len);
    else
        dh_json_kv_str(sb, "hostname", "."); /* the root zone */
    rr_word(sb, "type", dh_qtype_name(ev->qtype), "TYPE", ev->qtype);
    rr_word(sb, "class", dh_qclass_name(ev->qclass), "CLASS", ev->qclass);
    if (ev->trans_id >= 0)
        dh_json_kv_int(sb, "packet_uid", ev->trans_id);
    if (ev->opcode >= 0) {
        bool known = ev->opcode < (int32_t)(sizeof(opcodes) / sizeof(opcodes[0]));
        dh_json_kv_int(sb, "opcode_id", known ? ev->opcode : 99);
        if (known)
            dh_json_kv_str(sb, "opcode", opcodes[ev->opcode]);
    }
    dh_sb_putc(sb, '}');
}

/* dns_answer.flag_ids: the header flags that were set (1 AA, 2 TC, 3 RD, 4 RA) */
static void answer_flags(dh_strbuf_t *sb, const dh_event_t *ev)
{
    static const uint16_t bits[] = {DH_FLAG_AA, DH_FLAG_TC, DH_FLAG_RD, DH_FLAG_RA};
    uint16_t set = ev->flags & ev->flags_known;
    if (!(set & (DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_RD | DH_FLAG_RA)))
        return;
    dh_json_open_arr(sb, "flag_ids");
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (set & bits[i]) {
            dh_json_sep(sb);
            dh_sb_printf(sb, "%zu", i + 1);
        }
    dh_sb_putc(sb, ']');
}

/* answers[]: the answer section's records with data (rdata is required);
   the authority and additional sections have no OCSF attribute */
static uint32_t dns_answers(dh_strbuf_t *sb, const dh_event_t *ev)
{
    uint32_t elsewhere = 0;
    bool open = false;
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        const dh_answer_t *a = &ev->answers[i];
        if (a->section != DH_SECTION_ANSWER || !a->data) {
            elsewhere += a->section != DH_SECTION_ANSWER;
            continue;
        }
        if (!open)
            dh_json_open_arr(sb, "answers");
        open = true;
        dh_json_open_obj(sb, NULL);
        dh_json_kv_strn(sb, "rdata", a->data, a->data_len);
        rr_word(sb, "type", dh_qtype_name(a->rrtype), "TYPE", a->rrtype);
        if (a->ttl >= 0)
            dh_json_kv_int(sb, "ttl", a->ttl > INT32_MAX ? INT32_MAX : a->ttl);
        if (ev->trans_id >= 0)
            dh_json_kv_int(sb, "packet_uid", ev->trans_id);
        answer_flags(sb, ev);
        dh_sb_putc(sb, '}');
    }
    if (open)
        dh_sb_putc(sb, ']');
    return elsewhere;
}

/* rcode_id: the RFC 6895 codes OCSF names, then its Unassigned (24) and
   Reserved (25) ranges */
static void dns_rcode(dh_strbuf_t *sb, int32_t rcode)
{
    static const char *const names[] = {
        "NoError",     "FormError", "ServError", "NXDomain", "NotImp",   "Refused",
        "YXDomain",    "YXRRSet",   "NXRRSet",   "NotAuth",  "NotZone",  "DSOTYPENI",
        NULL,          NULL,        NULL,        NULL,       "BADSIG_VERS", "BADKEY",
        "BADTIME",     "BADMODE",   "BADNAME",   "BADALG",   "BADTRUNC", "BADCOOKIE"};
    int id;
    const char *name;
    if (rcode < 0)
        return;
    if (rcode < 24 && names[rcode]) {
        id = rcode;
        name = names[rcode];
    } else if ((rcode >= 3841 && rcode <= 4095) || rcode == 65535) {
        id = 25;
        name = "Reserved";
    } else if (rcode <= 65535) {
        id = 24;
        name = "Unassigned";
    } else {
        id = 99;
        name = "Other";
    }
    dh_json_kv_int(sb, "rcode_id", id);
    dh_json_kv_str(sb, "rcode", name);
}

static const char *sensor_name(uint8_t s)
{
    return s == DH_SENSOR_ZEEK ? "zeek" : s == DH_SENSOR_SURICATA ? "suricata" : "unknown";
}

/* What the event knows and DNS Activity has no attribute for */
static void event_unmapped(dh_strbuf_t *sb, const dh_event_t *ev, uint32_t elsewhere)
{
    dh_json_open_obj(sb, "unmapped");
    dh_json_kv_str(sb, "sensor", sensor_name(ev->sensor));
    if (ev->registered_domain)
        dh_json_kv_str(sb, "registered_domain", ev->registered_domain);
    if (ev->rtt_us >= 0)
        dh_json_kv_int(sb, "rtt_us", ev->rtt_us);
    if (ev->rejected >= 0)
        dh_json_kv_bool(sb, "rejected", ev->rejected == 1);
    if (elsewhere)
        dh_json_kv_uint(sb, "authority_additional_records", elsewhere);
    if (ev->answers_dropped)
        dh_json_kv_uint(sb, "answers_dropped", ev->answers_dropped);
    dh_sb_putc(sb, '}');
}

/* The members every DNS Activity of an activity starts with, as one
   literal: events are many, and these are the same bytes each time
   (classification() and severity() would write them; a unit test holds
   the two equal). */
#define DNS_HEAD(id, name)                                                                    \
    "{\"activity_id\":" #id ",\"activity_name\":\"" name "\",\"category_uid\":4,"               \
    "\"category_name\":\"Network Activity\",\"class_uid\":4003,\"class_name\":\"DNS Activity\","  \
    "\"type_uid\":40030" #id ",\"type_name\":\"DNS Activity: " name "\",\"severity_id\":1,"      \
    "\"severity\":\"Informational\""
static const char *const dns_heads[] = {
    [DNS_QUERY] = DNS_HEAD(1, "Query"),
    [DNS_RESPONSE] = DNS_HEAD(2, "Response"),
    [DNS_TRAFFIC] = DNS_HEAD(6, "Traffic"),
};
/* metadata up to its uid's value (metadata() writes the same) */
static const char event_metadata[] =
    "\"metadata\":{\"version\":\"" DH_OCSF_VERSION "\",\"product\":{\"name\":\"dnshound\","
    "\"vendor_name\":\"dnshound\",\"version\":\"" DH_VERSION "\"},\"uid\":\"";

void dh_ocsf_dns_head(int activity, dh_strbuf_t *out)
{
    dh_sb_putc(out, '{');
    classification(out, CLASS_DNS_ACTIVITY, "DNS Activity", "Network Activity", activity,
                   dns_activity_names[activity]);
    severity(out, 1);
}

void dh_ocsf_event(const dh_event_t *ev, dh_strbuf_t *out)
{
    char uid[17];
    int act = dns_activity(ev);
    int64_t t = ms(ev->ts_us);
    dh_sb_puts(out, dns_heads[act]);
    dh_json_kv_int(out, "time", t);
    if (act != DNS_RESPONSE)
        dh_json_kv_int(out, "query_time", t);
    if (ev->rtt_us >= 0)
        dh_json_kv_int(out, "response_time", ms(ev->ts_us + ev->rtt_us));
    else if (act == DNS_RESPONSE)
        dh_json_kv_int(out, "response_time", t);
    event_uid(ev, uid);
    dh_sb_putc(out, ',');
    dh_sb_put(out, event_metadata, sizeof(event_metadata) - 1);
    dh_sb_put(out, uid, 16);
    dh_sb_puts(out, "\"}");
    endpoint(out, "src_endpoint", &ev->client, ev->client_port, NULL);
    endpoint(out, "dst_endpoint", &ev->server, ev->server_port, "dns");
    event_connection(out, ev);
    dns_query(out, ev);
    uint32_t elsewhere = dns_answers(out, ev);
    dns_rcode(out, ev->rcode);
    event_unmapped(out, ev, elsewhere);
    dh_sb_puts(out, "}\n");
}

/* ---- Detection Finding (2004), mapped from the ECS line ----------------- */

/* The ECS members the mapping reads, each detached from the parsed line
   (take), so what is left of the line afterwards is exactly what OCSF has
   no attribute for: `unmapped`. */
typedef struct {
    cJSON *ts, *message, *id, *kind, *risk, *sev, *start, *end, *dataset;
    cJSON *rule_name, *rule_uuid, *rule_id, *rule_version, *rule_desc, *rule_ref, *ruleset;
    cJSON *framework, *tactic, *technique;
    cJSON *src_ip, *src_port, *dst_ip, *dst_port, *transport, *community_id;
    cJSON *qname, *qtype;
    cJSON *confidence, *update, *attack_version;
} ecs_t;

/* Detach the member at the dotted path (up to 3 parts); a parent left empty
   goes too. NULL when there is none. */
static cJSON *take(cJSON *root, const char *path)
{
    char part[3][40];
    int n = sscanf(path, "%39[^.].%39[^.].%39s", part[0], part[1], part[2]);
    cJSON *chain[3] = {root, NULL, NULL};
    for (int i = 0; i < n - 1; i++) {
        chain[i + 1] = cJSON_GetObjectItemCaseSensitive(chain[i], part[i]);
        if (!cJSON_IsObject(chain[i + 1]))
            return NULL;
    }
    cJSON *leaf = cJSON_DetachItemFromObjectCaseSensitive(chain[n - 1], part[n - 1]);
    for (int i = n - 1; leaf && i > 0 && chain[i]->child == NULL; i--)
        cJSON_DeleteItemFromObjectCaseSensitive(chain[i - 1], part[i - 1]);
    return leaf;
}

static void take_all(cJSON *d, ecs_t *e)
{
    *e = (ecs_t){
        .ts = take(d, "@timestamp"),         .message = take(d, "message"),
        .id = take(d, "event.id"),           .kind = take(d, "event.kind"),
        .risk = take(d, "event.risk_score"), .sev = take(d, "event.severity"),
        .start = take(d, "event.start"),     .end = take(d, "event.end"),
        .dataset = take(d, "event.dataset"), .rule_name = take(d, "rule.name"),
        .rule_uuid = take(d, "rule.uuid"),   .rule_version = take(d, "rule.version"),
        .rule_desc = take(d, "rule.description"), .rule_ref = take(d, "rule.reference"),
        .ruleset = take(d, "rule.ruleset"),  .framework = take(d, "threat.framework"),
        .tactic = take(d, "threat.tactic"),  .technique = take(d, "threat.technique"),
        .src_ip = take(d, "source.ip"),      .src_port = take(d, "source.port"),
        .dst_ip = take(d, "destination.ip"), .dst_port = take(d, "destination.port"),
        .transport = take(d, "network.transport"),
        .community_id = take(d, "network.community_id"),
        .qname = take(d, "dns.question.name"), .qtype = take(d, "dns.question.type"),
        .confidence = take(d, "dnshound.confidence"), .update = take(d, "dnshound.update"),
        .attack_version = take(d, "dnshound.attack_version"),
    };
    /* rule.id is the analytic's uid until rule.uuid exists; then it is
       ECS's own rule id and stays unmapped */
    if (!e->rule_uuid)
        e->rule_id = take(d, "rule.id");
}

static void free_all(ecs_t *e)
{
    cJSON **f = (cJSON **)e;
    for (size_t i = 0; i < sizeof(*e) / sizeof(cJSON *); i++)
        cJSON_Delete(f[i]);
}

static const char *str(const cJSON *j)
{
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

static const cJSON *at_path(const cJSON *j, const char *a, const char *b)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, a), b);
}

/* A string of the ECS line as it was meant. cJSON gives the text with
   util-json.h's renderings in it (\xNN a byte that is no UTF-8, \x5c a
   backslash before an x); decoded back to those bytes, dh_json_string
   renders them again exactly as the ECS line had them (escaping the text
   as it stands would write each of its backslashes \x5c). */
static void put_text(dh_strbuf_t *sb, const char *s)
{
    size_t len = strlen(s);
    if (!memchr(s, '\\', len)) {
        dh_json_string(sb, s, len);
        return;
    }
    char *bytes = dh_malloc(len);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        long v = s[i] == '\\' && i + 4 <= len && s[i + 1] == 'x' ? dh_hex_value(s + i + 2, 2) : -1;
        if (v >= 0) {
            bytes[n++] = (char)v;
            i += 3;
        } else {
            bytes[n++] = s[i];
        }
    }
    dh_json_string(sb, bytes, n);
    free(bytes);
}

static void kv_text(dh_strbuf_t *sb, const char *key, const char *s)
{
    dh_json_key(sb, key);
    put_text(sb, s);
}

/* A string member, or the first string of an array member */
static const char *first_str(const cJSON *j)
{
    return cJSON_IsArray(j) ? str(cJSON_GetArrayItem(j, 0)) : str(j);
}

static void kv_cstr(dh_strbuf_t *sb, const char *key, const cJSON *j)
{
    if (str(j))
        kv_text(sb, key, str(j));
}

/* ISO 8601 member -> epoch milliseconds under key (nothing when absent) */
static bool iso_ms(const cJSON *j, int64_t *out)
{
    int64_t us;
    if (!str(j) || dh_time_parse_iso8601(str(j), strlen(str(j)), &us) != 0)
        return false;
    *out = ms(us);
    return true;
}

static void kv_time(dh_strbuf_t *sb, const char *key, const cJSON *j)
{
    int64_t t;
    if (iso_ms(j, &t))
        dh_json_kv_int(sb, key, t);
}

/* Any cJSON value, escaped as every dnshound output is (util-json.h) */
static void put_json(dh_strbuf_t *sb, const cJSON *j)
{
    if (cJSON_IsObject(j)) {
        dh_sb_putc(sb, '{');
        for (const cJSON *c = j->child; c; c = c->next) {
            dh_json_key(sb, c->string);
            put_json(sb, c);
        }
        dh_sb_putc(sb, '}');
    } else if (cJSON_IsArray(j)) {
        dh_sb_putc(sb, '[');
        for (const cJSON *c = j->child; c; c = c->next) {
            dh_json_sep(sb);
            put_json(sb, c);
        }
        dh_sb_putc(sb, ']');
    } else if (cJSON_IsString(j)) {
        put_text(sb, j->valuestring);
    } else if (cJSON_IsNumber(j)) {
        dh_json_double(sb, j->valuedouble);
    } else {
        dh_sb_puts(sb, cJSON_IsTrue(j) ? "true" : cJSON_IsFalse(j) ? "false" : "null");
    }
}

/* risk_score 0-100 in the bands of Elastic's severity mapping (21, 47, 73, 99) */
static void risk(dh_strbuf_t *sb, const cJSON *j)
{
    static const char *const levels[] = {"Info", "Low", "Medium", "High", "Critical"};
    if (!cJSON_IsNumber(j))
        return;
    long score = lround(j->valuedouble);
    int level = score < 21 ? 0 : score < 47 ? 1 : score < 73 ? 2 : score < 99 ? 3 : 4;
    dh_json_kv_int(sb, "risk_score", score);
    dh_json_kv_int(sb, "risk_level_id", level);
    dh_json_kv_str(sb, "risk_level", levels[level]);
}

/* dnshound.confidence 0-1 -> confidence_score 0-100, thirds as Low/Medium/High */
static void confidence(dh_strbuf_t *sb, const cJSON *j)
{
    static const char *const names[] = {"Unknown", "Low", "Medium", "High"};
    if (!cJSON_IsNumber(j))
        return;
    double c = j->valuedouble;
    int id = c < 1.0 / 3 ? 1 : c < 2.0 / 3 ? 2 : 3;
    dh_json_kv_int(sb, "confidence_id", id);
    dh_json_kv_str(sb, "confidence", names[id]);
    dh_json_kv_int(sb, "confidence_score", lround(c * 100));
}

/* {"uid":..,"name":..,"src_url":..} of entry i of an ECS tactic/technique object */
static void attack_ref(dh_strbuf_t *sb, const char *key, const cJSON *ref, int i)
{
    const char *uid = str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ref, "id"), i));
    const char *name = str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ref, "name"), i));
    const char *url = str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ref, "reference"), i));
    if (!uid && !name)
        return;
    dh_json_open_obj(sb, key);
    if (name)
        kv_text(sb, "name", name);
    if (uid)
        kv_text(sb, "uid", uid);
    if (url)
        kv_text(sb, "src_url", url);
    dh_sb_putc(sb, '}');
}

static int count(const cJSON *ref)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ref, "id"));
}

static void one_attack(dh_strbuf_t *sb, const ecs_t *e, int tech, const cJSON *subs, int sub)
{
    int n_tac = count(e->tactic);
    dh_json_open_obj(sb, NULL);
    /* ECS lists tactics and techniques apart: one a technique when they pair up */
    attack_ref(sb, "tactic", e->tactic, n_tac == count(e->technique) ? tech : 0);
    attack_ref(sb, "technique", e->technique, tech);
    if (subs)
        attack_ref(sb, "sub_technique", subs, sub);
    kv_cstr(sb, "version", e->attack_version);
    dh_sb_putc(sb, '}');
}

/* attacks[]: one a sub-technique (with its technique), one a technique
   without any */
static void attacks(dh_strbuf_t *sb, const ecs_t *e)
{
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(e->technique, "subtechnique");
    const cJSON *sub_ids = cJSON_GetObjectItemCaseSensitive(subs, "id");
    int n_tech = count(e->technique), n_sub = count(subs);
    if (!n_tech && !count(e->tactic))
        return;
    dh_json_open_arr(sb, "attacks");
    if (!n_tech)
        one_attack(sb, e, 0, NULL, 0);
    for (int t = 0; t < n_tech; t++) {
        const char *tid = str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e->technique, "id"), t));
        size_t tlen = tid ? strlen(tid) : 0;
        bool any = false;
        for (int s = 0; s < n_sub; s++) {
            const char *sid = str(cJSON_GetArrayItem(sub_ids, s));
            if (tid && sid && strncmp(sid, tid, tlen) == 0 && sid[tlen] == '.') {
                one_attack(sb, e, t, subs, s);
                any = true;
            }
        }
        if (!any)
            one_attack(sb, e, t, NULL, 0);
    }
    dh_sb_putc(sb, ']');
}

/* An incident's findings (dnshound.evidence.findings[]: id, rule,
   @timestamp), linked by id as OCSF related events; the evidence itself
   stays in unmapped. */
static void related_events(dh_strbuf_t *sb, const cJSON *rest)
{
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(rest, "dnshound"), "evidence");
    const cJSON *findings = cJSON_GetObjectItemCaseSensitive(ev, "findings");
    const cJSON *f;
    bool open = false;
    cJSON_ArrayForEach(f, findings)
    {
        const char *id = str(cJSON_GetObjectItemCaseSensitive(f, "id"));
        if (!id)
            continue;
        if (!open)
            dh_json_open_arr(sb, "related_events");
        open = true;
        dh_json_open_obj(sb, NULL);
        kv_text(sb, "uid", id);
        kv_cstr(sb, "title", cJSON_GetObjectItemCaseSensitive(f, "rule"));
        kv_time(sb, "created_time", cJSON_GetObjectItemCaseSensitive(f, "@timestamp"));
        dh_json_kv_int(sb, "type_uid", (int64_t)CLASS_DETECTION_FINDING * 100 + FINDING_CREATE);
        dh_json_kv_str(sb, "type_name", "Detection Finding: Create");
        dh_sb_putc(sb, '}');
    }
    if (!open)
        return;
    dh_sb_putc(sb, ']');
    const cJSON *linked = cJSON_GetObjectItemCaseSensitive(ev, "findings_linked");
    dh_json_kv_int(sb, "related_events_count",
                   cJSON_IsNumber(linked) ? (int64_t)linked->valuedouble
                                          : cJSON_GetArraySize(findings));
}

static void finding_info(dh_strbuf_t *sb, const ecs_t *e, int activity, const cJSON *rest)
{
    dh_json_open_obj(sb, "finding_info");
    kv_cstr(sb, "uid", e->id);
    kv_cstr(sb, "title", e->rule_desc ? e->rule_desc : e->rule_name);
    kv_cstr(sb, "desc", e->message);
    if (str(e->rule_name)) {
        dh_json_open_arr(sb, "types");
        put_text(sb, str(e->rule_name));
        dh_sb_putc(sb, ']');
    }
    kv_time(sb, "first_seen_time", e->start);
    kv_time(sb, "last_seen_time", e->end);
    kv_time(sb, activity == FINDING_CREATE ? "created_time" : "modified_time", e->ts);
    if (first_str(e->rule_ref))
        kv_text(sb, "src_url", first_str(e->rule_ref));
    dh_json_open_obj(sb, "analytic");
    kv_cstr(sb, "name", e->rule_name);
    kv_cstr(sb, "uid", e->rule_uuid ? e->rule_uuid : e->rule_id);
    dh_json_kv_int(sb, "type_id", 1);
    dh_json_kv_str(sb, "type", "Rule");
    if (cJSON_IsNumber(e->rule_version) || str(e->rule_version)) {
        dh_json_key(sb, "version"); /* a string in OCSF, whatever ECS had */
        char v[32];
        if (str(e->rule_version))
            put_text(sb, str(e->rule_version));
        else {
            snprintf(v, sizeof(v), "%g", e->rule_version->valuedouble);
            dh_json_string(sb, v, strlen(v));
        }
    }
    kv_cstr(sb, "category", e->ruleset);
    dh_sb_putc(sb, '}');
    attacks(sb, e);
    related_events(sb, rest);
    dh_sb_putc(sb, '}');
}

static int port_of(const cJSON *j)
{
    return cJSON_IsNumber(j) && j->valuedouble >= 0 && j->valuedouble <= 65535 ? (int)j->valuedouble
                                                                               : -1;
}

static void ecs_endpoint(dh_strbuf_t *sb, const char *key, const cJSON *ip, const cJSON *port)
{
    if (!str(ip))
        return; /* a port alone names no endpoint (OCSF wants an ip, a name...) */
    dh_json_open_obj(sb, key);
    kv_cstr(sb, "ip", ip);
    if (port_of(port) >= 0)
        dh_json_kv_int(sb, "port", port_of(port));
    dh_sb_putc(sb, '}');
}

static dh_addr_t parse_ip(const cJSON *j)
{
    dh_addr_t a = {.family = DH_AF_UNSET};
    if (str(j))
        (void)dh_addr_parse(str(j), strlen(str(j)), &a); /* unparsed: unset */
    return a;
}

/* evidences[0]: the client, the resolver, the name, the connection */
static void evidences(dh_strbuf_t *sb, const ecs_t *e)
{
    if (!str(e->src_ip) && !str(e->dst_ip) && !str(e->qname))
        return;
    dh_json_open_arr(sb, "evidences");
    dh_json_open_obj(sb, NULL);
    ecs_endpoint(sb, "src_endpoint", e->src_ip, e->src_port);
    ecs_endpoint(sb, "dst_endpoint", e->dst_ip, e->dst_port);
    if (str(e->qname)) {
        dh_json_open_obj(sb, "query");
        kv_text(sb, "hostname", str(e->qname)[0] ? str(e->qname) : ".");
        kv_cstr(sb, "type", e->qtype);
        dh_sb_putc(sb, '}');
    }
    if (str(e->transport) || str(e->community_id)) { /* else nothing to say of it */
        dh_addr_t client = parse_ip(e->src_ip), server = parse_ip(e->dst_ip);
        dh_json_open_obj(sb, "connection_info");
        connection_members(sb, str(e->community_id), direction(&client, &server),
                           str(e->transport), client.family);
        dh_sb_putc(sb, '}');
    }
    dh_sb_puts(sb, "}]");
}

static void observable(dh_strbuf_t *sb, const char *name, int type_id, const char *value)
{
    dh_json_open_obj(sb, NULL);
    dh_json_kv_str(sb, "name", name);
    dh_json_kv_int(sb, "type_id", type_id);
    dh_json_kv_str(sb, "type", type_id == 1 ? "Hostname" : "IP Address");
    kv_text(sb, "value", value);
    dh_sb_putc(sb, '}');
}

static bool same(const char *a, const cJSON *b)
{
    return str(b) && strcmp(a, str(b)) == 0;
}

/* observables: the mapped client, resolver and name, then each other
   address or host name of ECS related.* (which stays in unmapped) */
static void observables(dh_strbuf_t *sb, const ecs_t *e, const cJSON *rest)
{
    const cJSON *related = cJSON_GetObjectItemCaseSensitive(rest, "related");
    const cJSON *ips = cJSON_GetObjectItemCaseSensitive(related, "ip");
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(related, "hosts");
    const cJSON *j;
    if (!str(e->src_ip) && !str(e->dst_ip) && !str(e->qname) && !cJSON_GetArraySize(ips) &&
        !cJSON_GetArraySize(hosts))
        return;
    dh_json_open_arr(sb, "observables");
    if (str(e->src_ip))
        observable(sb, "evidences.src_endpoint.ip", 2, str(e->src_ip));
    if (str(e->dst_ip))
        observable(sb, "evidences.dst_endpoint.ip", 2, str(e->dst_ip));
    if (str(e->qname) && str(e->qname)[0])
        observable(sb, "evidences.query.hostname", 1, str(e->qname));
    cJSON_ArrayForEach(j, ips)
    {
        if (str(j) && !same(str(j), e->src_ip) && !same(str(j), e->dst_ip))
            observable(sb, "unmapped.related.ip", 2, str(j));
    }
    cJSON_ArrayForEach(j, hosts)
    {
        if (str(j) && !same(str(j), e->qname))
            observable(sb, "unmapped.related.hosts", 1, str(j));
    }
    dh_sb_putc(sb, ']');
}

/* The OCSF name of the ECS field an indicator matched: the query name is
   mapped, anything else sits under unmapped with its ECS path */
static void matched_name(dh_strbuf_t *sb, const char *field)
{
    char name[128];
    if (strcmp(field, "dns.question.name") == 0)
        snprintf(name, sizeof(name), "evidences.query.hostname");
    else
        snprintf(name, sizeof(name), "unmapped.%s", field);
    kv_text(sb, "name", name);
}

/* enrichments[]: ECS threat.enrichments (an intel match: what matched,
   where, and the indicator), which stays in unmapped as well */
static void enrichments(dh_strbuf_t *sb, const cJSON *rest)
{
    const cJSON *list = at_path(rest, "threat", "enrichments");
    const cJSON *x;
    bool open = false;
    cJSON_ArrayForEach(x, list)
    {
        const cJSON *ind = cJSON_GetObjectItemCaseSensitive(x, "indicator");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(x, "matched");
        const char *field = str(cJSON_GetObjectItemCaseSensitive(m, "field"));
        const char *atomic = str(cJSON_GetObjectItemCaseSensitive(m, "atomic"));
        if (!field || !atomic || !cJSON_IsObject(ind))
            continue;
        if (!open)
            dh_json_open_arr(sb, "enrichments");
        open = true;
        dh_json_open_obj(sb, NULL);
        matched_name(sb, field);
        kv_text(sb, "value", atomic);
        dh_json_key(sb, "data");
        put_json(sb, ind);
        kv_cstr(sb, "type", cJSON_GetObjectItemCaseSensitive(ind, "type"));
        kv_cstr(sb, "provider", cJSON_GetObjectItemCaseSensitive(ind, "provider"));
        kv_cstr(sb, "desc", cJSON_GetObjectItemCaseSensitive(ind, "description"));
        dh_sb_putc(sb, '}');
    }
    if (open)
        dh_sb_putc(sb, ']');
}

/* uid of this record: the finding's for its Create, the finding's and the
   time of the update for an Update (both lines are one finding) */
static void record_uid(const ecs_t *e, int activity, char *out, size_t n)
{
    int64_t t = 0;
    if (activity == FINDING_UPDATE && iso_ms(e->ts, &t))
        snprintf(out, n, "%s:%lld", str(e->id) ? str(e->id) : "", (long long)t);
    else
        snprintf(out, n, "%s", str(e->id) ? str(e->id) : "");
}

static void finding(dh_strbuf_t *sb, const ecs_t *e, const cJSON *rest)
{
    int act = cJSON_IsTrue(e->update) ? FINDING_UPDATE : FINDING_CREATE;
    char uid[96];
    dh_sb_putc(sb, '{');
    classification(sb, CLASS_DETECTION_FINDING, "Detection Finding", "Findings", act,
                   act == FINDING_CREATE ? "Create" : "Update");
    severity(sb, cJSON_IsNumber(e->sev) ? (int)e->sev->valuedouble : 0);
    kv_time(sb, "time", e->ts);
    kv_time(sb, "start_time", e->start);
    kv_time(sb, "end_time", e->end);
    kv_cstr(sb, "message", e->message);
    dh_json_kv_int(sb, "status_id", 1);
    dh_json_kv_str(sb, "status", "New");
    dh_json_kv_bool(sb, "is_alert", same("alert", e->kind));
    /* the security_control profile: a detector observes, it never blocks */
    dh_json_kv_int(sb, "action_id", 3);
    dh_json_kv_str(sb, "action", "Observed");
    dh_json_kv_int(sb, "disposition_id", 15);
    dh_json_kv_str(sb, "disposition", "Detected");
    confidence(sb, e->confidence);
    risk(sb, e->risk);
    record_uid(e, act, uid, sizeof(uid));
    metadata(sb, uid, str(e->dataset), "security_control");
    finding_info(sb, e, act, rest);
    evidences(sb, e);
    observables(sb, e, rest);
    enrichments(sb, rest);
    if (rest->child) {
        dh_json_key(sb, "unmapped");
        put_json(sb, rest);
    }
    dh_sb_puts(sb, "}\n");
}

int dh_ocsf_detection(const char *line, size_t len, dh_strbuf_t *out)
{
    cJSON *d = cJSON_ParseWithLength(line, len);
    if (!cJSON_IsObject(d)) {
        cJSON_Delete(d);
        return -1;
    }
    ecs_t e;
    take_all(d, &e);
    finding(out, &e, d);
    free_all(&e);
    cJSON_Delete(d);
    return 0;
}
