/*
 * test-noise.c - shared noise control with the shipped rules/noise.yaml:
 * exclusions, benign services, resolver attribution, prevalence.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "noise.h"
#include "regdom.h"
#include "util-ip.h"

static dh_state_t *st;
static dh_noise_t *nz;

static void setup(void)
{
    char err[256];
    st = dh_state_new(16 << 20);
    nz = dh_noise_load(DH_SOURCE_DIR "/rules", st, err, sizeof(err));
    cr_assert_not_null(nz, "%s", err);
}

static void teardown(void)
{
    dh_noise_free(nz);
    dh_state_free(st);
}

TestSuite(noise, .init = setup, .fini = teardown);

static dh_noise_result_t judge(const char *client, const char *qname, const char *regdom,
                               int port, int64_t ts, dh_verdict_t *v)
{
    dh_event_t ev;
    dh_event_init(&ev);
    dh_addr_parse(client, strlen(client), &ev.client);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = qname;
    ev.qname_len = strlen(qname);
    ev.registered_domain = regdom;
    ev.server_port = port;
    ev.ts_us = ts;
    return dh_noise_check(nz, &ev, v);
}

Test(noise, special_names_and_multicast_protocols_are_excluded)
{
    dh_verdict_t v;
    cr_assert_eq(judge("10.0.0.1", "4.3.2.1.in-addr.arpa", NULL, 53, 0, &v), DH_NOISE_EXCLUDED);
    cr_assert_eq(judge("10.0.0.1", "printer.local", NULL, 53, 0, &v), DH_NOISE_EXCLUDED);
    cr_assert_eq(judge("10.0.0.1", "wpad", NULL, 5355, 0, &v), DH_NOISE_EXCLUDED); /* LLMNR */
    cr_assert_eq(judge("10.0.0.1", "x.example.com", "example.com", 5353, 0, &v), DH_NOISE_EXCLUDED);
    cr_assert_eq(judge("10.0.0.1", "localarpa.example.com", "example.com", 53, 0, &v),
                 DH_NOISE_PASS, "suffixes match at label boundaries only");
}

Test(noise, benign_tunnel_shaped_services_are_flagged)
{
    dh_verdict_t v;
    cr_assert_eq(judge("10.0.0.1", "4.3.2.1.zen.spamhaus.org", "spamhaus.org", 53, 0, &v),
                 DH_NOISE_PASS);
    cr_assert(v.benign_service);
    judge("10.0.0.1", "0a1b2c3d4e5f.v2.sophosxl.net", "sophosxl.net", 53, 0, &v);
    cr_assert(v.benign_service);
    judge("10.0.0.1", "www.spamhaus.org", "spamhaus.org", 53, 0, &v);
    cr_assert_not(v.benign_service, "only the listed service, not its whole domain");
}

Test(noise, resolver_queries_behind_a_client_are_not_counted_twice)
{
    dh_verdict_t v;
    cr_assert_eq(dh_noise_add_resolver(nz, "10.0.0.53"), 0);
    cr_assert_eq(dh_noise_add_resolver(nz, "not-an-ip"), -1);
    cr_assert_eq(judge("10.0.0.7", "a.example.com", "example.com", 53, 1000000, &v), DH_NOISE_PASS);
    cr_assert_eq(judge("10.0.0.53", "a.example.com", "example.com", 53, 1500000, &v),
                 DH_NOISE_RESOLVER_DUP, "the client's recursion");
    cr_assert_eq(judge("10.0.0.53", "b.example.com", "example.com", 53, 1600000, &v),
                 DH_NOISE_PASS, "no client asked: the resolver's own, marked");
    cr_assert(v.from_resolver);
    cr_assert_eq(judge("10.0.0.53", "a.example.com", "example.com", 53, 9000000, &v),
                 DH_NOISE_PASS, "too long after the client's query");
}

Test(noise, prevalence_counts_distinct_clients)
{
    dh_verdict_t v;
    char ip[32];
    for (int i = 1; i <= 25; i++) {
        snprintf(ip, sizeof(ip), "10.9.0.%d", i);
        judge(ip, "cdn.popular.example", "popular.example", 53, i, &v);
        judge(ip, "cdn.popular.example", "popular.example", 53, i, &v); /* repeats count once */
        cr_assert_eq(v.prevalence, (uint32_t)(i < 20 ? i : 20), "counted up to common_clients");
        cr_assert_eq(v.common, i >= 20, "common from 20 clients (noise.yaml)");
    }
}

/* Internal zones a site's DNS answers are analysed (a tunnel can ride them),
   their names keyed by the shipped internal_zones; link-local and reverse
   names stay excluded. */
Test(noise, internal_zones_are_analysed_and_listed)
{
    dh_verdict_t v;
    cr_assert_eq(judge("10.0.0.1", "vaaaakari2m.t.corp.lan", "corp.lan", 53, 0, &v), DH_NOISE_PASS);
    cr_assert_eq(judge("10.0.0.1", "nas.localdomain", "nas.localdomain", 53, 0, &v), DH_NOISE_PASS);
    cr_assert_eq(judge("10.0.0.1", "x.home.arpa", NULL, 53, 0, &v), DH_NOISE_EXCLUDED);
    cr_assert_eq(judge("10.0.0.1", "_ipp._tcp.local", NULL, 53, 0, &v), DH_NOISE_EXCLUDED);
    bool lan = false, localdomain = false;
    const dh_noise_zone_t *z;
    for (size_t i = 0; (z = dh_noise_internal_zone(nz, i)) != NULL; i++) {
        lan |= strcmp(z->name, "lan") == 0;
        localdomain |= strcmp(z->name, "localdomain") == 0;
        cr_assert(strstr(z->where, "noise.yaml:"), "%s", z->where);
    }
    cr_assert(lan && localdomain);
}

Test(noise, internal_zones_must_be_a_list_of_names)
{
    char dir[] = "/tmp/dh-noise-zones.XXXXXX", path[64], err[256];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/noise.yaml", dir);
    const char *bad[] = {"internal_zones: corp.lan\n", "internal_zones: [[a]]\n"};
    for (size_t i = 0; i < 2; i++) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(bad[i], f);
        fclose(f);
        cr_assert_null(dh_noise_load(dir, st, err, sizeof(err)), "%s", bad[i]);
        cr_assert(strstr(err, "noise.yaml:1: internal_zones"), "%s", err);
        cr_assert_null(dh_noise_load_zones(dir, err, sizeof(err)), "%s", bad[i]);
    }
    remove(path);
    dh_noise_t *none = dh_noise_load_zones(dir, err, sizeof(err)); /* no file: no zones */
    cr_assert_not_null(none, "%s", err);
    cr_assert_null(dh_noise_internal_zone(none, 0));
    dh_noise_free(none);
    rmdir(dir);
}

/* A search list's NXDOMAIN appends are flagged like benign services (the
   tunnel, exfiltration, beacon and DGA detectors skip them) once noise knows
   the run's zone keys; a tunnel's names and answered names are not. */
Test(noise, search_list_appends_are_benign_nxdomain_only)
{
    dh_regdom_t *r = dh_regdom_new(64);
    cr_assert_not_null(r);
    dh_verdict_t v;
    dh_event_t ev;
    dh_event_init(&ev);
    dh_addr_parse("10.5.5.6", 8, &ev.client);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = "www.site7.example.com.corp.lan";
    ev.qname_len = strlen(ev.qname);
    ev.registered_domain = "corp.lan"; /* the key under the shipped zone "lan" */
    ev.zone_source = DH_ZONE_INTERNAL;
    ev.rcode = 3;
    cr_assert_eq(dh_noise_check(nz, &ev, &v), DH_NOISE_PASS);
    cr_assert_not(v.benign_service, "no zone keys yet: not judged");
    dh_noise_set_regdom(nz, r);
    cr_assert_eq(dh_noise_check(nz, &ev, &v), DH_NOISE_PASS);
    cr_assert(v.benign_service);
    ev.rcode = 0; /* answered: someone serves it */
    dh_noise_check(nz, &ev, &v);
    cr_assert_not(v.benign_service);
    ev.rcode = 3;
    ev.qname = ev.qname_lc = "vaaaakari2m.t.corp.lan";
    ev.qname_len = strlen(ev.qname);
    dh_noise_check(nz, &ev, &v);
    cr_assert_not(v.benign_service);
    cr_assert_eq(dh_noise_stats(nz).search_appends, 1);
    dh_noise_set_regdom(nz, NULL);
    dh_regdom_free(r);
}
