#!/usr/bin/env python3
"""A small numpy dual encoder with sequential fine-tuning, speaking clvbench's protocol.

Vision: flattened pixels -> ReLU layer -> projection. Language: mean of word embeddings ->
projection. Both L2-normalised, compared by a learnable logit scale; trained by
cross-entropy over the class prompts of the current environment with Adam. Stage 0 is the
random initialisation (no pretraining), so its zero-shot accuracy is near chance.
It reports exact Shapley inputs: the previous checkpoint with each subset of the stage's
vision, language and shared updates applied. numpy only; CI runs it.
Parameters (suite `external.parameters`): epochs (default 3), lr (0.01), hidden (128), dim (32).
"""
import re
import sys

import numpy as np

import clvbench_protocol as protocol

GROUPS = {"vision": ["w1", "b1", "w2"], "language": ["emb", "w3"], "shared": ["scale"]}


def words(text):
    return re.findall(r"[a-z0-9\-]+|[,:;.!?]", text.lower())


class NumpyCLIP:
    def __init__(self, run):
        p = run.parameters
        self.epochs = int(p.get("epochs", 3))
        self.lr = float(p.get("lr", 0.01))
        hidden, dim = int(p.get("hidden", 128)), int(p.get("dim", 32))
        vocab = set()
        for env in run.environments:
            for text in env.class_prompts + list(env.eval_captions) + list(env.train_captions):
                vocab.update(words(text))
        self.vocab = {w: i for i, w in enumerate(sorted(vocab))}
        rng = np.random.default_rng(run.seed)
        pixels = int(np.prod(run.image_shape))
        self.params = {
            "w1": rng.normal(0, np.sqrt(2 / pixels), (pixels, hidden)).astype(np.float32),
            "b1": np.zeros(hidden, np.float32),
            "w2": rng.normal(0, np.sqrt(1 / hidden), (hidden, dim)).astype(np.float32),
            "emb": rng.normal(0, 0.5, (len(self.vocab), dim)).astype(np.float32),
            "w3": rng.normal(0, np.sqrt(1 / dim), (dim, dim)).astype(np.float32),
            "scale": np.array([np.log(10.0)], np.float32),
        }
        self.previous = {k: v.copy() for k, v in self.params.items()}
        self.rng = rng

    def bag(self, texts):
        m = np.zeros((len(texts), len(self.vocab)), np.float32)
        for i, t in enumerate(texts):
            ids = [self.vocab[w] for w in words(t) if w in self.vocab]
            for j in ids:
                m[i, j] += 1.0 / max(len(ids), 1)
        return m

    @staticmethod
    def normalise(x):
        n = np.linalg.norm(x, axis=1, keepdims=True) + 1e-8
        return x / n, n

    def encode_images(self, p, x):
        h_pre = x.reshape(len(x), -1) @ p["w1"] + p["b1"]
        h = np.maximum(h_pre, 0)
        v = h @ p["w2"]
        return self.normalise(v) + (h_pre, h, v)

    def encode_text(self, p, bags):
        e = bags @ p["emb"]
        u = e @ p["w3"]
        return self.normalise(u) + (e, u)

    def loss_and_grads(self, p, x, labels, bags):
        vn, nv, h_pre, h, v = self.encode_images(p, x)
        un, nu, e, u = self.encode_text(p, bags)
        s = np.exp(p["scale"][0])
        logits = s * vn @ un.T
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        n = len(x)
        loss = -np.mean(np.log(prob[np.arange(n), labels] + 1e-12))
        d = prob
        d[np.arange(n), labels] -= 1
        d /= n
        sim = vn @ un.T
        g = {"scale": np.array([np.sum(d * sim) * s], np.float32)}
        dvn, dun = s * d @ un, s * d.T @ vn
        dv = (dvn - vn * np.sum(vn * dvn, axis=1, keepdims=True)) / nv
        du = (dun - un * np.sum(un * dun, axis=1, keepdims=True)) / nu
        g["w2"] = h.T @ dv
        dh = (dv @ p["w2"].T) * (h_pre > 0)
        g["w1"] = x.reshape(n, -1).T @ dh
        g["b1"] = dh.sum(axis=0)
        g["w3"] = e.T @ du
        g["emb"] = bags.T @ (du @ p["w3"].T)
        return loss, g

    def train(self, env):
        self.previous = {k: v.copy() for k, v in self.params.items()}
        x, y = env.train_images, env.train_labels.astype(int)
        bags = self.bag(env.class_prompts)
        m = {k: np.zeros_like(v) for k, v in self.params.items()}
        v2 = {k: np.zeros_like(v) for k, v in self.params.items()}
        step = 0
        for _ in range(self.epochs):
            order = self.rng.permutation(len(x))
            for start in range(0, len(x), 64):
                idx = order[start:start + 64]
                loss, g = self.loss_and_grads(self.params, x[idx], y[idx], bags)
                step += 1
                for k in self.params:
                    m[k] = 0.9 * m[k] + 0.1 * g[k]
                    v2[k] = 0.999 * v2[k] + 0.001 * g[k] ** 2
                    update = (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v2[k] / (1 - 0.999 ** step)) + 1e-8)
                    self.params[k] = (self.params[k] - self.lr * update).astype(np.float32)
        print(f"trained {env.name}: last batch loss {loss:.4f}", file=sys.stderr)

    def evaluate_with(self, p, env):
        vn = self.encode_images(p, env.eval_images)[0]
        prompts = self.encode_text(p, self.bag(env.class_prompts))[0]
        logits = np.exp(p["scale"][0]) * vn @ prompts.T
        labels = env.eval_labels.astype(int)
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        accuracy = float(np.mean(np.argmax(logits, axis=1) == labels))
        loss = float(-np.mean(logp[np.arange(len(labels)), labels]))
        return accuracy, loss, vn

    def evaluate(self, env):
        accuracy, loss, vn = self.evaluate_with(self.params, env)
        un = self.encode_text(self.params, self.bag(env.eval_captions))[0]
        return accuracy, loss, vn, un

    def shapley(self, envs):
        out = {env.name: {} for env in envs}
        for name in ["vision", "language", "shared", "vision+language", "vision+shared", "language+shared"]:
            chosen = name.split("+")
            mixed = {k: (self.params[k] if any(k in GROUPS[g] for g in chosen) else self.previous[k]) for k in self.params}
            for env in envs:
                out[env.name][name] = self.evaluate_with(mixed, env)[0]
        return out


if __name__ == "__main__":
    protocol.serve(NumpyCLIP)
