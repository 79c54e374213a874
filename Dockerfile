# syntax=docker/dockerfile:1
#
# The aksupgrade image: one static binary on distroless, running as the
# non-root user 65532. `aksupgrade serve` is its default command; the Helm
# chart (deploy/helm/aksupgrade) gives serve its flags.
#
#   docker build --build-arg VERSION=v1.2.3 -t REGISTRY/aksupgrade:v1.2.3 .
#   docker buildx build --platform linux/amd64,linux/arm64 --build-arg VERSION=v1.2.3 \
#     -t REGISTRY/aksupgrade:v1.2.3 --push .
#
# It needs BuildKit (the default builder of Docker 23 and later), the
# official Go image (golang:1.26) and gcr.io/distroless/static-debian12
# from their registries, and the Go module proxy (or another, with
# --build-arg GOPROXY=...).

ARG GO_VERSION=1.26

# Build stage: runs on the build machine's platform and cross-compiles
# for the target's (the binary is pure Go: CGO_ENABLED=0, SQLite included).
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
ARG GOPROXY
ENV GOPROXY=${GOPROXY:-https://proxy.golang.org,direct} \
    CGO_ENABLED=0 \
    GOTOOLCHAIN=local

COPY . .
# VERSION is what `aksupgrade version` reports (main.version).
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
# The cache mounts keep downloaded modules and compiled packages between
# builds; the build downloads only the modules the binary needs.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/aksupgrade ./cmd/aksupgrade && \
    mkdir -p /out/var/lib/aksupgrade

# Final stage: CA certificates, /etc/passwd with nonroot (65532), tzdata;
# no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="aksupgrade" \
      org.opencontainers.image.description="Ordered, gated Kubernetes upgrades for fleets of AKS clusters" \
      org.opencontainers.image.source="https://github.com/aksupgrade/aksupgrade" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/aksupgrade /aksupgrade
# Where the default command keeps its SQLite database: mount a volume here
# (a new named volume takes this directory's owner, 65532).
COPY --from=build --chown=65532:65532 /out/var/lib/aksupgrade /var/lib/aksupgrade
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/aksupgrade"]
# The API on every address needs authentication: set
# AKSUPGRADE_API_TOKENS_FILE (or AKSUPGRADE_API_TOKENS, or the
# AKSUPGRADE_API_ENTRA_* variables), or give other flags.
CMD ["serve", "--policy", "/etc/aksupgrade/policy.yaml", "--db", "/var/lib/aksupgrade/state.db", "--listen", "0.0.0.0:8080"]
