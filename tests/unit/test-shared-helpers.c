/*
 * test-shared-helpers.c - the helpers that give repeated reader and window
 * code one home: YAML lists (yaml-tree.h), array growth (util-mem.h), the
 * kit's client list and event-time span (detector-kit.h).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector-kit.h"
#include "util-ip.h"
#include "util-mem.h"
#include "yaml-tree.h"

/* text written to a temporary YAML file and loaded; the path stays in path. */
static dh_yaml_node_t *load_text(const char *text, char path[64])
{
    snprintf(path, 64, "/tmp/dh-lists-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char err[256];
    dh_yaml_node_t *root = dh_yaml_load(path, err, sizeof(err));
    cr_assert_not_null(root, "%s", err);
    return root;
}

static int collect(void *ctx, const dh_yaml_node_t *item, char *err, size_t errlen)
{
    char *out = ctx;
    if (strcmp(item->value, "stop") == 0) {
        snprintf(err, errlen, "stopped at line %zu", item->line);
        return -1;
    }
    strcat(out, item->value);
    strcat(out, ";");
    return 0;
}

Test(yaml_lists, each_visits_items_in_order_and_absent_is_no_error)
{
    char path[64], err[256] = "", got[128] = "";
    dh_yaml_node_t *root = load_text("names:\n  - a.example\n  - b.example\n", path);
    cr_assert_eq(dh_yaml_each(root, "names", "names", 0, "a name", collect, got, err,
                              sizeof(err)),
                 0, "%s", err);
    cr_assert_str_eq(got, "a.example;b.example;");
    got[0] = '\0';
    cr_assert_eq(dh_yaml_each(root, "absent", "names", 0, "a name", collect, got, err,
                              sizeof(err)),
                 0);
    cr_assert_str_eq(got, "");
    dh_yaml_free(root);
    unlink(path);
}

Test(yaml_lists, errors_name_the_file_line_key_and_what_was_expected)
{
    char path[64], err[256] = "", got[128] = "";
    dh_yaml_node_t *root =
        load_text("one: x\nmany:\n  - a\n  - b\n  - c\nholey:\n  - a\n  - [b]\nstops:\n"
                  "  - a\n  - stop\n",
                  path);
    char want[320];
    cr_assert_eq(dh_yaml_each(root, "one", "names", 0, "a name", collect, got, err, sizeof(err)),
                 -1);
    snprintf(want, sizeof(want), "%s:1: one: expected a list of names", path);
    cr_assert_str_eq(err, want);
    dh_yaml_node_t *seq;
    cr_assert_eq(dh_yaml_seq(root, "many", "zones", 2, &seq, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:3: many: expected a list of at most 2 zones", path);
    cr_assert_str_eq(err, want);
    cr_assert_eq(dh_yaml_seq(root, "many", "zones", 3, &seq, err, sizeof(err)), 0);
    cr_assert_eq(seq->n_items, 3);
    cr_assert_eq(dh_yaml_each(root, "holey", "names", 0, "a name", collect, got, err,
                              sizeof(err)),
                 -1);
    snprintf(want, sizeof(want), "%s:8: holey: expected a name", path);
    cr_assert_str_eq(err, want);
    got[0] = '\0';
    cr_assert_eq(dh_yaml_each(root, "stops", "names", 0, "a name", collect, got, err,
                              sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "stopped at line 11");
    cr_assert_str_eq(got, "a;");
    dh_yaml_free(root);
    unlink(path);
}

Test(yaml_lists, cidrs_parse_append_and_name_the_bad_item)
{
    char path[64], err[256] = "";
    dh_yaml_node_t *root =
        load_text("ok:\n  - 10.0.0.0/8\n  - 2001:db8::1\nbad:\n  - 10.0.0.0/8\n  - 10.0.0.300\n",
                  path);
    dh_cidr_t v[4];
    size_t n = 0;
    cr_assert_eq(dh_yaml_cidrs(root, "ok", 4, v, &n, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(n, 2);
    dh_addr_t a;
    cr_assert_eq(dh_addr_parse("10.1.2.3", 8, &a), 0);
    cr_assert(dh_cidr_contains(&v[0], &a));
    cr_assert_not(dh_cidr_contains(&v[1], &a));
    cr_assert_eq(dh_yaml_cidrs(root, "ok", 1, v, &n, err, sizeof(err)), -1);
    char want[320];
    snprintf(want, sizeof(want), "%s:2: ok: expected a list of at most 1 addresses or CIDR blocks",
             path);
    cr_assert_str_eq(err, want);
    n = 0;
    cr_assert_eq(dh_yaml_cidrs(root, "bad", 4, v, &n, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:6: bad: '10.0.0.300' is not an address or CIDR block", path);
    cr_assert_str_eq(err, want);
    cr_assert_eq(n, 1);
    dh_yaml_free(root);
    unlink(path);
}

Test(util_mem, grow_doubles_only_when_full_and_keeps_the_elements)
{
    int *v = NULL;
    size_t cap = 0;
    for (int i = 0; i < 100; i++) {
        v = dh_grow(v, &cap, (size_t)i, sizeof(*v), 4);
        v[i] = i * 3;
        cr_assert_gt(cap, (size_t)i);
    }
    cr_assert_eq(cap, 128); /* 4, 8, ... 128 */
    for (int i = 0; i < 100; i++)
        cr_assert_eq(v[i], i * 3);
    free(v);
}

Test(detector_kit, add_client_keeps_distinct_set_clients_and_notes_overflow)
{
    struct {
        dh_addr_t clients[2];
        uint8_t n_clients, clients_more;
    } w = {0};
    dh_addr_t a, b, c, unset = {0};
    cr_assert_eq(dh_addr_parse("192.0.2.1", 9, &a), 0);
    cr_assert_eq(dh_addr_parse("192.0.2.2", 9, &b), 0);
    cr_assert_eq(dh_addr_parse("2001:db8::3", 11, &c), 0);
    DH_KIT_ADD_CLIENT(&w, &unset);
    DH_KIT_ADD_CLIENT(&w, &a);
    DH_KIT_ADD_CLIENT(&w, &a);
    cr_assert_eq(w.n_clients, 1);
    DH_KIT_ADD_CLIENT(&w, &b);
    cr_assert_eq(w.clients_more, 0);
    DH_KIT_ADD_CLIENT(&w, &c);
    cr_assert_eq(w.n_clients, 2);
    cr_assert_eq(w.clients_more, 1);
    cr_assert(dh_addr_equal(&w.clients[1], &b));
}

Test(detector_kit, span_widens_both_ways_and_first_sets_both)
{
    int64_t first = 999, last = -999;
    dh_kit_span_add(&first, &last, 50, true);
    cr_assert_eq(first, 50);
    cr_assert_eq(last, 50);
    dh_kit_span_add(&first, &last, 70, false);
    dh_kit_span_add(&first, &last, 20, false); /* a late event */
    dh_kit_span_add(&first, &last, 60, false);
    cr_assert_eq(first, 20);
    cr_assert_eq(last, 70);
    dh_detection_t d = dh_kit_span_detection(first, last, 0, NULL, true);
    cr_assert_eq(d.fired_us, 70);
    cr_assert_eq(d.start_us, 20);
    cr_assert(d.client_is_resolver);
    cr_assert_eq(d.risk_score, -1);
}
