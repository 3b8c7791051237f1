#include "tradewar/model.h"
#include <string.h>

size_t tw_outcome_size(const tw_model_schema *s, size_t k)
{
    size_t n = 1;
    const tw_outcome_info *o = &s->outcomes[k];
    for (int d = 0; d < o->ndims; d++)
        n *= s->dims[o->dims[d]].size;
    return n;
}

size_t tw_outcome_row_size(const tw_model_schema *s)
{
    size_t n = 0;
    for (size_t k = 0; k < s->n_outcomes; k++)
        n += tw_outcome_size(s, k);
    return n;
}

extern const tw_model_type tw_model_ishigami;
extern const tw_model_type tw_model_sobol_g;
extern const tw_model_type tw_model_tradewar;

static const tw_model_type *const registry[] = {
    &tw_model_tradewar,
    &tw_model_ishigami,
    &tw_model_sobol_g,
    NULL,
};

const tw_model_type *const *tw_model_list(void) { return registry; }

const tw_model_type *tw_model_find(const char *name)
{
    for (const tw_model_type *const *m = registry; *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    return NULL;
}
