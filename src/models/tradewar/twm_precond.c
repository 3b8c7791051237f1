/* tradewar model: the solver's inner block preconditioners (internal; see
 * twm_precond.h). Moved out of twm_solver.c unchanged: the same operations
 * in the same order, so the same bits. */
#include "twm_precond.h"

#include "twm_kernels.h"

#include <math.h>

size_t twm_precond_doubles(size_t N, size_t J)
{
    return N * J * J + 2 * N * J + 4 * J + J * J;
}

double *twm_precond_init(twm_precond *pc, size_t N, size_t J, double *buf)
{
    pc->pd = NULL;
    pc->ipP = buf;
    buf += N * J * J;
    pc->smu = buf;
    buf += N * J;
    pc->smw = buf;
    buf += N * J;
    pc->pscr = buf;
    buf += 4 * J + J * J;
    return buf;
}

/* Inner preconditioners. The price map's Jacobian with respect to a
 * region's own prices is, at the baseline, D[j][k] = pi_nnj g[n][k][j]
 * (own-supply share times the share of input k in sector j's costs); the
 * expenditure map's with respect to the region's own spending is
 * D[j][k] = g[n][j][k] pi_nnk / (1 + tau_nnk) + alpha[n][j] rev[n][k] (own
 * sales of sector k as input j, and tariff revenue spent on j). Each inner
 * Anderson step is taken on x + (I - D)^-1 (F(x) - x) instead of F(x): the
 * same fixed point (and the same stopping test on F(x) - x), with the strong
 * within-region input-output coupling taken out of the iteration, so fewer
 * sweeps (issue 12: 24-36 % fewer; a dense J x J product per sweep and
 * region costs less than the sweeps saved). D >= 0 with row sums
 * pi_nnj (1 - gamma_va) < 1 (prices) and column sums
 * pi_nnk (1 - gamma_va) / (1 + tau_nnk) + rev[n][k] < 1 (expenditure), so
 * I - D is diagonally dominant and Gauss-Jordan without pivoting is stable;
 * a region whose block is singular anyway (a sector without value added that
 * only buys from itself at home) gets no preconditioning (identity).
 * Dataset-only, so made once with the workspace (again if the workspace is
 * used with another dataset): the result of a solve depends on its inputs
 * alone. Stored transposed, as twm_cols_gemv reads it.
 * One block serves both maps: with no tariff on a region's purchases from
 * itself (tau_nnk = 0), the expenditure map's D is the price map's
 * transposed plus a rank one term, D_X = D_P^T + a r^T (a = alpha[n],
 * r = rev[n]), so with B = (I - D_P^T)^-1 = P^T (P the stored price block)
 * Sherman-Morrison gives (I - D_X)^-1 z = B z + u (w . z), u = B a /
 * (1 - r . B a), w = B^T r = P r: a row-dot pass over the same block and
 * 2J numbers per region instead of a second J x J block (issue 12: the
 * second block took a NAFTA solve's working set past the 2 MiB L2). Where
 * tau_nnk > 0 the term uses pi_nnk without the 1/(1 + tau_nnk) (an
 * approximate preconditioner: the same fixed point and stopping test). */
static int invert_block(double *restrict M, double *restrict out, size_t J)
{
    /* Gauss-Jordan on [M | I]: M becomes I, out M^-1 */
    for (size_t j = 0; j < J; j++)
        for (size_t k = 0; k < J; k++)
            out[j * J + k] = j == k ? 1.0 : 0.0;
    int ok = 1;
    for (size_t p = 0; p < J && ok; p++) {
        if (!(M[p * J + p] > 1e-12)) {
            ok = 0;
            break;
        }
        double ip = 1.0 / M[p * J + p];
        for (size_t q = 0; q < J; q++) {
            M[p * J + q] *= ip;
            out[p * J + q] *= ip;
        }
        for (size_t r = 0; r < J; r++) {
            double f = M[r * J + p];
            if (r == p || f == 0.0)
                continue;
            for (size_t q = 0; q < J; q++) {
                M[r * J + q] -= f * M[p * J + q];
                out[r * J + q] -= f * out[p * J + q];
            }
        }
    }
    for (size_t x = 0; x < J * J && ok; x++)
        if (!isfinite(out[x]))
            ok = 0;
    if (!ok) {
        for (size_t j = 0; j < J; j++)
            for (size_t k = 0; k < J; k++)
                out[j * J + k] = j == k ? 1.0 : 0.0;
        return 0;
    }
    for (size_t r = 0; r < J; r++) /* transposed for twm_cols_gemv */
        for (size_t q = r + 1; q < J; q++) {
            double t = out[r * J + q];
            out[r * J + q] = out[q * J + r];
            out[q * J + r] = t;
        }
    return 1;
}

void twm_precond_setup(twm_precond *pc, const twm_data *d)
{
    size_t N = d->N, J = d->J;
    double *ba = pc->pscr, *rv = pc->pscr + J, *B = pc->pscr + 4 * J; /* J, J, J x J */
    pc->pd = d;
    for (size_t n = 0; n < N; n++) {
        const double *g = d->gamma_io + n * J * J, *al = d->alpha + n * J;
        double *T = pc->ipP + n * J * J, *u = pc->smu + n * J, *w = pc->smw + n * J;
        for (size_t j = 0; j < J; j++) {
            double sh = d->pi[TWM_NIJ(N, J, n, n, j)];
            for (size_t k = 0; k < J; k++)
                B[j * J + k] = (j == k ? 1.0 : 0.0) - sh * g[k * J + j];
        }
        int ok = invert_block(B, T, J);
        for (size_t k = 0; k < J; k++) {
            double r = 0.0;
            for (size_t i = 0; i < N; i++) {
                double t = d->tau[TWM_NIJ(N, J, n, i, k)];
                r += d->pi[TWM_NIJ(N, J, n, i, k)] * t / (1.0 + t);
            }
            rv[k] = r;
            ba[k] = 0.0;
            w[k] = 0.0;
        }
        /* B a = P^T a (rows of T), w = P r (columns of T) */
        twm_rows_dot(ba, T, J, al, J, J);
        twm_cols_gemv(w, T, rv, J, J, J);
        double den = 1.0;
        for (size_t k = 0; k < J; k++)
            den -= rv[k] * ba[k];
        if (!ok || !(den > 1e-12) || !isfinite(den))
            den = 0.0; /* no correction (B alone, or identity) */
        for (size_t k = 0; k < J; k++) {
            u[k] = den > 0.0 ? ba[k] / den : 0.0;
            if (den == 0.0)
                w[k] = 0.0;
        }
    }
}

/* g <- x + (I - D)^-1 (g - x), region by region (r, y: J scratch each). */
void twm_precond_apply(const twm_precond *pc, const double *x, double *g, size_t N, size_t J)
{
    const double *inv = pc->ipP;
    double *r = pc->pscr, *y = r + J;
    for (size_t n = 0; n < N; n++) {
        const double *xn = x + n * J;
        double *gn = g + n * J;
        for (size_t j = 0; j < J; j++) {
            r[j] = gn[j] - xn[j];
            y[j] = 0.0;
        }
        twm_cols_gemv(y, inv + n * J * J, r, J, J, J);
        for (size_t j = 0; j < J; j++)
            gn[j] = xn[j] + y[j];
    }
}

/* g <- x + (I - D_X)^-1 (g - x) with the price blocks transposed and the
 * rank-one correction (twm_precond_setup): y = P^T r + u (w . r), the
 * dot in k order. */
void twm_precond_apply_x(const twm_precond *pc, const double *x, double *g, size_t N, size_t J)
{
    double *r = pc->pscr, *y = r + J;
    for (size_t n = 0; n < N; n++) {
        const double *xn = x + n * J, *u = pc->smu + n * J, *w = pc->smw + n * J;
        double *gn = g + n * J;
        double c = 0.0;
        for (size_t j = 0; j < J; j++)
            r[j] = gn[j] - xn[j];
        for (size_t j = 0; j < J; j++)
            c += w[j] * r[j];
        twm_rows_dot(y, pc->ipP + n * J * J, J, r, J, J);
        for (size_t j = 0; j < J; j++)
            gn[j] = xn[j] + (y[j] + u[j] * c);
    }
}
