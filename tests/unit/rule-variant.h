/*
 * rule-variant.h - test helper: a copy of a shipped rule file with one piece
 * of text replaced, in a fresh directory, to test how a detector reacts to
 * a changed or broken threshold.
 */
#ifndef DH_TEST_RULE_VARIANT_H
#define DH_TEST_RULE_VARIANT_H

/* Write DIR/RULE.yaml = rules/RULE.yaml with `from` replaced by `to`
   (asserts that `from` occurs); dir receives the new directory. */
void dh_test_rule_variant(char dir[64], const char *rule, const char *from, const char *to);

/* Remove what dh_test_rule_variant made. */
void dh_test_remove_variant(const char *dir, const char *rule);

#endif
