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

FILE *sim_tmpfile(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
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
    s->buf = malloc(s->cap * rec);
    return s->buf ? 0 : -1;
}

/* The buffer, sorted, as a run at the file's end. */
static int flush_run(sim_sorter *s)
{
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
    memcpy(s->buf + s->n * s->rec, rec, s->rec);
    s->n++;
    s->total++;
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

int sim_sorter_sort(sim_sorter *s)
{
    s->reading = true;
    s->pos = 0;
    if (!s->f) {
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
    for (size_t i = 0; i < s->nruns; i++) {
        sim_run *r = &s->runs[i];
        if (!(r->win = malloc(wcap * s->rec)) || fill(s, r, wcap) != 0)
            return -1;
    }
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
    /* the least head (few runs: a scan) */
    sim_run *best = NULL;
    for (size_t i = 0; i < s->nruns; i++) {
        sim_run *r = &s->runs[i];
        if (r->wpos == r->wn)
            continue;
        if (!best || s->cmp(r->win + r->wpos * s->rec,
                            best->win + best->wpos * s->rec) < 0)
            best = r;
    }
    if (!best)
        return 0;
    memcpy(rec, best->win + best->wpos++ * s->rec, s->rec);
    if (best->wpos == best->wn && best->left && fill(s, best, s->cap) != 0)
        return -1;
    return 1;
}

void sim_sorter_free(sim_sorter *s)
{
    for (size_t i = 0; i < s->nruns; i++)
        free(s->runs[i].win);
    free(s->runs);
    free(s->buf);
    if (s->f)
        fclose(s->f);
    memset(s, 0, sizeof *s);
}

/* ---- a store of text ---------------------------------------------------- */

int sim_store_init(sim_store *st, size_t budget)
{
    memset(st, 0, sizeof *st);
    st->budget = budget < SIM_SPILL_MIN ? SIM_SPILL_MIN : budget;
    st->f = open_memstream(&st->mem, &st->mem_len);
    return st->f ? 0 : -1;
}

uint64_t sim_store_tell(sim_store *st)
{
    off_t at = ftello(st->f);
    return at > 0 ? (uint64_t)at : 0;
}

int sim_store_check(sim_store *st)
{
    if (st->spilled || sim_store_tell(st) <= st->budget)
        return 0;
    if (fflush(st->f) != 0)
        return -1;
    FILE *tf = sim_tmpfile();
    if (!tf)
        return -1;
    if (st->mem_len && fwrite(st->mem, 1, st->mem_len, tf) != st->mem_len) {
        fclose(tf);
        if (!errno)
            errno = EIO;
        return -1;
    }
    fclose(st->f);
    free(st->mem);
    st->mem = NULL;
    st->mem_len = 0;
    st->f = tf;
    st->spilled = true;
    return 0;
}

const char *sim_store_get(sim_store *st, uint64_t at, size_t len)
{
    if (fflush(st->f) != 0)
        return NULL;
    if (!st->spilled) {
        if (at + len > st->mem_len) {
            errno = EINVAL;
            return NULL;
        }
        return st->mem + at;
    }
    if (len + 1 > st->scratch_cap) {
        size_t cap = len + 1 > 4096 ? len + 1 : 4096;
        char *p = realloc(st->scratch, cap);
        if (!p)
            return NULL;
        st->scratch = p;
        st->scratch_cap = cap;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t k = pread(fileno(st->f), st->scratch + got, len - got,
                          (off_t)(at + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO;
            return NULL;
        }
        got += (size_t)k;
    }
    return st->scratch;
}

void sim_store_free(sim_store *st)
{
    if (st->f)
        fclose(st->f);
    free(st->mem);
    free(st->scratch);
    memset(st, 0, sizeof *st);
}
