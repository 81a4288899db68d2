# Installs libzrt, its headers, ONNX Runtime's library next to it, and a CMake package
# so that another project can find_package(zrt) and link zrt::zrt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS zrt EXPORT zrtTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/zrt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# libzrt finds ORT through RPATH $ORIGIN, so the ORT library travels with it, and with it
# the provider libraries ORT loads from its own folder (gpu flavor, --with-cuda-providers).
file(GLOB _zrt_ort_libs "${ZRT_ORT_LIBRARY_DIR}/libonnxruntime.so*"
                        "${ZRT_ORT_LIBRARY_DIR}/libonnxruntime_providers_*.so")
install(FILES ${_zrt_ort_libs} DESTINATION ${CMAKE_INSTALL_LIBDIR})

install(EXPORT zrtTargets NAMESPACE zrt:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zrt)
configure_package_config_file(cmake/zrtConfig.cmake.in "${CMAKE_CURRENT_BINARY_DIR}/zrtConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zrt)
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/zrtConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/zrtConfig.cmake" "${CMAKE_CURRENT_BINARY_DIR}/zrtConfigVersion.cmake"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zrt)
