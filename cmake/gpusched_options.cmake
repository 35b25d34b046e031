# Warning flags and sanitizers, applied to every target through an interface
# library so that consumers of the installed package do not inherit them.
add_library(gpusched_warnings INTERFACE)
target_compile_options(gpusched_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wformat=2 -Wvla -Wcast-qual -Wpointer-arith -Wundef)
if(GPUSCHED_WERROR)
  target_compile_options(gpusched_warnings INTERFACE -Werror)
endif()

if(GPUSCHED_SANITIZE MATCHES "thread" AND
   GPUSCHED_SANITIZE MATCHES "address|memory|leak")
  message(FATAL_ERROR "GPUSCHED_SANITIZE=${GPUSCHED_SANITIZE}: "
                      "ThreadSanitizer (thread) cannot be combined with "
                      "address, memory or leak; make a build of its own")
endif()
if(GPUSCHED_SANITIZE)
  add_compile_options(-fsanitize=${GPUSCHED_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${GPUSCHED_SANITIZE})
endif()

if(GPUSCHED_BUILD_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "GPUSCHED_BUILD_FUZZ needs clang (CC=clang)")
  endif()
  # coverage instrumentation for every object; the fuzz targets link the
  # libFuzzer driver themselves
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
