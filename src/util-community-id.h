/*
 * util-community-id.h - Community ID flow hashing, version 1 (the
 * corelight/community-id-spec): the same flow gets the same
 * "1:<base64 SHA-1>" id in Zeek (community-id), Suricata (community_id in
 * EVE), Elastic (network.community_id) and here, so a detection pivots to
 * every sensor's records of the flows behind it.
 *
 * The SHA-1 and base64 are nettle's; this file only lays out the bytes.
 */
#ifndef DH_UTIL_COMMUNITY_ID_H
#define DH_UTIL_COMMUNITY_ID_H

#include <stdint.h>

#include "event.h"

#define DH_COMMUNITY_ID_LEN 32 /* "1:" + 28 base64 characters + NUL, rounded */

/* The id of the flow a:a_port <-> b:b_port over protocol proto (6 TCP,
   17 UDP) with seed (0 unless the site configured one) into out. 0, or -1
   when the addresses are unset or of different families. */
int dh_community_id(const dh_addr_t *a, uint16_t a_port, const dh_addr_t *b, uint16_t b_port,
                    uint8_t proto, uint16_t seed, char out[DH_COMMUNITY_ID_LEN]);

#endif
