"""The scale benchmark runs end to end at a small N, so it cannot rot (issue 6).

No timing is asserted here — speed goals live in the benchmark's own figures — but every
figure the README quotes must be produced, and the table must be printed.
"""

import json
import subprocess
import sys

from conftest import ROOT

N = 500


def test_benchmark_runs_and_reports_every_figure(tmp_path):
    out = tmp_path / "scale.json"
    run = subprocess.run([sys.executable, "-m", "bench.run", "--sizes", str(N), "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert figures["n"] == N and figures["practices"] == N
    for key in ("parse_only_s", "load_validate_generate_s", "build_s", "rebuild_one_change_s", "serve_change_visible_s",
                "build_peak_rss_mb", "practice_page_median_kb", "site_mb", "plain_build_s", "plain_practice_page_median_kb"):
        assert isinstance(figures.get(key), (int, float)) and figures[key] > 0, (key, figures)
    # the table a reader sees
    for label in ("加载+校验+生成 Markdown", "完整构建 kb build", "同样页面用原版 mkdocs-material", "kb serve 下改动可见"):
        assert label in run.stdout
