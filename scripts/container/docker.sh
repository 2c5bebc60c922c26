# shellcheck shell=bash disable=SC2154  # variables set by scripts/container-test
# Sourced by scripts/container-test: a Docker engine to work with, and the base
# images the Dockerfile builds from (the official ones when they can be had,
# else local stand-ins made from Debian's packages).

# Set by ensure_docker when this run started the engine (and so stops it).
started_dockerd_pid=""

# Makes `docker info` answer: installs Docker from Debian's packages when it is
# missing and starts dockerd in the background when it is not running.
ensure_docker() {
  if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null \
    || ! command -v debootstrap >/dev/null; then
    step "installing docker.io, docker-compose and debootstrap from Debian's packages"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq docker.io debootstrap docker-compose; } >"$work/apt.log" 2>&1 \
      || { tail -n 20 "$work/apt.log" >&2; fail "installing Docker failed"; }
  fi
  if docker info >/dev/null 2>&1; then
    step "Docker engine: already running (left running)"
    return
  fi
  step "starting dockerd (no bridge, no iptables: containers use the host's network)"
  setsid dockerd --bridge=none --iptables=false >"$work/dockerd.log" 2>&1 &
  started_dockerd_pid=$!
  local deadline=$((SECONDS + 60))
  until docker info >/dev/null 2>&1; do
    if ! kill -0 "$started_dockerd_pid" 2>/dev/null || ((SECONDS > deadline)); then
      tail -n 20 "$work/dockerd.log" >&2
      fail "dockerd did not come up"
    fi
    sleep 0.5
  done
}

# Stops the dockerd this run started, if it did; its images and cache stay.
stop_started_dockerd() {
  [[ -n "$started_dockerd_pid" ]] || return 0
  kill "$started_dockerd_pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$started_dockerd_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  started_dockerd_pid=""
}

# Sets RUST_IMAGE and RUNTIME_IMAGE: the Dockerfile's defaults when present or
# pullable, else the stand-ins (built once, then kept for later runs).
choose_base_images() {
  local official_rust official_runtime
  official_rust=$(dockerfile_arg RUST_IMAGE)
  official_runtime=$(dockerfile_arg RUNTIME_IMAGE)
  if image_available "$official_rust" && image_available "$official_runtime"; then
    RUST_IMAGE=$official_rust RUNTIME_IMAGE=$official_runtime
    step "base images: the official $RUST_IMAGE and $RUNTIME_IMAGE"
    return
  fi
  # Tagged with their recipe's hash (and the host's Rust version): a changed
  # recipe or toolchain makes new stand-ins, and the older ones are removed.
  local recipe
  recipe=$(declare -f build_debian_standin build_rust_standin | sha256sum | cut -c1-8)
  RUNTIME_IMAGE=leadrelay-ci/bookworm:slim-$recipe
  RUST_IMAGE=leadrelay-ci/rust:$(rustc --version | awk '{print $2}')-bookworm-$recipe
  step "base images: the official ones cannot be pulled; local stand-ins $RUST_IMAGE and $RUNTIME_IMAGE"
  if ! docker image inspect "$RUNTIME_IMAGE" >/dev/null 2>&1; then
    build_debian_standin
    remove_other_tags "$RUNTIME_IMAGE"
  fi
  if ! docker image inspect "$RUST_IMAGE" >/dev/null 2>&1; then
    build_rust_standin
    remove_other_tags "$RUST_IMAGE"
  fi
}

# Removes the other tags of an image's repository (untags those still used as
# a layer of a cached build; they go with it).
remove_other_tags() {
  docker image ls --format '{{.Repository}}:{{.Tag}}' "${1%%:*}" | grep -vxF "$1" \
    | xargs -r docker image rm >/dev/null 2>&1 || true
}

# The default value of a Dockerfile ARG.
dockerfile_arg() {
  sed -n "s/^ARG $1=//p" "$repo/Dockerfile"
}

# True when the image is here or can be pulled now.
image_available() {
  docker image inspect "$1" >/dev/null 2>&1 && return 0
  timeout 120 docker pull -q "$1" >/dev/null 2>&1
}

# The Debian mirror apt already uses (its first non-security archive).
debian_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i } /^deb / { print ($2 ~ /^\[/ ? $3 : $2) }' \
    | grep -E '/debian/?$' | head -n 1)
  echo "${uri:-http://deb.debian.org/debian}"
}

# A Debian bookworm base like the official slim image: minbase, without
# documentation, manuals, translations or apt's caches (now or later).
build_debian_standin() {
  local mirror rootfs=$work/rootfs
  mirror=$(debian_mirror)
  step "building $RUNTIME_IMAGE: debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/*
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  tar -C "$rootfs" -c . | docker import - "$RUNTIME_IMAGE" >/dev/null \
    || fail "docker import of the Debian base failed"
  rm -rf --one-file-system "$rootfs"
}

# The Debian base plus a C toolchain and the host's Rust toolchain. Cargo also
# trusts the host's CA bundle (the crate registry may be reached through a
# TLS-inspecting proxy); the image's own CA bundle stays Debian's.
build_rust_standin() {
  local context=$work/rust-standin sysroot
  sysroot=$(rustc --print sysroot)
  step "building $RUST_IMAGE: $RUNTIME_IMAGE + gcc libc6-dev ca-certificates + the host's Rust ($sysroot)"
  mkdir -p "$context/toolchain"
  (cd "$sysroot" && tar -c --exclude=./share/doc .) | tar -C "$context/toolchain" -x
  cp /etc/ssl/certs/ca-certificates.crt "$context/host-ca-bundle.crt"
  cat >"$context/Dockerfile" <<EOF
FROM $RUNTIME_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
COPY toolchain /usr/local/rust
COPY host-ca-bundle.crt /usr/local/share/leadrelay-ci/host-ca-bundle.crt
ENV PATH=/usr/local/rust/bin:\$PATH \\
    CARGO_HTTP_CAINFO=/usr/local/share/leadrelay-ci/host-ca-bundle.crt
EOF
  docker build -q --network host -t "$RUST_IMAGE" "$context" >"$work/rust-standin.log" 2>&1 \
    || { tail -n 20 "$work/rust-standin.log" >&2; fail "building $RUST_IMAGE failed"; }
  rm -rf "$context"
}

# Builds the image as $image. The build stage is also tagged
# leadrelay-ci/build-cache, so its layers (the dependencies' above all) stay
# cached for the next run; the previous run's, when they differ, are removed.
build_image() {
  local cache=leadrelay-ci/build-cache:latest old new
  old=$(docker image inspect -f '{{.Id}}' "$cache" 2>/dev/null || true)
  docker_build --target build -t "$cache" | timed_steps
  docker_build -t "$image" >/dev/null
  new=$(docker image inspect -f '{{.Id}}' "$cache")
  if [[ -n "$old" && "$old" != "$new" ]]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
}

# docker build of the repository on the host's network, from the chosen bases;
# prints its output (kept in build.log, whose end is shown on failure).
docker_build() {
  docker build --network host --build-arg "RUST_IMAGE=$RUST_IMAGE" \
    --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE" "$@" "$repo" 2>&1 | tee -a "$work/build.log" \
    || { tail -n 40 "$work/build.log" >&2; fail "docker build failed"; }
}

# The build's steps, each with the seconds since the build began.
timed_steps() {
  local began=$SECONDS line
  while IFS= read -r line; do
    if [[ "$line" == Step* ]]; then
      printf '  %4ds %s\n' "$((SECONDS - began))" "${line:0:100}"
    fi
  done
}
