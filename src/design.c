/* tradewar: sampling designs computed point by point (see design.h).
 *
 * Every coordinate is a pure function of (kind, seed, n_samples, k, s): no
 * state advances between calls, so any rank or thread can compute any point
 * and the run is reproducible whatever the decomposition (DESIGN.md).
 *
 *   mc     u = Philox4x32-10(counter = (s lo, s hi, k, 0), key = seed).
 *   lhs    u = (perm_k(s) + jitter) / n: perm_k is a keyed bijection of [0, n)
 *          (cycle-walking Feistel network, tw_design_permute) with a key
 *          derived from (seed, k); jitter = Philox stream 1. Each dimension is
 *          exactly stratified for any n, and no table of size n is built.
 *   sobol  Sobol' points by index (direct XOR of the direction numbers over
 *          the bits of s, natural order: every 2^m prefix is the same point
 *          set as the Gray-code order), Joe–Kuo new-joe-kuo-6.21201 direction
 *          numbers, randomised by Owen-style nested uniform scrambling in
 *          base 2 via Burley's hash (JCGT 9(4), 2020, "Practical Hash-based
 *          Owen Scrambling": Laine–Karras permutation of the reversed bits),
 *          seeded per dimension from (seed, k). Nested scrambling maps every
 *          elementary interval onto one of the same shape, so each (t,m,s)-net
 *          property of the unscrambled points survives, and each point is
 *          uniform on (0,1)^d. The 32-bit result is placed at the centre of
 *          its 2^-32 cell so that no coordinate is ever 0 or 1.
 */
#include "tradewar/design.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

/* Philox streams: 0 = mc coordinates, 1 = lhs jitter; per-dimension keys of
 * lhs and sobol use these reserved stream words (above any sensible user
 * stream), so they never coincide with a coordinate's counter. */
#define STREAM_MC 0u
#define STREAM_LHS_JITTER 1u
#define STREAM_LHS_KEY 0xfffffff0u
#define STREAM_SOBOL_SEED 0xfffffff1u

#include "sobol_table.h"

/* Degree, inner coefficients and m_1..m_s of dimension k >= 1 (k = 0, the
 * van der Corput dimension, has no polynomial). */
static unsigned sobol_degree(size_t k)
{
    unsigned p = tw__sobol_table[k - 1].poly, s = 0;
    while (p >>= 1)
        s++;
    return s;
}

/* Direction numbers v_1..v_32 of dimension k, scaled by 2^32 (bit 31 is the
 * 1/2 digit): the Bratley–Fox recurrence as Joe and Kuo state it. */
static void sobol_directions(size_t k, uint32_t v[SOBOL_BITS])
{
    if (k == 0) {
        for (unsigned i = 0; i < SOBOL_BITS; i++)
            v[i] = 1u << (31 - i);
        return;
    }
    const struct tw__sobol_entry *e = &tw__sobol_table[k - 1];
    unsigned s = sobol_degree(k);
    uint32_t a = (e->poly >> 1) & ((1u << (s - 1)) - 1u);
    for (unsigned i = 0; i < SOBOL_BITS; i++) {
        if (i < s) {
            v[i] = (uint32_t)e->m[i] << (31 - i);
            continue;
        }
        uint32_t x = v[i - s] ^ (v[i - s] >> s);
        for (unsigned j = 1; j < s; j++)
            if ((a >> (s - 1 - j)) & 1u)
                x ^= v[i - j];
        v[i] = x;
    }
}

static uint32_t sobol_xor(const uint32_t v[SOBOL_BITS], uint32_t s)
{
    uint32_t x = 0;
    for (unsigned b = 0; s; b++, s >>= 1)
        if (s & 1u)
            x ^= v[b];
    return x;
}

static uint32_t reverse_bits32(uint32_t x)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
    return (x >> 16) | (x << 16);
}

/* Burley's improved Laine–Karras permutation: on bit-reversed input each
 * operation (add, x ^= x * even) only lets a bit depend on bits below it, i.e.
 * on the more significant digits of the original value: exactly the nesting
 * an Owen scramble needs. */
static uint32_t laine_karras(uint32_t x, uint32_t seed)
{
    x += seed;
    x ^= x * 0x6c50b47cu;
    x ^= x * 0xb82f1e52u;
    x ^= x * 0xc7afe638u;
    x ^= x * 0x8d22f6e6u;
    return x;
}

static uint32_t nested_uniform_scramble(uint32_t x, uint32_t seed)
{
    return reverse_bits32(laine_karras(reverse_bits32(x), seed));
}

/* ------------------------------------------------------------------------ */
/* Counter-based uniforms                                                   */

static philox4x32_ctr_t philox_at(uint64_t seed, uint64_t s, uint32_t k, uint32_t stream)
{
    philox4x32_ctr_t c = {{(uint32_t)s, (uint32_t)(s >> 32), k, stream}};
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    return philox4x32(c, key);
}

double tw_rng_u01(uint64_t seed, uint64_t s, uint32_t k, uint32_t stream)
{
    philox4x32_ctr_t r = philox_at(seed, s, k, stream);
    /* 52 random bits at the centre of their cell: (j + 1/2) 2^-52 is exact
     * and lies in [2^-53, 1 - 2^-53], so never 0 or 1 (a 53-bit version
     * would round its top value up to 1.0) */
    uint64_t bits = (((uint64_t)r.v[0] << 32) | r.v[1]) >> 12;
    return ((double)bits + 0.5) * 0x1p-52;
}

static uint64_t philox_u64(uint64_t seed, uint64_t s, uint32_t k, uint32_t stream)
{
    philox4x32_ctr_t r = philox_at(seed, s, k, stream);
    return ((uint64_t)r.v[0] << 32) | r.v[1];
}

/* ------------------------------------------------------------------------ */
/* Keyed permutation for lhs                                                */

/* SplitMix64's finaliser: a cheap bijective 64-bit mixer, good enough as a
 * Feistel round function (the rounds, not the mixer, make the bijection). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

#define FEISTEL_ROUNDS 6

uint64_t tw_design_permute(uint64_t x, uint64_t n, uint64_t key)
{
    if (n <= 1)
        return 0;
    if (x >= n)
        return x; /* outside the domain: not permuted (documented) */
    /* Balanced Feistel network on 2h bits with 2^(2h) >= n; domain at most
     * 4n, so cycle walking takes < 4 steps on average and terminates because
     * the walk follows x's own cycle, which returns to [0, n). */
    unsigned bits = 0;
    for (uint64_t t = n - 1; t; t >>= 1)
        bits++;
    if (bits < 2)
        bits = 2;
    bits += bits & 1u;
    unsigned h = bits / 2;
    uint64_t mask = h >= 64 ? ~0ull : (1ull << h) - 1;
    uint64_t rk[FEISTEL_ROUNDS];
    for (unsigned r = 0; r < FEISTEL_ROUNDS; r++)
        rk[r] = mix64(key + (r + 1) * 0x9e3779b97f4a7c15ull);
    do {
        uint64_t l = x >> h, rr = x & mask;
        for (unsigned r = 0; r < FEISTEL_ROUNDS; r++) {
            uint64_t f = mix64(rr ^ rk[r]) & mask;
            uint64_t t = l ^ f;
            l = rr;
            rr = t;
        }
        x = (l << h) | rr;
    } while (x >= n);
    return x;
}

/* ------------------------------------------------------------------------ */
/* Designs                                                                  */

struct tw_design {
    tw_design_kind kind;
    uint64_t seed;
    uint64_t n;
    size_t dim;
    uint64_t *lhs_key;               /* lhs: permutation key per dimension */
    uint32_t (*sobol_v)[SOBOL_BITS]; /* sobol: direction numbers per dimension */
    uint32_t *sobol_seed;            /* sobol: scramble seed per dimension */
};

int tw_design_kind_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "mc") == 0)
        return TW_DESIGN_MC;
    if (strcmp(name, "lhs") == 0)
        return TW_DESIGN_LHS;
    if (strcmp(name, "sobol") == 0)
        return TW_DESIGN_SOBOL;
    return -1;
}

const char *tw_design_kind_name(tw_design_kind kind)
{
    switch (kind) {
    case TW_DESIGN_MC:
        return "mc";
    case TW_DESIGN_LHS:
        return "lhs";
    case TW_DESIGN_SOBOL:
        return "sobol";
    }
    return "unknown";
}

size_t tw_design_sobol_max_dim(void)
{
    return SOBOL_TABLE_DIMS;
}

void tw_design_free(tw_design *d)
{
    if (!d)
        return;
    free(d->lhs_key);
    free(d->sobol_v);
    free(d->sobol_seed);
    free(d);
}

int tw_design_create(tw_design_kind kind, uint64_t seed, uint64_t n_samples, size_t dim,
                     tw_design **out, tw_error *err)
{
    if (!out)
        return tw_error_set(err, TW_EINTERNAL, "tw_design_create: NULL output");
    *out = NULL;
    if (kind != TW_DESIGN_MC && kind != TW_DESIGN_LHS && kind != TW_DESIGN_SOBOL)
        return tw_error_set(err, TW_ECONFIG, "design: unknown kind %d (valid: mc, lhs, sobol)",
                            (int)kind);
    if (n_samples == 0)
        return tw_error_set(err, TW_ECONFIG, "samples (0) must be > 0");
    if (kind == TW_DESIGN_SOBOL) {
        if (dim > SOBOL_TABLE_DIMS)
            return tw_error_set(err, TW_ECONFIG,
                                "design sobol supports at most %d dimensions, the parameter space "
                                "has %zu; use design: lhs or mc",
                                SOBOL_TABLE_DIMS, dim);
        if (n_samples > (1ull << SOBOL_BITS))
            return tw_error_set(err, TW_ECONFIG,
                                "design sobol supports at most 2^32 samples, %llu requested",
                                (unsigned long long)n_samples);
    }
    tw_design *d = calloc(1, sizeof *d);
    if (!d)
        return tw_error_set(err, TW_ENOMEM, "design: out of memory");
    d->kind = kind;
    d->seed = seed;
    d->n = n_samples;
    d->dim = dim;
    size_t na = dim ? dim : 1;
    if (kind == TW_DESIGN_LHS) {
        d->lhs_key = malloc(na * sizeof *d->lhs_key);
        if (!d->lhs_key)
            goto fail_nomem;
        for (size_t k = 0; k < dim; k++)
            d->lhs_key[k] = philox_u64(seed, k, 0, STREAM_LHS_KEY);
    } else if (kind == TW_DESIGN_SOBOL) {
        d->sobol_v = malloc(na * sizeof *d->sobol_v);
        d->sobol_seed = malloc(na * sizeof *d->sobol_seed);
        if (!d->sobol_v || !d->sobol_seed)
            goto fail_nomem;
        for (size_t k = 0; k < dim; k++) {
            sobol_directions(k, d->sobol_v[k]);
            d->sobol_seed[k] = (uint32_t)philox_u64(seed, k, 0, STREAM_SOBOL_SEED);
        }
    }
    *out = d;
    return TW_OK;

fail_nomem:
    tw_design_free(d);
    return tw_error_set(err, TW_ENOMEM, "design: out of memory for %zu dimensions", dim);
}

size_t tw_design_dim(const tw_design *d)
{
    return d ? d->dim : 0;
}

/* (p + j) / n for stratum p and jitter j in (0,1), kept strictly inside
 * the stratum [p/n, (p+1)/n) and inside (0,1): for large n the sum p + j
 * rounds, and may land on the next stratum's edge. */
static double lhs_coord(uint64_t p, double j, uint64_t n)
{
    double dn = (double)n, dp = (double)p;
    double u = (dp + j) / dn;
    while (u * dn >= dp + 1.0 || u >= 1.0)
        u = nextafter(u, 0.0);
    while (u * dn < dp || u <= 0.0)
        u = nextafter(u, 1.0);
    return u;
}

void tw_design_point(const tw_design *d, uint64_t s, double *u)
{
    switch (d->kind) {
    case TW_DESIGN_MC:
        for (size_t k = 0; k < d->dim; k++)
            u[k] = tw_rng_u01(d->seed, s, (uint32_t)k, STREAM_MC);
        break;
    case TW_DESIGN_LHS:
        /* s >= n is outside the contract; wrapping keeps the coordinate in
         * (0,1) (and lhs_coord's loops short) instead of walking down from
         * u > 1 one ulp at a time */
        if (s >= d->n)
            s %= d->n;
        for (size_t k = 0; k < d->dim; k++) {
            uint64_t p = tw_design_permute(s, d->n, d->lhs_key[k]);
            double j = tw_rng_u01(d->seed, s, (uint32_t)k, STREAM_LHS_JITTER);
            u[k] = lhs_coord(p, j, d->n);
        }
        break;
    case TW_DESIGN_SOBOL:
        for (size_t k = 0; k < d->dim; k++) {
            uint32_t x = sobol_xor(d->sobol_v[k], (uint32_t)s);
            x = nested_uniform_scramble(x, d->sobol_seed[k]);
            u[k] = ((double)x + 0.5) * 0x1p-32;
        }
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* Test hooks (internal, declared in design.h)                              */

uint32_t tw__design_sobol_uint(size_t k, uint32_t s)
{
    uint32_t v[SOBOL_BITS];
    if (k >= SOBOL_TABLE_DIMS)
        return 0;
    sobol_directions(k, v);
    return sobol_xor(v, s);
}

unsigned tw__design_sobol_poly(size_t k, uint32_t *poly, uint32_t *m)
{
    if (k == 0 || k >= SOBOL_TABLE_DIMS)
        return 0;
    unsigned s = sobol_degree(k);
    *poly = tw__sobol_table[k - 1].poly;
    for (unsigned i = 0; i < s; i++)
        m[i] = tw__sobol_table[k - 1].m[i];
    return s;
}

uint32_t tw__design_sobol_scramble(uint32_t x, uint32_t seed)
{
    return nested_uniform_scramble(x, seed);
}
