/*
 * rule-variant.c - see rule-variant.h.
 */
#include "rule-variant.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void dh_test_rule_variant(char dir[64], const char *rule, const char *from, const char *to)
{
    snprintf(dir, 64, "/tmp/dh-rule-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/rules/%s.yaml", DH_SOURCE_DIR, rule);
    FILE *in = fopen(path, "r");
    cr_assert_not_null(in, "%s", path);
    static char text[65536];
    size_t len = fread(text, 1, sizeof(text) - 1, in);
    fclose(in);
    text[len] = '\0';
    char *at = strstr(text, from);
    cr_assert_not_null(at, "%s not in the shipped rule", from);
    snprintf(path, sizeof(path), "%s/%s.yaml", dir, rule);
    FILE *out = fopen(path, "w");
    cr_assert_not_null(out);
    fprintf(out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    fclose(out);
}

void dh_test_remove_variant(const char *dir, const char *rule)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s.yaml", dir, rule);
    unlink(path);
    rmdir(dir);
}
