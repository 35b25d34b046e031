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

# pkg-config: prefix computed from the .pc file's own location. Whether Libs
# carries an rpath depends on the prefix installed to, known only then
# (cmake/gpusched_install_pc.cmake): configuring leaves @GPUSCHED_PC_RPATH_FLAG@
# in build/gpusched.pc.in for the install step to fill.
set(GPUSCHED_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH GPUSCHED_PC_TO_PREFIX
  "/prefix/${GPUSCHED_PC_DIR}" "/prefix")
string(REGEX REPLACE "/$" "" GPUSCHED_PC_TO_PREFIX "${GPUSCHED_PC_TO_PREFIX}")
set(GPUSCHED_PC_RPATH_FLAG "@GPUSCHED_PC_RPATH_FLAG@")
configure_file(${PROJECT_SOURCE_DIR}/cmake/gpusched.pc.in
  ${PROJECT_BINARY_DIR}/gpusched.pc.in @ONLY)
# The directories searched without help: the compiler's implicit link
# directories, also under their real names (/lib is /usr/lib on merged-/usr).
set(_gs_system_libdirs "")
foreach(_gs_dir IN LISTS CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
  list(APPEND _gs_system_libdirs "${_gs_dir}")
  if(EXISTS "${_gs_dir}")
    file(REAL_PATH "${_gs_dir}" _gs_real)
    list(APPEND _gs_system_libdirs "${_gs_real}")
  endif()
endforeach()
list(REMOVE_DUPLICATES _gs_system_libdirs)
install(CODE "
set(GPUSCHED_PC_TEMPLATE [[${PROJECT_BINARY_DIR}/gpusched.pc.in]])
set(GPUSCHED_PC_OUTPUT [[${PROJECT_BINARY_DIR}/gpusched.pc]])
set(GPUSCHED_PC_LIBDIR [[${CMAKE_INSTALL_LIBDIR}]])
set(GPUSCHED_PC_DIR [[${GPUSCHED_PC_DIR}]])
set(GPUSCHED_PC_SYSTEM_LIBDIRS [[${_gs_system_libdirs}]])
set(GPUSCHED_PC_RPATH_WANTED ${GPUSCHED_PC_RPATH})
")
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/gpusched_install_pc.cmake)
