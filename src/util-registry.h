/*
 * util-registry.h - the one lookup the registry tables share (parsers.def,
 * sinks.def, sources.def expand into NULL-ended arrays of type pointers).
 */
#ifndef DH_UTIL_REGISTRY_H
#define DH_UTIL_REGISTRY_H

#include <stddef.h>

/* The body of a lookup in TABLE, a NULL-ended array of `const TYPE *`: it
   returns the first entry that CLAIMS, else the first entry that is the
   DEFAULT (the one that takes what no other claims), else NULL. Both are
   expressions of the entry E; DEFAULT is asked first, so CLAIMS may assume
   the entry is not the default. */
#define DH_REGISTRY_LOOKUP(TYPE, TABLE, E, DEFAULT, CLAIMS)                                        \
    const TYPE *dh_reg_default_ = NULL;                                                            \
    for (size_t dh_reg_i_ = 0; (TABLE)[dh_reg_i_]; dh_reg_i_++) {                                  \
        const TYPE *E = (TABLE)[dh_reg_i_];                                                        \
        if (DEFAULT)                                                                               \
            dh_reg_default_ = dh_reg_default_ ? dh_reg_default_ : E;                               \
        else if (CLAIMS)                                                                           \
            return E;                                                                              \
    }                                                                                              \
    return dh_reg_default_

#endif
