/*
 * message.h - the one sentence a ticket can carry: the ECS `message` of a
 * detection, rendered from its rule's `message:` template (rules/NAME.yaml),
 * so the wording is data an analyst can change, not code.
 *
 * Template syntax (documented for users in README "Reading detections"):
 *   {NAME}          a value: the built-ins client, domain (registered domain,
 *                   else the query name), qname, duration (end - start) and
 *                   rule (its name), title (the rule's title), or else a member of the detection's evidence
 *                   (a.b reaches into a nested object)
 *   {NAME:FORMAT}   int (rounded), bytes (~6.3 KB), secs (45 s, 5 min, 3 h),
 *                   pct (a 0..1 share as 96 %), first (an array's first
 *                   element, an object element's "name"), keys (an object's
 *                   keys by descending value: NULL/PRIVATE), list (an array
 *                   joined by ", ", at most 4 shown)
 *   [ ... ]         an optional part: left out when a value in it is missing,
 *                   null, false, 0, "" or empty (segments nest)
 *   \{ \} \[ \] \\  the character itself
 * A value missing outside an optional part is written "?". Numbers are
 * rounded for people (3 significant digits); the JSON evidence keeps the
 * exact figures.
 */
#ifndef DH_MESSAGE_H
#define DH_MESSAGE_H

#include <stddef.h>

#include "detection.h"
#include "util-json.h"

#define DH_MESSAGE_MAX 600 /* bytes of one rendered message, cut at a character */

/* Check a template's syntax: 0, or -1 with err saying what is wrong. */
int dh_message_check(const char *tmpl, char *err, size_t errlen);

/* Append d's message rendered from tmpl (UTF-8 text, not JSON-escaped) to
   out. A NULL tmpl gives "CLIENT: TITLE (DOMAIN)". d->rule must be set. */
void dh_message_render(const char *tmpl, const dh_detection_t *d, dh_strbuf_t *out);

#endif
