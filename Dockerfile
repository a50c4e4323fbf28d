# Builds and tests Sluice on Debian with the distribution's Python 3.11.
FROM golang:1.25-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3-dev python3-venv pkg-config gcc make git \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/sluice
COPY . .
RUN make build
ENTRYPOINT ["/src/sluice/bin/sluice"]
