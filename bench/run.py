"""Scale benchmark (issue 6): one command, a table on screen, the figures as JSON.

    .venv/bin/python -m bench.run                       # N = 1,000, 5,000, 20,000
    .venv/bin/python -m bench.run --sizes 500 --quick   # what CI runs (no timing asserted)

For each N it writes a synthetic knowledge base (``kb synth``) under bench/work/, then measures
load + validate + generate stage by stage, a full ``kb build``, a rebuild after one record
changes (with ``kb build`` and under ``kb serve``), peak memory, page and site sizes, the search
index and what a browser downloads for its first query, and the time to the first search
result in Chromium. It then builds the same generated Markdown with plain mkdocs-material
(default settings, nav generated from the files) so every build figure has a ratio against it
in the same run. Figures are printed as a table and saved to bench/results/scale-*.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
QUERIES = ["协商", "委员工作室", "议事", "临沧", "基层协商", "协商平台", "提案", "民主监督"]


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    timed_out: bool
    output: str


def run_measured(cmd: list[str], cwd: Path, timeout: float | None = None, env: dict | None = None) -> Run:
    """Run a command; wall time and the peak resident memory of that process (wait4)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    timed_out = False
    chunks: list[bytes] = []
    os.set_blocking(proc.stdout.fileno(), False)
    while True:
        data = proc.stdout.read()
        if data:
            chunks.append(data)
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if timeout is not None and time.perf_counter() - started > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            timed_out = True
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    rest = proc.stdout.read()
    if rest:
        chunks.append(rest)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, timed_out, b"".join(chunks).decode("utf-8", "replace"))


def kb(*args: str) -> list[str]:
    return [PYTHON, "-m", "generator.cli", *args]


def synthesize(n: int) -> Path:
    project = WORK / f"n{n}"
    if not (project / "data" / "practices").is_dir() or len(list((project / "data" / "practices").glob("*.yaml"))) != n:
        shutil.rmtree(project, ignore_errors=True)
        subprocess.run(kb("--project", str(ROOT), "synth", str(n), "--out", str(project)), check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    else:  # data reused: bring the site configuration and hand-written pages up to date
        shutil.copy2(ROOT / "mkdocs.yml", project / "mkdocs.yml")
        for page in (ROOT / "docs").glob("*.md"):
            shutil.copy2(page, project / "docs" / page.name)
    shutil.rmtree(project / "site", ignore_errors=True)
    shutil.rmtree(project / ".cache", ignore_errors=True)  # the first kb build below is a build from scratch
    return project


def stage_figures(project: Path) -> dict:
    out = subprocess.run([PYTHON, "-m", "bench.stages", str(project)], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def one_practice(project: Path) -> Path:
    return sorted((project / "data" / "practices").glob("*.yaml"))[len(list((project / "data" / "practices").glob("*.yaml"))) // 2]


def touch_record(path: Path, marker: str) -> None:
    """Change one record the way a maintainer would: a new sentence in its summary."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("summary:"):
            # the synthetic summaries are folded blocks; the next indented line continues them
            lines.insert(i + 1, f"  {marker}。")
            break
    else:
        raise SystemExit(f"no summary in {path}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def site_sizes(site: Path) -> dict:
    practice_pages = sorted((site / "practices").glob("*.html"))
    sizes = [p.stat().st_size for p in practice_pages if p.name != "index.html"]
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    search_dir = site / "search"
    index = sum(p.stat().st_size for p in search_dir.rglob("*") if p.is_file()) if search_dir.is_dir() else 0
    return {
        "html_pages": sum(1 for _ in site.rglob("*.html")),
        "practice_page_median_kb": statistics.median(sizes) / 1024 if sizes else None,
        "site_mb": total / 1e6,
        "search_index_mb": index / 1e6,
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return None


def serve_change(project: Path, record: Path, startup_timeout: float) -> dict:
    """Start ``kb serve``, change one record, time until the served page shows the change."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/practices/{record.stem}.html"
    proc = subprocess.Popen(kb("serve", "--address", f"127.0.0.1:{port}"), cwd=project, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        started = time.perf_counter()
        while fetch(url) is None:
            if proc.poll() is not None or time.perf_counter() - started > startup_timeout:
                return {"serve_startup_s": None, "serve_change_visible_s": None, "serve_note": "kb serve 未能启动或超时"}
            time.sleep(0.5)
        startup = time.perf_counter() - started
        # The search index is written in the background after the first build: wait for it, as
        # a maintainer would be reading the preview by then, so the edit is timed on its own.
        base = url.rsplit("/practices/", 1)[0] + "/"
        while fetch(base + "search/manifest.js") is None and time.perf_counter() - started < startup_timeout * 2:
            time.sleep(0.5)
        time.sleep(2)  # let the watcher settle after the first build
        marker = f"基准修改标记{int(time.time())}"
        touch_record(record, marker)
        changed = time.perf_counter()
        while True:
            page = fetch(url)
            if page and marker in page:
                return {"serve_startup_s": startup, "serve_change_visible_s": time.perf_counter() - changed}
            if time.perf_counter() - changed > max(120.0, startup_timeout):
                return {"serve_startup_s": startup, "serve_change_visible_s": None, "serve_note": "修改后超时仍未看到"}
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


PLAIN_MKDOCS = """\
# Plain mkdocs-material on the same generated Markdown: default settings (its own search
# plugin, nav generated from the files). Only the Markdown extensions the pages are written
# for are switched on, so both builds convert the same content.
site_name: baseline
theme:
  name: material
  language: zh
markdown_extensions: [toc, tables, attr_list, md_in_html, admonition, pymdownx.details]
"""


def plain_material(project: Path, timeout: float) -> dict:
    base = project.parent / f"{project.name}-plain"
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(project / "docs", base / "docs")
    (base / "mkdocs.yml").write_text(PLAIN_MKDOCS, encoding="utf-8")
    run = run_measured([PYTHON, "-m", "mkdocs", "build", "-q"], base, timeout=timeout)
    figures = {"plain_build_s": None if run.timed_out else run.seconds, "plain_peak_rss_mb": run.peak_rss_mb,
               "plain_timed_out_after_s": timeout if run.timed_out else None}
    if not run.timed_out and run.returncode == 0:
        sizes = sorted(p.stat().st_size for p in (base / "site" / "practices").rglob("*.html"))
        figures["plain_practice_page_median_kb"] = statistics.median(sizes) / 1024 if sizes else None
        index = base / "site" / "search" / "search_index.json"
        figures["plain_search_index_mb"] = index.stat().st_size / 1e6 if index.exists() else None
    elif not run.timed_out:
        figures["plain_error"] = run.output[-500:]
    shutil.rmtree(base, ignore_errors=True)
    return figures


def search_figures(site: Path) -> dict:
    try:
        from bench.search_engines import measure_search
    except ImportError as exc:
        return {"search_note": f"搜索测量不可用：{exc}"}
    try:
        return {f"search_{k}": v for k, v in measure_search(site, QUERIES).items()}
    except Exception as exc:  # a benchmark reports what failed and goes on
        return {"search_note": f"搜索测量失败：{type(exc).__name__}: {exc}"}


def bench_size(n: int, args) -> dict:
    print(f"\n== N = {n} ==", flush=True)
    project = synthesize(n)
    figures: dict = {"n": n}
    figures.update(stage_figures(project))
    figures["generate_vs_parse"] = figures["load_validate_generate_s"] / figures["parse_only_s"]
    print(f"  load+validate+generate {figures['load_validate_generate_s']:.1f} s", flush=True)

    build = run_measured(kb("build"), project)
    if build.returncode != 0:
        raise SystemExit(f"kb build failed at N={n}:\n{build.output[-2000:]}")
    figures.update(build_s=build.seconds, build_peak_rss_mb=build.peak_rss_mb)
    figures.update(site_sizes(project / "site"))
    print(f"  kb build {build.seconds:.1f} s, {figures['html_pages']} pages", flush=True)

    record = one_practice(project)
    if not args.skip_rebuild:
        touch_record(record, "基准修改：kb build 重建")
        rebuild = run_measured(kb("build"), project)
        figures["rebuild_one_change_s"] = rebuild.seconds
        figures["rebuild_vs_build"] = rebuild.seconds / build.seconds

    if not args.skip_serve:
        figures.update(serve_change(project, record, startup_timeout=max(600.0, build.seconds * 3)))
        print(f"  serve: change visible after {figures.get('serve_change_visible_s')} s", flush=True)
    if not args.skip_search:
        figures.update(search_figures(project / "site"))
    if not args.skip_plain:
        timeout = args.plain_timeout if args.plain_timeout else max(600.0, build.seconds * 10)
        figures.update(plain_material(project, timeout))
        plain = figures.get("plain_build_s")
        figures["build_speedup_vs_plain"] = (plain / build.seconds) if plain else None
        if figures.get("plain_timed_out_after_s"):
            figures["build_speedup_vs_plain_at_least"] = figures["plain_timed_out_after_s"] / build.seconds
        print(f"  plain mkdocs-material {plain if plain else '超时'}", flush=True)
    if not args.keep:
        shutil.rmtree(project / "site", ignore_errors=True)
    return figures


ROWS = [
    ("parse_only_s", "仅解析 YAML（C 加载器）", "{:.1f} s"),
    ("load_validate_generate_s", "加载+校验+生成 Markdown", "{:.1f} s"),
    ("generate_vs_parse", "　是仅解析的倍数（冷启动，目标 ≤ 5）", "{:.1f}×"),
    ("warm_edit_generate_s", "kb serve 会话中改一条记录后的加载+校验+生成", "{:.2f} s"),
    ("parse_one_file_s", "　只解析那一个文件", "{:.4f} s"),
    ("build_s", "完整构建 kb build（不沿用上次构建）", "{:.0f} s"),
    ("plain_build_s", "同样页面用原版 mkdocs-material", "{:.0f} s"),
    ("build_speedup_vs_plain", "　加速比（目标 ≥ 10）", "{:.1f}×"),
    ("build_speedup_vs_plain_at_least", "　加速比下限（原版超时）", "≥{:.1f}×"),
    ("rebuild_one_change_s", "改一条记录后 kb build（沿用上次构建的缓存和未变的页面）", "{:.0f} s"),
    ("rebuild_vs_build", "　是完整构建的比例（目标 ≤ 25%）", "{:.0%}"),
    ("serve_change_visible_s", "kb serve 下改动可见（目标 5k ≤ 3 s，20k ≤ 5 s）", "{:.1f} s"),
    ("build_peak_rss_mb", "构建峰值内存", "{:.0f} MB"),
    ("html_pages", "HTML 页面数", "{:d}"),
    ("practice_page_median_kb", "实践页 HTML 中位大小", "{:.1f} KB"),
    ("plain_practice_page_median_kb", "　原版的实践页中位大小", "{:.1f} KB"),
    ("site_mb", "网站总大小", "{:.0f} MB"),
    ("search_index_mb", "搜索索引总大小", "{:.1f} MB"),
    ("plain_search_index_mb", "　原版搜索索引", "{:.1f} MB"),
    ("search_first_query_kb", "首次查询下载量（目标 < 1 MB）", "{:.0f} KB"),
    ("search_first_result_ms", "输入后首个结果（目标 < 300 ms）", "{:.0f} ms"),
]


def table(results: list[dict]) -> str:
    header = ["指标"] + [f"N={r['n']:,}" for r in results]
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for key, label, fmt in ROWS:
        if not any(r.get(key) is not None for r in results):
            continue
        cells = []
        for r in results:
            value = r.get(key)
            cells.append("—" if value is None else fmt.format(value))
        lines.append(" | ".join([label, *cells]))
    notes = [f"N={r['n']}: {r[k]}" for r in results for k in r if k.endswith("_note")]
    return "\n".join(lines + ([""] + notes if notes else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description="规模基准：合成知识库上的构建、预览与搜索")
    parser.add_argument("--sizes", default="1000,5000,20000", help="逗号分隔的实践数，默认 1000,5000,20000")
    parser.add_argument("--plain-timeout", type=float, default=None, help="原版 mkdocs-material 构建的超时秒数")
    parser.add_argument("--skip-plain", action="store_true", help="不构建原版 mkdocs-material 对照")
    parser.add_argument("--skip-rebuild", action="store_true", help="不测改一条记录后的 kb build")
    parser.add_argument("--skip-serve", action="store_true", help="不测 kb serve 下的改动可见时间")
    parser.add_argument("--skip-search", action="store_true", help="不测浏览器搜索")
    parser.add_argument("--keep", action="store_true", help="保留 bench/work/ 下构建出的网站")
    parser.add_argument("--out", help="JSON 结果文件（默认 bench/results/scale-日期时间.json）")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = Path(args.out) if args.out else RESULTS / f"scale-{dt.datetime.now():%Y%m%d-%H%M}.json"
    results: list[dict] = []
    for n in sizes:
        results.append(bench_size(n, args))
        # saved after every size: a 20,000-record run takes an hour, keep what is measured
        out.write_text(json.dumps({"cpu_count": os.cpu_count(), "results": results}, ensure_ascii=False, indent=2),
                       encoding="utf-8")
    print()
    print(table(results))
    print(f"\n结果已保存：{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
