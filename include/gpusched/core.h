/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file core.h
 * @brief Version, status codes, allocator hooks: what every other header
 *        builds on. Include gpusched.h rather than this file.
 *
 * The conventions that hold for every function are:
 *
 * - Functions that can fail return a ::gs_status: ::GS_OK (zero) on
 *   success, a negative code on failure. Codes never change value once
 *   released.
 * - Handles are created with `gs_x_create(&x, ...)` and released with
 *   `gs_x_destroy(x)`; every destroy function accepts NULL.
 * - A handle keeps a human-readable message about its last error (what
 *   went wrong and where), retrieved with its `*_errmsg` function.
 * - The library never reads a clock, sleeps, starts threads or keeps hidden
 *   global state, except for the allocator hooks set with
 *   gs_set_allocator().
 */
#ifndef GPUSCHED_CORE_H
#define GPUSCHED_CORE_H

#include <stddef.h>
#include <stdint.h>

/** @cond GS_INTERNAL */
#if defined(_WIN32)
#  define GS_EXPORT_ __declspec(dllexport)
#  define GS_IMPORT_ __declspec(dllimport)
#else
#  define GS_EXPORT_ __attribute__((visibility("default")))
#  define GS_IMPORT_
#endif
/** @endcond */

/**
 * @def GS_API
 * @brief Marks a function as part of the exported API.
 *
 * The library is built with hidden visibility; only functions marked with
 * this macro are exported from the shared object.
 */
#if defined(GS_BUILDING_LIBRARY)
#  define GS_API GS_EXPORT_
#elif defined(GS_STATIC)
#  define GS_API
#else
#  define GS_API GS_IMPORT_
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup version Version
 *  @brief Compile-time and run-time version numbers.
 *  @{ */

/** Major version. While it is 0, minor versions are incompatible. */
#define GS_VERSION_MAJOR 0
/** Minor version. */
#define GS_VERSION_MINOR 1
/** Patch version. */
#define GS_VERSION_PATCH 0
/** The version as one comparable number: major*10000 + minor*100 + patch. */
#define GS_VERSION_NUMBER \
    (GS_VERSION_MAJOR * 10000 + GS_VERSION_MINOR * 100 + GS_VERSION_PATCH)
/** The version as a string, "major.minor.patch". */
#define GS_VERSION_STRING "0.1.0"

/**
 * @brief The version of the library linked at run time.
 * @return major*10000 + minor*100 + patch, comparable with
 *         ::GS_VERSION_NUMBER.
 */
GS_API unsigned gs_version(void);

/**
 * @brief The version of the library linked at run time, as a string.
 * @return A static string such as "0.1.0".
 */
GS_API const char *gs_version_string(void);

/** @} */

/** @defgroup status Status codes
 *  @brief Status codes: one table generates the enum, the names and the
 *         messages.
 *  @{ */

/**
 * @brief The table of status codes: X(name, value, message).
 *
 * Released codes never change value; new codes are added at the end.
 */
#define GS_STATUS_MAP(X)                                                     \
    X(OK, 0, "success")                                                      \
    X(EINVAL, -1, "invalid argument")                                        \
    X(ENOMEM, -2, "out of memory")                                           \
    X(EPARSE, -3, "malformed input")                                         \
    X(EIO, -4, "input/output error")                                         \
    X(ENOTFOUND, -5, "no such object")                                       \
    X(EFROZEN, -6, "object is frozen and can no longer be changed")          \
    X(ENOTFROZEN, -7, "object must be frozen first")                         \
    X(EEXIST, -8, "object already exists")                                   \
    X(ERANGE, -9, "value out of range")                                      \
    X(ENODEV, -10, "no GPU or GPU driver found")                             \
    X(ENOSPC, -11, "output buffer too small")                                \
    X(EINVALID, -12, "inconsistent description")                             \
    X(EBUSY, -13, "resource is busy")                                        \
    X(EUNSUPPORTED, -14, "not supported")                                    \
    X(ENORES, -15, "not enough free resources")                              \
    X(ESTATE, -16, "operation not allowed in the current state")             \
    X(EDRIVER, -17, "GPU driver reported an error")

/** @cond GS_INTERNAL */
#define GS_STATUS_ENUM_(name, value, msg) GS_##name = (value),
/** @endcond */

#if defined(GS_DOXYGEN)
/* Doxygen cannot see enumerators made by a macro: this documented copy is
 * what it reads. tests/test_status.c checks it against GS_STATUS_MAP. */
/** @brief Result of a call: ::GS_OK or a negative error code. */
typedef enum gs_status {
    GS_OK = 0,            /**< success */
    GS_EINVAL = -1,       /**< an argument is invalid (NULL, out of range) */
    GS_ENOMEM = -2,       /**< an allocation failed; nothing was changed */
    GS_EPARSE = -3,       /**< input is malformed; the message has %file:line:column */
    GS_EIO = -4,          /**< a file could not be read or written */
    GS_ENOTFOUND = -5,    /**< a named object does not exist */
    GS_EFROZEN = -6,      /**< the object is frozen and cannot be changed */
    GS_ENOTFROZEN = -7,   /**< the object must be frozen first */
    GS_EEXIST = -8,       /**< an object with that name already exists */
    GS_ERANGE = -9,       /**< a value is outside its allowed range */
    GS_ENODEV = -10,      /**< no GPU or no GPU driver was found */
    GS_ENOSPC = -11,      /**< an output buffer is too small */
    GS_EINVALID = -12,    /**< a description is inconsistent (found when freezing) */
    GS_EBUSY = -13,       /**< a resource is in use */
    GS_EUNSUPPORTED = -14, /**< not supported in this build */
    GS_ENORES = -15,      /**< not enough free resources */
    GS_ESTATE = -16,      /**< not allowed in the object's current state */
    GS_EDRIVER = -17,     /**< the GPU driver returned an error */
    GS_STATUS_END_        /**< not a status; marks the end of the table */
} gs_status;
#else
typedef enum gs_status {
    GS_STATUS_MAP(GS_STATUS_ENUM_)
    GS_STATUS_END_
} gs_status;
#endif

/**
 * @brief The symbolic name of a status code.
 * @param status A status code.
 * @return A static string such as "GS_EINVAL", or "GS_UNKNOWN" for a value
 *         that is not in the table.
 */
GS_API const char *gs_status_name(int status);

/**
 * @brief A short English description of a status code.
 * @param status A status code.
 * @return A static string such as "invalid argument", or "unknown status"
 *         for a value that is not in the table.
 */
GS_API const char *gs_strerror(int status);

/**
 * @brief The default limit on the size of one input the library reads from
 *        a file or a stream: 256 MiB.
 *
 * Every reader stops with ::GS_ERANGE at the limit instead of reading
 * without end (a FIFO, `/dev/zero`). The load functions take a different
 * limit in gs_load_options::max_input_bytes.
 */
#define GS_MAX_INPUT_DEFAULT ((uint64_t)256 << 20)

/**
 * @brief The largest time or duration the library accepts, seconds:
 *        2^60 (about 36 billion years).
 *
 * Every time (`now`, submission times) must lie in [-GS_TIME_MAX,
 * GS_TIME_MAX] and every duration (time limits, half-lives, intervals) in
 * [0, GS_TIME_MAX]; values beyond (infinity included) are refused with
 * ::GS_ERANGE where they enter, so that no sum or difference of two of
 * them overflows. NaN and negative durations are ::GS_EINVAL.
 */
#define GS_TIME_MAX ((int64_t)1 << 60)

/** A time that is not known (an expected start no plan gave): below every
 *  time the library takes. */
#define GS_TIME_UNKNOWN INT64_MIN

/** @} */

/** @defgroup alloc Allocator hooks
 *  @brief Allocator hooks: every allocation the library makes goes through
 *         them.
 *  @{ */

/**
 * @brief Allocation functions the library calls instead of malloc/free.
 *
 * All three function pointers must be set. They receive gs_allocator::user as their
 * first argument. They must behave like the C library functions: malloc and
 * realloc return NULL on failure; free accepts NULL.
 */
typedef struct gs_allocator {
    /** Allocate @p size bytes (size is never 0). */
    void *(*malloc_fn)(void *user, size_t size);
    /** Resize @p ptr (possibly NULL) to @p size bytes (never 0). */
    void *(*realloc_fn)(void *user, void *ptr, size_t size);
    /** Release @p ptr (possibly NULL). */
    void (*free_fn)(void *user, void *ptr);
    /** Passed unchanged to the three functions. */
    void *user;
} gs_allocator;

/**
 * @brief Replace the allocator used by the whole library.
 *
 * Call it before any other gpusched function, from one thread. The change
 * is refused while the library holds any memory allocated with the previous
 * allocator (any live handle or buffer), because that memory would then be
 * released with the wrong function.
 *
 * @param allocator The new hooks, or NULL to restore malloc/realloc/free.
 * @return ::GS_OK; ::GS_EINVAL if a function pointer is NULL; ::GS_EBUSY
 *         if memory from the current allocator is still in use.
 */
GS_API gs_status gs_set_allocator(const gs_allocator *allocator);

/**
 * @brief The allocator currently in use.
 * @param[out] out Receives a copy of the hooks.
 */
GS_API void gs_get_allocator(gs_allocator *out);

/**
 * @brief Release a buffer that the library returned to the caller (for
 * example the text from gs_topo_to_json()).
 * @param ptr The buffer, or NULL.
 */
GS_API void gs_free(void *ptr);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_CORE_H */
