/*
 * util-time.c - timestamp parsing without locale or timezone state: the
 * calendar arithmetic is done here (days from civil date) so parsing never
 * depends on TZ or on the C library's mktime.
 */
#include "util-time.h"

#include <stdio.h>

static int parse_digits(const char *s, size_t n, int64_t *v)
{
    int64_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return 0;
}

/* Seconds with an optional fraction and optional sign into µs. */
static int parse_decimal_seconds(const char *s, size_t len, int64_t *us)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    size_t int_start = i;
    int64_t secs = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (secs > (INT64_MAX / 10 - 10) / 1000000)
            return -1;
        secs = secs * 10 + (s[i++] - '0');
    }
    size_t int_digits = i - int_start;
    int64_t frac = 0;
    size_t frac_digits = 0;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (frac_digits < 6) {
                frac = frac * 10 + (s[i] - '0');
                frac_digits++;
            }
            i++;
        }
        if (i == int_start + int_digits + 1 && int_digits == 0)
            return -1;
    }
    if (i != len || (int_digits == 0 && frac_digits == 0))
        return -1;
    while (frac_digits < 6) {
        frac *= 10;
        frac_digits++;
    }
    int64_t v = secs * 1000000 + frac;
    *us = neg ? -v : v;
    return 0;
}

int dh_time_parse_epoch(const char *s, size_t len, int64_t *us)
{
    return parse_decimal_seconds(s, len, us);
}

int dh_time_parse_interval(const char *s, size_t len, int64_t *us)
{
    return parse_decimal_seconds(s, len, us);
}

int dh_time_in_range(int64_t us)
{
    return us >= DH_TIME_MIN_US && us < DH_TIME_MAX_US;
}

int dh_time_valid_date(int64_t y, int64_t m, int64_t d)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
   days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int dh_time_parse_iso8601(const char *s, size_t len, int64_t *us)
{
    int64_t Y, M, D, h, mi, sec;
    if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    if (parse_digits(s, 4, &Y) || parse_digits(s + 5, 2, &M) || parse_digits(s + 8, 2, &D) ||
        parse_digits(s + 11, 2, &h) || parse_digits(s + 14, 2, &mi) || parse_digits(s + 17, 2, &sec))
        return -1;
    if (!dh_time_valid_date(Y, M, D) || h > 23 || mi > 59 || sec > 60)
        return -1;
    size_t i = 19;
    int64_t frac = 0;
    int fd = 0;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        i++;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (fd < 6) {
                frac = frac * 10 + (s[i] - '0');
                fd++;
            }
            i++;
        }
        if (i == start)
            return -1;
    }
    while (fd < 6) {
        frac *= 10;
        fd++;
    }
    int64_t offset_s = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1;
        i++;
        int64_t oh, om = 0;
        if (i + 2 > len || parse_digits(s + i, 2, &oh))
            return -1;
        i += 2;
        if (i < len && s[i] == ':')
            i++;
        if (i + 2 <= len && parse_digits(s + i, 2, &om) == 0)
            i += 2;
        if (oh > 23 || om > 59)
            return -1;
        offset_s = sign * (oh * 3600 + om * 60);
    }
    if (i != len)
        return -1;
    int64_t days = days_from_civil(Y, M, D);
    int64_t t = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    *us = t * 1000000 + frac;
    return 0;
}

const char *dh_time_format(int64_t us, char buf[DH_TIME_STRLEN])
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, DH_TIME_STRLEN, "%04lld-%02d-%02dT%02d:%02d:%02d.%06lldZ", (long long)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (long long)frac);
    return buf;
}
