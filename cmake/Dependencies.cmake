# Finds every external dependency once; targets used by src/ and tests/.
find_package(MPI REQUIRED COMPONENTS C)
find_package(OpenMP REQUIRED COMPONENTS C)
find_package(Threads REQUIRED) # the fsync thread of tw_output_close_deferred

# Prefer the parallel HDF5 build: with the serial libhdf5-dev also installed,
# FindHDF5 would otherwise pick it silently (notes/toolchain.md).
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C HL)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "tradewar needs a parallel (MPI) build of HDF5; found a serial one at "
                      "${HDF5_INCLUDE_DIRS}. On Debian: apt-get install libhdf5-openmpi-dev")
endif()

find_package(GSL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(NETTLE REQUIRED IMPORTED_TARGET nettle)

find_path(RANDOM123_INCLUDE_DIR Random123/philox.h)
if(NOT RANDOM123_INCLUDE_DIR)
  message(FATAL_ERROR "Random123 headers not found (Debian: apt-get install librandom123-dev)")
endif()

find_package(Python3 COMPONENTS Interpreter)
