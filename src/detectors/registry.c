/*
 * registry.c - expands detectors.def into the detector table
 * (util-registry-table.h).
 */
#include <stddef.h>

#include "../detector.h"

#define DH_REG_TYPE dh_detector_type_t
#define DH_REG_SYM(n) dh_detector_##n
#define DH_REG_TABLE dh_detectors
#define DH_REG_DEF "detectors/detectors.def"
#define DETECTOR DH_REG_ENTRY
#include "../util-registry-table.h"
#undef DETECTOR
