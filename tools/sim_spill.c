/*
 * Bounded memory for the simulator: sim_spill.h.
 *
 * The sorter fills a buffer, sorts it and, when full, appends it to a
 * temporary file as a sorted run; reading merges the runs (and what the
 * buffer holds), each through a window of its own, taking the least head
 * each time. Records must be totally ordered by cmp: qsort is not stable.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sim_spill.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

struct sim_run {
    uint64_t at, left;    /* records: the next one's index in the file and
                             how many remain */
    unsigned char *win;   /* a window of the run */
    size_t wn, wpos;      /* records in the window, the next one */
};

uint64_t sim_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h ^ (h >> 29); /* the low bits, which tables index by, mixed */
}

const char *sim_tmpdir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

FILE *sim_tmpfile(void)
{
    const char *dir = sim_tmpdir();
    size_t len = strlen(dir);
    char *path = malloc(len + 32);
    if (!path)
        return NULL;
    memcpy(path, dir, len);
    memcpy(path + len, "/gpusched-sim-XXXXXX", 21);
    int fd = mkstemp(path);
    int err = errno;
    if (fd >= 0) {
        unlink(path); /* gone when closed, however the run ends */
    }
    free(path);
    if (fd < 0) {
        errno = err;
        return NULL;
    }
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        err = errno;
        close(fd);
        errno = err;
    }
    return f;
}

int sim_sorter_init(sim_sorter *s, size_t rec, sim_cmp_fn cmp, size_t budget)
{
    memset(s, 0, sizeof *s);
    if (budget < SIM_SPILL_MIN)
        budget = SIM_SPILL_MIN;
    s->rec = rec;
    s->cmp = cmp;
    s->budget = budget;
    s->cap = budget / 2 / rec; /* the other half: the merge's windows */
    if (s->cap < 2)
        s->cap = 2;
    return 0;
}

/* Room for one more record in the buffer: it grows as records come, up
 * to cap (a large budget is not taken before it is needed). 0 or -1. */
static int buf_room(sim_sorter *s)
{
    if (s->n < s->buf_cap)
        return 0;
    size_t cap = s->buf_cap ? s->buf_cap * 2 : 256;
    if (cap > s->cap)
        cap = s->cap;
    unsigned char *b = realloc(s->buf, cap * s->rec);
    if (!b)
        return -1;
    s->buf = b;
    s->buf_cap = cap;
    return 0;
}

/* The buffer, sorted, as a run at the file's end. */
static int flush_run(sim_sorter *s)
{
    if (s->n)
        qsort(s->buf, s->n, s->rec, s->cmp);
    if (!s->f && !(s->f = sim_tmpfile()))
        return -1;
    if (s->nruns == s->runs_cap) {
        size_t cap = s->runs_cap ? s->runs_cap * 2 : 16;
        sim_run *r = realloc(s->runs, cap * sizeof *r);
        if (!r)
            return -1;
        s->runs = r;
        s->runs_cap = cap;
    }
    uint64_t at = s->nruns ? s->runs[s->nruns - 1].at +
                                 s->runs[s->nruns - 1].left
                           : 0;
    s->runs[s->nruns++] = (sim_run){.at = at, .left = s->n};
    if (s->n && fwrite(s->buf, s->rec, s->n, s->f) != s->n) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    s->n = 0;
    return 0;
}

int sim_sorter_add(sim_sorter *s, const void *rec)
{
    if (s->n == s->cap && flush_run(s) != 0)
        return -1;
    if (buf_room(s) != 0)
        return -1;
    memcpy(s->buf + s->n * s->rec, rec, s->rec);
    s->n++;
    return 0;
}

/* Read the next window of run r. 0 or -1. */
static int fill(sim_sorter *s, sim_run *r, size_t wcap)
{
    size_t want = r->left < wcap ? (size_t)r->left : wcap;
    size_t bytes = want * s->rec, got = 0;
    off_t off = (off_t)(r->at * s->rec);
    while (got < bytes) {
        ssize_t k = pread(fileno(s->f), r->win + got, bytes - got,
                          off + (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO; /* the file is shorter than written */
            return -1;
        }
        got += (size_t)k;
    }
    r->wn = want;
    r->wpos = 0;
    r->at += want;
    r->left -= want;
    return 0;
}

/* The head record of the run at heap place i. */
static const unsigned char *head(const sim_sorter *s, size_t i)
{
    const sim_run *r = &s->runs[s->heap[i]];
    return r->win + r->wpos * s->rec;
}

/* The run at heap place i down to where its head belongs. */
static void sift_down(sim_sorter *s, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->nheap)
            return;
        if (c + 1 < s->nheap && s->cmp(head(s, c + 1), head(s, c)) < 0)
            c++;
        if (s->cmp(head(s, c), head(s, i)) >= 0)
            return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[c];
        s->heap[c] = t;
        i = c;
    }
}

int sim_sorter_sort(sim_sorter *s)
{
    s->pos = 0;
    if (!s->f) {
        if (s->n)
            qsort(s->buf, s->n, s->rec, s->cmp);
        return 0;
    }
    if (flush_run(s) != 0 || fflush(s->f) != 0)
        return -1;
    /* every run gets a window out of the budget; the buffer goes */
    free(s->buf);
    s->buf = NULL;
    size_t wcap = s->budget / (s->nruns + 1) / s->rec;
    if (wcap < 1)
        wcap = 1;
    if (!(s->heap = malloc(s->nruns * sizeof *s->heap)))
        return -1;
    for (size_t i = 0; i < s->nruns; i++) {
        sim_run *r = &s->runs[i];
        if (!(r->win = malloc(wcap * s->rec)) || fill(s, r, wcap) != 0)
            return -1;
        if (r->wn)
            s->heap[s->nheap++] = i;
    }
    for (size_t i = s->nheap / 2; i-- > 0;)
        sift_down(s, i);
    s->cap = wcap; /* from now on: the windows' size */
    return 0;
}

int sim_sorter_next(sim_sorter *s, void *rec)
{
    if (!s->f) {
        if (s->pos >= s->n)
            return 0;
        memcpy(rec, s->buf + s->pos++ * s->rec, s->rec);
        return 1;
    }
    /* the least head: the heap's top */
    if (!s->nheap)
        return 0;
    sim_run *best = &s->runs[s->heap[0]];
    memcpy(rec, best->win + best->wpos++ * s->rec, s->rec);
    if (best->wpos == best->wn) {
        if (best->left) {
            if (fill(s, best, s->cap) != 0)
                return -1;
        } else {
            s->heap[0] = s->heap[--s->nheap]; /* the run is done */
        }
    }
    sift_down(s, 0);
    return 1;
}

void sim_sorter_free(sim_sorter *s)
{
    for (size_t i = 0; i < s->nruns; i++)
        free(s->runs[i].win);
    free(s->runs);
    free(s->heap);
    free(s->buf);
    if (s->f)
        fclose(s->f);
    memset(s, 0, sizeof *s);
}

/* ---- a store of text ---------------------------------------------------- */

/* What a read of the spilled file takes at least. */
#define STORE_WINDOW ((size_t)64 << 10)

void sim_store_init(sim_store *st, size_t budget)
{
    memset(st, 0, sizeof *st);
    st->budget = budget < SIM_SPILL_MIN ? SIM_SPILL_MIN : budget;
}

int sim_store_add(sim_store *st, const char *p, size_t len, uint64_t *at)
{
    *at = st->size;
    if (!len)
        return 0;
    if (!st->f && st->len + len > st->budget) {
        /* over the budget: what memory holds moves to a file */
        if (!(st->f = sim_tmpfile()))
            return -1;
        if (st->len && fwrite(st->mem, 1, st->len, st->f) != st->len)
            goto io;
        free(st->mem);
        st->mem = NULL;
        st->len = st->cap = 0;
    }
    if (st->f) {
        if (len && fwrite(p, 1, len, st->f) != len)
            goto io;
    } else {
        if (st->len + len > st->cap) {
            size_t cap = st->cap ? st->cap : 4096;
            while (cap < st->len + len)
                cap *= 2;
            char *m = realloc(st->mem, cap);
            if (!m)
                return -1;
            st->mem = m;
            st->cap = cap;
        }
        memcpy(st->mem + st->len, p, len);
        st->len += len;
    }
    st->size += len;
    return 0;
io:
    if (!errno)
        errno = EIO;
    return -1;
}

const char *sim_store_get(sim_store *st, uint64_t at, size_t len)
{
    if (at > st->size || len > st->size - at) {
        errno = EINVAL;
        return NULL;
    }
    if (!len)
        return "";
    if (!st->f)
        return st->mem + at;
    if (at >= st->win_at && at + len <= st->win_at + st->win_len)
        return st->win + (at - st->win_at);
    if (fflush(st->f) != 0)
        return NULL;
    size_t want = len > STORE_WINDOW ? len : STORE_WINDOW;
    if (want > st->size - at)
        want = (size_t)(st->size - at);
    if (want > st->win_cap) {
        char *w = realloc(st->win, want);
        if (!w)
            return NULL;
        st->win = w;
        st->win_cap = want;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t k = pread(fileno(st->f), st->win + got, want - got,
                          (off_t)(at + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO;
            st->win_len = 0;
            return NULL;
        }
        got += (size_t)k;
    }
    st->win_at = at;
    st->win_len = want;
    return st->win;
}

void sim_store_free(sim_store *st)
{
    if (st->f)
        fclose(st->f);
    free(st->mem);
    free(st->win);
    memset(st, 0, sizeof *st);
}
