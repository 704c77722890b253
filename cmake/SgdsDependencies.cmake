# Every third-party dependency comes from a Debian package; this file finds them and gathers
# them into two interface targets: sgds_deps_headers (usable from CUDA too) and sgds_deps.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(HDF5 REQUIRED COMPONENTS C HL)
find_package(ZLIB REQUIRED)
find_package(Boost 1.74 REQUIRED)

find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)
# GiNaC (libginac-dev) differentiates a user's formula (problem.name = "expression").
find_package(PkgConfig REQUIRED)
pkg_check_modules(GINAC REQUIRED IMPORTED_TARGET ginac)

add_library(sgds_deps_headers INTERFACE)
target_include_directories(sgds_deps_headers SYSTEM INTERFACE ${RANDOM123_INCLUDE_DIR})
target_link_libraries(sgds_deps_headers INTERFACE Eigen3::Eigen)

add_library(sgds_deps INTERFACE)
target_include_directories(sgds_deps SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS} ${Boost_INCLUDE_DIRS})
target_link_libraries(sgds_deps INTERFACE sgds_deps_headers fmt::fmt CLI11::CLI11
  tomlplusplus::tomlplusplus OpenMP::OpenMP_CXX ${HDF5_C_LIBRARIES} ${HDF5_HL_LIBRARIES} ZLIB::ZLIB
  PkgConfig::GINAC)
target_compile_definitions(sgds_deps INTERFACE ${HDF5_DEFINITIONS} TOML_HEADER_ONLY=0 TOML_SHARED_LIB=1)

# MPI only for the sweep command (apps/cmd_sweep.cpp), through its own interface target that the
# program links, so turning it on or off recompiles only the program. AUTO: on when found.
add_library(sgds_mpi INTERFACE)
set(SGDS_MPI_ENABLED OFF)
if(SGDS_MPI)
  if(SGDS_MPI STREQUAL "AUTO")
    find_package(MPI QUIET COMPONENTS CXX)
  else()
    find_package(MPI REQUIRED COMPONENTS CXX)
  endif()
  if(MPI_CXX_FOUND)
    target_link_libraries(sgds_mpi INTERFACE MPI::MPI_CXX)
    target_compile_definitions(sgds_mpi INTERFACE SGDS_HAVE_MPI=1)
    set(SGDS_MPI_ENABLED ON)
  endif()
endif()
message(STATUS "sgdsmooth: MPI sweeps ${SGDS_MPI_ENABLED}")
