/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file gpusched.h
 * @brief Umbrella header: include this one file to get the whole public API.
 *
 * - core.h: version, status codes (::gs_status, gs_strerror()), allocator
 *   hooks (gs_set_allocator());
 * - topo.h: the topology model, its formats and the built-in templates;
 * - job.h: what a job asks for;
 * - fairshare.h: accounts, shares, usage and fair-share factors;
 * - sched.h: the scheduler;
 * - policy.h: the placement policy plugin ABI;
 * - ordering.h: the ordering policy plugin ABI;
 * - probe.h: the device probe (this machine from the CUDA driver, NVML and
 *   hwloc).
 */
#ifndef GPUSCHED_GPUSCHED_H
#define GPUSCHED_GPUSCHED_H

#include <gpusched/core.h>
#include <gpusched/topo.h>
#include <gpusched/job.h>
#include <gpusched/fairshare.h>
#include <gpusched/sched.h>
#include <gpusched/policy.h>
#include <gpusched/ordering.h>
#include <gpusched/probe.h>
#include <gpusched/state.h>
#include <gpusched/mig.h>

#endif /* GPUSCHED_GPUSCHED_H */
