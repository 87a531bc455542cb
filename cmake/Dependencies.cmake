# Finds every third-party library. Each one comes from Debian, and a missing one
# stops the configure step with the name of the package that provides it.

find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package pkg-config (or run `make deps`)")
endif()

# Declares PkgConfig::<name> from a pkg-config module, or stops with the Debian package to install.
function(smallset_require_pkg name module debian_package)
  pkg_check_modules(${name} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package ${debian_package} (or run `make deps`)")
  endif()
endfunction()

# Stops with the Debian package to install when a header-only library is missing.
function(smallset_require_header header debian_package)
  find_path(_found_${debian_package} ${header})
  if(NOT _found_${debian_package})
    message(FATAL_ERROR "${header} not found: install the Debian package ${debian_package} (or run `make deps`)")
  endif()
endfunction()

smallset_require_pkg(SQLite3 sqlite3 libsqlite3-dev)
smallset_require_pkg(Crypto libcrypto libssl-dev)
smallset_require_pkg(Curl libcurl libcurl4-openssl-dev)
smallset_require_pkg(Gumbo gumbo libgumbo-dev)
smallset_require_pkg(TurboJpeg libturbojpeg libturbojpeg0-dev)
smallset_require_header(CLI/CLI.hpp libcli11-dev)
smallset_require_header(nlohmann/json.hpp nlohmann-json3-dev)
smallset_require_pkg(Httplib cpp-httplib libcpp-httplib-dev)
smallset_require_header(gif_lib.h libgif-dev)
find_library(GIF_LIBRARY gif)
if(NOT GIF_LIBRARY)
  message(FATAL_ERROR "libgif not found: install the Debian package libgif-dev (or run `make deps`)")
endif()

find_package(OpenCV QUIET COMPONENTS core imgproc imgcodecs)
if(NOT OpenCV_FOUND)
  message(FATAL_ERROR "OpenCV not found: install the Debian package libopencv-dev (or run `make deps`)")
endif()

find_package(doctest QUIET)
if(NOT doctest_FOUND)
  message(FATAL_ERROR "doctest not found: install the Debian package doctest-dev (or run `make deps`)")
endif()

find_package(Threads REQUIRED)

# LibTorch is looked up only when train is built, so crawl and curate build without it.
if(SMALLSET_BUILD_TRAIN)
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(FATAL_ERROR "LibTorch not found: install the Debian package libtorch-dev (or run `make deps`), "
                        "or point CMAKE_PREFIX_PATH at another LibTorch, or configure with -DSMALLSET_BUILD_TRAIN=OFF")
  endif()
endif()
