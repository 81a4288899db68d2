# ctest tests of the installed zrt, included by tests/CMakeLists.txt. Each runs a cmake -P
# script of this folder on this build:
# - install_and_consume: cmake --install into a scratch prefix; layout (ORT private in
#   lib/zrt), the consumer project via find_package(zrt) and via pkg-config.
# - examples_standalone: examples/ built as a project of its own against the install,
#   each example run.
# - package_and_consume: the .deb of make package (cpack), its Depends, unpacked with
#   dpkg-deb -x and consumed as above.
# The last two only in builds without sanitizers, whose install is what users get.
set(_zrt_consume_args
  -DZRT_BUILD_DIR=${PROJECT_BINARY_DIR}
  -DCONSUMER_SOURCE_DIR=${CMAKE_CURRENT_LIST_DIR}
  -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
  -DMODEL=${PROJECT_SOURCE_DIR}/examples/models/mlp.onnx
  -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
  -DCXX_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}
  -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
  -DSANITIZE=${ZRT_SANITIZE})

add_test(NAME install_and_consume
  COMMAND ${CMAKE_COMMAND} ${_zrt_consume_args} -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install_and_consume
          -P ${CMAKE_CURRENT_LIST_DIR}/install_and_consume.cmake)
set_tests_properties(install_and_consume PROPERTIES TIMEOUT 300 LABELS install)

if(NOT ZRT_SANITIZE)
  add_test(NAME examples_standalone
    COMMAND ${CMAKE_COMMAND} ${_zrt_consume_args} -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/examples_standalone
            -DEXAMPLES_SOURCE_DIR=${PROJECT_SOURCE_DIR}/examples "-DGPU_LIBRARY_DIR=${ZRT_ORT_GPU_LIBRARY_DIR}"
            -DXDG_RUNTIME_DIR=${ZRT_TEST_XDG_RUNTIME_DIR}
            -P ${CMAKE_CURRENT_LIST_DIR}/examples_standalone.cmake)
  set_tests_properties(examples_standalone PROPERTIES TIMEOUT 600 LABELS install)

  add_test(NAME package_and_consume
    COMMAND ${CMAKE_COMMAND} ${_zrt_consume_args} -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/package_and_consume
            -P ${CMAKE_CURRENT_LIST_DIR}/package_and_consume.cmake)
  set_tests_properties(package_and_consume PROPERTIES TIMEOUT 600 LABELS "install;package")
endif()
