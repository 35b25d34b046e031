/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file mig.h
 * @brief MIG (Multi-Instance GPU) geometry: the GPU instance profiles of
 *        A100, H100 and H200, where each may be placed, which sets of GPU
 *        instances are legal, and where to create the next one.
 *
 * Source: NVIDIA Multi-Instance GPU User Guide (R580),
 * https://docs.nvidia.com/datacenter/tesla/mig-user-guide/ , sections
 * "Supported MIG Profiles" (supported-mig-profiles.html: the profile
 * tables of A100, H100 and H200 and their diagrams), "Concepts /
 * Partitioning" (concepts.html: how valid combinations are built) and
 * "Getting Started with MIG" (getting-started-with-mig.html: the
 * `nvidia-smi mig -lgipp` placements). docs/sharing.md has the tables.
 *
 * **The grid.** A GPU in MIG mode has 8 memory slots (each an eighth of
 * its memory) and 7 compute slices. A GPU instance of a profile occupies
 * a fixed number of consecutive memory slots (its span) starting at one
 * of the profile's legal starts, exactly as `nvidia-smi mig -lgipp`
 * lists them (`{0,2,4}:2`: starts 0, 2 and 4, two slots each).
 *
 * **Legal layouts.** A set of GPU instances is legal when every instance
 * starts at a legal start of its profile, no two share a memory slot, the
 * compute slices add up to at most 7, no profile has more instances than
 * its "Number of Instances Available", and at most one instance has media
 * extensions ("+me"). On these four GPUs the legal layouts are exactly the
 * sub-layouts of the combinations the guide's diagrams show.
 *
 * Everything here is a pure function of its arguments: no allocation, no
 * global state, safe from any thread.
 */
#ifndef GPUSCHED_MIG_H
#define GPUSCHED_MIG_H

#include <gpusched/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup mig MIG geometry
 *  @brief The MIG profiles of A100, H100 and H200, legal layouts of GPU
 *         instances, and where to create the next one.
 *
 *  Profiles are numbered per GPU in the order of the guide's table
 *  (gs_mig_profile_get()); a layout is an array of ::gs_mig_instance.
 *  gs_mig_layout_check() says whether a layout is legal and why not,
 *  gs_mig_layout_parse() and gs_mig_layout_format() convert the text form
 *  `"3g.40gb@0,2g.20gb@4,1g.10gb@6"`, and gs_mig_choose() picks where a new
 *  instance goes on a GPU that already holds some (dynamic MIG).
 *  @{ */

/** @brief A MIG-capable GPU whose profiles this module knows. */
typedef enum gs_mig_gpu {
    /** A100 40GB (SXM4 and PCIe): 1g.5gb ... 7g.40gb. */
    GS_MIG_A100_40GB = 0,
    /** A100 80GB (SXM4 and PCIe): 1g.10gb ... 7g.80gb. */
    GS_MIG_A100_80GB = 1,
    /** H100 80GB (SXM5 and PCIe): 1g.10gb ... 7g.80gb. */
    GS_MIG_H100_80GB = 2,
    /** H200 141GB (SXM5 and NVL): 1g.18gb ... 7g.141gb. */
    GS_MIG_H200_141GB = 3
} gs_mig_gpu;

/** Number of ::gs_mig_gpu values. */
#define GS_MIG_GPU_COUNT 4

/** Memory slots of a MIG GPU (the placement grid's width). */
#define GS_MIG_SLOTS 8

/** Compute slices of a MIG GPU. */
#define GS_MIG_COMPUTE_SLICES 7

/**
 * @brief A GPU's short name: "A100-40GB", "A100-80GB", "H100-80GB",
 *        "H200-141GB".
 * @param kind A GPU.
 * @return A static string, or "?" for an invalid value.
 */
GS_API const char *gs_mig_gpu_name(gs_mig_gpu kind);

/**
 * @brief Which MIG table a GPU uses, from its model name as NVML or CUDA
 *        report it and its memory.
 *
 * The name is matched case-insensitively on the words A100, H100 and H200
 * (not as part of a longer word: "A1000", "A100X" and "GH200" do not
 * match). @p memory_bytes, when not 0, decides the variant: an A100 of
 * 30 to 60 GiB is the 40GB one, of 60 to 100 GiB the 80GB one; an H100
 * must have 60 to 90 GiB (H100 NVL and 94GB/96GB parts are not in the
 * table); an H200 120 to 160 GiB. When it is 0 the name decides: "40GB"
 * or "80GB" in an A100's name (an A100 without either is ambiguous and not
 * found), any H100 but "NVL", "94GB" or "96GB" ones, any H200.
 * Examples: "NVIDIA A100-SXM4-40GB", "NVIDIA A100 80GB PCIe",
 * "NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe", "H100-SXM5-80GB",
 * "NVIDIA H200", "NVIDIA H200 NVL".
 *
 * @param model The model name.
 * @param memory_bytes The GPU's memory in bytes, or 0 if unknown.
 * @param[out] kind Receives the GPU.
 * @return ::GS_OK; ::GS_ENOTFOUND for a GPU without MIG or not in the
 *         table (A30, B200, H100 NVL, GH200, ...); ::GS_EINVAL for a NULL
 *         argument.
 */
GS_API gs_status gs_mig_gpu_find(const char *model, uint64_t memory_bytes,
                                 gs_mig_gpu *kind);

/** @brief A GPU instance profile of one GPU, from the guide's table. */
typedef struct gs_mig_profile_info {
    /** Its name without "MIG ", as `nvidia-smi` prints it ("3g.20gb"). */
    const char *name;
    /** Compute slices (of ::GS_MIG_COMPUTE_SLICES): the "g" in the name. */
    uint32_t compute_slices;
    /** Memory slices (of ::GS_MIG_SLOTS): the "Fraction of Memory" in
     *  eighths. Always equal to @ref span. */
    uint32_t memory_slices;
    /** Nominal memory: the GB of the name times 10^9 (the guide gives no
     *  exact size; the driver reports somewhat less, e.g. 4.75 GiB for
     *  1g.5gb). */
    uint64_t memory_bytes;
    /** Most instances of this profile on one GPU ("Number of Instances
     *  Available"). */
    uint32_t max_instances;
    /** Number of legal starts in @ref starts. */
    uint32_t n_starts;
    /** The legal starts (memory slot of the first slot), increasing; the
     *  first @ref n_starts are used. */
    uint8_t starts[GS_MIG_SLOTS];
    /** Memory slots an instance occupies from its start (the size in
     *  `nvidia-smi mig -lgipp`'s `{starts}:size`). */
    uint32_t span;
    /** 1 for a profile with media extensions ("+me": the GPU's JPEG and
     *  OFA engines); at most one such instance per GPU. 0 otherwise. */
    int media_extensions;
} gs_mig_profile_info;

/**
 * @brief Number of GPU instance profiles of a GPU.
 * @param kind A GPU.
 * @return 7 for each GPU here, 0 for an invalid value.
 */
GS_API uint32_t gs_mig_profile_count(gs_mig_gpu kind);

/**
 * @brief A GPU instance profile.
 * @param kind A GPU.
 * @param profile The profile's number, 0 to gs_mig_profile_count() - 1,
 *        in the order of the guide's table (smallest first; the "+me"
 *        profile right after its plain 1g profile).
 * @param[out] info Receives the profile; its name is a static string.
 * @return ::GS_OK, or ::GS_EINVAL for an invalid GPU or profile or a NULL
 *         @p info.
 */
GS_API gs_status gs_mig_profile_get(gs_mig_gpu kind, uint32_t profile,
                                    gs_mig_profile_info *info);

/**
 * @brief Find a profile by name.
 *
 * The name is the profile's exact name ("2g.10gb", "1g.5gb+me"), compared
 * case-insensitively, optionally after "MIG " ("MIG 2g.10gb", as
 * `nvidia-smi` prints it). Other spellings (profile ids, "2g") are not
 * names.
 *
 * @param kind A GPU.
 * @param name The name.
 * @param[out] profile Receives the profile's number.
 * @return ::GS_OK; ::GS_ENOTFOUND for a name the GPU has no profile of;
 *         ::GS_EINVAL for an invalid GPU or a NULL argument.
 */
GS_API gs_status gs_mig_profile_find(gs_mig_gpu kind, const char *name,
                                     uint32_t *profile);

/** @brief One GPU instance: a profile at a start. */
typedef struct gs_mig_instance {
    /** The profile's number (gs_mig_profile_get()). */
    uint32_t profile;
    /** The memory slot it starts at: one of the profile's starts. */
    uint32_t start;
} gs_mig_instance;

/**
 * @brief Whether a set of GPU instances is a legal layout.
 *
 * The rules (the guide's): each instance starts at a legal start of its
 * profile; at most one instance with media extensions; no profile with
 * more instances than its maximum; compute slices at most 7 in total; no
 * memory slot in two instances. The instances are checked in order and
 * the first that breaks a rule, with the rules in that order, is named by
 * its position (instance i is `inst[i]`), e.g. "instance 3 (2g.10gb@4)
 * overlaps instance 1 (3g.20gb@4) on memory slot 4".
 *
 * @param kind A GPU.
 * @param inst The instances (may be NULL if @p n is 0).
 * @param n Number of instances; 0 is the empty, legal, layout.
 * @param[out] why Receives a one-line reason when the layout is illegal,
 *        "" when it is legal (may be NULL; truncated to @p why_len).
 * @param why_len Size of @p why.
 * @return ::GS_OK if legal; ::GS_EINVAL if illegal (with the reason), or
 *         for an invalid GPU or a NULL @p inst with @p n > 0.
 */
GS_API gs_status gs_mig_layout_check(gs_mig_gpu kind,
                                     const gs_mig_instance *inst, size_t n,
                                     char *why, size_t why_len);

/**
 * @brief Read a layout from text.
 *
 * The text is a comma-separated list of items `name@start` or `name`
 * (spaces around items and around '@' are allowed; names as in
 * gs_mig_profile_find() without "MIG "), e.g.
 * `"3g.40gb@0,2g.20gb@4,1g.10gb@6"` or `"3g.40gb,2g.20gb,1g.10gb"`. An
 * item without a start gets the lowest start at which it can be added to
 * the items before it. The result must be a legal layout. Empty text
 * (or only spaces) is the empty layout.
 *
 * Errors name the 1-based column of the bad item's first character, e.g.
 * "column 17: 2g.20gb@4 overlaps 3g.40gb@4 (column 1) on memory slot 4".
 *
 * @param kind A GPU.
 * @param text The text (NUL-terminated).
 * @param[out] inst Receives the instances, in the order of the text (may
 *        be NULL if @p cap is 0).
 * @param cap Capacity of @p inst (a legal layout has at most 7
 *        instances).
 * @param[out] n Receives the number of instances; 0 on failure.
 * @param[out] why Receives a one-line reason on failure, "" on success
 *        (may be NULL; truncated to @p why_len).
 * @param why_len Size of @p why.
 * @return ::GS_OK; ::GS_EPARSE for malformed text (empty item, unknown
 *         profile, bad start); ::GS_EINVAL for a layout that breaks a rule
 *         of gs_mig_layout_check() or an item that fits nowhere, or for an
 *         invalid GPU or NULL @p text, @p n, or @p inst with @p cap > 0;
 *         ::GS_ENOSPC for more items than @p cap.
 */
GS_API gs_status gs_mig_layout_parse(gs_mig_gpu kind, const char *text,
                                     gs_mig_instance *inst, size_t cap,
                                     size_t *n, char *why, size_t why_len);

/**
 * @brief Write a legal layout as text: `name@start` items separated by
 *        commas, in the array's order; gs_mig_layout_parse() reads it back.
 * @param kind A GPU.
 * @param inst The instances (may be NULL if @p n is 0).
 * @param n Number of instances (0 gives "").
 * @param[out] buf Receives the NUL-terminated text (may be NULL if @p cap
 *        is 0).
 * @param cap Size of @p buf.
 * @param[out] len Receives the text's length without the NUL, also when
 *        the buffer is too small (may be NULL).
 * @return ::GS_OK; ::GS_ENOSPC if @p cap is too small (@p buf then holds
 *         "" if @p cap > 0); ::GS_EINVAL for an invalid GPU, an illegal
 *         layout or a NULL @p inst with @p n > 0.
 */
GS_API gs_status gs_mig_layout_format(gs_mig_gpu kind,
                                      const gs_mig_instance *inst, size_t n,
                                      char *buf, size_t cap, size_t *len);

/**
 * @brief How many more instances of a profile a GPU could still take.
 *
 * The largest number k such that k instances of @p profile can be added
 * to @p existing together and leave a legal layout (an exact search over
 * the profile's starts).
 *
 * @param kind A GPU.
 * @param existing The GPU's instances, a legal layout (may be NULL if
 *        @p n is 0).
 * @param n Number of instances.
 * @param profile A profile of the GPU.
 * @return The number; 0 also for invalid arguments or an illegal layout.
 */
GS_API uint32_t gs_mig_capacity(gs_mig_gpu kind,
                                const gs_mig_instance *existing, size_t n,
                                uint32_t profile);

/**
 * @brief Where to create a new instance of a profile (dynamic MIG).
 *
 * Among the starts at which an instance of @p profile can be added to
 * @p existing, the one whose result is best able to take what comes
 * next: a start scores the sum over every profile p of `weights[p] ×
 * gs_mig_capacity(result, p)`. The highest score wins; ties go to the
 * lowest start. For example on an empty A100-40GB with every weight 1, a
 * 1g.5gb goes to slot 6 (score 15: 4g.20gb, 3g.20gb@0 and three 2g.10gb
 * remain possible), not slot 0 (score 13).
 *
 * @param kind A GPU.
 * @param existing The GPU's instances, a legal layout (may be NULL if
 *        @p n is 0).
 * @param n Number of instances.
 * @param profile The profile of the new instance.
 * @param weights gs_mig_profile_count() weights, each finite and >= 0, or
 *        NULL for every weight 1.
 * @param[out] start Receives the chosen start.
 * @return ::GS_OK; ::GS_ENORES if the instance fits nowhere; ::GS_EINVAL
 *         for an invalid GPU or profile, an illegal @p existing, a weight
 *         that is negative or not finite, or a NULL @p start (or
 *         @p existing with @p n > 0).
 */
GS_API gs_status gs_mig_choose(gs_mig_gpu kind,
                               const gs_mig_instance *existing, size_t n,
                               uint32_t profile, const double *weights,
                               uint32_t *start);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_MIG_H */
