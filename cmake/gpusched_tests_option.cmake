# Decide whether the unit tests are built (GPUSCHED_WITH_TESTS) from
# GPUSCHED_BUILD_TESTS: AUTO builds them when pkg-config finds cmocka and
# otherwise says, in one line, that they are skipped and how to get them;
# ON stops the configuration when cmocka is missing; OFF never builds them.
# The imported target PkgConfig::CMOCKA is created here, in the top
# directory, so that tests/ sees it.
string(TOUPPER "${GPUSCHED_BUILD_TESTS}" _gs_tests_mode)
if(NOT _gs_tests_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
  message(FATAL_ERROR "GPUSCHED_BUILD_TESTS=${GPUSCHED_BUILD_TESTS}: "
                      "expected AUTO, ON or OFF")
endif()
set(GPUSCHED_WITH_TESTS OFF)
if(_gs_tests_mode STREQUAL "AUTO" OR GPUSCHED_BUILD_TESTS)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(CMOCKA QUIET IMPORTED_TARGET cmocka)
    set(_gs_tests_why "pkg-config finds no cmocka")
  else()
    set(_gs_tests_why "pkg-config not found")
  endif()
  if(CMOCKA_FOUND)
    set(GPUSCHED_WITH_TESTS ON)
    message(STATUS "gpusched: unit tests enabled (cmocka ${CMOCKA_VERSION})")
  elseif(_gs_tests_mode STREQUAL "AUTO")
    message(STATUS "gpusched: unit tests skipped (${_gs_tests_why}); "
                   "scripts/deps --test installs what they need")
  else()
    message(FATAL_ERROR "GPUSCHED_BUILD_TESTS=${GPUSCHED_BUILD_TESTS} but "
                        "${_gs_tests_why}: install libcmocka-dev and pkg-config "
                        "(scripts/deps --test), or configure with "
                        "-DGPUSCHED_BUILD_TESTS=AUTO or OFF")
  endif()
  unset(_gs_tests_why)
endif()
unset(_gs_tests_mode)
