#!/bin/sh
# Install the build tree into a scratch prefix, move the prefix (the package
# files must be relocatable), then build a consumer twice: with
# find_package(gpusched) and with pkg-config.
set -eu
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/stage" >/dev/null
mv "$work/stage" "$work/prefix"
prefix=$work/prefix

cmake -S "$src" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake-build" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libgpusched.so' | head -n 1)")
LD_LIBRARY_PATH=$libdir "$work/cmake-build/consumer_shared"
"$work/cmake-build/consumer_static"

pcdir=$(dirname "$(find "$prefix" -name gpusched.pc)")
export PKG_CONFIG_PATH=$pcdir
test "$(pkg-config --modversion gpusched)" = "$(sed -n 's/^#define GS_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/gpusched/core.h")"
cc -o "$work/pc_consumer" "$src/main.c" $(pkg-config --cflags --libs gpusched)
LD_LIBRARY_PATH=$libdir "$work/pc_consumer"
cc -o "$work/pc_consumer_static" "$src/main.c" -DGS_STATIC \
   $(pkg-config --cflags gpusched) "$libdir/libgpusched.a" \
   $(pkg-config --libs-only-other --static gpusched) -lpthread -lm -ldl \
   $(pkg-config --print-requires-private gpusched | cut -d' ' -f1 | \
     xargs -r pkg-config --libs)
"$work/pc_consumer_static"
echo "install test: find_package and pkg-config consumers built and ran"
