/*
 * test-parse-zeek-tsv.c - the Zeek ASCII (TSV) dns.log parser on real logs
 * from every Zeek/Bro generation we have, on zeek-cut output, and on hostile
 * input.
 *
 * Real files come from tests/data/zeek-tsv/ (permissive licences, see its
 * SOURCES.md) or, for files we may not redistribute (GPL, no licence), from the
 * shared corpus next to the repository; those tests skip when it is absent.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "corpus.h"
#include "evbuf.h"
#include "parser.h"
#include "util-time.h"
#include "util-dns.h"
#include "util-ip.h"

extern const dh_parser_type_t dh_parser_zeek_tsv;
#define P (&dh_parser_zeek_tsv)

#define DATA DH_SOURCE_DIR "/tests/data/zeek-tsv/"
#define MAX_LINE ((size_t)2 << 20)

/* ------------------------------------------------------------------------ */
/* Fixture and helpers                                                      */
/* ------------------------------------------------------------------------ */

static void *st;
static dh_evbuf_t *eb;
static char reason[DH_REASON_MAX];

static void setup(void)
{
    st = P->create();
    eb = dh_evbuf_new(MAX_LINE);
    reason[0] = '\0';
}

static void teardown(void)
{
    P->destroy(st);
    dh_evbuf_free(eb);
}

TestSuite(zeek_tsv, .init = setup, .fini = teardown);

static const dh_event_t *ev(void)
{
    return &eb->ev;
}

static dh_line_t feedn(const char *line, size_t len)
{
    reason[0] = '\0';
    return dh_parser_parse_line(P, st, line, len, eb, reason);
}

static dh_line_t feed(const char *line)
{
    return feedn(line, strlen(line));
}

static const char *const HEADER24[] = {
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\tdns",
    "#open\t2024-01-01-00-00-00",
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery"
    "\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers"
    "\tTTLs\trejected",
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring"
    "\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]"
    "\tvector[interval]\tbool",
    NULL,
};

static void feed_header24(void)
{
    for (size_t i = 0; HEADER24[i]; i++)
        cr_assert_eq(feed(HEADER24[i]), DH_LINE_HEADER, "header line %zu", i);
}

/* A synthetic 24-column record (documentation addresses and names). Column
   numbers: 0 ts 1 uid 2 orig_h 3 orig_p 4 resp_h 5 resp_p 6 proto 7 trans_id
   8 rtt 9 query 10 qclass 11 qclass_name 12 qtype 13 qtype_name 14 rcode
   15 rcode_name 16 AA 17 TC 18 RD 19 RA 20 Z 21 answers 22 TTLs 23 rejected */
static const char *const BASE24[24] = {
    "1700000000.123456", "CsYnTh1", "192.0.2.10", "40000", "198.51.100.53", "53", "udp",
    "4660", "0.012500", "www.example.com", "1", "C_INTERNET", "1", "A", "0", "NOERROR",
    "F", "F", "T", "T", "0", "alias.example.net,203.0.113.7", "300.000000,60.000000", "F",
};

static char rowbuf[(1 << 20) + (1 << 16)];

static const char *join(const char *const *cols, int n)
{
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(cols[i]);
        cr_assert_lt(o + l + 2, sizeof(rowbuf));
        if (i)
            rowbuf[o++] = '\t';
        memcpy(rowbuf + o, cols[i], l);
        o += l;
    }
    rowbuf[o] = '\0';
    return rowbuf;
}

/* BASE24 with (column, value) overrides, ended by -1. */
static const char *row24(int col, ...)
{
    const char *cols[24];
    memcpy(cols, BASE24, sizeof(cols));
    va_list ap;
    va_start(ap, col);
    for (int i = col; i >= 0; i = va_arg(ap, int))
        cols[i] = va_arg(ap, const char *);
    va_end(ap);
    return join(cols, 24);
}

static bool mem_is(const char *p, size_t len, const char *want, size_t want_len)
{
    return p && len == want_len && memcmp(p, want, len) == 0;
}
#define STR_IS(p, len, lit) mem_is((p), (len), (lit), sizeof(lit) - 1)

/* memmem is a GNU extension; this is all the tests need. */
static bool contains(const char *hay, size_t hay_len, const char *needle, size_t len)
{
    for (size_t i = 0; hay && i + len <= hay_len; i++)
        if (memcmp(hay + i, needle, len) == 0)
            return true;
    return false;
}

static const char *addr_text(const dh_addr_t *a)
{
    static char buf[DH_ADDR_STRLEN];
    return dh_addr_format(a, buf);
}

/* Feeding a whole file the way the reader does: line by line, '\n' removed,
   empty lines skipped. */
typedef struct {
    size_t records, headers, skipped, malformed;
    size_t first_bad_line;
    char first_reason[DH_REASON_MAX];
} tally_t;

typedef void (*line_fn)(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno,
                        void *ctx);

static tally_t feed_file(const char *path, bool fake_ts, line_fn fn, void *ctx)
{
    tally_t t = {0};
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    void *s = P->create();
    dh_evbuf_t *b = dh_evbuf_new(MAX_LINE);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) != -1) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n == 0)
            continue;
        /* btest canonifies ts; put a real one in to reach the rest. */
        if (fake_ts && n >= 17 && memcmp(line, "XXXXXXXXXX.XXXXXX", 17) == 0)
            memcpy(line, "1600000000.000000", 17);
        char why[DH_REASON_MAX] = "";
        dh_line_t kind = dh_parser_parse_line(P, s, line, (size_t)n, b, why);
        switch (kind) {
        case DH_LINE_RECORD: t.records++; break;
        case DH_LINE_HEADER: t.headers++; break;
        case DH_LINE_SKIPPED: t.skipped++; break;
        case DH_LINE_MALFORMED:
            cr_assert_neq(why[0], '\0', "%s:%zu: MALFORMED without reason", path, lineno);
            if (!t.malformed++) {
                t.first_bad_line = lineno;
                memcpy(t.first_reason, why, sizeof(why));
            }
            break;
        }
        if (fn)
            fn(kind, &b->ev, why, lineno, ctx);
    }
    free(line);
    fclose(f);
    dh_evbuf_free(b);
    P->destroy(s);
    return t;
}

static void need(const char *path)
{
    if (access(path, R_OK) != 0)
        cr_skip_test("%s: corpus absent", path);
}

/* ------------------------------------------------------------------------ */
/* probe                                                                    */
/* ------------------------------------------------------------------------ */

static dh_probe_t probe(const char *line)
{
    return P->probe(line, strlen(line));
}

Test(zeek_tsv, probe_says_yes_for_headers_cut_rows_and_default_rows)
{
    cr_assert_eq(probe("#separator \\x09"), DH_PROBE_YES);
    cr_assert_eq(probe("#fields\tts\tuid\tquery"), DH_PROBE_YES);
    cr_assert_eq(probe("#path\tdns"), DH_PROBE_NEED_MORE);
    cr_assert_eq(probe("### BTest baseline data generated by btest-diff."), DH_PROBE_NEED_MORE);
    cr_assert_eq(probe("#open XXXX-XX-XX-XX-XX-XX"), DH_PROBE_NEED_MORE);
    /* headerless rows of Zeek's default layout and zeek-cut header rows are
       certain signatures too */
    cr_assert_eq(probe(row24(-1)), DH_PROBE_YES);
    cr_assert_eq(probe("uid\tid.orig_h\tquery"), DH_PROBE_YES);
    cr_assert_eq(probe("uid\tid.orig_h\tnot_a_field"), DH_PROBE_NEED_MORE);
    cr_assert_eq(probe("a\tb\tc"), DH_PROBE_NEED_MORE);
    cr_assert_eq(probe("{\"ts\":1517336042.279652,\"uid\":\"C1\"}"), DH_PROBE_NO);
    cr_assert_eq(probe("{\"a\":\"x\ty\"}"), DH_PROBE_NO);
    cr_assert_eq(probe("just some text"), DH_PROBE_NO);
    cr_assert_eq(P->probe("", 0), DH_PROBE_NO);
    cr_assert_eq(P->probe("#", 1), DH_PROBE_NEED_MORE);
    cr_assert_str_eq(P->name, "zeek");
    cr_assert_null(P->end_of_input);
}

/* ------------------------------------------------------------------------ */
/* Synthetic records: every field                                           */
/* ------------------------------------------------------------------------ */

Test(zeek_tsv, full_record_fills_every_field)
{
    feed_header24();
    cr_assert_eq(feed(row24(-1)), DH_LINE_RECORD, "%s", reason);
    const dh_event_t *e = ev();
    cr_assert_eq(e->ts_us, 1700000000123456LL);
    cr_assert_eq(e->sensor, DH_SENSOR_ZEEK);
    cr_assert_eq(eb->part, DH_PART_COMPLETE);
    cr_assert_str_eq(addr_text(&e->client), "192.0.2.10");
    cr_assert_str_eq(addr_text(&e->server), "198.51.100.53");
    cr_assert_eq(e->client_port, 40000);
    cr_assert_eq(e->server_port, 53);
    cr_assert_eq(e->transport, DH_TRANSPORT_UDP);
    cr_assert_eq(e->trans_id, 4660);
    cr_assert(STR_IS(e->uid, e->uid_len, "CsYnTh1"));
    cr_assert(e->has_qname);
    cr_assert(STR_IS(e->qname, e->qname_len, "www.example.com"));
    cr_assert(STR_IS(e->qname_lc, e->qname_len, "www.example.com"));
    cr_assert_eq(e->qclass, 1);
    cr_assert_eq(e->qtype, DH_QTYPE_A);
    cr_assert_eq(e->rcode, DH_RCODE_NOERROR);
    cr_assert_eq(e->opcode, -1, "no opcode column before Zeek 8.1");
    cr_assert_eq(e->flags_known, DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_RD | DH_FLAG_RA | DH_FLAG_Z);
    cr_assert_eq(e->flags, DH_FLAG_RD | DH_FLAG_RA);
    cr_assert_eq(e->rejected, 0);
    cr_assert_eq(e->rtt_us, 12500);
    cr_assert(e->has_response);
    cr_assert_eq(e->n_answers, 2);
    cr_assert_eq(e->answers_dropped, 0);
    cr_assert(STR_IS(e->answers[0].data, e->answers[0].data_len, "alias.example.net"));
    cr_assert_eq(e->answers[0].rrtype, DH_QTYPE_CNAME);
    cr_assert_eq(e->answers[0].ttl, 300);
    cr_assert_eq(e->answers[0].section, DH_SECTION_ANSWER);
    cr_assert_null(e->answers[0].rrname);
    cr_assert(STR_IS(e->answers[1].data, e->answers[1].data_len, "203.0.113.7"));
    cr_assert_eq(e->answers[1].rrtype, DH_QTYPE_A);
    cr_assert_eq(e->answers[1].ttl, 60);
}

Test(zeek_tsv, request_only_row_has_no_response)
{
    feed_header24();
    cr_assert_eq(feed(row24(8, "-", 14, "-", 15, "-", 21, "-", 22, "-", -1)), DH_LINE_RECORD);
    cr_assert_not(ev()->has_response);
    cr_assert_eq(ev()->rcode, -1);
    cr_assert_eq(ev()->rtt_us, -1);
    cr_assert_eq(ev()->n_answers, 0);
}

Test(zeek_tsv, empty_and_unset_are_different)
{
    feed_header24();
    /* (empty) query is the root zone; (empty) answers is an empty vector */
    cr_assert_eq(feed(row24(9, "(empty)", 12, "2", 13, "NS", 21, "(empty)", 22, "(empty)", -1)),
                 DH_LINE_RECORD, "%s", reason);
    cr_assert(ev()->has_qname);
    cr_assert_eq(ev()->qname_len, 0);
    cr_assert_not_null(ev()->qname);
    cr_assert_eq(ev()->n_answers, 0);
    cr_assert(ev()->has_response);

    /* '-' is unset */
    cr_assert_eq(feed(row24(1, "-", 2, "-", 3, "-", 6, "-", 7, "-", 8, "-", 9, "-", 10, "-", 11, "-",
                            12, "-", 13, "-", 14, "-", 15, "-", 16, "-", 17, "-", 18, "-", 19, "-",
                            20, "-", 21, "-", 22, "-", 23, "-", -1)),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *e = ev();
    cr_assert_not(e->has_qname);
    cr_assert_null(e->qname);
    cr_assert_null(e->uid);
    cr_assert_eq(e->client.family, DH_AF_UNSET);
    cr_assert_eq(e->client_port, -1);
    cr_assert_eq(e->transport, DH_TRANSPORT_UNKNOWN);
    cr_assert_eq(e->trans_id, -1);
    cr_assert_eq(e->qtype, -1);
    cr_assert_eq(e->qclass, -1);
    cr_assert_eq(e->rcode, -1);
    cr_assert_eq(e->flags_known, 0);
    cr_assert_eq(e->rejected, -1);
    cr_assert_eq(e->rtt_us, -1);
    cr_assert_eq(e->n_answers, 0);
    cr_assert_not(e->has_response);

    /* "\x2d" is an escaped literal '-', not unset */
    cr_assert_eq(feed(row24(9, "\\x2d", -1)), DH_LINE_RECORD);
    cr_assert(ev()->has_qname);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "-"));
}

Test(zeek_tsv, escapes_are_decoded_per_element)
{
    feed_header24();
    /* Zeek writes a backslash as \x5c (dh_zeek_unescape) */
    cr_assert_eq(feed(row24(9, "A\\x2cb\\x5cC\\x00d\\xe2\\x80\\x99", 21,
                            "x\\x2cy,(empty),\\x2d,TXT 3 a\\x2cb", 22, "1.0,2.0,3.0,4.0", -1)),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *e = ev();
    static const char want[] = "A,b\\C\0d\xe2\x80\x99";
    static const char want_lc[] = "a,b\\c\0d\xe2\x80\x99";
    cr_assert_eq(e->qname_len, sizeof(want) - 1);
    cr_assert_eq(memcmp(e->qname, want, sizeof(want) - 1), 0);
    cr_assert_eq(memcmp(e->qname_lc, want_lc, sizeof(want_lc) - 1), 0);
    cr_assert_eq(e->n_answers, 4);
    cr_assert(STR_IS(e->answers[0].data, e->answers[0].data_len, "x,y"));
    cr_assert_eq(e->answers[1].data_len, 0, "(empty) element is the empty string");
    cr_assert_not_null(e->answers[1].data);
    cr_assert(STR_IS(e->answers[2].data, e->answers[2].data_len, "-"));
    cr_assert(STR_IS(e->answers[3].data, e->answers[3].data_len, "TXT 3 a,b"));
    cr_assert_eq(e->answers[3].rrtype, DH_QTYPE_TXT);
    cr_assert_eq(e->answers[3].ttl, 4);
}

Test(zeek_tsv, broken_escapes_stay_literal)
{
    feed_header24();
    cr_assert_eq(feed(row24(9, "a\\xZZb\\x4", 21, "\\", 22, "1.0", -1)), DH_LINE_RECORD);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "a\\xZZb\\x4"));
    cr_assert(STR_IS(ev()->answers[0].data, ev()->answers[0].data_len, "\\"));
    cr_assert_eq(feed(row24(9, "end\\x", -1)), DH_LINE_RECORD);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "end\\x"));
    cr_assert_eq(feed(row24(9, "\\", -1)), DH_LINE_RECORD);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "\\"));
    /* "\\" is no escape in Zeek (it writes \x5c): both backslashes stay */
    cr_assert_eq(feed(row24(9, "\\q\\\\", -1)), DH_LINE_RECORD);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "\\q\\\\"));
}

/* Zeek's reader rules (get_unescaped_string), the same in the JSON parser:
   only \xNN is an escape, so "\\x41" is a backslash and then an escaped A */
Test(zeek_tsv, only_hex_escapes_as_zeek_reads_them)
{
    feed_header24();
    cr_assert_eq(feed(row24(9, "a\\\\x41", 21, "b\\\\\\x5c", 22, "1.0", -1)), DH_LINE_RECORD);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "a\\A"));
    cr_assert(STR_IS(ev()->answers[0].data, ev()->answers[0].data_len, "b\\\\\\"));
    cr_assert_eq(feed(row24(9, "\\X41\\x4A\\x4a", -1)), DH_LINE_RECORD);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "\\X41JJ"), "\\x only, hex of either case");
}

Test(zeek_tsv, answer_types_are_inferred_only_when_certain)
{
    feed_header24();
    cr_assert_eq(feed(row24(21,
                            "203.0.113.7,2001:db8::1,cname.example,TXT 5 hello,RRSIG 1 example.com,"
                            "LOC:  18 21 19,SSHFP: 0b24,NSEC3,NSEC3PARAM,Mx.example,TYPE65 x,"
                            "BIND9 signing signal,add: A x.example 192.0.2.1,65 x",
                            22, "1,2,3,4,5,6,7,8,9,10,11,12,13,14", -1)),
                 DH_LINE_RECORD, "%s", reason);
    /* free text with spaces is no host name: unknown, not CNAME */
    static const int32_t want_a[] = {1, 28, 5, 16, 46, 29, 44, 50, 51, 5, -1, -1, -1, -1};
    cr_assert_eq(ev()->n_answers, 14);
    for (int i = 0; i < 14; i++) {
        cr_assert_eq(ev()->answers[i].rrtype, want_a[i], "A query, answer %d", i);
        cr_assert_eq(ev()->answers[i].ttl, i + 1);
    }

    /* the same texts for a TXT query: names are left unknown */
    cr_assert_eq(feed(row24(12, "16", 13, "TXT", 21,
                            "203.0.113.7,cname.example,This TXT record should be ignored,TYPE65 x", 22,
                            "-", -1)),
                 DH_LINE_RECORD);
    static const int32_t want_txt[] = {1, -1, -1, -1};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(ev()->answers[i].rrtype, want_txt[i], "TXT query, answer %d", i);
        cr_assert_eq(ev()->answers[i].ttl, -1);
    }

    /* PTR, NS and MX name answers take the query type */
    cr_assert_eq(feed(row24(12, "12", 21, "host.example,192.0.2.1", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->answers[0].rrtype, DH_QTYPE_PTR);
    cr_assert_eq(ev()->answers[1].rrtype, DH_QTYPE_A);
    cr_assert_eq(feed(row24(12, "15", 21, "mx.example", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->answers[0].rrtype, DH_QTYPE_MX);
    cr_assert_eq(feed(row24(12, "33", 21, "target.example", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->answers[0].rrtype, -1);
}

Test(zeek_tsv, ttls_shorter_than_answers_or_unset_give_minus_one)
{
    feed_header24();
    cr_assert_eq(feed(row24(21, "192.0.2.1,192.0.2.2,192.0.2.3", 22, "60.000000,-", -1)),
                 DH_LINE_RECORD);
    cr_assert_eq(ev()->answers[0].ttl, 60);
    cr_assert_eq(ev()->answers[1].ttl, -1);
    cr_assert_eq(ev()->answers[2].ttl, -1);
    cr_assert_eq(feed(row24(22, "59.999999,0.5", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->answers[0].ttl, 59);
    cr_assert_eq(ev()->answers[1].ttl, 0);
    cr_assert_eq(feed(row24(22, "60.0,abc", -1)), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad TTLs 'abc'");
}

Test(zeek_tsv, numbers_fall_back_to_names)
{
    feed_header24();
    cr_assert_eq(feed(row24(10, "-", 11, "qclass-32769", 12, "-", 13, "AAAA", 14, "-", 15, "NXDOMAIN",
                            -1)),
                 DH_LINE_RECORD, "%s", reason);
    cr_assert_eq(ev()->qclass, 32769);
    cr_assert_eq(ev()->qtype, DH_QTYPE_AAAA);
    cr_assert_eq(ev()->rcode, DH_RCODE_NXDOMAIN);
    cr_assert(ev()->has_response);

    /* the number wins when both are given and disagree */
    cr_assert_eq(feed(row24(13, "AAAA", 14, "5", 15, "NOERROR", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->qtype, DH_QTYPE_A);
    cr_assert_eq(ev()->rcode, DH_RCODE_REFUSED);

    /* unknown names stay unknown, they are not an error */
    cr_assert_eq(feed(row24(12, "-", 13, "NOSUCHTYPE", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->qtype, -1);
    cr_assert_eq(feed(row24(10, "-", 11, "C_CHAOS", 12, "-", 13, "query-65534", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->qclass, 3);
    cr_assert_eq(ev()->qtype, 65534);
}

Test(zeek_tsv, flags_z_rejected_and_transport)
{
    feed_header24();
    cr_assert_eq(feed(row24(16, "T", 17, "T", 18, "F", 19, "F", 20, "2", 23, "T", 6, "tcp", -1)),
                 DH_LINE_RECORD);
    cr_assert_eq(ev()->flags, DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_Z);
    cr_assert_eq(ev()->rejected, 1);
    cr_assert_eq(ev()->transport, DH_TRANSPORT_TCP);
    cr_assert_eq(feed(row24(6, "icmp", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->transport, DH_TRANSPORT_UNKNOWN);
    cr_assert_eq(feed(row24(6, "unknown_transport", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->transport, DH_TRANSPORT_UNKNOWN);
}

Test(zeek_tsv, bad_values_are_malformed_with_a_reason)
{
    static const struct {
        int col;
        const char *value;
        const char *reason;
    } cases[] = {
        {0, "XXXX", "bad ts 'XXXX'"},
        {0, "XXXXXXXXXX.XXXXXX", "bad ts 'XXXXXXXXXX.XXXXXX'"},
        {0, "-", "bad ts '-'"},
        {0, "1.5e9", "bad ts '1.5e9'"},
        {2, "foo", "bad id.orig_h 'foo'"},
        {4, "300.1.1.1", "bad id.resp_h '300.1.1.1'"},
        {3, "70000", "bad id.orig_p '70000'"},
        {5, "53/udp", "bad id.resp_p '53/udp'"},
        {7, "x", "bad trans_id 'x'"},
        {8, "fast", "bad rtt 'fast'"},
        {8, "-0.5", "bad rtt '-0.5'"},
        {10, "IN", "bad qclass 'IN'"},
        {12, "A", "bad qtype 'A'"},
        {14, "-3", "bad rcode '-3'"},
        {16, "Q", "bad bool 'Q' in AA"},
        {19, "true", "bad bool 'true' in RA"},
        {20, "z", "bad Z 'z'"},
        {23, "", "bad bool '' in rejected"},
        {2, "\xe2\x80\x99x", "bad id.orig_h '???x'"},
    };
    feed_header24();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_assert_eq(feed(row24(cases[i].col, cases[i].value, -1)), DH_LINE_MALFORMED, "case %zu",
                     i);
        cr_assert_str_eq(reason, cases[i].reason, "case %zu", i);
        cr_assert_eq(ev()->n_answers, 0, "a malformed line leaves no half event");
    }
    char long_value[300];
    memset(long_value, 'z', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    cr_assert_eq(feed(row24(2, long_value, -1)), DH_LINE_MALFORMED);
    cr_assert_lt(strlen(reason), DH_REASON_MAX);
    cr_assert(strstr(reason, "...") != NULL);
}

Test(zeek_tsv, wrong_column_count)
{
    feed_header24();
    const char *cols[30];
    memcpy(cols, BASE24, sizeof(BASE24));
    cr_assert_eq(feed(join(cols, 15)), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "expected 24 columns, got 15");
    cr_assert_eq(feed("1700000000.0"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "expected 24 columns, got 1");

    /* a trailing separator is one more (empty) column */
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s\t", row24(-1));
    cr_assert_eq(feed(buf), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "expected 24 columns, got 25");
    cr_assert_eq(feed("\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad ts ''");
}

/* ------------------------------------------------------------------------ */
/* Headers                                                                  */
/* ------------------------------------------------------------------------ */

Test(zeek_tsv, every_hash_line_is_a_header)
{
    static const char *const lines[] = {
        "#open\t2019-02-28-12-07-01", "#close\t2019-02-28-12-07-01", "#open XXXX-XX-XX-XX-XX-XX",
        "#close XXXX-XX-XX-XX-XX-XX", "### BTest baseline data generated by btest-diff.",
        "#types\ttime\tstring", "#", "#whatever\tx", "#separator",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        cr_assert_eq(feed(lines[i]), DH_LINE_HEADER, "%s", lines[i]);
}

Test(zeek_tsv, other_paths_are_skipped_until_a_new_block)
{
    feed(HEADER24[0]);
    cr_assert_eq(feed("#path\tconn"), DH_LINE_HEADER);
    cr_assert_eq(feed("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto"),
                 DH_LINE_HEADER);
    cr_assert_eq(feed("1700000000.0\tC1\t192.0.2.1\t1\t192.0.2.2\t80\ttcp"), DH_LINE_SKIPPED);
    cr_assert_eq(feed("anything at all"), DH_LINE_SKIPPED);
    feed_header24(); /* a new #separator starts a dns block */
    cr_assert_eq(feed(row24(-1)), DH_LINE_RECORD);
    cr_assert_eq(feed("#path\tdns_local"), DH_LINE_HEADER);
    cr_assert_eq(feed(row24(-1)), DH_LINE_SKIPPED);
    cr_assert_eq(feed("#path\tdns"), DH_LINE_HEADER);
    cr_assert_eq(feed(row24(-1)), DH_LINE_RECORD);
}

Test(zeek_tsv, concatenated_blocks_remap_columns)
{
    feed_header24();
    cr_assert_eq(feed(row24(-1)), DH_LINE_RECORD);
    cr_assert_eq(feed("#close\t2024-01-01-01-00-00"), DH_LINE_HEADER);
    /* a Zeek 8.1 block, then a Bro 2.0 block with QR/auth/addl */
    cr_assert_eq(feed("#separator \\x09"), DH_LINE_HEADER);
    cr_assert_eq(feed("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id"
                      "\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA"
                      "\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\topcode\topcode_name"),
                 DH_LINE_HEADER);
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s\t5\tdynamic-update", row24(-1));
    cr_assert_eq(feed(buf), DH_LINE_RECORD, "%s", reason);
    cr_assert_eq(ev()->opcode, 5);
    cr_assert_eq(feed(row24(-1)), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "expected 26 columns, got 24");

    cr_assert_eq(feed("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id"
                      "\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tQR\tAA\tTC"
                      "\tRD\tRA\tZ\tanswers\tTTLs\tauth\taddl"),
                 DH_LINE_HEADER);
    cr_assert_eq(feed("930613226.529070\tUWkUyAuUGXf\t192.0.2.1\t25000\t192.0.2.53\t53\ttcp\t34798"
                      "\t-\t-\t-\t-\t-\t0\tNOERROR\tT\tF\tF\tF\tT\t0\t192.0.2.99\t31337.000000"
                      "\tns1.example,ns2.example\tns1.example\\x2cglue"),
                 DH_LINE_RECORD, "%s", reason);
    const dh_event_t *e = ev();
    cr_assert_not(e->has_qname);
    cr_assert_eq(e->flags_known, DH_FLAG_QR | DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_RD | DH_FLAG_RA |
                                     DH_FLAG_Z);
    cr_assert_eq(e->flags, DH_FLAG_QR | DH_FLAG_RA);
    cr_assert_eq(e->rtt_us, -1);
    cr_assert_eq(e->rejected, -1);
    cr_assert_eq(e->n_answers, 4);
    cr_assert_eq(e->answers[0].section, DH_SECTION_ANSWER);
    cr_assert_eq(e->answers[0].ttl, 31337);
    cr_assert_eq(e->answers[1].section, DH_SECTION_AUTHORITY);
    cr_assert(STR_IS(e->answers[1].data, e->answers[1].data_len, "ns1.example"));
    cr_assert_eq(e->answers[1].rrtype, -1);
    cr_assert_eq(e->answers[1].ttl, -1);
    cr_assert_eq(e->answers[2].section, DH_SECTION_AUTHORITY);
    cr_assert_eq(e->answers[3].section, DH_SECTION_ADDITIONAL);
    cr_assert(STR_IS(e->answers[3].data, e->answers[3].data_len, "ns1.example,glue"));
}

Test(zeek_tsv, custom_separators_and_markers)
{
    cr_assert_eq(feed("#separator \\x7c"), DH_LINE_HEADER);
    cr_assert_eq(feed("#set_separator|;"), DH_LINE_HEADER);
    cr_assert_eq(feed("#empty_field|EMPTY"), DH_LINE_HEADER);
    cr_assert_eq(feed("#unset_field|NULL"), DH_LINE_HEADER);
    cr_assert_eq(feed("#path|dns"), DH_LINE_HEADER);
    cr_assert_eq(feed("#fields|ts|query|answers|TTLs|rcode"), DH_LINE_HEADER);
    cr_assert_eq(feed("1700000000.5|EMPTY|a\\x3bb;c,d;-|1.0;2.0;NULL|NULL"), DH_LINE_RECORD, "%s",
                 reason);
    const dh_event_t *e = ev();
    cr_assert_eq(e->ts_us, 1700000000500000LL);
    cr_assert(e->has_qname);
    cr_assert_eq(e->qname_len, 0);
    cr_assert_eq(e->rcode, -1);
    cr_assert_eq(e->n_answers, 3);
    cr_assert(STR_IS(e->answers[0].data, e->answers[0].data_len, "a;b"));
    cr_assert(STR_IS(e->answers[1].data, e->answers[1].data_len, "c,d"));
    cr_assert(STR_IS(e->answers[2].data, e->answers[2].data_len, "-"));
    cr_assert_eq(e->answers[2].ttl, -1);
    cr_assert_eq(feed("1700000000.5|-|NULL|NULL|0"), DH_LINE_RECORD);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "-"));
    cr_assert_eq(ev()->n_answers, 0);

    /* a separator of two bytes */
    cr_assert_eq(feed("#separator \\x3a\\x3a"), DH_LINE_HEADER);
    cr_assert_eq(feed("#fields::ts::id.orig_h::query"), DH_LINE_HEADER);
    cr_assert_eq(feed("1.0::192.0.2.1::a:b.example"), DH_LINE_RECORD, "%s", reason);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "a:b.example"));
    cr_assert_eq(feed("1.0::192.0.2.1::a::b"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "expected 3 columns, got 4");
}

Test(zeek_tsv, bad_header_values)
{
    cr_assert_eq(feed("#separator "), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad #separator value");
    char big[600] = "#separator ";
    memset(big + 11, 'x', 300);
    cr_assert_eq(feed(big), DH_LINE_MALFORMED);
    cr_assert_eq(feed("#set_separator\t"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad #set_separator value");
    cr_assert_eq(feed("#set_separator"), DH_LINE_MALFORMED);
    /* the stream goes on with what it had */
    feed_header24();
    cr_assert_eq(feed(row24(-1)), DH_LINE_RECORD);
}

/* Which column would hold the query? A #fields line naming a field twice
   is a malformed header (reported once), and its block's records are
   malformed until the next #fields; unknown names count too. */
Test(zeek_tsv, a_fields_line_naming_a_field_twice_is_malformed)
{
    cr_assert_eq(feed("#fields\tts\tquery\tquery\tuid\tquery"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "#fields names a field twice");
    cr_assert_eq(feed("1.0\tfirst.example\tsecond.example\tC1\tthird.example"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "#fields names a field twice");
    cr_assert_eq(feed("#fields\tts\tquery\tlabel\tlabel"), DH_LINE_MALFORMED);
    cr_assert_eq(feed("#fields\tts\tquery\tuid"), DH_LINE_HEADER);
    cr_assert_eq(feed("1.0\tfirst.example\tC1"), DH_LINE_RECORD, "%s", reason);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "first.example"));
}

Test(zeek_tsv, empty_or_useless_fields_header)
{
    cr_assert_eq(feed("#fields"), DH_LINE_HEADER);
    cr_assert_eq(feed(row24(-1)), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "no known field in #fields");
    cr_assert_eq(feed("#fields\t"), DH_LINE_HEADER);
    cr_assert_eq(feed("x"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "no known field in #fields");
    cr_assert_eq(feed("#fields\tlabel\tdetailedlabel"), DH_LINE_HEADER);
    cr_assert_eq(feed("Benign\tx"), DH_LINE_MALFORMED);
    cr_assert_eq(feed(HEADER24[6]), DH_LINE_HEADER);
    cr_assert_eq(feed(row24(-1)), DH_LINE_RECORD);
}

Test(zeek_tsv, extension_columns_are_ignored)
{
    cr_assert_eq(feed("#fields\tlabel\tts\tquery\tdetailedlabel\tqtype"), DH_LINE_HEADER);
    cr_assert_eq(feed("Malicious\t1.0\tc2.example\tFrom-Botnet\\x2cX\t16"), DH_LINE_RECORD);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "c2.example"));
    cr_assert_eq(ev()->qtype, 16);
}

/* ------------------------------------------------------------------------ */
/* Headerless input                                                         */
/* ------------------------------------------------------------------------ */

Test(zeek_tsv, headerless_default_layouts)
{
    cr_assert_eq(feed(row24(-1)), DH_LINE_RECORD, "%s", reason);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "www.example.com"));
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s\t4\tnotify", row24(-1));
    cr_assert_eq(feed(buf), DH_LINE_RECORD, "%s", reason);
    cr_assert_eq(ev()->opcode, 4);
    cr_assert_eq(feed("1700000000.0\tC1\t192.0.2.1"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "record before #fields header");
}

Test(zeek_tsv, no_guessing_once_a_header_block_started)
{
    cr_assert_eq(feed("#separator \\x09"), DH_LINE_HEADER);
    cr_assert_eq(feed(row24(-1)), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "record before #fields header");
}

Test(zeek_tsv, zeek_cut_header_row)
{
    cr_assert_eq(feed("uid\tid.orig_h\tquery\tqtype_name\tanswers"), DH_LINE_HEADER);
    cr_assert_eq(feed("C1\t192.0.2.1\texample.org\tMX\tmail.example.org"), DH_LINE_RECORD);
    cr_assert_eq(ev()->qtype, DH_QTYPE_MX);
    cr_assert_eq(ev()->answers[0].rrtype, DH_QTYPE_MX);
    cr_assert_eq(ev()->ts_us, 0, "zeek-cut dropped ts");
}

Test(zeek_tsv, zeek_cut_header_needs_a_key_field)
{
    cr_assert_eq(feed("qtype_name\tanswers"), DH_LINE_MALFORMED);
    cr_assert_eq(feed("query"), DH_LINE_MALFORMED, "one known name is not enough");
    cr_assert_eq(feed("query\tnot_a_field"), DH_LINE_MALFORMED);
}

/* ------------------------------------------------------------------------ */
/* Hostile input                                                            */
/* ------------------------------------------------------------------------ */

Test(zeek_tsv, one_mebibyte_lines)
{
    size_t n = (size_t)1 << 20;
    char *q = malloc(n + 1);
    memset(q, 'a', n);
    q[n] = '\0';
    feed_header24();
    char *line = malloc(n + 4096);
    /* a 1 MiB query */
    const char *pre = row24(9, "@", -1);
    const char *at = strchr(pre, '@');
    size_t head = (size_t)(at - pre);
    memcpy(line, pre, head);
    memcpy(line + head, q, n);
    strcpy(line + head + n, at + 1);
    cr_assert_eq(feed(line), DH_LINE_RECORD, "%s", reason);
    cr_assert_eq(ev()->qname_len, n);
    /* the same with escapes everywhere */
    for (size_t i = 0; i + 4 <= n; i += 4)
        memcpy(line + head + i, "\\x41", 4);
    cr_assert_eq(feed(line), DH_LINE_RECORD, "%s", reason);
    cr_assert_eq(ev()->qname_len, n / 4);
    cr_assert_eq(ev()->qname[0], 'A');
    cr_assert_eq(ev()->qname_lc[n / 4 - 1], 'a');
    /* 1 MiB of nothing useful */
    cr_assert_eq(feed(q), DH_LINE_MALFORMED);
    memset(q, '\t', n);
    cr_assert_eq(feed(q), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "expected 24 columns, got 1048577");
    memset(q, ',', n);
    cr_assert_eq(feed(row24(21, q, 22, "-", -1)), DH_LINE_RECORD);
    cr_assert_eq(ev()->n_answers, DH_EVBUF_MAX_ANSWERS);
    cr_assert_eq(ev()->answers_dropped, n + 1 - DH_EVBUF_MAX_ANSWERS);
    free(q);
    free(line);
}

Test(zeek_tsv, ten_thousand_columns)
{
    size_t cap = 10000 * 8 + 64;
    char *line = malloc(cap);
    size_t o = (size_t)snprintf(line, cap, "#fields\tts\tquery");
    for (int i = 2; i < 10000; i++)
        o += (size_t)snprintf(line + o, cap - o, "\tx%d", i);
    cr_assert_eq(feed(line), DH_LINE_HEADER);
    o = (size_t)snprintf(line, cap, "1.0\tdeep.example");
    for (int i = 2; i < 10000; i++)
        o += (size_t)snprintf(line + o, cap - o, "\tv");
    cr_assert_eq(feed(line), DH_LINE_RECORD, "%s", reason);
    cr_assert(STR_IS(ev()->qname, ev()->qname_len, "deep.example"));

    feed_header24();
    o = 0;
    for (int i = 0; i < 10000; i++)
        o += (size_t)snprintf(line + o, cap - o, i ? "\t1" : "1");
    cr_assert_eq(feed(line), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "expected 24 columns, got 10000");
    free(line);
}

Test(zeek_tsv, nul_bytes_do_not_crash)
{
    feed_header24();
    char line[4096];
    const char *r = row24(2, "192.0.2.1@junk", -1);
    size_t len = strlen(r);
    memcpy(line, r, len);
    line[strchr(r, '@') - r] = '\0';
    cr_assert_eq(feedn(line, len), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "bad id.orig_h '192.0.2.1?junk'");
    memset(line, 0, 735);
    cr_assert_eq(feedn(line, 735), DH_LINE_MALFORMED);
    memcpy(line + 735, "#close\t2017", 11);
    cr_assert_eq(feedn(line, 746), DH_LINE_MALFORMED);
    cr_assert_eq(P->probe(line, 746), DH_PROBE_NEED_MORE);
}

Test(zeek_tsv, record_too_large_for_the_arena)
{
    dh_evbuf_t *small = dh_evbuf_new(64); /* room for 2*64+1024 bytes */
    char q[1001];
    memset(q, 'q', sizeof(q) - 1);
    q[sizeof(q) - 1] = '\0';
    feed_header24();
    const char *line = row24(9, q, -1);
    cr_assert_eq(dh_parser_parse_line(P, st, line, strlen(line), small, reason), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "record too large");
    line = row24(21, q, -1);
    cr_assert_eq(dh_parser_parse_line(P, st, line, strlen(line), small, reason), DH_LINE_RECORD);
    line = row24(21, q, 1, q, -1);
    cr_assert_eq(dh_parser_parse_line(P, st, line, strlen(line), small, reason), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "record too large");
    dh_evbuf_free(small);
}

/* ------------------------------------------------------------------------ */
/* Real logs in tests/data                                                  */
/* ------------------------------------------------------------------------ */

typedef struct {
    size_t qtype[6];  /* A, AAAA, PTR, other, unknown */
    size_t rcode[4];  /* NOERROR, NXDOMAIN, other, unset */
    size_t rejected, responses, answers, rr[4]; /* A, AAAA, CNAME, PTR */
    size_t rrsig;
    int64_t ttl_sum, last_ts;
    size_t out_of_order, root_queries;
} stats_t;

static void collect(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno, void *ctx)
{
    stats_t *s = ctx;
    (void)why;
    (void)lineno;
    if (kind != DH_LINE_RECORD)
        return;
    s->qtype[e->qtype == 1 ? 0 : e->qtype == 28 ? 1 : e->qtype == 12 ? 2 : e->qtype < 0 ? 4 : 3]++;
    s->rcode[e->rcode == 0 ? 0 : e->rcode == 3 ? 1 : e->rcode < 0 ? 3 : 2]++;
    s->rejected += e->rejected == 1;
    s->responses += e->has_response;
    s->root_queries += e->has_qname && e->qname_len == 0;
    if (e->ts_us < s->last_ts)
        s->out_of_order++;
    s->last_ts = e->ts_us;
    for (uint32_t i = 0; i < e->n_answers; i++) {
        const dh_answer_t *a = &e->answers[i];
        s->answers++;
        s->ttl_sum += a->ttl;
        int32_t t = a->rrtype;
        s->rrsig += t == 46;
        if (t == 1 || t == 28 || t == 5 || t == 12)
            s->rr[t == 1 ? 0 : t == 28 ? 1 : t == 5 ? 2 : 3]++;
    }
}

Test(zeek_tsv, wrccdc_sample)
{
    stats_t s = {0};
    tally_t t =
        feed_file(DATA "wrccdc-2018/wrccdc-2018-03-24-zeek-6.2.0-dns.head408.log", false, collect, &s);
    cr_assert_eq(t.headers, 8);
    cr_assert_eq(t.records, 400);
    cr_assert_eq(t.malformed, 0, "line %zu: %s", t.first_bad_line, t.first_reason);
    cr_assert_eq(s.qtype[0], 310);
    cr_assert_eq(s.qtype[1], 86);
    cr_assert_eq(s.qtype[2], 4);
    cr_assert_eq(s.rcode[0], 378);
    cr_assert_eq(s.rcode[1], 12);
    cr_assert_eq(s.rcode[3], 10);
    cr_assert_eq(s.rejected, 14);
    cr_assert_eq(s.responses, 390);
    cr_assert_eq(s.answers, 740);
    cr_assert_eq(s.rr[0], 418);
    cr_assert_eq(s.rr[1], 42);
    cr_assert_eq(s.rr[2], 270, "names in A/AAAA answers are CNAMEs");
    cr_assert_eq(s.rr[3], 0);
    cr_assert_eq(s.rrsig, 10, "RRSIG 5 mozilla.net and the like");
    cr_assert_eq(s.ttl_sum, 9887748);
}

static void wrccdc_first_row(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno,
                             void *ctx)
{
    (void)why;
    if (lineno != 9)
        return;
    *(bool *)ctx = true;
    cr_assert_eq(kind, DH_LINE_RECORD);
    cr_assert_eq(e->ts_us, 1521911720865716LL);
    cr_assert(STR_IS(e->uid, e->uid_len, "CqKst53mF3det3eDV9"));
    cr_assert_str_eq(addr_text(&e->client), "10.47.1.100");
    cr_assert_eq(e->client_port, 41772);
    cr_assert_str_eq(addr_text(&e->server), "10.0.0.100");
    cr_assert_eq(e->trans_id, 36329);
    cr_assert_eq(e->rtt_us, 870);
    cr_assert(STR_IS(e->qname, e->qname_len, "ise.wrccdc.org"));
    cr_assert_eq(e->n_answers, 2);
    cr_assert(STR_IS(e->answers[0].data, e->answers[0].data_len, "ise.wrccdc.cpp.edu"));
    cr_assert_eq(e->answers[0].rrtype, DH_QTYPE_CNAME);
    cr_assert_eq(e->answers[0].ttl, 2230);
    cr_assert(STR_IS(e->answers[1].data, e->answers[1].data_len, "134.71.3.16"));
    cr_assert_eq(e->answers[1].rrtype, DH_QTYPE_A);
    cr_assert_eq(e->answers[1].ttl, 41830);
}

Test(zeek_tsv, wrccdc_first_row_values)
{
    bool seen = false;
    feed_file(DATA "wrccdc-2018/wrccdc-2018-03-24-zeek-6.2.0-dns.head408.log", false,
              wrccdc_first_row, &seen);
    cr_assert(seen);
}

static void bro20_row(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno,
                      void *ctx)
{
    (void)why;
    (void)lineno;
    if (kind != DH_LINE_RECORD)
        return;
    *(bool *)ctx = true;
    cr_assert_eq(e->ts_us, 930613226529070LL);
    cr_assert(STR_IS(e->uid, e->uid_len, "UWkUyAuUGXf"));
    cr_assert_str_eq(addr_text(&e->client), "212.180.42.100");
    cr_assert_eq(e->client_port, 25000);
    cr_assert_eq(e->server_port, 53);
    cr_assert_eq(e->transport, DH_TRANSPORT_TCP);
    cr_assert_eq(e->trans_id, 34798);
    cr_assert_not(e->has_qname, "response-only row: query is unset");
    cr_assert_eq(e->qtype, -1);
    cr_assert_eq(e->qclass, -1);
    cr_assert_eq(e->rcode, 0);
    cr_assert(e->has_response);
    cr_assert_eq(e->rtt_us, -1);
    cr_assert_eq(e->rejected, -1);
    cr_assert_eq(e->flags_known, DH_FLAG_QR | DH_FLAG_AA | DH_FLAG_TC | DH_FLAG_RD | DH_FLAG_RA |
                                     DH_FLAG_Z);
    cr_assert_eq(e->flags, DH_FLAG_RA);
    cr_assert_eq(e->n_answers, 1);
    cr_assert(STR_IS(e->answers[0].data, e->answers[0].data_len, "4.3.2.1"));
    cr_assert_eq(e->answers[0].rrtype, DH_QTYPE_A);
    cr_assert_eq(e->answers[0].ttl, 31337);
}

Test(zeek_tsv, bro_2_0_response_only_row)
{
    bool seen = false;
    tally_t t = feed_file(
        DATA "zeek-btest-historic/bro-v2.0.scripts.policy.protocols.dns.event-priority.dns.log",
        false, bro20_row, &seen);
    cr_assert(seen);
    cr_assert_eq(t.records, 1);
    cr_assert_eq(t.headers, 7);
}

static void bro21_txt(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno,
                      void *ctx)
{
    (void)why;
    (void)lineno;
    if (kind != DH_LINE_RECORD)
        return;
    (*(int *)ctx)++;
    cr_assert_eq(e->client.family, DH_AF_INET6);
    cr_assert_eq(e->qtype, DH_QTYPE_TXT);
    cr_assert(STR_IS(e->answers[0].data, e->answers[0].data_len, "This TXT record should be ignored"));
    cr_assert_eq(e->answers[0].rrtype, -1, "bare Bro 2.1 TXT text carries no type");
    cr_assert_eq(e->answers[0].ttl, 1);
    cr_assert_eq(e->rejected, -1);
}

Test(zeek_tsv, bro_2_1_bare_txt_answers)
{
    int n = 0;
    feed_file(DATA "zeek-btest-historic/bro-v2.1.core.ipv6-frag.dns.log", false, bro21_txt, &n);
    cr_assert_eq(n, 2);
}

/* Feeds every file; sum adds up their tallies, where names the first
   malformed line ("file:line: reason"). */
typedef struct {
    tally_t sum;
    char where[512];
} dir_tally_t;

static void feed_dir(const char *dir, const char *const *names, size_t n_names, bool fake_ts,
                     dir_tally_t *d)
{
    tally_t *sum = &d->sum;
    char path[1024];
    for (size_t i = 0; i < n_names; i++) {
        snprintf(path, sizeof(path), "%s%s", dir, names[i]);
        tally_t t = feed_file(path, fake_ts, NULL, NULL);
        cr_assert_eq(t.skipped, 0, "%s", names[i]);
        sum->records += t.records;
        sum->headers += t.headers;
        sum->malformed += t.malformed;
        if (t.malformed && !d->where[0])
            snprintf(d->where, sizeof(d->where), "%.200s:%zu: %.160s", names[i], t.first_bad_line,
                     t.first_reason);
    }
}

static const char *const historic_files[] = {
    "bro-v2.0.scripts.policy.protocols.dns.event-priority.dns.log",
    "bro-v2.1.core.ipv6-frag.dns.log",
    "bro-v2.1.scripts.policy.protocols.dns.event-priority.dns.log",
    "bro-v2.2.core.ipv6-frag.dns.log",
    "bro-v2.2.core.tunnels.gtp.false_gtp.dns.log",
    "bro-v2.2.scripts.base.protocols.dns.dns-key.dns.log",
    "bro-v2.2.scripts.base.protocols.dns.duplicate-reponses.dns.log",
    "bro-v2.2.scripts.base.protocols.dns.zero-responses.dns.log",
    "bro-v2.2.scripts.policy.protocols.dns.event-priority.dns.log",
};

static const char *const v320_files[] = {
    "core.ipv6-frag.dns.log",
    "core.tunnels.gre-pptp.dns.log",
    "core.tunnels.gre.dns.log",
    "core.tunnels.gtp.false_gtp.dns.log",
    "scripts.base.protocols.dns.dns-key.dns.log",
    "scripts.base.protocols.dns.dnskey.dns.log",
    "scripts.base.protocols.dns.ds.dns.log",
    "scripts.base.protocols.dns.duplicate-reponses.dns.log",
    "scripts.base.protocols.dns.flip.dns.log",
    "scripts.base.protocols.dns.multiple-txt-strings.dns.log",
    "scripts.base.protocols.dns.nsec.dns.log",
    "scripts.base.protocols.dns.nsec3.dns.log",
    "scripts.base.protocols.dns.rrsig.dns.log",
    "scripts.base.protocols.dns.spf.dns.log",
    "scripts.base.protocols.dns.zero-responses.dns.log",
    "scripts.policy.protocols.dns.original_case.dns.log",
};

static const char *const master_files[] = {
    "core.ipv6-frag.dns.log",
    "core.tunnels.gre-over-udp.dns.log",
    "core.tunnels.gre-pptp.dns.log",
    "core.tunnels.gre.dns.log",
    "core.tunnels.gtp.false_gtp.dns.log",
    "opt.basic.dns.log",
    "scripts.base.protocols.dns.binds.dns.log",
    "scripts.base.protocols.dns.dns-key.dns.log",
    "scripts.base.protocols.dns.dnskey.dns.log",
    "scripts.base.protocols.dns.ds.dns.log",
    "scripts.base.protocols.dns.duplicate-reponses.dns.log",
    "scripts.base.protocols.dns.dynamic-update.dns.log",
    "scripts.base.protocols.dns.flip.dns.log",
    "scripts.base.protocols.dns.loc.dns.log",
    "scripts.base.protocols.dns.mdns-no-assoc.dns.log",
    "scripts.base.protocols.dns.multiple-txt-strings.dns.log",
    "scripts.base.protocols.dns.notify.dns.log",
    "scripts.base.protocols.dns.nsec.dns.log",
    "scripts.base.protocols.dns.nsec3.dns.log",
    "scripts.base.protocols.dns.nsec3param.dns.log",
    "scripts.base.protocols.dns.rrsig.dns.log",
    "scripts.base.protocols.dns.spf.dns.log",
    "scripts.base.protocols.dns.sshfp.dns.log",
    "scripts.base.protocols.dns.tkey.dns.log",
    "scripts.base.protocols.dns.wks.dns.log",
    "scripts.base.protocols.dns.zero-responses.dns.log",
    "scripts.policy.protocols.dns.original_case.dns.log",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

Test(zeek_tsv, every_field_set_from_bro_2_0_to_zeek_3_2)
{
    dir_tally_t old = {0};
    feed_dir(DATA "zeek-btest-historic/", historic_files, N_OF(historic_files), false, &old);
    cr_assert_eq(old.sum.malformed, 0, "%s", old.where);
    cr_assert_eq(old.sum.records, 13);
    cr_assert_eq(old.sum.headers, 79);
    dir_tally_t v3 = {0};
    feed_dir(DATA "zeek-btest-v3.2.0/", v320_files, N_OF(v320_files), false, &v3);
    cr_assert_eq(v3.sum.malformed, 0, "%s", v3.where);
    cr_assert_eq(v3.sum.records, 24);
    cr_assert_eq(v3.sum.headers, 144);
}

Test(zeek_tsv, btest_master_canonified_ts_is_malformed)
{
    dir_tally_t raw = {0};
    feed_dir(DATA "zeek-btest-master/", master_files, N_OF(master_files), false, &raw);
    cr_assert_eq(raw.sum.records, 0);
    cr_assert_eq(raw.sum.malformed, 78);
    cr_assert_eq(raw.sum.headers, 270);
    cr_assert(strstr(raw.where, "bad ts 'XXXXXXXXXX.XXXXXX'") != NULL, "%s", raw.where);

    dir_tally_t fixed = {0};
    feed_dir(DATA "zeek-btest-master/", master_files, N_OF(master_files), true, &fixed);
    cr_assert_eq(fixed.sum.malformed, 0, "%s", fixed.where);
    cr_assert_eq(fixed.sum.records, 78);
}

/* Returns the event of record number `nth` (1-based) of a btest master file,
   with the canonified ts replaced; copies what the caller checks. */
typedef struct {
    int want, seen;
    dh_event_t ev;
    dh_answer_t answers[DH_EVBUF_MAX_ANSWERS];
    char data[DH_EVBUF_MAX_ANSWERS][256];
    char qname[256];
} grab_t;

static void grab(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno, void *ctx)
{
    grab_t *g = ctx;
    (void)why;
    (void)lineno;
    if (kind != DH_LINE_RECORD || ++g->seen != g->want)
        return;
    g->ev = *e;
    for (uint32_t i = 0; i < e->n_answers; i++) {
        g->answers[i] = e->answers[i];
        size_t l = e->answers[i].data_len < 255 ? e->answers[i].data_len : 255;
        if (e->answers[i].data)
            memcpy(g->data[i], e->answers[i].data, l);
        g->answers[i].data = g->data[i];
        g->answers[i].data_len = l;
    }
    g->ev.answers = g->answers;
    if (e->qname) {
        size_t l = e->qname_len < 255 ? e->qname_len : 255;
        memcpy(g->qname, e->qname, l);
        g->ev.qname = g->qname;
        g->ev.qname_len = l;
    }
}

static const dh_event_t *master_record(grab_t *g, const char *file, int nth)
{
    char path[1024];
    memset(g, 0, sizeof(*g));
    g->want = nth;
    snprintf(path, sizeof(path), DATA "zeek-btest-master/%s", file);
    feed_file(path, true, grab, g);
    cr_assert_geq(g->seen, nth, "%s has fewer than %d records", file, nth);
    return &g->ev;
}

#define ANS_IS(e, i, lit) STR_IS((e)->answers[i].data, (e)->answers[i].data_len, lit)

Test(zeek_tsv, btest_master_answer_formats)
{
    static grab_t g;
    const dh_event_t *e = master_record(&g, "scripts.base.protocols.dns.binds.dns.log", 1);
    cr_assert_eq(e->qtype, 65534);
    cr_assert_eq(e->opcode, 0);
    cr_assert_eq(e->flags & DH_FLAG_Z, DH_FLAG_Z, "Z=2");
    cr_assert_eq(e->n_answers, 16);
    cr_assert(ANS_IS(e, 15, "BIND9 signing signal"));
    cr_assert_eq(e->answers[15].rrtype, -1);
    cr_assert_eq(e->answers[15].ttl, 0);

    e = master_record(&g, "scripts.base.protocols.dns.nsec.dns.log", 1);
    cr_assert_eq(e->n_answers, 4, "auth set of 4, no answers");
    cr_assert_eq(e->answers[0].section, DH_SECTION_AUTHORITY);
    cr_assert(ANS_IS(e, 2, "NSEC dla.library.upenn.edu dlxssvr.library.upenn.edu"));
    e = master_record(&g, "scripts.base.protocols.dns.nsec.dns.log", 2);
    cr_assert_eq(e->n_answers, 2);
    cr_assert_eq(e->answers[0].rrtype, DH_QTYPE_CNAME);
    cr_assert_eq(e->answers[1].rrtype, 46);
    cr_assert_eq(e->answers[1].ttl, 300);

    e = master_record(&g, "scripts.base.protocols.dns.loc.dns.log", 1);
    cr_assert_eq(e->qtype, DH_QTYPE_ANY);
    cr_assert(ANS_IS(e, 0, "LOC:  18 21 19"));
    cr_assert_eq(e->answers[0].rrtype, 29);
    cr_assert_eq(e->answers[1].rrtype, 46);

    e = master_record(&g, "scripts.base.protocols.dns.sshfp.dns.log", 1);
    cr_assert_eq(e->n_answers, 9);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(e->answers[i].rrtype, 44);
    cr_assert_eq(e->answers[8].rrtype, 46);
    cr_assert_eq(e->answers[0].ttl, 43200);

    e = master_record(&g, "scripts.base.protocols.dns.dynamic-update.dns.log", 1);
    cr_assert_eq(e->opcode, 5);
    cr_assert_eq(e->qtype, -1);
    cr_assert_eq(e->rcode, DH_RCODE_REFUSED);
    cr_assert(ANS_IS(e, 0, "pre: NoRRSet CNAME nwin2.stratolab.org"));
    cr_assert_eq(e->answers[0].rrtype, -1);
    cr_assert_eq(e->answers[3].ttl, 1200);

    e = master_record(&g, "scripts.base.protocols.dns.notify.dns.log", 1);
    cr_assert_eq(e->opcode, 4);
    cr_assert_eq(e->rejected, 1);

    e = master_record(&g, "scripts.base.protocols.dns.tkey.dns.log", 1);
    cr_assert_eq(e->transport, DH_TRANSPORT_TCP);
    cr_assert_eq(e->qtype, 249);

    e = master_record(&g, "scripts.policy.protocols.dns.original_case.dns.log", 1);
    cr_assert(STR_IS(e->qname, e->qname_len, "us.v27.distributed.net"), "query, not original_query");

    e = master_record(&g, "scripts.base.protocols.dns.nsec3param.dns.log", 1);
    cr_assert(ANS_IS(e, 0, "NSEC3PARAM"));
    cr_assert_eq(e->answers[0].rrtype, 51);

    e = master_record(&g, "scripts.base.protocols.dns.dnskey.dns.log", 1);
    cr_assert_eq(e->answers[0].rrtype, 48);
    cr_assert_eq(e->answers[3].rrtype, 46);

    e = master_record(&g, "scripts.base.protocols.dns.spf.dns.log", 1);
    cr_assert(ANS_IS(e, 0, "SPF 19 v=spf1 mx -all test"));
    cr_assert_eq(e->answers[0].rrtype, 99);

    e = master_record(&g, "core.ipv6-frag.dns.log", 2);
    cr_assert_eq(e->client.family, DH_AF_INET6);
    cr_assert_eq(e->answers[0].rrtype, DH_QTYPE_TXT);
}

Test(zeek_tsv, zeek_cut_files)
{
    tally_t t = feed_file(DATA "zeek-btest-master/zeek-cut/core.tunnels.max-depth.dns.log.cut",
                          false, NULL, NULL);
    cr_assert_eq(t.headers, 2);
    cr_assert_eq(t.records, 1);
    static grab_t g;
    memset(&g, 0, sizeof(g));
    g.want = 1;
    feed_file(DATA "zeek-btest-master/zeek-cut/core.tunnels.max-depth.dns.log.cut", false, grab,
              &g);
    cr_assert(STR_IS(g.ev.qname, g.ev.qname_len, "www.bbc.com"));
    cr_assert_eq(g.ev.server_port, 53, "id.resp_p appears twice");
    cr_assert_eq(g.ev.client_port, -1);

    memset(&g, 0, sizeof(g));
    g.want = 1;
    t = feed_file(DATA "zeek-btest-master/zeek-cut/scripts.base.protocols.dns.dnssec.dns.ed25519.log",
                  false, grab, &g);
    cr_assert_eq(t.records, 2);
    cr_assert_eq(t.malformed, 0, "%s", t.first_reason);
    cr_assert_eq(g.ev.qtype, 48, "from qtype_name DNSKEY");
    cr_assert_eq(g.ev.n_answers, 4, "the raw ',' splits 'DNSKEY 15,Ed25519'");
    cr_assert(ANS_IS(&g.ev, 0, "DNSKEY 15"));
    cr_assert_eq(g.ev.answers[0].rrtype, 48);
    cr_assert(ANS_IS(&g.ev, 1, "Ed25519"));
    cr_assert_eq(g.ev.answers[1].rrtype, -1);

    t = feed_file(DATA "zeek-btest-master/zeek-cut/scripts.base.protocols.dns.dnssec.dns.ed448.log",
                  false, NULL, NULL);
    cr_assert_eq(t.records, 2, "header row with an empty column name");
    cr_assert_eq(t.malformed, 0, "%s", t.first_reason);

    memset(&g, 0, sizeof(g));
    g.want = 1;
    t = feed_file(DATA "zeek-btest-master/zeek-cut/scripts.base.protocols.dns.naptr.dns.log.cut",
                  false, grab, &g);
    cr_assert_eq(t.records, 1);
    cr_assert_eq(g.ev.qtype, 35);
    cr_assert_eq(g.ev.qclass, 1);
    cr_assert_eq(g.ev.answers[0].rrtype, 35);
}

/* ------------------------------------------------------------------------ */
/* Real logs from the shared corpus (not redistributable; skipped if absent) */
/* ------------------------------------------------------------------------ */

Test(zeek_tsv, corpus_wrccdc_14000_records)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "zeek-tsv", "wrccdc-2018/wrccdc-2018-03-24-zeek-6.2.0-dns.head14000.log");
    need(path);
    stats_t s = {0};
    tally_t t = feed_file(path, false, collect, &s);
    cr_assert_eq(t.records, 14000);
    cr_assert_eq(t.malformed, 0, "line %zu: %s", t.first_bad_line, t.first_reason);
    cr_assert_eq(s.qtype[0], 9458);
    cr_assert_eq(s.qtype[1], 3549);
    cr_assert_eq(s.qtype[2], 502);
    cr_assert_eq(s.qtype[4], 1, "one response-only row with qtype unset");
    cr_assert_eq(s.rcode[1], 701);
    cr_assert_eq(s.rcode[3], 2215);
    cr_assert_eq(s.rejected, 580);
    cr_assert_eq(s.root_queries, 12);
}

static void dnscat2(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno, void *ctx)
{
    size_t *txt = ctx;
    (void)why;
    if (kind != DH_LINE_RECORD || e->qtype != DH_QTYPE_TXT)
        return;
    (*txt)++;
    if (lineno == 9) {
        cr_assert(STR_IS(e->qname, e->qname_len, "6dde0175375169c68f.dnsc.r-1x.com"));
        cr_assert_eq(e->n_answers, 1);
        cr_assert(ANS_IS(e, 0, "TXT 18 302f017537c68f5169"));
        cr_assert_eq(e->answers[0].rrtype, DH_QTYPE_TXT);
        cr_assert_eq(e->answers[0].ttl, 60);
        cr_assert_eq(e->rejected, 1, "rejected=T with NOERROR");
        cr_assert_eq(e->rcode, 0);
    }
}

Test(zeek_tsv, corpus_rita_dnscat2)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "zeek-tsv", "malicious/rita-dnscat2-dns.log");
    need(path);
    size_t txt = 0;
    tally_t t = feed_file(path, false, dnscat2, &txt);
    cr_assert_eq(t.records, 34);
    cr_assert_eq(t.malformed, 0, "%s", t.first_reason);
    cr_assert_eq(txt, 24);
}

static void slips10(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno, void *ctx)
{
    (void)why;
    (void)kind;
    if (lineno == 21) {
        *(int *)ctx |= 1;
        cr_assert_eq(e->n_answers, 1, "\\x2c stays inside its element");
        cr_assert_eq(e->answers[0].rrtype, DH_QTYPE_TXT);
        cr_assert_eq(e->answers[0].ttl, 4500);
        cr_assert(contains(e->answers[0].data, e->answers[0].data_len,
                           "pdl=application/octet-stream,application/PCL,", 45));
        cr_assert(contains(e->answers[0].data, e->answers[0].data_len,
                           "P\x01\x00\x00\x00\xa8\xbd", 7));
        cr_assert(STR_IS(e->qname, e->qname_len,
                         "samsung m267x 287x series (sec842519711a42)._ipp._tcp.local"));
        cr_assert_eq(e->qtype, -1);
    }
    if (kind == DH_LINE_RECORD && contains(e->qname, e->qname_len, "as\xe2\x80\x99s imac", 10))
        *(int *)ctx |= 2;
}

Test(zeek_tsv, corpus_slips_test10_escaped_commas)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "zeek-tsv", "misc/slips-test10-mixed-ipv6-dns.log");
    need(path);
    int seen = 0;
    tally_t t = feed_file(path, false, slips10, &seen);
    cr_assert_eq(t.records, 93);
    cr_assert_eq(t.malformed, 0, "%s", t.first_reason);
    cr_assert_eq(seen, 3);
}

static void nbstat(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno, void *ctx)
{
    (void)why;
    (void)lineno;
    if (kind != DH_LINE_RECORD)
        return;
    if (e->qtype == 33) {
        (*(int *)ctx)++;
        static const char want[15] = "*";
        cr_assert_eq(e->qname_len, 15);
        cr_assert_eq(memcmp(e->qname, want, 15), 0);
        cr_assert_eq(e->server_port, 137);
    }
    if (lineno == 9)
        cr_assert_eq(e->rtt_us, 2909144);
}

Test(zeek_tsv, corpus_infectedpcap_nbstat_nul_bytes)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "zeek-tsv", "malicious/infectedpcap-2010-nbstat-escapes-dns.log");
    need(path);
    int n = 0;
    tally_t t = feed_file(path, false, nbstat, &n);
    cr_assert_eq(t.records, 9);
    cr_assert_eq(t.malformed, 0, "%s", t.first_reason);
    cr_assert_eq(n, 3);
}

static void ctu(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno, void *ctx)
{
    (void)why;
    (void)lineno;
    (void)ctx;
    if (kind != DH_LINE_RECORD)
        return;
    cr_assert_eq(e->qtype, DH_QTYPE_ANY);
    cr_assert_gt(e->qname_len, 0);
    cr_assert_eq(e->server_port, 5355);
    cr_assert_eq(e->rejected, 0);
}

Test(zeek_tsv, corpus_slips_ctu_label_columns)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "zeek-tsv", "malicious/slips-ctu-sme-11-labeled-dns.log");
    need(path);
    tally_t t = feed_file(path, false, ctu, NULL);
    cr_assert_eq(t.records, 22);
    cr_assert_eq(t.headers, 9, "last #close has no newline");
    cr_assert_eq(t.malformed, 0, "%s", t.first_reason);
}

static void qclass_count(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno,
                         void *ctx)
{
    (void)why;
    (void)lineno;
    if (kind == DH_LINE_RECORD && e->qclass == 32769)
        (*(size_t *)ctx)++;
}

Test(zeek_tsv, corpus_rita_proxy_mdns_qclass)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "zeek-tsv", "misc/rita-proxy-home-network-dns.log");
    need(path);
    size_t n = 0;
    tally_t t = feed_file(path, false, qclass_count, &n);
    cr_assert_eq(t.records, 942);
    cr_assert_eq(t.malformed, 0, "%s", t.first_reason);
    cr_assert_eq(n, 196);
}

static void faucet(dh_line_t kind, const dh_event_t *e, const char *why, size_t lineno, void *ctx)
{
    (void)e;
    (void)ctx;
    if (lineno == 45) {
        cr_assert_eq(kind, DH_LINE_MALFORMED);
        cr_assert_str_eq(why, "expected 24 columns, got 15");
    }
    if (lineno == 46) /* the cut-off record's tail happens to parse: ts 427767.685493 */
        cr_assert_eq(kind, DH_LINE_RECORD);
}

Test(zeek_tsv, corpus_faucet_damaged_file)
{
    char cpath[DH_TEST_PATH_MAX];
    const char *path = dh_test_corpus(cpath, "zeek-tsv", "robustness/faucet-bro-2017-nul-bytes-truncated-line-dns.log");
    need(path);
    tally_t t = feed_file(path, false, faucet, NULL);
    /* More damage than line 45: lines 29-37 are records cut and spliced into
       each other (two writers?), with #close lines in between. */
    cr_assert_eq(t.first_bad_line, 29);
    cr_assert_str_eq(t.first_reason, "expected 24 columns, got 35");
    cr_assert_eq(t.malformed, 9, "7 cut lines and the two NUL lines");
    cr_assert_eq(t.headers, 10);
    cr_assert_eq(t.records, 36);
}

Test(zeek_tsv, corpus_trickbot_and_rita_logs)
{
    static const struct {
        const char *file;
        size_t records, nxdomain, rejected;
    } files[] = {
        {"malicious/trickbot-2018-11-09-mta-dns.log", 1534, 346, 17},
        {"misc/rita-proxy-rolling-dns.16-00-00-17-00-00.log", 3189, 80, 55},
        {"misc/rita-missing-host-2024-04-19-dns.12-00-00-13-00-00.log", 153, 80, 5},
    };
    char path[DH_TEST_PATH_MAX];
    for (size_t i = 0; i < N_OF(files); i++) {
        dh_test_corpus(path, "zeek-tsv", files[i].file);
        need(path);
        stats_t s = {0};
        tally_t t = feed_file(path, false, collect, &s);
        cr_assert_eq(t.records, files[i].records, "%s", files[i].file);
        cr_assert_eq(t.malformed, 0, "%s: %s", files[i].file, t.first_reason);
        cr_assert_eq(s.rcode[1], files[i].nxdomain, "%s", files[i].file);
        cr_assert_eq(s.rejected, files[i].rejected, "%s", files[i].file);
        cr_assert_gt(s.out_of_order, 0, "%s: timestamps are not monotonic", files[i].file);
    }
}

/* Issue 10: a ts beyond 2099 (a year-9999 row) or before 1970 is a
   malformed record. Zeek TSV writes epoch seconds, never a calendar date:
   the date rule every ISO 8601 parser shares is checked here directly. */
Test(zeek_tsv, timestamps_out_of_range_are_malformed)
{
    feed_header24();
    cr_assert_eq(feed(row24(0, "253402300799.000000", -1)), DH_LINE_MALFORMED, "9999-12-31");
    cr_assert_eq(feed(row24(0, "4102444800.000000", -1)), DH_LINE_MALFORMED, "2100-01-01");
    cr_assert_eq(feed(row24(0, "-1.000000", -1)), DH_LINE_MALFORMED, "before the epoch");
    cr_assert_eq(feed(row24(0, "4102444799.999999", -1)), DH_LINE_RECORD, "%s", reason);
    cr_assert_eq(feed(row24(0, "29.557741", -1)), DH_LINE_RECORD, "a PCAP clock from 1970");
    cr_assert(dh_time_valid_date(2024, 2, 29));
    cr_assert(!dh_time_valid_date(2024, 2, 30));
    cr_assert(!dh_time_valid_date(2023, 2, 29));
    cr_assert(dh_time_valid_date(2000, 2, 29), "divisible by 400");
    cr_assert(!dh_time_valid_date(1900, 2, 29), "divisible by 100");
    cr_assert(!dh_time_valid_date(2024, 13, 1));
    cr_assert(!dh_time_valid_date(2024, 0, 1));
    cr_assert(!dh_time_valid_date(2024, 4, 31));
}
