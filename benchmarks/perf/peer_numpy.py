#!/usr/bin/env python3
"""The numpy peer of clvbench's training step: same model, shapes, float32 and optimiser.

Vision MLP (pixels -> 256 -> 256 -> 64, ReLU), language tower (mean of token + position
embeddings, 64 -> 256 -> 64), L2 normalisation, scaled cosine logits against K class prompts,
cross-entropy, AdamW with decoupled weight decay and global-norm clipping. One OpenBLAS thread
(set before numpy loads). Prints {"batch": B, "steps_per_second": ...} per batch size as JSON.
usage: peer_numpy.py [--batches 64,128,256] [--steps 30] | --check DIR
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

PIXELS, VISION, EMBED, WIDTH, TEXT, VOCAB, TOKENS, K = 24 * 24 * 3, [256, 256], 64, 64, [256], 200, 16, 4


def init(rng):
    p, dims = {}, [PIXELS] + VISION + [EMBED]
    for i in range(len(dims) - 1):
        p[f"vw{i}"] = (rng.normal(size=(dims[i], dims[i + 1])) * np.sqrt(2 / dims[i])).astype(np.float32)
        p[f"vb{i}"] = np.zeros((1, dims[i + 1]), np.float32)
    p["tok"] = (rng.normal(size=(VOCAB, WIDTH)) * 0.5).astype(np.float32)
    p["pos"] = (rng.normal(size=(TOKENS, WIDTH)) * 0.1).astype(np.float32)
    dims = [WIDTH] + TEXT + [EMBED]
    for i in range(len(dims) - 1):
        p[f"tw{i}"] = (rng.normal(size=(dims[i], dims[i + 1])) * np.sqrt(2 / dims[i])).astype(np.float32)
        p[f"tb{i}"] = np.zeros((1, dims[i + 1]), np.float32)
    p["scale"] = np.array([[np.log(1 / 0.07)]], np.float32)
    return p


def mlp(p, prefix, x, n):
    cache, h = [], x
    for i in range(n):
        z = h @ p[f"{prefix}w{i}"] + p[f"{prefix}b{i}"]
        cache.append((h, z))
        h = np.maximum(z, 0) if i < n - 1 else z
    return h, cache


def mlp_back(p, prefix, d, cache, g, n, need_input):
    for i in reversed(range(n)):
        h, z = cache[i]
        if i < n - 1:
            d = d * (z > 0)
        g[f"{prefix}w{i}"] = h.T @ d
        g[f"{prefix}b{i}"] = d.sum(axis=0, keepdims=True)
        if i > 0 or need_input:
            d = d @ p[f"{prefix}w{i}"].T
    return d


def normalise(x):
    n = np.sqrt((x * x).sum(axis=1, keepdims=True) + 1e-12)
    return x / n, n


def loss_and_grads(p, images, labels, tokens):
    """Mean cross-entropy of scaled cosine logits against the K class prompts, and its gradients."""
    nv, nt = len(VISION) + 1, len(TEXT) + 1
    raw_v, cv = mlp(p, "v", images, nv)
    mask = (tokens != 0).astype(np.float32)
    count = np.maximum(mask.sum(axis=1, keepdims=True), 1)
    pooled = ((p["tok"][tokens] + p["pos"][None, :, :]) * mask[:, :, None]).sum(axis=1) / count
    raw_t, ct = mlp(p, "t", pooled, nt)
    vn, nvn = normalise(raw_v)
    un, nun = normalise(raw_t)
    s = np.exp(p["scale"][0, 0])
    sim = vn @ un.T
    logits = s * sim
    logits -= logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(axis=1, keepdims=True)
    b = len(images)
    loss = -float(np.mean(np.log(prob[np.arange(b), labels])))
    d = prob
    d[np.arange(b), labels] -= 1
    d /= b
    g = {"scale": np.array([[np.sum(d * sim) * s]], np.float32)}
    dv, du = s * d @ un, s * d.T @ vn
    dv = (dv - vn * (vn * dv).sum(axis=1, keepdims=True)) / nvn
    du = (du - un * (un * du).sum(axis=1, keepdims=True)) / nun
    mlp_back(p, "v", dv, cv, g, nv, False)
    dp = mlp_back(p, "t", du, ct, g, nt, True)
    dtok = (dp / count)[:, None, :] * mask[:, :, None]
    g["tok"] = np.zeros_like(p["tok"])
    np.add.at(g["tok"], tokens, dtok)
    g["pos"] = dtok.sum(axis=0)
    return loss, g


def adamw(p, m, v, g, t, lr):
    """AdamW with decoupled weight decay (not on 1-row tensors) after global-norm clipping to 1."""
    norm = np.sqrt(sum(float((x * x).sum()) for x in g.values()))
    clip = min(1.0, 1.0 / max(norm, 1e-12))
    b1, b2 = 0.9, 0.999
    for k in p:
        gk = g[k] * clip
        m[k] = b1 * m[k] + (1 - b1) * gk
        v[k] = b2 * v[k] + (1 - b2) * gk * gk
        decay = 1e-4 if p[k].shape[0] > 1 else 0.0
        p[k] -= lr * ((m[k] / (1 - b1 ** t)) / (np.sqrt(v[k] / (1 - b2 ** t)) + 1e-8) + decay * p[k])


def step(p, m, v, t, images, labels, tokens, lr=1e-3):
    _, g = loss_and_grads(p, images, labels, tokens)
    adamw(p, m, v, g, t, lr)


def check(directory):
    """Loss and gradients for parameters and a batch clvbench wrote to `directory` as .npy
    files; the gradients go back as grad-NAME.npy, so clvbench can compare them with its own."""
    names = [f"vw{i}" for i in range(len(VISION) + 1)] + [f"vb{i}" for i in range(len(VISION) + 1)]
    names += ["tok", "pos", "scale"] + [f"tw{i}" for i in range(len(TEXT) + 1)] + [f"tb{i}" for i in range(len(TEXT) + 1)]
    p = {k: np.load(os.path.join(directory, k + ".npy")).astype(np.float32) for k in names}
    images = np.load(os.path.join(directory, "images.npy")).astype(np.float32)
    labels = np.load(os.path.join(directory, "labels.npy")).astype(np.int64).reshape(-1)
    tokens = np.load(os.path.join(directory, "tokens.npy")).astype(np.int64).reshape(K, TOKENS)
    loss, g = loss_and_grads(p, images, labels, tokens)
    for k, x in g.items():
        np.save(os.path.join(directory, "grad-" + k + ".npy"), x.astype(np.float32))
    print(json.dumps({"loss": loss}))


def blas_library():
    """The BLAS shared object numpy actually loaded (after a matmul), from /proc/self/maps."""
    np.ones((2, 2), np.float32) @ np.ones((2, 2), np.float32)
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown BLAS"
    openblas = sorted(p for p in paths if "openblas" in os.path.basename(p).lower())
    return ", ".join(openblas or sorted(paths)) or "unknown BLAS"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="64,128,256")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--check", metavar="DIR", help="compute loss and gradients for the inputs in DIR instead of timing")
    args = ap.parse_args()
    if args.check:
        check(args.check)
        return
    rng = np.random.default_rng(0)
    out = []
    for b in [int(x) for x in args.batches.split(",")]:
        p = init(rng)
        m = {k: np.zeros_like(x) for k, x in p.items()}
        v = {k: np.zeros_like(x) for k, x in p.items()}
        images = rng.normal(size=(b, PIXELS)).astype(np.float32)
        labels = np.arange(b) % K
        tokens = np.tile((2 + np.arange(TOKENS) % 50).astype(np.int64), (K, 1))
        step(p, m, v, 1, images, labels, tokens)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for t in range(args.steps):
                step(p, m, v, t + 2, images, labels, tokens)
            best = min(best, (time.perf_counter() - t0) / args.steps)
        out.append({"batch": b, "steps_per_second": 1 / best})
    print(json.dumps({"peer": "numpy " + np.__version__, "blas": blas_library(), "results": out}))


if __name__ == "__main__":
    main()
