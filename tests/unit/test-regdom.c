/*
 * test-regdom.c - registered domains by the Public Suffix List, through the
 * cache, including names that hold bytes no host name can.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "regdom.h"

static dh_regdom_t *rd;

static void setup(void)
{
    rd = dh_regdom_new(64);
    cr_assert_not_null(rd);
}

static void teardown(void)
{
    dh_regdom_free(rd);
}

static const char *lookup(const char *name)
{
    return dh_regdom_lookup(rd, name, strlen(name));
}

static void expect(const char *name, const char *want)
{
    const char *got = lookup(name);
    if (!want)
        cr_assert_null(got, "%s -> %s", name, got);
    else
        cr_assert(got && strcmp(got, want) == 0, "%s -> %s, expected %s", name, got ? got : "NULL",
                  want);
}

TestSuite(regdom, .init = setup, .fini = teardown);

Test(regdom, public_suffix_list_rules)
{
    expect("www.example.com", "example.com");
    expect("a.b.c.example.co.uk", "example.co.uk");
    expect("6dde0175375169c68f.dnsc.r-1x.com", "r-1x.com");
    expect("foo.duckdns.org", "foo.duckdns.org"); /* private section */
    expect("example.com.", "example.com");        /* trailing dot */
    expect("com", NULL);
    expect("co.uk", NULL);
    expect("WPAD", NULL); /* single label */
    expect("", NULL);
}

Test(regdom, junk_labels_are_skipped_not_fatal)
{
    expect("\x01\x02junk.t.evil.example", "evil.example");
    expect("My Printer._ipp._tcp.local", "_tcp.local");
    expect("*\x00\x00\x00", NULL);
    expect("bad\xff.tunnel.example.net", "example.net");
    expect("a..b.example.org", "example.org");
}

Test(regdom, cache_hits_give_the_same_answer)
{
    for (int i = 0; i < 3; i++)
        expect("mail.google.com", "google.com");
    cr_assert_geq(dh_regdom_stats(rd).hits, 2);
}

Test(regdom, platform_names_sit_under_private_suffixes)
{
    cr_assert(dh_regdom_under_private_suffix("d2q79iu7y748jz.cloudfront.net"));
    cr_assert(dh_regdom_under_private_suffix("c2-update.duckdns.org"));
    cr_assert(dh_regdom_under_private_suffix("a1.us-east-1.elb.amazonaws.com"));
    cr_assert_not(dh_regdom_under_private_suffix("example.com"));
    cr_assert_not(dh_regdom_under_private_suffix("bbc.co.uk"));
    cr_assert_not(dh_regdom_under_private_suffix("cloudfront.net"));
    cr_assert_not(dh_regdom_under_private_suffix("localhost"));
}

/* ---- zone keys: the PSL, then internal zones, then the last two labels ---- */

static void expect_key(const char *name, const char *want, dh_zone_source_t want_src)
{
    dh_zone_source_t src = (dh_zone_source_t)99;
    const char *got = dh_regdom_key(rd, name, strlen(name), &src);
    if (!want)
        cr_assert_null(got, "%s -> %s", name, got);
    else
        cr_assert(got && strcmp(got, want) == 0, "%s -> %s, expected %s", name,
                  got ? got : "NULL", want);
    cr_assert_eq(src, want_src, "%s: source %d, expected %d", name, src, want_src);
}

static void add_zone(const char *zone)
{
    cr_assert_eq(dh_regdom_add_internal_zone(rd, zone, strlen(zone)), 0, "%s refused", zone);
}

Test(regdom, a_public_suffix_rule_makes_the_key)
{
    expect_key("a.b.c.example.co.uk", "example.co.uk", DH_ZONE_PUBLIC_SUFFIX);
    expect_key("host.duckdns.org", "host.duckdns.org", DH_ZONE_PUBLIC_SUFFIX);
    expect_key("x.y.kawasaki.jp", "x.y.kawasaki.jp", DH_ZONE_PUBLIC_SUFFIX); /* *.kawasaki.jp */
    expect_key("co.uk", NULL, DH_ZONE_NONE);                                 /* a suffix itself */
    expect_key("com", NULL, DH_ZONE_NONE);
    add_zone("corp.lan"); /* never consulted for a name the PSL covers */
    expect_key("www.example.com", "example.com", DH_ZONE_PUBLIC_SUFFIX);
}

Test(regdom, without_a_public_suffix_the_last_two_labels)
{
    /* libpsl's "*" rule is not a listed suffix: say how the key was made */
    expect_key("vaaaakari2m.t.corp.lan", "corp.lan", DH_ZONE_LAST_TWO);
    expect_key("0123abcdef.tun.lab", "tun.lab", DH_ZONE_LAST_TWO);
    expect_key("corp.lan", "corp.lan", DH_ZONE_LAST_TWO);
    expect_key("deadbeef.bazar", "deadbeef.bazar", DH_ZONE_LAST_TWO);
}

Test(regdom, the_longest_internal_zone_plus_one_label)
{
    add_zone("lan");
    add_zone("Corp.LAN."); /* case and outer dots do not matter */
    add_zone(".lab");
    cr_assert_eq(dh_regdom_internal_zones(rd), 3);
    expect_key("vaaaakari2m.t.corp.lan", "t.corp.lan", DH_ZONE_INTERNAL);
    expect_key("a.b.c.t.corp.lan", "t.corp.lan", DH_ZONE_INTERNAL);
    expect_key("printer.lan", "printer.lan", DH_ZONE_INTERNAL);
    expect_key("nas.home.lan", "home.lan", DH_ZONE_INTERNAL);
    expect_key("0123abcdef.tun.lab", "tun.lab", DH_ZONE_INTERNAL);
    expect_key("corp.lan", NULL, DH_ZONE_NONE); /* the zone itself, as a public suffix */
    expect_key("lan", NULL, DH_ZONE_NONE);
    expect_key("x.notlan", "x.notlan", DH_ZONE_LAST_TWO); /* at label boundaries only */
}

Test(regdom, internal_zones_the_psl_covers_or_no_host_name_are_refused)
{
    const char *bad[] = {"example.com", "co.uk", "com", "", "...", "a..b", "bad zone", "x/y"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(dh_regdom_add_internal_zone(rd, bad[i], strlen(bad[i])), -1, "'%s'", bad[i]);
    cr_assert_eq(dh_regdom_internal_zones(rd), 0);
}

Test(regdom, reverse_lookups_keep_their_psl_zone)
{
    add_zone("lan");
    expect_key("4.3.2.1.in-addr.arpa", "1.in-addr.arpa", DH_ZONE_PUBLIC_SUFFIX);
    expect_key("b.a.9.8.ip6.arpa", "8.ip6.arpa", DH_ZONE_PUBLIC_SUFFIX);
    expect_key("in-addr.arpa", NULL, DH_ZONE_NONE);
}

Test(regdom, single_labels_have_no_key)
{
    add_zone("lan");
    expect_key("WPAD", NULL, DH_ZONE_NONE);
    expect_key("isatap", NULL, DH_ZONE_NONE);
    expect_key("desktop-8f3k2j", NULL, DH_ZONE_NONE);
    expect_key("wpad.", NULL, DH_ZONE_NONE);
    expect_key("", NULL, DH_ZONE_NONE);
    expect_key(".", NULL, DH_ZONE_NONE);
}

Test(regdom, trailing_dot_and_case_give_the_same_key)
{
    add_zone("corp.lan");
    expect_key("A1B2.T.Corp.LAN.", "t.corp.lan", DH_ZONE_INTERNAL);
    expect_key("a1b2.t.corp.lan", "t.corp.lan", DH_ZONE_INTERNAL);
    expect_key("WWW.Example.COM.", "example.com", DH_ZONE_PUBLIC_SUFFIX);
    expect_key("Host.Tun.Lab.", "tun.lab", DH_ZONE_LAST_TWO);
}

Test(regdom, the_cache_keeps_the_source)
{
    add_zone("corp.lan");
    for (int i = 0; i < 3; i++) {
        expect_key("x.t.corp.lan", "t.corp.lan", DH_ZONE_INTERNAL);
        expect_key("x.y.unknowntld", "y.unknowntld", DH_ZONE_LAST_TWO);
        expect_key("wpad", NULL, DH_ZONE_NONE);
    }
    cr_assert_geq(dh_regdom_stats(rd).hits, 6);
    /* a zone added later takes effect at once (the cache is cleared) */
    add_zone("unknowntld");
    expect_key("x.y.unknowntld", "y.unknowntld", DH_ZONE_INTERNAL);
}

Test(regdom, junk_leading_labels_are_skipped_before_the_fallback)
{
    add_zone("corp.lan");
    expect_key("\xf9\x39\xdc.rbead.t.corp.lan", "t.corp.lan", DH_ZONE_INTERNAL);
    expect_key("My Printer._ipp._tcp.local", "_tcp.local", DH_ZONE_LAST_TWO);
}

Test(regdom, a_key_names_its_own_source)
{
    add_zone("corp.lan");
    const char *names[] = {"x.t.corp.lan", "a.b.example.co.uk", "q.tun.lab", "h.duckdns.org"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        dh_zone_source_t src;
        char key[256];
        const char *k = dh_regdom_key(rd, names[i], strlen(names[i]), &src);
        cr_assert_not_null(k, "%s", names[i]);
        snprintf(key, sizeof(key), "%s", k);
        cr_assert_eq(dh_regdom_key_source(rd, key), src, "%s -> %s", names[i], key);
        /* the lookup leaves the cache alone: k is still the key */
        cr_assert_str_eq(k, key);
    }
    cr_assert_eq(dh_regdom_key_source(rd, "www.example.com"), DH_ZONE_NONE); /* no key */
    cr_assert_eq(dh_regdom_key_source(rd, "x.t.corp.lan"), DH_ZONE_NONE);
    cr_assert_eq(dh_regdom_key_source(rd, "wpad"), DH_ZONE_NONE);
    cr_assert_eq(dh_regdom_key_source(rd, ""), DH_ZONE_NONE);
}

static bool append(const char *name)
{
    dh_zone_source_t src;
    char key[256] = "";
    const char *k = dh_regdom_key(rd, name, strlen(name), &src);
    if (k)
        snprintf(key, sizeof(key), "%s", k);
    return dh_regdom_search_append(rd, name, strlen(name), k ? key : NULL, src);
}

Test(regdom, search_list_appends_embed_a_registered_domain)
{
    const char *yes[] = {"www.google.com.corp.lan", "www.site12.example.com.corp.flowsun.lan",
                         "mail.example.co.uk.lab", "www.google.com.ad.example.com.",
                         "WWW.Site7.Example.COM.corp.lan"};
    /* tunnels, single labels and plain names (google and co are TLDs too)
       are no appends */
    const char *no[] = {"vaaaakari2m.t.corp.lan", "laagabyzeixiqwhwgym4z42engk1srza.t.corp.lan",
                        "www.google.com", "mail.bbc.co.uk", "xkqjzvbw.co.uk", "com.corp.lan",
                        "wpad.corp.lan", "wpad", "", "\xf9\x39.com.t.corp.lan",
                        "a.b.c.d.e.example.org"};
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
            cr_assert(append(yes[i]), "%s (zones: %d)", yes[i], pass);
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
            cr_assert_not(append(no[i]), "%s (zones: %d)", no[i], pass);
        /* with the site's zones listed, the key is zone + 1 label: the same */
        add_zone("corp.lan");
        add_zone("corp.flowsun.lan");
        add_zone("lab");
    }
}
