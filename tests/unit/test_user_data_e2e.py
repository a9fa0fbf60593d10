"""Data iclft did not generate, end to end through the command line: the fictional corpus (plain
English, tests/fixtures/fictional) imported, studied under every condition on local weights (the
tiny model), augmented by `iclft augment` with every method, exported, and imported back. The
served path (llama.cpp's server) is tests/integration/test_llama_server.py's."""
import json

from conftest import REPO
from iclft.cli import main
from iclft.config import CONDITIONS
from iclft.data.userdata import load_user_dataset

FICTIONAL = REPO / "tests" / "fixtures" / "fictional"
METHODS = ("local", "global", "selfqa", "implications")


def _items(ds):
    return sorted((it.id, it.split, it.prompt, it.choices, it.answer, it.valid) for it in ds.test)


def test_imported_corpus_through_every_condition_every_method_and_back(tiny_model_dir, tmp_path):
    data = tmp_path / "marrowby"
    assert main(["data", "import", "jsonl", "--documents", str(FICTIONAL / "documents.jsonl"), "--questions",
                 str(FICTIONAL / "questions.jsonl"), "--oracle", str(FICTIONAL / "oracle.jsonl"),
                 "--out", str(data)]) == 0
    ds = load_user_dataset(data)

    # the study: every condition, the consistency filter on every augmentation
    run = tmp_path / "run"
    assert main(["run", "--preset", "quick", f"model.name={tiny_model_dir}", f"datasets=[{{path: {data}, limit: 3}}]",
                 f"conditions=[{', '.join(CONDITIONS)}]", "finetune.epochs=1", "cache_dir=null",
                 "augment.filter=consistency", "augment.max_inputs=3", "augment.use_cache=false",
                 "augment.local_max_new_tokens=8", "augment.global_max_new_tokens=8",
                 "augment.selfqa_max_new_tokens=8", "augment.implications_max_new_tokens=8", "--out", str(run)]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert {r["condition"] for r in summary["results"]} == set(CONDITIONS)
    assert {r["split"] for r in summary["results"]} == {"recall", "reversal", "inference"}
    assert all(r["n"] == 3 for r in summary["results"])
    assert {s["name"] for s in summary["shortcuts"]} >= {"most_frequent", "verbatim", "cooccurrence"}
    for method in METHODS:  # every model-written augmentation recorded, with the filter's verdicts
        records = (run / "augment" / f"marrowby__finetune_aug_{method}.jsonl").read_text().splitlines()
        assert records, method

    # the tool: every method on the imported folder, outputs in every form
    for method in METHODS:
        out = tmp_path / f"aug-{method}"
        assert main(["augment", str(data), "--method", method, "--model", str(tiny_model_dir), "--max-new-tokens", "8",
                     "--max-inputs", "3", "--filter", "consistency", "--no-cache", "--out", str(out)]) == 0
        facts = json.loads((out / "run.json").read_text())
        assert facts["method"] == method and facts["totals"]["inputs"] == 3
        kept = [json.loads(line) for line in (out / "augmentations.jsonl").read_text().splitlines()]
        chat = [json.loads(line) for line in (out / "chat.jsonl").read_text().splitlines()]
        text = [json.loads(line) for line in (out / "text.jsonl").read_text().splitlines()]
        assert len(kept) == len(chat) == len(text)
        assert all(r["method"] == method and r["source_id"] in {d.id for d in ds.train} and "filter" in r for r in kept)

    # out and back: the imported folder exported as an lm-eval task and imported again
    assert main(["data", "export", str(data), "--format", "lm-eval", "--out", str(tmp_path / "task")]) == 0
    assert main(["data", "export", str(data), "--format", "hf", "--out", str(tmp_path / "hf")]) == 0
    tasks = sorted(str(p) for p in (tmp_path / "task").glob("*.yaml"))
    assert main(["data", "import", "lm-eval", *tasks, "--documents", str(data / "train.jsonl"),
                 "--out", str(tmp_path / "back")]) == 0
    back = load_user_dataset(tmp_path / "back")
    assert _items(back) == _items(ds)
    assert [d.text for d in back.train] == [d.text for d in ds.train]
