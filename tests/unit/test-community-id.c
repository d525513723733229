/*
 * test-community-id.c - Community ID v1 against the published test vectors
 * (Zeek's community-id btest: 1.2.3.4:1122 -> 5.6.7.8:3344, seed 0), both
 * directions of a flow, IPv6, and the pivots a window keeps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "detection.h"
#include "util-community-id.h"
#include "util-ip.h"

static dh_addr_t ip(const char *s)
{
    dh_addr_t a;
    cr_assert_eq(dh_addr_parse(s, strlen(s), &a), 0, "%s", s);
    return a;
}

Test(community_id, the_published_vectors)
{
    char id[DH_COMMUNITY_ID_LEN];
    dh_addr_t a = ip("1.2.3.4"), b = ip("5.6.7.8");
    cr_assert_eq(dh_community_id(&a, 1122, &b, 3344, 6, 0, id), 0);
    cr_assert_str_eq(id, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    cr_assert_eq(dh_community_id(&a, 1122, &b, 3344, 17, 0, id), 0);
    cr_assert_str_eq(id, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
}

Test(community_id, both_directions_give_one_id)
{
    char fwd[DH_COMMUNITY_ID_LEN], rev[DH_COMMUNITY_ID_LEN];
    dh_addr_t a = ip("1.2.3.4"), b = ip("5.6.7.8");
    dh_community_id(&b, 3344, &a, 1122, 17, 0, rev);
    cr_assert_str_eq(rev, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
    dh_addr_t c = ip("2001:db8::1"), d = ip("2001:db8::53");
    cr_assert_eq(dh_community_id(&c, 40000, &d, 53, 17, 0, fwd), 0);
    cr_assert_eq(dh_community_id(&d, 53, &c, 40000, 17, 0, rev), 0);
    cr_assert_str_eq(fwd, rev);
    cr_assert_eq(strncmp(fwd, "1:", 2), 0);
    cr_assert_eq(strlen(fwd), 30);
    dh_community_id(&c, 40000, &d, 53, 17, 1, rev);
    cr_assert_str_neq(fwd, rev, "the seed changes the id");
    cr_assert_eq(dh_community_id(&a, 1, &c, 2, 17, 0, fwd), -1, "mixed families");
}

Test(community_id, a_window_keeps_the_first_records_pivots)
{
    dh_pivots_t p;
    memset(&p, 0, sizeof(p));
    dh_event_t ev;
    dh_event_init(&ev);
    ev.sensor = DH_SENSOR_ZEEK;
    ev.client = ip("10.0.0.5");
    ev.server = ip("10.0.0.53");
    ev.client_port = 50000;
    ev.server_port = 53;
    ev.transport = DH_TRANSPORT_UDP;
    char uid[32];
    for (int i = 0; i < 12; i++) {
        snprintf(uid, sizeof(uid), "CuidNumber%02d", i);
        ev.uid = uid;
        ev.uid_len = strlen(uid);
        dh_pivots_add(&p, &ev);
        dh_pivots_add(&p, &ev); /* the same record twice: one uid */
    }
    cr_assert_eq(p.n_uids, DH_PIVOT_UIDS, "bounded");
    cr_assert_eq(memcmp(p.uids[0], "CuidNumber00", 12), 0, "the first ones");
    cr_assert_eq(p.n_servers, 1);
    cr_assert(p.has_flow);
    cr_assert_eq(p.client_port, 50000);
}
