/*
 * util-ip.h - IP address parsing and printing for dh_addr_t.
 */
#ifndef DH_UTIL_IP_H
#define DH_UTIL_IP_H

#include <stddef.h>

#include "event.h"

/* Parse an IPv4 or IPv6 address (any valid spelling, fully expanded IPv6 too,
   an optional %zone is dropped). Returns 0 and fills out, or -1. */
int dh_addr_parse(const char *s, size_t len, dh_addr_t *out);

/* Print in canonical form (RFC 5952 for IPv6) into buf (>= 46 bytes).
   Returns buf; prints "" for DH_AF_UNSET. */
#define DH_ADDR_STRLEN 46
const char *dh_addr_format(const dh_addr_t *a, char buf[DH_ADDR_STRLEN]);

/* 1 when equal (same family and bytes). */
int dh_addr_equal(const dh_addr_t *a, const dh_addr_t *b);

#endif
