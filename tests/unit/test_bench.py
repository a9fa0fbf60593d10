"""The benchmark's mechanics on the tiny model (its timings are not checked: tests never time)."""
from iclft.bench import bench_finetune, bench_icl
from iclft.models.train import training_flops_per_token


def test_icl_bench_compares_shared_and_recomputed_scores(tiny_model):
    figures = {f.name: f for f in bench_icl(tiny_model, baseline_requests=2)}
    assert figures["icl_max_score_diff_nats"].value < 1e-3
    assert figures["icl_scoring_speedup"].value > 0 and "400 requests" in figures["icl_scoring_speedup"].detail
    assert figures["icl_peak_memory_gb"].value > 0


def test_finetune_bench_reports_throughput_and_utilisation(tiny_model):
    figures = {f.name: f for f in bench_finetune(tiny_model, n_facts=4)}
    assert figures["finetune_tokens_per_second"].value > 0
    assert 0 < figures["finetune_mfu"].value


def test_training_flops_count_the_matmul_parameters(tiny_model):
    cfg = tiny_model.model.config
    linear = sum(p.numel() for n, p in tiny_model.model.named_parameters() if p.dim() == 2 and "embed" not in n)
    head = cfg.vocab_size * cfg.hidden_size  # tied: the head reuses the embedding matrix
    assert training_flops_per_token(tiny_model.model, 10) == 6 * (linear + head) + 6 * 2 * 10 * 32


def test_generation_bench_writes_the_same_text_both_ways(tiny_model):
    from iclft.bench import bench_generation

    (fig,) = bench_generation(tiny_model, n_docs=3, baseline_docs=2, max_new_tokens=6)
    assert fig.name == "global_augmentation_speedup" and fig.value > 0
    assert "same text: True" in fig.detail


def test_world_bench_compares_the_shipped_runs_training_with_todays():
    from iclft.bench import _baseline_world_loss, bench_world
    from iclft.world.batches import step_batches, weighted_loss
    from iclft.world.config import load_world_config
    from iclft.world.model import build_model
    from iclft.world.stream import Stream
    from iclft.world.tokenizer import train_tokenizer

    figures = {f.name: f for f in bench_world(steps=1, preset="tiny")}
    assert set(figures) == {"world_tokens_per_second", "world_mfu", "world_speedup"}
    assert all(f.value > 0 for f in figures.values()) and figures["world_mfu"].value < 1
    # the baseline computes the same loss as today's path, on isolated rows (to float rounding)
    cfg = load_world_config(preset="tiny", overrides=["train.isolate_episodes=true"])
    stream = Stream(cfg)
    stream.tokenizer = train_tokenizer((stream.episode(i).text for i in range(30)), cfg.model.vocab_size)
    rows = [stream.row(0), stream.row(1)]
    model = build_model(cfg, stream.tokenizer)
    [batch] = step_batches(rows, stream.tokenizer.pad_token_id, cfg)
    assert abs(_baseline_world_loss(model, batch).item() - weighted_loss(model, batch).item()) < 1e-4
