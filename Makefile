# metapipe — make analysis · make test · make browser-check · make bench · make clean
SWIFT ?= swift
PACKAGES := pkg-config libcairo2-dev libpango1.0-dev zlib1g-dev fonts-dejavu-core
RELEASE_BIN := .build/release/metapipe

.PHONY: all deps build analysis test browser-check bench clean

all: build

# The system libraries the renderer links against, and the font every figure uses.
deps:
	@scripts/ensure-packages $(PACKAGES)

build: deps
	$(SWIFT) build

# Build in release mode and run every pipelines/*.yaml into outputs/ (cached in .metapipe/).
analysis: deps
	$(SWIFT) build -c release --product metapipe
	$(RELEASE_BIN) run

# The whole test suite (no R needed: reference numbers are fixtures).
test: deps
	$(SWIFT) test

# Open every outputs/*/index.html in headless Chromium (Debian's package) at a 1280 px wide window;
# fails on a console error, a figure that does not decode or a table wider than the window.
browser-check:
	@scripts/ensure-packages chromium
	scripts/browser-check --self-test
	scripts/browser-check

# Speed and memory against R's metafor, written to bench/results.md.
bench: deps
	bench/run

clean:
	rm -rf .build .metapipe
