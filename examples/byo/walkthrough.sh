#!/bin/bash
# Bring your own method, end to end (docs/import.md, docs/provenance.md):
#   a tiny method repository (git init in a temporary directory) with two commits and then an
#   uncommitted edit, each run through the external protocol beside a built-in baseline that is
#   trained once; a matrix trained elsewhere imported beside them; `clvbench compare` between the
#   two commits; the pages show the method's three versions.
# Usage: examples/byo/walkthrough.sh [WORK_DIR]   (CLVBENCH=path/to/clvbench to choose the binary)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
clvbench=${CLVBENCH:-clvbench}
work=${1:-$(mktemp -d)}
repo=$work/my-method
db=$work/byo.sqlite
mkdir -p "$repo"

step() { printf '\n== %s\n' "$*"; }
git_() { git -C "$repo" -c user.name=byo -c user.email=byo@example.org "$@"; }

step "a method repository with its first commit"
cp "$here/../external/numpy_clip.py" "$here/../external/clvbench_protocol.py" "$repo/"
git_ init -q
git_ add numpy_clip.py clvbench_protocol.py
git_ commit -q -m "numpy CLIP, 3 epochs"
first=$(git_ rev-parse HEAD)

# The suite names the repository: its HEAD is the method's code version.
sed -e "s|@REPO@|$repo|" "$here/suite.yaml" > "$work/suite.yaml"
"$clvbench" run "$work/suite.yaml" --db "$db" --quiet --no-report

step "second commit: one more epoch by default"
sed -i 's/int(p.get("epochs", 3))/int(p.get("epochs", 4))/' "$repo/numpy_clip.py"
git_ commit -q -am "numpy CLIP, 4 epochs"
second=$(git_ rev-parse HEAD)
"$clvbench" run "$work/suite.yaml" --db "$db" --quiet --no-report   # finetune is not rerun

step "an uncommitted edit: a third version (commit + hash of the diff)"
sed -i 's/float(p.get("lr", 0.001))/float(p.get("lr", 0.002))/' "$repo/numpy_clip.py"
"$clvbench" run "$work/suite.yaml" --db "$db" --quiet --no-report

step "a matrix trained elsewhere"
"$clvbench" import "$here/imported.csv" --suite byo --method paper-baseline --held-out 1 --code-version "paper-2024" --db "$db"

step "the method's versions and the gate between its two commits"
"$clvbench" list versions --db "$db"
set +e
"$clvbench" compare "$first" "$second" --method my-method --db "$db"
status=$?
set -e
echo "compare exit status: $status (1 = a significant regression)"

step "the pages"
"$clvbench" report --db "$db" --out "$work/site"
echo "done: $work"
