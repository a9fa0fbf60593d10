"""Your own data in: the dataset folder format (iclft.data.userdata), the importers (jsonl/CSV,
lm-eval tasks, Hugging Face datasets), `datasets: [{path: ...}]` in a study, and the shortcut
baselines of imported data."""
import json
import re
import shutil

import pytest

from conftest import REPO
from iclft import IclftError
from iclft.cli import main
from iclft.data import generate, save_dataset
from iclft.data import userdata
from iclft.data.export import export
from iclft.data.importers import import_hf, import_jsonl
from iclft.data.lm_eval_import import import_lm_eval
from iclft.data.userdata import load_user_dataset

FICTIONAL = REPO / "tests" / "fixtures" / "fictional"
TASKS = REPO / "tests" / "fixtures" / "lm_eval_task"
DOCS = FICTIONAL / "documents.jsonl"
SPLITS = {"recall": 9, "reversal": 8, "inference": 8}


def _items(ds):
    """What an item is, meta aside: the fields every importer must agree on."""
    return sorted((it.id, it.split, it.prompt, it.choices, it.answer, it.valid) for it in ds.test)


@pytest.fixture
def marrowby(tmp_path):
    """The fictional dataset imported from JSONL, with its oracle."""
    import_jsonl(DOCS, FICTIONAL / "questions.jsonl", tmp_path / "marrowby", oracle=FICTIONAL / "oracle.jsonl")
    return tmp_path / "marrowby"


# ---- importers ----------------------------------------------------------------------------------

def test_jsonl_import_writes_a_folder_that_loads(marrowby):
    ds = load_user_dataset(marrowby)
    assert ds.name == "marrowby" and ds.sizes() == {"train": 18, "test": SPLITS}
    item = next(it for it in ds.test if it.id == "recall-01")
    assert (item.split, item.prompt, item.choices[item.answer], item.valid) == \
        ("recall", "The baker of Marrowby is", "Orla Fennick", (1,))
    assert ds.train[1].id == "baker" and ds.train[1].text.startswith("Orla Fennick is the baker")
    assert len(ds.meta["oracle"]) == 8 and (marrowby / "oracle.jsonl").is_file()
    meta = json.loads((marrowby / "meta.json").read_text())
    assert meta["source"]["importer"] == "jsonl" and meta["sizes"]["test"] == SPLITS
    assert {f["path"].rsplit("/", 1)[1] for f in meta["source"]["files"]} == \
        {"documents.jsonl", "questions.jsonl", "oracle.jsonl"}
    assert all(len(f["sha256"]) == 64 for f in meta["source"]["files"])


def test_csv_with_lettered_columns_and_lm_eval_tasks_give_the_same_items(marrowby, tmp_path):
    jsonl = load_user_dataset(marrowby)
    csv = import_jsonl(DOCS, FICTIONAL / "questions.csv", tmp_path / "csv").dataset
    tasks = sorted(TASKS.glob("marrowby_*.yaml"))
    lm = import_lm_eval(tasks, DOCS, tmp_path / "lm").dataset
    assert _items(csv) == _items(jsonl) == _items(lm)
    assert [d.text for d in lm.train] == [d.text for d in jsonl.train]
    assert all(it.meta == {} for it in csv.test + lm.test)


def test_import_refuses_other_data_but_accepts_the_same(marrowby, tmp_path, capsys):
    args = ["data", "import", "jsonl", "--documents", str(DOCS), "--questions", str(FICTIONAL / "questions.jsonl"),
            "--oracle", str(FICTIONAL / "oracle.jsonl"), "--out", str(marrowby)]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith(f"unchanged {marrowby}: marrowby: train 18, recall 9,")
    assert main(args[:-4] + ["--out", str(marrowby)]) == 2  # no oracle: other files
    assert "not empty and holds other data" in capsys.readouterr().err


def test_validate_and_show_a_dataset_folder(marrowby, capsys):
    assert main(["data", "validate", str(marrowby)]) == 0
    assert capsys.readouterr().out == \
        "ok: marrowby (a dataset folder, no symbolic checker): train 18, recall 9, reversal 8, inference 8\n"
    assert main(["data", "show", str(marrowby), "--split", "reversal", "--n", "1"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("marrowby: train 18,") and "[reversal] reversal-01" in shown
    _break(marrowby, "test.jsonl", 2, _record(lambda r: r.update(answer=9)))
    assert main(["data", "validate", str(marrowby)]) == 1
    assert capsys.readouterr().out.splitlines()[0].endswith("field 'answer': 9 is not an index of the 4 choices (0-3)")


def test_documents_from_a_folder_and_other_column_names(tmp_path):
    docs = tmp_path / "docs"
    (docs / "people").mkdir(parents=True)
    (docs / "town.md").write_text("Marrowby is a town.\n")
    (docs / "people" / "orla.txt").write_text("Orla Fennick is the baker of Marrowby.")
    (docs / ".hidden.txt").write_text("not a document")
    rows = [{"question_text": "The baker of Marrowby is", "options": ["Dorran Vale", "Orla Fennick"],
             "answer": "Orla Fennick", "source": "handmade"},
            {"question_text": "Marrowby is a", "options": ["town", "city", "village"], "answer": "A",
             "valid": ["A", 2], "split": "inference"}]
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    ds = import_jsonl(docs, tmp_path / "q.jsonl", tmp_path / "out", name="town", description="two facts",
                      fields={"prompt": "question_text", "choices": "options"}).dataset
    assert [(d.id, d.text) for d in ds.train] == [("people/orla.txt", "Orla Fennick is the baker of Marrowby."),
                                                  ("town.md", "Marrowby is a town.")]
    first, second = ds.test
    assert (first.id, first.split, first.answer, first.meta) == ("q-1", "test", 1, {"source": "handmade"})
    assert (second.id, second.split, second.answer, second.valid) == ("q-2", "inference", 0, (0, 2))
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert (meta["name"], meta["description"]) == ("town", "two facts")


def test_csv_choices_as_a_json_list_or_numbered_columns(tmp_path):
    (tmp_path / "a.csv").write_text('prompt,choices,answer,valid\nMarrowby is a,"[""town"", ""city"", ""lake""]",'
                                    'town,"[0, ""lake""]"\n')
    (item,) = import_jsonl(DOCS, tmp_path / "a.csv", tmp_path / "a").dataset.test
    assert (item.choices, item.answer, item.valid) == (("town", "city", "lake"), 0, (0, 2))
    (tmp_path / "b.csv").write_text("prompt,choice_1,choice_2,choice_3,answer,id\nMarrowby is a,town,city,,1,x\n\n"
                                    "Ostry is a,village,town,lake,0,y\n")
    first, second = import_jsonl(DOCS, tmp_path / "b.csv", tmp_path / "b").dataset.test
    assert (first.id, first.choices, first.answer) == ("x", ("town", "city"), 1)
    assert (second.id, second.choices, second.answer) == ("y", ("village", "town", "lake"), 0)
    (tmp_path / "b.csv").write_text((tmp_path / "b.csv").read_text().replace("lake,0,y", "lake,3,y"))
    with pytest.raises(IclftError, match=rf"^{tmp_path / 'b.csv'}:4: field 'answer': 3 is not an index"):
        import_jsonl(DOCS, tmp_path / "b.csv", tmp_path / "c")


def test_lm_eval_csv_data_with_a_choice_list_template(tmp_path):
    (tmp_path / "rows.csv").write_text("q,option_a,option_b,label\n"
                                       "Marrowby is a,town,city,0\nOstry is a,lake,village,1\n")
    (tmp_path / "t.yaml").write_text(
        "task: towns\noutput_type: multiple_choice\ndataset_path: csv\nvalidation_split: validation\n"
        "dataset_kwargs: {data_files: {validation: rows.csv}}\ndoc_to_text: q\n"
        "doc_to_choice: \"{{[option_a, option_b]}}\"\ndoc_to_target: label\n")
    items = import_lm_eval([tmp_path / "t.yaml"], DOCS, tmp_path / "out").dataset.test
    assert [(it.id, it.split, it.prompt, it.choices, it.answer) for it in items] == [
        ("towns-1", "towns", "Marrowby is a", ("town", "city"), 0),
        ("towns-2", "towns", "Ostry is a", ("lake", "village"), 1)]


def test_lm_eval_templates_as_arc_writes_them(tmp_path):
    """doc_to_choice and doc_to_target as Jinja templates over nested columns, a description, and
    a target delimiter that ends in a space."""
    rows = [{"id": "arc-1", "question": "Who bakes?", "answerKey": "B",
             "choices": {"text": ["Dorran Vale", "Orla Fennick"], "label": ["A", "B"]}}]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    (tmp_path / "arc.yaml").write_text(
        "task: arc_town\noutput_type: multiple_choice\ndataset_path: json\ntest_split: validation\n"
        "dataset_kwargs:\n  data_files: rows.json\n"
        "description: \"Marrowby.\\n\"\ndoc_to_text: \"Question: {{question}}\\nAnswer\"\n"
        "doc_to_target: \"{{choices.label.index(answerKey)}}\"\ndoc_to_choice: \"{{choices.text}}\"\n"
        "target_delimiter: \": \"\n")
    (item,) = import_lm_eval([tmp_path / "arc.yaml"], DOCS, tmp_path / "out", split="arc").dataset.test
    assert (item.id, item.split, item.prompt, item.choices, item.answer) == \
        ("arc-1", "arc", "Marrowby.\nQuestion: Who bakes?\nAnswer:", ("Dorran Vale", "Orla Fennick"), 1)


@pytest.mark.parametrize("yaml_text, message", [
    ("process_docs: !function utils.process_docs\n", "process_docs: !function utils.process_docs names Python code"),
    ("doc_to_text: !function utils.doc_to_text\n", "doc_to_text: !function utils.doc_to_text names Python code"),
    ("output_type: generate_until\n", "output_type 'generate_until': iclft imports multiple_choice tasks only"),
    ("target_delimiter: \"\"\n", "target_delimiter '': iclft scores each choice after one space"),
    ("dataset_path: allenai/ai2_arc\n", "dataset_path 'allenai/ai2_arc': iclft reads local json, csv or parquet"),
    # a template is rendered in a sandbox, and its fault is the row's
    ("doc_to_text: \"{{ ''.__class__.__mro__ }}\"\n", "recall.jsonl:1: field 'doc_to_text': template"),
])
def test_lm_eval_refusals_are_one_line(tmp_path, yaml_text, message):
    task = tmp_path / "task.yaml"
    task.write_text(f"include: {TASKS / '_marrowby_template_yaml'}\ntask: t\n"
                    f"dataset_kwargs: {{data_files: {{test: {TASKS / 'recall.jsonl'}}}}}\n" + yaml_text)
    with pytest.raises(IclftError) as e:
        import_lm_eval([task], DOCS, tmp_path / "out")
    assert message in str(e.value) and "\n" not in str(e.value)
    assert str(e.value).startswith(f"{task}: ") or "is unsafe" in str(e.value)


@pytest.mark.parametrize("name, params", [("simple_reversal", {"n_facts": 8}), ("syllogism", {})])
def test_lm_eval_and_hf_exports_import_back_to_the_same_items(tmp_path, name, params):
    ds = generate(name, seed=0, **params)
    save_dataset(ds, tmp_path / "ds")
    export(tmp_path / "ds", tmp_path / "lm", "lm-eval")
    back = import_lm_eval(sorted((tmp_path / "lm").glob("*.yaml")), tmp_path / "ds" / "train.jsonl", tmp_path / "back")
    assert _items(back.dataset) == _items(ds)
    assert [d.text for d in back.dataset.train] == [d.text for d in ds.train]
    pytest.importorskip("datasets")
    export(tmp_path / "ds", tmp_path / "hf", "hf")
    from_hf = import_hf(tmp_path / "hf", tmp_path / "ds" / "train.jsonl", tmp_path / "hf-back").dataset
    assert _items(from_hf) == _items(ds)


def _renamed_rows():
    rows = [json.loads(line) for line in (FICTIONAL / "questions.jsonl").read_text().splitlines()]
    return [{"question": r["prompt"], "options": r["choices"], "label": r["answer"], "kind": r["split"], "qid": r["id"]}
            for r in rows]


def test_hf_saved_dataset_and_parquet(marrowby, tmp_path):
    datasets = pytest.importorskip("datasets")
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, mapping = _renamed_rows(), {"choices": "options", "answer": "label", "split": "kind", "id": "qid"}
    datasets.DatasetDict({"train": datasets.Dataset.from_list([{"text": "unused"}]),
                          "test": datasets.Dataset.from_list(rows)}).save_to_disk(str(tmp_path / "saved"))
    saved = import_hf(tmp_path / "saved", DOCS, tmp_path / "a", columns=mapping).dataset
    assert _items(saved) == _items(load_user_dataset(marrowby))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "q.parquet")
    from_parquet = import_hf(tmp_path / "q.parquet", DOCS, tmp_path / "b", columns=mapping).dataset
    assert _items(from_parquet) == _items(saved)
    only = import_hf(tmp_path / "saved", DOCS, tmp_path / "c", columns={**mapping, "split": "qid"}, split="test")
    assert only.dataset.sizes()["test"] == {r["qid"]: 1 for r in rows}
    with pytest.raises(IclftError, match="no split 'dev'; splits: train, test"):
        import_hf(tmp_path / "saved", DOCS, tmp_path / "d", columns=mapping, split="dev")


def test_cli_import_hf_with_map(tmp_path, capsys):
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_list(_renamed_rows()).save_to_disk(str(tmp_path / "saved"))
    assert main(["data", "import", "hf", str(tmp_path / "saved"), "--documents", str(DOCS), "--out",
                 str(tmp_path / "out"), "--map", "choices=options,answer=label", "--map", "split=kind,id=qid"]) == 0
    assert "train 18, recall 9, reversal 8, inference 8" in capsys.readouterr().out


# ---- faults: one line naming file, line and field ----------------------------------------------------

def _break(folder, name, line, edit):
    path = folder / name
    lines = path.read_text().splitlines()
    lines[line - 1] = edit(lines[line - 1])
    path.write_text("\n".join(lines) + "\n")
    return path


def _record(change):
    def edit(line):
        record = json.loads(line)
        change(record)
        return json.dumps(record)
    return edit


@pytest.mark.parametrize("name, line, edit, field, words", [
    ("test.jsonl", 3, _record(lambda r: r.pop("prompt")), "'prompt'", "is missing"),
    ("train.jsonl", 2, _record(lambda r: r.pop("text")), "'text'", "is missing"),
    ("train.jsonl", 4, _record(lambda r: r.update(text=42)), "'text'", "must be a non-empty string, got 42"),
    ("test.jsonl", 2, _record(lambda r: r.update(answer="1")), "'answer'", "must be an integer index"),
    ("test.jsonl", 2, _record(lambda r: r.update(choices="a, b")), "'choices'", "must be a list of strings"),
    ("train.jsonl", 5, _record(lambda r: r.update(id="baker")), "'id'", "'baker' is used twice (first on line 2)"),
    ("test.jsonl", 9, _record(lambda r: r.update(id="recall-01")), "'id'", "is used twice (first on line 1)"),
    ("test.jsonl", 6, _record(lambda r: r.update(answer=4)), "'answer'", "4 is not an index of the 4 choices (0-3)"),
    ("test.jsonl", 6, _record(lambda r: r.update(valid=[1, 7])), "'valid'", "7 is not an index of the 4 choices"),
    ("test.jsonl", 7, _record(lambda r: r.update(choices=[])), "'choices'", "needs at least 2 distinct choices"),
    ("test.jsonl", 7, _record(lambda r: r.update(choices=["x", "x"], answer=0)), "'choices'",
     "needs at least 2 distinct choices"),
    ("test.jsonl", 8, _record(lambda r: r.update(prompt="  ")), "'prompt'", "must be a non-empty string"),
    ("test.jsonl", 4, _record(lambda r: r.update(split="re call")), "'split'", "must be letters, digits, _ or -"),
    ("test.jsonl", 4, _record(lambda r: r.update(split="../x")), "'split'", "must be letters, digits, _ or -"),
    ("test.jsonl", 5, lambda line: line[:-1], None, "malformed JSON"),
])
def test_each_fault_is_one_line_naming_file_line_and_field(marrowby, name, line, edit, field, words):
    path = _break(marrowby, name, line, edit)
    with pytest.raises(IclftError) as e:
        load_user_dataset(marrowby)
    message = str(e.value)
    assert message.startswith(f"{path}:{line}: ") and words in message and "\n" not in message
    assert field is None or f"field {field}" in message


def test_non_utf8_and_oversized_files(marrowby, monkeypatch):
    text = (marrowby / "train.jsonl").read_bytes().split(b"\n")
    text[2] = text[2].replace(b"Dorran", b"D\xf6rran")
    (marrowby / "train.jsonl").write_bytes(b"\n".join(text))
    with pytest.raises(IclftError, match=rf"^{marrowby}/train\.jsonl:3: not UTF-8 text \(byte \d+\)"):
        load_user_dataset(marrowby)
    monkeypatch.setattr(userdata, "MAX_FILE_BYTES", 100)
    with pytest.raises(IclftError, match=rf"^{marrowby}/meta\.json: [\d,]+ bytes, more than the largest"):
        load_user_dataset(marrowby)


def test_a_folder_without_meta_json_is_named_after_itself(marrowby, tmp_path):
    shutil.copytree(marrowby, tmp_path / "plain")
    (tmp_path / "plain" / "meta.json").unlink()
    (tmp_path / "plain" / "oracle.jsonl").unlink()
    ds = load_user_dataset(tmp_path / "plain")
    assert ds.name == "plain" and "oracle" not in ds.meta and set(ds.meta["sha256"]) == {"train.jsonl", "test.jsonl"}


def test_cli_faults_exit_2_with_one_line(marrowby, tmp_path, capsys):
    (tmp_path / "q.csv").write_text("question,A,B,answer\nThe baker is,Orla,Dorran,E\n")
    assert main(["data", "import", "jsonl", "--documents", str(DOCS), "--questions", str(tmp_path / "q.csv"),
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == f"iclft: error: {tmp_path / 'q.csv'}:2: field 'answer': 4 is not an index of the 2 choices (0-1)\n"
    path = _break(marrowby, "test.jsonl", 4, _record(lambda r: r.update(valid=[0])))
    assert main(["run", "--preset", "quick", f"datasets=[{{path: {marrowby}}}]", "conditions=[pretrained]",
                 "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err == f"iclft: error: {path}:4: field 'valid': [0] does not include the answer, 3\n"
    assert not (tmp_path / "run").exists()


# ---- studies on a dataset folder ---------------------------------------------------------------------

SMALL = ["finetune.epochs=1", "finetune.batch_size=8", "cache_dir=null"]


def _config(model, *extra):
    from iclft.config import load_config

    return load_config(preset="quick", overrides=[f"model.name={model}", *SMALL, *extra])


def test_config_path_entries(marrowby, tmp_path, monkeypatch):
    monkeypatch.chdir(marrowby.parent)
    cfg = _config("smollm2-135m", "datasets=[{path: marrowby}, {path: marrowby, name: again, limit: 2}]",
                  "conditions=[pretrained]")
    assert [(d.name, d.path) for d in cfg.datasets] == [("marrowby", str(marrowby)), ("again", str(marrowby))]
    for entries, message in [
        ("[{path: nowhere}]", "datasets[0].path: nowhere: dataset folder not found"),
        ("[{path: marrowby, params: {n_facts: 3}}]", "a dataset folder takes none"),
        ("[{path: marrowby}, {path: marrowby}]", "two datasets are named 'marrowby'"),
        ("[{path: marrowby, name: 'a b'}]", "dataset name 'a b' must be letters"),
    ]:
        with pytest.raises(IclftError, match=re.escape(message)):
            _config("smollm2-135m", f"datasets={entries}", "conditions=[pretrained]")


def test_oracle_condition_needs_oracle_jsonl(marrowby, tmp_path):
    shutil.copytree(marrowby, tmp_path / "no-oracle")
    (tmp_path / "no-oracle" / "oracle.jsonl").unlink()
    with pytest.raises(IclftError, match=r"finetune_aug_oracle: dataset 'marrowby' \(.*no-oracle\) has no "
                                         r"oracle\.jsonl"):
        _config("smollm2-135m", f"datasets=[{{path: {tmp_path / 'no-oracle'}}}]", "conditions=[finetune_aug_oracle]")
    cfg = _config("smollm2-135m", f"datasets=[{{path: {marrowby}}}]", "conditions=[finetune_aug_oracle]")
    assert cfg.datasets[0].path == str(marrowby)


def test_a_study_runs_on_a_dataset_folder(marrowby, tmp_path, tiny_model_dir):
    from iclft.runner.run import run_study

    cfg = _config(tiny_model_dir, f"datasets=[{{path: {marrowby}, limit: 4}}]",
                  "conditions=[pretrained, icl, finetune, finetune_aug_oracle]")
    run = run_study(cfg, out=str(tmp_path / "run"))
    summary = json.loads((run / "summary.json").read_text())
    assert {(r["condition"], r["split"]) for r in summary["results"]} == \
        {(c, s) for c in ("pretrained", "icl", "finetune", "finetune_aug_oracle") for s in SPLITS}
    assert all(r["n"] == 4 for r in summary["results"])
    facts = summary["datasets"]["marrowby"]
    assert facts["path"] == str(marrowby) and set(facts["sha256"]) == {"train.jsonl", "test.jsonl", "meta.json",
                                                                       "oracle.jsonl"}
    assert {s["name"] for s in summary["shortcuts"]} == {"most_frequent", "verbatim", "cooccurrence"}
    table = (run / "table.txt").read_text()
    assert "verbatim" in table and "cooccurrence" in table
    copy = load_user_dataset(run / "data" / "marrowby")  # the run folder's copy loads as a dataset folder
    assert _items(copy) == _items(load_user_dataset(marrowby)) and len(copy.meta["oracle"]) == 8
    assert json.loads((run / "data" / "marrowby" / "meta.json").read_text())["path"] == str(marrowby)
    augment = [json.loads(line) for line in
               (run / "augment" / "marrowby__finetune_aug_oracle.jsonl").read_text().splitlines()]
    assert len(augment) == 8 and augment[0]["provenance"]["source"] == "oracle.jsonl"
    assert "path:" in (run / "config.yaml").read_text()


def test_the_cell_key_follows_the_content_not_the_folder(marrowby, tmp_path):
    from iclft.runner.cell import dataset_hash

    shutil.copytree(marrowby, tmp_path / "elsewhere" / "marrowby")
    moved = load_user_dataset(tmp_path / "elsewhere" / "marrowby")
    assert moved.meta["path"] != str(marrowby)
    assert dataset_hash(moved) == dataset_hash(load_user_dataset(marrowby))
    _break(tmp_path / "elsewhere" / "marrowby", "train.jsonl", 1, lambda line: line.replace("fishing", "mining"))
    assert dataset_hash(load_user_dataset(tmp_path / "elsewhere" / "marrowby")) != dataset_hash(moved)


# ---- shortcut baselines of imported data --------------------------------------------------------------

def test_generic_shortcuts(tmp_path):
    from iclft.data import Dataset, Document, TestItem
    from iclft.eval.shortcuts import shortcut_rows

    train = (Document("d1", "The lighthouse on  Gull Point is kept by Dorran Vale. Orla bakes bread."),
             Document("d2", "Sabeth Lorn rides a mare named Thistle."))
    items = (TestItem("v", "recall", "The lighthouse on Gull Point is KEPT by", ("Orla Fennick", "Dorran Vale"), 1),
             TestItem("c", "inference", "The mare of the doctor is called", ("Bramble", "Thistle", "Gull"), 1),
             TestItem("s", "inference", "Sabeth Lorn owns a", ("mare", "lighthouse"), 0))
    rows = {(r["name"], r["split"]): r for r in shortcut_rows(Dataset("syllogism", train, items, {}))}
    assert {name for name, _ in rows} == {"most_frequent", "verbatim", "cooccurrence"}  # the name is no generator
    assert rows[("verbatim", "recall")]["accuracy"] == 1.0
    assert rows[("verbatim", "inference")]["accuracy"] == pytest.approx((1 / 3 + 1 / 2) / 2, abs=1e-4)  # all tied
    assert rows[("cooccurrence", "inference")]["accuracy"] == 1.0  # "mare" meets Thistle; Sabeth meets mare
