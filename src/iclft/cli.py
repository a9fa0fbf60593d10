"""The `iclft` command: parses arguments and calls one library function per subcommand."""
from __future__ import annotations

import argparse
import os
import sys

from iclft import IclftError, __version__


def _print_results(run_dir, report: bool = False) -> int:
    table = run_dir / "table.txt"  # a shard has none: its cells are summarized when merged
    if table.is_file():
        print(table.read_text(), end="")
    print(f"results: {run_dir}")
    if report and table.is_file():
        from iclft.report import build_report

        paths = build_report([run_dir])
        figures = [p for p in paths if p.suffix == ".png"]
        print(f"report:  {paths[0]}")
        for f in figures:
            print(f"figure:  {f}")
    return 0


def _cmd_run(args) -> int:
    from iclft import study
    from iclft.config import load_config
    from iclft.runner.grid import parse_shard

    if args.resume:
        if args.config or args.preset or args.overrides or args.out or args.shard:
            raise IclftError("--resume takes only the run folder: its config.yaml says the rest")
        run_dir = study.resume_study(args.resume)
    elif not args.config and not args.preset:
        raise IclftError("give a config file or --preset NAME (for example: iclft run --preset quick)")
    else:
        shard = parse_shard(args.shard) if args.shard is not None else None
        run_dir = study.run(load_config(args.config, args.preset, args.overrides), out=args.out, shard=shard)
    return _print_results(run_dir, report=args.report)


def _cmd_merge(args) -> int:
    from iclft.runner.shards import merge_shards

    return _print_results(merge_shards(args.shard_dirs, out=args.out))


def _cmd_data(args) -> int:
    from iclft.data import commands

    if args.data_command == "list":
        return commands.data_list()
    if args.data_command == "generate":
        params = {}
        for kv in args.param:
            if "=" not in kv:
                raise IclftError(f"parameter {kv!r} must look like key=value (for example n_facts=20)")
            key, value = kv.split("=", 1)
            params[key.lstrip("-")] = value
        out = args.out or f"data/{args.name}-seed{args.seed}"
        return commands.data_generate(args.name, args.seed, out, params)
    if args.data_command == "validate":
        return commands.data_validate(args.folder)
    if args.data_command == "show":
        return commands.data_show(args.folder, args.split, args.n)
    if args.data_command == "import":
        return commands.data_import(args.import_format, args.inputs, args.documents, args.out, args.name,
                                    args.description, args.oracle, args.field, args.split)
    return commands.data_export(args.folder, args.format, args.out)


def _add_import_parser(dsub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--documents", required=True,
                        help="the training documents: a JSONL file with a text field, or a folder of .txt/.md files")
    common.add_argument("--out", required=True, help="the dataset folder to write (new or empty)")
    common.add_argument("--name", help="the dataset's name (default: the folder's)")
    common.add_argument("--description", default="")
    common.add_argument("--oracle", help="a JSONL file of {\"text\": ...}: true consequences of the documents "
                                         "(enables finetune_aug_oracle)")
    common.set_defaults(field=[], split=None)
    imp = dsub.add_parser("import", help="write a dataset folder from your documents and questions "
                                         "(docs/data-format.md)")
    isub = imp.add_subparsers(dest="import_format", required=True)
    jsonl = isub.add_parser("jsonl", parents=[common], help="questions in a JSONL or CSV file")
    jsonl.add_argument("--questions", dest="inputs", nargs=1, required=True, metavar="Q.jsonl|Q.csv",
                       help="the questions: prompt, choices, answer, ... (docs/data-format.md)")
    jsonl.add_argument("--field", action="append", default=[], metavar="FIELD=COLUMN",
                       help="read FIELD (prompt, choices, answer, valid, split, id, meta) from COLUMN")
    lm = isub.add_parser("lm-eval", parents=[common],
                         help="lm-evaluation-harness multiple_choice tasks, one split each")
    lm.add_argument("inputs", nargs="+", metavar="TASK.yaml")
    lm.add_argument("--split", help="the split's name (one task; default: the task's alias or name)")
    hf = isub.add_parser("hf", parents=[common], help="a Hugging Face dataset saved with save_to_disk, or parquet")
    hf.add_argument("inputs", nargs=1, metavar="PATH")
    hf.add_argument("--map", dest="field", action="append", default=[], metavar="FIELD=COLUMN[,...]",
                    help="read FIELD (prompt, choices, answer, valid, split, id, meta) from COLUMN")
    hf.add_argument("--split", help="the DatasetDict split to read (default: each that has a prompt column)")


def _add_data_parser(sub) -> None:
    data = sub.add_parser("data", help="list, generate, validate, show, export and import datasets")
    dsub = data.add_subparsers(dest="data_command", required=True)
    dsub.add_parser("list", help="the datasets and their parameters")
    gen = dsub.add_parser("generate", help="generate a dataset folder (train.jsonl, test.jsonl, meta.json)")
    gen.add_argument("name")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", help="folder to write (default: data/NAME-seedN)")
    gen.add_argument("param", nargs="*", default=[], metavar="KEY=VALUE",
                     help="generator parameters, e.g. n_facts=20 (see `iclft data list`)")
    val = dsub.add_parser("validate", help="check a dataset folder with the symbolic checker")
    val.add_argument("folder")
    show = dsub.add_parser("show", help="print items as a person reads them")
    show.add_argument("folder")
    show.add_argument("--split")
    show.add_argument("--n", type=int, default=3)
    exp = dsub.add_parser("export", help="export to an lm-evaluation-harness task folder or a HF dataset")
    exp.add_argument("folder")
    exp.add_argument("--format", choices=["lm-eval", "hf"], required=True)
    exp.add_argument("--out", required=True)
    _add_import_parser(dsub)
    data.set_defaults(func=_cmd_data)


def _cmd_world(args) -> int:
    from iclft.world.config import load_world_config
    from iclft.world.pretrain import pretrain

    if not args.config and not args.preset:
        raise IclftError("give a config file or --preset NAME (for example: iclft world pretrain --preset fair)")
    folder = pretrain(load_world_config(args.config, args.preset, args.overrides), out=args.out, resume=args.resume)
    print(f"model: {folder}")
    return 0


def _add_world_parser(sub) -> None:
    world = sub.add_parser("world", help="pretrain a small model from scratch on random worlds (iclft.world)")
    wsub = world.add_subparsers(dest="world_command", required=True)
    pre = wsub.add_parser("pretrain", help="train the world model; its folder works as --model / model.name")
    pre.add_argument("config", nargs="?", help="YAML config file")
    pre.add_argument("--preset", help="a built-in world config: fair (the shipped model's first stage, 30 minutes on a CPU), "
                     "fair_wide (its second), fair_long (a third, measured), fair_logic (a probe with syllogisms), world_v1, tiny")
    pre.add_argument("--out", help="model folder (default: ~/.cache/iclft/world/NAME)")
    pre.add_argument("--resume", action="store_true", help="continue from the folder's checkpoint")
    pre.add_argument("overrides", nargs="*", default=[], metavar="KEY=VALUE",
                     help="config overrides with dotted keys, e.g. train.steps=200")
    world.set_defaults(func=_cmd_world)


def _cmd_augment(args) -> int:
    from iclft.augment import tool

    acfg = tool.augment_config(args.method, samples=args.samples, max_new_tokens=args.max_new_tokens,
                               temperature=args.temperature, top_p=args.top_p, seed=args.seed,
                               max_inputs=args.max_inputs, filter=args.filter, batch_size=args.batch_size,
                               cache_dir=args.cache_dir, use_cache=False if args.no_cache else None)
    tool.run(tool.Options(args.corpus, args.method, args.model, args.out, args.base_url, args.concurrency,
                          args.text_column, args.resume, args.chunk_size, args.context_window, args.tokenizer), acfg)
    return 0


def _add_augment_parser(sub) -> None:
    aug = sub.add_parser("augment", help="write a model's augmentations of a corpus as finetuning data (docs/augment.md)")
    aug.add_argument("corpus", help="a folder of .txt/.md files, a .jsonl file with a text field, an iclft "
                                    "dataset folder, or a Hugging Face dataset saved to disk")
    aug.add_argument("--method", required=True, help="local, global, selfqa or implications")
    aug.add_argument("--filter", help="none (default) or consistency: keep what the model judges true of the corpus")
    aug.add_argument("--model", required=True, help="a model name (as model.name), or openai:MODEL with --base-url")
    aug.add_argument("--base-url", default="", help="a served model's OpenAI-compatible URL (http://HOST:PORT/v1)")
    aug.add_argument("--concurrency", type=int, default=1, help="a served model: requests in flight at once")
    aug.add_argument("--context-window", type=int, default=0,
                     help="a served model's context window, where the server does not report it")
    aug.add_argument("--tokenizer", default="", help="a served model: a local tokenizer (as model.tokenizer)")
    aug.add_argument("--out", required=True, help="the output folder (new or empty, or one to resume)")
    aug.add_argument("--samples", type=int, help="samples per input (default: the study's, 1)")
    aug.add_argument("--temperature", type=float, help="sampling temperature, 0: greedy (default: the study's)")
    aug.add_argument("--top-p", type=float, help="nucleus sampling (default: the study's)")
    aug.add_argument("--max-new-tokens", type=int, help="tokens per output (default: the method's in the study)")
    aug.add_argument("--seed", type=int, help="sampling seed (default 0)")
    aug.add_argument("--max-inputs", type=int, help="augment a seeded sample of at most N inputs (default: all)")
    aug.add_argument("--batch-size", type=int, help="prompts generated together (default: the study's)")
    aug.add_argument("--text-column", default="text", help="the text field of a JSONL or Hugging Face corpus")
    aug.add_argument("--cache-dir", help="the augmentation cache, shared with studies (default: augment.cache_dir)")
    aug.add_argument("--no-cache", action="store_true", help="neither read nor write the augmentation cache")
    aug.add_argument("--resume", action="store_true", help="continue the journal in --out (also done without it)")
    aug.add_argument("--chunk-size", type=int, default=64, help=argparse.SUPPRESS)  # inputs a journal line
    aug.set_defaults(func=_cmd_augment)


def _cmd_bench(args) -> int:
    from iclft.bench import SECTIONS, run_bench

    only = tuple(x.strip() for x in args.only.split(",")) if args.only else SECTIONS
    unknown = [x for x in only if x not in SECTIONS]
    if unknown:
        raise IclftError(f"unknown benchmark {unknown[0]!r}; known: {', '.join(SECTIONS)}")
    for flag, value, least in (("--baseline-requests", args.baseline_requests, 1),
                               ("--served-requests", args.served_requests, 2), ("--served-documents", args.served_documents, 1)):
        if value < least:
            raise IclftError(f"{flag} must be at least {least}")
    figures = run_bench(args.model, only, args.baseline_requests, args.base_url, args.context_window,
                        args.served_requests, args.served_documents)
    for f in figures:
        print(f.line())
    return 0


def _cmd_report(args) -> int:
    from iclft.report import report_command

    return report_command(args.run_dirs, args.out, args.scoring)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="iclft", description=__doc__)
    p.add_argument("--version", action="version", version=f"iclft {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a study (a YAML config or a preset) and print its results table")
    run.add_argument("config", nargs="?", help="YAML config file")
    run.add_argument("--preset", help="a built-in config: quick (the README's main job), paper")
    run.add_argument("--out", help="run folder (default: OUTPUT_DIR/NAME-TIMESTAMP)")
    run.add_argument("--resume", metavar="RUN_DIR",
                     help="finish an interrupted run (RUN_DIR or RUN_DIR.partial): only missing cells run")
    run.add_argument("--shard", metavar="I/N",
                     help="compute only shard I of N (0 <= I < N) of the study's cells (default --out: "
                          "OUTPUT_DIR/NAME-shardIofN); see iclft merge")
    run.add_argument("--report", action="store_true",
                     help="then write the run's report (HTML, markdown, figures; as iclft report) and print where")
    run.add_argument("overrides", nargs="*", default=[], metavar="KEY=VALUE",
                     help="config overrides with dotted keys, e.g. finetune.epochs=2")
    run.set_defaults(func=_cmd_run)

    merge = sub.add_parser("merge", help="merge the shard folders of one study into its run (or grid) folder")
    merge.add_argument("shard_dirs", nargs="+", metavar="SHARD_DIR")
    merge.add_argument("--out", help="run folder (default: OUTPUT_DIR/NAME-TIMESTAMP)")
    merge.set_defaults(func=_cmd_merge)
    _add_data_parser(sub)
    _add_world_parser(sub)
    _add_augment_parser(sub)

    bench = sub.add_parser("bench", help="measure scoring, generation and training speed (figures last)")
    bench.add_argument("--model", default="smollm2-135m", help="a model name, or openai:MODEL with --base-url")
    bench.add_argument("--base-url", default="", help="a served model's OpenAI-compatible URL (http://HOST:PORT/v1)")
    bench.add_argument("--context-window", type=int, default=0,
                       help="a served model's context window, where the server does not report it")
    bench.add_argument("--only", help="comma-separated subset of the benchmarks (default: all)")
    bench.add_argument("--baseline-requests", type=int, default=4,
                       help="requests timed with per-request recomputation (each rereads the whole context)")
    bench.add_argument("--served-requests", type=int, default=24, help="a served model: scoring requests timed")
    bench.add_argument("--served-documents", type=int, default=60,
                       help="a served model: documents in the prefix the requests share")
    bench.set_defaults(func=_cmd_bench)

    rep = sub.add_parser("report", help="write the HTML and markdown report of a run, or compare several runs")
    rep.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    rep.add_argument("--out", help="report folder (default: RUN_DIR/report for one run, ./report-compare for several)")
    rep.add_argument("--scoring", choices=["sum", "mean", "pmi"],
                     help="the scoring drawn and listed first (default: the run's primary scoring)")
    rep.set_defaults(func=_cmd_report)
    return p


def _generator_options(extra: list[str], params: list[str]) -> list[str]:
    """`iclft data generate NAME --n_facts 20` (or `--n_facts=20`): generator parameters as options,
    moved into `params` as KEY=VALUE; what is not such an option is left for the usual error."""
    left, i = [], 0
    while i < len(extra):
        word = extra[i]
        if word.startswith("--") and "=" in word:
            params.append(word[2:])
        elif word.startswith("--") and i + 1 < len(extra) and not extra[i + 1].startswith("--"):
            params.append(f"{word[2:]}={extra[i + 1]}")
            i += 1
        else:
            left.append(word)
        i += 1
    return left


def _warnings_to_stderr() -> None:
    """Warnings (a damaged file recomputed, a cache that cannot be written) also reach the console,
    not only run.log."""
    import logging

    class Console(logging.Handler):
        def emit(self, record):  # the current sys.stderr, whatever replaced it since
            print(f"iclft: warning: {record.getMessage()}", file=sys.stderr)

    root = logging.getLogger()
    if not any(type(h).__name__ == "Console" for h in root.handlers):
        root.addHandler(Console(logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _warnings_to_stderr()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "data_command", None) == "generate":
        extra = _generator_options(extra, args.param)
    # KEY=VALUE words may come before or after options; argparse leaves some of them over.
    listed = getattr(args, "overrides", None) if hasattr(args, "overrides") else getattr(args, "param", None)
    if listed is None or any("=" not in e or e.startswith("-") for e in extra):
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    else:
        listed.extend(extra)
    # `iclft run --preset quick a.b=1`: argparse takes the first override for the config file.
    if getattr(args, "config", None) and "=" in args.config:
        args.overrides.insert(0, args.config)
        args.config = None
    try:
        return args.func(args)
    except IclftError as e:
        print(f"iclft: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a path the user named cannot be read or written: disk full, read-only, ...
        where = f"{e.filename}: " if e.filename else ""
        print(f"iclft: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("iclft: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
