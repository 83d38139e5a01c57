# KouanChecks.cmake — build switches for finding bugs, off by default:
#
#   KOUAN_SANITIZE=ON   AddressSanitizer + UndefinedBehaviorSanitizer on
#                       everything (core, CLI, plugins, tests); any report
#                       aborts (scripts/test builds build-asan/ with it).
#   KOUAN_FUZZ=ON       the libFuzzer targets of tests/fuzz (clang only;
#                       scripts/fuzz builds build-fuzz/ with it).
#   KOUAN_VALGRIND=ON   the CLI tests run kouan under valgrind memcheck
#                       (tests/sanitize/valgrind-kouan); build normally.
#   KOUAN_TSAN=ON       ThreadSanitizer on everything; adds the test
#                       tsan.threads (label tsan: the threaded paths —
#                       extract's workers, writer and helper, serve's
#                       threads — where any report fails); scripts/test
#                       builds build-tsan/ with it.
# Included by the top CMakeLists.txt before any target is defined.

option(KOUAN_SANITIZE "Build with -fsanitize=address,undefined" OFF)
option(KOUAN_FUZZ "Build the libFuzzer targets of tests/fuzz (clang)" OFF)
option(KOUAN_VALGRIND "Run the CLI tests' kouan under valgrind memcheck" OFF)
option(KOUAN_TSAN "Build with -fsanitize=thread (and the tsan test)" OFF)

if(KOUAN_TSAN AND (KOUAN_SANITIZE OR KOUAN_VALGRIND OR KOUAN_FUZZ))
  message(FATAL_ERROR "kouan: KOUAN_TSAN excludes KOUAN_SANITIZE, KOUAN_VALGRIND and "
    "KOUAN_FUZZ (ThreadSanitizer cannot share a process with them): use another build folder")
endif()
if(KOUAN_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

if(KOUAN_SANITIZE AND KOUAN_VALGRIND)
  message(FATAL_ERROR "kouan: KOUAN_SANITIZE and KOUAN_VALGRIND exclude each other "
    "(valgrind cannot run AddressSanitizer binaries): use two build folders")
endif()

set(KOUAN_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
if(KOUAN_SANITIZE OR KOUAN_FUZZ)
  # The fuzz build sanitizes too: libFuzzer finds memory errors through ASan.
  add_compile_options(${KOUAN_SANITIZE_FLAGS})
  add_link_options(-fsanitize=address,undefined)
endif()

if(KOUAN_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "kouan: KOUAN_FUZZ=ON needs clang (libFuzzer): configure with "
      "-DCMAKE_C_COMPILER=clang-14, or use scripts/fuzz")
  endif()
  # coverage feedback from all of kouan's code, not only the targets
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
