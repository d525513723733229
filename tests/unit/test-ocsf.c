/*
 * test-ocsf.c - the OCSF output (output-ocsf.h): detections of the demo
 * samples mapped from their ECS lines (what maps leaves the rest, the rest
 * stays under unmapped, a member added to the ECS line later is carried),
 * events of a real log as DNS Activity next to their ECS events, and the
 * edge values (root zone, unknown types, rcode ranges, no addresses).
 * Schema validity is the e2e tests' (tests/contract/ocsf_check.py).
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "event.h"
#include "output-ocsf.h"
#include "pipeline.h"
#include "util-time.h"

/* The output of one in-process run over path (free it). */
static char *run(const char *path, dh_emit_t emit, dh_schema_t schema, const char *early)
{
    char out[64], err[256];
    dh_options_t o;
    cap_temp_path(out, sizeof(out), "ocsf-out");
    cap_options(&o, out, NULL);
    o.core.emit = emit;
    o.sink.schema = schema;
    if (early)
        o.core.early_alerts = DH_EARLY_ON;
    dh_pipeline_t *pl = dh_pipeline_new(&o, err, sizeof(err));
    cr_assert_not_null(pl, "%s", err);
    cr_assert_gt(cap_feed_file(pl, path, path), 0);
    cr_assert_eq(dh_pipeline_finish(pl), 0);
    dh_pipeline_free(pl);
    char *text = cap_read(out, NULL);
    unlink(out);
    return text;
}

static const cJSON *at(const cJSON *j, const char *path)
{
    char part[64];
    while (j && *path) {
        size_t n = strcspn(path, ".");
        snprintf(part, sizeof(part), "%.*s", (int)n, path);
        j = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, atoi(part))
                             : cJSON_GetObjectItemCaseSensitive(j, part);
        path += n + (path[n] == '.');
    }
    return j;
}

static const char *s_at(const cJSON *j, const char *path)
{
    const cJSON *v = at(j, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double n_at(const cJSON *j, const char *path)
{
    const cJSON *v = at(j, path);
    cr_assert(cJSON_IsNumber(v), "%s is no number", path);
    return v->valuedouble;
}

static cJSON *map_line(const char *line, size_t len)
{
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    cr_assert_eq(dh_ocsf_detection(line, len, &sb), 0);
    cr_assert_eq(sb.buf[sb.len - 1], '\n');
    cJSON *o = cJSON_ParseWithLength(sb.buf, sb.len);
    cr_assert_not_null(o, "not JSON: %.*s", (int)sb.len, sb.buf);
    dh_sb_free(&sb);
    return o;
}

static int64_t iso_ms(const char *s)
{
    int64_t us;
    cr_assert_eq(dh_time_parse_iso8601(s, strlen(s), &us), 0, "%s", s);
    return us / 1000;
}

/* each detection of the run, mapped: the mapped members moved, the rest kept */
static void check_detection(const cJSON *e, const cJSON *o)
{
    cr_assert_eq(n_at(o, "class_uid"), 2004);
    cr_assert_eq(n_at(o, "category_uid"), 2);
    bool update = cJSON_IsTrue(at(e, "dnshound.update"));
    cr_assert_eq(n_at(o, "activity_id"), update ? 2 : 1);
    cr_assert_eq(n_at(o, "type_uid"), update ? 200402 : 200401);
    cr_assert_str_eq(s_at(o, "finding_info.uid"), s_at(e, "event.id"));
    cr_assert_str_eq(s_at(o, "finding_info.analytic.name"), s_at(e, "rule.name"));
    /* the rule file's uuid; rule.id while ECS had no rule.uuid */
    const char *uuid = s_at(e, "rule.uuid") ? s_at(e, "rule.uuid") : s_at(e, "rule.id");
    cr_assert_str_eq(s_at(o, "finding_info.analytic.uid"), uuid);
    cr_assert_eq(n_at(o, "time"), iso_ms(s_at(e, "@timestamp")));
    cr_assert_eq(n_at(o, "finding_info.first_seen_time"), iso_ms(s_at(e, "event.start")));
    cr_assert_eq(n_at(o, "severity_id"), n_at(e, "event.severity"));
    cr_assert_eq(n_at(o, "risk_score"), (int)(n_at(e, "event.risk_score") + 0.5));
    cr_assert_eq(n_at(o, "confidence_score"), (int)(n_at(e, "dnshound.confidence") * 100 + 0.5));
    cr_assert_str_eq(s_at(o, "finding_info.attacks.0.technique.uid"),
                     s_at(e, "threat.technique.id.0"));
    cr_assert_str_eq(s_at(o, "finding_info.attacks.0.version"), s_at(e, "dnshound.attack_version"));
    if (s_at(e, "source.ip"))
        cr_assert_str_eq(s_at(o, "evidences.0.src_endpoint.ip"), s_at(e, "source.ip"));
    if (s_at(e, "dns.question.name"))
        cr_assert_str_eq(s_at(o, "evidences.0.query.hostname"), s_at(e, "dns.question.name"));
    /* what maps is gone from unmapped, what does not is there unchanged */
    const cJSON *u = at(o, "unmapped");
    static const char *const moved[] = {"@timestamp", "message", "event.id", "event.severity",
                                        "rule.name", "rule.uuid", "threat.technique",
                                        "source.ip", "dnshound.confidence", "dnshound.update"};
    for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++)
        cr_assert_null(at(u, moved[i]), "%s is mapped, yet in unmapped", moved[i]);
    cr_assert(cJSON_Compare(at(u, "dnshound.evidence"), at(e, "dnshound.evidence"), true));
    cr_assert(cJSON_Compare(at(u, "event.category"), at(e, "event.category"), true));
}

Test(ocsf, demo_detections_map_from_their_ecs_lines)
{
    char *ecs = run("samples/demo-zeek-dns.log", DH_EMIT_DETECTIONS, DH_SCHEMA_ECS, "on");
    char *ocsf = run("samples/demo-zeek-dns.log", DH_EMIT_DETECTIONS, DH_SCHEMA_OCSF, "on");
    int n = cap_count(ecs, ""), updates = 0;
    cr_assert_gt(n, 5);
    cr_assert_eq(cap_count(ocsf, ""), n, "one OCSF line an ECS line");
    const char *a = ecs, *b = ocsf;
    for (int i = 0; i < n; i++) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        cJSON *e = cJSON_ParseWithLength(a, (size_t)(ea - a));
        cJSON *o = cJSON_ParseWithLength(b, (size_t)(eb - b));
        cr_assert_not_null(e);
        cr_assert_not_null(o);
        check_detection(e, o);
        cJSON *again = map_line(a, (size_t)(ea + 1 - a)); /* the public call, same bytes */
        cr_assert(cJSON_Compare(again, o, true));
        updates += cJSON_IsTrue(at(e, "dnshound.update"));
        cJSON_Delete(again);
        cJSON_Delete(e);
        cJSON_Delete(o);
        a = ea + 1;
        b = eb + 1;
    }
    cr_assert_gt(updates, 0, "early alerts on: some findings are updated");
    free(ecs);
    free(ocsf);
}

Test(ocsf, members_added_to_the_ecs_line_are_mapped_or_carried)
{
    char *ecs = run("samples/demo-zeek-dns.log", DH_EMIT_DETECTIONS, DH_SCHEMA_ECS, NULL);
    cJSON *e = cJSON_ParseWithLength(ecs, strcspn(ecs, "\n"));
    cr_assert_not_null(e);
    /* what the strict-ECS work added (ecs.version, rule.uuid, rule.version,
       threat.technique.reference: set afresh here, whether or not the line
       has them yet) and a member nobody writes yet (observer) */
    cJSON_DeleteItemFromObjectCaseSensitive(e, "ecs");
    cJSON *ecs_obj = cJSON_AddObjectToObject(e, "ecs");
    cJSON_AddStringToObject(ecs_obj, "version", "8.17.0");
    cJSON *rule = cJSON_GetObjectItemCaseSensitive(e, "rule");
    cJSON_DeleteItemFromObjectCaseSensitive(rule, "uuid");
    cJSON_DeleteItemFromObjectCaseSensitive(rule, "version");
    cJSON_AddStringToObject(rule, "uuid", "0f0e0d0c-0b0a-4909-8807-060504030201");
    cJSON_AddStringToObject(rule, "version", "3");
    cJSON *tech = (cJSON *)at(e, "threat.technique");
    cJSON_DeleteItemFromObjectCaseSensitive(tech, "reference");
    cJSON *ref = cJSON_AddArrayToObject(tech, "reference");
    cJSON_AddItemToArray(ref, cJSON_CreateString("https://attack.mitre.org/techniques/T1071/"));
    cJSON *observer = cJSON_AddObjectToObject(e, "observer");
    cJSON_AddStringToObject(observer, "vendor", "example");
    char *line = cJSON_PrintUnformatted(e);
    cJSON *o = map_line(line, strlen(line));
    cr_assert_str_eq(s_at(o, "finding_info.analytic.uid"), "0f0e0d0c-0b0a-4909-8807-060504030201");
    cr_assert_str_eq(s_at(o, "finding_info.analytic.version"), "3");
    cr_assert_str_eq(s_at(o, "unmapped.rule.id"), s_at(e, "rule.id"));
    cr_assert_str_eq(s_at(o, "unmapped.ecs.version"), "8.17.0");
    cr_assert_str_eq(s_at(o, "finding_info.attacks.0.technique.src_url"),
                     "https://attack.mitre.org/techniques/T1071/");
    cr_assert_str_eq(s_at(o, "unmapped.observer.vendor"), "example");
    cr_assert_null(at(o, "unmapped.threat.technique"), "the techniques are mapped whole");
    cr_assert_null(at(o, "unmapped.rule.uuid"));
    cJSON_Delete(o);
    cJSON_Delete(e);
    free(line);
    free(ecs);
}

Test(ocsf, names_keep_their_escapes_and_bad_lines_are_refused)
{
    /* a byte 0xe4 (no UTF-8) and a real backslash before an x, as
       util-json.h renders them: the OCSF line spells them the same way */
    const char *line = "{\"@timestamp\":\"2023-11-08T08:03:00.000000Z\",\"rule\":{\"name\":\"dga\"},"
                       "\"dns\":{\"question\":{\"name\":\"a\\\\xe4b\\\\x5cxc.example\"}},"
                       "\"dnshound\":{\"evidence\":{\"samples\":[\"J\\\\xe4ger\"]}}}\n";
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    cr_assert_eq(dh_ocsf_detection(line, strlen(line), &sb), 0);
    cr_assert_not_null(strstr(sb.buf, "\"hostname\":\"a\\\\xe4b\\\\x5cxc.example\""), "%s", sb.buf);
    cr_assert_not_null(strstr(sb.buf, "\"samples\":[\"J\\\\xe4ger\"]"), "%s", sb.buf);
    size_t before = sb.len;
    cr_assert_eq(dh_ocsf_detection("not json\n", 9, &sb), -1);
    cr_assert_eq(dh_ocsf_detection("[1,2]\n", 6, &sb), -1);
    cr_assert_eq(sb.len, before, "a refused line writes nothing");
    dh_sb_free(&sb);
}

Test(ocsf, events_of_a_real_log_match_their_ecs_events)
{
    const char *log = "tests/data/zeek-tsv/wrccdc-2018/wrccdc-2018-03-24-zeek-6.2.0-dns.head408.log";
    char *ecs = run(log, DH_EMIT_EVENTS, DH_SCHEMA_ECS, NULL);
    char *ocsf = run(log, DH_EMIT_EVENTS, DH_SCHEMA_OCSF, NULL);
    int n = cap_count(ecs, "");
    cr_assert_gt(n, 300);
    cr_assert_eq(cap_count(ocsf, ""), n);
    const char *a = ecs, *b = ocsf;
    int kinds[7] = {0};
    for (int i = 0; i < n; i++) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        cJSON *e = cJSON_ParseWithLength(a, (size_t)(ea - a));
        cJSON *o = cJSON_ParseWithLength(b, (size_t)(eb - b));
        cr_assert_eq(n_at(o, "class_uid"), 4003);
        int act = (int)n_at(o, "activity_id");
        cr_assert(act == 1 || act == 2 || act == 6);
        kinds[act]++;
        cr_assert_eq(n_at(o, "type_uid"), 400300 + act);
        cr_assert_not_null(s_at(e, "dns.type"));
        cr_assert_eq(act == 1, strcmp(s_at(e, "dns.type"), "answer") != 0, "a query without response");
        cr_assert_eq(n_at(o, "time"), iso_ms(s_at(e, "@timestamp")));
        if (s_at(e, "dns.question.name") && *s_at(e, "dns.question.name"))
            cr_assert_str_eq(s_at(o, "query.hostname"), s_at(e, "dns.question.name"));
        if (at(e, "dnshound.rcode"))
            cr_assert_eq(n_at(o, "rcode_id"), n_at(e, "dnshound.rcode"));
        if (s_at(e, "source.ip"))
            cr_assert_str_eq(s_at(o, "src_endpoint.ip"), s_at(e, "source.ip"));
        if (s_at(e, "zeek.session_id"))
            cr_assert_str_eq(s_at(o, "connection_info.uid"), s_at(e, "zeek.session_id"));
        cr_assert_str_eq(s_at(o, "dst_endpoint.svc_name"), "dns");
        cr_assert_str_eq(s_at(o, "metadata.version"), DH_OCSF_VERSION);
        cJSON_Delete(e);
        cJSON_Delete(o);
        a = ea + 1;
        b = eb + 1;
    }
    cr_assert_gt(kinds[6], 0, "transactions with both messages");
    free(ecs);
    free(ocsf);
}

static cJSON *map_event(const dh_event_t *ev)
{
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_ocsf_event(ev, &sb);
    cJSON *o = cJSON_ParseWithLength(sb.buf, sb.len);
    cr_assert_not_null(o, "%.*s", (int)sb.len, sb.buf);
    dh_sb_free(&sb);
    return o;
}

Test(ocsf, event_edges_root_unknown_types_rcode_ranges_no_addresses)
{
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = 1699430580123456;
    ev.has_qname = true;
    ev.qname = ev.qname_lc = "";
    ev.qname_len = 0;
    ev.qtype = 65280;
    ev.qclass = 1;
    ev.rcode = 3841;
    ev.has_response = true; /* no rtt: a response whose request was not seen */
    cJSON *o = map_event(&ev);
    cr_assert_str_eq(s_at(o, "query.hostname"), ".");
    cr_assert_str_eq(s_at(o, "query.type"), "TYPE65280");
    cr_assert_eq(n_at(o, "rcode_id"), 25);
    cr_assert_eq(n_at(o, "activity_id"), 2);
    cr_assert_eq(n_at(o, "time"), 1699430580123);
    cr_assert_null(at(o, "src_endpoint"), "no client address: no client endpoint");
    cr_assert_str_eq(s_at(o, "dst_endpoint.svc_name"), "dns");
    cr_assert_eq(n_at(o, "connection_info.direction_id"), 0);
    cJSON_Delete(o);
    ev.rcode = 12;
    ev.has_qname = false;
    o = map_event(&ev);
    cr_assert_eq(n_at(o, "rcode_id"), 24);
    cr_assert_str_eq(s_at(o, "rcode"), "Unassigned");
    cr_assert_null(at(o, "query"), "query.hostname is required: no query without a name");
    cJSON_Delete(o);
}

Test(ocsf, the_dns_activity_literal_is_what_the_member_writers_give)
{
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = 1699430580123456;
    for (int act = 1; act <= 6; act++) {
        if (act > 2 && act < 6)
            continue;
        ev.has_response = act != 1;
        ev.rtt_us = act == 6 ? 1000 : -1;
        dh_strbuf_t lit, slow;
        dh_sb_init(&lit);
        dh_sb_init(&slow);
        dh_ocsf_event(&ev, &lit);
        dh_ocsf_dns_head(act, &slow);
        cr_assert(lit.len > slow.len && memcmp(lit.buf, slow.buf, slow.len) == 0,
                  "activity %d: %.*s vs %.*s", act, (int)slow.len, slow.buf, (int)slow.len, lit.buf);
        cr_assert_eq(lit.buf[slow.len], ',');
        dh_sb_free(&lit);
        dh_sb_free(&slow);
    }
}
