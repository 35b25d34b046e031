/*
 * Writes the fixtures in this folder (they are checked in; this program is
 * how they were made, with the library of the commit that added them):
 *
 *   v1-small.gss     format 1: dgx-h100, job 1 (4 GPUs, "four", ann)
 *                    running since 100, job 2 ("two") completed at 160,
 *                    job 3 ("eight", 8 GPUs) pending; clock 170
 *   v1-cluster.gss   format 1 on h[1-4] (dgx-h100) + v1 (dgx1-v100): 3 calls
 *                    (two 4-GPU jobs submitted by u, a step at 10); the
 *                    snapshot fuzz_journal's journals follow
 *   v1-cluster.journal  a journal after it: submissions, steps, ends, a GPU
 *                    failure, a drain, a limit, a configuration document,
 *                    events consumed
 *
 *   cc -I include tests/data/state/make_state_files.c build/lib/libgpusched.a \
 *      -lhwloc -lm -ldl -lpthread -o /tmp/mk && /tmp/mk tests/data/state
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(gs_status st, gs_sched *s, const char *what)
{
    if (st != GS_OK) {
        fprintf(stderr, "%s: %s\n", what, gs_sched_errmsg(s));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    char p[512];
    gs_topo *t = NULL;
    gs_topo_load(&t, "dgx-h100", NULL);
    gs_sched *s = NULL;
    check(gs_sched_create(&s, t, NULL), s, "create");
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    sp.gpus = 4;
    sp.submit_time = 100;
    sp.user = "ann";
    sp.name = "four";
    sp.cpus_per_gpu = 2;
    check(gs_sched_submit(s, &sp, NULL), s, "submit");
    sp.gpus = 2;
    sp.name = "two";
    check(gs_sched_submit(s, &sp, NULL), s, "submit");
    check(gs_sched_step(s, 100, NULL), s, "step");
    check(gs_sched_complete(s, 2, 160), s, "complete");
    sp.gpus = 8;
    sp.name = "eight";
    sp.submit_time = 170;
    check(gs_sched_submit(s, &sp, NULL), s, "submit");
    check(gs_sched_step(s, 170, NULL), s, "step");
    snprintf(p, sizeof p, "%s/v1-small.gss", argv[1]);
    check(gs_sched_save_file(s, p), s, "save");
    gs_sched_destroy(s);
    gs_topo_destroy(t);

    static const char cluster[] =
        "{\"nodes\": [{\"name\": \"h[1-4]\", \"template\": \"dgx-h100\"},"
        " {\"name\": \"v1\", \"template\": \"dgx1-v100\"}]}";
    gs_topo_load_buffer(&t, cluster, sizeof cluster - 1, "fuzz", NULL);
    s = NULL;
    check(gs_sched_create(&s, t, NULL), s, "create");
    gs_job_spec_init(&sp);
    sp.gpus = 4;
    sp.user = "u";
    gs_sched_submit(s, &sp, NULL);
    gs_sched_submit(s, &sp, NULL);
    gs_sched_step(s, 10, NULL);
    snprintf(p, sizeof p, "%s/v1-cluster.gss", argv[1]);
    check(gs_sched_save_file(s, p), s, "save");
    gs_sched_destroy(s);
    /* the journal: open a copy, make calls, close */
    char tmp[] = "/tmp/make_state_XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    char sp2[600], jp[620];
    snprintf(sp2, sizeof sp2, "%s/s.gss", tmp);
    snprintf(jp, sizeof jp, "%s.journal", sp2);
    FILE *in = fopen(p, "rb"), *out = fopen(sp2, "wb");
    int c;
    while ((c = fgetc(in)) != EOF)
        fputc(c, out);
    fclose(in);
    fclose(out);
    gs_store_config sc = GS_STORE_CONFIG_INIT;
    sc.path = sp2;
    s = NULL;
    check(gs_sched_open(&s, t, &sc), s, "open");
    sp.gpus = 2;
    sp.submit_time = 12;
    sp.name = "j";
    sp.time_limit = 100;
    check(gs_sched_submit(s, &sp, NULL), s, "submit");
    sp.gpus = 8;
    sp.gpus_per_node = 8;
    sp.user = "w";
    check(gs_sched_submit(s, &sp, NULL), s, "submit");
    check(gs_sched_step(s, 20, NULL), s, "step");
    check(gs_sched_events_consume(s, gs_sched_event_count(s)), s, "consume");
    check(gs_sched_complete(s, 1, 30), s, "complete");
    check(gs_sched_fail_gpu(s, 5, 31, NULL), s, "fail_gpu");
    check(gs_sched_drain_node(s, 4), s, "drain");
    check(gs_sched_set_limit(s, GS_LIMIT_USER, "u", 8), s, "limit");
    static const char doc[] = "{\"accounts\": [{\"name\": \"a\"}], "
                              "\"backfill\": \"easy\"}";
    check(gs_sched_configure(s, doc, sizeof doc - 1, "doc"), s, "configure");
    check(gs_sched_step(s, 40, NULL), s, "step");
    gs_sched_destroy(s);
    snprintf(p, sizeof p, "%s/v1-cluster.journal", argv[1]);
    in = fopen(jp, "rb");
    out = fopen(p, "wb");
    while ((c = fgetc(in)) != EOF)
        fputc(c, out);
    fclose(in);
    fclose(out);
    remove(jp);
    remove(sp2);
    remove(tmp);
    gs_topo_destroy(t);
    return 0;
}
