/*
 * navigator.h - `dnshound navigator`: ATT&CK Navigator layers (layer format
 * 4.5, domain enterprise-attack, the ATT&CK release the rules pin).
 *
 *   dnshound navigator [--score count|risk] [-o FILE] [DETECTIONS.jsonl...]
 *       the techniques seen in detections (files or stdin), scored by the
 *       number of findings (updates are not findings again) or by the
 *       highest risk score; each with its rules, hosts and first/last seen
 *   dnshound navigator --coverage [--rules DIR] [-o FILE]
 *       what the enabled rules can detect: every technique of every enabled
 *       rule file, and of every indicator file of rules/intel/, scored by the
 *       number of rules behind it
 *
 * The layer is deterministic (techniques sorted by id, then tactic).
 */
#ifndef DH_NAVIGATOR_H
#define DH_NAVIGATOR_H

#define DH_NAVIGATOR_VERSION "5.2.0" /* the Navigator release the layer targets */
#define DH_NAVIGATOR_LAYER "4.5"

/* argv[0] is "navigator"; rules_dir is where rule files are found unless
   --rules is given. Returns the exit status (0, 1 on bad input, 2 usage). */
int dh_navigator_main(int argc, char **argv, const char *rules_dir);

#endif
