"""Copy a finished world-model folder into the package as the shipped `world` model.

    python scripts/ship_world_model.py FOLDER --command "iclft world pretrain --preset world --out FOLDER"

Copies the files a study needs (config, weights, tokenizer) and the pretraining record (model card,
world.json, log.jsonl) into src/iclft/world/shipped/, writes SHA256SUMS for them, and appends to the
model card the command that made the weights and their sha256. tests/unit/test_shipped_world.py
checks the sums, so a changed file cannot pass as the shipped one.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path

FILES = ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
         "world.json", "world.yaml", "log.jsonl", "heldout.png", "README.md")
SHIPPED = Path(__file__).resolve().parent.parent / "src" / "iclft" / "world" / "shipped"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--command", required=True, help="the exact command that made FOLDER")
    ap.add_argument("--where", required=True, help="the machine and time it took, for the card")
    args = ap.parse_args()
    missing = [f for f in FILES if not (args.folder / f).is_file()]
    if missing:
        raise SystemExit(f"{args.folder}: not a finished world-model folder (missing {', '.join(missing)})")
    if SHIPPED.exists():
        shutil.rmtree(SHIPPED)
    SHIPPED.mkdir(parents=True)
    for f in FILES:
        shutil.copyfile(args.folder / f, SHIPPED / f)
    weights = sha256(SHIPPED / "model.safetensors")
    with open(SHIPPED / "README.md", "a") as card:
        card.write(f"""
## Shipped with iclft

This folder is the model `model.name: world` loads. It was made by

    {args.command}

({args.where}). sha256 of `model.safetensors`: `{weights}`. Training is deterministic on a CPU
with the same torch build; other builds or a GPU give slightly different weights.
""")
    sums = "".join(f"{sha256(SHIPPED / f)}  {f}\n" for f in FILES)
    (SHIPPED / "SHA256SUMS").write_text(sums)
    (SHIPPED / "__init__.py").write_text('"""The shipped world model\'s files (see README.md here)."""\n')
    print(sums, end="")


if __name__ == "__main__":
    main()
