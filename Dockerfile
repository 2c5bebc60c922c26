# syntax=docker/dockerfile:1
# Build: dependencies first (a layer cached until Cargo.toml or Cargo.lock
# change), then the source.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# Stubs for every target the manifest declares (the benchmark's helpers and
# micro-benchmarks are not built: they need the `bench` feature or `cargo bench`).
RUN mkdir -p src bench/src benches && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && touch bench/src/baseline.rs bench/src/sandbox.rs benches/hot_paths.rs \
    && cargo build --release --locked && rm -rf src
COPY src ./src
COPY migrations ./migrations
# The stubs' build is newer than the copied files: touch, so cargo rebuilds ours.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

# Run: a small image, a non-root user, SQLite on the /data volume.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-log-init --uid 10001 --home-dir /data leadrelay \
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
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["leadrelay", "healthcheck", "--url", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["leadrelay"]
CMD ["serve"]
