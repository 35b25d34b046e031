/*
 * libFuzzer targets for the durable-state readers.
 *
 * fuzz_snapshot: the input is a snapshot. It is restored without a
 * topology and on two fixed ones; whatever is accepted must pass
 * gs_sched_check, survive a step, and save to bytes that restore and save
 * to the same bytes again.
 *
 * fuzz_journal (GS_FUZZ_JOURNAL): the input is a journal that follows a
 * fixed snapshot; gs_sched_open must accept it (whole records, a torn tail
 * dropped) or refuse it with a message, and what it opens must pass
 * gs_sched_check.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "membuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                           \
    do {                                                                    \
        fprintf(stderr, "fuzz_state: " __VA_ARGS__);                        \
        fprintf(stderr, "\n");                                              \
        abort();                                                            \
    } while (0)

static gs_topo *topos[2];

uint32_t gs_crc32c(uint32_t crc, const void *p, size_t n); /* the library's */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A copy of the input with its checksums made right, so that mutations
 * reach the readers behind them (else almost every input stops at the
 * checksum). Caller frees. */
static uint8_t *fixed_copy(const uint8_t *data, size_t size, bool journal)
{
    uint8_t *c = malloc(size ? size : 1);
    if (!c)
        abort();
    memcpy(c, data, size);
    if (!journal) {
        if (size >= 24) {
            uint64_t len = size - 24;
            for (int i = 0; i < 8; i++)
                c[12 + i] = (uint8_t)(len >> (8 * i));
            put32(c + size - 4, gs_crc32c(0, c, size - 4));
        }
        return c;
    }
    if (size < 24)
        return c;
    put32(c + 20, gs_crc32c(0, c, 20));
    size_t off = 24;
    while (off + 12 <= size) {
        uint32_t len = (uint32_t)c[off] | (uint32_t)c[off + 1] << 8 |
                       (uint32_t)c[off + 2] << 16 | (uint32_t)c[off + 3] << 24;
        if (len > size - off - 12)
            break;
        put32(c + off + 4, gs_crc32c(0, c + off, 4));
        put32(c + off + 8, gs_crc32c(0, c + off + 12, len));
        off += 12 + len;
    }
    return c;
}

static void init(void)
{
    if (topos[0])
        return;
    static const char cluster[] =
        "{\"nodes\": [{\"name\": \"h[1-4]\", \"template\": \"dgx-h100\"},"
        " {\"name\": \"v1\", \"template\": \"dgx1-v100\"}]}";
    if (gs_topo_load(&topos[0], "dgx-h100", NULL) != GS_OK ||
        gs_topo_load_buffer(&topos[1], cluster, sizeof cluster - 1, "fuzz",
                            NULL) != GS_OK)
        FAIL("cannot load the topologies");
}

#ifndef GS_FUZZ_JOURNAL

static void one(const gs_topo *t, const uint8_t *data, size_t size)
{
    gs_sched *s = NULL;
    gs_status st = gs_sched_restore_buffer(&s, t, NULL, data, size);
    if (st != GS_OK) {
        if (!s || !gs_sched_errmsg(s)[0])
            FAIL("restore refused (%s) without a message", gs_status_name(st));
        if (gs_sched_step(s, 0, NULL) != GS_EINVAL)
            FAIL("a failed restore's handle took a step");
        gs_sched_destroy(s);
        return;
    }
    if (gs_sched_check(s) != GS_OK)
        FAIL("restored, but: %s", gs_sched_errmsg(s));
    membuf a = {0}, b = {0};
    if (gs_sched_save(s, membuf_write, &a) != GS_OK)
        FAIL("save after restore: %s", gs_sched_errmsg(s));
    gs_sched *r = NULL;
    if (gs_sched_restore_buffer(&r, t, NULL, a.p, a.n) != GS_OK)
        FAIL("a saved state does not restore: %s", gs_sched_errmsg(r));
    if (gs_sched_save(r, membuf_write, &b) != GS_OK)
        FAIL("save: %s", gs_sched_errmsg(r));
    if (a.n != b.n || memcmp(a.p, b.p, a.n) != 0)
        FAIL("save, restore, save: the bytes differ");
    /* and both go on alike */
    int64_t now = gs_sched_clock(s);
    now = now == INT64_MIN ? 0 : now + 1;
    if (now > GS_TIME_MAX)
        now = GS_TIME_MAX;
    gs_status x = gs_sched_step(s, now, NULL), y = gs_sched_step(r, now, NULL);
    if (x != y || gs_sched_check(s) != GS_OK || gs_sched_check(r) != GS_OK)
        FAIL("a step after restore: %s / %s", gs_status_name(x),
             gs_status_name(y));
    free(a.p);
    free(b.p);
    gs_sched_destroy(r);
    gs_sched_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    one(NULL, data, size);
    uint8_t *c = fixed_copy(data, size, false);
    one(NULL, c, size);
    one(topos[0], c, size);
    one(topos[1], c, size);
    free(c);
    return 0;
}

#else /* GS_FUZZ_JOURNAL */

static char path[128], jpath[160];

static void warned(void *ud, const char *msg)
{
    (void)ud;
    if (!msg || !strstr(msg, "offset"))
        FAIL("a warning without an offset");
}

static void remove_files(void)
{
    unlink(jpath);
    unlink(path);
}

/* A snapshot the journals follow: a few jobs on a cluster, 3 calls in
 * (removed with its journal when the fuzzer exits). */
static void make_snapshot(void)
{
    atexit(remove_files);
    snprintf(path, sizeof path, "/tmp/fuzz_journal.%ld.gss", (long)getpid());
    snprintf(jpath, sizeof jpath, "%s.journal", path);
    gs_sched *s = NULL;
    if (gs_sched_create(&s, topos[1], NULL) != GS_OK)
        FAIL("create");
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    sp.gpus = 4;
    sp.user = "u";
    gs_sched_submit(s, &sp, NULL);
    gs_sched_submit(s, &sp, NULL);
    gs_sched_step(s, 10, NULL);
    if (gs_sched_save_file(s, path) != GS_OK)
        FAIL("save_file: %s", gs_sched_errmsg(s));
    gs_sched_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (!path[0])
        make_snapshot();
    /* the first byte chooses: as it is, or with its checksums right */
    uint8_t *c = fixed_copy(data, size, size && (data[0] & 1));
    FILE *f = fopen(jpath, "wb");
    if (!f || fwrite(c, 1, size, f) != size || fclose(f) != 0)
        FAIL("cannot write %s", jpath);
    free(c);
    gs_store_config sc = GS_STORE_CONFIG_INIT;
    sc.path = path;
    sc.sync = GS_SYNC_NEVER;
    sc.warn = warned;
    gs_sched *s = NULL;
    gs_status st = gs_sched_open(&s, topos[1], &sc);
    if (st == GS_OK) {
        if (gs_sched_check(s) != GS_OK)
            FAIL("opened, but: %s", gs_sched_errmsg(s));
    } else if (!s || !gs_sched_errmsg(s)[0]) {
        FAIL("open refused (%s) without a message", gs_status_name(st));
    }
    gs_sched_destroy(s);
    return 0;
}

#endif
