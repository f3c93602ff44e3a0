# Toolchain file used while building the QuickJS backend (see .cargo/config.toml).
#
# deno_core's QuickJS backend builds WAMR with CMake, and WAMR's CMake script
# fetches SIMDe from the internet with FetchContent. Debian ships SIMDe as
# headers (libsimde-dev); pointing FetchContent at them keeps the build offline.
if(EXISTS "/usr/include/simde")
  set(FETCHCONTENT_SOURCE_DIR_SIMDE "/usr/include" CACHE PATH "SIMDe headers from libsimde-dev" FORCE)
endif()
