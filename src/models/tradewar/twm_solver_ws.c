/* tradewar model: the solver's workspace, allocated once per thread and
 * reused by every solve (twm_solver.h).
 *
 * Why a file of its own: how the workspace is laid out in memory (one block
 * carved into the per-solve arrays, the Anderson histories and the
 * preconditioners' storage) is a different subject from the iteration that
 * uses it (twm_solver.c) and the set-up that fills it (twm_shock_setup.c).
 * The struct is in twm_solver_int.h, shared with twm_outer.c.
 */
#include "twm_anderson.h"
#include "twm_outer.h"
#include "twm_precond.h"
#include "twm_solver.h"
#include "twm_solver_int.h"

#include <stdlib.h>

static twm_solver_ws *ws_alloc(const twm_data *d, const twm_outer_precond *op);

twm_solver_ws *twm_solver_ws_alloc(const twm_data *d)
{
    return ws_alloc(d, NULL);
}

twm_solver_ws *twm_solver_ws_alloc_shared(const twm_data *d, const twm_outer_precond *op)
{
    return ws_alloc(d, op);
}

static twm_solver_ws *ws_alloc(const twm_data *d, const twm_outer_precond *op)
{
    if (!d)
        return NULL;
    size_t N = d->N, J = d->J, NJ = N * J, NNJ = N * N * J;
    size_t total = 3 * NNJ + 2 * J + 15 * N + 6 * NJ + 2 * NJ + 8 * NJ + 4 * N +
                   6 * NJ + 7 * N + 2 * N + 2 * N * N + twm_aa_doubles(3 * N, AA_MEM_OUTER) +
                   2 * twm_aa_doubles(NJ, AA_MEM_INNER) + twm_precond_doubles(N, J) +
                   N * N + (N + 1) * (N + 1) + (N + 1) + N + 5 * N * N + 5 * N;
    twm_solver_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->block = calloc(total, sizeof(double));
    ws->nidx = calloc(NJ > 0 ? 2 * NJ : 1, sizeof *ws->nidx);
    ws->qx = calloc(N > 0 ? 3 * N : 1, sizeof *ws->qx);
    ws->sk = calloc(N > 0 ? N : 1, sizeof *ws->sk);
    ws->opp = calloc(3 * N + 1, sizeof *ws->opp);
    ws->wh = calloc(N > 0 ? N : 1, 1);
    if (!ws->block || !ws->nidx || !ws->qx || !ws->sk || !ws->opp || !ws->wh) {
        free(ws->wh);
        free(ws->block);
        free(ws->nidx);
        free(ws->qx);
        free(ws->sk);
        free(ws->opp);
        free(ws);
        return NULL;
    }
    ws->N = N;
    ws->J = J;
    double *p = ws->block;
#define TAKE(ptr, cnt) (ptr = p, p += (cnt))
    TAKE(ws->A, NNJ);
    TAKE(ws->B, NNJ);
    TAKE(ws->pinew, NNJ);
    TAKE(ws->theta, J);
    TAKE(ws->ith, J);
    ws->qn = ws->qx + N;
    ws->sn = ws->qx + 2 * N;
    TAKE(ws->lw, 3 * N);
    TAKE(ws->what, N);
    TAKE(ws->lwg, 3 * N);
    TAKE(ws->lw_best, 3 * N);
    TAKE(ws->lwg_new, 3 * N);
    TAKE(ws->slT, N);
    TAKE(ws->sg, N);
    TAKE(ws->sA0, N * N);
    TAKE(ws->sB0, N * N);
    TAKE(ws->qA0, N);
    TAKE(ws->qB0, N);
    TAKE(ws->qit, N);
    TAKE(ws->qlcap, N);
    TAKE(ws->qlk, N);
    TAKE(ws->qg, N);
    TAKE(ws->qel, N);
    TAKE(ws->qw, N);
    TAKE(ws->step, N);
    TAKE(ws->I, N);
    TAKE(ws->lP, NJ);
    TAKE(ws->lPg, NJ);
    TAKE(ws->Phat, NJ);
    TAKE(ws->lc, NJ);
    TAKE(ws->e, NJ);
    TAKE(ws->S, NJ);
    TAKE(ws->sp, NJ);
    TAKE(ws->sc, NJ);
    TAKE(ws->X, NJ);
    TAKE(ws->Xg, NJ);
    TAKE(ws->Y, NJ);
    TAKE(ws->Yeff, NJ);
    TAKE(ws->Rw, NJ);
    TAKE(ws->Xw, NJ);
    TAKE(ws->T, NJ);
    TAKE(ws->Xs, NJ);
    TAKE(ws->R, N);
    TAKE(ws->P, N);
    TAKE(ws->ED, N);
    TAKE(ws->tmp, NJ);
    TAKE(ws->ns, NJ);
    TAKE(ws->na, NJ);
    TAKE(ws->nb, NJ);
    TAKE(ws->nu, NJ);
    TAKE(ws->nE, NJ);
    TAKE(ws->opc, N * N);
    TAKE(ws->opk, (N + 1) * (N + 1));
    TAKE(ws->opv, N + 1);
    TAKE(ws->ed0, N);
    TAKE(ws->wj, 4 * N * N);
    TAKE(ws->wr, 4 * N);
    TAKE(ws->wp_m, N * N);
    ws->wp = ws->opp + N + 1;
#undef TAKE
    p = twm_precond_init(&ws->pc, N, J, p);
    ws->aa_out_buf = p;
    p += twm_aa_doubles(3 * N, AA_MEM_OUTER);
    twm_aa_init(&ws->aa_out, N, AA_MEM_OUTER, ws->aa_out_buf);
    p = twm_aa_init(&ws->aa_P, NJ, AA_MEM_INNER, p);
    p = twm_aa_init(&ws->aa_X, NJ, AA_MEM_INNER, p);
    (void)p;
    twm_precond_setup(&ws->pc, d);
    twm_outer_precond_attach(ws, d, op);
    return ws;
}

void twm_solver_ws_free(twm_solver_ws *ws)
{
    if (!ws)
        return;
    free(ws->block);
    free(ws->nidx);
    free(ws->qx);
    free(ws->sk);
    free(ws->opp);
    free(ws->wh);
    free(ws);
}
