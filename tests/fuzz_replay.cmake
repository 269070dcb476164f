# Replay tests for the fuzz targets (label "fuzz-replay"), built with the normal compiler and no
# libFuzzer: fuzz_replay_<name> = fuzz/fuzz_replay.c + fuzz/fuzz_<name>.c + fuzz/fuzz_common.c.
# Test fuzz_replay_<name> feeds every saved input of fuzz/corpus/fuzz_<name>/ and
# fuzz/regressions/fuzz_<name>/ (either may be missing) through the target's checks once.
# Included from tests/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/fuzz_replay.cmake)
set(M365_FUZZ_DIR ${PROJECT_SOURCE_DIR}/fuzz)

add_library(m365_fuzz_replay_common STATIC ${M365_FUZZ_DIR}/fuzz_common.c
  ${PROJECT_SOURCE_DIR}/tests/support/csv_reference.c)
target_include_directories(m365_fuzz_replay_common PUBLIC ${PROJECT_SOURCE_DIR}/src/lib
  ${CSV_INCLUDE} ${M365_FUZZ_DIR} ${PROJECT_SOURCE_DIR}/tests/support)
target_compile_options(m365_fuzz_replay_common PRIVATE ${M365_C_WARNINGS})
target_link_libraries(m365_fuzz_replay_common PUBLIC m365hunt_lib ${CSV_LIB})

file(GLOB M365_FUZZ_REPLAY_SOURCES CONFIGURE_DEPENDS ${M365_FUZZ_DIR}/fuzz_*.c)
list(REMOVE_ITEM M365_FUZZ_REPLAY_SOURCES ${M365_FUZZ_DIR}/fuzz_common.c
  ${M365_FUZZ_DIR}/fuzz_replay.c)
foreach(src ${M365_FUZZ_REPLAY_SOURCES})
  get_filename_component(target ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" name ${target})
  add_executable(fuzz_replay_${name} ${M365_FUZZ_DIR}/fuzz_replay.c ${src})
  target_compile_options(fuzz_replay_${name} PRIVATE ${M365_C_WARNINGS})
  target_link_libraries(fuzz_replay_${name} PRIVATE m365_fuzz_replay_common)
  add_test(NAME fuzz_replay_${name} COMMAND fuzz_replay_${name} --skip-missing
    ${M365_FUZZ_DIR}/corpus/${target} ${M365_FUZZ_DIR}/regressions/${target})
  set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS fuzz-replay)
endforeach()
