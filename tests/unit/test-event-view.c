/*
 * test-event-view.c - every field of the per-event view equals what the
 * functions detectors call today compute (dh_lex_*, strlen, dh_hash64 of the
 * client x domain key as dns_tunnel builds it, dh_strset suffix lookups), on
 * real names from tests/data and on the edge cases.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "event-view.h"
#include "lexical.h"
#include "regdom.h"
#include "sketch.h"
#include "state.h"
#include "util-strset.h"

/* Names copied from the sample logs (file noted per group). */
static const char *const real_names[] = {
    /* tests/data/eve/formbook-dridex-2025-mixed.eve.json (case as logged) */
    "DESKTOP-KPQ9FDB.sunnystation.com",
    "SUNNYSTATION.COM",
    "SAT-efz.ms-acdc.office.com",
    "_kerberos._tcp.Default-First-Site-Name._sites.dc._msdcs.sunnystation.com",
    "_ldap._tcp.dc._msdcs.localdomain.sunnystation.com",
    "a-ring.a-9999.a-msedge.net",
    "a-0001.a-afdentry.net.trafficmanager.net",
    "1276-ms-7.1-3587.9b6842b7-94d5-11ec-b299-0012f064d1d9",
    "32342240.xyz",
    "afd.msedge.azure.us",
    "hdr-nlb5-4e815dd67a14bf7f.elb.us-east-2.amazonaws.com",
    /* tests/data/zeek-json/wrccdc-2018-03-24-zeek-6.2.0-dns.head300.json */
    "0.docs.google.com",
    "2-01-3cf7-0009.cdx.cedexis.net",
    "d2pp80vsjn2e6y.cloudfront.net",
    "download.windowsupdate.com.edgesuite.net",
    "forums.jerry.land",
    /* tests/data/zeek-tsv/zeek-btest-master/
       scripts.policy.protocols.dns.original_case.dns.log */
    "us.v27.distributed.net",
    /* tests/data/dga/hex-digits.txt, random-letters.txt */
    "fd325fc6b3ad2c70.info",
    "rmclnjsqkbeuws.biz",
    /* tests/data/events/handmade.events.jsonl (a trailing dot added) */
    "xn--bcher-kva.example.",
};

static dh_regdom_t *regdom;

static void setup(void)
{
    regdom = dh_regdom_new(64);
    cr_assert_not_null(regdom);
}

static void teardown(void)
{
    dh_regdom_free(regdom);
}

/* Storage an event borrows. */
typedef struct {
    char name[1024], lc[1024], rd[1024];
    dh_event_t ev;
} fixture_t;

/* The event as the pipeline hands it to detectors: registered domain by the
   PSL (copied: the cache owns the returned string), a known IPv4 client. */
static dh_event_t *make_event(fixture_t *f, const char *name, size_t len)
{
    cr_assert_lt(len, sizeof(f->name));
    memcpy(f->name, name, len);
    for (size_t i = 0; i < len; i++)
        f->lc[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a') : name[i];
    dh_event_t *ev = &f->ev;
    dh_event_init(ev);
    ev->ts_us = 1521911720865716LL;
    ev->client = (dh_addr_t){.family = DH_AF_INET, .bytes = {10, 0, 0, 5}};
    ev->has_qname = true;
    ev->qname = f->name;
    ev->qname_lc = f->lc;
    ev->qname_len = len;
    const char *rd = dh_regdom_lookup(regdom, f->lc, len);
    if (rd) {
        snprintf(f->rd, sizeof(f->rd), "%s", rd);
        ev->registered_domain = f->rd;
    }
    return ev;
}

/* The key dns_tunnel.c / dns_exfil.c build: client bytes + registered domain. */
static size_t detector_pair_key(const dh_event_t *ev, unsigned char *key)
{
    size_t dlen = strlen(ev->registered_domain);
    memcpy(key, &ev->client, sizeof(dh_addr_t));
    memcpy(key + sizeof(dh_addr_t), ev->registered_domain, dlen);
    return sizeof(dh_addr_t) + dlen;
}

static void check_lexical(const dh_event_view_t *v, const dh_event_t *ev)
{
    const char *sub, *label;
    size_t sub_len = dh_lex_subdomain(ev, &sub);
    cr_assert_eq(v->sub_len, sub_len);
    cr_assert_eq(v->sub, sub);
    size_t longest = dh_lex_longest_label_at(sub, sub_len, &label);
    cr_assert_eq(v->longest_len, longest);
    cr_assert_eq(v->longest, label);
    unsigned enc = dh_lex_encoding(label, longest);
    double entropy = dh_lex_entropy(label, longest);
    for (int twice = 0; twice < 2; twice++) { /* computed, then cached */
        cr_assert_eq(dh_event_view_encoding(v), enc);
        cr_assert_eq(dh_event_view_entropy(v), entropy);
    }
}

static void check_keys(const dh_event_view_t *v, const dh_event_t *ev)
{
    cr_assert_eq(v->client_hash, dh_hash64(&ev->client, sizeof(ev->client)));
    if (!ev->registered_domain) {
        cr_assert_null(v->rd);
        cr_assert_eq(v->rd_len, 0);
        cr_assert_eq(v->pair_len, 0);
        return;
    }
    cr_assert_eq(v->rd, ev->registered_domain);
    cr_assert_eq(v->rd_len, strlen(ev->registered_domain));
    cr_assert_eq(v->domain_hash, dh_hash64(ev->registered_domain, v->rd_len));
    unsigned char key[DH_STATE_MAX_KEY];
    size_t keylen = detector_pair_key(ev, key);
    cr_assert_eq(v->pair_len, keylen);
    cr_assert_eq(memcmp(v->pair_key, key, keylen), 0);
    cr_assert_eq(v->pair_hash, dh_hash64(key, keylen));
}

/* The labels put back together are the name; each suffix hash is the
   strset's hash of that suffix. */
static void check_labels(const dh_event_view_t *v, const dh_event_t *ev)
{
    cr_assert_eq(v->qname_len, ev->qname_len);
    size_t stored = v->n_labels - v->labels_dropped;
    size_t at = stored ? v->label[0].off : 0;
    for (size_t i = 0; i < stored; i++) {
        const dh_event_view_label_t *l = &v->label[i];
        cr_assert_eq(l->off, at, "label %zu", i);
        cr_assert(memchr(ev->qname_lc + l->off, '.', l->len) == NULL);
        at = l->off + l->len;
        cr_assert(at == v->name_len || ev->qname_lc[at] == '.');
        at++;
        const char *s = ev->qname_lc + l->off;
        cr_assert_eq(dh_event_view_suffix_hash(v, i), dh_strset_hash(s, v->name_len - l->off));
    }
    if (stored)
        cr_assert_eq(at, v->name_len + 1);
}

/* A set holding the given members; NULL-terminated list. */
static dh_strset_t *set_of(const char *const *members)
{
    dh_strset_t *s = dh_strset_new();
    for (size_t i = 0; members[i]; i++)
        dh_strset_put(s, members[i], strlen(members[i]), (uint32_t)i + 1);
    return s;
}

static void check_suffix_in(const dh_event_view_t *v, const dh_event_t *ev,
                            const dh_strset_t *s)
{
    uint32_t want_v = 0, got_v = 0;
    size_t want_o = 99, got_o = 99;
    bool want = dh_strset_get_suffix(s, ev->qname_lc, ev->qname_len, &want_v, &want_o);
    bool got = dh_event_view_get_suffix(v, s, &got_v, &got_o);
    cr_assert_eq(got, want, "%.*s", (int)ev->qname_len, ev->qname_lc);
    cr_assert_eq(dh_event_view_has_suffix(v, s), want);
    if (want) {
        cr_assert_eq(got_v, want_v);
        cr_assert_eq(got_o, want_o);
    }
}

/* Sets holding: every suffix of the name, only its last label, only its
   registered domain, other names, and nothing at all. */
static void check_suffixes(const dh_event_view_t *v, const dh_event_t *ev)
{
    dh_strset_t *all = dh_strset_new(), *last = dh_strset_new(), *rdset = dh_strset_new();
    const char *other[] = {"example.org", "com", "net", "sunnystation.com", NULL};
    dh_strset_t *some = set_of(other);
    size_t stored = v->n_labels - v->labels_dropped;
    for (size_t i = 0; i < stored; i++)
        dh_strset_put(all, ev->qname_lc + v->label[i].off, v->name_len - v->label[i].off,
                      (uint32_t)i);
    if (stored)
        dh_strset_add(last, ev->qname_lc + v->label[stored - 1].off, v->label[stored - 1].len);
    if (ev->registered_domain)
        dh_strset_add(rdset, ev->registered_domain, strlen(ev->registered_domain));
    check_suffix_in(v, ev, all);
    check_suffix_in(v, ev, last);
    check_suffix_in(v, ev, rdset);
    check_suffix_in(v, ev, some);
    dh_strset_t *empty = dh_strset_new();
    check_suffix_in(v, ev, empty);
    dh_strset_free(empty);
    dh_strset_free(all);
    dh_strset_free(last);
    dh_strset_free(rdset);
    dh_strset_free(some);
}

static void check_all(const dh_event_t *ev)
{
    dh_event_view_t v;
    dh_event_view_init(&v, ev);
    cr_assert_eq(v.ev, ev);
    cr_assert_eq(v.lazy, &v.lazy_store);
    check_labels(&v, ev);
    check_lexical(&v, ev);
    check_keys(&v, ev);
    check_suffixes(&v, ev);
}

static void check_name(const char *name)
{
    fixture_t f;
    check_all(make_event(&f, name, strlen(name)));
}

TestSuite(event_view, .init = setup, .fini = teardown);

Test(event_view, real_names_match_the_detectors_computations)
{
    for (size_t i = 0; i < sizeof(real_names) / sizeof(real_names[0]); i++)
        check_name(real_names[i]);
}

Test(event_view, fields_of_a_tunnel_style_name)
{
    /* a hex label from tests/data/dga/hex-digits.txt under a subdomain */
    fixture_t f;
    const char *name = "fd325fc6b3ad2c70e1f2.T1.Example.COM.";
    dh_event_t *ev = make_event(&f, name, strlen(name));
    dh_event_view_t v;
    dh_event_view_init(&v, ev);
    cr_assert_str_eq(v.rd, "example.com");
    cr_assert_eq(v.name_len, strlen(name) - 1);
    cr_assert_eq(v.n_labels, 4);
    cr_assert_eq(v.sub_len, strlen("fd325fc6b3ad2c70e1f2.T1"));
    cr_assert_eq(memcmp(v.sub, "fd325fc6b3ad2c70e1f2.T1", v.sub_len), 0); /* case kept */
    cr_assert_eq(v.longest_len, 20);
    cr_assert_eq(v.longest, ev->qname);
    cr_assert(dh_event_view_encoding(&v) & DH_ENC_HEX);
    cr_assert_eq(v.label[2].off, strlen("fd325fc6b3ad2c70e1f2.T1."));
    cr_assert_eq(v.label[3].len, 3);
    cr_assert_not(v.beyond_limits);
    check_all(ev);
}

Test(event_view, root_and_empty_names)
{
    const char *roots[] = {"", "."};
    for (size_t i = 0; i < 2; i++) {
        fixture_t f;
        dh_event_t *ev = make_event(&f, roots[i], strlen(roots[i]));
        cr_assert_null(ev->registered_domain);
        dh_event_view_t v;
        dh_event_view_init(&v, ev);
        cr_assert_eq(v.n_labels, 0);
        cr_assert_eq(v.name_len, 0);
        cr_assert_eq(v.sub_len, 0);
        cr_assert_eq(v.longest_len, 0);
        cr_assert_eq(dh_event_view_encoding(&v), 0);
        cr_assert_eq(dh_event_view_entropy(&v), 0);
        /* dh_strset_get_suffix of the root tries "": a member added raw */
        dh_strset_t *s = dh_strset_new();
        dh_strset_put(s, "", 0, 7);
        check_suffix_in(&v, ev, s);
        cr_assert(dh_event_view_has_suffix(&v, s));
        dh_strset_free(s);
        check_all(ev);
    }
}

Test(event_view, no_query_at_all)
{
    dh_event_t ev;
    dh_event_init(&ev);
    ev.client = (dh_addr_t){.family = DH_AF_INET, .bytes = {10, 0, 0, 5}};
    dh_event_view_t v;
    dh_event_view_init(&v, &ev);
    cr_assert_eq(v.qname_len, 0);
    cr_assert_eq(v.n_labels, 0);
    cr_assert_null(v.rd);
    cr_assert_eq(v.pair_len, 0);
    cr_assert_eq(v.domain_hash, 0);
    cr_assert_eq(v.client_hash, dh_hash64(&ev.client, sizeof(ev.client)));
    const char *members[] = {"com", NULL};
    dh_strset_t *s = set_of(members);
    cr_assert_not(dh_event_view_has_suffix(&v, s));
    dh_strset_free(s);
}

Test(event_view, no_registered_domain)
{
    /* single labels and public suffixes have none (regdom.h) */
    const char *names[] = {"localhost", "co.uk", "wpad", "DESKTOP-KPQ9FDB"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        fixture_t f;
        dh_event_t *ev = make_event(&f, names[i], strlen(names[i]));
        cr_assert_null(ev->registered_domain, "%s", names[i]);
        dh_event_view_t v;
        dh_event_view_init(&v, ev);
        cr_assert_null(v.rd);
        cr_assert_eq(v.sub_len, 0);
        cr_assert_eq(v.pair_len, 0);
        cr_assert_eq(v.pair_hash, 0);
        check_all(ev);
    }
}

Test(event_view, trailing_dot_and_odd_dots)
{
    const char *names[] = {"www.example.com.", "www.example.com..", "..example.com",
                           "a..b.example.com", ".", "..", "com."};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        check_name(names[i]);
    fixture_t f;
    dh_event_view_t v;
    dh_event_view_init(&v, make_event(&f, "www.example.com.", 16));
    cr_assert_eq(v.name_len, 15);
    cr_assert_eq(v.n_labels, 3);
    cr_assert_eq(v.sub_len, 3);
}

Test(event_view, uppercase_keeps_case_in_sub_and_lowers_in_keys)
{
    fixture_t f;
    const char *name = "DESKTOP-KPQ9FDB.SunnyStation.COM";
    dh_event_t *ev = make_event(&f, name, strlen(name));
    dh_event_view_t v;
    dh_event_view_init(&v, ev);
    cr_assert_str_eq(v.rd, "sunnystation.com");
    cr_assert_eq(memcmp(v.sub, "DESKTOP-KPQ9FDB", v.sub_len), 0);
    cr_assert_eq(v.sub_len, 15);
    cr_assert_eq(memcmp(v.pair_key + sizeof(dh_addr_t), "sunnystation.com", 16), 0);
    check_all(ev);
}

/* "a.a.a....": n labels of one letter, 2n - 1 bytes */
static size_t many_labels(char *buf, size_t n, const char *tail)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        buf[len++] = (char)('a' + i % 26);
        buf[len++] = '.';
    }
    len += (size_t)sprintf(buf + len, "%s", tail);
    return len;
}

Test(event_view, more_than_127_labels)
{
    char name[1024];
    for (size_t n = 124; n <= 200; n += 38) { /* 124 + 3, 162 + 3, 200 + 3 labels */
        size_t len = many_labels(name, n, "t1.example.com");
        fixture_t f;
        dh_event_t *ev = make_event(&f, name, len);
        dh_event_view_t v;
        dh_event_view_init(&v, ev);
        cr_assert_eq(v.n_labels, n + 3);
        cr_assert_eq(v.labels_dropped, n + 3 > 127 ? n + 3 - 127 : 0);
        cr_assert_eq(v.beyond_limits, n + 3 > 127 || len > 253);
        size_t stored = v.n_labels - v.labels_dropped;
        cr_assert_leq(stored, DH_EVENT_VIEW_MAX_LABELS);
        cr_assert_eq(v.label[stored - 1].off, len - 3); /* "com": parents kept */
        check_all(ev);
        /* a member among the dropped (leftmost) suffixes is still found */
        dh_strset_t *s = dh_strset_new();
        dh_strset_add(s, name + 2, len - 2);
        check_suffix_in(&v, ev, s);
        cr_assert(dh_event_view_has_suffix(&v, s));
        dh_strset_free(s);
    }
}

Test(event_view, names_of_255_bytes_and_more)
{
    char name[1000];
    for (size_t lablen = 60; lablen <= 300; lablen += 80) {
        /* three long labels under a registered domain: 190 to 910 bytes */
        size_t len = 0;
        for (int k = 0; k < 3; k++) {
            for (size_t i = 0; i < lablen; i++)
                name[len++] = "0123456789abcdefABCDEF"[(i * 7 + (size_t)k) % 22];
            name[len++] = '.';
        }
        len += (size_t)sprintf(name + len, "example.com");
        fixture_t f;
        dh_event_t *ev = make_event(&f, name, len);
        ev->registered_domain = "example.com"; /* the PSL rejects labels over 63 */
        dh_event_view_t v;
        dh_event_view_init(&v, ev);
        cr_assert_eq(v.beyond_limits, len > 253);
        cr_assert_eq(v.n_labels, 5);
        cr_assert_eq(v.longest_len, lablen);
        check_all(ev);
    }
}

Test(event_view, registered_domain_too_long_for_a_state_key)
{
    /* not a PSL answer, but the view must not overflow its key buffer */
    static char rd[700];
    memset(rd, 'x', sizeof(rd) - 5);
    memcpy(rd + sizeof(rd) - 5, ".com", 5);
    fixture_t f;
    dh_event_t *ev = make_event(&f, rd, strlen(rd));
    ev->registered_domain = rd;
    dh_event_view_t v;
    dh_event_view_init(&v, ev);
    cr_assert_eq(v.rd_len, strlen(rd));
    cr_assert_eq(v.pair_len, 0);
    cr_assert_eq(v.sub_len, 0);
    cr_assert_eq(v.domain_hash, dh_hash64(rd, strlen(rd)));
    /* the longest key that fits is built */
    rd[DH_STATE_MAX_KEY - sizeof(dh_addr_t)] = '\0';
    dh_event_view_init(&v, ev);
    cr_assert_eq(v.pair_len, DH_STATE_MAX_KEY);
    cr_assert_eq(v.pair_hash, dh_hash64(v.pair_key, v.pair_len));
}

Test(event_view, names_with_any_byte)
{
    /* tests/data/events/handmade.events.jsonl: NUL, 0xff, quote, backslash */
    static const char name[] = "a\0b\xff\"q\\\x01\xc3\xa9.Example";
    fixture_t f;
    dh_event_t *ev = make_event(&f, name, sizeof(name) - 1);
    ev->registered_domain = NULL; /* the PSL rejects it; the sample logs "example" */
    check_all(ev);
    ev->registered_domain = "example";
    dh_event_view_t v;
    dh_event_view_init(&v, ev);
    cr_assert_eq(v.sub_len, 10);
    check_all(ev);
}

/* The view's pair key and hash find the entry dns_tunnel created with
   dh_table_touch, and the other way round. */
Test(event_view, pair_hash_is_the_state_tables_hash)
{
    dh_state_t *st = dh_state_new(1 << 20);
    dh_table_t *t = dh_table_new(st, &(dh_table_opts_t){.name = "t", .value_size = 8,
                                                         .window_us = 3600000000LL});
    size_t keyed = 0, n = sizeof(real_names) / sizeof(real_names[0]);
    for (size_t i = 0; i < n; i++) {
        fixture_t f;
        dh_event_t *ev = make_event(&f, real_names[i], strlen(real_names[i]));
        if (!ev->registered_domain)
            continue;
        keyed++;
        unsigned char key[DH_STATE_MAX_KEY];
        size_t keylen = detector_pair_key(ev, key);
        void *w = dh_table_touch(t, key, keylen, ev->ts_us);
        cr_assert_not_null(w);
        dh_event_view_t v;
        dh_event_view_init(&v, ev);
        cr_assert_eq(dh_table_find_h(t, v.pair_key, v.pair_len, v.pair_hash, ev->ts_us), w);
        bool created = true;
        cr_assert_eq(dh_table_touch_h(t, v.pair_key, v.pair_len, v.pair_hash, ev->ts_us,
                                      &created), w);
        cr_assert_not(created);
    }
    cr_assert_geq(keyed, n - 2, "the PSL gave a registered domain to most sample names");
    dh_state_free(st);
}

Test(event_view, strset_get_h_equals_get)
{
    const char *members[] = {"sunnystation.com", "com", "msedge.net", NULL};
    dh_strset_t *s = set_of(members);
    const char *probe[] = {"sunnystation.com", "com", "msedge.net", "net", "", "org"};
    for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
        size_t n = strlen(probe[i]);
        uint32_t a = 0, b = 0;
        bool want = dh_strset_get(s, probe[i], n, &a);
        cr_assert_eq(dh_strset_get_h(s, probe[i], n, dh_strset_hash(probe[i], n), &b), want);
        cr_assert_eq(a, b);
        cr_assert_eq(dh_strset_has_length(s, n), n == 16 || n == 3 || n == 10);
    }
    dh_strset_free(s);
}

/* Suffix hashes are computed only for lengths some member has, and once. */
Test(event_view, suffix_hashes_are_lazy)
{
    fixture_t f;
    const char *name = "a-ring.a-9999.a-msedge.net"; /* formbook-dridex-2025-mixed.eve.json */
    dh_event_t *ev = make_event(&f, name, strlen(name));
    dh_event_view_t v;
    dh_event_view_init(&v, ev);
    cr_assert_eq(v.lazy->suffix_have[0], 0);
    const char *nets[] = {"net", NULL};
    dh_strset_t *s = set_of(nets);
    uint32_t value = 0;
    size_t off = 0;
    cr_assert(dh_event_view_get_suffix(&v, s, &value, &off));
    cr_assert_eq(value, 1);
    cr_assert_eq(off, strlen(name) - 3);
    cr_assert_eq(v.lazy->suffix_have[0], 1ull << 3); /* only "net" was hashed */
    cr_assert(dh_event_view_has_suffix(&v, s));
    cr_assert_eq(v.lazy->suffix_have[0], 1ull << 3);
    dh_strset_free(s);
    check_all(ev);
}
