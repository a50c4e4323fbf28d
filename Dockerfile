# Builds Sluice on Debian with the distribution's Python 3.11. Java 17 and
# Maven are there for `make test`, whose service scripts fetch the Kafka jars
# and install MariaDB from Debian's packages on first use.
FROM golang:1.25-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3-dev python3-venv pkg-config gcc make git \
        openjdk-17-jre-headless maven \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/sluice
COPY . .
RUN make build
ENTRYPOINT ["/src/sluice/bin/sluice"]
