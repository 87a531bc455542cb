# Convenience targets around CMake. `make` builds, `make test` builds and runs every test.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

# Debian packages smallset builds and tests with. Keep in sync with cmake/Dependencies.cmake.
DEB_PACKAGES := build-essential cmake pkg-config git ca-certificates \
  libcurl4-openssl-dev libgumbo-dev libopencv-dev libturbojpeg0-dev libjpeg62-turbo-dev \
  libgif-dev libdeflate-dev libtorch-dev libsqlite3-dev libssl-dev libcli11-dev doctest-dev \
  nlohmann-json3-dev libcpp-httplib-dev sqlite3 curl \
  python3 python3-torch python3-torchvision python3-pil python3-numpy

.PHONY: all build configure test deps print-deps demo refresh bench clean

all: build

configure:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Installs every Debian package above that is missing (needs root or sudo).
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "all Debian packages are installed"; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing:" $$missing; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing; \
	fi

# Prints the package list, for contrib/check_debian13.sh.
print-deps:
	@echo $(DEB_PACKAGES)

# The main job end to end against local-engine on 127.0.0.1 (see contrib/demo.sh).
demo: deps build
	contrib/demo.sh

# One scheduled refresh. Without WORKDIR it refreshes the demo: contrib/demo.sh --refresh starts
# local-engine again on the demo's port and passes the demo's weights. With WORKDIR=DIR it runs
# contrib/refresh.sh there, with REFRESH_ARGS (for example --allow-private -- --weights DIR).
WORKDIR ?=
REFRESH_ARGS ?=
refresh: build
	@if [ -z "$(WORKDIR)" ]; then contrib/demo.sh --refresh; \
	else contrib/refresh.sh --workdir $(WORKDIR) $(REFRESH_ARGS); fi

clean:
	rm -rf $(BUILD_DIR)
