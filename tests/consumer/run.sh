#!/bin/sh
# Install the build tree into a scratch prefix, move the prefix (the package
# files must be relocatable), then build consumers against the moved prefix
# and run them, all without LD_LIBRARY_PATH:
#   find_package(gpusched): gpusched::gpusched and gpusched::gpusched_static;
#   pkg-config --libs: the .pc's rpath finds the prefix's libgpusched.so;
#   pkg-config --static --libs: links libgpusched.a (from a copy of the
#     prefix without the shared library, so -lgpusched can only be the
#     archive) and what it needs.
# pkg-config sees only our .pc (PKG_CONFIG_LIBDIR): it must not need hwloc's.
set -eu
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH
cmake --install "$build" --prefix "$work/stage" >/dev/null
mv "$work/stage" "$work/prefix"
prefix=$work/prefix
libdir=$(dirname "$(find "$prefix" -name 'libgpusched.so' | head -n 1)")

fail() { echo "install test: $*" >&2; exit 1; }
# EXE loads libgpusched.so from DIR, and finds it without help.
loads_shared_from() {
  got=$(ldd "$1" | awk '$1 ~ /^libgpusched\.so/ { print $3 }')
  if [ -z "$got" ] || [ "$got" = "not" ]; then
    fail "$1 does not find libgpusched.so: $(ldd "$1" | grep gpusched)"
  fi
  [ "$(realpath "$(dirname "$got")")" = "$(realpath "$2")" ] \
    || fail "$1 loads $got, not the one in $2"
}
# EXE has libgpusched linked in: it needs no libgpusched.so.
links_static() {
  ! readelf -d "$1" | grep -q 'NEEDED.*libgpusched' \
    || fail "$1 needs libgpusched.so, expected the static library"
}

cmake -S "$src" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake-build" >/dev/null
loads_shared_from "$work/cmake-build/consumer_shared" "$libdir"
"$work/cmake-build/consumer_shared"
links_static "$work/cmake-build/consumer_static"
"$work/cmake-build/consumer_static"

pcdir=$(dirname "$(find "$prefix" -name gpusched.pc)")
export PKG_CONFIG_LIBDIR="$pcdir"
unset PKG_CONFIG_PATH
test "$(pkg-config --modversion gpusched)" = "$(sed -n 's/^#define GS_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/gpusched/core.h")"
# shellcheck disable=SC2046
cc -o "$work/pc_consumer" "$src/main.c" $(pkg-config --cflags --libs gpusched)
loads_shared_from "$work/pc_consumer" "$libdir"
"$work/pc_consumer"

cp -a "$prefix" "$work/static-prefix"
rm -f "$work/static-prefix/${libdir#"$prefix"/}"/libgpusched.so*
export PKG_CONFIG_LIBDIR="$work/static-prefix/${pcdir#"$prefix"/}"
# shellcheck disable=SC2046
cc -o "$work/pc_consumer_static" "$src/main.c" \
   $(pkg-config --static --cflags --libs gpusched)
links_static "$work/pc_consumer_static"
"$work/pc_consumer_static"
echo "install test: find_package and pkg-config (shared, static) consumers built and ran"
