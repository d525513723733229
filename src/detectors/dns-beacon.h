/*
 * dns-beacon.h - the dns_beacon detector's internals that its unit tests
 * call directly. Not an interface: the detector is reached through
 * dh_detector_dns_beacon (detector.h).
 */
#ifndef DH_DNS_BEACON_H
#define DH_DNS_BEACON_H

/* The linear-interpolated percentile p (0..1) of the n values of v, sorted
   ascending (v borrowed). 0 when n is 0, and v is not read then. */
double dh_beacon_percentile(const double *v, int n, double p);

#endif
