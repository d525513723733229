/*
 * test-parse-zeek-json.c - the Zeek JSON-lines parser on real logs (the Zeek
 * manual's examples, WRCCDC json-streaming-logs output, and from the shared
 * corpus RITA's dnscat2 and SLIPS's relative-ts logs) and on hostile input:
 * what it fills in, what it skips, and that it never crashes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "parser.h"
#include "util-dns.h"
#include "util-ip.h"

extern const dh_parser_type_t dh_parser_zeek_json;

#define ZJ_DATA DH_SOURCE_DIR "/tests/data/zeek-json/"

static const dh_parser_type_t *P = &dh_parser_zeek_json;
static void *state;
static dh_evbuf_t *buf;
static char reason[DH_REASON_MAX];

static void setup(void)
{
    state = P->create();
    buf = dh_evbuf_new(1 << 20);
}

static void teardown(void)
{
    P->destroy(state);
    dh_evbuf_free(buf);
}

TestSuite(zeek_json, .init = setup, .fini = teardown);

static dh_line_t parse(const char *line)
{
    reason[0] = '\0';
    return dh_parser_parse_line(P, state, line, strlen(line), buf, reason);
}

static const char *addr(const dh_addr_t *a)
{
    static char s[DH_ADDR_STRLEN];
    return dh_addr_format(a, s);
}

/* What a whole file gave, line by line. */
typedef struct {
    int lines[4];   /* by dh_line_t */
    int answers;    /* RRs over all records */
    int ttl60;      /* RRs with ttl 60 */
    int rejected;   /* records with rejected = 1 */
    int nxdomain;   /* records with rcode 3 */
    int has_resp;   /* records with has_response */
} zj_tally_t;

static void count_record(const dh_event_t *ev, zj_tally_t *t)
{
    t->answers += (int)ev->n_answers;
    for (uint32_t i = 0; i < ev->n_answers; i++)
        t->ttl60 += ev->answers[i].ttl == 60;
    t->rejected += ev->rejected == 1;
    t->nxdomain += ev->rcode == DH_RCODE_NXDOMAIN;
    t->has_resp += ev->has_response;
}

/* Read a file line by line (trailing \n and \r stripped, empty lines
   skipped) through the parser. false when the file is absent. */
static bool tally_file(const char *path, zj_tally_t *t)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    memset(t, 0, sizeof(*t));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        dh_line_t r = dh_parser_parse_line(P, state, line, (size_t)n, buf, reason);
        t->lines[r]++;
        if (r == DH_LINE_RECORD)
            count_record(&buf->ev, t);
    }
    free(line);
    fclose(f);
    return true;
}

/* The n-th (0-based) non-empty line of a file, parsed. */
static dh_line_t parse_nth(const char *path, int nth)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    dh_line_t r = DH_LINE_MALFORMED;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n > 0 && nth-- == 0) {
            r = dh_parser_parse_line(P, state, line, (size_t)n, buf, reason);
            break;
        }
    }
    free(line);
    fclose(f);
    return r;
}

static void assert_data(const dh_answer_t *a, const char *want)
{
    cr_assert_not_null(a->data);
    cr_assert_eq(a->data_len, strlen(want));
    cr_assert_eq(memcmp(a->data, want, a->data_len), 0, "got %.*s", (int)a->data_len, a->data);
}

/* ---- probe ---- */

Test(zeek_json, probe)
{
    const char *zeek = "{\"ts\":1.5,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}";
    const char *streaming = "{\"_path\":\"dns\",\"_write_ts\":\"2018-03-24T17:15:20Z\"}";
    const char *eve = "{\"timestamp\":\"x\",\"event_type\":\"dns\",\"src_ip\":\"1.2.3.4\"}";
    cr_assert_eq(P->probe(zeek, strlen(zeek)), DH_PROBE_YES);
    cr_assert_eq(P->probe(streaming, strlen(streaming)), DH_PROBE_YES);
    cr_assert_eq(P->probe(eve, strlen(eve)), DH_PROBE_NO);
    cr_assert_eq(P->probe("{\"a\":1}", 7), DH_PROBE_NEED_MORE);
    cr_assert_eq(P->probe("#separator \\x09", 15), DH_PROBE_NO);
    cr_assert_eq(P->probe("1517336042.279652\tC1", 20), DH_PROBE_NO);
}

/* ---- real logs ---- */

Test(zeek_json, docs_example_query_only_record)
{
    cr_assert_eq(parse_nth(ZJ_DATA "zeek-docs-reference-logs-dns-example.json", 0),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(buf->part, DH_PART_COMPLETE);
    cr_assert_eq(ev->sensor, DH_SENSOR_ZEEK);
    cr_assert_eq(ev->ts_us, 1774911641789170LL);
    cr_assert_eq(ev->uid_len, 17);
    cr_assert_str_eq(ev->uid, "CHhAvVGS1DHFjwGM9");
    cr_assert_str_eq(addr(&ev->client), "172.17.0.2");
    cr_assert_eq(ev->client_port, 36844);
    cr_assert_str_eq(addr(&ev->server), "1.1.1.1");
    cr_assert_eq(ev->server_port, 53);
    cr_assert_eq(ev->transport, DH_TRANSPORT_UDP);
    cr_assert_eq(ev->trans_id, 54060);
    cr_assert(ev->has_qname);
    cr_assert_str_eq(ev->qname, "zeek.org");
    cr_assert_eq(ev->qtype, DH_QTYPE_AAAA);
    cr_assert_eq(ev->qclass, 1);
    cr_assert_eq(ev->rcode, 0);
    cr_assert_eq(ev->opcode, 0);
    cr_assert_eq(ev->rejected, 0);
    cr_assert_eq(ev->rtt_us, -1);
    cr_assert_eq(ev->flags, DH_FLAG_RD | DH_FLAG_Z, "Z=2 (AD) counts as Z");
    cr_assert_eq(ev->flags_known, DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_RD | DH_FLAG_RA | DH_FLAG_Z);
    cr_assert(ev->has_response, "rcode was logged");
    cr_assert_eq(ev->n_answers, 0);
}

Test(zeek_json, docs_example_answers_and_rtt)
{
    cr_assert_eq(parse_nth(ZJ_DATA "zeek-docs-reference-logs-dns-example.json", 1),
                 DH_LINE_RECORD);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->ts_us, 1774911641803041LL);
    cr_assert_eq(ev->rtt_us, 38371, "0.03837108612060547 s");
    cr_assert_eq(ev->qtype, DH_QTYPE_A);
    cr_assert_eq(ev->flags, DH_FLAG_RD | DH_FLAG_RA | DH_FLAG_Z);
    cr_assert_eq(ev->n_answers, 2);
    assert_data(&ev->answers[0], "192.0.78.150");
    assert_data(&ev->answers[1], "192.0.78.212");
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(ev->answers[i].rrtype, DH_QTYPE_A);
        cr_assert_eq(ev->answers[i].ttl, 60);
        cr_assert_eq(ev->answers[i].section, DH_SECTION_ANSWER);
        cr_assert_null(ev->answers[i].rrname);
    }
}

Test(zeek_json, docs_example_auth)
{
    cr_assert_eq(parse_nth(ZJ_DATA "zeek-docs-reference-logs-dns-example.json", 2),
                 DH_LINE_RECORD);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->n_answers, 1);
    cr_assert_eq(ev->answers[0].section, DH_SECTION_AUTHORITY);
    cr_assert_eq(ev->answers[0].rrtype, -1);
    cr_assert_eq(ev->answers[0].ttl, -1);
    assert_data(&ev->answers[0], "ns-1785.awsdns-31.co.uk");
}

Test(zeek_json, wrccdc_streaming_iso_ts_and_cname_inference)
{
    cr_assert_eq(parse_nth(ZJ_DATA "wrccdc-2018-03-24-zeek-6.2.0-dns.head300.json", 0),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->ts_us, 1521911720865716LL, "2018-03-24T17:15:20.865716Z");
    cr_assert_eq(ev->rtt_us, 870, "0.0008699893951416016 s rounds to 870 us");
    cr_assert_str_eq(ev->qname, "ise.wrccdc.org");
    cr_assert_eq(ev->n_answers, 2);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_CNAME, "a name answering an A query");
    cr_assert_eq(ev->answers[0].ttl, 2230);
    assert_data(&ev->answers[0], "ise.wrccdc.cpp.edu");
    cr_assert_eq(ev->answers[1].rrtype, DH_QTYPE_A);
    cr_assert_eq(ev->answers[1].ttl, 41830);
    assert_data(&ev->answers[1], "134.71.3.16");
}

Test(zeek_json, wrccdc_head300_tally)
{
    zj_tally_t t;
    cr_assert(tally_file(ZJ_DATA "wrccdc-2018-03-24-zeek-6.2.0-dns.head300.json", &t));
    cr_assert_eq(t.lines[DH_LINE_RECORD], 300);
    cr_assert_eq(t.lines[DH_LINE_SKIPPED], 0);
    cr_assert_eq(t.lines[DH_LINE_MALFORMED], 0);
    cr_assert_eq(t.answers, 622);
    cr_assert_eq(t.nxdomain, 2);
    cr_assert_eq(t.rejected, 2);
    cr_assert_eq(t.has_resp, 300);
}

Test(zeek_json, rita_dnscat2_corpus)
{
    zj_tally_t t;
    char path[DH_TEST_PATH_MAX];
    if (!tally_file(dh_test_corpus(path, "zeek-json", "malicious/rita-dnscat2-dns.json"), &t))
        cr_skip_test("corpus absent");
    cr_assert_eq(t.lines[DH_LINE_RECORD], 34);
    cr_assert_eq(t.lines[DH_LINE_MALFORMED], 0);
    cr_assert_eq(t.answers, 32);
    cr_assert_eq(t.ttl60, 24, "TTLs written 60.000000 read as 60 (7 are 300, 1 is 900)");
    cr_assert_eq(parse_nth(path, 0), DH_LINE_RECORD);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->ts_us, 1517336042279652LL);
    cr_assert_eq(ev->rtt_us, 69982);
    cr_assert_str_eq(ev->qname, "6dde0175375169c68f.dnsc.r-1x.com");
    cr_assert_eq(ev->qtype, DH_QTYPE_TXT);
    cr_assert_eq(ev->rejected, 1, "rejected=true together with NOERROR");
    cr_assert_eq(ev->rcode, 0);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_TXT, "\"TXT 18 ...\" text");
    assert_data(&ev->answers[0], "TXT 18 302f017537c68f5169");
}

Test(zeek_json, slips_relative_ts_corpus)
{
    zj_tally_t t;
    char path[DH_TEST_PATH_MAX];
    if (!tally_file(dh_test_corpus(path, "zeek-json", "misc/slips-test9-mixed-relative-ts-dns.json"), &t))
        cr_skip_test("corpus absent");
    cr_assert_eq(t.lines[DH_LINE_RECORD], 239);
    cr_assert_eq(t.lines[DH_LINE_MALFORMED], 0);
    cr_assert_eq(parse_nth(path, 0),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.ts_us, 29557741, "ts 29.557741: the PCAP clock started at 1970");
    cr_assert_eq(buf->ev.rcode, DH_RCODE_NXDOMAIN);
}

/* ---- field handling ---- */

Test(zeek_json, names_used_when_numbers_absent)
{
    cr_assert_eq(parse("{\"ts\":1,\"query\":\"x\",\"qtype_name\":\"NBSTAT\","
                       "\"qclass_name\":\"qclass-32769\",\"rcode_name\":\"NXDOMAIN\","
                       "\"opcode_name\":\"notify\"}"),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.qtype, 33);
    cr_assert_eq(buf->ev.qclass, 32769);
    cr_assert_eq(buf->ev.rcode, 3);
    cr_assert_eq(buf->ev.opcode, 4);
    cr_assert_eq(parse("{\"ts\":1,\"qtype\":12,\"qtype_name\":\"A\"}"), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.qtype, 12, "the number wins");
}

Test(zeek_json, query_bytes)
{
    /* Zeek writes a NUL byte as the text \x00 (JSON "\\x00") */
    cr_assert_eq(parse("{\"ts\":1,\"query\":\"*\\\\x00\\\\x00AB\"}"), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.qname_len, 5);
    cr_assert_eq(memcmp(buf->ev.qname, "*\0\0AB", 5), 0);
    /* a JSON \u0000 is kept too (read from the raw line, not cJSON) */
    cr_assert_eq(parse("{\"ts\":1,\"query\":\"a\\u0000B.\\u00e9\"}"), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.qname_len, 6);
    cr_assert_eq(memcmp(buf->ev.qname, "a\0B.\xc3\xa9", 6), 0);
    cr_assert_eq(memcmp(buf->ev.qname_lc, "a\0b.\xc3\xa9", 6), 0);
    /* answers are decoded the same way (as the TSV parser does) */
    cr_assert_eq(parse("{\"ts\":1,\"qtype\":16,\"answers\":[\"TXT 3 a\\\\x00b\"]}"),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.answers[0].data_len, 9);
    cr_assert_eq(memcmp(buf->ev.answers[0].data, "TXT 3 a\0b", 9), 0);
    cr_assert_eq(buf->ev.answers[0].rrtype, DH_QTYPE_TXT);
    /* Zeek's reader rules, as in the TSV parser: after the JSON escapes,
       only \xNN is an escape; a backslash pair stays two backslashes */
    cr_assert_eq(parse("{\"ts\":1,\"query\":\"a\\\\\\\\x41\"}"), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.qname_len, 3);
    cr_assert_eq(memcmp(buf->ev.qname, "a\\A", 3), 0);
    cr_assert_eq(parse("{\"ts\":1,\"query\":\"q\\\\\\\\\\\\x4Ab\\\\x\"}"), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.qname_len, 7);
    cr_assert_eq(memcmp(buf->ev.qname, "q\\\\Jb\\x", 7), 0);
    /* empty query: the root zone */
    cr_assert_eq(parse("{\"ts\":1,\"query\":\"\"}"), DH_LINE_RECORD);
    cr_assert(buf->ev.has_qname);
    cr_assert_eq(buf->ev.qname_len, 0);
    cr_assert_eq(parse("{\"ts\":1,\"qtype\":1}"), DH_LINE_RECORD);
    cr_assert_not(buf->ev.has_qname);
}

Test(zeek_json, answer_type_inference)
{
    cr_assert_eq(parse("{\"ts\":1,\"qtype\":12,\"answers\":[\"host.example\",\"2001:db8::1\","
                       "\"NAPTR 100 10 s SIPS+D2T x\",\"RRSIG 1 ed25519.no\",\"two words\"],"
                       "\"TTLs\":[1.0,2.0]}"),
                 DH_LINE_RECORD);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->n_answers, 5);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_PTR);
    cr_assert_eq(ev->answers[1].rrtype, DH_QTYPE_AAAA);
    cr_assert_eq(ev->answers[2].rrtype, 35);
    cr_assert_eq(ev->answers[3].rrtype, 46);
    cr_assert_eq(ev->answers[4].rrtype, -1);
    cr_assert_eq(ev->answers[0].ttl, 1);
    cr_assert_eq(ev->answers[1].ttl, 2);
    cr_assert_eq(ev->answers[2].ttl, -1, "fewer TTLs than answers");
    cr_assert(ev->has_response, "answers imply a response");
    cr_assert_eq(parse("{\"ts\":1,\"qtype\":255,\"answers\":[\"x.example\"]}"), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.answers[0].rrtype, -1, "a name answering ANY: unknown type");
}

Test(zeek_json, addl_section_and_answer_cap)
{
    char line[4096];
    int o = snprintf(line, sizeof(line), "{\"ts\":1,\"qtype\":1,\"answers\":[");
    for (int i = 0; i < 70; i++)
        o += snprintf(line + o, sizeof(line) - (size_t)o, "%s\"10.0.0.%d\"", i ? "," : "", i);
    snprintf(line + o, sizeof(line) - (size_t)o, "],\"addl\":[\"192.0.2.1\"]}");
    cr_assert_eq(parse(line), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.n_answers, DH_EVBUF_MAX_ANSWERS);
    cr_assert_eq(buf->ev.answers_dropped, 7, "6 answers and the addl beyond the cap");
}

Test(zeek_json, other_logs_are_skipped)
{
    cr_assert_eq(parse("{\"_path\":\"conn\",\"ts\":\"2018-03-24T17:15:20.865716Z\"}"),
                 DH_LINE_SKIPPED);
    cr_assert_eq(parse("{\"ts\":1.0,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
                       "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80,\"proto\":\"tcp\","
                       "\"service\":\"http\",\"duration\":1.5}"),
                 DH_LINE_SKIPPED, "conn.log has id.orig_h but no DNS field");
    cr_assert_eq(parse("{\"ts\":1.0,\"id.orig_h\":\"10.0.0.1\",\"trans_id\":77,\"mac\":\"x\"}"),
                 DH_LINE_SKIPPED, "old dhcp.log has trans_id");
    cr_assert_eq(parse("{}"), DH_LINE_SKIPPED);
}

Test(zeek_json, bad_or_missing_ts_is_malformed)
{
    cr_assert_eq(parse("{\"_path\":\"dns\",\"query\":\"a\"}"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "no ts");
    cr_assert_eq(parse("{\"ts\":\"yesterday\",\"query\":\"a\"}"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad ts");
    cr_assert_eq(parse("{\"ts\":-5,\"query\":\"a\"}"), DH_LINE_MALFORMED);
    cr_assert_eq(parse("{\"ts\":1e300,\"query\":\"a\"}"), DH_LINE_MALFORMED);
    cr_assert_eq(parse("{\"ts\":true,\"query\":\"a\"}"), DH_LINE_MALFORMED);
    cr_assert_eq(parse("{\"ts\":\"1517336042.279652\",\"query\":\"a\"}"), DH_LINE_RECORD,
                 "epoch seconds as a string");
    cr_assert_eq(buf->ev.ts_us, 1517336042279652LL);
    cr_assert_eq(parse("{\"ts\":\"2023-11-01T00:46:34.435874+01:00\",\"query\":\"a\"}"),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.ts_us, 1698795994435874LL);
}

/* ---- hostile input ---- */

Test(zeek_json, not_json_or_not_an_object)
{
    const char *bad[] = {"{", "{\"ts\":1,\"query\":\"a\"", "[]", "\"string\"", "42", "null",
                         "{\"ts\":1}{\"ts\":2}", "{\"ts\":1,} ", "{'ts':1}", "garbage",
                         "{\"ts\":1,\"query\":\"\\ud800\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(parse(bad[i]), DH_LINE_MALFORMED, "%s", bad[i]);
        cr_assert_neq(reason[0], '\0');
        cr_assert_eq(buf->ev.n_answers, 0);
    }
}

Test(zeek_json, deep_nesting)
{
    size_t n = 10000;
    char *s = malloc(2 * n + 32);
    memset(s, '[', n);
    memset(s + n, ']', n);
    s[2 * n] = '\0';
    cr_assert_eq(parse(s), DH_LINE_MALFORMED);
    int o = sprintf(s, "{\"ts\":1,\"x\":");
    memset(s + o, '[', n);
    s[o + n] = '\0';
    cr_assert_eq(parse(s), DH_LINE_MALFORMED);
    free(s);
}

Test(zeek_json, wrong_types_give_unknowns)
{
    cr_assert_eq(parse("{\"ts\":1,\"uid\":5,\"id.orig_h\":\"not-an-ip\",\"id.orig_p\":\"x\","
                       "\"id.resp_h\":7,\"id.resp_p\":99999999999999999999,\"proto\":17,"
                       "\"trans_id\":65536,\"rtt\":\"slow\",\"query\":[\"a\"],\"qtype\":-1,"
                       "\"qclass\":1.5,\"rcode\":1e30,\"AA\":\"yes\",\"Z\":true,\"rejected\":1,"
                       "\"opcode\":{},\"answers\":5,\"TTLs\":\"60\",\"auth\":{\"a\":1}}"),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_null(ev->uid);
    cr_assert_eq(ev->client.family, DH_AF_UNSET);
    cr_assert_eq(ev->server.family, DH_AF_UNSET);
    cr_assert_eq(ev->client_port, -1);
    cr_assert_eq(ev->server_port, -1);
    cr_assert_eq(ev->transport, DH_TRANSPORT_UNKNOWN);
    cr_assert_eq(ev->trans_id, -1);
    cr_assert_eq(ev->rtt_us, -1);
    cr_assert_not(ev->has_qname);
    cr_assert_eq(ev->qtype, -1);
    cr_assert_eq(ev->qclass, -1);
    cr_assert_eq(ev->rcode, -1);
    cr_assert_eq(ev->opcode, -1);
    cr_assert_eq(ev->flags_known, 0);
    cr_assert_eq(ev->rejected, -1);
    cr_assert_eq(ev->n_answers, 0);
    cr_assert_not(ev->has_response);
}

Test(zeek_json, answers_with_odd_elements)
{
    cr_assert_eq(parse("{\"ts\":1,\"qtype\":1,\"answers\":[1,null,\"1.2.3.4\",{}],"
                       "\"TTLs\":[\"x\",-1,1e300,7.0]}"),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.n_answers, 1, "only the string element");
    cr_assert_eq(buf->ev.answers[0].ttl, -1, "its TTL (1e300) is out of range");
    cr_assert_eq(buf->ev.answers[0].rrtype, DH_QTYPE_A);
}

Test(zeek_json, whitespace_and_crlf_tolerated)
{
    cr_assert_eq(parse("  {\"ts\": 1.5 , \"query\" : \"a.b\"}\r"), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.ts_us, 1500000);
    cr_assert_str_eq(buf->ev.qname, "a.b");
}

/* Issue 10: ISO 8601 ts are validated like EVE's; epoch ts beyond 2099 or
   before 1970 are malformed too. */
static dh_line_t zj_at(const char *ts)
{
    char line[256];
    snprintf(line, sizeof(line), "{\"_path\":\"dns\",\"ts\":%s,\"query\":\"example.com\"}", ts);
    return parse(line);
}

Test(zeek_json, calendar_dates_and_range_are_validated)
{
    cr_assert_eq(zj_at("\"2024-02-29T10:00:00.000000Z\""), DH_LINE_RECORD, "leap day");
    cr_assert_eq(zj_at("\"2024-02-30T10:00:00.000000Z\""), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad ts");
    cr_assert_eq(zj_at("\"2023-02-29T10:00:00.000000Z\""), DH_LINE_MALFORMED, "not a leap year");
    cr_assert_eq(zj_at("\"2024-13-01T10:00:00Z\""), DH_LINE_MALFORMED, "month 13");
    cr_assert_eq(zj_at("\"2024-05-01T25:00:00Z\""), DH_LINE_MALFORMED, "hour 25");
    cr_assert_eq(zj_at("253402300799.0"), DH_LINE_MALFORMED, "9999-12-31");
    cr_assert_eq(zj_at("\"253402300799.0\""), DH_LINE_MALFORMED, "9999-12-31 as a string");
    cr_assert_eq(zj_at("-1.5"), DH_LINE_MALFORMED, "before the epoch");
    cr_assert_eq(zj_at("4102444799.5"), DH_LINE_RECORD, "2099-12-31T23:59:59.5");
    cr_assert_eq(zj_at("4102444800"), DH_LINE_MALFORMED, "2100-01-01");
}
