/*
 * Shared GPUs in snapshots and journals (state format 4): running shared
 * jobs, the host's and the learned job mix survive a save and restore
 * byte for byte and a journal replay call for call; the restored
 * scheduler decides as the saved one would have; format 3 snapshots and
 * journals still read; damaged shares and mixes are refused with a
 * message saying what is wrong.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "test_support.h"
#include "membuf.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The library's CRC-32C (lib/common/codec.c): damaged files are made
 * whole again below, so that the readers' checks behind the checksum
 * are what refuses them. */
uint32_t gs_crc32c(uint32_t crc, const void *p, size_t n);

#define GIB (1024ull * 1024 * 1024)
#define NODES 3u
#define GPUS 4u
#define SEC_FRAG 14u    /* docs/formats.md: the job mix section */
#define SEC_MIG 15u     /* docs/formats.md: the MIG mix section */
#define JR_SUBMIT 1u    /* docs/formats.md: a journal's submit record */
#define MAX_ID 200u     /* above the ids the rounds below submit */

/* NODES nodes of GPUS GPUs (16 GiB each, PCIe), 32 CPUs and 64 GiB. */
static gs_topo *cluster(void)
{
    char json[2048], row[256];
    int at = snprintf(json, sizeof json,
                      "{\"nodes\": [{\"name\": \"n[0-%u]\", \"numa\": "
                      "[{\"cpus\": \"0-31\", \"memory\": \"64GiB\"}], "
                      "\"gpus\": {\"count\": %u, \"model\": \"T4\", "
                      "\"memory\": \"16GiB\", \"numa\": 0}, \"matrix\": [",
                      NODES - 1, GPUS);
    for (uint32_t i = 0; i < GPUS; i++) {
        int r = 0;
        for (uint32_t k = 0; k < GPUS; k++)
            r += snprintf(row + r, sizeof row - (size_t)r, "%s%s",
                          k ? " " : "", i == k ? "X" : "PHB");
        at += snprintf(json + at, sizeof json - (size_t)at, "%s\"%s\"",
                       i ? ", " : "", row);
    }
    snprintf(json + at, sizeof json - (size_t)at, "]}]}");
    return test_topo_json(json);
}

static gs_sched_config config(void)
{
    gs_sched_config c = GS_SCHED_CONFIG_INIT;
    c.placement = "frag-aware";
    c.ordering = GS_ORDER_FIFO;
    return c;
}

static gs_sched *make(const gs_topo *t)
{
    gs_sched_config c = config();
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, &c) != GS_OK)
        fail_msg("create: %s", gs_sched_errmsg(s));
    return s;
}

static membuf snap(gs_sched *s)
{
    membuf m = {0};
    if (gs_sched_save(s, membuf_write, &m) != GS_OK)
        fail_msg("save: %s", gs_sched_errmsg(s));
    return m;
}

static void same_bytes(const membuf *x, const membuf *y, const char *after)
{
    if (x->n == y->n && memcmp(x->p, y->p, x->n) == 0)
        return;
    size_t i = 0;
    while (i < x->n && i < y->n && x->p[i] == y->p[i])
        i++;
    fail_msg("after %s: snapshots differ at byte %zu (%zu vs %zu bytes)",
             after, i, x->n, y->n);
}

static void same_state(gs_sched *a, gs_sched *b, const char *after)
{
    membuf x = snap(a), y = snap(b);
    same_bytes(&x, &y, after);
    free(x.p);
    free(y.p);
}

static gs_sched *restore(const membuf *m, const gs_topo *t)
{
    gs_sched *r = NULL;
    gs_status st = gs_sched_restore_buffer(&r, t, NULL, m->p, m->n);
    if (st != GS_OK)
        fail_msg("restore: %s", gs_sched_errmsg(r));
    if (gs_sched_check(r) != GS_OK)
        fail_msg("check after restore: %s", gs_sched_errmsg(r));
    return r;
}

/* A snapshot restored saves to the same bytes; the restore is returned. */
static gs_sched *round_trip(gs_sched *s, const gs_topo *t, const char *what)
{
    membuf m = snap(s);
    gs_sched *r = restore(&m, t);
    membuf m2 = snap(r);
    same_bytes(&m, &m2, what);
    free(m.p);
    free(m2.p);
    return r;
}

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void submit(gs_sched *s, uint32_t gpus, uint32_t milli, uint64_t mem,
                   int64_t now)
{
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = gpus;
    spec.gpu_milli = milli;
    spec.gpu_mem = mem;
    spec.cpus_per_gpu = 2;
    spec.mem_per_gpu = 2 * GIB;
    spec.time_limit = 3600;
    spec.submit_time = now;
    if (gs_sched_submit(s, &spec, NULL) != GS_OK)
        fail_msg("submit: %s", gs_sched_errmsg(s));
}

/* One round of calls, the same for every scheduler given the same round:
 * new jobs (shared at 300 or 500 milli with device memory, and whole),
 * some running jobs end, a step, the events taken. */
static void calls(gs_sched *s, uint32_t round, int64_t now, bool whole_only)
{
    uint64_t x = 0x9e3779b97f4a7c15ull ^ ((uint64_t)round * 0x100000001b3ull);
    for (int k = 0; k < 4; k++) {
        uint64_t v = rng_next(&x);
        uint32_t kind = whole_only ? 3 + (uint32_t)(v % 2) : (uint32_t)(v % 5);
        switch (kind) {
        case 0: submit(s, 1, 300, 4 * GIB, now); break;
        case 1: submit(s, 2, 300, 2 * GIB, now); break;
        case 2: submit(s, 1, 500, 0, now); break;
        case 3: submit(s, 1, 0, 0, now); break;
        default: submit(s, 2, 0, 0, now); break;
        }
    }
    for (uint64_t id = 1; id <= MAX_ID; id++) {
        gs_job_info ji = GS_JOB_INFO_INIT;
        if (gs_sched_job_info(s, id, &ji) == GS_OK &&
            ji.state == GS_JOB_RUNNING && (id * 7 + round) % 4 == 0)
            assert_int_equal(gs_sched_complete(s, id, now), GS_OK);
    }
    if (gs_sched_step(s, now, NULL) != GS_OK)
        fail_msg("step: %s", gs_sched_errmsg(s));
    assert_int_equal(gs_sched_events_consume(s, gs_sched_event_count(s)),
                     GS_OK);
}

/* The two schedulers placed every job alike. */
static void same_decisions(const gs_sched *a, const gs_sched *b)
{
    assert_int_equal(gs_sched_job_count(b), gs_sched_job_count(a));
    for (uint64_t id = 1; id <= MAX_ID; id++) {
        gs_job_info x = GS_JOB_INFO_INIT, y = GS_JOB_INFO_INIT;
        gs_status sx = gs_sched_job_info(a, id, &x);
        assert_int_equal(gs_sched_job_info(b, id, &y), sx);
        if (sx != GS_OK)
            continue;
        assert_int_equal(x.state, y.state);
        assert_int_equal(x.gpu_milli, y.gpu_milli);
        assert_int_equal(x.gpu_mem, y.gpu_mem);
        if (x.state != GS_JOB_RUNNING)
            continue;
        gs_alloc_node na = GS_ALLOC_NODE_INIT, nb = GS_ALLOC_NODE_INIT;
        assert_int_equal(gs_sched_alloc_node(a, id, 0, &na), GS_OK);
        assert_int_equal(gs_sched_alloc_node(b, id, 0, &nb), GS_OK);
        assert_int_equal(na.node, nb.node);
        assert_int_equal(na.cpus, nb.cpus);
        uint32_t ga[8], gb[8];
        size_t ka = 0, kb = 0;
        assert_int_equal(gs_sched_alloc_gpus(a, id, 0, ga, 8, &ka), GS_OK);
        assert_int_equal(gs_sched_alloc_gpus(b, id, 0, gb, 8, &kb), GS_OK);
        assert_int_equal(ka, kb);
        assert_memory_equal(ga, gb, ka * sizeof *ga);
    }
}

/* The GPUs' shares, the mix and the measure agree. */
static void same_shares(const gs_sched *a, const gs_sched *b)
{
    for (uint32_t g = 0; g < NODES * GPUS; g++) {
        uint32_t ma, mb, ja, jb;
        uint64_t ea, eb;
        assert_int_equal(gs_sched_gpu_share(a, g, &ma, &ea, &ja), GS_OK);
        assert_int_equal(gs_sched_gpu_share(b, g, &mb, &eb, &jb), GS_OK);
        assert_int_equal(ma, mb);
        assert_int_equal(ea, eb);
        assert_int_equal(ja, jb);
    }
    gs_frag_class ca[GS_MAX_FRAG_CLASSES], cb[GS_MAX_FRAG_CLASSES];
    size_t na = gs_sched_frag_classes(a, ca, GS_MAX_FRAG_CLASSES);
    assert_int_equal(gs_sched_frag_classes(b, cb, GS_MAX_FRAG_CLASSES), na);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(ca[i].gpus, cb[i].gpus);
        assert_int_equal(ca[i].gpu_milli, cb[i].gpu_milli);
        assert_int_equal(ca[i].cpus, cb[i].cpus);
        assert_int_equal(ca[i].mem, cb[i].mem);
        assert_memory_equal(&ca[i].weight, &cb[i].weight, sizeof(double));
    }
    double fa = -1, fb = -2;
    assert_int_equal(gs_sched_fragmentation(a, &fa), GS_OK);
    assert_int_equal(gs_sched_fragmentation(b, &fb), GS_OK);
    assert_memory_equal(&fa, &fb, sizeof fa);
}

/* GPUs that more than one shared job uses. */
static uint32_t crowded_gpus(const gs_sched *s)
{
    uint32_t n = 0;
    for (uint32_t g = 0; g < NODES * GPUS; g++) {
        uint32_t jobs = 0, milli = 0;
        assert_int_equal(gs_sched_gpu_share(s, g, &milli, NULL, &jobs),
                         GS_OK);
        n += jobs > 1 && milli < 1000;
    }
    return n;
}

static const gs_frag_class host_mix[3] = {
    {1, 300, 2, 4 * GIB, 3.0},
    {2, 1000, 4, 0, 1.0},
    {1, 500, 0, 0, 2.0},
};

/* Both schedulers run the same rounds and stay alike. */
static void run_both(gs_sched *a, gs_sched *b, uint32_t from, uint32_t to,
                     const char *what)
{
    for (uint32_t r = from; r < to; r++) {
        calls(a, r, 100 * r, false);
        calls(b, r, 100 * r, false);
        same_decisions(a, b);
        same_state(a, b, what);
    }
    assert_int_equal(gs_sched_check(a), GS_OK);
    assert_int_equal(gs_sched_check(b), GS_OK);
}

/* Save, restore, save: the same bytes, with running shared jobs under a
 * learned mix, a host mix and a mix learned again; the restore decides as
 * the original does. */
static void round_trip_and_decisions(void **state)
{
    (void)state;
    gs_topo *t = cluster();
    gs_sched *a = make(t);
    for (uint32_t r = 1; r < 7; r++)
        calls(a, r, 100 * r, false);
    assert_true(crowded_gpus(a) > 0);
    assert_true(gs_sched_frag_classes(a, NULL, 0) > 0); /* learned */

    gs_sched *b = round_trip(a, t, "restore (learned mix)");
    same_shares(a, b);
    same_decisions(a, b);
    run_both(a, b, 7, 15, "rounds after a restore (learned mix)");
    assert_true(crowded_gpus(a) > 0);
    gs_sched_destroy(b);

    /* the host's mix: the learned counts stay beside it */
    assert_int_equal(gs_sched_set_frag_classes(a, host_mix, 3), GS_OK);
    b = round_trip(a, t, "restore (host mix)");
    same_shares(a, b);
    gs_frag_class back[4];
    assert_int_equal(gs_sched_frag_classes(b, back, 4), 3);
    assert_int_equal(back[0].gpus, 1);
    assert_int_equal(back[0].gpu_milli, 300);
    assert_true(fabs(back[0].weight - 0.5) < 1e-12);
    run_both(a, b, 15, 22, "rounds after a restore (host mix)");
    gs_sched_destroy(b);

    /* learning again, from the counts kept */
    assert_int_equal(gs_sched_set_frag_classes(a, NULL, 0), GS_OK);
    b = round_trip(a, t, "restore (learning again)");
    same_shares(a, b);
    run_both(a, b, 22, 30, "rounds after a restore (learning again)");
    /* everything ends: the shares go with the jobs on both */
    for (uint64_t id = 1; id <= MAX_ID; id++) {
        gs_job_info ji = GS_JOB_INFO_INIT;
        if (gs_sched_job_info(a, id, &ji) == GS_OK &&
            ji.state == GS_JOB_RUNNING) {
            assert_int_equal(gs_sched_complete(a, id, 5000), GS_OK);
            assert_int_equal(gs_sched_complete(b, id, 5000), GS_OK);
        }
    }
    same_shares(a, b);
    same_state(a, b, "the end");
    gs_sched_destroy(b);
    gs_sched_destroy(a);
    gs_topo_destroy(t);
}

/* ---- journals ------------------------------------------------------------ */

typedef struct paths {
    char dir[64], snap[128], journal[160];
} paths;

static void paths_make(paths *p)
{
    snprintf(p->dir, sizeof p->dir, "/tmp/gs-share-state-XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->snap, sizeof p->snap, "%s/s.gss", p->dir);
    snprintf(p->journal, sizeof p->journal, "%s.journal", p->snap);
}

static void paths_remove(const paths *p)
{
    remove(p->journal);
    remove(p->snap);
    rmdir(p->dir);
}

static gs_sched *open_store(const paths *p, const gs_topo *t)
{
    gs_sched_config c = config();
    gs_store_config sc = GS_STORE_CONFIG_INIT;
    sc.path = p->snap;
    sc.sched = &c;
    gs_sched *s = NULL;
    if (gs_sched_open(&s, t, &sc) != GS_OK)
        fail_msg("open: %s", gs_sched_errmsg(s));
    assert_int_equal(gs_sched_check(s), GS_OK);
    return s;
}

static int journal_format(const paths *p)
{
    FILE *f = fopen(p->journal, "rb");
    assert_non_null(f);
    unsigned char h[12];
    assert_int_equal(fread(h, 1, sizeof h, f), sizeof h);
    fclose(f);
    assert_memory_equal(h, "GSJOURN\n", 8);
    return h[8];
}

/* A journaled scheduler, closed and opened again, is the scheduler that
 * made the same calls in memory: submissions with shares, the host's mix
 * (kind 35) before and after a checkpoint. */
static void journal_replay(void **state)
{
    (void)state;
    gs_topo *t = cluster();
    paths p;
    paths_make(&p);
    gs_sched *j = open_store(&p, t), *m = make(t);
    for (uint32_t r = 1; r < 5; r++) {
        calls(j, r, 100 * r, false);
        calls(m, r, 100 * r, false);
    }
    assert_int_equal(gs_sched_set_frag_classes(j, host_mix, 3), GS_OK);
    assert_int_equal(gs_sched_set_frag_classes(m, host_mix, 3), GS_OK);
    assert_true(crowded_gpus(j) > 0);
    /* all in the journal */
    gs_sched_destroy(j);
    j = open_store(&p, t);
    same_state(j, m, "replay of a journal with shares and a mix");
    same_shares(j, m);
    assert_int_equal(journal_format(&p), 5);
    /* a snapshot with the shares, then more records after it */
    assert_int_equal(gs_sched_checkpoint(j), GS_OK);
    for (uint32_t r = 5; r < 9; r++) {
        calls(j, r, 100 * r, false);
        calls(m, r, 100 * r, false);
    }
    static const gs_frag_class other[2] = {{1, 250, 1, GIB, 1.0},
                                           {4, 1000, 8, 0, 1.0}};
    assert_int_equal(gs_sched_set_frag_classes(j, other, 2), GS_OK);
    assert_int_equal(gs_sched_set_frag_classes(m, other, 2), GS_OK);
    calls(j, 9, 900, false);
    calls(m, 9, 900, false);
    assert_int_equal(gs_sched_set_frag_classes(j, NULL, 0), GS_OK);
    assert_int_equal(gs_sched_set_frag_classes(m, NULL, 0), GS_OK);
    calls(j, 10, 1000, false);
    calls(m, 10, 1000, false);
    gs_sched_destroy(j);
    j = open_store(&p, t);
    same_state(j, m, "checkpoint and replay");
    same_shares(j, m);
    /* and they go on alike */
    run_both(j, m, 11, 16, "rounds after a replay");
    gs_sched_destroy(j);
    gs_sched_destroy(m);
    paths_remove(&p);
    gs_topo_destroy(t);
}

static uint64_t get_uv(const uint8_t *p, size_t n, size_t *at)
{
    uint64_t v = 0;
    for (int sh = 0; *at < n && sh < 64; sh += 7) {
        uint8_t c = p[(*at)++];
        v |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80))
            return v;
    }
    fail_msg("a varint runs past the end");
    return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A journal of this library's format rewritten as format 3 wrote it: the
 * submit records end before the share, the device memory and the MIG
 * profile (0, 0 and none here). */
static void journal_to_format_3(const paths *p)
{
    size_t n = 0;
    uint8_t *in = (uint8_t *)test_read_file(p->journal, &n);
    assert_non_null(in);
    uint8_t *out = malloc(n);
    assert_non_null(out);
    memcpy(out, in, 24);
    out[8] = 3;
    put_le32(out + 20, gs_crc32c(0, out, 20));
    size_t at = 24, o = 24;
    while (at + 12 <= n) {
        uint32_t len = (uint32_t)in[at] | (uint32_t)in[at + 1] << 8 |
                       (uint32_t)in[at + 2] << 16 | (uint32_t)in[at + 3] << 24;
        if (len == 0)
            break; /* the unused zeros */
        const uint8_t *pay = in + at + 12;
        size_t q = 0;
        get_uv(pay, len, &q); /* seq */
        uint32_t keep = len;
        if (pay[q] == JR_SUBMIT) {
            /* format 5 ends with the MIG profile, 4 with the two before */
            assert_int_equal(pay[len - 3], 0); /* gpu_milli */
            assert_int_equal(pay[len - 2], 0); /* gpu_mem */
            assert_int_equal(pay[len - 1], 0); /* mig_profile (none) */
            keep = len - 3;
        }
        put_le32(out + o, keep);
        put_le32(out + o + 4, gs_crc32c(0, out + o, 4));
        memcpy(out + o + 12, pay, keep);
        put_le32(out + o + 8, gs_crc32c(0, out + o + 12, keep));
        o += 12 + keep;
        at += 12 + len;
    }
    FILE *f = fopen(p->journal, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(out, 1, o, f), o);
    fclose(f);
    free(in);
    free(out);
}

/* A format-3 journal (whole-GPU jobs only) replays; the library then
 * writes a snapshot and a journal of its own format. */
static void format_3_journal(void **state)
{
    (void)state;
    gs_topo *t = cluster();
    paths p;
    paths_make(&p);
    gs_sched *j = open_store(&p, t), *m = make(t);
    for (uint32_t r = 1; r < 6; r++) {
        calls(j, r, 100 * r, true);
        calls(m, r, 100 * r, true);
    }
    gs_sched_destroy(j);
    journal_to_format_3(&p);
    assert_int_equal(journal_format(&p), 3);
    j = open_store(&p, t);
    same_state(j, m, "replay of a format-3 journal");
    assert_int_equal(journal_format(&p), 5);
    run_both(j, m, 6, 9, "rounds after a format-3 journal");
    gs_sched_destroy(j);
    gs_sched_destroy(m);
    paths_remove(&p);
    gs_topo_destroy(t);
}

/* ---- old and damaged snapshots ------------------------------------------- */

/* The header's length and the checksum, made to fit the bytes again. */
static void reseal(membuf *m)
{
    uint64_t len = m->n - 24;
    for (int i = 0; i < 8; i++)
        m->p[12 + i] = (uint8_t)(len >> (8 * i));
    put_le32(m->p + m->n - 4, gs_crc32c(0, m->p, m->n - 4));
}

/* Offset of the section with tag `tag` (its tag byte) and of its body. */
static size_t find_section(const membuf *m, uint8_t tag, size_t *body,
                           size_t *body_len)
{
    size_t at = 20;
    while (at < m->n - 4) {
        size_t start = at;
        uint8_t t = m->p[at++];
        uint64_t len = get_uv(m->p, m->n, &at);
        if (t == tag) {
            *body = at;
            *body_len = (size_t)len;
            return start;
        }
        at += (size_t)len;
    }
    fail_msg("no section %u", tag);
    return 0;
}

static void drop_section(membuf *m, uint8_t tag)
{
    size_t body, len;
    size_t start = find_section(m, tag, &body, &len);
    size_t end = body + len;
    memmove(m->p + start, m->p + end, m->n - end);
    m->n -= end - start;
}

/* The snapshot as format 3 wrote it: no MIG mix and no job mix section
 * (the jobs here are whole: no flag 32 or 64). */
static void to_format_3(membuf *m)
{
    drop_section(m, SEC_MIG);
    drop_section(m, SEC_FRAG);
    m->p[8] = 3;
    reseal(m);
}

static gs_status restore_error(const membuf *m, const gs_topo *t,
                               const char *want)
{
    gs_sched *r = NULL;
    gs_status st = gs_sched_restore_buffer(&r, t, NULL, m->p, m->n);
    if (st == GS_OK)
        fail_msg("a damaged snapshot was restored (wanted \"%s\")", want);
    if (!strstr(gs_sched_errmsg(r), want))
        fail_msg("restore said \"%s\", wanted \"%s\"", gs_sched_errmsg(r),
                 want);
    gs_sched_destroy(r);
    return st;
}

/* Format 3: whole jobs, no learned mix; a shared job cannot be in one. */
static void format_3_snapshot(void **state)
{
    (void)state;
    gs_topo *t = cluster();
    gs_sched *a = make(t);
    for (uint32_t r = 1; r < 5; r++)
        calls(a, r, 100 * r, true);
    assert_true(gs_sched_frag_classes(a, NULL, 0) > 0);
    membuf m = snap(a);
    to_format_3(&m);
    gs_sched *b = restore(&m, t);
    assert_int_equal(gs_sched_frag_classes(b, NULL, 0), 0);
    same_decisions(a, b);
    /* saved again, it is a snapshot of this library's format (5) that
     * round-trips */
    gs_sched *c = round_trip(b, t, "restore of a format-3 snapshot");
    membuf m4 = snap(c);
    assert_int_equal(m4.p[8], 5);
    free(m4.p);
    gs_sched_destroy(c);
    gs_sched_destroy(b);
    free(m.p);
    /* with shares, format 3 has no way to say them: refused */
    calls(a, 5, 500, false);
    calls(a, 6, 600, false);
    m = snap(a);
    to_format_3(&m);
    assert_int_equal(restore_error(&m, t, "request is invalid"), GS_EPARSE);
    free(m.p);
    gs_sched_destroy(a);
    gs_topo_destroy(t);
}

/* Offset of the first occurrence of the bytes `pat` (fails if none). */
static size_t find_bytes(const membuf *m, const uint8_t *pat, size_t n)
{
    for (size_t i = 0; i + n <= m->n; i++)
        if (memcmp(m->p + i, pat, n) == 0)
            return i;
    fail_msg("pattern not found");
    return 0;
}

static void damaged_snapshots(void **state)
{
    (void)state;
    gs_topo *t = cluster();
    gs_sched *a = make(t);
    for (uint32_t r = 1; r < 7; r++)
        calls(a, r, 100 * r, false);
    assert_true(crowded_gpus(a) > 0);
    /* a job of 300 milli and 4 GiB: varints AC 02 and 80 80 80 80 10 */
    static const uint8_t share[] = {0xac, 0x02, 0x80, 0x80,
                                    0x80, 0x80, 0x10};
    membuf m = snap(a);
    size_t at = find_bytes(&m, share, sizeof share);

    /* 1500 milli (DC 0B): more than a GPU */
    m.p[at] = 0xdc;
    m.p[at + 1] = 0x0b;
    reseal(&m);
    assert_int_equal(restore_error(&m, t, "a job's GPU share 1500 is out of "
                                          "range (at most 999)"),
                     GS_EPARSE);
    /* 900 milli (84 07) beside another 300 on its GPU: oversubscribed */
    m.p[at] = 0x84;
    m.p[at + 1] = 0x07;
    reseal(&m);
    gs_sched *r = NULL;
    gs_status st = gs_sched_restore_buffer(&r, t, NULL, m.p, m.n);
    if (st == GS_OK) {
        /* that job's GPU held it alone: the check still holds */
        assert_int_equal(gs_sched_check(r), GS_OK);
    } else {
        assert_int_equal(st, GS_EPARSE);
        assert_non_null(strstr(gs_sched_errmsg(r), "collides"));
    }
    gs_sched_destroy(r);
    free(m.p);

    /* every job of 300 milli (4 or 2 GiB) at 900: a GPU two jobs share
     * holds one of them or a job of 500 milli beside, too much either
     * way */
    m = snap(a);
    static const uint8_t share2[] = {0xac, 0x02, 0x80, 0x80,
                                     0x80, 0x80, 0x08};
    for (size_t i = 0; i + sizeof share <= m.n; i++)
        if (memcmp(m.p + i, share, sizeof share) == 0 ||
            memcmp(m.p + i, share2, sizeof share2) == 0) {
            m.p[i] = 0x84;
            m.p[i + 1] = 0x07;
        }
    reseal(&m);
    assert_int_equal(restore_error(&m, t, "shares of the GPUs exceed"),
                     GS_EPARSE);
    free(m.p);

    /* the mix: host flag, a learned kind's GPUs, a class's weight */
    assert_int_equal(gs_sched_set_frag_classes(a, host_mix, 3), GS_OK);
    m = snap(a);
    size_t body, len;
    find_section(&m, SEC_FRAG, &body, &len);
    assert_int_equal(m.p[body], 1); /* the host's */
    m.p[body] = 2;
    reseal(&m);
    assert_int_equal(restore_error(&m, t, "host flag is out of range"),
                     GS_EPARSE);
    m.p[body] = 1;
    size_t q = body + 1;
    uint64_t nl = get_uv(m.p, m.n, &q);
    assert_true(nl > 0);
    size_t kind_at = q;
    uint8_t kind_gpus = m.p[kind_at]; /* 1 or 2: one byte */
    assert_true(kind_gpus == 1 || kind_gpus == 2);
    m.p[kind_at] = 0;
    reseal(&m);
    assert_int_equal(restore_error(&m, t, "learned job kind is out of "
                                          "range"),
                     GS_EPARSE);
    m.p[kind_at] = kind_gpus;
    for (uint64_t i = 0; i < nl; i++) {
        get_uv(m.p, m.n, &q);
        get_uv(m.p, m.n, &q);
        q += 24;
    }
    q += 8;                /* unit */
    get_uv(m.p, m.n, &q);  /* since */
    assert_int_equal(get_uv(m.p, m.n, &q), 3);
    get_uv(m.p, m.n, &q);  /* gpus */
    size_t milli_at = q;
    get_uv(m.p, m.n, &q);  /* milli */
    get_uv(m.p, m.n, &q);  /* cpus */
    get_uv(m.p, m.n, &q);  /* mem */
    double w;
    memcpy(&w, m.p + q, 8); /* little-endian hosts */
    assert_true(fabs(w - 0.5) < 1e-12);
    double nan = NAN;
    memcpy(m.p + q, &nan, 8);
    reseal(&m);
    assert_int_equal(restore_error(&m, t, "job mix class is out of range"),
                     GS_EPARSE);
    memcpy(m.p + q, &w, 8);
    assert_int_equal(m.p[milli_at], 0xac); /* 300 */
    m.p[milli_at] = 0x80;                  /* 0 in two bytes */
    m.p[milli_at + 1] = 0x00;
    reseal(&m);
    assert_int_equal(restore_error(&m, t, "job mix class is out of range"),
                     GS_EPARSE);
    m.p[milli_at] = 0xac;
    m.p[milli_at + 1] = 0x02;
    reseal(&m);
    gs_sched *ok = restore(&m, t); /* mended: it reads again */
    gs_sched_destroy(ok);
    free(m.p);
    gs_sched_destroy(a);
    gs_topo_destroy(t);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_and_decisions),
        cmocka_unit_test(journal_replay),
        cmocka_unit_test(format_3_journal),
        cmocka_unit_test(format_3_snapshot),
        cmocka_unit_test(damaged_snapshots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
