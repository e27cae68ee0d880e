# syntax=docker/dockerfile:1
# Build stage: compile a release binary with the Swift runtime linked in.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev zlib1g-dev libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product mqlgate \
 && install -D "$(swift build -c release --show-bin-path)/mqlgate" /out/mqlgate

# Runtime stage: slim Debian, non-root, data on a volume.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 zlib1g libsqlite3-0 tzdata ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 mqlgate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/mqlgate --create-home mqlgate
COPY --from=build /out/mqlgate /usr/local/bin/mqlgate
COPY config /etc/mqlgate
USER 10001:10001
WORKDIR /var/lib/mqlgate
VOLUME ["/var/lib/mqlgate"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/mqlgate"]
# Listening beyond loopback needs API keys: pass MQLGATE_API_KEYS.
CMD ["serve", "--config", "/etc/mqlgate/mqlgate.yaml", "--scoring", "/etc/mqlgate/scoring.yaml", \
     "--host", "0.0.0.0", "--port", "8080", "--data-dir", "/var/lib/mqlgate"]
