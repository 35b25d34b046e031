/*
 * The fair-share readers' invariants (tests/fuzz/share_check.c).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SHARE_CHECK_H
#define GS_SHARE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void gs_share_check_one(const uint8_t *data, size_t size, bool usage);

#endif
