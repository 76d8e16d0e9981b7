#!/bin/bash
# Bring your own data and method, end to end (docs/manifest.md, docs/protocol.md,
# docs/provenance.md, docs/import.md):
#   a PNG dataset in manifest form, generated from a fixed seed; a tiny method repository (git
#   init) run through the external protocol beside the built-in finetune baseline, which is
#   trained once; a second run that is a no-op; a second commit and an uncommitted edit (three
#   versions of the method); a matrix trained elsewhere, imported; what a broken CSV row does;
#   `clvbench compare` between the two commits; the pages.
# Usage: examples/byo/walkthrough.sh [WORK_DIR]
#   CLVBENCH=path/to/clvbench chooses the binary (default: clvbench on PATH);
#   BYO_TRAIN / BYO_EVAL set the images per environment (default 96 / 24).
# Everything is written under WORK_DIR (default: a new temporary directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
clvbench=${CLVBENCH:-clvbench}
case $clvbench in */*) clvbench=$(cd "$(dirname "$clvbench")" && pwd)/$(basename "$clvbench") ;; esac
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"   # the pretraining cache goes to ./results/cache: keep it in the work directory

step() { printf '\n== %s\n' "$*"; }
git_() { git -C my-method -c user.name=byo -c user.email=byo@example.org "$@"; }

step "your data: PNGs, a CSV per split (path,label,caption) and data.yaml"
python3 "$here/make_dataset.py" data --seed 0 --train "${BYO_TRAIN:-96}" --eval "${BYO_EVAL:-24}"

step "your method in its own repository, first commit"
mkdir -p my-method
cp "$here/../external/numpy_clip.py" "$here/../external/clvbench_protocol.py" my-method/
git_ init -q
git_ add numpy_clip.py clvbench_protocol.py
git_ commit -q -m "numpy CLIP, 3 epochs"
first=$(git_ rev-parse HEAD)

# The suite names the repository: its HEAD is the method's code version.
sed -e "s|@REPO@|$work/my-method|" "$here/suite.yaml" > suite.yaml
"$clvbench" run suite.yaml --db byo.sqlite --quiet --no-report

step "the same command again: every run is stored, nothing is trained"
"$clvbench" run suite.yaml --db byo.sqlite --quiet --no-report

step "second commit: 10 epochs by default"
sed -i 's/int(p.get("epochs", 3))/int(p.get("epochs", 10))/' my-method/numpy_clip.py
git_ commit -q -am "numpy CLIP, 10 epochs"
second=$(git_ rev-parse HEAD)
"$clvbench" run suite.yaml --db byo.sqlite --quiet --no-report   # finetune is not rerun

step "an uncommitted edit: a third version (commit + hash of the diff)"
sed -i 's/float(p.get("lr", 0.001))/float(p.get("lr", 0.002))/' my-method/numpy_clip.py
"$clvbench" run suite.yaml --db byo.sqlite --quiet --no-report

step "a matrix trained elsewhere (rows: pretrained, after colours, after sides; sizes held out)"
"$clvbench" import "$here/imported.csv" --suite byo --method paper-baseline --held-out 1 --code-version paper-2024 --db byo.sqlite

step "a broken CSV row (a caption with an unquoted comma): refused with file:line, exit 2, nothing written"
rm -rf broken && cp -r data broken
echo 'colours/img/train-0000.png,red,a small red circle, on the left' >> broken/colours/train.csv
sed -e 's|path: data/data.yaml|path: broken/data.yaml|' suite.yaml > broken-suite.yaml
set +e
"$clvbench" run broken-suite.yaml --db broken.sqlite --quiet --no-report
status=$?
set -e
echo "exit status: $status; broken.sqlite $([ -e broken.sqlite ] && echo exists || echo 'was not created')"

step "the method's versions and the gate between its two commits"
"$clvbench" list versions --db byo.sqlite
set +e
"$clvbench" compare "$first" "$second" --method my-method --db byo.sqlite
status=$?
set -e
echo "compare exit status: $status (1 = a significant regression)"

step "the pages"
"$clvbench" report --db byo.sqlite --out site
cat <<EOF
Open $work/site/index.html. Where to look:
  leaderboard-byo.html     finetune, my-method (latest version) and paper-baseline (imported), CIs over cells
  history.html             my-method across its three versions
  runs/                    one page per run: accuracy matrix, code versions, the imported file's sha256
  contributions-byo.html   contribution scores and Shapley attribution per method
The data: $work/data (data.yaml, */train.csv, */eval.csv, */img/*.png).
EOF
