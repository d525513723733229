/*
 * util-ip.h - IP address parsing and printing for dh_addr_t.
 */
#ifndef DH_UTIL_IP_H
#define DH_UTIL_IP_H

#include <stddef.h>
#include <stdint.h>

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

/* An address block: "10.0.0.0/8", "2001:db8::/32", or one address. */
typedef struct {
    dh_addr_t net;
    uint8_t prefix; /* bits */
} dh_cidr_t;

/* Parse; host bits are cleared. 0 or -1. */
int dh_cidr_parse(const char *s, dh_cidr_t *out);
/* 1 when a is inside c (same family). */
int dh_cidr_contains(const dh_cidr_t *c, const dh_addr_t *a);

#endif
