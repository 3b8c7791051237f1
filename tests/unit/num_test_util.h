/* Numeric checks shared by the unit tests (header only, like
 * twm_test_util.h; include after cmocka.h: the helpers fail the running test
 * themselves). */
#ifndef TW_NUM_TEST_UTIL_H
#define TW_NUM_TEST_UTIL_H

#include <math.h>

#include "tradewar/dist.h"

/* |a - b| <= tol, with a failure message that names the expression and both
 * values to the last digit (cmocka 1.1.5 has no assert_double_equal). */
#define assert_close(a, b, tol)                                                           \
    do {                                                                                  \
        const double a_ = (a), b_ = (b), t_ = (tol);                                      \
        if (!(fabs(a_ - b_) <= t_))                                                       \
            fail_msg("%s = %.17g, expected %.17g (tol %g)", #a, a_, b_, t_);             \
    } while (0)

/* A distribution that must be accepted: kind and its parameters in the
 * order of tw_dist_init. */
static inline tw_dist dist_make(tw_dist_kind kind, double p0, double p1, double p2, double p3)
{
    double p[4] = {p0, p1, p2, p3};
    tw_dist d;
    tw_error err = {0};
    if (tw_dist_init(&d, kind, p, NULL, NULL, 0, &err) != TW_OK)
        fail_msg("tw_dist_init(%s) failed: %s", tw_dist_kind_name(kind), err.msg);
    return d;
}

#endif
