"""Where the MinHash signature step spends its time on this machine, and what limits it per core.

Measures, in one process (pin nothing else; run it quiet):

* the machine: CPU model, L1d/L2 per core (sysfs), numpy's enabled SIMD features;
* memory bandwidth (copy of a 512 MB array) and the throughput of one
  uint32 multiply pass over arrays from 64 KB to 16 MB (where it leaves L2);
* the uint32 and uint64 multiply and the uint32 minimum-reduceat, ns per element
  on an L2-resident array (fmix64 in shingling is uint64 multiplies; each
  permutation of MinHash is a uint32 multiply, an add and a minimum-reduceat);
* the signature step on the planted corpus (``benchmarks/out/corpus_10k.parquet``):
  documents/s for shingling alone and for shingling + MinHash, by batch size.

``--no-avx512`` reruns itself with numpy's AVX-512 kernels switched off
(``NPY_DISABLE_CPU_FEATURES``), which is what a CPU without AVX-512 (AMD EPYC
before Zen 4) runs.

Usage::

    nice .venv/bin/python benchmarks/corpus_sigprof.py [--docs 5000] [--no-avx512]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_bench import command_line  # noqa: E402

AVX512 = ("AVX512F AVX512CD AVX512VL AVX512BW AVX512DQ AVX512VNNI AVX512IFMA AVX512VBMI AVX512VBMI2 "
          "AVX512BITALG AVX512VPOPCNTDQ AVX512FP16 AVX512BF16 AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL "
          "AVX512_SPR AVX512_KNL AVX512_KNM")


def _best(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def machine() -> dict[str, object]:
    from numpy._core._multiarray_umath import __cpu_features__ as feats

    def cache(level_index: int) -> str | None:
        p = Path(f"/sys/devices/system/cpu/cpu0/cache/index{level_index}/size")
        return p.read_text().strip() if p.exists() else None

    model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                  if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else None
    return {"cpu": model, "l1d": cache(0), "l2": cache(2), "l3": cache(3), "numpy": np.__version__,
            "simd": [k for k in ("AVX2", "AVX512F", "AVX512DQ", "AVX512_SPR") if feats.get(k)],
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


def kernels() -> dict[str, object]:
    big = np.ones(64 * 2**20, dtype=np.uint64)  # 512 MB
    dst = np.empty_like(big)
    copy_s = _best(lambda: np.copyto(dst, big), 3)
    big = dst = np.zeros(0, np.uint64)  # free the 1 GB before the rest
    out: dict[str, object] = {"copy_GBps": round(2 * 512 / 1024 / copy_s, 1)}
    sizes = {}
    for kb in (64, 256, 512, 1024, 2048, 4096, 16384):
        x = np.arange(kb * 256, dtype=np.uint32)
        buf = np.empty_like(x)
        s = _best(lambda: [np.multiply(x, np.uint32(2654435761), out=buf) for _ in range(20)])
        sizes[f"{kb}KB"] = round(s / 20 / x.size * 1e9, 3)
    out["u32_multiply_ns_per_element_by_array_size"] = sizes
    x32 = np.arange(64 * 1024, dtype=np.uint32)  # 256 KB: in L2 everywhere
    x64 = x32.astype(np.uint64)
    b32, b64 = np.empty_like(x32), np.empty_like(x64)
    starts = np.arange(0, x32.size, 550)
    per = {
        "u32_multiply": _best(lambda: [np.multiply(x32, np.uint32(0x85EBCA6B), out=b32) for _ in range(50)]),
        "u32_add": _best(lambda: [np.add(x32, np.uint32(12345), out=b32) for _ in range(50)]),
        "u32_minimum_reduceat_550": _best(lambda: [np.minimum.reduceat(x32, starts) for _ in range(50)]),
        "u64_multiply": _best(lambda: [np.multiply(x64, np.uint64(0xFF51AFD7ED558CCD), out=b64) for _ in range(50)]),
        "u64_xor_shift": _best(lambda: [np.right_shift(x64, np.uint64(33), out=b64) for _ in range(50)]),
    }
    out["ns_per_element_in_L2"] = {k: round(v / 50 / x32.size * 1e9, 3) for k, v in per.items()}
    return out


def signature_rates(n_docs: int) -> dict[str, object]:
    import pyarrow.parquet as pq

    from storydiff.corpus.minhash import minhash_shingles, permutations, signatures_with_sizes
    from storydiff.corpus.shingles import shingle_hashes

    path = OUT / "corpus_10k.parquet"
    if not path.exists():
        return {"skipped": f"{path.relative_to(ROOT)} missing: run benchmarks/corpus_gen.py --size 10k"}
    texts = pq.read_table(path, columns=["text"]).column("text").to_pylist()[:n_docs]
    a, b = permutations(128, 1)
    rates: dict[str, object] = {}
    for bs in (16, 32, 64, 128, 256, 512, 1024):
        batches = [shingle_hashes(texts[i : i + bs], ngram=3) for i in range(0, len(texts), bs)]
        shingle_s = _best(lambda: [shingle_hashes(texts[i : i + bs], ngram=3) for i in range(0, len(texts), bs)], 2)
        minhash_s = _best(lambda: [minhash_shingles(h, off, a, b) for h, off in batches], 2)
        total_s = _best(lambda: signatures_with_sizes(texts, batch_size=bs), 2)
        shingles = sum(h.size for h, _ in batches) / len(batches)
        rates[str(bs)] = {"shingles_per_batch": round(shingles), "working_set_KB": round(shingles * 8 / 1024),
                          "shingling_docs_per_s": round(len(texts) / shingle_s),
                          "minhash_docs_per_s": round(len(texts) / minhash_s),
                          "signatures_docs_per_s": round(len(texts) / total_s)}
    return {"documents": len(texts), "by_batch_size": rates}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--no-avx512", action="store_true", help="also measure with numpy's AVX-512 kernels off")
    ap.add_argument("--tag", default="")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    result = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "command": command_line(),
              "machine": machine(), "kernels": kernels(), "signatures": signature_rates(args.docs)}
    result["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]  # type: ignore[index]
    if args.inner:
        print(json.dumps(result))
        return
    if args.no_avx512:
        env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": AVX512}
        p = subprocess.run([sys.executable, __file__, "--inner", "--docs", str(args.docs)], env=env,
                           capture_output=True, text=True, check=True)
        result["without_avx512"] = json.loads(p.stdout)
    text = json.dumps(result, indent=2)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"corpus_sigprof{args.tag}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
