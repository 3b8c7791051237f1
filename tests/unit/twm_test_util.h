/* Set-up shared by the scenario and mechanism tests (header only, so the
 * one-program-per-test_*.c rule of CMakeLists.txt needs no extra source;
 * include after cmocka.h). */
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

/* twm_test_spec with the world's own partners (tw_world_partners, written
 * to pi, which must outlive spec). */
static inline void twm_test_world_spec(twm_scenario_spec *spec, const tw_world *w,
                                       twm_partner_info pi[4])
{
    tw_world_partners(w, pi);
    twm_test_spec(spec, w, pi, 4);
}

/* Replaces the world's scenario and its workspace by ones built from spec
 * (the scenario copies what spec points to); the outcome row of
 * tw_world_open fits any partner set of the test world (at most 4). Needs
 * cmocka.h before this header. */
static inline void twm_test_respec(tw_world *w, const twm_scenario_spec *spec)
{
    tw_error err;
    twm_scen_ws_free(w->sw);
    twm_scenario_free(w->sc);
    w->sw = NULL;
    w->sc = NULL;
    if (twm_scenario_new(w->d, spec, &w->sc, &err))
        fail_msg("scenario refused: %s", err.msg);
    w->P = spec->n_partners;
    w->sw = twm_scen_ws_alloc(w->sc);
    assert_non_null(w->sw);
}

#endif
