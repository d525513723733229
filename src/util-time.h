/*
 * util-time.h - timestamps as µs since the Unix epoch (UTC), parsed from the
 * spellings sensors use and printed as RFC 3339.
 */
#ifndef DH_UTIL_TIME_H
#define DH_UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Epoch seconds with an optional fraction ("1517336042.279652", "22.34",
   "1.5e9" is refused). Returns 0 and fills *us, or -1. */
int dh_time_parse_epoch(const char *s, size_t len, int64_t *us);

/* ISO 8601 / RFC 3339 date-time: "2018-03-24T17:15:20.865716Z",
   "2023-11-01T00:46:34.435874+0100", "+01:00", a space instead of 'T',
   any number of fraction digits (truncated to µs). Impossible dates and
   times (2024-02-30, month 13, hour 25) are refused. Returns 0 or -1. */
int dh_time_parse_iso8601(const char *s, size_t len, int64_t *us);

/* The event times dnshound accepts: from the Unix epoch to before
   2100-01-01T00:00:00Z. Every parser calls dh_time_in_range and treats a
   time outside as a malformed record.
   Why a fixed upper bound and not "now + slack": a replay must depend on
   event time alone, never on the day it runs.
   Why the epoch and not 1990: Zeek run on a PCAP whose clock started at
   zero writes relative times ("ts":29.557741, the SLIPS corpus), valid logs
   a 1990 bound would reject whole; and a time in the past cannot move the
   watermark, it is only late. */
#define DH_TIME_MIN_US INT64_C(0)
#define DH_TIME_MAX_US (INT64_C(4102444800) * 1000000) /* exclusive */

/* 1 when us is in [DH_TIME_MIN_US, DH_TIME_MAX_US), else 0. */
int dh_time_in_range(int64_t us);

/* 1 when Y-M-D is a real Gregorian date (2024-02-29 yes, 2023-02-29 no). */
int dh_time_valid_date(int64_t y, int64_t m, int64_t d);

/* Interval in seconds ("0.069982") to µs. Returns 0 or -1. */
int dh_time_parse_interval(const char *s, size_t len, int64_t *us);

/* RFC 3339 UTC with microseconds: "2018-03-24T17:15:20.865716Z". */
#define DH_TIME_STRLEN 64
const char *dh_time_format(int64_t us, char buf[DH_TIME_STRLEN]);

#endif
