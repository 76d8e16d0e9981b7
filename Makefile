# clvbench: two commands from a fresh Debian 12 machine with Swift 6.
#   make run    installs missing system packages, builds in release, runs the main job
#   make test   runs the whole test suite
#
# System packages the build and the suites need, and those the tests add (a one-node Slurm
# cluster). .ci/run installs the same lists.
PACKAGES := pkg-config libopenblas-dev libsqlite3-dev libxml2-dev zlib1g-dev libpng-dev dataset-fashion-mnist
TEST_PACKAGES := munge slurmctld slurmd slurm-client chromium python3-numpy
SWIFT ?= swift
CLVBENCH := .build/release/clvbench

.PHONY: run test bench screenshots deps test-deps install-missing build clean help

help:
	@echo "make run    install what is missing, build in release, run the main job"
	@echo "make test   run the whole test suite"
	@echo "make bench  measure clvbench's speed (with the numpy peer), keep it in the database, re-render"
	@echo "make deps   only install the missing system packages"

# As root: apt-get installs what is missing. Otherwise: print the one line to run, and stop.
deps:
	@$(MAKE) --no-print-directory install-missing LIST="$(PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-missing LIST="$(PACKAGES) $(TEST_PACKAGES)"

install-missing:
	@missing=""; for p in $(LIST); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing system packages; run this, then run make again:"; \
	    echo "  sudo apt-get install -y --no-install-recommends$$missing"; \
	    exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c release

# The main job: check the machine, run the default suite (resumes if interrupted).
run: build
	$(CLVBENCH) doctor
	$(CLVBENCH) run benchmarks/default.yaml

test: test-deps
	$(SWIFT) test

# The tool's own speed, stored with this commit so the report's speed page follows it.
bench: build
	@$(MAKE) --no-print-directory install-missing LIST="python3-numpy"
	$(CLVBENCH) bench --peer --db results/clvbench.sqlite
	$(CLVBENCH) report

# The README's report screenshots, from results/site (render it with `make run` first), taken
# by headless Chromium without network (see ../shared/TECH-NOTES.md for the recipe).
SHOTS := leaderboard:1100 contributions:1500 orders:1100
screenshots:
	@$(MAKE) --no-print-directory install-missing LIST="chromium"
	@home=$$(mktemp -d); for shot in $(SHOTS); do \
	  page=$${shot%%:*}; height=$${shot##*:}; \
	  HOME=$$home unshare -n /usr/lib/chromium/chromium --headless --no-sandbox --disable-gpu \
	    --user-data-dir=$$home/profile --host-resolver-rules="MAP * ~NOTFOUND" --hide-scrollbars \
	    --window-size=1280,$$height --screenshot=docs/images/report-$$page.png \
	    "file://$(CURDIR)/results/site/$$page-default.html" 2>/dev/null && echo "docs/images/report-$$page.png"; \
	done; rm -rf $$home

clean:
	rm -rf .build
