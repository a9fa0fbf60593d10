"""Served augmentation throughput: `iclft augment` against llama.cpp's OpenAI-compatible server
(llama-cpp-python[server], as `make test` builds it) at 1 and at N concurrent requests, same corpus,
same settings, one run of this script; the generation cache is off, so every token is generated.

    OMP_NUM_THREADS=1 python benchmarks/served_augment.py --concurrency 4 --server-threads 2

Prints, per concurrency: inputs, tokens read and written, seconds, tokens written per second, and
the ratio of N to 1. Whether concurrency helps depends on the server: llama-cpp-python's answers
one request at a time (a lock around its one model), so the gain there is only the overlap of one
request's HTTP and tokenization with another's decoding; a server with parallel slots (llama.cpp's
own `llama-server -np N`, vLLM) decodes several requests in one batch.
"""
from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(model: str, alias: str, threads: int, log: Path) -> tuple[subprocess.Popen, str]:
    from iclft.models.registry import resolve

    src = resolve(model)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", f"{src.path}/{src.gguf_file}", "--model_alias", alias,
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", str(threads)],
        stdout=subprocess.DEVNULL, stderr=log.open("w"))
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(240):
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()[-1000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                json.loads(r.read())
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not answer in 120 s")


def main() -> None:
    from iclft.augment import tool

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m", help="a built-in GGUF model")
    ap.add_argument("--corpus", default="tests/fixtures/fictional/documents.jsonl")
    ap.add_argument("--method", default="implications")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--server-threads", type=int, default=2)
    ap.add_argument("--max-inputs", type=int, default=12)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="served-augment-"))
    proc, url = serve(args.model, args.model, args.server_threads, work / "server.log")
    rows = []
    try:
        for n in (1, args.concurrency):
            acfg = tool.augment_config(args.method, max_inputs=args.max_inputs, use_cache=False, temperature=0.0)
            opts = tool.Options(corpus=args.corpus, method=args.method, model=f"openai:{args.model}",
                                out=str(work / f"c{n}"), base_url=url, concurrency=n, context_window=4096)
            t0 = time.perf_counter()
            tool.run(opts, acfg, say=lambda line: None)
            seconds = time.perf_counter() - t0
            cost = json.loads((work / f"c{n}" / "run.json").read_text())["cost"]["generation"]
            rows.append((n, cost["tokens_read"], cost["tokens_written"], seconds, cost["tokens_written"] / seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"served augmentation, {args.method} on {args.corpus} ({args.max_inputs} inputs), llama-cpp-python "
          f"server on {args.model} with {args.server_threads} threads, greedy, no cache")
    print("concurrency  tokens read  tokens written  seconds  written tokens/s")
    for n, read, written, seconds, rate in rows:
        print(f"{n:>11}  {read:>11}  {written:>14}  {seconds:>7.1f}  {rate:>16.1f}")
    print(f"ratio {args.concurrency} / 1: {rows[1][4] / rows[0][4]:.2f}x")
    texts = [[json.loads(line)["text"] for line in (work / f"c{n}" / "augmentations.jsonl").read_text().splitlines()]
             for n in (1, args.concurrency)]
    print(f"the same augmentations at both concurrencies: {'yes' if texts[0] == texts[1] else 'NO'}")


if __name__ == "__main__":
    main()
