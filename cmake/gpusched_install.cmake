# Install rules and the package files: gpuschedConfig.cmake (exported
# targets gpusched::gpusched and gpusched::gpusched_static) and a
# relocatable gpusched.pc.
include(CMakePackageConfigHelpers)

set(GPUSCHED_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gpusched)

install(TARGETS gpusched gpusched_static
  EXPORT gpuschedTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/gpusched
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(EXPORT gpuschedTargets
  NAMESPACE gpusched::
  DESTINATION ${GPUSCHED_CMAKE_DIR})
# The same targets, usable straight from a build tree.
export(EXPORT gpuschedTargets NAMESPACE gpusched::
  FILE ${PROJECT_BINARY_DIR}/gpuschedTargets.cmake)

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/gpuschedConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gpuschedConfig.cmake
  INSTALL_DESTINATION ${GPUSCHED_CMAKE_DIR})
# While the major version is 0, minor versions are incompatible.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_gs_compat SameMinorVersion)
else()
  set(_gs_compat SameMajorVersion)
endif()
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/gpuschedConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY ${_gs_compat})
install(FILES
  ${PROJECT_BINARY_DIR}/gpuschedConfig.cmake
  ${PROJECT_BINARY_DIR}/gpuschedConfigVersion.cmake
  DESTINATION ${GPUSCHED_CMAKE_DIR})

# pkg-config: prefix computed from the .pc file's own location.
set(GPUSCHED_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH GPUSCHED_PC_TO_PREFIX
  "/prefix/${GPUSCHED_PC_DIR}" "/prefix")
string(REGEX REPLACE "/$" "" GPUSCHED_PC_TO_PREFIX "${GPUSCHED_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/gpusched.pc.in
  ${PROJECT_BINARY_DIR}/gpusched.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/gpusched.pc DESTINATION ${GPUSCHED_PC_DIR})
