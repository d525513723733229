/*
 * registry.c - expands detectors.def into the detector table.
 */
#include <stddef.h>

#include "../detector.h"

#define DETECTOR(n) extern const dh_detector_type_t dh_detector_##n;
#include "detectors.def"
#undef DETECTOR

const dh_detector_type_t *const dh_detectors[] = {
#define DETECTOR(n) &dh_detector_##n,
#include "detectors.def"
#undef DETECTOR
    NULL,
};
