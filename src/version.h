/*
 * version.h - dnshound's version: --version prints it, and the OCSF output
 * names it as the product version (output-ocsf.c). A build may set it.
 */
#ifndef DH_VERSION_H
#define DH_VERSION_H

#ifndef DH_VERSION
#define DH_VERSION "0.1.0"
#endif

#endif
