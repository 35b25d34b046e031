/*
 * gpusched-slurm's decisions without Slurm (integrations/slurm/gss_*.c):
 * the strings it reads from Slurm, and what one pass decides on made-up
 * snapshots of a cluster of DGX-1V nodes described as gres.conf, with the
 * answers worked out by hand from the DGX-1 NVLink matrix.
 */
#include "test_support.h"

#include "gss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The NVLink counts of a DGX-1 with V100 (NVIDIA's white paper; the rows
 * of `gpusched topo show dgx1-v100`). */
static const char *const dgx1_links[8] = {
    "-1,1,1,2,2,0,0,0", "1,-1,2,1,0,2,0,0", "1,2,-1,2,0,0,1,0",
    "2,1,2,-1,0,0,0,1", "2,0,0,0,-1,1,1,2", "0,2,0,0,1,-1,2,1",
    "0,0,1,0,1,2,-1,2", "0,0,0,1,2,1,2,-1"};

/* A gres.conf for nodes n[01-NN] shaped as the live test cluster's
 * (integrations/slurm/test/cluster): one Type per GPU. */
static gs_topo *cluster(int nodes, bool typed)
{
    char text[4096];
    size_t n = 0;
    for (int g = 0; g < 8; g++)
        n += (size_t)snprintf(
            text + n, sizeof text - n,
            "NodeName=n[01-%02d] Name=gpu%s%s File=/dev/nvidia%d Cores=%s "
            "Links=%s\n",
            nodes, typed ? " Type=g" : "", typed ? (char[]){(char)('0' + g), 0}
                                                 : "",
            g, g < 4 ? "0-19" : "20-39", dgx1_links[g]);
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = GS_FORMAT_SLURM_GRES;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, text, n, "gres.conf", &o),
                     GS_OK);
    return t;
}

static void tres_strings(void **state)
{
    (void)state;
    uint64_t c;
    char type[32];
    assert_int_equal(gss_tres_gpu("gres:gpu:2", &c, type, sizeof type), 1);
    assert_int_equal(c, 2);
    assert_string_equal(type, "");
    assert_int_equal(gss_tres_gpu("gres/gpu:v100:3", &c, type, sizeof type),
                     1);
    assert_int_equal(c, 3);
    assert_string_equal(type, "v100");
    assert_int_equal(gss_tres_gpu("gres:gpu", &c, type, sizeof type), 1);
    assert_int_equal(c, 1);
    assert_int_equal(gss_tres_gpu("gres:gpu:a100", &c, type, sizeof type), 1);
    assert_int_equal(c, 1);
    assert_string_equal(type, "a100");
    assert_int_equal(
        gss_tres_gpu("license:matlab:1,gres:gpu:4", &c, type, sizeof type),
        1);
    assert_int_equal(c, 4);
    assert_int_equal(gss_tres_gpu("gres:gpux:2", &c, type, sizeof type), 0);
    assert_int_equal(gss_tres_gpu("", &c, type, sizeof type), 0);
    assert_int_equal(gss_tres_gpu(NULL, &c, type, sizeof type), 0);
    assert_int_equal(
        gss_tres_gpu("gres:gpu:2,gres:gpu:3", &c, type, sizeof type), -1);
    assert_int_equal(gss_tres_gpu("gres:gpu:a:b", &c, type, sizeof type), -1);
    char rest[32];
    assert_int_equal(gss_tres_without_gpu("gres:nic:1,gres:gpu:g5:1,"
                                          "gres:gpu:g7:1,license:x:2",
                                          rest, sizeof rest),
                     0);
    assert_string_equal(rest, "gres:nic:1,license:x:2");
    assert_int_equal(gss_tres_without_gpu("gres/gpu:2", rest, sizeof rest), 0);
    assert_string_equal(rest, "");
    assert_int_equal(gss_tres_without_gpu(NULL, rest, sizeof rest), 0);
    assert_string_equal(rest, "");
    assert_int_equal(gss_tres_without_gpu("gres:gpux:1", rest, sizeof rest),
                     0);
    assert_string_equal(rest, "gres:gpux:1");
    assert_int_equal(gss_tres_without_gpu("gres:nic:1,gres:nic:2,gres:nic:3,"
                                          "gres:nic:4",
                                          rest, sizeof rest),
                     -1);
    assert_int_equal(
        gss_tres_gpu("gres:gpu:99999999999999999999", &c, type, sizeof type),
        -1);
}

static void constraints(void **state)
{
    (void)state;
    assert_int_equal(gss_constraint_holds("ib", "ib,nvl"), 1);
    assert_int_equal(gss_constraint_holds("ib&nvl", "nvl,ib"), 1);
    assert_int_equal(gss_constraint_holds("ib,nvl", "nvl,ib"), 1);
    assert_int_equal(gss_constraint_holds("ib&x", "ib,nvl"), 0);
    assert_int_equal(gss_constraint_holds("x|nvl", "ib,nvl"), 1);
    assert_int_equal(gss_constraint_holds("a&b|c", "c"), 1);
    assert_int_equal(gss_constraint_holds("a&b|c", "a"), 0);
    assert_int_equal(gss_constraint_holds("c|a&b", "a,b"), 1);
    assert_int_equal(gss_constraint_holds("i", "ib"), 0);
    assert_int_equal(gss_constraint_holds("ib", ""), 0);
    assert_int_equal(gss_constraint_holds("[a|b]", "a"), -1);
    assert_int_equal(gss_constraint_holds("a*2", "a"), -1);
    assert_int_equal(gss_constraint_holds("!a", "b"), -1);
    assert_int_equal(gss_constraint_holds("a&&b", "a,b"), -1);
    assert_int_equal(gss_constraint_holds("", "a"), -1);
    assert_int_equal(gss_constraint_holds("a|", "a"), -1);
}

static void gres_detail(void **state)
{
    (void)state;
    uint32_t idx[16];
    assert_int_equal(
        gss_gres_indexes("gpu:g0:1(IDX:0),gpu:g1:0(IDX:),gpu:g3:1(IDX:3)",
                         idx, 16),
        2);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 3);
    assert_int_equal(gss_gres_indexes("gpu:4(IDX:6,0-1,4)", idx, 16), 4);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 4);
    assert_int_equal(idx[3], 6);
    assert_int_equal(gss_gres_indexes("gpu:0", idx, 16), 0);
    assert_int_equal(gss_gres_indexes("gpu:1(IDX:1024)", idx, 16), -1);
    assert_int_equal(gss_gres_indexes("gpu:1(IDX:3-1)", idx, 16), -1);
    assert_int_equal(gss_gres_indexes("gpu:2(IDX:0-1", idx, 16), -1);
    assert_int_equal(gss_gres_indexes("gpu:2(IDX:x)", idx, 16), -1);
    assert_int_equal(gss_gres_indexes("gpu:3(IDX:0-2)", idx, 2), -1);
}

static void requests(void **state)
{
    (void)state;
    gss_request r;
    char why[256];
    assert_int_equal(gss_request_parse("gpusched:v1 job=gres:gpu:2 node=- "
                                       "cpg=gres:gpu:4 mpg=gres:gpu:1000",
                                       &r, why, sizeof why),
                     0);
    assert_int_equal(r.gpus_per_job, 2);
    assert_int_equal(r.gpus_per_node, 0);
    assert_int_equal(r.cpus_per_gpu, 4);
    assert_int_equal(r.mem_per_gpu, 1000);
    assert_string_equal(r.tres_per_job, "gres:gpu:2");
    assert_string_equal(r.tres_per_node, "");
    assert_string_equal(r.cpus_per_tres, "gres:gpu:4");
    assert_int_equal(gss_request_parse("gpusched:v1 job=- node=gres:gpu:8 "
                                       "cpg=- mpg=- later=x",
                                       &r, why, sizeof why),
                     0);
    assert_int_equal(r.gpus_per_node, 8);
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"gpusched:v2 job=gres:gpu:2", "does not start with"},
        {"gpusched:v1x job=gres:gpu:2", "does not start with"},
        {NULL, "does not start with"},
        {"gpusched:v1", "no GPU request"},
        {"gpusched:v1 job=- node=-", "no GPU request"},
        {"gpusched:v1 job=gres:gpu:3 node=gres:gpu:2",
         "3 GPUs is not a multiple of 2 per node"},
        {"gpusched:v1 job=gres:gpu:0", "out of range"},
        {"gpusched:v1 node=gres:gpu:1025", "out of range"},
        {"gpusched:v1 job", "has no '='"},
        {"gpusched:v1 job=gres:gpu:x:y", "bad GPU request"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        why[0] = '\0';
        if (gss_request_parse(bad[k].text, &r, why, sizeof why) != -1 ||
            !strstr(why, bad[k].why))
            fail_msg("%s: got \"%s\", want \"%s\"",
                     bad[k].text ? bad[k].text : "(null)", why, bad[k].why);
    }
}

/* ---- snapshots ---------------------------------------------------------- */

static void add_node(gss_snapshot *s, const char *name, bool usable)
{
    s->nodes = realloc(s->nodes, (s->n_nodes + 1) * sizeof *s->nodes);
    assert_non_null(s->nodes);
    s->nodes[s->n_nodes].name = strdup(name);
    s->nodes[s->n_nodes].usable = usable;
    s->n_nodes++;
}

/* An empty snapshot at time 1000 of nodes n01..nNN, all usable. */
static void snap_init(gss_snapshot *s, int nodes)
{
    memset(s, 0, sizeof *s);
    s->now = 1000;
    for (int n = 1; n <= nodes; n++) {
        char name[16];
        snprintf(name, sizeof name, "n%02d", n);
        add_node(s, name, true);
    }
}

static gss_job *add_job(gss_snapshot *s, uint32_t id, gss_job_kind kind,
                        int64_t submit)
{
    s->jobs = realloc(s->jobs, (s->n_jobs + 1) * sizeof *s->jobs);
    assert_non_null(s->jobs);
    gss_job *j = &s->jobs[s->n_jobs++];
    memset(j, 0, sizeof *j);
    j->id = id;
    j->kind = kind;
    j->submit = submit;
    j->user = strdup("alice");
    j->comment = strdup("");
    return j;
}

/* A running job on one node, holding the listed GPUs (-1 ends the list). */
static void running(gss_snapshot *s, uint32_t id, const char *node, ...)
{
    gss_job *j = add_job(s, id, GSS_JOB_RUNNING, 100);
    j->end = s->now + 3600;
    j->nodes = calloc(1, sizeof *j->nodes);
    j->n_nodes = 1;
    j->nodes[0].name = strdup(node);
    j->nodes[0].gpus = calloc(8, sizeof(uint32_t));
    va_list ap;
    va_start(ap, node);
    int g;
    while ((g = va_arg(ap, int)) >= 0)
        j->nodes[0].gpus[j->nodes[0].n_gpus++] = (uint32_t)g;
    va_end(ap);
}

static gss_job *held(gss_snapshot *s, uint32_t id, int64_t submit,
                     const char *request, uint32_t min_nodes)
{
    gss_job *j = add_job(s, id, GSS_JOB_HELD, submit);
    char why[256];
    assert_int_equal(gss_request_parse(request, &j->req, why, sizeof why),
                     0);
    j->min_nodes = min_nodes;
    j->max_nodes = min_nodes;
    j->partition_ok = true;
    snprintf(j->partition, sizeof j->partition, "gpu");
    j->features_ok = true;
    return j;
}

static const gss_decision *find(const gss_result *r, uint32_t job)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->d[i].job == job)
            return &r->d[i];
    fail_msg("no decision for job %u", job);
    return NULL;
}

static void decide(const gs_topo *t, const gss_snapshot *s, gss_result *r)
{
    gss_options o = {NULL, GS_ORDER_FIFO, GS_BACKFILL_NONE, NULL};
    char why[256];
    if (gss_decide(t, s, &o, r, why, sizeof why) != 0)
        fail_msg("gss_decide: %s", why);
    /* each decision names its job's place in the snapshot */
    for (size_t i = 0; i < r->n; i++)
        assert_int_equal(s->jobs[r->d[i].index].id, r->d[i].job);
}

/* Free GPUs {0,3,5,7} of a DGX-1V (jobs hold 1,2 and 4,6): the pairs with
 * NVLink are 0-3 (2 links), 3-7 and 5-7 (1 each); a 2-GPU job gets {0,3},
 * pinned by type. A 4-GPU job then waits, and says why. */
static void best_pair_is_pinned(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, true);
    gss_snapshot s;
    snap_init(&s, 1);
    running(&s, 10, "n01", 1, 2, -1);
    running(&s, 11, "n01", 4, 6, -1);
    held(&s, 21, 500, "gpusched:v1 job=- node=gres:gpu:4", 1);
    held(&s, 20, 400, "gpusched:v1 job=gres:gpu:2", 1);
    gss_result r;
    decide(t, &s, &r);
    assert_int_equal(r.n_notes, 0);
    const gss_decision *d = find(&r, 20);
    assert_true(d->start && d->exact);
    assert_string_equal(d->req_nodes, "n01");
    assert_string_equal(d->tres_per_node, "gres:gpu:g0:1,gres:gpu:g3:1");
    assert_null(d->tres_per_job);
    assert_string_equal(d->gpus_text, "n01:0,3");
    d = find(&r, 21);
    assert_false(d->start);
    if (strcmp(d->reason, "needs a node with 4 usable GPUs; none has that "
                          "many now") != 0)
        fail_msg("reason: %s", d->reason);
    gss_result_free(&r);
    gss_snapshot_free(&s);
    gs_topo_destroy(t);
}

/* What Slurm runs is never given again: jobs claiming one GPU twice are
 * noted, a node Slurm cannot use takes nothing new, and a job on a node
 * gpusched does not know is noted. */
static void running_jobs_and_nodes(void **state)
{
    (void)state;
    gs_topo *t = cluster(2, true);
    gss_snapshot s;
    snap_init(&s, 1);
    add_node(&s, "n02", false); /* drained */
    running(&s, 10, "n01", 0, 1, 2, 3, 4, 5, -1);
    running(&s, 12, "n01", 2, -1);
    running(&s, 13, "x99", 0, -1);
    held(&s, 30, 10, "gpusched:v1 job=gres:gpu:4", 1);
    held(&s, 31, 20, "gpusched:v1 job=gres:gpu:2", 1);
    gss_result r;
    decide(t, &s, &r);
    assert_int_equal(r.n_notes, 2);
    assert_string_equal(r.notes[0], "jobs 10 and 12 both hold GPU 2 of n01");
    assert_non_null(strstr(r.notes[1], "job 13: node x99 is not in the "
                                       "topology"));
    /* n02 is drained: 4 GPUs cannot start; FIFO without backfill keeps
     * the 2-GPU job behind it */
    assert_false(find(&r, 30)->start);
    assert_false(find(&r, 31)->start);
    gss_result_free(&r);
    /* n02 back: the 4-GPU job goes there, the 2-GPU job on n01's 6,7 */
    s.nodes[1].usable = true;
    decide(t, &s, &r);
    const gss_decision *d = find(&r, 30);
    assert_true(d->start);
    assert_string_equal(d->req_nodes, "n02");
    d = find(&r, 31);
    assert_true(d->start);
    assert_string_equal(d->gpus_text, "n01:6,7");
    gss_result_free(&r);
    gss_snapshot_free(&s);
    gs_topo_destroy(t);
}

/* A job released earlier whose GPUs a running job holds (Slurm picked
 * other indexes for a job given counts only, or after a slurmctld restart)
 * is held again; one whose GPUs are free keeps them. */
static void stale_pins_are_held_again(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, true);
    gss_snapshot s;
    snap_init(&s, 1);
    running(&s, 10, "n01", 0, 1, -1);
    running(&s, 11, "n01", 2, 3, -1);
    s.jobs[1].kind = GSS_JOB_PINNED; /* 11: pinned to 2,3, free: kept */
    running(&s, 12, "n01", 1, 4, -1);
    s.jobs[2].kind = GSS_JOB_PINNED; /* 12: pinned to 1,4; 10 runs on 1 */
    held(&s, 20, 10, "gpusched:v1 job=gres:gpu:4", 1);
    gss_result r;
    decide(t, &s, &r);
    assert_int_equal(r.n_notes, 0);
    const gss_decision *d = find(&r, 12);
    assert_true(d->rehold);
    assert_string_equal(d->reason, "GPU 1 of n01, given to it, is taken by "
                                   "job 10: deciding again");
    /* 0-3 are taken: the 4-GPU job gets 4-7 (4 is free again) */
    d = find(&r, 20);
    assert_true(d->start);
    assert_string_equal(d->gpus_text, "n01:4,5,6,7");
    for (size_t i = 0; i < r.n; i++)
        assert_int_not_equal(r.d[i].job, 11);
    gss_result_free(&r);
    gss_snapshot_free(&s);
    gs_topo_destroy(t);
}

/* Multi-node jobs: the same GPUs on every node are pinned by type, as is
 * one set free on all the job's nodes when gpusched's sets differ; when
 * there is none they can only be given as counts (Slurm picks). */
static void multi_node(void **state)
{
    (void)state;
    gs_topo *t = cluster(2, true);
    gss_snapshot s;
    snap_init(&s, 2);
    held(&s, 40, 10, "gpusched:v1 node=gres:gpu:8", 2);
    gss_result r;
    decide(t, &s, &r);
    const gss_decision *d = find(&r, 40);
    assert_true(d->start && d->exact);
    assert_string_equal(d->req_nodes, "n01,n02");
    assert_string_equal(d->tres_per_node,
                        "gres:gpu:g0:1,gres:gpu:g1:1,gres:gpu:g2:1,"
                        "gres:gpu:g3:1,gres:gpu:g4:1,gres:gpu:g5:1,"
                        "gres:gpu:g6:1,gres:gpu:g7:1");
    gss_result_free(&r);
    gss_snapshot_free(&s);
    snap_init(&s, 2);
    running(&s, 10, "n01", 0, -1);
    held(&s, 41, 10, "gpusched:v1 job=gres:gpu:15", 2);
    decide(t, &s, &r);
    d = find(&r, 41);
    assert_true(d->start);
    assert_false(d->exact);
    assert_null(d->tres_per_node);
    assert_string_equal(d->tres_per_job, "gres:gpu:15");
    assert_string_equal(d->gpus_text, "n01:1,2,3,4,5,6,7 n02:0,1,2,3,4,5,6,7");
    gss_result_free(&r);
    gss_snapshot_free(&s);
    /* 4 GPUs on each of 2 nodes: free are n01 {2..7} and n02
     * {0,1,2,3,6,7}; the only set free on both is {2,3,6,7}, which can be
     * pinned by type whatever gpusched chose per node */
    snap_init(&s, 2);
    running(&s, 10, "n01", 0, 1, -1);
    running(&s, 11, "n02", 4, 5, -1);
    held(&s, 42, 10, "gpusched:v1 node=gres:gpu:4", 2);
    decide(t, &s, &r);
    d = find(&r, 42);
    assert_true(d->start && d->exact);
    assert_string_equal(d->gpus_text, "n01:2,3,6,7 n02:2,3,6,7");
    assert_string_equal(d->tres_per_node, "gres:gpu:g2:1,gres:gpu:g3:1,"
                                          "gres:gpu:g6:1,gres:gpu:g7:1");
    gss_result_free(&r);
    gss_snapshot_free(&s);
    /* no set free on both (n01 {4..7}, n02 {0..3}): counts only */
    snap_init(&s, 2);
    running(&s, 10, "n01", 0, 1, 2, 3, -1);
    running(&s, 11, "n02", 4, 5, 6, 7, -1);
    held(&s, 43, 10, "gpusched:v1 node=gres:gpu:4", 2);
    decide(t, &s, &r);
    d = find(&r, 43);
    assert_true(d->start);
    assert_false(d->exact);
    assert_string_equal(d->tres_per_node, "gres:gpu:4");
    assert_string_equal(d->gpus_text, "n01:4,5,6,7 n02:0,1,2,3");
    gss_result_free(&r);
    gss_snapshot_free(&s);
    gs_topo_destroy(t);
}

/* A typed request (gpu:v100:2), and a job whose partition leaves out GPU
 * nodes, are given back to Slurm; one larger than the cluster waits with
 * the reason. */
static void given_back_and_refused(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, true);
    gss_snapshot s;
    snap_init(&s, 1);
    held(&s, 50, 10, "gpusched:v1 job=gres:gpu:v100:2", 1);
    held(&s, 51, 11, "gpusched:v1 job=gres:gpu:9", 1);
    gss_job *narrow = held(&s, 52, 12, "gpusched:v1 job=gres:gpu:1", 1);
    narrow->partition_ok = false;
    snprintf(narrow->partition, sizeof narrow->partition, "small");
    gss_job *feat = held(&s, 53, 13, "gpusched:v1 job=gres:gpu:1", 1);
    feat->features_ok = false;
    snprintf(feat->features, sizeof feat->features, "ib&nvl");
    gss_result r;
    decide(t, &s, &r);
    const gss_decision *d = find(&r, 50);
    assert_true(d->giveback);
    assert_false(d->start);
    /* a constraint that some GPU node fails: Slurm's to place */
    d = find(&r, 53);
    assert_true(d->giveback);
    assert_string_equal(d->reason, "constraint ib&nvl does not hold on every "
                                   "GPU node: Slurm places the job");
    /* a partition that does not hold every GPU node: Slurm's to place */
    d = find(&r, 52);
    assert_true(d->giveback);
    assert_string_equal(d->reason, "partition small does not hold every GPU "
                                   "node: Slurm places the job");
    d = find(&r, 51);
    assert_false(d->start || d->giveback);
    assert_non_null(strstr(d->reason, "9 asked, the cluster has 8"));
    gss_result_free(&r);
    gss_snapshot_free(&s);
    gs_topo_destroy(t);
}

/* The scheduler's clock never goes back: the running jobs are placed at
 * the earliest held job's submission time (400), the held jobs decided at
 * now (1000). Job 10 holds GPUs 0-5 until 4600: the 4-GPU job 20 waits
 * for that end (easy backfill reserves from 4600, not 4000 or 5200), and
 * the 2-GPU job 21 of 600 s, done by 1600, backfills. Placing job 10
 * before now charges its user no usage. A job submitted at 1200, by a
 * Slurm clock ahead of ours, is not held back for its time. */
static void times_before_now(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, true);
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "alice", "root", 1), GS_OK);
    gss_snapshot s;
    snap_init(&s, 1);
    running(&s, 10, "n01", 0, 1, 2, 3, 4, 5, -1);
    held(&s, 20, 400, "gpusched:v1 job=gres:gpu:4", 1);
    gss_job *b = held(&s, 21, 500, "gpusched:v1 job=gres:gpu:2", 1);
    b->time_limit = 600;
    gss_options o = {NULL, GS_ORDER_MULTIFACTOR, GS_BACKFILL_EASY, sh};
    gss_result r;
    char why[256];
    if (gss_decide(t, &s, &o, &r, why, sizeof why) != 0)
        fail_msg("gss_decide: %s", why);
    assert_int_equal(r.n_notes, 0);
    const gss_decision *d = find(&r, 20);
    assert_false(d->start);
    if (!strstr(d->reason, "reserved to start at 4600"))
        fail_msg("job 20: %s", d->reason);
    d = find(&r, 21);
    assert_true(d->start);
    assert_string_equal(d->gpus_text, "n01:6,7");
    assert_true(gs_share_usage(sh, "alice", "root", 1000) == 0);
    gss_result_free(&r);
    gss_snapshot_free(&s);

    snap_init(&s, 1);
    held(&s, 30, 1200, "gpusched:v1 job=gres:gpu:1", 1);
    decide(t, &s, &r);
    assert_true(find(&r, 30)->start);
    gss_result_free(&r);
    gss_snapshot_free(&s);
    gs_share_destroy(sh);
    gs_topo_destroy(t);
}

/* Fair share is decided at now, not at the first step's time. With a
 * half-life of 100 s, "early" used 200 at t=100 and "late" 1 at t=900;
 * the running job is placed at 800 (the held jobs' submission), where the
 * usages are 200/2^7 = 1.56 and 1 (not decayed before it was used), so
 * "late" would go first; at now (1000) they are 200/2^9 = 0.39 and 1/2:
 * "early" goes first. Two 8-GPU jobs, one free node. */
static void fair_share_at_now(void **state)
{
    (void)state;
    gs_topo *t = cluster(2, true);
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_set_half_life(sh, 100), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "early", "root", 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "late", "root", 1), GS_OK);
    assert_int_equal(gs_share_add_usage(sh, "early", "root", 200, 100),
                     GS_OK);
    assert_int_equal(gs_share_add_usage(sh, "late", "root", 1, 900), GS_OK);
    gss_snapshot s;
    snap_init(&s, 2);
    running(&s, 10, "n02", 0, -1);
    gss_job *a = held(&s, 70, 800, "gpusched:v1 job=gres:gpu:8", 1);
    free(a->user);
    a->user = strdup("late");
    gss_job *b = held(&s, 71, 800, "gpusched:v1 job=gres:gpu:8", 1);
    free(b->user);
    b->user = strdup("early");
    gss_options o = {NULL, GS_ORDER_MULTIFACTOR, GS_BACKFILL_NONE, sh};
    gss_result r;
    char why[256];
    if (gss_decide(t, &s, &o, &r, why, sizeof why) != 0)
        fail_msg("gss_decide: %s", why);
    if (!find(&r, 71)->start)
        fail_msg("early's job waits: %s", find(&r, 71)->reason);
    assert_false(find(&r, 70)->start);
    gss_result_free(&r);
    gss_snapshot_free(&s);
    gs_share_destroy(sh);
    gs_topo_destroy(t);
}

/* With the daemon's usage (a share kept across passes), the user who used
 * the most waits: two 8-GPU jobs submitted together for one node. */
static void fair_share_across_passes(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, true);
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "heavy", "root", 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "light", "root", 1), GS_OK);
    assert_int_equal(gs_share_add_usage(sh, "heavy", "root", 1e6, 1000),
                     GS_OK);
    for (int order = 0; order < 2; order++) {
        gss_snapshot s;
        snap_init(&s, 1);
        held(&s, 70, 500, "gpusched:v1 job=gres:gpu:8", 1);
        held(&s, 71, 500, "gpusched:v1 job=gres:gpu:8", 1);
        gss_job *a = &s.jobs[0], *b = &s.jobs[1]; /* after the reallocs */
        free(a->user);
        free(b->user);
        a->user = strdup(order ? "light" : "heavy");
        b->user = strdup(order ? "heavy" : "light");
        gss_options o = {NULL, GS_ORDER_MULTIFACTOR, GS_BACKFILL_NONE, sh};
        gss_result r;
        char why[256];
        assert_int_equal(gss_decide(t, &s, &o, &r, why, sizeof why), 0);
        uint32_t light = order ? 70 : 71, heavy = order ? 71 : 70;
        if (!find(&r, light)->start)
            fail_msg("order %d: light job %u waits: %s (factors %g %g)",
                     order, light, find(&r, light)->reason,
                     gs_share_factor(sh, "heavy", "root"),
                     gs_share_factor(sh, "light", "root"));
        assert_false(find(&r, heavy)->start);
        gss_result_free(&r);
        gss_snapshot_free(&s);
    }
    gs_share_destroy(sh);
    gs_topo_destroy(t);
}

static void per_gpu_types_required(void **state)
{
    (void)state;
    char why[512];
    gs_topo *t = cluster(2, true);
    assert_int_equal(gss_check_types(t, why, sizeof why), 0);
    gs_topo_destroy(t);
    t = cluster(2, false);
    assert_int_equal(gss_check_types(t, why, sizeof why), -1);
    assert_non_null(strstr(why, "node n01: GPU 0 has no Type in gres.conf"));
    gs_topo_destroy(t);
    static const char same[] =
        "NodeName=n1 Name=gpu Type=a100 File=/dev/nvidia[0-1]\n";
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = GS_FORMAT_SLURM_GRES;
    assert_int_equal(gs_topo_load_buffer(&t, same, sizeof same - 1, "g.conf",
                                         &o),
                     GS_OK);
    assert_int_equal(gss_check_types(t, why, sizeof why), -1);
    assert_non_null(strstr(why, "node n1: GPUs 0 and 1 have the same Type "
                                "\"a100\""));
    gs_topo_destroy(t);
}

/* NVLinks between GPUs a and b of a DGX-1V, read from dgx1_links. */
static int link_count(int a, int b)
{
    const char *p = dgx1_links[a];
    for (int k = 0; k < b; k++)
        p = strchr(p, ',') + 1;
    int v = atoi(p);
    return v < 0 ? 0 : v;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* gres.conf under topology.conf: the nodes, GPUs and NVLinks of the one,
 * the switches of the other; a 2-node job goes to two nodes of one leaf. */
static void gres_under_topology(void **state)
{
    (void)state;
    char gres[4096], dir[] = "/tmp/gss_topo_XXXXXX";
    assert_non_null(mkdtemp(dir));
    size_t n = 0;
    for (int g = 0; g < 8; g++)
        n += (size_t)snprintf(gres + n, sizeof gres - n,
                              "NodeName=n[01-04] Name=gpu Type=g%d File=/dev/"
                              "nvidia%d Cores=%s Links=%s\n",
                              g, g, g < 4 ? "0-19" : "20-39", dgx1_links[g]);
    char gp[64], tp[64], why[512];
    snprintf(gp, sizeof gp, "%s/gres.conf", dir);
    snprintf(tp, sizeof tp, "%s/topology.conf", dir);
    write_file(gp, gres);
    write_file(tp, "SwitchName=spine Switches=leaf[1-2]\n"
                   "SwitchName=leaf1 Nodes=n01,n03\n"
                   "SwitchName=leaf2 Nodes=n02,n04\n");
    gs_topo *t = NULL;
    assert_int_equal(gss_topo_build(gp, tp, &t, why, sizeof why), 0);
    assert_int_equal(gs_topo_node_count(t), 4);
    assert_int_equal(gs_topo_gpu_count(t), 32);
    assert_int_equal(gs_topo_switch_count(t), 3);
    assert_string_equal(
        gs_topo_switch_name(t, gs_topo_node_switch(t, gs_topo_find_node(t,
                                                                        "n03"))),
        "leaf1");
    /* the NVLinks of gres.conf, pair by pair */
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 8; b++) {
            if (a == b)
                continue;
            gs_link_info l = GS_LINK_INFO_INIT;
            assert_int_equal(gs_topo_link(t, 8 + (uint32_t)a, 8 + (uint32_t)b,
                                          &l),
                             GS_OK);
            assert_int_equal(l.nvlinks, (uint32_t)link_count(a, b));
        }
    assert_int_equal(gss_check_types(t, why, sizeof why), 0);
    gss_snapshot s;
    snap_init(&s, 4);
    held(&s, 60, 10, "gpusched:v1 node=gres:gpu:8", 2);
    gss_result r;
    decide(t, &s, &r);
    const gss_decision *d = find(&r, 60);
    assert_true(d->start);
    assert_true(strcmp(d->req_nodes, "n01,n03") == 0 ||
                strcmp(d->req_nodes, "n02,n04") == 0);
    gss_result_free(&r);
    gss_snapshot_free(&s);
    gs_topo_destroy(t);
    /* errors name the file */
    write_file(tp, "SwitchName=leaf1 Nodes=n01\nSwitchName=leaf1\n");
    assert_int_equal(gss_topo_build(gp, tp, &t, why, sizeof why), -1);
    assert_non_null(strstr(why, "topology.conf:2:"));
    assert_null(t);
    unlink(tp);
    assert_int_equal(gss_topo_build(gp, tp, &t, why, sizeof why), -1);
    assert_non_null(strstr(why, "topology.conf: No such file"));
    unlink(gp);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tres_strings),
        cmocka_unit_test(gres_detail),
        cmocka_unit_test(constraints),
        cmocka_unit_test(requests),
        cmocka_unit_test(best_pair_is_pinned),
        cmocka_unit_test(running_jobs_and_nodes),
        cmocka_unit_test(stale_pins_are_held_again),
        cmocka_unit_test(multi_node),
        cmocka_unit_test(given_back_and_refused),
        cmocka_unit_test(fair_share_across_passes),
        cmocka_unit_test(times_before_now),
        cmocka_unit_test(fair_share_at_now),
        cmocka_unit_test(per_gpu_types_required),
        cmocka_unit_test(gres_under_topology),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
