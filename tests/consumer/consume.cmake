# Checks of an installed zrt tree, shared by the cmake -P scripts in this folder
# (install_and_consume, package_and_consume, examples_standalone).
# Variables they read: CONSUMER_SOURCE_DIR (this folder), LIBDIR (lib, as installed),
# MODEL (an .onnx file), CXX_COMPILER, CXX_LAUNCHER, BUILD_TYPE, SANITIZE.

# zrt_step(WHAT COMMAND...): runs COMMAND; fails naming WHAT, with its output. The output
# is left in ZRT_STEP_OUTPUT.
function(zrt_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("${what}:\n${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc})")
  endif()
  set(ZRT_STEP_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

# zrt_expect(WHAT REGEX TEXT): fails unless TEXT matches REGEX.
function(zrt_expect what regex text)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected a match of '${regex}' in:\n${text}")
  endif()
endfunction()

# zrt_expect_ort_from(WHAT PREFIX TEXT): TEXT names (after PATTERN's `=> ` or `ORT from `)
# the file PREFIX/LIBDIR/zrt/libonnxruntime.so.1, the copy zrt installs.
function(zrt_expect_ort_from what prefix text)
  if(NOT text MATCHES "(=> |ORT from )([^ \n]*libonnxruntime[^ \n]*)")
    message(FATAL_ERROR "${what}: no libonnxruntime in:\n${text}")
  endif()
  file(REAL_PATH "${CMAKE_MATCH_2}" got)
  file(REAL_PATH "${prefix}/${LIBDIR}/zrt/libonnxruntime.so.1" want)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "${what}: ONNX Runtime comes from ${got}, not from zrt's ${want}")
  endif()
endfunction()

# zrt_check_layout(PREFIX): ORT only in LIBDIR/zrt (nothing named libonnxruntime* in
# LIBDIR, where it could shadow a system ORT), ORT's headers in include/zrt/onnxruntime,
# and libzrt (and the CLI, when installed) resolve ORT to that private copy.
function(zrt_check_layout prefix)
  foreach(file "${LIBDIR}/libzrt.so" "${LIBDIR}/zrt/libonnxruntime.so.1" include/zrt/zrt.hpp
               include/zrt/onnxruntime/onnxruntime_c_api.h include/zrt/onnxruntime/onnxruntime_cxx_api.h
               "${LIBDIR}/cmake/zrt/zrtConfig.cmake" "${LIBDIR}/pkgconfig/zrt.pc"
               "${LIBDIR}/pkgconfig/zrt-onnxruntime.pc")
    if(NOT EXISTS "${prefix}/${file}")
      message(FATAL_ERROR "layout: ${prefix}/${file} is missing")
    endif()
  endforeach()
  file(GLOB shadowing "${prefix}/${LIBDIR}/libonnxruntime*")
  if(shadowing)
    message(FATAL_ERROR "layout: ORT directly in ${prefix}/${LIBDIR}, where it can shadow a system ORT: ${shadowing}")
  endif()
  set(binaries "${prefix}/${LIBDIR}/libzrt.so")
  if(EXISTS "${prefix}/bin/zrt")
    list(APPEND binaries "${prefix}/bin/zrt")
  endif()
  foreach(binary IN LISTS binaries)
    zrt_step("ldd ${binary}" "${CMAKE_COMMAND}" -E env --unset=LD_LIBRARY_PATH ldd "${binary}")
    zrt_expect_ort_from("ldd ${binary}" "${prefix}" "${ZRT_STEP_OUTPUT}")
  endforeach()
endfunction()

# zrt_configure_args(OUT SOURCE BUILD PREFIX): cmake arguments for a project built
# against the zrt in PREFIX with this build's compiler, build type and sanitizers.
function(zrt_configure_args out source build prefix)
  set(args -S "${source}" -B "${build}" "-DCMAKE_PREFIX_PATH=${prefix}")
  if(CXX_COMPILER)
    list(APPEND args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
  endif()
  if(CXX_LAUNCHER)
    list(APPEND args "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER}")
  endif()
  if(BUILD_TYPE)
    list(APPEND args "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
  endif()
  if(SANITIZE)
    # libzrt was built with sanitizers: the consumer must link their runtimes too.
    list(APPEND args "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE}" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
  endif()
  set(${out} "${args}" PARENT_SCOPE)
endfunction()

# zrt_consume_cmake(PREFIX BUILD): the consumer project (find_package(zrt)) built and run
# with nothing but the installed tree's own RUNPATHs.
function(zrt_consume_cmake prefix build)
  zrt_configure_args(args "${CONSUMER_SOURCE_DIR}" "${build}" "${prefix}")
  zrt_step("configure the consumer" "${CMAKE_COMMAND}" ${args})
  zrt_step("build the consumer" "${CMAKE_COMMAND}" --build "${build}")
  zrt_step("run zrt_consumer" "${build}/zrt_consumer")
  zrt_step("run zrt_consumer_ort" "${build}/zrt_consumer_ort" "${MODEL}")
  zrt_expect_ort_from("zrt_consumer_ort" "${prefix}" "${ZRT_STEP_OUTPUT}")
endfunction()

# zrt_consume_pkgconfig(PREFIX BUILD): the consumer's sources compiled with
# `c++ -std=c++20 SOURCE $(pkg-config --cflags --libs zrt)` (zrt-onnxruntime for the one
# that uses ORT's API), PKG_CONFIG_PATH pointing into PREFIX, and run.
function(zrt_consume_pkgconfig prefix build)
  file(MAKE_DIRECTORY "${build}")
  set(compiler "${CXX_COMPILER}")
  if(NOT compiler)
    set(compiler c++)
  endif()
  set(flags -std=c++20)
  if(SANITIZE)
    list(APPEND flags "-fsanitize=${SANITIZE}")
  endif()
  foreach(program IN ITEMS "zrt_consumer main.cpp zrt" "zrt_consumer_ort ort_handle.cpp zrt-onnxruntime")
    separate_arguments(program UNIX_COMMAND "${program}")
    list(GET program 0 name)
    list(GET program 1 source)
    list(GET program 2 package)
    zrt_step("pkg-config ${package}" "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig"
             pkg-config --cflags --libs "${package}")
    separate_arguments(pc UNIX_COMMAND "${ZRT_STEP_OUTPUT}")
    # libzrt is not on the loader's path in a scratch prefix: an RPATH finds it.
    zrt_step("compile ${name} with pkg-config" "${compiler}" ${flags} -o "${build}/${name}"
             "${CONSUMER_SOURCE_DIR}/${source}" ${pc} "-Wl,-rpath,${prefix}/${LIBDIR}" -ldl)
  endforeach()
  zrt_step("run zrt_consumer (pkg-config)" "${build}/zrt_consumer")
  zrt_step("run zrt_consumer_ort (pkg-config)" "${build}/zrt_consumer_ort" "${MODEL}")
  zrt_expect_ort_from("zrt_consumer_ort (pkg-config)" "${prefix}" "${ZRT_STEP_OUTPUT}")
endfunction()
