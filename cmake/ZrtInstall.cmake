# Installs libzrt, its headers, the ONNX Runtime it was built against, a CMake package
# (find_package(zrt): zrt::zrt, and zrt::onnxruntime for ORT's own API) and pkg-config
# files (zrt, zrt-onnxruntime). Layout under PREFIX:
#   lib/libzrt.so*                 RUNPATH $ORIGIN/zrt
#   lib/zrt/libonnxruntime.so*     private: never directly in lib/, where it could shadow
#                                  (or be shadowed by) a system ONNX Runtime
#   include/zrt/                   zrt's headers
#   include/zrt/onnxruntime/       ORT's C and C++ API headers, for Session::handle() & co.
#   lib/cmake/zrt/, lib/pkgconfig/zrt.pc, lib/pkgconfig/zrt-onnxruntime.pc
#   bin/zrt                        the CLI (ZRT_BUILD_TOOLS), RUNPATH ../lib and ../lib/zrt
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ZRT_INSTALL_ORT_LIBDIR "${CMAKE_INSTALL_LIBDIR}/zrt")
set(ZRT_INSTALL_ORT_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}/zrt/onnxruntime")
set(ZRT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/zrt")

set_target_properties(zrt PROPERTIES INSTALL_RPATH "$ORIGIN/zrt")
install(TARGETS zrt EXPORT zrtTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/zrt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# ORT's library (symlinks stay symlinks) and the provider libraries ORT loads from its own
# folder (gpu flavor, --with-cuda-providers), and ORT's headers.
file(GLOB _zrt_ort_libs "${ZRT_ORT_LIBRARY_DIR}/libonnxruntime.so*"
                        "${ZRT_ORT_LIBRARY_DIR}/libonnxruntime_providers_*.so")
install(FILES ${_zrt_ort_libs} DESTINATION ${ZRT_INSTALL_ORT_LIBDIR})
install(DIRECTORY "${ZRT_ORT_INCLUDE_DIR}/" DESTINATION ${ZRT_INSTALL_ORT_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

# zrt_install_finds_ort(TARGET): an installed executable TARGET in bin/ that links ORT
# directly also finds it in lib/zrt.
function(zrt_install_finds_ort target)
  set_property(TARGET ${target} APPEND PROPERTY INSTALL_RPATH "$ORIGIN/../${ZRT_INSTALL_ORT_LIBDIR}")
endfunction()

# ---- CMake package ------------------------------------------------------------------
get_filename_component(ZRT_ORT_LIBRARY_NAME "${ZRT_ORT_LIBRARY}" NAME)
# ORT's version for zrt-onnxruntime.pc: 1.<C API version>, as ORT numbers its releases.
file(STRINGS "${ZRT_ORT_INCLUDE_DIR}/onnxruntime_c_api.h" _zrt_ort_api REGEX "^#define ORT_API_VERSION [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "1.\\1" ZRT_ORT_VERSION "${_zrt_ort_api}")
install(EXPORT zrtTargets NAMESPACE zrt:: DESTINATION ${ZRT_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/zrtConfig.cmake.in "${CMAKE_CURRENT_BINARY_DIR}/zrtConfig.cmake"
  INSTALL_DESTINATION ${ZRT_INSTALL_CMAKEDIR}
  PATH_VARS ZRT_INSTALL_ORT_LIBDIR ZRT_INSTALL_ORT_INCLUDEDIR)
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/zrtConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/zrtConfig.cmake" "${CMAKE_CURRENT_BINARY_DIR}/zrtConfigVersion.cmake"
  DESTINATION ${ZRT_INSTALL_CMAKEDIR})

# ---- pkg-config ---------------------------------------------------------------------
# The prefix is found from the .pc file's own folder, so the files stay right wherever
# the tree is installed (cmake --install --prefix, make install PREFIX=, an unpacked .deb).
set(_zrt_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
file(RELATIVE_PATH ZRT_PC_TO_PREFIX "/prefix/${_zrt_pc_dir}" "/prefix")
string(REGEX REPLACE "/$" "" ZRT_PC_TO_PREFIX "${ZRT_PC_TO_PREFIX}")
foreach(_pc IN ITEMS zrt zrt-onnxruntime)
  configure_file("cmake/${_pc}.pc.in" "${CMAKE_CURRENT_BINARY_DIR}/${_pc}.pc" @ONLY)
  install(FILES "${CMAKE_CURRENT_BINARY_DIR}/${_pc}.pc" DESTINATION ${_zrt_pc_dir})
endforeach()
