#!/usr/bin/env bash
# The regime check of issue 15 (DESIGN.md section 10): under the pretrained model, the spread σ_X
# of Con_I→T over the ordered pairs of trained environments should be larger for the semantic
# emoji family (COCO-like) than for the taxonomic one (CUB-like) in at least 4 of 5 world seeds.
# Not a unit test: each world embeds its evaluation samples with the pretrained model, which is
# trained once (minutes in a debug build) and cached under results/cache.
#
#   benchmarks/emoji-regime.sh                      # seeds 0-4, needs 4 of 5
#   SEEDS="0 1 2" NEED=2 CLVBENCH=.build/debug/clvbench benchmarks/emoji-regime.sh
#
# Prints one line per seed (σ_X of each family, whether semantic > taxonomic) and exits 1 when
# fewer than NEED seeds hold, 2 when a run fails.
set -euo pipefail
CLVBENCH=${CLVBENCH:-$( [ -x .build/release/clvbench ] && echo .build/release/clvbench || echo .build/debug/clvbench )}
SEEDS=${SEEDS:-0 1 2 3 4}
NEED=${NEED:-4}
sheets=$(mktemp -d)
trap 'rm -rf "$sheets"' EXIT

sigma() {  # family seed -> σ_X
    local out
    if ! out=$("$CLVBENCH" environments emoji --family "$1" --seed "$2" --out "$sheets/$1-$2" --count 1 --scores 2>"$sheets/err"); then
        echo "emoji-regime: $CLVBENCH environments emoji --family $1 --seed $2 failed:" >&2
        cat "$sheets/err" >&2
        exit 2
    fi
    local x
    x=$(sed -n 's/.*cross (I->T) \([0-9.]*\).*/\1/p' <<<"$out")
    [ -n "$x" ] || { echo "emoji-regime: no 'cross (I->T)' sigma in the output of --family $1 --seed $2:" >&2; echo "$out" >&2; exit 2; }
    echo "$x"
}

held=0 total=0
printf '%-5s %-10s %-10s %s\n' seed semantic taxonomic holds
for s in $SEEDS; do
    sem=$(sigma semantic "$s")
    tax=$(sigma taxonomic "$s")
    if awk -v a="$sem" -v b="$tax" 'BEGIN { exit !(a > b) }'; then verdict=yes; held=$((held + 1)); else verdict=no; fi
    total=$((total + 1))
    printf '%-5s %-10s %-10s %s\n' "$s" "$sem" "$tax" "$verdict"
done
echo "semantic σ_X > taxonomic σ_X in $held of $total seeds (need $NEED) [$CLVBENCH]"
[ "$held" -ge "$NEED" ]
