/*
 * test-parse-eve.c - the Suricata EVE parser on real sensor output (DNS log
 * v1 from suricata-verify, v2 from the FormBook capture, and from the shared
 * corpus IcedID, desktop browsing, DoH canary and two Suricata 8 v3 labs),
 * on hand-written lines for the cases the files lack (v3 from the Suricata 8
 * docs' field lists, grouped-only answers, mdns, direction corner cases), and
 * on hostile input.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "parser.h"
#include "util-dns.h"
#include "util-ip.h"

extern const dh_parser_type_t dh_parser_eve;

#define EVE_DATA DH_SOURCE_DIR "/tests/data/eve/"

static const dh_parser_type_t *P = &dh_parser_eve;
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

TestSuite(eve, .init = setup, .fini = teardown);

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

static bool data_is(const dh_answer_t *a, const char *want)
{
    return a->data && a->data_len == strlen(want) && memcmp(a->data, want, a->data_len) == 0;
}

/* What a whole file gave, line by line. */
typedef struct {
    int lines[4];        /* by dh_line_t */
    int parts[4];        /* records by dh_part_t */
    int rrs[3];          /* RRs by section */
    int rr_no_data;      /* RRs with data NULL */
    int qtype65;         /* records asking for type 65 */
    int nx_no_answer;    /* NXDOMAIN responses without answer-section RRs */
    char last_reason[DH_REASON_MAX];
} eve_tally_t;

static void count_record(const dh_evbuf_t *b, eve_tally_t *t)
{
    const dh_event_t *ev = &b->ev;
    t->parts[b->part]++;
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        t->rrs[ev->answers[i].section]++;
        t->rr_no_data += ev->answers[i].data == NULL;
    }
    t->qtype65 += ev->qtype == 65;
    bool answered = false;
    for (uint32_t i = 0; i < ev->n_answers; i++)
        answered |= ev->answers[i].section == DH_SECTION_ANSWER;
    t->nx_no_answer += ev->rcode == DH_RCODE_NXDOMAIN && !answered;
}

/* Read a file line by line (trailing \n and \r stripped, empty lines
   skipped) through the parser. false when the file is absent. */
static bool tally_file(const char *path, eve_tally_t *t)
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
            count_record(buf, t);
        if (r == DH_LINE_MALFORMED)
            memcpy(t->last_reason, reason, sizeof(reason));
    }
    free(line);
    fclose(f);
    return true;
}

/* Find the first DNS record of a file whose line contains `needle` and
   (when not DH_PART_COMPLETE) has the given part. false when absent. */
static bool find_record(const char *path, const char *needle, dh_part_t part)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool found = false;
    while (!found && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0 || !strstr(line, needle))
            continue;
        found = dh_parser_parse_line(P, state, line, (size_t)n, buf, reason) == DH_LINE_RECORD &&
                (part == DH_PART_COMPLETE || buf->part == part);
    }
    free(line);
    fclose(f);
    return found;
}

/* ---- probe ---- */

Test(eve, probe)
{
    const char *eve = "{\"timestamp\":\"x\",\"event_type\":\"flow\"}";
    const char *zeek = "{\"ts\":1.5,\"id.orig_h\":\"10.0.0.1\"}";
    cr_assert_eq(P->probe(eve, strlen(eve)), DH_PROBE_YES);
    cr_assert_eq(P->probe(zeek, strlen(zeek)), DH_PROBE_NO);
    cr_assert_eq(P->probe("{\"a\":1}", 7), DH_PROBE_NEED_MORE);
    cr_assert_eq(P->probe("#fields\tts", 10), DH_PROBE_NO);
}

/* ---- v1: suricata-verify ---- */

Test(eve, v1_nxdomain_soa)
{
    const char *path = EVE_DATA "suricata-verify-2017-dns-udp-nxdomain-soa.v1.json";
    eve_tally_t t;
    cr_assert(tally_file(path, &t));
    cr_assert_eq(t.lines[DH_LINE_RECORD], 3);
    cr_assert_eq(t.parts[DH_PART_REQUEST], 1);
    cr_assert_eq(t.parts[DH_PART_RESPONSE_RR], 2);
    cr_assert_eq(t.rrs[DH_SECTION_ANSWER], 1, "the failure event carries no RR");

    cr_assert(find_record(path, "\"query\"", DH_PART_REQUEST));
    const dh_event_t *ev = &buf->ev;
    uint64_t key = buf->txn_key;
    cr_assert_eq(ev->sensor, DH_SENSOR_SURICATA);
    cr_assert_eq(ev->ts_us, 1485532998623093LL);
    cr_assert_str_eq(ev->uid, "1899131178484213");
    cr_assert_str_eq(ev->qname, "dne.oisf.net");
    cr_assert_eq(ev->qtype, DH_QTYPE_A);
    cr_assert_eq(ev->trans_id, 33429);
    cr_assert_eq(ev->rcode, -1);
    cr_assert_not(ev->has_response);
    cr_assert_str_eq(addr(&ev->client), "10.16.1.11");
    cr_assert_eq(ev->client_port, 59465);
    cr_assert_str_eq(addr(&ev->server), "8.8.4.4");
    cr_assert_eq(ev->server_port, 53);
    cr_assert_eq(ev->transport, DH_TRANSPORT_UDP);

    cr_assert(find_record(path, "\"rcode\":\"NXDOMAIN\",\"rrname\":\"dne", DH_PART_RESPONSE_RR));
    cr_assert_eq(ev->rcode, DH_RCODE_NXDOMAIN);
    cr_assert(ev->has_response);
    cr_assert_eq(ev->n_answers, 0);
    cr_assert_str_eq(addr(&ev->client), "10.16.1.11", "src 8.8.4.4:53 is the server");
    cr_assert_eq(ev->client_port, 59465);
    cr_assert_eq(buf->txn_key, key);

    cr_assert(find_record(path, "\"SOA\"", DH_PART_RESPONSE_RR));
    cr_assert_eq(ev->rcode, DH_RCODE_NXDOMAIN);
    cr_assert_eq(ev->n_answers, 1);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_SOA);
    cr_assert_eq(ev->answers[0].ttl, 899);
    cr_assert_null(ev->answers[0].data);
    cr_assert_str_eq(ev->answers[0].rrname, "oisf.net");
    cr_assert_str_eq(addr(&ev->client), "10.16.1.11");
    cr_assert_str_eq(addr(&ev->server), "8.8.4.4");
    cr_assert_eq(ev->ts_us, 1485532998709160LL);
    cr_assert_eq(buf->txn_key, key);
}

/* ---- v2: FormBook (copied), IcedID, desktop browsing, DoH canary (corpus) ---- */

Test(eve, v2_formbook_tally)
{
    eve_tally_t t;
    cr_assert(tally_file(EVE_DATA "formbook-dridex-2025-mixed.eve.json", &t));
    cr_assert_eq(t.lines[DH_LINE_RECORD], 488);
    cr_assert_eq(t.parts[DH_PART_REQUEST], 265);
    cr_assert_eq(t.parts[DH_PART_RESPONSE], 223);
    cr_assert_eq(t.lines[DH_LINE_SKIPPED], 1836);
    cr_assert_eq(t.lines[DH_LINE_MALFORMED], 1, "the last line has \"F\" for event_type");
    cr_assert_str_eq(t.last_reason, "no event_type");
    cr_assert_eq(t.rrs[DH_SECTION_ANSWER] + t.rrs[DH_SECTION_AUTHORITY], 511);
    cr_assert_eq(t.rrs[DH_SECTION_AUTHORITY], 61, "one SOA per NXDOMAIN/NODATA answer");
    cr_assert_eq(t.rr_no_data, 26, "RRs Suricata logged without rdata");
}

Test(eve, v2_formbook_srv_without_rdata_and_soa)
{
    const char *path = EVE_DATA "formbook-dridex-2025-mixed.eve.json";
    cr_assert(find_record(path, "\"grouped\":{}", DH_PART_RESPONSE));
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->qtype, DH_QTYPE_SRV);
    cr_assert_eq(ev->flags, DH_FLAG_QR | DH_FLAG_AA | DH_FLAG_RD | DH_FLAG_RA, "8580");
    cr_assert_eq(ev->n_answers, 1);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_SRV);
    cr_assert_eq(ev->answers[0].ttl, 600);
    cr_assert_null(ev->answers[0].data);
    cr_assert_str_eq(addr(&ev->client), "172.16.0.131", "v2 answers keep src = client");
    cr_assert_eq(ev->server_port, 53);

    cr_assert(find_record(path, "\"soa\":{", DH_PART_RESPONSE));
    cr_assert_geq(ev->n_answers, 1);
    const dh_answer_t *soa = &ev->answers[ev->n_answers - 1];
    cr_assert_eq(soa->section, DH_SECTION_AUTHORITY);
    cr_assert_eq(soa->rrtype, DH_QTYPE_SOA);
    cr_assert_not_null(soa->data, "structured SOA becomes text");
}

Test(eve, v2_icedid_corpus)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "eve", "v2/icedid-2023-11-01-mixed.eve.json");
    eve_tally_t t;
    if (!tally_file(path, &t))
        cr_skip_test("corpus absent");
    cr_assert_eq(t.parts[DH_PART_REQUEST], 31);
    cr_assert_eq(t.parts[DH_PART_RESPONSE], 31);
    cr_assert_eq(t.lines[DH_LINE_SKIPPED], 173, "alerts with a dns object are skipped too");
    cr_assert_eq(t.lines[DH_LINE_MALFORMED], 0);

    cr_assert(find_record(path, "\"rrname\":\"grafielucho.com\"", DH_PART_REQUEST));
    uint64_t key = buf->txn_key;
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->opcode, 0);
    cr_assert_eq(ev->ts_us, 1698795994435874LL, "+0100 offset");
    cr_assert(find_record(path, "\"rdata\":\"104.21.32.6\"", DH_PART_RESPONSE));
    cr_assert_eq(buf->txn_key, key, "same flow_id and DNS id as the query");
    cr_assert_eq(ev->ts_us, 1698795994549378LL);
    cr_assert_str_eq(ev->qname, "grafielucho.com");
    cr_assert_eq(ev->qtype, DH_QTYPE_A);
    cr_assert_eq(ev->rcode, 0);
    cr_assert_eq(ev->flags, DH_FLAG_QR | DH_FLAG_RD | DH_FLAG_RA, "flags 8180");
    cr_assert_eq(ev->flags_known, DH_FLAG_QR | DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_RD |
                                      DH_FLAG_RA | DH_FLAG_Z);
    cr_assert_eq(ev->n_answers, 2, "from answers, not also from grouped");
    cr_assert(data_is(&ev->answers[0], "104.21.32.6"));
    cr_assert_eq(ev->answers[0].ttl, 377);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_A);
    cr_assert_str_eq(ev->answers[0].rrname, "grafielucho.com");
    cr_assert(data_is(&ev->answers[1], "172.67.182.27"));
    cr_assert_str_eq(addr(&ev->client), "10.10.31.101");
    cr_assert_str_eq(addr(&ev->server), "10.10.31.1");
}

Test(eve, v2_desktop_numeric_rrtype_corpus)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "eve", "v2/desktop-browsing-rrtype65-mixed.eve.json");
    eve_tally_t t;
    if (!tally_file(path, &t))
        cr_skip_test("corpus absent");
    cr_assert_eq(t.parts[DH_PART_REQUEST], 98);
    cr_assert_eq(t.parts[DH_PART_RESPONSE], 98);
    cr_assert_eq(t.lines[DH_LINE_SKIPPED], 187, "stats, flow, tls, alert, http, ...");
    cr_assert_eq(t.qtype65, 20, "rrtype \"65\"");

    cr_assert(find_record(path, "\"rrname\":\"support.mozilla.org\",\"rrtype\":\"65\"",
                          DH_PART_RESPONSE));
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->qtype, 65);
    cr_assert_eq(ev->n_answers, 2);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_CNAME);
    cr_assert(data_is(&ev->answers[0], "mozilla.map.fastly.net"));
    cr_assert_eq(ev->answers[1].section, DH_SECTION_AUTHORITY);
    cr_assert_eq(ev->answers[1].ttl, 4);
    cr_assert(data_is(&ev->answers[1],
                      "ns1.fastly.net hostmaster.fastly.com 2017052201 3600 600 604800 30"));
}

Test(eve, v2_doh_canary_corpus)
{
    eve_tally_t t;
    char cpath[DH_TEST_PATH_MAX];
    if (!tally_file(dh_test_corpus(cpath, "eve", "v2/lab-doh-canary-suricata7-mixed.eve.json"), &t))
        cr_skip_test("corpus absent");
    cr_assert_eq(t.parts[DH_PART_REQUEST], 467, "Suricata 7 queries with version 2");
    cr_assert_eq(t.parts[DH_PART_RESPONSE], 420);
    cr_assert_eq(t.lines[DH_LINE_SKIPPED], 673);
    cr_assert_eq(t.lines[DH_LINE_MALFORMED], 0);
}

/* ---- v3: Suricata 8 labs (corpus) ---- */

Test(eve, v3_nids_lab_corpus)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "eve", "v3/nids-lab-suricata8-mixed.eve.json");
    eve_tally_t t;
    if (!tally_file(path, &t))
        cr_skip_test("corpus absent");
    cr_assert_eq(t.parts[DH_PART_REQUEST], 58);
    cr_assert_eq(t.parts[DH_PART_RESPONSE], 52);
    cr_assert_eq(t.lines[DH_LINE_SKIPPED], 1235);
    cr_assert_eq(t.nx_no_answer, 13);
    cr_assert_eq(t.rrs[DH_SECTION_ANSWER] + t.rrs[DH_SECTION_AUTHORITY] +
                     t.rrs[DH_SECTION_ADDITIONAL],
                 127);

    cr_assert(find_record(path, "\"id\":10785,", DH_PART_REQUEST));
    uint64_t key = buf->txn_key;
    const dh_event_t *ev = &buf->ev;
    cr_assert_str_eq(ev->qname, "telemetry.elastic.co", "from queries[0]");
    cr_assert_eq(ev->qtype, DH_QTYPE_A);
    cr_assert_eq(ev->rcode, -1, "a request's rcode is not a response code");
    cr_assert_eq(ev->flags, DH_FLAG_RD, "flags 100");
    cr_assert_eq(ev->ts_us, 1781249184334304LL, "-0400 offset");
    cr_assert(find_record(path, "\"id\":10785,", DH_PART_RESPONSE));
    cr_assert_eq(buf->txn_key, key, "tx_id differs (0/1), the key does not");
    cr_assert_str_eq(addr(&ev->client), "192.168.137.128", "src_port 53: src is the server");
    cr_assert_eq(ev->client_port, 34763);
    cr_assert_str_eq(addr(&ev->server), "192.168.137.2");
    cr_assert_eq(ev->server_port, 53);
    cr_assert_str_eq(ev->qname, "telemetry.elastic.co");

    cr_assert(find_record(path, "\"additionals\"", DH_PART_RESPONSE));
    const dh_answer_t *last = &ev->answers[ev->n_answers - 1];
    cr_assert_eq(last->section, DH_SECTION_ADDITIONAL);
    cr_assert_eq(last->rrtype, DH_QTYPE_AAAA);
    cr_assert(data_is(last, "2600:9000:5301:5300:0000:0000:0000:0001"), "kept as written");
}

Test(eve, v3_tcp_authorities_corpus)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "eve", "v3/lab-suricata8-tcp-dns-authorities-mixed.eve.json");
    eve_tally_t t;
    if (!tally_file(path, &t))
        cr_skip_test("corpus absent");
    cr_assert_eq(t.lines[DH_LINE_RECORD], 2);
    cr_assert_eq(t.lines[DH_LINE_SKIPPED], 36);
    cr_assert(find_record(path, "\"type\":\"response\"", DH_PART_RESPONSE));
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->transport, DH_TRANSPORT_TCP);
    cr_assert_eq(ev->qtype, DH_QTYPE_TXT);
    cr_assert_eq(ev->flags, DH_FLAG_QR | DH_FLAG_AA | DH_FLAG_RD, "flags 8500");
    cr_assert_eq(ev->n_answers, 2);
    cr_assert(data_is(&ev->answers[0], "9.4.2"));
    cr_assert_eq(ev->answers[1].section, DH_SECTION_AUTHORITY);
    cr_assert_eq(ev->answers[1].rrtype, DH_QTYPE_NS);
    cr_assert_str_eq(addr(&ev->client), "192.168.113.110");
}

/* ---- synthetic lines ---- */

#define V3_HEAD "{\"timestamp\":\"2024-05-01T10:00:00.000001+0000\",\"flow_id\":42," \
                "\"event_type\":\"dns\","
#define V3_REQ V3_HEAD "\"src_ip\":\"192.0.2.10\",\"src_port\":40000,\"dest_ip\":\"192.0.2.53\"," \
    "\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"version\":3,\"type\":\"request\"," \
    "\"tx_id\":0,\"id\":0,\"flags\":\"100\",\"rd\":true,\"opcode\":0,\"rcode\":\"NOERROR\"," \
    "\"queries\":[{\"rrname\":\"www.suricata.io\",\"rrtype\":\"A\"}]}}"
#define V3_RESP V3_HEAD "\"src_ip\":\"192.0.2.53\",\"src_port\":53,\"dest_ip\":\"192.0.2.10\"," \
    "\"dest_port\":40000,\"proto\":\"UDP\",\"dns\":{\"version\":3,\"type\":\"response\"," \
    "\"tx_id\":1,\"id\":0,\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,\"opcode\":0," \
    "\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"www.suricata.io\",\"rrtype\":\"A\"}]," \
    "\"answers\":[{\"rrname\":\"www.suricata.io\",\"rrtype\":\"CNAME\",\"ttl\":3597," \
    "\"rdata\":\"suricata.io\"},{\"rrname\":\"suricata.io\",\"rrtype\":\"A\",\"ttl\":597," \
    "\"rdata\":\"35.212.0.44\"}],\"grouped\":{\"A\":[\"35.212.0.44\"]," \
    "\"CNAME\":[\"suricata.io\"]}}}"

Test(eve, v3_request_response_pair)
{
    cr_assert_eq(parse(V3_REQ), DH_LINE_RECORD, "%s", reason);
    uint64_t key = buf->txn_key;
    cr_assert_eq(buf->part, DH_PART_REQUEST);
    cr_assert_eq(buf->ev.ts_us, 1714557600000001LL);
    cr_assert_str_eq(buf->ev.uid, "42");
    cr_assert_eq(parse(V3_RESP), DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(buf->part, DH_PART_RESPONSE);
    cr_assert_eq(buf->txn_key, key);
    cr_assert_eq(ev->n_answers, 2);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_CNAME);
    cr_assert_eq(ev->answers[0].ttl, 3597);
    cr_assert(data_is(&ev->answers[0], "suricata.io"));
    cr_assert(data_is(&ev->answers[1], "35.212.0.44"));
    cr_assert_str_eq(addr(&ev->client), "192.0.2.10");
    cr_assert_str_eq(addr(&ev->server), "192.0.2.53");
}

Test(eve, txn_key_depends_on_flow_and_id)
{
    cr_assert_eq(parse(V3_REQ), DH_LINE_RECORD);
    uint64_t a = buf->txn_key;
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\",\"flow_id\":43,"
                       "\"event_type\":\"dns\",\"dns\":{\"type\":\"query\",\"id\":0}}"),
                 DH_LINE_RECORD);
    cr_assert_neq(buf->txn_key, a);
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\",\"flow_id\":42,"
                       "\"event_type\":\"dns\",\"dns\":{\"type\":\"query\",\"id\":1}}"),
                 DH_LINE_RECORD);
    cr_assert_neq(buf->txn_key, a);
}

Test(eve, flow_id_beyond_double_precision)
{
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\","
                       "\"flow_id\":18446744073709551615,\"event_type\":\"dns\","
                       "\"dns\":{\"type\":\"query\",\"id\":7}}"),
                 DH_LINE_RECORD);
    cr_assert_str_eq(buf->ev.uid, "18446744073709551615");
    uint64_t a = buf->txn_key;
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\","
                       "\"flow_id\":18446744073709551614,\"event_type\":\"dns\","
                       "\"dns\":{\"type\":\"query\",\"id\":7}}"),
                 DH_LINE_RECORD);
    cr_assert_neq(buf->txn_key, a, "ids that are one double apart stay apart");
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\","
                       "\"flow_id\":184467440737095516150,\"event_type\":\"dns\","
                       "\"dns\":{\"type\":\"query\",\"id\":7}}"),
                 DH_LINE_RECORD);
    cr_assert_null(buf->ev.uid, "does not fit 64 bits");
}

#define V2_ANSWER(ports, extra) "{\"timestamp\":\"2021-06-06T16:26:27.431775+0200\"," \
    "\"flow_id\":1,\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\"," \
    ports ",\"proto\":\"UDP\",\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":2," \
    "\"rrname\":\"a.example\"" extra "}}"

Test(eve, v2_grouped_only)
{
    cr_assert_eq(parse(V2_ANSWER("\"src_port\":4000,\"dest_port\":53",
                                 ",\"rcode\":\"NOERROR\",\"grouped\":{\"CNAME\":[\"b.example\"],"
                                 "\"A\":[\"192.0.2.1\","
                                 "\"192.0.2.2\"],\"SOA\":[{\"mname\":\"ns\",\"serial\":5}]}")),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->n_answers, 4);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_CNAME);
    cr_assert(data_is(&ev->answers[0], "b.example"));
    cr_assert_eq(ev->answers[0].ttl, -1);
    cr_assert_null(ev->answers[0].rrname);
    cr_assert_eq(ev->answers[2].rrtype, DH_QTYPE_A);
    cr_assert(data_is(&ev->answers[3], "ns - 5 - - - -"), "missing SOA members are -");
    cr_assert_eq(parse(V2_ANSWER("\"src_port\":4000,\"dest_port\":53",
                                 ",\"rcode\":\"NOERROR\",\"grouped\":{}")),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.n_answers, 0);
    cr_assert_eq(buf->ev.rcode, 0);
    cr_assert(buf->ev.has_response);
}

Test(eve, response_direction_rules)
{
    /* v2, client port first: src is the client */
    cr_assert_eq(parse(V2_ANSWER("\"src_port\":4000,\"dest_port\":53", "")), DH_LINE_RECORD);
    cr_assert_str_eq(addr(&buf->ev.client), "10.0.0.1");
    /* v2 with src_port 53: src is the server */
    cr_assert_eq(parse(V2_ANSWER("\"src_port\":53,\"dest_port\":4000", "")), DH_LINE_RECORD);
    cr_assert_str_eq(addr(&buf->ev.client), "10.0.0.2");
    cr_assert_eq(buf->ev.client_port, 4000);
    cr_assert_eq(buf->ev.server_port, 53);
    /* neither side on a DNS port: v2 keeps flow direction */
    cr_assert_eq(parse(V2_ANSWER("\"src_port\":4000,\"dest_port\":5000", "")), DH_LINE_RECORD);
    cr_assert_str_eq(addr(&buf->ev.client), "10.0.0.1");
    /* both on 53 (server to server): v2 keeps flow direction */
    cr_assert_eq(parse(V2_ANSWER("\"src_port\":53,\"dest_port\":53", "")), DH_LINE_RECORD);
    cr_assert_str_eq(addr(&buf->ev.client), "10.0.0.1");
    /* v3 response between two port-53 hosts: src is the responder */
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\",\"event_type\":\"dns\","
                       "\"src_ip\":\"10.0.0.1\",\"src_port\":53,\"dest_ip\":\"10.0.0.2\","
                       "\"dest_port\":53,\"dns\":{\"version\":3,\"type\":\"response\",\"id\":1}}"),
                 DH_LINE_RECORD);
    cr_assert_str_eq(addr(&buf->ev.client), "10.0.0.2");
    /* v1 answer on odd ports: src is the server */
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\",\"event_type\":\"dns\","
                       "\"src_ip\":\"10.0.0.1\",\"src_port\":4000,\"dest_ip\":\"10.0.0.2\","
                       "\"dest_port\":5000,\"dns\":{\"type\":\"answer\",\"id\":1,"
                       "\"rcode\":\"REFUSED\",\"rrname\":\"x\"}}"),
                 DH_LINE_RECORD);
    cr_assert_str_eq(addr(&buf->ev.client), "10.0.0.2");
    cr_assert_eq(buf->ev.rcode, DH_RCODE_REFUSED);
    /* IPv6 written fully expanded */
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\",\"event_type\":\"dns\","
                       "\"src_ip\":\"fe80:0000:0000:0000:0000:0000:0000:0001\",\"src_port\":5353,"
                       "\"dest_ip\":\"ff02:0000:0000:0000:0000:0000:0000:00fb\",\"dest_port\":5353,"
                       "\"dns\":{\"type\":\"query\",\"id\":0,\"rrname\":\"h.local\"}}"),
                 DH_LINE_RECORD);
    cr_assert_str_eq(addr(&buf->ev.client), "fe80::1");
    cr_assert_str_eq(addr(&buf->ev.server), "ff02::fb");
}

Test(eve, flags_and_rcode_spellings)
{
    cr_assert_eq(parse(V2_ANSWER("\"src_port\":4000,\"dest_port\":53",
                                 ",\"flags\":\"8703\",\"tc\":false,\"rcode\":\"BADVERS/BADSIG\"")),
                 DH_LINE_RECORD);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->flags, DH_FLAG_QR | DH_FLAG_AA | DH_FLAG_RD, "TC bit cleared by tc:false");
    cr_assert_eq(ev->rcode, 16, "the first of BADVERS/BADSIG");
    cr_assert_eq(parse(V2_ANSWER("\"src_port\":4000,\"dest_port\":53",
                                 ",\"flags\":\"8010\",\"rrtype\":\"CDSNKEY\"")),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.flags, DH_FLAG_QR | DH_FLAG_Z, "CD counts as Z, as in Zeek");
    cr_assert_eq(buf->ev.qtype, 60, "Suricata's misspelt CDNSKEY");
}

Test(eve, mdns_event_type)
{
    cr_assert_eq(parse("{\"timestamp\":\"2025-08-01T10:00:00.5+0000\",\"flow_id\":9,"
                       "\"event_type\":\"mdns\",\"src_ip\":\"192.168.1.5\",\"src_port\":5353,"
                       "\"dest_ip\":\"224.0.0.251\",\"dest_port\":5353,\"proto\":\"UDP\","
                       "\"mdns\":{\"type\":\"response\",\"id\":0,\"flags\":[\"aa\"],\"opcode\":0,"
                       "\"rcode\":0,\"queries\":[{\"rrname\":\"_ipp._tcp.local\","
                       "\"rrtype\":\"ptr\"}],\"answers\":[{\"rrname\":\"_ipp._tcp.local\","
                       "\"ptr\":\"p._ipp._tcp.local\"}],\"additionals\":[{\"rrname\":"
                       "\"p._ipp._tcp.local\",\"txt\":[\"a=1\",\"b=2\"]},"
                       "{\"rrname\":\"p.local\",\"a\":\"192.168.1.5\"}]}}"),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(buf->part, DH_PART_RESPONSE);
    cr_assert_eq(ev->qtype, DH_QTYPE_PTR, "lowercase rrtype");
    cr_assert_eq(ev->rcode, 0);
    cr_assert_eq(ev->flags, DH_FLAG_QR | DH_FLAG_AA);
    cr_assert_str_eq(addr(&ev->server), "192.168.1.5", "the responder");
    cr_assert_eq(ev->n_answers, 3);
    cr_assert_eq(ev->answers[0].rrtype, DH_QTYPE_PTR, "type from the member name");
    cr_assert(data_is(&ev->answers[0], "p._ipp._tcp.local"));
    cr_assert_eq(ev->answers[1].rrtype, DH_QTYPE_TXT);
    cr_assert(data_is(&ev->answers[1], "a=1 b=2"));
    cr_assert_eq(ev->answers[2].section, DH_SECTION_ADDITIONAL);
    cr_assert_eq(ev->answers[2].rrtype, DH_QTYPE_A);
}

Test(eve, rr_cap)
{
    char line[8192];
    int o = snprintf(line, sizeof(line),
                     "{\"timestamp\":\"2024-05-01T10:00:00+0000\",\"event_type\":\"dns\","
                     "\"dns\":{\"version\":3,\"type\":\"response\",\"id\":1,\"answers\":[");
    for (int i = 0; i < 70; i++)
        o += snprintf(line + o, sizeof(line) - (size_t)o,
                      "%s{\"rrname\":\"x\",\"rrtype\":\"A\",\"ttl\":1,\"rdata\":\"10.0.0.%d\"}",
                      i ? "," : "", i);
    snprintf(line + o, sizeof(line) - (size_t)o, "]}}");
    cr_assert_eq(parse(line), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.n_answers, DH_EVBUF_MAX_ANSWERS);
    cr_assert_eq(buf->ev.answers_dropped, 6);
}

/* ---- skipping and errors ---- */

Test(eve, non_dns_lines_are_skipped)
{
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\",\"event_type\":\"stats\","
                       "\"stats\":{\"uptime\":5}}"),
                 DH_LINE_SKIPPED);
    cr_assert_eq(parse("{\"timestamp\":\"x\",\"event_type\":\"alert\",\"dns\":{\"query\":"
                       "[{\"type\":\"query\",\"id\":0,\"rrname\":\"www.suricata.io\"}]}}"),
                 DH_LINE_SKIPPED, "an alert carrying a dns object");
    cr_assert_eq(parse("{ \"event_type\" : \"flow\" , \"flow\" : {} }"), DH_LINE_SKIPPED,
                 "spaces around the colon");
    cr_assert_eq(parse("{\"dns\":{\"event_type\":\"dns\"},\"event_type\":\"flow\"}"),
                 DH_LINE_SKIPPED, "only the top-level event_type counts");
    cr_assert_eq(parse("{\"event_type\":\"\\u0066low\"}"), DH_LINE_SKIPPED);
    /* the cheap path does not validate the rest of a non-DNS line */
    cr_assert_eq(parse("{\"event_type\":\"flow\",oops}"), DH_LINE_SKIPPED);
}

Test(eve, malformed_lines)
{
    cr_assert_eq(parse("{\"timestamp\":\"2022-02-23T19:22:25+0100\",\"F\":\"stats\"}"),
                 DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "no event_type");
    cr_assert_eq(parse("{\"event_type\":\"dns\",\"dns\":"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "invalid JSON");
    cr_assert_eq(parse("{\"event_type\":\"dns\",\"timestamp\":\"2024-05-01T10:00:00Z\"}"),
                 DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "no dns object");
    cr_assert_eq(parse("{\"event_type\":\"dns\",\"timestamp\":\"2024-05-01T10:00:00Z\","
                       "\"dns\":{\"type\":\"notify\"}}"),
                 DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "unknown dns.type");
    cr_assert_eq(parse("{\"event_type\":\"dns\",\"dns\":{\"type\":\"query\"}}"),
                 DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "no timestamp");
    cr_assert_eq(parse("{\"event_type\":\"dns\",\"timestamp\":\"May 1\","
                       "\"dns\":{\"type\":\"query\"}}"),
                 DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad timestamp");
    cr_assert_eq(parse("{\"event_type\":\"dns\"} trailing"), DH_LINE_MALFORMED);
    cr_assert_eq(parse("{\"event_type\":5}"), DH_LINE_MALFORMED);
}

Test(eve, hostile_shapes)
{
    const char *bad[] = {"[]", "\"string\"", "{", "}", "{\"event_type\":\"dns\"",
                         "{\"event_type\":\"flow\"", "nul", "{\"event_type\":\"dns\",\"dns\":5}",
                         "{\"a\":\"\\x\"}", "{\"event_type\":\"d\\",
                         "{\"event_type\":\"dns\",\"timestamp\":5,\"dns\":{\"type\":\"query\"}}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(parse(bad[i]), DH_LINE_MALFORMED, "%s", bad[i]);
        cr_assert_neq(reason[0], '\0');
    }
    size_t n = 10000;
    char *s = malloc(n + 64);
    int o = sprintf(s, "{\"event_type\":\"dns\",\"x\":");
    memset(s + o, '[', n);
    s[o + n] = '\0';
    cr_assert_eq(parse(s), DH_LINE_MALFORMED);
    memset(s, '[', n);
    s[n] = '\0';
    cr_assert_eq(parse(s), DH_LINE_MALFORMED);
    free(s);
}

Test(eve, wrong_types_give_unknowns)
{
    cr_assert_eq(parse("{\"timestamp\":\"2024-05-01T10:00:00+0000\",\"flow_id\":\"12\","
                       "\"event_type\":\"dns\",\"src_ip\":5,\"src_port\":\"x\","
                       "\"dest_ip\":\"1.2.3\",\"dest_port\":1e400,\"proto\":[],"
                       "\"dns\":{\"version\":\"3\",\"type\":\"response\",\"id\":-1,"
                       "\"flags\":\"zzzz\",\"qr\":1,\"opcode\":99,\"rcode\":{},"
                       "\"queries\":5,\"rrname\":7,\"rrtype\":{},\"answers\":5,\"grouped\":[1],"
                       "\"authorities\":[1,\"x\",{\"ttl\":\"x\",\"rrtype\":-5,\"rdata\":[],"
                       "\"soa\":7}],\"additionals\":{}}}"),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_null(ev->uid);
    cr_assert_eq(ev->client.family, DH_AF_UNSET);
    cr_assert_eq(ev->server.family, DH_AF_UNSET);
    cr_assert_eq(ev->client_port, -1);
    cr_assert_eq(ev->server_port, -1);
    cr_assert_eq(ev->transport, DH_TRANSPORT_UNKNOWN);
    cr_assert_eq(ev->trans_id, -1);
    cr_assert_eq(ev->flags_known, 0);
    cr_assert_eq(ev->opcode, -1);
    cr_assert_eq(ev->rcode, -1);
    cr_assert_not(ev->has_qname);
    cr_assert_eq(ev->qtype, -1);
    cr_assert_eq(ev->n_answers, 1, "only the object in authorities");
    cr_assert_eq(ev->answers[0].ttl, -1);
    cr_assert_eq(ev->answers[0].rrtype, -1);
    cr_assert_null(ev->answers[0].data);
    cr_assert_null(ev->answers[0].rrname);
}

/* Issue 10: impossible dates and times beyond 2099 are malformed records. */
static dh_line_t eve_at(const char *ts)
{
    char line[256];
    snprintf(line, sizeof(line),
             "{\"timestamp\":\"%s\",\"flow_id\":1,\"event_type\":\"dns\","
             "\"dns\":{\"type\":\"query\",\"id\":1}}",
             ts);
    return parse(line);
}

Test(eve, calendar_dates_are_validated)
{
    cr_assert_eq(eve_at("2024-02-29T10:00:00.000000+0000"), DH_LINE_RECORD, "leap day");
    cr_assert_eq(eve_at("2024-02-30T10:00:00.000000+0000"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad timestamp");
    cr_assert_eq(eve_at("2023-02-29T10:00:00.000000+0000"), DH_LINE_MALFORMED, "not a leap year");
    cr_assert_eq(eve_at("2024-13-01T10:00:00.000000+0000"), DH_LINE_MALFORMED, "month 13");
    cr_assert_eq(eve_at("2024-04-31T10:00:00.000000+0000"), DH_LINE_MALFORMED);
    cr_assert_eq(eve_at("2024-05-01T25:00:00.000000+0000"), DH_LINE_MALFORMED, "hour 25");
    cr_assert_eq(eve_at("9999-12-31T23:59:59.000000+0000"), DH_LINE_MALFORMED, "beyond 2099");
    cr_assert_eq(eve_at("2099-12-31T23:59:59.000000+0000"), DH_LINE_RECORD);
}

/* Found by tests/fuzz/fuzz-parsers: a head cut inside the event_type value
   was read past its end. Each head here is an exact-size heap copy so that
   ASan (make check) sees any read beyond it. */
static bool skips_cut_head(const char *text)
{
    size_t len = strlen(text);
    char *head = malloc(len);
    cr_assert_not_null(head);
    memcpy(head, text, len);
    bool r = P->skips_truncated(head, len);
    free(head);
    return r;
}

Test(eve, skips_truncated_head_cut_in_event_type)
{
    cr_assert_not(skips_cut_head("{\"event_type\":\"dns"), "cut before the quote: unknown");
    cr_assert_not(skips_cut_head("{\"event_type\":\"d"));
    cr_assert_not(skips_cut_head("{\"event_type\":\""));
    cr_assert(skips_cut_head("{\"event_type\":\"st"), "already not dns");
    cr_assert(skips_cut_head("{\"event_type\":\"dnsx"));
    cr_assert_not(skips_cut_head("{\"event_type\":\"dns\""));
    cr_assert(skips_cut_head("{\"event_type\":\"stats\",\"stats\":{"));
}
