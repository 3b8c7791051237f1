#include "h5util.h"

#include <hdf5_hl.h>
#include <stdlib.h>
#include <string.h>

void tw_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

hid_t tw_h5_fapl_mpio(MPI_Comm comm)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    H5Pset_all_coll_metadata_ops(fapl, 1);
    H5Pset_coll_metadata_write(fapl, 1);
    H5Pset_file_locking(fapl, 0, 1); /* see tw_h5_open */
    /* 1.10 format features are not needed; the oldest format keeps the
     * file readable by every h5py/netCDF in use */
    return fapl;
}

hid_t tw_h5_open(const char *path, unsigned flags)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    hid_t f = H5Fopen(path, flags, fapl);
    H5Pclose(fapl);
    return f;
}

/* The creation list of a contiguous dataset without a fill value of its
 * own, made once: the summary groups create ~2,600 such datasets, and a
 * property list's creation and closing cost a third as much as the dataset
 * itself (callgrind; rank 0's serial write, issue 12 item 3). Only the
 * thread that calls HDF5 uses it. */
static hid_t contiguous_dcpl(void)
{
    static hid_t dcpl = -1;
    if (dcpl < 0 || H5Iis_valid(dcpl) <= 0) {
        dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (dcpl >= 0 && H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0) {
            H5Pclose(dcpl);
            dcpl = -1;
        }
    }
    return dcpl;
}

static hid_t create_dataset(hid_t loc, const char *name, hid_t type, int rank,
                            const hsize_t *dims, const hsize_t *chunk, const void *fill,
                            H5D_fill_time_t when)
{
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    if (!chunk && !fill) {
        hid_t ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, contiguous_dcpl(),
                              H5P_DEFAULT);
        H5Sclose(space);
        return ds;
    }
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunk)
        H5Pset_chunk(dcpl, rank, chunk);
    if (fill) {
        H5Pset_fill_value(dcpl, type, fill);
        H5Pset_fill_time(dcpl, when);
    }
    /* Allocate every chunk now: after creation only raw data changes, so a
     * killed run leaves consistent metadata (parallel HDF5 requires early
     * allocation anyway). */
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    hid_t ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return ds;
}

hid_t tw_h5_create(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                   const hsize_t *chunk, const void *fill)
{
    return create_dataset(loc, name, type, rank, dims, chunk, fill, H5D_FILL_TIME_ALLOC);
}

hid_t tw_h5_create_unfilled(hid_t loc, const char *name, hid_t type, int rank,
                            const hsize_t *dims, const hsize_t *chunk, const void *fill)
{
    return create_dataset(loc, name, type, rank, dims, chunk, fill, H5D_FILL_TIME_NEVER);
}

int tw_h5_write_rows(hid_t ds, hid_t dxpl, hid_t memtype, int mine, uint64_t s0, uint64_t count,
                     size_t width, const void *buf)
{
    (void)width;
    hid_t fs = H5Dget_space(ds);
    hsize_t one = count ? count : 1;
    hid_t ms = H5Screate_simple(1, &one, NULL);
    if (mine && count) {
        hsize_t start = s0, cnt = count;
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL);
    } else {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    herr_t st = H5Dwrite(ds, memtype, ms, fs, dxpl, buf);
    H5Sclose(ms);
    H5Sclose(fs);
    return st < 0 ? -1 : 0;
}

int tw_h5_write_cols(hid_t ds, hid_t dxpl, int mine, uint64_t s0, size_t nrows, const double *buf,
                     size_t stride, size_t col, size_t ncols)
{
    hid_t fs = H5Dget_space(ds);
    hsize_t mdims[2] = {nrows ? nrows : 1, stride ? stride : 1};
    hid_t ms = H5Screate_simple(2, mdims, NULL);
    if (mine && nrows) {
        hsize_t fdims[8];
        int nd = H5Sget_simple_extent_dims(fs, fdims, NULL);
        hsize_t fstart[8] = {0}, fcount[8];
        fstart[0] = s0;
        fcount[0] = nrows;
        for (int d = 1; d < nd; d++)
            fcount[d] = fdims[d];
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, fstart, NULL, fcount, NULL);
        if (col == 0 && ncols == stride) {
            /* whole rows: a memory space of the file selection's own shape.
             * With shapes that differ (2-D memory, 1-D or 3-D file) HDF5 1.10
             * maps the selections element by element, building a span tree of
             * about 100 bytes per element: 100 MB for the 10^6-row fill slab
             * (issue 11, flat memory). The same shape takes its fast path. */
            H5Sclose(ms);
            ms = H5Screate_simple(nd, fcount, NULL);
        } else {
            hsize_t mstart[2] = {0, col}, mcount[2] = {nrows, ncols};
            H5Sselect_hyperslab(ms, H5S_SELECT_SET, mstart, NULL, mcount, NULL);
        }
    } else {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    herr_t st = H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, fs, dxpl, buf);
    H5Sclose(ms);
    H5Sclose(fs);
    return st < 0 ? -1 : 0;
}

hid_t tw_h5_write_full_typed(hid_t loc, const char *name, hid_t filetype, hid_t memtype, int rank,
                             const hsize_t *dims, const void *data, hid_t dxpl, int mine)
{
    hid_t ds = tw_h5_create(loc, name, filetype, rank, dims, NULL, NULL);
    if (ds < 0)
        return -1;
    hid_t fs = H5Dget_space(ds);
    hid_t ms = H5Scopy(fs);
    if (!mine) {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    herr_t st = H5Dwrite(ds, memtype, ms, fs, dxpl, data);
    H5Sclose(ms);
    H5Sclose(fs);
    if (st < 0) {
        H5Dclose(ds);
        return -1;
    }
    return ds;
}

int tw_h5_describe(hid_t ds, const char *units, const char *description, const char *name)
{
    int rc = tw_h5_attr_str(ds, "units", units ? units : "1");
    rc |= tw_h5_attr_str(ds, "description", description ? description : name);
    return rc ? -1 : 0;
}

hid_t tw_h5_write_dataset(hid_t loc, const char *name, hid_t filetype, hid_t memtype, int rank,
                          const hsize_t *dims, const void *data, hid_t dxpl, int mine,
                          const char *units, const char *description)
{
    hid_t ds = tw_h5_write_full_typed(loc, name, filetype, memtype, rank, dims, data, dxpl, mine);
    if (ds >= 0 && tw_h5_describe(ds, units, description, name) < 0) {
        H5Dclose(ds);
        return -1;
    }
    return ds;
}

hid_t tw_h5_write_labels(hid_t loc, const char *name, const char *const *labels, size_t n)
{
    /* Variable-length UTF-8: the string type every reader maps to text
     * (netCDF-C 4.9 crashes on fixed-length string variables, h5netcdf gives
     * bytes). Parallel HDF5 cannot write variable-length data, so this is
     * only ever called on a file opened serially (see output.c). */
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    hsize_t dn = n;
    /* The write converts the strings through HDF5's type-conversion buffer,
     * which it allocates zeroed at its default size of 1 MiB per call
     * (callgrind: ~1 M instructions of memset per label dataset); a few
     * dozen labels need a few KiB. */
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_buffer(dxpl, (n + 16) * 64, NULL, NULL);
    hid_t ds = tw_h5_write_full_typed(loc, name, st, st, 1, &dn, labels, dxpl, 1);
    H5Pclose(dxpl);
    H5Tclose(st);
    return ds;
}

int tw_h5_make_scale(hid_t ds, const char *name, const char *units, const char *description)
{
    int bad = tw_h5_describe(ds, units, description, name) < 0;
    bad |= H5DSset_scale(ds, name) < 0;
    return bad ? -1 : 0;
}

hid_t tw_h5_write_index_scale(hid_t loc, const char *name, uint64_t n, hid_t dxpl, int mine,
                              const char *description)
{
    hsize_t dn = n;
    hid_t ds = tw_h5_create(loc, name, H5T_STD_I64LE, 1, &dn, NULL, NULL);
    if (ds < 0)
        return -1;
    /* written in pieces so that no buffer scales with n */
    enum { PIECE = 65536 };
    int64_t *buf = malloc(PIECE * sizeof *buf);
    int bad = !buf;
    for (uint64_t s0 = 0; !bad && s0 < n; s0 += PIECE) {
        uint64_t cnt = n - s0 < PIECE ? n - s0 : PIECE;
        for (uint64_t i = 0; i < cnt; i++)
            buf[i] = (int64_t)(s0 + i);
        bad |= tw_h5_write_rows(ds, dxpl, H5T_NATIVE_INT64, mine, s0, cnt, 1, buf) < 0;
    }
    free(buf);
    bad |= tw_h5_make_scale(ds, name, "1", description) < 0;
    if (bad) {
        H5Dclose(ds);
        return -1;
    }
    return ds;
}

int tw_h5_attach(hid_t ds, hid_t loc, unsigned dim, const char *scale)
{
    hid_t sc = H5Dopen2(loc, scale, H5P_DEFAULT);
    int rc = sc < 0 || H5DSattach_scale(ds, sc, dim) < 0 || H5DSset_label(ds, dim, scale) < 0;
    if (sc >= 0)
        H5Dclose(sc);
    return rc ? -1 : 0;
}

/* Writes the n-element 1-D attribute name of type t from buf on obj, if ok
 * (the caller's preparation of t and buf succeeded); closes t (when >= 0)
 * either way. Returns 0 or -1 (also when !ok). */
static int write_attr_1d(hid_t obj, const char *name, hid_t t, int ok, hsize_t n,
                         const void *buf)
{
    hid_t sp = ok ? H5Screate_simple(1, &n, NULL) : -1;
    hid_t a = sp < 0 ? -1 : H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int bad = a < 0 || H5Awrite(a, t, buf) < 0;
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    return bad ? -1 : 0;
}

int tw_h5_dimension_list(hid_t ds, int nd, const hid_t *scales, hobj_ref_t *self)
{
    if (nd < 1 || nd > 32 || H5Rcreate(self, ds, ".", H5R_OBJECT, -1) < 0)
        return -1;
    hobj_ref_t refs[32];
    hvl_t vl[32];
    for (int d = 0; d < nd; d++) {
        if (scales[d] < 0 || H5Rcreate(&refs[d], scales[d], ".", H5R_OBJECT, -1) < 0)
            return -1;
        vl[d].len = 1;
        vl[d].p = &refs[d];
    }
    hid_t t = H5Tvlen_create(H5T_STD_REF_OBJ);
    return write_attr_1d(ds, "DIMENSION_LIST", t, t >= 0, (hsize_t)nd, vl);
}

/* H5DS's ds_list_t (H5DSprivate.h): the memory and file type of REFERENCE_LIST */
typedef struct ref_entry {
    hobj_ref_t ref;
    unsigned int dim_idx;
} ref_entry;

int tw_h5_reference_list(hid_t scale, size_t n, const hobj_ref_t *refs, const int *dims)
{
    if (n == 0)
        return 0;
    ref_entry *e = malloc(n * sizeof *e);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ref_entry));
    int bad = !e || t < 0 ||
              H5Tinsert(t, "dataset", HOFFSET(ref_entry, ref), H5T_STD_REF_OBJ) < 0 ||
              H5Tinsert(t, "dimension", HOFFSET(ref_entry, dim_idx), H5T_NATIVE_INT) < 0;
    for (size_t i = 0; !bad && i < n; i++) {
        memset(&e[i], 0, sizeof e[i]); /* no stray padding bytes in the file */
        e[i].ref = refs[i];
        e[i].dim_idx = (unsigned)dims[i];
    }
    int rc = write_attr_1d(scale, "REFERENCE_LIST", t, !bad, (hsize_t)n, e);
    free(e);
    return rc;
}

int tw_h5_set_labels(hid_t ds, const char *const *labels, int nd)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    int ok = t >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0;
    return write_attr_1d(ds, "DIMENSION_LABELS", t, ok, (hsize_t)nd, labels);
}

typedef struct attached_scale {
    char *name;
    hid_t sc;
    size_t n, cap; /* entries of its REFERENCE_LIST */
    hobj_ref_t *ref;
    int *dim;
} attached_scale;

struct tw_h5_attacher {
    hid_t g;
    size_t n, cap;
    attached_scale *s;
    int bad;
};

tw_h5_attacher *tw_h5_attacher_new(hid_t g)
{
    tw_h5_attacher *a = calloc(1, sizeof *a);
    if (a)
        a->g = g;
    return a;
}

static attached_scale *attacher_scale(tw_h5_attacher *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->s[i].name, name))
            return &a->s[i];
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 8;
        attached_scale *s = realloc(a->s, cap * sizeof *s);
        if (!s)
            return NULL;
        a->s = s;
        a->cap = cap;
    }
    attached_scale *x = &a->s[a->n];
    memset(x, 0, sizeof *x);
    x->sc = H5Dopen2(a->g, name, H5P_DEFAULT);
    x->name = strdup(name);
    if (x->sc < 0 || !x->name) {
        if (x->sc >= 0)
            H5Dclose(x->sc);
        free(x->name);
        return NULL;
    }
    a->n++;
    return x;
}

int tw_h5_attacher_add(tw_h5_attacher *a, hid_t ds, int nd, const char *const *names)
{
    if (!a || a->bad || nd < 1 || nd > 32)
        return a ? (a->bad = -1) : -1;
    attached_scale *x[32];
    hid_t sc[32];
    for (int d = 0; d < nd; d++) {
        if (!(x[d] = attacher_scale(a, names[d])))
            return a->bad = -1;
        sc[d] = x[d]->sc;
    }
    hobj_ref_t self;
    if (tw_h5_dimension_list(ds, nd, sc, &self) < 0 || tw_h5_set_labels(ds, names, nd) < 0)
        return a->bad = -1;
    for (int d = 0; d < nd; d++) {
        attached_scale *s = x[d];
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            hobj_ref_t *r = realloc(s->ref, cap * sizeof *r);
            if (r)
                s->ref = r;
            int *di = r ? realloc(s->dim, cap * sizeof *di) : NULL;
            if (!r || !di)
                return a->bad = -1;
            s->dim = di;
            s->cap = cap;
        }
        s->ref[s->n] = self;
        s->dim[s->n++] = d;
    }
    return 0;
}

int tw_h5_attacher_finish(tw_h5_attacher *a)
{
    if (!a)
        return 0;
    int bad = a->bad;
    for (size_t i = 0; i < a->n; i++) {
        attached_scale *s = &a->s[i];
        if (!bad)
            bad |= tw_h5_reference_list(s->sc, s->n, s->ref, s->dim) < 0;
        H5Dclose(s->sc);
        free(s->name);
        free(s->ref);
        free(s->dim);
    }
    free(a->s);
    free(a);
    return bad ? -1 : 0;
}

int tw_h5_read_labels(hid_t sc, char ***labels, size_t *n)
{
    *labels = NULL;
    *n = 0;
    hid_t t = H5Dget_type(sc), sp = H5Dget_space(sc);
    hsize_t dn = 0;
    int rc = -1;
    if (t < 0 || sp < 0 || H5Tget_class(t) != H5T_STRING || H5Sget_simple_extent_ndims(sp) != 1)
        goto done;
    H5Sget_simple_extent_dims(sp, &dn, NULL);
    char **out = calloc(dn ? dn : 1, sizeof *out);
    if (!out)
        goto done;
    if (H5Tis_variable_str(t)) { /* format 1.1 */
        char **v = calloc(dn ? dn : 1, sizeof *v);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (v && H5Dread(sc, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) {
            rc = 0;
            for (hsize_t i = 0; i < dn; i++)
                rc |= !(out[i] = strdup(v[i] ? v[i] : "")) ? -1 : 0;
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
        }
        free(v);
        H5Tclose(mt);
    } else { /* format 1.0: fixed-length, NUL-terminated */
        size_t w = H5Tget_size(t);
        char *buf = calloc(dn * w + 1, 1);
        if (buf && H5Dread(sc, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) {
            rc = 0;
            for (hsize_t i = 0; i < dn; i++)
                rc |= !(out[i] = strndup(buf + i * w, w)) ? -1 : 0;
        }
        free(buf);
    }
    if (rc) {
        for (hsize_t i = 0; i < dn; i++)
            free(out[i]);
        free(out);
    } else {
        *labels = out;
        *n = (size_t)dn;
    }
done:
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

void tw_h5_free_labels(char **labels, size_t n)
{
    for (size_t i = 0; labels && i < n; i++)
        free(labels[i]);
    free(labels);
}

static int attr_write(hid_t obj, const char *name, hid_t type, hid_t space, const void *v)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t st = H5Awrite(a, type, v);
    H5Aclose(a);
    return st < 0 ? -1 : 0;
}

int tw_h5_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    size_t len = strlen(value);
    H5Tset_size(t, len ? len : 1);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    hid_t sp = H5Screate(H5S_SCALAR);
    int rc = attr_write(obj, name, t, sp, len ? value : " ");
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

static int attr_num(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    int rc;
    if (H5Aexists(obj, name) > 0) {
        /* overwrite in place: keeps the object header size unchanged */
        hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
        rc = H5Awrite(a, mtype, v) < 0 ? -1 : 0;
        H5Aclose(a);
    } else {
        hid_t a = H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
        rc = a < 0 || H5Awrite(a, mtype, v) < 0 ? -1 : 0;
        if (a >= 0)
            H5Aclose(a);
    }
    H5Sclose(sp);
    return rc;
}

int tw_h5_attr_u64(hid_t obj, const char *name, uint64_t value)
{
    return attr_num(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value);
}

int tw_h5_attr_i64(hid_t obj, const char *name, int64_t value)
{
    return attr_num(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

int tw_h5_attr_f64(hid_t obj, const char *name, double value)
{
    return attr_num(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

char *tw_h5_read_attr_strdup(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return NULL;
    hid_t ft = H5Aget_type(a);
    char *out = NULL;
    if (H5Tget_class(ft) == H5T_STRING && !H5Tis_variable_str(ft)) {
        size_t n = H5Tget_size(ft);
        out = calloc(n + 1, 1);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, n);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        if (out && H5Aread(a, mt, out) < 0) {
            free(out);
            out = NULL;
        }
        H5Tclose(mt);
    } else if (H5Tget_class(ft) == H5T_STRING) {
        char *v = NULL;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Aread(a, mt, &v) >= 0 && v) {
            out = strdup(v);
            H5free_memory(v);
        }
        H5Tclose(mt);
    }
    H5Tclose(ft);
    H5Aclose(a);
    return out;
}

int tw_h5_read_attr_str(hid_t obj, const char *name, char *buf, size_t size)
{
    char *s = tw_h5_read_attr_strdup(obj, name);
    if (!s)
        return -1;
    size_t n = strcmp(s, " ") == 0 ? 0 : strlen(s); /* " " stands for an empty string */
    if (n >= size)
        n = size - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    free(s);
    return 0;
}

static int attr_read_num(hid_t obj, const char *name, hid_t mtype, void *v)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t st = H5Aread(a, mtype, v);
    H5Aclose(a);
    return st < 0 ? -1 : 0;
}

int tw_h5_read_attr_u64(hid_t obj, const char *name, uint64_t *value)
{
    return attr_read_num(obj, name, H5T_NATIVE_UINT64, value);
}

int tw_h5_read_attr_i64(hid_t obj, const char *name, int64_t *value)
{
    return attr_read_num(obj, name, H5T_NATIVE_INT64, value);
}

int tw_h5_read_attr_f64(hid_t obj, const char *name, double *value)
{
    return attr_read_num(obj, name, H5T_NATIVE_DOUBLE, value);
}

/* Read in slabs of whole rows (~32 MiB), so that a chunk is read once. */
int tw_h5_read_columns(hid_t ds, uint64_t n, size_t elems, const size_t *cols, size_t nc,
                        double *buf)
{
    size_t slab = (32u << 20) / (elems * sizeof(double));
    if (slab < 1)
        slab = 1;
    if (slab > n)
        slab = (size_t)n;
    double *rows = malloc((slab ? slab : 1) * elems * sizeof *rows);
    if (!rows)
        return -1;
    hid_t fs = H5Dget_space(ds);
    int rc = 0;
    for (uint64_t s0 = 0; !rc && s0 < n; s0 += slab) {
        size_t cnt = (size_t)(n - s0 < slab ? n - s0 : slab);
        hsize_t start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
        H5Sget_simple_extent_dims(fs, count, NULL);
        start[0] = s0;
        count[0] = cnt;
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        hsize_t mdim = (hsize_t)cnt * elems;
        hid_t ms = H5Screate_simple(1, &mdim, NULL);
        rc = H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, rows) < 0 ? -1 : 0;
        H5Sclose(ms);
        for (size_t c = 0; !rc && c < nc; c++)
            for (size_t r = 0; r < cnt; r++)
                buf[c * n + s0 + r] = rows[r * elems + cols[c]];
    }
    H5Sclose(fs);
    free(rows);
    return rc;
}
