# make package: a .deb (CPack) of exactly what cmake --install puts under /usr, in the
# layout of ZrtInstall.cmake. Its Depends come from dpkg-shlibdeps (dpkg-dev) over the ELF
# files inside: libc6, libstdc++6, libgcc-s1 and libhwloc15 for libzrt, and libfmt9,
# libprotobuf32 and libonnx1 for the CLI (when ZRT_BUILD_TOOLS is on). ORT needs no
# package: it is inside, in lib/zrt, and found there through libzrt's RUNPATH.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zrt)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "libzrt, its headers, CMake package and pkg-config files, the zrt tool, and the ONNX Runtime zrt \
is built against (private, in lib/zrt, with its headers in include/zrt/onnxruntime).")
set(CPACK_PACKAGE_CONTACT "zrt maintainers <zrt@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # zrt_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The package's own libraries satisfy each other: ORT in lib/zrt is not looked up in dpkg.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "usr/${ZRT_INSTALL_ORT_LIBDIR}" "usr/${CMAKE_INSTALL_LIBDIR}")
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # quick; xz takes many times longer on ORT
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
