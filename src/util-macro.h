/*
 * util-macro.h - preprocessor helpers: counting and mapping a macro's
 * variadic arguments (C11 has no __VA_OPT__, so one chain of defines).
 */
#ifndef DH_UTIL_MACRO_H
#define DH_UTIL_MACRO_H

#define DH_CAT_(a, b) a##b
#define DH_CAT(a, b) DH_CAT_(a, b)

/* The number of arguments, 1 to 32. */
#define DH_NARGS(...)                                                                       \
    DH_NARGS_(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, \
              15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
#define DH_NARGS_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, \
                  _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, N, \
                  ...)                                                                      \
    N

/* m(a, x) for each x of the arguments (1 to 32), in order. */
#define DH_FOR_EACH(m, a, ...) DH_CAT(DH_FE_, DH_NARGS(__VA_ARGS__))(m, a, __VA_ARGS__)
#define DH_FE_1(m, a, x) m(a, x)
#define DH_FE_2(m, a, x, ...) m(a, x) DH_FE_1(m, a, __VA_ARGS__)
#define DH_FE_3(m, a, x, ...) m(a, x) DH_FE_2(m, a, __VA_ARGS__)
#define DH_FE_4(m, a, x, ...) m(a, x) DH_FE_3(m, a, __VA_ARGS__)
#define DH_FE_5(m, a, x, ...) m(a, x) DH_FE_4(m, a, __VA_ARGS__)
#define DH_FE_6(m, a, x, ...) m(a, x) DH_FE_5(m, a, __VA_ARGS__)
#define DH_FE_7(m, a, x, ...) m(a, x) DH_FE_6(m, a, __VA_ARGS__)
#define DH_FE_8(m, a, x, ...) m(a, x) DH_FE_7(m, a, __VA_ARGS__)
#define DH_FE_9(m, a, x, ...) m(a, x) DH_FE_8(m, a, __VA_ARGS__)
#define DH_FE_10(m, a, x, ...) m(a, x) DH_FE_9(m, a, __VA_ARGS__)
#define DH_FE_11(m, a, x, ...) m(a, x) DH_FE_10(m, a, __VA_ARGS__)
#define DH_FE_12(m, a, x, ...) m(a, x) DH_FE_11(m, a, __VA_ARGS__)
#define DH_FE_13(m, a, x, ...) m(a, x) DH_FE_12(m, a, __VA_ARGS__)
#define DH_FE_14(m, a, x, ...) m(a, x) DH_FE_13(m, a, __VA_ARGS__)
#define DH_FE_15(m, a, x, ...) m(a, x) DH_FE_14(m, a, __VA_ARGS__)
#define DH_FE_16(m, a, x, ...) m(a, x) DH_FE_15(m, a, __VA_ARGS__)
#define DH_FE_17(m, a, x, ...) m(a, x) DH_FE_16(m, a, __VA_ARGS__)
#define DH_FE_18(m, a, x, ...) m(a, x) DH_FE_17(m, a, __VA_ARGS__)
#define DH_FE_19(m, a, x, ...) m(a, x) DH_FE_18(m, a, __VA_ARGS__)
#define DH_FE_20(m, a, x, ...) m(a, x) DH_FE_19(m, a, __VA_ARGS__)
#define DH_FE_21(m, a, x, ...) m(a, x) DH_FE_20(m, a, __VA_ARGS__)
#define DH_FE_22(m, a, x, ...) m(a, x) DH_FE_21(m, a, __VA_ARGS__)
#define DH_FE_23(m, a, x, ...) m(a, x) DH_FE_22(m, a, __VA_ARGS__)
#define DH_FE_24(m, a, x, ...) m(a, x) DH_FE_23(m, a, __VA_ARGS__)
#define DH_FE_25(m, a, x, ...) m(a, x) DH_FE_24(m, a, __VA_ARGS__)
#define DH_FE_26(m, a, x, ...) m(a, x) DH_FE_25(m, a, __VA_ARGS__)
#define DH_FE_27(m, a, x, ...) m(a, x) DH_FE_26(m, a, __VA_ARGS__)
#define DH_FE_28(m, a, x, ...) m(a, x) DH_FE_27(m, a, __VA_ARGS__)
#define DH_FE_29(m, a, x, ...) m(a, x) DH_FE_28(m, a, __VA_ARGS__)
#define DH_FE_30(m, a, x, ...) m(a, x) DH_FE_29(m, a, __VA_ARGS__)
#define DH_FE_31(m, a, x, ...) m(a, x) DH_FE_30(m, a, __VA_ARGS__)
#define DH_FE_32(m, a, x, ...) m(a, x) DH_FE_31(m, a, __VA_ARGS__)

#endif
