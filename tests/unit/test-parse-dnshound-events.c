/*
 * test-parse-dnshound-events.c - the reader of dnshound's own events format
 * (--emit events, docs/events.md). The contract is a byte-exact round trip:
 * serialize(parse(line)) == line for every line src/output-event.c writes,
 * checked on events built here (every field, every awkward byte), on every
 * line of the golden files made from the project's sample logs. The legacy
 * form (dnshound's own JSON before the ECS documents; the hand-written lines
 * and the former golden files in tests/data/events) is still read: each
 * legacy golden line gives the event whose ECS line is the golden one. Also:
 * the probe never claims a Zeek JSON or EVE line, and hostile input is
 * MALFORMED (or sane), never a crash.
 *
 * dns.question.registered_domain (and subdomain, top_level_domain,
 * dnshound.zone_source): the parser ignores them on purpose (the pipeline
 * recomputes the zone key from the name after assembly), so the parsed
 * event has none. The round-trip tests recompute it as the pipeline does
 * (rezone: regdom.h with rules/noise.yaml's internal zones, which
 * `dnshound --emit events` loads too), rather than setting the field back
 * from the JSON, which would only test the test.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "noise.h"
#include "output-event.h"
#include "parser.h"
#include "regdom.h"
#include "util-dns.h"
#include "util-ip.h"
#include "util-json.h"

extern const dh_parser_type_t dh_parser_dnshound_events;

#define GOLDEN DH_SOURCE_DIR "/tests/golden/"
#define EV_DATA DH_SOURCE_DIR "/tests/data/events/"
#define TEST_DATA DH_SOURCE_DIR "/tests/data/"
#define LEGACY EV_DATA "legacy/"

static const dh_parser_type_t *P = &dh_parser_dnshound_events;
static void *state;
static dh_evbuf_t *buf;
static dh_evbuf_t *src; /* events built by the tests */
static dh_evbuf_t *buf2; /* a second parse, to compare two events */
static dh_regdom_t *regdom;
static dh_strbuf_t sb1, sb2;
static char reason[DH_REASON_MAX];

static void setup(void)
{
    state = P->create();
    buf = dh_evbuf_new(4u << 20);
    src = dh_evbuf_new(1u << 16);
    buf2 = dh_evbuf_new(4u << 20);
    regdom = dh_regdom_new(1024);
    cr_assert_not_null(regdom);
    char err[256];
    dh_noise_t *n = dh_noise_load_zones(DH_SOURCE_DIR "/rules", err, sizeof(err));
    cr_assert_not_null(n, "%s", err);
    const dh_noise_zone_t *z;
    for (size_t i = 0; (z = dh_noise_internal_zone(n, i)) != NULL; i++)
        cr_assert_eq(dh_regdom_add_internal_zone(regdom, z->name, strlen(z->name)), 0);
    dh_noise_free(n);
    dh_sb_init(&sb1);
    dh_sb_init(&sb2);
}

static void teardown(void)
{
    P->destroy(state);
    dh_evbuf_free(buf);
    dh_evbuf_free(src);
    dh_evbuf_free(buf2);
    dh_regdom_free(regdom);
    dh_sb_free(&sb1);
    dh_sb_free(&sb2);
}

TestSuite(dnshound_events, .init = setup, .fini = teardown);

static dh_line_t parse_n(const char *line, size_t len)
{
    reason[0] = '\0';
    dh_line_t r = dh_parser_parse_line(P, state, line, len, buf, reason);
    if (r == DH_LINE_MALFORMED)
        cr_assert(reason[0] && strlen(reason) < DH_REASON_MAX, "a malformed line needs a reason");
    return r;
}

static dh_line_t parse(const char *line)
{
    return parse_n(line, strlen(line));
}

static const char *addr(const dh_addr_t *a)
{
    static char s[DH_ADDR_STRLEN];
    return dh_addr_format(a, s);
}

static bool bytes_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (!a || !b)
        return a == b;
    return alen == blen && memcmp(a, b, alen) == 0;
}

static void assert_bytes(const char *got, size_t got_len, const char *want, size_t want_len)
{
    cr_assert_not_null(got);
    cr_assert(bytes_eq(got, got_len, want, want_len), "got %zu bytes \"%.*s\", want %zu",
              got_len, (int)got_len, got, want_len);
}

/* Every field of the two events is the same (registered_domain aside). */
static void assert_same_event(const dh_event_t *a, const dh_event_t *b)
{
    cr_assert_eq(a->ts_us, b->ts_us);
    cr_assert_eq(a->sensor, b->sensor);
    cr_assert(dh_addr_equal(&a->client, &b->client) || (!a->client.family && !b->client.family));
    cr_assert(dh_addr_equal(&a->server, &b->server) || (!a->server.family && !b->server.family));
    cr_assert_eq(a->client_port, b->client_port);
    cr_assert_eq(a->server_port, b->server_port);
    cr_assert_eq(a->transport, b->transport);
    cr_assert_eq(a->trans_id, b->trans_id);
    cr_assert(bytes_eq(a->uid, a->uid_len, b->uid, b->uid_len), "uid");
    cr_assert_eq(a->has_qname, b->has_qname);
    if (a->has_qname) {
        cr_assert(bytes_eq(a->qname, a->qname_len, b->qname, b->qname_len), "qname");
        cr_assert(bytes_eq(a->qname_lc, a->qname_len, b->qname_lc, b->qname_len), "qname_lc");
    }
    cr_assert_eq(a->qtype, b->qtype);
    cr_assert_eq(a->qclass, b->qclass);
    cr_assert_eq(a->rcode, b->rcode);
    cr_assert_eq(a->opcode, b->opcode);
    cr_assert_eq(a->flags, b->flags);
    cr_assert_eq(a->flags_known, b->flags_known);
    cr_assert_eq(a->rejected, b->rejected);
    cr_assert_eq(a->rtt_us, b->rtt_us);
    cr_assert_eq(a->has_response, b->has_response);
    cr_assert_eq(a->n_answers, b->n_answers);
    cr_assert_eq(a->answers_dropped, b->answers_dropped);
    for (uint32_t i = 0; i < a->n_answers; i++) {
        const dh_answer_t *x = &a->answers[i], *y = &b->answers[i];
        cr_assert_eq(x->rrtype, y->rrtype, "answer %u", i);
        cr_assert_eq(x->ttl, y->ttl, "answer %u", i);
        cr_assert_eq(x->section, y->section, "answer %u", i);
        cr_assert(bytes_eq(x->rrname, x->rrname_len, y->rrname, y->rrname_len), "answer %u", i);
        cr_assert(bytes_eq(x->data, x->data_len, y->data, y->data_len), "answer %u", i);
    }
}

/* The zone key the pipeline gives a parsed event (see the top). */
static void rezone(dh_event_t *ev)
{
    dh_zone_source_t zs = DH_ZONE_NONE;
    ev->registered_domain =
        ev->has_qname ? dh_regdom_key(regdom, ev->qname_lc, ev->qname_len, &zs) : NULL;
    ev->zone_source = (uint8_t)zs;
}

/* Parse one line (without '\n'; either form) into b and give it its zone
   key. */
static void parse_into(dh_evbuf_t *b, const char *line, size_t len, const char *where)
{
    reason[0] = '\0';
    cr_assert_eq(dh_parser_parse_line(P, state, line, len, b, reason), DH_LINE_RECORD, "%s: %s",
                 where, reason);
    cr_assert_eq(b->part, DH_PART_COMPLETE);
    cr_assert_null(b->ev.registered_domain, "%s: the zone key is the pipeline's", where);
    rezone(&b->ev);
}

/* Parse one serialized line (without '\n') and serialize it again: the
   same bytes. */
static void assert_line_round_trips(const char *line, size_t len, const char *where)
{
    parse_into(buf, line, len, where);
    dh_sb_reset(&sb2);
    dh_event_to_json(&buf->ev, &sb2);
    dh_sb_reset(&sb1);
    dh_sb_put(&sb1, line, len);
    dh_sb_putc(&sb1, '\n');
    cr_assert(sb1.len == sb2.len && memcmp(sb1.buf, sb2.buf, sb1.len) == 0,
              "%s: round trip differs\nwant %s got  %s", where, sb1.buf, sb2.buf);
}

/* A legacy line: parsed, written as ECS (into sb1), parsed again: the same
   event, and the same ECS bytes once more. */
static void assert_legacy_line_reads(const char *line, size_t len, const char *where)
{
    parse_into(buf, line, len, where);
    dh_sb_reset(&sb1);
    dh_event_to_json(&buf->ev, &sb1);
    parse_into(buf2, sb1.buf, sb1.len - 1, where);
    assert_same_event(&buf->ev, &buf2->ev);
    dh_sb_reset(&sb2);
    dh_event_to_json(&buf2->ev, &sb2);
    cr_assert(sb1.len == sb2.len && memcmp(sb1.buf, sb2.buf, sb1.len) == 0,
              "%s: differs\nfirst  %s second %s", where, sb1.buf, sb2.buf);
}

/* serialize(ev) -> parse -> the same event and serialize -> the same bytes. */
static void assert_event_round_trips(const dh_event_t *ev)
{
    dh_strbuf_t first;
    dh_sb_init(&first);
    dh_event_to_json(ev, &first);
    cr_assert(first.len > 0 && first.buf[first.len - 1] == '\n');
    cr_assert_eq(parse_n(first.buf, first.len - 1), DH_LINE_RECORD, "%s: %s", first.buf, reason);
    assert_same_event(ev, &buf->ev);
    dh_sb_reset(&sb2);
    dh_event_to_json(&buf->ev, &sb2);
    cr_assert(first.len == sb2.len && memcmp(first.buf, sb2.buf, first.len) == 0,
              "round trip differs\nwant %s got  %s", first.buf, sb2.buf);
    dh_sb_free(&first);
}

/* Call fn on every non-empty line (without \n/\r) of a file; false when the
   file cannot be opened. */
static bool each_line(const char *path, void (*fn)(const char *, size_t, const char *, void *),
                      void *arg)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n > 0)
            fn(line, (size_t)n, path, arg);
    }
    free(line);
    fclose(f);
    return true;
}

/* Call fn on every regular file under dir (recursively) whose name ends
   with suffix ("" for all); returns the number of files. */
static int each_file(const char *dir, const char *suffix, void (*fn)(const char *, void *),
                     void *arg)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        DIR *sub = opendir(path);
        if (sub) {
            closedir(sub);
            files += each_file(path, suffix, fn, arg);
            continue;
        }
        size_t nl = strlen(e->d_name), sl = strlen(suffix);
        if (nl < sl || strcmp(e->d_name + nl - sl, suffix) != 0)
            continue;
        fn(path, arg);
        files++;
    }
    closedir(d);
    return files;
}

/* ---- events built here -------------------------------------------------- */

static void set_addr(dh_addr_t *a, const char *s)
{
    cr_assert_eq(dh_addr_parse(s, strlen(s), a), 0, "%s", s);
}

static const char *copy(const char *s, size_t n)
{
    const char *p = dh_evbuf_copy(src, s, n);
    cr_assert_not_null(p);
    return p;
}

static void add(uint8_t section, const char *name, size_t name_len, int32_t type, int64_t ttl,
                const char *data, size_t data_len)
{
    dh_answer_t a = {.section = section, .rrtype = type, .ttl = ttl};
    if (name) {
        a.rrname = copy(name, name_len);
        a.rrname_len = name_len;
    }
    if (data) {
        a.data = copy(data, data_len);
        a.data_len = data_len;
    }
    dh_evbuf_add_answer(src, &a);
}

#define S(lit) lit, sizeof(lit) - 1

/* A query with NUL, control bytes, quotes, backslashes, invalid UTF-8 (lone
   continuation, truncated and overlong sequences, 0xff), valid UTF-8 and
   backslash-x text that is not an escape of a byte util-json.c would write. */
static const char awkward_qname[] = "a\0b\xff\xc3\x28\"q\\\x01\x1f\x7f"
                                    "\xc3\xa9"
                                    "\xe2\x82"
                                    "x"
                                    "\xf0\x9f\x98\x80"
                                    ".\xc0\xaf\xed\xa0\x80"
                                    "\\x41\\xZZ\\xC3\\x"
                                    "\x80"
                                    "\\"
                                    "\xbf"
                                    "\\xc3\\xa9."
                                    "EXAMPLE.com";

static void build_full(void)
{
    dh_evbuf_reset(src);
    dh_event_t *ev = &src->ev;
    ev->ts_us = 1521911720865716;
    ev->sensor = DH_SENSOR_SURICATA;
    ev->uid = copy(S("1778159332693385"));
    ev->uid_len = 16;
    set_addr(&ev->client, "2001:0db8:0000:0000:0000:ff00:0042:8329");
    ev->client_port = 65535;
    set_addr(&ev->server, "::ffff:192.0.2.53");
    ev->server_port = 0;
    ev->transport = DH_TRANSPORT_TCP;
    ev->trans_id = 65535;
    cr_assert_eq(dh_evbuf_set_qname(src, awkward_qname, sizeof(awkward_qname) - 1), 0);
    ev->qtype = DH_QTYPE_HTTPS;
    ev->qclass = 32769;
    ev->rcode = DH_RCODE_NXDOMAIN;
    ev->opcode = 0;
    ev->flags_known = DH_FLAG_QR | DH_FLAG_AA | DH_FLAG_RD | DH_FLAG_Z;
    ev->flags = DH_FLAG_QR | DH_FLAG_RD | DH_FLAG_Z;
    ev->rejected = 0;
    ev->rtt_us = 1234567;
    ev->has_response = true;
    add(DH_SECTION_ANSWER, S("Example.COM\0x"), DH_QTYPE_CNAME, 0, S("target\xff.example"));
    add(DH_SECTION_AUTHORITY, NULL, 0, -1, 4294967295, S("ns1\\x41.example \"quoted\""));
    add(DH_SECTION_ADDITIONAL, S(""), 41, -1, NULL, 0);
    add(DH_SECTION_ANSWER, S("p.example"), DH_QTYPE_PRIVATE, 86400, S("\x01\x02\x1f\x7f\0"));
    add(DH_SECTION_ANSWER, S("u.example"), 65280, 1, S("\\# 2 abcd"));
    add(DH_SECTION_ADDITIONAL, S("a.example"), DH_QTYPE_AAAA, 30, S("2001:db8::1"));
}

Test(dnshound_events, round_trip_full_event)
{
    build_full();
    assert_event_round_trips(&src->ev);
    const dh_event_t *ev = &buf->ev;
    assert_bytes(ev->qname, ev->qname_len, awkward_qname, sizeof(awkward_qname) - 1);
    cr_assert_str_eq(addr(&ev->client), "2001:db8::ff00:42:8329");
    cr_assert_eq(ev->client.family, DH_AF_INET6);
    cr_assert_eq(ev->n_answers, 6);
    cr_assert_eq(ev->answers[1].section, DH_SECTION_AUTHORITY);
    cr_assert_eq(ev->answers[2].section, DH_SECTION_ADDITIONAL);
    cr_assert_eq(ev->answers[2].rrname_len, 0);
    cr_assert_not_null(ev->answers[2].rrname, "an empty owner name is not an absent one");
    cr_assert_null(ev->answers[2].data);
    cr_assert_null(ev->answers[1].rrname);
    assert_bytes(ev->answers[3].data, ev->answers[3].data_len, S("\x01\x02\x1f\x7f\0"));
}

Test(dnshound_events, round_trip_with_registered_domain)
{
    build_full();
    static const char name[] = "Mail.Sub.Example.co.UK";
    cr_assert_eq(dh_evbuf_set_qname(src, S(name)), 0);
    rezone(&src->ev);
    cr_assert_str_eq(src->ev.registered_domain, "example.co.uk");
    dh_sb_reset(&sb1);
    dh_event_to_json(&src->ev, &sb1);
    cr_assert_not_null(strstr(sb1.buf, "\"registered_domain\":\"example.co.uk\","
                                       "\"subdomain\":\"Mail.Sub\",\"top_level_domain\":\"co.uk\""),
                       "%s", sb1.buf);
    cr_assert_not_null(strstr(sb1.buf, "\"zone_source\":\"public_suffix\""), "%s", sb1.buf);
    char *line = strdup(sb1.buf);
    assert_line_round_trips(line, strlen(line) - 1, "with registered_domain");
    free(line);
}

Test(dnshound_events, round_trip_minimal_event)
{
    dh_evbuf_reset(src);
    assert_event_round_trips(&src->ev);
    dh_sb_reset(&sb1);
    dh_event_to_json(&buf->ev, &sb1);
    cr_assert_str_eq(sb1.buf, "{\"@timestamp\":\"1970-01-01T00:00:00.000000Z\","
                              "\"ecs\":{\"version\":\"9.4.0\"},\"event\":{\"kind\":\"event\","
                              "\"category\":[\"network\"],\"type\":[\"protocol\"],"
                              "\"dataset\":\"dnshound.dns\",\"module\":\"dnshound\"},"
                              "\"network\":{\"protocol\":\"dns\"},\"dns\":{\"type\":\"query\"}}\n");
}

Test(dnshound_events, round_trip_variants)
{
    /* zeek, IPv4, every flag known and set, rejected, root zone */
    dh_evbuf_reset(src);
    dh_event_t *ev = &src->ev;
    ev->ts_us = 1;
    ev->sensor = DH_SENSOR_ZEEK;
    set_addr(&ev->client, "10.47.1.100");
    ev->client_port = 41772;
    ev->transport = DH_TRANSPORT_UDP;
    cr_assert_eq(dh_evbuf_set_qname(src, "", 0), 0);
    ev->qtype = DH_QTYPE_NS;
    ev->flags_known = ev->flags = 0x3f;
    ev->rejected = 1;
    ev->rcode = 4095;
    ev->opcode = 15;
    ev->has_response = true;
    assert_event_round_trips(ev);
    cr_assert(buf->ev.has_qname);
    cr_assert_eq(buf->ev.qname_len, 0);

    /* every flag known and clear; server only; uid empty */
    dh_evbuf_reset(src);
    ev->ts_us = 4102444799999999; /* 2099-12-31T23:59:59.999999Z, the latest accepted */
    ev->flags_known = 0x3f;
    set_addr(&ev->server, "::");
    ev->uid = copy("", 0);
    assert_event_round_trips(ev);

    /* answers_dropped without kept answers */
    dh_evbuf_reset(src);
    ev->answers_dropped = 3;
    assert_event_round_trips(ev);

    /* a full answer array plus dropped ones */
    dh_evbuf_reset(src);
    for (int i = 0; i < DH_EVBUF_MAX_ANSWERS + 7; i++) {
        char d[32];
        int n = snprintf(d, sizeof(d), "10.0.%d.%d", i / 256, i % 256);
        add((uint8_t)(i % 3), NULL, 0, DH_QTYPE_A, i, d, (size_t)n);
    }
    cr_assert_eq(ev->answers_dropped, 7);
    assert_event_round_trips(ev);
    cr_assert_eq(buf->ev.n_answers, DH_EVBUF_MAX_ANSWERS);
    cr_assert_eq(buf->ev.answers_dropped, 7);
}

/* xorshift64*: deterministic test randomness. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

/* The one ambiguity of the format: the text backslash, x, two lowercase hex
   digits 80..ff is also how a non-UTF-8 byte is written. */
Test(dnshound_events, round_trip_random_names)
{
    /* bytes that make escapes interesting, and text that looks like them */
    static const char *const pieces[] = {
        "\0", "\x01", "\x1f", "\x7f", "\\", "x", "8", "c", "f", "a", "3", "9", "A", "\"",
        "\x80", "\xa9", "\xbf", "\xc0", "\xc3", "\xe2", "\x82", "\xac", "\xed", "\xf0", "\x9f",
        "\xf4", "\xf5", "\xff", "\\x", "\\xc3", "\\xa9", "\\xff", "\\x80", "\\x41", ".",
    };
    const size_t np = sizeof(pieces) / sizeof(pieces[0]);
    for (int iter = 0; iter < 20000; iter++) {
        char name[128];
        size_t n = 0, want = rnd() % 24;
        for (size_t k = 0; k < want; k++) {
            const char *p = pieces[rnd() % np];
            size_t pl = p[0] ? strlen(p) : 1;
            memcpy(name + n, p, pl);
            n += pl;
        }
        dh_evbuf_reset(src);
        cr_assert_eq(dh_evbuf_set_qname(src, name, n), 0);
        add(DH_SECTION_ANSWER, name, n, -1, -1, name, n);
        dh_sb_reset(&sb1);
        dh_event_to_json(&src->ev, &sb1);
        cr_assert_eq(parse_n(sb1.buf, sb1.len - 1), DH_LINE_RECORD, "%s: %s", sb1.buf, reason);
        dh_sb_reset(&sb2);
        dh_event_to_json(&buf->ev, &sb2);
        cr_assert(sb1.len == sb2.len && memcmp(sb1.buf, sb2.buf, sb1.len) == 0,
                  "want %s got  %s", sb1.buf, sb2.buf);
        assert_bytes(buf->ev.qname, buf->ev.qname_len, name, n);
        assert_bytes(buf->ev.answers[0].data, buf->ev.answers[0].data_len, name, n);
    }
}

Test(dnshound_events, byte_escape_text)
{
    /* text that util-json.c never writes for a byte stays text */
    const char *keep[] = {"\\x41", "\\xZZ", "\\xC3", "\\x7f", "\\x", "\\xc3\\xa9",
                          "\\xe2\\x82\\xac", "\\xf0\\x9f\\x98\\x80"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        dh_evbuf_reset(src);
        cr_assert_eq(dh_evbuf_set_qname(src, keep[i], strlen(keep[i])), 0);
        assert_event_round_trips(&src->ev);
    }
    /* no ambiguity left: the text "\xff" and the byte 0xff are written
       apart (\x5cxff and \xff), and each reads back as itself */
    const char text_ff[] = "\\xff", byte_ff[] = "\xff";
    dh_evbuf_reset(src);
    cr_assert_eq(dh_evbuf_set_qname(src, S(text_ff)), 0);
    dh_sb_reset(&sb1);
    dh_event_to_json(&src->ev, &sb1);
    cr_assert_not_null(strstr(sb1.buf, "\"name\":\"\\\\x5cxff\""), "%s", sb1.buf);
    assert_event_round_trips(&src->ev);
    assert_bytes(buf->ev.qname, buf->ev.qname_len, S(text_ff));
    dh_evbuf_reset(src);
    cr_assert_eq(dh_evbuf_set_qname(src, S(byte_ff)), 0);
    assert_event_round_trips(&src->ev);
    assert_bytes(buf->ev.qname, buf->ev.qname_len, S(byte_ff));
    /* a line from a writer before \x5c: the spelling of a valid UTF-8
       sequence was text, and still reads so */
    char line[] = "{\"ts\":\"2024-01-01T00:00:00.000000Z\",\"sensor\":\"zeek\","
                  "\"query\":{\"name\":\"\\\\xff\\\\xc3\\\\xa9\\\\xe2\\\\x82\"},"
                  "\"has_response\":false}";
    cr_assert_eq(parse_n(line, strlen(line)), DH_LINE_RECORD, "%s", reason);
    assert_bytes(buf->ev.qname, buf->ev.qname_len, S("\xff\\xc3\\xa9\xe2\x82"));
}

/* ---- golden files and hand-written lines ---------------------------------- */

static void round_trip_cb(const char *line, size_t len, const char *path, void *arg)
{
    assert_line_round_trips(line, len, path);
    ++*(int *)arg;
}

static void round_trip_file(const char *path, void *arg)
{
    cr_assert(each_line(path, round_trip_cb, arg), "%s", path);
}

Test(dnshound_events, round_trip_golden_files)
{
    int lines = 0;
    int files = each_file(GOLDEN, ".events.jsonl", round_trip_file, &lines);
    cr_assert_geq(files, 10, "golden files found: %d", files);
    cr_assert_geq(lines, 1000, "golden lines: %d", lines);
}

static void legacy_cb(const char *line, size_t len, const char *path, void *arg)
{
    assert_legacy_line_reads(line, len, path);
    ++*(int *)arg;
}

Test(dnshound_events, legacy_handmade_lines_read)
{
    int lines = 0;
    cr_assert(each_line(EV_DATA "handmade.events.jsonl", legacy_cb, &lines));
    cr_assert_eq(lines, 6);
}

/* The hand-written events in the ECS form (made from the legacy lines by
   `dnshound --emit events`): each reads back to itself, and the legacy line
   of the same number reads as it. */
Test(dnshound_events, handmade_ecs_lines_round_trip)
{
    int lines = 0;
    round_trip_file(EV_DATA "handmade.ecs.events.jsonl", &lines);
    cr_assert_eq(lines, 6);
    FILE *a = fopen(EV_DATA "handmade.events.jsonl", "r"),
         *b = fopen(EV_DATA "handmade.ecs.events.jsonl", "r");
    cr_assert(a && b);
    char *la = NULL, *lb = NULL;
    size_t ca = 0, cb = 0;
    ssize_t na;
    while ((na = getline(&la, &ca, a)) > 0) {
        ssize_t nb = getline(&lb, &cb, b);
        assert_legacy_line_reads(la, (size_t)na - 1, "handmade");
        cr_assert(sb1.len == (size_t)nb && memcmp(sb1.buf, lb, sb1.len) == 0, "%s", sb1.buf);
    }
    free(la);
    free(lb);
    fclose(a);
    fclose(b);
}

/* Line by line, a legacy golden file and the ECS golden file made from the
   same source: the legacy line read back is the event of the ECS line. */
static void legacy_pair_file(const char *path, void *arg)
{
    char ecs[4096];
    snprintf(ecs, sizeof(ecs), "%s%s", GOLDEN, strrchr(path, '/') + 1);
    FILE *a = fopen(path, "r"), *b = fopen(ecs, "r");
    cr_assert(a && b, "%s and %s", path, ecs);
    char *la = NULL, *lb = NULL;
    size_t ca = 0, cb = 0;
    ssize_t na, nb;
    while ((na = getline(&la, &ca, a)) > 0) {
        nb = getline(&lb, &cb, b);
        cr_assert_gt(nb, 0, "%s: fewer lines than %s", ecs, path);
        assert_legacy_line_reads(la, (size_t)na - 1, path);
        cr_assert(sb1.len == (size_t)nb && memcmp(sb1.buf, lb, sb1.len) == 0,
                  "%s: legacy line read back\n  %s is not the ECS golden line\n  %s", path, sb1.buf,
                  lb);
        ++*(int *)arg;
    }
    cr_assert_lt(getline(&lb, &cb, b), 0, "%s: more lines than %s", ecs, path);
    free(la);
    free(lb);
    fclose(a);
    fclose(b);
}

Test(dnshound_events, legacy_golden_files_read_as_the_ecs_ones)
{
    int lines = 0;
    int files = each_file(LEGACY, ".events.jsonl", legacy_pair_file, &lines);
    cr_assert_geq(files, 10, "legacy golden files found: %d", files);
    cr_assert_geq(lines, 1000, "legacy golden lines: %d", lines);
}

/* The n-th (0-based) line of the hand-written file, parsed. */
static void parse_handmade(int nth)
{
    FILE *f = fopen(EV_DATA "handmade.events.jsonl", "r");
    cr_assert_not_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = -1;
    for (int i = 0; i <= nth; i++)
        cr_assert((n = getline(&line, &cap, f)) > 0);
    while (n > 0 && line[n - 1] == '\n')
        n--;
    cr_assert_eq(parse_n(line, (size_t)n), DH_LINE_RECORD, "%s", reason);
    free(line);
    fclose(f);
}

Test(dnshound_events, handmade_values)
{
    parse_handmade(0);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->ts_us, 1714564800000001LL);
    cr_assert_eq(ev->sensor, DH_SENSOR_ZEEK);
    assert_bytes(ev->uid, ev->uid_len, S("CqKst53mF3det3eDV9"));
    cr_assert_str_eq(addr(&ev->client), "2001:db8::1");
    cr_assert_eq(ev->client_port, 5353);
    cr_assert_str_eq(addr(&ev->server), "fe80::1");
    cr_assert_eq(ev->transport, DH_TRANSPORT_TCP);
    cr_assert_eq(ev->trans_id, 0);
    assert_bytes(ev->qname, ev->qname_len, S("a\0b\xff\"q\\\x01\xc3\xa9.Example"));
    assert_bytes(ev->qname_lc, ev->qname_len, S("a\0b\xff\"q\\\x01\xc3\xa9.example"));
    cr_assert_null(ev->registered_domain);
    cr_assert_eq(ev->qtype, DH_QTYPE_TXT);
    cr_assert_eq(ev->qclass, 1);
    cr_assert_eq(ev->opcode, 0);
    cr_assert(ev->has_response);
    cr_assert_eq(ev->rcode, 0);
    cr_assert_eq(ev->flags_known, DH_FLAG_QR | DH_FLAG_RD);
    cr_assert_eq(ev->flags, DH_FLAG_QR | DH_FLAG_RD);
    cr_assert_eq(ev->rejected, 0);
    cr_assert_eq(ev->rtt_us, 0);
    cr_assert_eq(ev->n_answers, 3);
    assert_bytes(ev->answers[0].data, ev->answers[0].data_len, S("v=spf1 \\xc3\\xa9 \\x41 \\xC3"));
    cr_assert_eq(ev->answers[0].ttl, 60);
    cr_assert_eq(ev->answers[1].section, DH_SECTION_AUTHORITY);
    cr_assert_eq(ev->answers[1].rrtype, DH_QTYPE_SOA);
    cr_assert_eq(ev->answers[2].section, DH_SECTION_ADDITIONAL);
    cr_assert_null(ev->answers[2].rrname);
    cr_assert_eq(ev->answers[2].rrtype, -1);
    cr_assert_eq(ev->answers[2].ttl, -1);

    parse_handmade(1);
    cr_assert_eq(ev->ts_us, 0);
    cr_assert_eq(ev->sensor, DH_SENSOR_UNKNOWN);
    cr_assert_not(ev->has_qname);
    cr_assert_null(ev->uid);
    cr_assert_eq(ev->client.family, DH_AF_UNSET);
    cr_assert_eq(ev->client_port, -1);
    cr_assert_eq(ev->trans_id, -1);
    cr_assert_eq(ev->qtype, -1);
    cr_assert_eq(ev->rcode, -1);
    cr_assert_eq(ev->rejected, -1);
    cr_assert_eq(ev->rtt_us, -1);
    cr_assert_eq(ev->flags_known, 0);

    parse_handmade(2);
    cr_assert_eq(ev->sensor, DH_SENSOR_SURICATA);
    cr_assert_not(ev->has_response);
    cr_assert_eq(ev->rcode, -1);
    cr_assert_eq(ev->opcode, -1);
    cr_assert_eq(ev->flags_known, DH_FLAG_RD);

    parse_handmade(3);
    cr_assert(ev->has_qname);
    cr_assert_eq(ev->qname_len, 0, "the root zone");
    cr_assert_eq(ev->qclass, 32769);
    cr_assert_eq(ev->opcode, 5);
    cr_assert_eq(ev->rcode, 5);
    cr_assert_eq(ev->rejected, 1);
    cr_assert_eq(ev->flags_known, 0x3f);
    cr_assert_eq(ev->flags, DH_FLAG_QR | DH_FLAG_TC | DH_FLAG_RD | DH_FLAG_Z);
    cr_assert_eq(ev->rtt_us, 9007199254740992LL);
    cr_assert_eq(ev->server_port, 53);
    cr_assert_eq(ev->server.family, DH_AF_UNSET);
    cr_assert_eq(ev->answers[0].rrtype, 65280);
    cr_assert_eq(ev->answers[0].ttl, 4294967295LL);
    cr_assert_eq(ev->answers[1].rrname_len, 0);
    cr_assert_not_null(ev->answers[1].rrname);

    parse_handmade(4);
    assert_bytes(ev->qname, ev->qname_len, S("x\xe2\x82x.\x80\xc0\xaf.\x1f"));
    cr_assert_eq(ev->n_answers, 0);
    cr_assert_eq(ev->answers_dropped, 3);

    parse_handmade(5);
    cr_assert_eq(ev->ts_us, 4102444799999999LL);
    assert_bytes(ev->uid, ev->uid_len, S(""));
    assert_bytes(ev->qname, ev->qname_len, S("\x80\\xc3\\xa9"));
    cr_assert_eq(ev->rcode, 4095);
    assert_bytes(ev->answers[0].rrname, ev->answers[0].rrname_len, S("n\0\0"));
    assert_bytes(ev->answers[0].data, ev->answers[0].data_len, S("\0"));
    cr_assert_eq(ev->answers_dropped, 4294967295u);
}

/* Lines not written by our serializer but valid: other spellings, null,
   names without numbers, keys out of order, whitespace. */
Test(dnshound_events, other_writers)
{
    const char *line =
        "\xEF\xBB\xBF { \"sensor\" : \"suricata\" , \"t\\u0073\" : \"2024-05-01T14:00:00.5+02:00\","
        " \"uid\": null, \"client\": {\"port\": 53.0, \"ip\": \"fe80::1%eth0\"},"
        " \"query\": {\"type_name\": \"AAAA\", \"class_name\": \"C_INTERNET\","
        " \"name\": \"\\u0041\\/b\\ud83d\\ude00\"}, \"rcode_name\": \"NXDOMAIN\","
        " \"flags\": {\"qr\": null, \"aa\": true}, \"answers\": null, \"future_key\": [1, {\"x\": []}],"
        " \"transport\": \"sctp\", \"has_response\": true } \r\n";
    cr_assert_eq(parse(line), DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->ts_us, 1714564800500000LL);
    cr_assert_eq(ev->sensor, DH_SENSOR_SURICATA);
    cr_assert_null(ev->uid);
    cr_assert_eq(ev->client_port, 53);
    cr_assert_str_eq(addr(&ev->client), "fe80::1");
    cr_assert_eq(ev->qtype, DH_QTYPE_AAAA, "a name is read when the number is absent");
    cr_assert_eq(ev->qclass, 1);
    cr_assert_eq(ev->rcode, DH_RCODE_NXDOMAIN);
    assert_bytes(ev->qname, ev->qname_len, S("A/b\xf0\x9f\x98\x80"));
    cr_assert_eq(ev->flags_known, DH_FLAG_AA);
    cr_assert_eq(ev->transport, DH_TRANSPORT_UNKNOWN);
    cr_assert_eq(ev->n_answers, 0);

    /* the number wins over a contradicting name */
    cr_assert_eq(parse("{\"ts\":\"2024-01-01T00:00:00Z\",\"query\":{\"type\":16,"
                       "\"type_name\":\"A\"},\"rcode\":0,\"rcode_name\":\"SERVFAIL\"}"),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.qtype, DH_QTYPE_TXT);
    cr_assert_eq(buf->ev.rcode, 0);

    /* an unknown name leaves the value unknown */
    cr_assert_eq(parse("{\"ts\":\"2024-01-01T00:00:00Z\",\"query\":{\"type_name\":\"BOGUS\"}}"),
                 DH_LINE_RECORD);
    cr_assert_eq(buf->ev.qtype, -1);

    /* first of duplicated keys wins (as jf_get); an escaped key is the key;
       a key with a NUL in it is another key */
    cr_assert_eq(parse("{\"ts\":\"2024-01-01T00:00:00Z\",\"ts\":\"garbage\"}"), DH_LINE_RECORD);
    cr_assert_eq(parse("{\"ts\":\"garbage\",\"ts\":\"2024-01-01T00:00:00Z\"}"), DH_LINE_MALFORMED);
    cr_assert_eq(parse("{\"ts\\u0000\":\"2024-01-01T00:00:00Z\"}"), DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "no ts");

    /* an unknown future sensor reads as unknown */
    cr_assert_eq(parse("{\"ts\":\"2024-01-01T00:00:00Z\",\"sensor\":\"dnstap\"}"), DH_LINE_RECORD);
    cr_assert_eq(buf->ev.sensor, DH_SENSOR_UNKNOWN);

    /* more answers than the buffer keeps: counted, added to answers_dropped */
    dh_strbuf_t l;
    dh_sb_init(&l);
    dh_sb_puts(&l, "{\"ts\":\"2024-01-01T00:00:00Z\",\"answers\":[");
    for (int i = 0; i < 70; i++)
        dh_sb_printf(&l, "%s{\"section\":\"answer\",\"data\":\"d%d\",\"ttl\":%d}", i ? "," : "", i, i);
    dh_sb_puts(&l, "],\"answers_dropped\":4}");
    cr_assert_eq(parse(l.buf), DH_LINE_RECORD, "%s", reason);
    cr_assert_eq(buf->ev.n_answers, DH_EVBUF_MAX_ANSWERS);
    cr_assert_eq(buf->ev.answers_dropped, 10);
    assert_bytes(buf->ev.answers[63].data, buf->ev.answers[63].data_len, S("d63"));
    dh_sb_free(&l);
}

/* ---- probe -------------------------------------------------------------- */

static void probe_yes_cb(const char *line, size_t len, const char *path, void *arg)
{
    cr_assert_eq(P->probe(line, len), DH_PROBE_YES, "%s: %.*s", path, (int)len, line);
    ++*(int *)arg;
}

static void probe_yes_file(const char *path, void *arg)
{
    cr_assert(each_line(path, probe_yes_cb, arg));
}

static void probe_not_yes_cb(const char *line, size_t len, const char *path, void *arg)
{
    cr_assert_neq(P->probe(line, len), DH_PROBE_YES, "%s: %.*s", path, (int)len, line);
    ++*(int *)arg;
}

static void probe_not_yes_file(const char *path, void *arg)
{
    cr_assert(each_line(path, probe_not_yes_cb, arg));
}

Test(dnshound_events, probe_claims_events)
{
    int lines = 0;
    each_file(GOLDEN, ".events.jsonl", probe_yes_file, &lines);
    cr_assert_geq(lines, 1000);
    each_file(LEGACY, ".events.jsonl", probe_yes_file, &lines);
    probe_yes_file(EV_DATA "handmade.events.jsonl", &lines);
    probe_yes_file(EV_DATA "handmade.ecs.events.jsonl", &lines);
    cr_assert_geq(lines, 2000);
    const char *bom = "\xEF\xBB\xBF{\"ts\":\"2024-01-01T00:00:00.000000Z\",\"sensor\":\"zeek\"}\r";
    cr_assert_eq(P->probe(bom, strlen(bom)), DH_PROBE_YES);
}

Test(dnshound_events, probe_never_claims_zeek_or_eve)
{
    int lines = 0;
    int files = each_file(TEST_DATA "zeek-json", "", probe_not_yes_file, &lines);
    files += each_file(TEST_DATA "eve", "", probe_not_yes_file, &lines);
    files += each_file(TEST_DATA "zeek-tsv", "", probe_not_yes_file, &lines);
    cr_assert_geq(files, 5);
    cr_assert_geq(lines, 1000);

    static const struct {
        const char *line;
        dh_probe_t want;
    } cases[] = {
        {"{\"ts\":1517336042.27,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}", DH_PROBE_NEED_MORE},
        {"{\"_path\":\"dns\",\"_write_ts\":\"2018-03-24T17:15:20Z\",\"ts\":\"2018-03-24T17:15:20Z\"}",
         DH_PROBE_NEED_MORE},
        {"{\"ts\":\"2018-03-24T17:15:20.865716Z\",\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}",
         DH_PROBE_NEED_MORE},
        /* a Zeek line with a user field called sensor is still Zeek's */
        {"{\"ts\":\"2018-03-24T17:15:20Z\",\"sensor\":\"s1\",\"id.orig_h\":\"10.0.0.1\"}",
         DH_PROBE_NEED_MORE},
        {"{\"ts\":\"2018-03-24T17:15:20Z\",\"sensor\":\"s1\",\"_path\":\"conn\"}", DH_PROBE_NEED_MORE},
        {"{\"timestamp\":\"2017-01-27T16:03:18.623093+0000\",\"event_type\":\"dns\"}",
         DH_PROBE_NEED_MORE},
        /* a query name spelling another parser's marker is text, not a key:
           the probes look for keys (jf_has_key), so this is still an event */
        {"{\"ts\":\"2024-01-01T00:00:00.000000Z\",\"sensor\":\"zeek\","
         "\"query\":{\"name\":\"\\\\\\\"event_type\"}}",
         DH_PROBE_YES},
        {"{\"sensor\":\"zeek\",\"ts\":\"2024-01-01T00:00:00.000000Z\"}", DH_PROBE_NEED_MORE},
        {"{\"ts\":\"2024-01-01T00:00:00.000000Z\"}", DH_PROBE_NEED_MORE},
        {"#separator \\x09", DH_PROBE_NO},
        {"1517336042.279652\tC1", DH_PROBE_NO},
        {"", DH_PROBE_NO},
        {"   ", DH_PROBE_NO},
        {"{\"ts\":\"", DH_PROBE_NEED_MORE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_eq(P->probe(cases[i].line, strlen(cases[i].line)), cases[i].want, "%s",
                     cases[i].line);
}

/* the shared corpus, when this checkout has it: reported as skipped when not */
Test(dnshound_events, probe_never_claims_corpus_zeek_or_eve)
{
    int lines = 0;
    char dir[DH_TEST_PATH_MAX];
    int files = each_file(dh_test_corpus(dir, "zeek-json", ""), "", probe_not_yes_file, &lines);
    files += each_file(dh_test_corpus(dir, "eve", ""), "", probe_not_yes_file, &lines);
    if (files == 0)
        cr_skip_test("corpus absent");
    cr_assert_gt(lines, 0);
}

/* ---- hostile input ---------------------------------------------------------- */

#define TS "\"ts\":\"2024-01-01T00:00:00.000000Z\""

Test(dnshound_events, malformed_lines)
{
    static const struct {
        const char *line;
        const char *reason; /* NULL: any */
    } cases[] = {
        {"{", NULL},
        {"}", NULL},
        {"[]", "not a JSON object"},
        {"\"x\"", "not a JSON object"},
        {"null", "not a JSON object"},
        {"{" TS "} {}", NULL},
        {"{" TS ",}", NULL},
        {"{\"sensor\":\"zeek\"}", "no ts"},
        {"{\"ts\":null}", "no ts"},
        {"{\"ts\":1714564800}", "bad ts"},
        {"{\"ts\":\"\"}", "bad ts"},
        {"{\"ts\":\"yesterday\"}", "bad ts"},
        {"{\"ts\":\"2024-01-01T00:00:00Z\\u0000\"}", "bad ts"},
        {"{\"ts\":\"1969-12-31T23:59:59Z\"}", "bad ts"},
        {"{\"ts\":\"0000-01-01T00:00:00+23:59\"}", "bad ts"},
        {"{\"ts\":\"2024-13-01T00:00:00Z\"}", "bad ts"},
        {"{\"ts\":[\"2024-01-01T00:00:00Z\"]}", "bad ts"},
        {"{" TS ",\"sensor\":1}", "bad sensor"},
        {"{" TS ",\"uid\":5}", "bad uid"},
        {"{" TS ",\"uid\":{}}", "bad uid"},
        {"{" TS ",\"client\":\"1.2.3.4\"}", "bad client"},
        {"{" TS ",\"client\":{\"ip\":\"999.1.1.1\"}}", "bad client.ip"},
        {"{" TS ",\"client\":{\"ip\":\"\"}}", "bad client.ip"},
        {"{" TS ",\"client\":{\"ip\":\"1.2.3.4\\u0000\"}}", "bad client.ip"},
        {"{" TS ",\"client\":{\"ip\":16909060}}", "bad client.ip"},
        {"{" TS ",\"client\":{\"port\":70000}}", "bad client.port"},
        {"{" TS ",\"client\":{\"port\":-1}}", "bad client.port"},
        {"{" TS ",\"client\":{\"port\":\"53\"}}", "bad client.port"},
        {"{" TS ",\"server\":{\"port\":53.5}}", "bad server.port"},
        {"{" TS ",\"server\":{\"ip\":\"::g\"}}", "bad server.ip"},
        {"{" TS ",\"transport\":17}", "bad transport"},
        {"{" TS ",\"trans_id\":65536}", "bad trans_id"},
        {"{" TS ",\"trans_id\":-1}", "bad trans_id"},
        {"{" TS ",\"trans_id\":\"1\"}", "bad trans_id"},
        {"{" TS ",\"trans_id\":1e400}", "bad trans_id"},
        {"{" TS ",\"query\":[]}", "bad query"},
        {"{" TS ",\"query\":\"example.com\"}", "bad query"},
        {"{" TS ",\"query\":{\"name\":5}}", "bad query.name"},
        {"{" TS ",\"query\":{\"name\":\"\\ud800\"}}", NULL},
        {"{" TS ",\"query\":{\"name\":\"\\udc00x\"}}", NULL},
        {"{" TS ",\"query\":{\"type\":\"A\"}}", "bad query.type"},
        {"{" TS ",\"query\":{\"type\":65536}}", "bad query.type"},
        {"{" TS ",\"query\":{\"type\":1,\"type_name\":1}}", "bad query.type_name"},
        {"{" TS ",\"query\":{\"class\":true}}", "bad query.class"},
        {"{" TS ",\"opcode\":16}", "bad opcode"},
        {"{" TS ",\"has_response\":\"true\"}", "bad has_response"},
        {"{" TS ",\"has_response\":1}", "bad has_response"},
        {"{" TS ",\"rcode\":4096}", "bad rcode"},
        {"{" TS ",\"rcode_name\":0}", "bad rcode_name"},
        {"{" TS ",\"flags\":[]}", "bad flags"},
        {"{" TS ",\"flags\":{\"qr\":1}}", "bad flags"},
        {"{" TS ",\"rejected\":\"F\"}", "bad rejected"},
        {"{" TS ",\"rtt_us\":-1}", "bad rtt_us"},
        {"{" TS ",\"rtt_us\":1.5}", "bad rtt_us"},
        {"{" TS ",\"rtt_us\":1e300}", "bad rtt_us"},
        {"{" TS ",\"answers\":{}}", "bad answers"},
        {"{" TS ",\"answers\":[1]}", "bad answers element"},
        {"{" TS ",\"answers\":[null]}", "bad answers element"},
        {"{" TS ",\"answers\":[{\"section\":\"question\"}]}", "bad answers[].section"},
        {"{" TS ",\"answers\":[{\"section\":2}]}", "bad answers[].section"},
        {"{" TS ",\"answers\":[{\"ttl\":-1}]}", "bad answers[].ttl"},
        {"{" TS ",\"answers\":[{\"type\":-5}]}", "bad answers[].type"},
        {"{" TS ",\"answers\":[{\"data\":5}]}", "bad answers[].data"},
        {"{" TS ",\"answers\":[{\"name\":[]}]}", "bad answers[].name"},
        {"{" TS ",\"answers_dropped\":-1}", "bad answers_dropped"},
        {"{" TS ",\"answers_dropped\":4294967296}", "bad answers_dropped"},
        {"{" TS ",\"uid\":\"a\\qb\"}", NULL},
        {"{" TS ",\"uid\":\"a\x01\"}", NULL},
        {"{" TS ",\"x\":NaN}", NULL},
        {"{" TS ",\"x\":'a'}", NULL},
        {"{" TS ",\"x\":1,/*c*/\"y\":2}", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dh_line_t r = parse(cases[i].line);
        if (r == DH_LINE_RECORD && !cases[i].reason)
            continue; /* a lenient JSON reading is fine where no reason is asked */
        cr_assert_eq(r, DH_LINE_MALFORMED, "%s", cases[i].line);
        if (cases[i].reason)
            cr_assert_str_eq(reason, cases[i].reason, "%s", cases[i].line);
        /* a malformed line leaves nothing behind */
        cr_assert_not(buf->ev.has_qname);
        cr_assert_eq(buf->ev.n_answers, 0);
        cr_assert_null(buf->ev.uid);
    }
}

Test(dnshound_events, truncated_lines)
{
    build_full();
    dh_sb_reset(&sb1);
    dh_event_to_json(&src->ev, &sb1);
    char *full = strdup(sb1.buf);
    size_t n = strlen(full) - 1;
    for (size_t cut = 0; cut < n; cut++)
        cr_assert_eq(parse_n(full, cut), DH_LINE_MALFORMED, "cut at %zu", cut);
    cr_assert_eq(parse_n(full, n), DH_LINE_RECORD);
    free(full);
}

Test(dnshound_events, huge_name_and_nul)
{
    size_t big = 1u << 20;
    dh_strbuf_t l;
    dh_sb_init(&l);
    dh_sb_puts(&l, "{" TS ",\"sensor\":\"unknown\",\"query\":{\"name\":\"");
    for (size_t i = 0; i < big / 8; i++)
        dh_sb_puts(&l, "abcdefg.");
    dh_sb_puts(&l, "\\u0000\\\\xff\"},\"has_response\":false,"
                   "\"answers\":[{\"section\":\"answer\",\"data\":\"");
    for (size_t i = 0; i < big / 8; i++)
        dh_sb_puts(&l, "\\u0000\\\\x80");
    dh_sb_puts(&l, "\"}]}");
    cr_assert_eq(parse(l.buf), DH_LINE_RECORD, "%s", reason);
    cr_assert_eq(buf->ev.qname_len, big + 2);
    cr_assert_eq(buf->ev.qname[big], '\0');
    cr_assert_eq((unsigned char)buf->ev.qname[big + 1], 0xff);
    cr_assert_eq(buf->ev.answers[0].data_len, big / 4);
    /* and it reads back from ECS */
    assert_legacy_line_reads(l.buf, l.len, "huge");
    cr_assert_eq(buf2->ev.qname_len, big + 2);
    cr_assert_eq(buf2->ev.answers[0].data_len, big / 4);
    dh_sb_putc(&l, '\n');

    /* a buffer sized for shorter lines: refused, not overrun */
    dh_evbuf_t *small = dh_evbuf_new(64);
    cr_assert_eq(dh_parser_parse_line(P, state, l.buf, l.len - 1, small, reason),
                 DH_LINE_MALFORMED);
    cr_assert_str_eq(reason, "record too large for the event buffer");
    dh_evbuf_free(small);
    dh_sb_free(&l);

    /* a NUL byte in the line itself (the reader never passes one) */
    const char nul[] = "{" TS ",\"uid\":\"a\0b\"}";
    dh_line_t r = parse_n(nul, sizeof(nul) - 1);
    cr_assert(r == DH_LINE_MALFORMED || r == DH_LINE_RECORD);
}

Test(dnshound_events, deep_nesting)
{
    dh_strbuf_t l;
    dh_sb_init(&l);
    /* beyond cJSON's nesting limit: refused */
    dh_sb_puts(&l, "{" TS ",\"x\":");
    for (int i = 0; i < 100000; i++)
        dh_sb_putc(&l, '[');
    for (int i = 0; i < 100000; i++)
        dh_sb_putc(&l, ']');
    dh_sb_putc(&l, '}');
    cr_assert_eq(parse(l.buf), DH_LINE_MALFORMED);

    /* deep but allowed, under an unknown key and inside an answer */
    dh_sb_reset(&l);
    dh_sb_puts(&l, "{" TS ",\"x\":");
    for (int i = 0; i < 400; i++)
        dh_sb_puts(&l, "{\"a\":[\"]}\",");
    dh_sb_puts(&l, "1");
    for (int i = 0; i < 400; i++)
        dh_sb_puts(&l, "]}");
    dh_sb_puts(&l, ",\"answers\":[{\"deep\":[[[[[{\"data\":\"no\"}]]]]],\"data\":\"yes\"}],"
                   "\"query\":{\"name\":\"q\"}}");
    cr_assert_eq(parse(l.buf), DH_LINE_RECORD, "%s", reason);
    assert_bytes(buf->ev.answers[0].data, buf->ev.answers[0].data_len, S("yes"));
    assert_bytes(buf->ev.qname, buf->ev.qname_len, S("q"));
    dh_sb_free(&l);
}

/* Random edits of valid lines (keeping them NUL-free and valid UTF-8, as the
   reader guarantees): never a crash, and whatever is accepted serializes to
   a line that reads back to itself. */
Test(dnshound_events, mutations)
{
    static const char *const inserts[] = {
        "\"", "\\", "\\u0000", "\\ud800", "{", "}", "[", "]", ",", ":", "null", "-1", "1e400",
        "\\\\xff", "\\\\x", "0.5", "true", "\"\":", "é", "\\\"", "99999999999999999999",
    };
    const size_t ni = sizeof(inserts) / sizeof(inserts[0]);
    build_full();
    dh_sb_reset(&sb1);
    dh_event_to_json(&src->ev, &sb1);
    const char *seeds[] = {
        strdup(sb1.buf),
        "{\"ts\":\"2024-05-01T12:00:02.000000Z\",\"sensor\":\"zeek\",\"client\":{\"ip\":\"192.0.2.7\"},"
        "\"query\":{\"name\":\"\\\\x80\\\\xc3\\\\xa9\",\"type\":2},\"has_response\":true,\"rcode\":5,"
        "\"flags\":{\"qr\":true,\"z\":true},\"rejected\":true,\"rtt_us\":12,\"answers\":[{\"section\":"
        "\"additional\",\"name\":\"\",\"type\":41,\"ttl\":3,\"data\":\"a\\u0000\"}],\"answers_dropped\":2}\n",
    };
    char *line = malloc(1 << 16);
    dh_strbuf_t again;
    dh_sb_init(&again);
    int accepted = 0;
    for (int iter = 0; iter < 30000; iter++) {
        const char *seed = seeds[iter % 2];
        size_t n = strlen(seed) - 1;
        memcpy(line, seed, n);
        int edits = 1 + (int)(rnd() % 3);
        for (int e = 0; e < edits && n > 2; e++) {
            size_t at = rnd() % n;
            while (at > 0 && ((unsigned char)line[at] & 0xC0) == 0x80)
                at--; /* not inside a UTF-8 sequence */
            switch (rnd() % 3) {
            case 0: { /* replace one ASCII byte */
                if ((unsigned char)line[at] < 0x80)
                    line[at] = (char)(0x20 + rnd() % 95);
                break;
            }
            case 1: { /* delete one character */
                size_t l = dh_utf8_seq_len((const unsigned char *)line + at, n - at);
                l = l ? l : 1;
                memmove(line + at, line + at + l, n - at - l);
                n -= l;
                break;
            }
            default: { /* insert a token */
                const char *t = inserts[rnd() % ni];
                size_t tl = strlen(t);
                memmove(line + at + tl, line + at, n - at);
                memcpy(line + at, t, tl);
                n += tl;
            }
            }
        }
        if (parse_n(line, n) != DH_LINE_RECORD)
            continue;
        accepted++;
        dh_sb_reset(&sb2);
        dh_event_to_json(&buf->ev, &sb2);
        cr_assert_eq(parse_n(sb2.buf, sb2.len - 1), DH_LINE_RECORD, "%s: %s", sb2.buf, reason);
        dh_sb_reset(&again);
        dh_event_to_json(&buf->ev, &again);
        cr_assert(again.len == sb2.len && memcmp(again.buf, sb2.buf, sb2.len) == 0,
                  "from %.*s\nfirst  %ssecond %s", (int)n, line, sb2.buf, again.buf);
    }
    cr_assert_gt(accepted, 1000, "accepted %d", accepted);
    dh_sb_free(&again);
    free(line);
    free((char *)seeds[0]);
}

/* Issue 10: the events format's ts is validated like every parser's. */
static dh_line_t ev_at(const char *ts)
{
    char line[160];
    snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"query\":{}}", ts);
    return parse(line);
}

Test(dnshound_events, calendar_dates_and_range_are_validated)
{
    cr_assert_eq(ev_at("2024-02-29T00:00:00.000000Z"), DH_LINE_RECORD, "leap day");
    cr_assert_eq(ev_at("2024-02-30T00:00:00.000000Z"), DH_LINE_MALFORMED);
    cr_assert_eq(ev_at("2023-02-29T00:00:00.000000Z"), DH_LINE_MALFORMED, "not a leap year");
    cr_assert_eq(ev_at("2024-13-01T00:00:00.000000Z"), DH_LINE_MALFORMED, "month 13");
    cr_assert_eq(ev_at("2024-05-01T25:00:00.000000Z"), DH_LINE_MALFORMED, "hour 25");
    cr_assert_eq(ev_at("9999-12-31T23:59:59.999999Z"), DH_LINE_MALFORMED, "beyond 2099");
    cr_assert_eq(ev_at("2100-01-01T00:00:00.000000Z"), DH_LINE_MALFORMED);
}

/* ---- real sensor records: parse -> ECS -> parse -> ECS -------------------- */

typedef struct {
    const dh_parser_type_t *sensor; /* the parser of the sensor's log */
    void *state;
    int records;
} real_t;

/* One line of a sensor log: each record it gives is written as ECS, read
   back to the same event, and written again to the same bytes. */
static void real_record_cb(const char *line, size_t len, const char *path, void *arg)
{
    real_t *r = arg;
    char why[DH_REASON_MAX];
    if (dh_parser_parse_line(r->sensor, r->state, line, len, src, why) != DH_LINE_RECORD)
        return;
    rezone(&src->ev);
    dh_sb_reset(&sb1);
    dh_event_to_json(&src->ev, &sb1);
    parse_into(buf, sb1.buf, sb1.len - 1, path);
    assert_same_event(&src->ev, &buf->ev);
    cr_assert_str_eq(buf->ev.registered_domain ? buf->ev.registered_domain : "",
                     src->ev.registered_domain ? src->ev.registered_domain : "");
    dh_sb_reset(&sb2);
    dh_event_to_json(&buf->ev, &sb2);
    cr_assert(sb1.len == sb2.len && memcmp(sb1.buf, sb2.buf, sb1.len) == 0,
              "%s: written again differs\nfirst  %s second %s", path, sb1.buf, sb2.buf);
    r->records++;
}

static const dh_parser_type_t *real_parser;

static void real_file(const char *path, void *arg)
{
    real_t *r = arg;
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".gz") == 0)
        return; /* each_line reads plain text */
    r->sensor = real_parser;
    r->state = real_parser->create();
    cr_assert(each_line(path, real_record_cb, r), "%s", path);
    real_parser->destroy(r->state);
}

static int real_dir(const char *dir, const char *format, real_t *r)
{
    real_parser = dh_parser_find(format);
    cr_assert_not_null(real_parser, "%s", format);
    return each_file(dir, "", real_file, r);
}

Test(dnshound_events, real_records_round_trip)
{
    real_t r = {0};
    real_parser = dh_parser_find("zeek");
    real_file(DH_SOURCE_DIR "/samples/demo-zeek-dns.log", &r);
    real_parser = dh_parser_find("eve");
    real_file(DH_SOURCE_DIR "/samples/demo-eve.json", &r);
    real_parser = dh_parser_find("zeek-json");
    real_file(DH_SOURCE_DIR "/samples/demo-zeek-dns.json", &r);
    cr_assert_geq(r.records, 5000, "sample records: %d", r.records);
    int files = real_dir(TEST_DATA "zeek-tsv", "zeek", &r) + real_dir(TEST_DATA "zeek-json", "zeek-json", &r) +
                real_dir(TEST_DATA "eve", "eve", &r);
    cr_assert_geq(files, 5);
}

/* the shared corpus, when this checkout has it: reported as skipped when not */
Test(dnshound_events, corpus_records_round_trip)
{
    real_t r = {0};
    char dir[DH_TEST_PATH_MAX];
    int files = real_dir(dh_test_corpus(dir, "zeek-tsv", ""), "zeek", &r);
    files += real_dir(dh_test_corpus(dir, "zeek-json", ""), "zeek-json", &r);
    files += real_dir(dh_test_corpus(dir, "eve", ""), "eve", &r);
    if (files == 0)
        cr_skip_test("corpus absent");
    cr_assert_geq(r.records, 1000, "corpus records: %d", r.records);
}

/* ---- the ECS form's own rules ------------------------------------------- */

/* The values ECS fixes, and the zone parts of the question. */
Test(dnshound_events, ecs_fields)
{
    build_full();
    rezone(&src->ev); /* the awkward name has no zone key */
    dh_sb_reset(&sb1);
    dh_event_to_json(&src->ev, &sb1);
    cJSON *d = cJSON_Parse(sb1.buf);
    cr_assert_not_null(d, "%s", sb1.buf);
    const cJSON *ev = cJSON_GetObjectItem(d, "event"), *dns = cJSON_GetObjectItem(d, "dns");
    cr_assert_str_eq(cJSON_GetObjectItem(ev, "kind")->valuestring, "event");
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(ev, "category"), 0)->valuestring,
                     "network");
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(ev, "type"), 0)->valuestring,
                     "protocol");
    cr_assert_eq(cJSON_GetObjectItem(ev, "duration")->valuedouble, 1234567000.0);
    cr_assert_str_eq(cJSON_GetObjectItem(ev, "provider")->valuestring, "suricata");
    cr_assert_str_eq(cJSON_GetObjectItem(dns, "id")->valuestring, "65535");
    cr_assert_str_eq(cJSON_GetObjectItem(dns, "op_code")->valuestring, "QUERY");
    cr_assert_str_eq(cJSON_GetObjectItem(dns, "type")->valuestring, "answer");
    cr_assert_str_eq(cJSON_GetObjectItem(dns, "response_code")->valuestring, "NXDOMAIN");
    const cJSON *q = cJSON_GetObjectItem(dns, "question");
    cr_assert_str_eq(cJSON_GetObjectItem(q, "type")->valuestring, "HTTPS");
    cr_assert_str_eq(cJSON_GetObjectItem(q, "class")->valuestring, "CLASS32769");
    /* RD is the one set flag ECS names (QR and Z are set, AA known clear) */
    const cJSON *hf = cJSON_GetObjectItem(dns, "header_flags");
    cr_assert_eq(cJSON_GetArraySize(hf), 1);
    cr_assert_str_eq(cJSON_GetArrayItem(hf, 0)->valuestring, "RD");
    const cJSON *ans = cJSON_GetObjectItem(dns, "answers");
    cr_assert_eq(cJSON_GetArraySize(ans), 6);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(ans, 4), "type")->valuestring,
                     "TYPE65280");
    /* only the AAAA answer's data is an address */
    const cJSON *rip = cJSON_GetObjectItem(dns, "resolved_ip");
    cr_assert_eq(cJSON_GetArraySize(rip), 1);
    cr_assert_str_eq(cJSON_GetArrayItem(rip, 0)->valuestring, "2001:db8::1");
    const cJSON *fid = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "suricata"), "eve");
    cr_assert_str_eq(cJSON_GetObjectItem(fid, "flow_id")->valuestring, "1778159332693385");
    const cJSON *cid = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "network"), "community_id");
    cr_assert(cJSON_IsString(cid) && strncmp(cid->valuestring, "1:", 2) == 0);
    cJSON_Delete(d);

    /* zone parts: an internal zone has a subdomain but no public suffix */
    cr_assert_eq(dh_evbuf_set_qname(src, S("Host.Site.corp")), 0);
    rezone(&src->ev);
    cr_assert_eq(src->ev.zone_source, DH_ZONE_INTERNAL);
    dh_sb_reset(&sb1);
    dh_event_to_json(&src->ev, &sb1);
    cr_assert_not_null(strstr(sb1.buf, "\"registered_domain\":\"site.corp\",\"subdomain\":\"Host\"}"),
                       "%s", sb1.buf);
    /* a registered domain asked itself, with a trailing dot: no subdomain */
    cr_assert_eq(dh_evbuf_set_qname(src, S("example.org.")), 0);
    rezone(&src->ev);
    dh_sb_reset(&sb1);
    dh_event_to_json(&src->ev, &sb1);
    cr_assert_not_null(
        strstr(sb1.buf, "\"registered_domain\":\"example.org\",\"top_level_domain\":\"org\"}"), "%s",
        sb1.buf);
    /* a round trip too long for nanoseconds in a double goes to dnshound.rtt_us */
    src->ev.registered_domain = NULL; /* assert_event_round_trips does not rezone */
    src->ev.rtt_us = (INT64_C(1) << 53) - 1; /* exact as a double */
    assert_event_round_trips(&src->ev);
    cr_assert_not_null(strstr(sb2.buf, "\"rtt_us\":9007199254740991"), "%s", sb2.buf);
    cr_assert_null(strstr(sb2.buf, "\"duration\""));
}

/* An ECS document of another writer (no dnshound.*): the ECS fields alone. */
Test(dnshound_events, ecs_without_dnshound_fields)
{
    const char *line =
        "{\"@timestamp\":\"2024-05-01T12:00:00.5Z\",\"event\":{\"dataset\":\"dnshound.dns\","
        "\"provider\":\"zeek\",\"duration\":1500999},\"source\":{\"ip\":\"10.0.0.1\",\"port\":5353},"
        "\"network\":{\"transport\":\"udp\"},\"dns\":{\"id\":77,\"op_code\":\"NOTIFY\",\"type\":"
        "\"answer\",\"question\":{\"name\":\"a.example\",\"type\":\"TXT\",\"class\":\"IN\"},"
        "\"response_code\":\"RCODE17\",\"header_flags\":[\"RA\",\"AD\"],\"answers\":[{\"type\":"
        "\"TYPE99\",\"ttl\":5,\"data\":\"x\"}]},\"suricata\":{\"eve\":{\"flow_id\":"
        "1234567890123456789}}}";
    cr_assert_eq(P->probe(line, strlen(line)), DH_PROBE_YES);
    cr_assert_eq(parse(line), DH_LINE_RECORD, "%s", reason);
    const dh_event_t *ev = &buf->ev;
    cr_assert_eq(ev->ts_us, 1714564800500000);
    cr_assert_eq(ev->sensor, DH_SENSOR_ZEEK);
    cr_assert_eq(ev->rtt_us, 1500);
    cr_assert_eq(ev->client_port, 5353);
    cr_assert_eq(ev->transport, DH_TRANSPORT_UDP);
    cr_assert_eq(ev->trans_id, 77);
    cr_assert_eq(ev->opcode, 4);
    cr_assert(ev->has_response);
    cr_assert_eq(ev->qtype, DH_QTYPE_TXT);
    cr_assert_eq(ev->qclass, 1);
    cr_assert_eq(ev->rcode, 17);
    cr_assert_eq(ev->flags_known, DH_FLAG_RA);
    cr_assert_eq(ev->flags, DH_FLAG_RA);
    cr_assert_eq(ev->n_answers, 1);
    cr_assert_eq(ev->answers[0].rrtype, 99);
    cr_assert_eq(ev->answers[0].section, DH_SECTION_ANSWER);
    /* a flow_id written as a number keeps its digits (a double would not) */
    assert_bytes(ev->uid, ev->uid_len, S("1234567890123456789"));
    /* no dns.type: a query */
    cr_assert_eq(parse("{\"@timestamp\":\"2024-05-01T12:00:00Z\",\"dns\":{}}"), DH_LINE_RECORD);
    cr_assert(!buf->ev.has_response);
}

/* Wrong types and shapes in the ECS form are malformed, with a reason. */
Test(dnshound_events, ecs_malformed_lines)
{
#define ECS_TS "\"@timestamp\":\"2024-01-01T00:00:00Z\""
    static const char *const lines[] = {
        "{\"@timestamp\":\"yesterday\"}",
        "{\"@timestamp\":5}",
        "{" ECS_TS ",\"event\":[]}",
        "{" ECS_TS ",\"event\":{\"duration\":-1}}",
        "{" ECS_TS ",\"event\":{\"provider\":5}}",
        "{" ECS_TS ",\"source\":{\"ip\":\"10.0.0.300\"}}",
        "{" ECS_TS ",\"destination\":{\"port\":65536}}",
        "{" ECS_TS ",\"network\":{\"transport\":6}}",
        "{" ECS_TS ",\"dns\":{\"id\":\"65536\"}}",
        "{" ECS_TS ",\"dns\":{\"id\":\"x1\"}}",
        "{" ECS_TS ",\"dns\":{\"type\":1}}",
        "{" ECS_TS ",\"dns\":{\"question\":{\"name\":5}}}",
        "{" ECS_TS ",\"dns\":{\"header_flags\":[\"QQ\"]}}",
        "{" ECS_TS ",\"dns\":{\"header_flags\":\"RD\"}}",
        "{" ECS_TS ",\"dns\":{\"answers\":[{\"ttl\":-5}]}}",
        "{" ECS_TS ",\"dns\":{\"answers\":[1]}}",
        "{" ECS_TS ",\"dns\":{\"answers\":[{}]},\"dnshound\":{\"answers\":[{},{}]}}",
        "{" ECS_TS ",\"dnshound\":{\"answers\":[{}]}}",
        "{" ECS_TS ",\"dns\":{\"answers\":[{}]},\"dnshound\":{\"answers\":[{\"section\":\"x\"}]}}",
        "{" ECS_TS ",\"dnshound\":{\"question\":{\"type\":65536}}}",
        "{" ECS_TS ",\"dnshound\":{\"opcode\":16}}",
        "{" ECS_TS ",\"dnshound\":{\"flags\":{\"qr\":1}}}",
        "{" ECS_TS ",\"dnshound\":{\"rejected\":\"no\"}}",
        "{" ECS_TS ",\"dnshound\":{\"answers_dropped\":-1}}",
        "{" ECS_TS ",\"zeek\":{\"session_id\":5}}",
        "{" ECS_TS ",\"suricata\":{\"eve\":{\"flow_id\":-1}}}",
        "{" ECS_TS ",\"dnshound\":[]}",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        cr_assert_eq(parse(lines[i]), DH_LINE_MALFORMED, "accepted: %s", lines[i]);
#undef ECS_TS
}

/* The probe claims ECS events but not detections (ECS documents too). */
Test(dnshound_events, probe_tells_events_from_detections)
{
    static const char ecs[] = "{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"event\":"
                              "{\"dataset\":\"dnshound.dns\"}}";
    static const char det[] = "{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"event\":"
                              "{\"kind\":\"alert\",\"dataset\":\"dnshound.detection\"}}";
    cr_assert_eq(P->probe(ecs, strlen(ecs)), DH_PROBE_YES);
    cr_assert_neq(P->probe(det, strlen(det)), DH_PROBE_YES);
}
