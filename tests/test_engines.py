"""The site engine can be MkDocs 1.6 or ProperDocs: `kb build`, `kb serve` and `kb pack` work under
both, and the shipped data gives the same site byte for byte (the generator meta tag aside).

ProperDocs runs from .venv-properdocs, made by `make engines` (a dependency of `make test`):
every package at the version .venv has, ProperDocs instead of MkDocs (tools/engine_venv.py).
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_project
from kbfixture import make_kb
from test_serve import fetch, free_port, wait_for

pytestmark = pytest.mark.slow

PROPERDOCS_VENV = ROOT / ".venv-properdocs"
GENERATOR_META = re.compile(rb'<meta name="generator" content="[^"]*">')
# A generated page's digest of what it is made of includes the engine (kb build reuses a page
# only when built by the same engine): it differs with the generator tag.
DIGEST_META = re.compile(rb'<meta name="kb-digest" content="[^"]*">')


# --- only the adapter talks to the engine ---------------------------------------------------------

ENGINE_PACKAGES = {"mkdocs", "properdocs"}
MAY_IMPORT_THE_ENGINE = {"generator/engine.py", "generator/mkdocs_plugin.py"}


def engine_imports(path: Path) -> list[tuple[int, str]]:
    """Every import of mkdocs/properdocs in a file: import statements and importlib/__import__ calls."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in {"import_module", "__import__", "find_spec"}:
                names = [node.args[0].value]
        found += [(node.lineno, name) for name in names if name.split(".")[0] in ENGINE_PACKAGES]
    return found


def test_only_the_adapter_and_the_plugin_import_the_engine():
    offenders = {}
    for path in sorted((ROOT / "generator").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        imports = engine_imports(path)
        if imports and rel not in MAY_IMPORT_THE_ENGINE:
            offenders[rel] = imports
    assert not offenders, f"import the engine through generator/engine.py, not directly: {offenders}"
    # The scan does see imports: the adapter has those of both engines.
    seen = {name.split(".")[0] for _, name in engine_imports(ROOT / "generator" / "engine.py")}
    assert seen == ENGINE_PACKAGES


# --- running kb under ProperDocs ------------------------------------------------------------------


@pytest.fixture(scope="session")
def properdocs_python() -> Path:
    """.venv-properdocs' Python, after checking it has ProperDocs and no MkDocs at all."""
    made = subprocess.run(["make", "-s", "properdocs"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stdout + made.stderr
    python = PROPERDOCS_VENV / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import importlib.util as u, properdocs; "
                            "print(u.find_spec('mkdocs') is None, properdocs.__version__)"],
                           capture_output=True, text=True)
    assert probe.stdout.split() == ["True", "1.6.7"], probe.stdout + probe.stderr
    return python


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("KB_DEBUG", "KB_ENGINE")}
    return {**env, **extra}


def kb(python: Path, *args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    full_env = clean_env(**(env or {}))
    return subprocess.run([str(python), "-m", "generator.cli", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_kb_build_under_properdocs_gives_the_mkdocs_site_byte_for_byte(built_site, properdocs_python, tmp_path):
    project = copy_project(tmp_path / "kb")
    started = time.monotonic()
    result = kb(properdocs_python, "--project", str(project), "build")
    print(f"ProperDocs kb build: {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "构建完成" in result.stdout and "ProperDocs 1.6.7" in result.stdout

    mkdocs_site, properdocs_site = files_of(built_site), files_of(project / "site")
    assert sorted(properdocs_site) == sorted(mkdocs_site)
    differing = [rel for rel in mkdocs_site if mkdocs_site[rel] != properdocs_site[rel]]
    # Only HTML pages differ, and only in the generator tag, which names the engine (and the
    # digest of a generated page, which includes it).
    assert all(rel.endswith(".html") for rel in differing), differing
    for rel in differing:
        assert DIGEST_META.sub(b"", GENERATOR_META.sub(b"", mkdocs_site[rel])) == \
            DIGEST_META.sub(b"", GENERATOR_META.sub(b"", properdocs_site[rel])), rel
    page = properdocs_site["practices/index.html"]
    assert b'<meta name="generator" content="mkdocs-ProperDocs 1.6.7, mkdocs-material-' in page
    assert b'<meta name="generator" content="mkdocs-1.6.1, mkdocs-material-' in mkdocs_site["practices/index.html"]
    assert len(differing) == sum(1 for rel in mkdocs_site if rel.endswith(".html"))  # every page says so

    # kb pack under ProperDocs: the archive of that site.
    packed = kb(properdocs_python, "--project", str(project), "pack", "--out", str(tmp_path / "dist"))
    assert packed.returncode == 0, packed.stderr
    archive = next((tmp_path / "dist").glob("xieshang-kb-site-*.zip"))
    checksum = archive.with_name(archive.name + ".sha256").read_text(encoding="ascii").split()[0]
    assert checksum == hashlib.sha256(archive.read_bytes()).hexdigest()


TAG_LISTING_TYPO = "---\ntitle: 标签\n---\n\n# 标签\n\n<!-- material/tags { bogus_option: 1 } -->\n"


@pytest.mark.parametrize("engine", ["MkDocs", "ProperDocs"])
def test_engine_warnings_stop_a_strict_build_and_are_counted_otherwise(engine, tmp_path, request):
    """Warnings from the engine (a broken link) and from Material (logged under "mkdocs.material",
    which under ProperDocs must be wired to its logger) fail `kb build` in Chinese, site untouched;
    with --no-strict the build goes on and says how many there were."""
    python = request.getfixturevalue("properdocs_python") if engine == "ProperDocs" else Path(sys.executable)
    kbase = make_kb(tmp_path)
    assert kb(python, "--project", str(kbase.root), "build").returncode == 0
    before = files_of(kbase.root / "site")
    (kbase.root / "docs" / "tags-page.md").write_text(TAG_LISTING_TYPO, encoding="utf-8")
    failed = kb(python, "--project", str(kbase.root), "build")
    assert failed.returncode == 1
    assert "构建失败，上次构建的网站保持不变" in failed.stderr and f"{engine} 构建失败" in failed.stderr
    assert "bogus_option" in failed.stderr and "Traceback" not in failed.stderr
    assert files_of(kbase.root / "site") == before

    (kbase.root / "docs" / "broken.md").write_text("# 坏链接\n\n[坏链接](nowhere.md)\n", encoding="utf-8")
    lenient = kb(python, "--project", str(kbase.root), "build", "--no-strict")
    assert lenient.returncode == 0, lenient.stderr
    assert f"（{engine} " in lenient.stdout and f"；{engine} 提示 2 条：" in lenient.stdout
    assert "nowhere.md" in lenient.stdout and "bogus_option" in lenient.stdout


def test_kb_serve_under_properdocs_shows_edits_and_speaks_chinese(properdocs_python, tmp_path):
    kbase = make_kb(tmp_path)
    port = free_port()
    env = clean_env()
    server = subprocess.Popen(
        [str(properdocs_python), "-m", "generator.cli", "--project", str(kbase.root), "serve",
         "--address", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/practices/yi-xie-shang.html"
    try:
        first = wait_for(lambda: fetch(url), timeout=60)
        assert first and "借鉴了甲工作法" in first and "ProperDocs 1.6.7" in first
        kbase.edit("practices/yi-xie-shang.yaml", "借鉴了甲工作法。", "借鉴了甲工作法，并在三个村试行。")
        assert wait_for(lambda: (page := fetch(url)) and "在三个村试行" in page, timeout=30), \
            "the edited summary never reached the served page"
        assert server.poll() is None, "the server restarted or died"
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
    assert "正在生成页面并启动预览（ProperDocs 1.6.7）" in output
    assert f"预览地址：http://127.0.0.1:{port}/" in output
    assert output.count("检测到改动") == 1 and output.count("已更新（") == 2, output  # first build, one edit
    assert "预览已停止" in output
    for english in ("Serving on", "Documentation built", "Detected file changes", "dirty", "Traceback"):
        assert english not in output, output


def test_an_engine_that_is_not_installed_is_named_in_chinese(tmp_path):
    kbase = make_kb(tmp_path)
    result = kb(Path(sys.executable), "--project", str(kbase.root), "build", env={"KB_ENGINE": "properdocs"})
    assert result.returncode == 1
    assert "KB_ENGINE=properdocs，但没有安装 ProperDocs" in result.stderr and "Traceback" not in result.stderr
    assert not (kbase.root / "site").exists()
    unknown = kb(Path(sys.executable), "--project", str(kbase.root), "build", env={"KB_ENGINE": "zensical"})
    assert unknown.returncode == 1 and "不是已知的网站引擎" in unknown.stderr
    chosen = kb(Path(sys.executable), "--project", str(kbase.root), "build", env={"KB_ENGINE": "mkdocs"})
    assert chosen.returncode == 0 and "（MkDocs 1.6.1）" in chosen.stdout, chosen.stderr


# --- the theme's markup, read in one place --------------------------------------------------------

SCRIPTS = ROOT / "generator" / "static" / "assets" / "kb"
MATERIAL_TOKEN = re.compile(r"__config|\bmd-[a-z0-9_-]+")
CLASS_VALUE = re.compile(r'class: "[^"]*"')


def test_scripts_read_materials_markup_only_in_kb_js_and_the_developer_page_names_each_use():
    """Moving to another theme (Zensical's, say) means revisiting exactly the places listed in
    docs/developers.md: every Material class or id a script uses is named there, in the row of
    that script, and only kb.js reads the page's markup; the others only give elements they
    create Material's class names (for its styles)."""
    rows = {}
    for line in (ROOT / "docs" / "developers.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([a-z]+\.js)`", line)
        if match:
            rows[match.group(1)] = line
    used = {}
    for script in sorted(SCRIPTS.glob("*.js")):
        source = script.read_text(encoding="utf-8")
        tokens = set(MATERIAL_TOKEN.findall(source))
        if tokens:
            used[script.name] = tokens
        if script.name != "kb.js":
            read = MATERIAL_TOKEN.findall(CLASS_VALUE.sub("", source))
            assert not read, f"{script.name} reads Material's markup ({read}); go through kb.js (KB.addToHeader, KB.siteBase)"
    assert {"kb.js", "browse.js", "compare.js", "basket.js"} <= set(used)  # the scan finds them
    for name, tokens in used.items():
        assert name in rows, f"docs/developers.md has no row for {name} in its Material table"
        missing = sorted(t for t in tokens if t not in rows[name])
        assert not missing, f"docs/developers.md does not name {missing} in the row of {name}"
