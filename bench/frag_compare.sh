#!/usr/bin/env bash
# The FGD paper's inflation experiment (Weng et al., USENIX ATC '23,
# section 6) on Alibaba's cluster-trace-gpu-v2023, with gpusched's placement
# policies: first-fit, best-fit, spread, nvlink-pack, fgd and frag-aware,
# five seeds, the fragmentation mix learned by the scheduler and then the
# trace's own (docs/sharing.md, "Reproducing").
#
#   bench/frag_compare.sh [--gpusched PATH] [--data DIR] [--pods FILE]
#                         [--save DIR] [-- PODSIM OPTIONS...]
#
#   --gpusched PATH  the tool (default: $GPUSCHED, else build-rel/, build/
#                    in the repository, else gpusched on the PATH)
#   --data DIR       the trace's directory (default: $ALIBABA_GPU_2023, else
#                    ../shared/data/traces/alibaba-gpu-v2023 next to the
#                    repository)
#   --pods FILE      the pod list in it (default: openb_pod_list_default.csv)
#   --save DIR       also write each table as CSV there (learned.csv,
#                    trace.csv)
#   -- ...           more gpusched podsim options (--policies...; --seeds,
#                    --order and --parallel replace the script's --seeds
#                    1,2,3,4,5 and --parallel with a process per CPU)
#
# Prints the two tables (means of the seeds, then each run) and how long
# each took. Exit status: 0, 1 a run failed, 2 bad arguments or no data.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
gpusched=${GPUSCHED:-}
data=${ALIBABA_GPU_2023:-$repo/../shared/data/traces/alibaba-gpu-v2023}
pods=openb_pod_list_default.csv
save=
extra=()

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case $1 in
    --gpusched) gpusched=${2:?--gpusched needs a path}; shift 2 ;;
    --data) data=${2:?--data needs a directory}; shift 2 ;;
    --pods) pods=${2:?--pods needs a file name}; shift 2 ;;
    --save) save=${2:?--save needs a directory}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *)
        echo "frag_compare.sh: unknown argument '$1' (try --help)" >&2
        exit 2
        ;;
    esac
done

if [ -z "$gpusched" ]; then
    for b in "$repo/build-rel/tools/gpusched" "$repo/build/tools/gpusched"; do
        if [ -x "$b" ] && "$b" help podsim >/dev/null 2>&1; then
            gpusched=$b
            break
        fi
    done
fi
gpusched=${gpusched:-$(command -v gpusched || true)}
if [ -z "$gpusched" ] || [ ! -x "$gpusched" ]; then
    echo "frag_compare.sh: no gpusched tool: build it" \
         "(cmake --build build-rel) or pass --gpusched PATH" >&2
    exit 2
fi
if ! "$gpusched" help podsim >/dev/null 2>&1; then
    echo "frag_compare.sh: $gpusched has no podsim command: rebuild it" >&2
    exit 2
fi
if [ -d "$data" ]; then
    data=$(cd "$data" && pwd)
fi
nodes=$data/openb_node_list_gpu_node.csv
case $pods in /*) ;; *) pods=$data/$pods ;; esac
for f in "$nodes" "$pods"; do
    if [ ! -r "$f" ]; then
        echo "frag_compare.sh: $f: not found (the trace lives in" \
             "../shared/data/traces/alibaba-gpu-v2023; set --data or" \
             "ALIBABA_GPU_2023)" >&2
        exit 2
    fi
done
if [ -n "$save" ]; then
    mkdir -p "$save"
fi

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
# five seeds and a process per CPU, unless the options after -- say
# otherwise
defaults=()
case " ${extra[*]} " in
*" --seeds"* | *" --order"*) ;;
*) defaults+=(--seeds "1,2,3,4,5") ;;
esac
case " ${extra[*]} " in
*" --parallel"*) ;;
*) defaults+=(--parallel "$jobs") ;;
esac
echo "gpusched: $("$gpusched" --version)"
echo "$(uname -srm), $jobs CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for mix in learned trace; do
    echo
    echo "==== fragmentation mix: $mix ===="
    args=(podsim --nodes "$nodes" --pods "$pods" --frag-mix "$mix"
          "${defaults[@]}" "${extra[@]}")
    start=$(date +%s.%N)
    "$gpusched" "${args[@]}"
    end=$(date +%s.%N)
    if [ -n "$save" ]; then
        "$gpusched" "${args[@]}" --csv --out "$save/$mix.csv" 2>/dev/null
    fi
    awk -v s="$start" -v e="$end" \
        'BEGIN { printf "(wall time %.1f s)\n", e - s }'
done
