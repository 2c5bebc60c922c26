# The images it builds from are arguments (defaults: the official ones), so that
# a test or a mirror can pass its own by name:
#   docker build --build-arg RUST_IMAGE=... --build-arg RUNTIME_IMAGE=... .
# RUST_IMAGE needs cargo, gcc, libc6-dev and ca-certificates (as rust:*-slim has);
# RUNTIME_IMAGE needs useradd and the same glibc or newer (Debian bookworm).
ARG RUST_IMAGE=rust:1-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# Build: dependencies first (a layer cached until Cargo.toml, Cargo.lock or the
# benchmarks change), then the source. The binary is stripped of its symbols.
FROM ${RUST_IMAGE} AS build
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# Every target the manifest declares must exist: the benchmarks come as they are
# (they are not built: they need the `bench` feature or `cargo bench`), the
# service as a stub.
COPY bench/src ./bench/src
COPY benches ./benches
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && echo 'fn main() {}' > build.rs \
    && cargo build --release --locked && rm -rf src build.rs
COPY build.rs ./
COPY src ./src
COPY migrations ./migrations
# The stubs' build is newer than the copied files: touch, so cargo rebuilds ours.
RUN touch build.rs src/main.rs src/lib.rs && cargo build --release --locked

# Run: the binary, the CA bundle and a non-root user; SQLite on the /data volume.
FROM ${RUNTIME_IMAGE}
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN useradd --system --no-log-init --uid 10001 --home-dir /data leadrelay \
    && mkdir -p /data && chown leadrelay /data
COPY --from=build /src/target/release/leadrelay /usr/local/bin/leadrelay
USER leadrelay
WORKDIR /data
# A config file is optional (every key has an environment name); to use one,
# mount it and set LEADRELAY_CONFIG=/path/to/leadrelay.toml.
ENV LEADRELAY_SERVER__LISTEN=0.0.0.0:8080 \
    LEADRELAY_STORAGE__URL=sqlite:///data/leadrelay.db \
    LEADRELAY_LOG__FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
# Asks the address the service listens on, so a changed LEADRELAY_SERVER__LISTEN
# is followed (0.0.0.0 and [::] reach this host).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD leadrelay healthcheck --url "$LEADRELAY_SERVER__LISTEN"
ENTRYPOINT ["leadrelay"]
CMD ["serve"]
