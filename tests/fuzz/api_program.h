/*
 * A byte string read as a program of scheduler API calls, checked after
 * each call (tests/fuzz/api_program.c). Aborts on a broken invariant.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_API_PROGRAM_H
#define GS_API_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

void gs_api_program_run(const uint8_t *data, size_t size);

#endif
