# Multi-stage build: compile with the Rust toolchain, run on a slim Debian as a non-root user.
# SQLite and libpq are compiled into the binary, so the runtime image needs no database libraries.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/agency-engine --create-home agency
COPY --from=build /src/target/release/agency-engine /usr/local/bin/agency-engine
COPY --from=build /src/static /usr/share/agency-engine/static
ENV AE_STATIC_DIR=/usr/share/agency-engine/static \
    AE_BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///var/lib/agency-engine/agency.db \
    RUST_LOG=info
USER agency
WORKDIR /var/lib/agency-engine
VOLUME ["/var/lib/agency-engine"]
EXPOSE 8080
ENTRYPOINT ["agency-engine"]
CMD ["serve"]
