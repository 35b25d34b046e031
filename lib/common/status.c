/*
 * Version and status codes. The names and messages come from the same table
 * as the enum (GS_STATUS_MAP in gpusched.h).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/util.h"

GS_API unsigned gs_version(void) { return GS_VERSION_NUMBER; }

GS_API const char *gs_version_string(void) { return GS_VERSION_STRING; }

GS_API const char *gs_status_name(int status)
{
    switch (status) {
#define GS_STATUS_NAME_(name, value, msg) \
    case value:                           \
        return "GS_" #name;
        GS_STATUS_MAP(GS_STATUS_NAME_)
#undef GS_STATUS_NAME_
    default:
        return "GS_UNKNOWN";
    }
}

GS_API const char *gs_strerror(int status)
{
    switch (status) {
#define GS_STATUS_MSG_(name, value, msg) \
    case value:                          \
        return msg;
        GS_STATUS_MAP(GS_STATUS_MSG_)
#undef GS_STATUS_MSG_
    default:
        return "unknown status";
    }
}
