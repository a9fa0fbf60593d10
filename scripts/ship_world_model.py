"""Copy a finished world-model folder into the package as a shipped world model (`world` or `world_taxonomy`).

    python scripts/ship_world_model.py FOLDER --command "iclft world pretrain --preset world --out FOLDER" --where "..."
    python scripts/ship_world_model.py FOLDER --name world_taxonomy --command "..." --where "..."

Copies the files a study needs (config, weights, tokenizer) and the pretraining record (model card,
world.json, log.jsonl) into src/iclft/world/shipped/ (`--name world`, the default) or
src/iclft/world/shipped_taxonomy/ (`--name world_taxonomy`), writes SHA256SUMS for them, and appends to the
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
WORLD = Path(__file__).resolve().parent.parent / "src" / "iclft" / "world"
SHIPPED = {"world": WORLD / "shipped", "world_taxonomy": WORLD / "shipped_taxonomy"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--command", required=True, help="the exact command that made FOLDER")
    ap.add_argument("--where", required=True, help="the machine and time it took, for the card")
    ap.add_argument("--name", choices=sorted(SHIPPED), default="world", help="the built-in model name it ships as")
    args = ap.parse_args()
    shipped = SHIPPED[args.name]
    missing = [f for f in FILES if not (args.folder / f).is_file()]
    if missing:
        raise SystemExit(f"{args.folder}: not a finished world-model folder (missing {', '.join(missing)})")
    if shipped.exists():
        shutil.rmtree(shipped)
    shipped.mkdir(parents=True)
    for f in FILES:
        shutil.copyfile(args.folder / f, shipped / f)
    weights = sha256(shipped / "model.safetensors")
    with open(shipped / "README.md", "a") as card:
        card.write(f"""
## Shipped with iclft

This folder is the model `model.name: {args.name}` loads. It was made by

    {args.command}

({args.where}). sha256 of `model.safetensors`: `{weights}`. Training is deterministic on a CPU
with the same torch build; other builds or a GPU give slightly different weights.
""")
    sums = "".join(f"{sha256(shipped / f)}  {f}\n" for f in FILES)
    (shipped / "SHA256SUMS").write_text(sums)
    (shipped / "__init__.py").write_text('"""The shipped world model\'s files (see README.md here)."""\n')
    print(sums, end="")


if __name__ == "__main__":
    main()
