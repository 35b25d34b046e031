# Runs at install time (cmake --install, make install): writes gpusched.pc
# for the prefix actually installed to, which --prefix may change after
# configuration. Installed outside the directories the linker and the
# dynamic loader search by themselves, Libs carries -Wl,-rpath,${libdir}, so
# that a program linked with `pkg-config --libs gpusched` runs without
# LD_LIBRARY_PATH. ${libdir} follows the .pc file, so a moved prefix keeps
# working for programs linked after the move.
# In: GPUSCHED_PC_TEMPLATE (the .pc with @GPUSCHED_PC_RPATH_FLAG@ left in),
#     GPUSCHED_PC_OUTPUT, GPUSCHED_PC_LIBDIR, GPUSCHED_PC_DIR (relative to
#     the prefix), GPUSCHED_PC_SYSTEM_LIBDIRS, GPUSCHED_PC_RPATH_WANTED.
cmake_policy(VERSION 3.20)
set(_gs_libdir "${CMAKE_INSTALL_PREFIX}/${GPUSCHED_PC_LIBDIR}")
string(REGEX REPLACE "/+" "/" _gs_libdir "${_gs_libdir}")
string(REGEX REPLACE "(.)/$" "\\1" _gs_libdir "${_gs_libdir}")
set(GPUSCHED_PC_RPATH_FLAG "")
if(GPUSCHED_PC_RPATH_WANTED AND NOT _gs_libdir IN_LIST GPUSCHED_PC_SYSTEM_LIBDIRS)
  set(GPUSCHED_PC_RPATH_FLAG " -Wl,-rpath,\${libdir}")
endif()
configure_file("${GPUSCHED_PC_TEMPLATE}" "${GPUSCHED_PC_OUTPUT}" @ONLY)
file(INSTALL "${GPUSCHED_PC_OUTPUT}"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/${GPUSCHED_PC_DIR}")
unset(_gs_libdir)
