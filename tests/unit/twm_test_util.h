/* Set-up shared by the scenario and mechanism tests (header only, so the
 * one-program-per-test_*.c rule of CMakeLists.txt needs no extra source). */
#ifndef TWM_TEST_UTIL_H
#define TWM_TEST_UTIL_H

#include <string.h>

#include "twm_testworld.h"

/* A scenario spec for the test world's US and China with the given partners
 * and every mechanism on; tests then set the fields they exercise. */
static inline void twm_test_spec(twm_scenario_spec *spec, const tw_world *w,
                                 twm_partner_info *partners, size_t n_partners)
{
    memset(spec, 0, sizeof *spec);
    spec->us = w->us;
    spec->cn = w->cn;
    spec->n_partners = n_partners;
    spec->partners = partners;
    for (int k = 0; k < TWM_M_COUNT; k++)
        spec->mech[k] = 1;
}

#endif
