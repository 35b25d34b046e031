/*
 * The machine-script reader shared by the fake CUDA driver and the fake
 * NVML (each library has its own copy of the state). Format: docs/probe.md,
 * "Machine scripts".
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fake_machine.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct fm_reader {
    fm_machine *m;
    const char *file;
    int line;
    int depth;
} fm_reader;

static void fm_die(const fm_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void fm_die(const fm_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fake machine %s:%d: ", r->file, r->line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(97);
}

/* Split a line into words; "quoted text" keeps its spaces (quotes go).
 * A '#' outside quotes starts a comment. */
static int fm_words(char *s, char **w, int max)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if (!*s || *s == '#' || n == max)
            return n;
        w[n++] = s;
        char *o = s;
        bool q = false;
        while (*s && (q || (*s != ' ' && *s != '\t' && *s != '\r' &&
                             *s != '\n'))) {
            if (*s == '"')
                q = !q;
            else
                *o++ = *s;
            s++;
        }
        bool end = !*s;
        *o = '\0';
        if (end)
            return n;
        s++;
    }
}

static long long fm_int(const fm_reader *r, const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 0);
    if (end == s || *end)
        fm_die(r, "\"%s\" is not an integer", s);
    return v;
}

static unsigned long long fm_size(const fm_reader *r, const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s)
        fm_die(r, "\"%s\" is not a size", s);
    if (!strcmp(end, "GiB"))
        v <<= 30;
    else if (!strcmp(end, "MiB"))
        v <<= 20;
    else if (!strcmp(end, "KiB"))
        v <<= 10;
    else if (*end)
        fm_die(r, "\"%s\" is not a size (N, NKiB, NMiB, NGiB)", s);
    return v;
}

static int fm_gpu_index(const fm_reader *r, const char *id, bool must)
{
    for (int i = 0; i < r->m->n_gpus; i++)
        if (!strcmp(r->m->gpus[i].id, id))
            return i;
    if (must)
        fm_die(r, "no GPU \"%s\"", id);
    return -1;
}

static int fm_switch_index(const fm_reader *r, const char *id)
{
    for (int i = 0; i < r->m->n_sw; i++)
        if (!strcmp(r->m->sw[i].id, id))
            return i;
    return -1;
}

static void fm_pci(const fm_reader *r, const char *s, long long *dom,
                   long long *bus, long long *dev)
{
    unsigned d, b, v, f;
    char tail;
    if (sscanf(s, "%x:%x:%x.%x%c", &d, &b, &v, &f, &tail) != 4)
        fm_die(r, "\"%s\" is not a PCI bus id dddd:bb:dd.f", s);
    *dom = d;
    *bus = b;
    *dev = v;
}

/* NVML level value from a name or a number. */
static int fm_level(const fm_reader *r, const char *s)
{
    static const struct {
        const char *name;
        int v;
    } names[] = {{"PIX", 10},      {"PXB", 20},     {"PHB", 30},
                 {"NODE", 40},     {"SYS", 50},     {"INTERNAL", 0},
                 {"SINGLE", 10},   {"MULTIPLE", 20}, {"HOSTBRIDGE", 30},
                 {"SYSTEM", 50}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(s, names[i].name))
            return names[i].v;
    return (int)fm_int(r, s);
}

static int fm_error(const fm_reader *r, const char *s)
{
    static const struct {
        const char *name;
        int v;
    } names[] = {
        {"CUDA_ERROR_INVALID_VALUE", 1},
        {"CUDA_ERROR_OUT_OF_MEMORY", 2},
        {"CUDA_ERROR_NOT_INITIALIZED", 3},
        {"CUDA_ERROR_DEINITIALIZED", 4},
        {"CUDA_ERROR_NO_DEVICE", 100},
        {"CUDA_ERROR_INVALID_DEVICE", 101},
        {"CUDA_ERROR_NOT_SUPPORTED", 801},
        {"CUDA_ERROR_UNKNOWN", 999},
        {"NVML_ERROR_UNINITIALIZED", 1},
        {"NVML_ERROR_INVALID_ARGUMENT", 2},
        {"NVML_ERROR_NOT_SUPPORTED", 3},
        {"NVML_ERROR_NO_PERMISSION", 4},
        {"NVML_ERROR_DRIVER_NOT_LOADED", 9},
        {"NVML_ERROR_GPU_IS_LOST", 15},
        {"NVML_ERROR_UNKNOWN", 999},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(s, names[i].name))
            return names[i].v;
    return (int)fm_int(r, s);
}

static bool fm_bool(const fm_reader *r, const char *s)
{
    if (!strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"))
        return true;
    if (!strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0"))
        return false;
    fm_die(r, "\"%s\" is not yes/no", s);
}

static void fm_uuid(const fm_reader *r, fm_gpu *g, const char *s)
{
    if (strncmp(s, "GPU-", 4) != 0)
        fm_die(r, "UUID \"%s\" does not start with GPU-", s);
    int k = 0;
    for (const char *p = s + 4; *p; p++) {
        if (*p == '-')
            continue;
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
            k == 16)
            fm_die(r, "UUID \"%s\" is not 32 hex digits", s);
        char hex[3] = {p[0], p[1], 0};
        g->uuid[k++] = (unsigned char)strtoul(hex, NULL, 16);
        p++;
    }
    if (k != 16)
        fm_die(r, "UUID \"%s\" is not 32 hex digits", s);
    snprintf(g->uuid_text, sizeof g->uuid_text, "%s", s);
}

static void fm_gpu_keys(const fm_reader *r, fm_gpu *g, char **w, int n)
{
    for (int i = 0; i < n; i++) {
        char *eq = strchr(w[i], '=');
        if (!eq)
            fm_die(r, "\"%s\" is not key=value", w[i]);
        *eq = '\0';
        const char *k = w[i], *v = eq + 1;
        if (!strcmp(k, "name"))
            snprintf(g->name, sizeof g->name, "%s", v);
        else if (!strcmp(k, "name-unterminated"))
            g->name_unterminated = fm_bool(r, v);
        else if (!strcmp(k, "uuid"))
            fm_uuid(r, g, v);
        else if (!strcmp(k, "bus"))
            fm_pci(r, v, &g->dom, &g->bus, &g->dev);
        else if (!strcmp(k, "mem"))
            g->mem = fm_size(r, v);
        else if (!strcmp(k, "cc")) {
            if (sscanf(v, "%d.%d", &g->cc_major, &g->cc_minor) != 2)
                fm_die(r, "cc \"%s\" is not M.m", v);
        } else if (!strcmp(k, "sms"))
            g->sms = (int)fm_int(r, v);
        else if (!strcmp(k, "board"))
            g->board = (int)fm_int(r, v);
        else if (!strcmp(k, "group"))
            g->group = (int)fm_int(r, v);
        else if (!strcmp(k, "mig"))
            g->mig = fm_bool(r, v);
        else if (!strcmp(k, "mig-pending"))
            g->mig_pending = fm_bool(r, v);
        else if (!strcmp(k, "vanish"))
            g->vanish = fm_bool(r, v);
        else if (!strcmp(k, "nvml-lost"))
            g->nvml_lost = fm_bool(r, v);
        else if (!strncmp(k, "attr.", 5)) {
            if (g->n_over == FM_MAX_OVERRIDES)
                fm_die(r, "too many attribute overrides");
            g->over_attr[g->n_over] = (int)fm_int(r, k + 5);
            g->over_value[g->n_over++] = (int)fm_int(r, v);
        } else
            fm_die(r, "unknown GPU key \"%s\"", k);
    }
}

static void fm_add_ports(const fm_reader *r, int g, int end, int target,
                         long long n, bool up)
{
    fm_gpu *gp = &r->m->gpus[g];
    if (n < 0 || gp->n_ports + n > FM_MAX_PORTS)
        fm_die(r, "GPU %s: more than %d NVLink ports", gp->id, FM_MAX_PORTS);
    for (long long i = 0; i < n; i++)
        gp->ports[gp->n_ports++] = (fm_port){end, target, up};
}

static void fm_read(fm_reader *r, const char *path);

static void fm_line(fm_reader *r, char **w, int n, const char *dir)
{
    fm_machine *m = r->m;
    const char *d = w[0];
    if (!strcmp(d, "driver") && n == 2) {
        m->driver = (int)fm_int(r, w[1]);
    } else if (!strcmp(d, "nvml-driver") && n == 2) {
        snprintf(m->nvml_driver, sizeof m->nvml_driver, "%s", w[1]);
    } else if (!strcmp(d, "nvml") && n == 2) {
        m->nvml_off = !fm_bool(r, w[1]);
    } else if (!strcmp(d, "cuda-count") && n == 2) {
        m->cuda_count_set = true;
        m->cuda_count = fm_int(r, w[1]);
    } else if (!strcmp(d, "nvml-count") && n == 2) {
        m->nvml_count_set = true;
        m->nvml_count = fm_int(r, w[1]);
    } else if (!strcmp(d, "gpu") && n >= 2) {
        if (m->n_gpus == FM_MAX_GPUS)
            fm_die(r, "more than %d GPUs", FM_MAX_GPUS);
        if (fm_gpu_index(r, w[1], false) >= 0)
            fm_die(r, "GPU \"%s\" twice", w[1]);
        fm_gpu *g = &m->gpus[m->n_gpus];
        memset(g, 0, sizeof *g);
        snprintf(g->id, sizeof g->id, "%s", w[1]);
        snprintf(g->name, sizeof g->name, "Fake GPU");
        g->mem = 16ull << 30;
        g->cc_major = 8;
        g->sms = 108;
        g->group = m->n_gpus;
        g->mig = g->mig_pending = -1;
        g->dom = g->bus = g->dev = -1;
        fm_gpu_keys(r, g, w + 2, n - 2);
        if (!g->uuid_text[0] || g->bus < 0)
            fm_die(r, "GPU %s needs uuid= and bus=", g->id);
        m->nvml_order[m->n_gpus] = m->n_gpus;
        m->n_gpus++;
    } else if (!strcmp(d, "set") && n >= 2) {
        fm_gpu_keys(r, &m->gpus[fm_gpu_index(r, w[1], true)], w + 2, n - 2);
    } else if (!strcmp(d, "switch") && n == 3) {
        if (m->n_sw == FM_MAX_SWITCHES)
            fm_die(r, "too many switches");
        fm_switch *s = &m->sw[m->n_sw++];
        snprintf(s->id, sizeof s->id, "%s", w[1]);
        if (strncmp(w[2], "bus=", 4) != 0)
            fm_die(r, "switch %s needs bus=", w[1]);
        fm_pci(r, w[2] + 4, &s->dom, &s->bus, &s->dev);
    } else if ((!strcmp(d, "nvlink") || !strcmp(d, "nvlink-half") ||
                !strcmp(d, "nvlink-down")) &&
               n == 4) {
        int a = fm_gpu_index(r, w[1], true);
        long long k = fm_int(r, w[3]);
        bool up = strcmp(d, "nvlink-down") != 0;
        int b = fm_gpu_index(r, w[2], false);
        if (b >= 0) {
            fm_add_ports(r, a, FM_END_GPU, b, k, up);
            if (!strcmp(d, "nvlink"))
                fm_add_ports(r, b, FM_END_GPU, a, k, up);
        } else if (!strcmp(w[2], "cpu")) {
            fm_add_ports(r, a, FM_END_CPU, 0, k, up);
        } else if (!strcmp(w[2], "unknown")) {
            fm_add_ports(r, a, FM_END_UNKNOWN, 0, k, up);
        } else {
            int s = fm_switch_index(r, w[2]);
            if (s < 0)
                fm_die(r, "no GPU or switch \"%s\"", w[2]);
            fm_add_ports(r, a, FM_END_SWITCH, s, k, up);
        }
    } else if (!strcmp(d, "nvml-order") && n == m->n_gpus + 1) {
        for (int i = 0; i < m->n_gpus; i++)
            m->nvml_order[i] = fm_gpu_index(r, w[i + 1], true);
    } else if (!strcmp(d, "pcie") && n == 4) {
        int a = fm_gpu_index(r, w[1], true), b = fm_gpu_index(r, w[2], true);
        m->pcie[a][b] = m->pcie[b][a] = fm_level(r, w[3]);
    } else if (!strcmp(d, "pcie-row") && n == m->n_gpus + 2) {
        int a = fm_gpu_index(r, w[1], true);
        for (int b = 0; b < m->n_gpus; b++)
            if (strcmp(w[b + 2], "X") != 0)
                m->pcie[a][b] = fm_level(r, w[b + 2]);
    } else if (!strcmp(d, "pcie-default") && n == 2) {
        m->pcie_default = !strcmp(w[1], "none") ? -1 : fm_level(r, w[1]);
    } else if (!strcmp(d, "p2p") && n >= 3) {
        int a = fm_gpu_index(r, w[1], true), b = fm_gpu_index(r, w[2], true);
        for (int i = 3; i < n; i++) {
            char *eq = strchr(w[i], '=');
            if (!eq)
                fm_die(r, "\"%s\" is not key=value", w[i]);
            *eq = '\0';
            int v = (int)fm_int(r, eq + 1);
            if (!strcmp(w[i], "access"))
                m->access[a][b] = m->access[b][a] = v;
            else if (!strcmp(w[i], "atomics"))
                m->atomics[a][b] = m->atomics[b][a] = v;
            else if (!strcmp(w[i], "rank"))
                m->rank[a][b] = m->rank[b][a] = v;
            else
                fm_die(r, "unknown p2p key \"%s\"", w[i]);
        }
    } else if (!strcmp(d, "nvlink-p2p") && n == 4) {
        int a = fm_gpu_index(r, w[1], true), b = fm_gpu_index(r, w[2], true);
        m->nvlink_p2p[a][b] = m->nvlink_p2p[b][a] = fm_bool(r, w[3]);
    } else if (!strcmp(d, "fail") && (n == 3 || n == 4)) {
        if (m->n_fails == FM_MAX_FAILS)
            fm_die(r, "too many fail lines");
        fm_fail *f = &m->fails[m->n_fails++];
        snprintf(f->fn, sizeof f->fn, "%s", w[1]);
        f->err = fm_error(r, w[2]);
        f->after = 0;
        if (n == 4) {
            if (strncmp(w[3], "after=", 6) != 0)
                fm_die(r, "expected after=N");
            f->after = (int)fm_int(r, w[3] + 6);
        }
    } else if (!strcmp(d, "mig-device") && n == 7) {
        /* mig-device GPU GI PROFILE_ID START SIZE UUID */
        fm_gpu *g = &m->gpus[fm_gpu_index(r, w[1], true)];
        if (g->n_migs == 16)
            fm_die(r, "GPU %s: more than 16 MIG devices", g->id);
        fm_mig *x = &g->migs[g->n_migs++];
        x->gi = (unsigned)fm_int(r, w[2]);
        x->profile_id = (unsigned)fm_int(r, w[3]);
        x->start = (unsigned)fm_int(r, w[4]);
        x->size = (unsigned)fm_int(r, w[5]);
        snprintf(x->uuid, sizeof x->uuid, "%s", w[6]);
    } else if (!strcmp(d, "lacks") && n == 2) {
        if (m->n_lacks == 8)
            fm_die(r, "too many lacks lines");
        snprintf(m->lacks[m->n_lacks++], 64, "%s", w[1]);
    } else if (!strcmp(d, "include") && n == 2) {
        char path[2048];
        if (w[1][0] == '/')
            snprintf(path, sizeof path, "%s", w[1]);
        else
            snprintf(path, sizeof path, "%s/%s", dir, w[1]);
        fm_reader sub = {m, path, 0, r->depth + 1};
        if (sub.depth > 8)
            fm_die(r, "includes nested too deep");
        fm_read(&sub, path);
    } else {
        fm_die(r, "cannot read \"%s\" with %d words", d, n);
    }
}

static void fm_read(fm_reader *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fm_die(r, "cannot open %s", path);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        r->line++;
        char *w[80];
        int n = fm_words(line, w, 80);
        for (int i = 0; i < n; i++)
            w[i][strcspn(w[i], "\n")] = '\0';
        if (n)
            fm_line(r, w, n, dir);
    }
    fclose(f);
}

bool fm_load(fm_machine *m)
{
    memset(m, 0, sizeof *m);
    m->driver = 12040;
    snprintf(m->nvml_driver, sizeof m->nvml_driver, "550.54.15");
    m->pcie_default = 50; /* SYSTEM */
    for (int a = 0; a < FM_MAX_GPUS; a++)
        for (int b = 0; b < FM_MAX_GPUS; b++)
            m->pcie[a][b] = m->access[a][b] = m->atomics[a][b] =
                m->rank[a][b] = m->nvlink_p2p[a][b] = -2;
    const char *path = getenv("GPUSCHED_FAKE_MACHINE");
    if (!path || !*path)
        return false;
    snprintf(m->path, sizeof m->path, "%s", path);
    struct stat sb;
    if (stat(path, &sb) == 0) {
        m->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL +
                      sb.st_mtim.tv_nsec;
        m->size = (long long)sb.st_size;
    }
    fm_reader r = {m, path, 0, 0};
    fm_read(&r, path);
    m->loaded = true;
    return true;
}

bool fm_stale(const fm_machine *m)
{
    const char *path = getenv("GPUSCHED_FAKE_MACHINE");
    if (!path || !*path)
        return m->loaded;
    if (!m->loaded || strcmp(path, m->path) != 0)
        return true;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return true;
    return (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec !=
               m->mtime_ns ||
           (long long)sb.st_size != m->size;
}

void fm_reset_fails(fm_machine *m)
{
    for (int i = 0; i < m->n_fails; i++)
        m->fails[i].calls = 0;
}

int fm_fail_now(fm_machine *m, const char *fn)
{
    for (int i = 0; i < m->n_fails; i++) {
        fm_fail *f = &m->fails[i];
        if (strcmp(f->fn, fn) != 0)
            continue;
        if (f->calls++ >= f->after)
            return f->err;
    }
    return 0;
}

bool fm_lacks(const fm_machine *m, const char *fn)
{
    for (int i = 0; i < m->n_lacks; i++)
        if (!strcmp(m->lacks[i], fn))
            return true;
    return false;
}

int fm_direct_links(const fm_machine *m, int a, int b)
{
    int k = 0;
    for (int p = 0; p < m->gpus[a].n_ports; p++)
        k += m->gpus[a].ports[p].up && m->gpus[a].ports[p].end == FM_END_GPU &&
             m->gpus[a].ports[p].target == b;
    return k;
}

bool fm_on_switch(const fm_machine *m, int g)
{
    for (int p = 0; p < m->gpus[g].n_ports; p++)
        if (m->gpus[g].ports[p].up && m->gpus[g].ports[p].end == FM_END_SWITCH)
            return true;
    return false;
}
