/*
 * test-regdom.c - registered domains by the Public Suffix List, through the
 * cache, including names that hold bytes no host name can.
 */
#include <criterion/criterion.h>
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
