"""The one door to the site engine: MkDocs 1.6, or ProperDocs, its maintained fork.

Everything the generator needs from the engine's Python API comes from here — config loading,
build, serve, the plugin base class, config options and ``event_priority``, ``File``/``Files``,
exceptions, and the names of its loggers — so ``kb build``, ``kb serve`` and ``kb pack`` run
under whichever of the two is installed. No other module imports ``mkdocs`` or ``properdocs``
(tests/test_engine.py checks the imports of generator/).

Which engine:

1. the one already running: ``mkdocs build`` or ``properdocs build`` loaded our plugin;
2. ``KB_ENGINE=mkdocs`` or ``KB_ENGINE=properdocs``, when both are installed;
3. otherwise ProperDocs if it is installed (nothing installs it but a deliberate choice, while
   MkDocs comes with every mkdocs-material), else MkDocs — the one ``make setup`` installs.

ProperDocs (1.6.5 and later) is MkDocs 1.6.1 renamed: package, command and logger are
``properdocs``; it loads plugins from the ``mkdocs.plugins`` entry-point group as well as its own
``properdocs.plugins``, and themes from ``mkdocs.themes`` (so mkdocs-material works unchanged); it
reads ``mkdocs.yml`` (as a fallback to ``properdocs.yml`` when none is named; ``kb`` always names
it). Its command line — not its Python API — makes ``mkdocs.*`` imports (Material's) resolve to
``properdocs.*`` and hangs the ``mkdocs`` logger under ``properdocs``; here we do the same.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from pathlib import Path

from .problems import UserError

ENGINES = {"mkdocs": "MkDocs", "properdocs": "ProperDocs"}


class EngineMissing(UserError):
    pass


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _choose() -> str:
    if "properdocs" in sys.modules:  # also when sys.modules["mkdocs"] is ProperDocs' alias
        return "properdocs"
    if "mkdocs" in sys.modules:
        return "mkdocs"
    wanted = os.environ.get("KB_ENGINE", "").strip().lower()
    if wanted:
        if wanted not in ENGINES:
            raise EngineMissing(f"环境变量 KB_ENGINE={wanted} 不是已知的网站引擎；可选 mkdocs 或 properdocs")
        if not _installed(wanted):
            raise EngineMissing(f"环境变量 KB_ENGINE={wanted}，但没有安装 {ENGINES[wanted]}；"
                                f"安装它，或去掉 KB_ENGINE（见 README“引擎与维护”）")
        return wanted
    for name in ("properdocs", "mkdocs"):
        if _installed(name):
            return name
    raise EngineMissing("没有安装网站引擎：需要 MkDocs 1.6 或 ProperDocs。请在项目目录运行 make setup"
                        "（安装 MkDocs），或按 README“引擎与维护”安装 ProperDocs")


NAME = _choose()
LABEL = ENGINES[NAME]
# The engine's own logger: build warnings are collected and serve's lines translated on it.
LOGGER = NAME

# Material prints a notice about MkDocs 2.0 when run as `mkdocs`; kb has its own README section.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

try:
    if NAME == "properdocs":
        import properdocs.replacement  # noqa: F401 — mkdocs.* (Material's imports) resolve to properdocs.*
        from properdocs import __version__ as VERSION
        from properdocs.config import config_options
        from properdocs.config.base import Config
        from properdocs.exceptions import Abort, ConfigurationError, PluginError
        from properdocs.plugins import BasePlugin, event_priority
        from properdocs.structure.files import File, Files

        # As ProperDocs' command line does: plugins that log to "mkdocs.…" (Material's
        # "mkdocs.material.…") are heard on "properdocs" — counted by --strict, collected by kb.
        _legacy = logging.getLogger("mkdocs")
        _legacy.parent = logging.getLogger("properdocs")
        _legacy.setLevel(logging.NOTSET)
        _legacy.propagate = True
    else:
        from mkdocs import __version__ as VERSION
        from mkdocs.config import config_options
        from mkdocs.config.base import Config
        from mkdocs.exceptions import Abort, ConfigurationError, PluginError
        from mkdocs.plugins import BasePlugin, event_priority
        from mkdocs.structure.files import File, Files
except ImportError as exc:  # e.g. MkDocs 2.0, which has no plugin API
    raise EngineMissing(f"已安装的 {LABEL} 不能使用（{exc}）：本库需要 {LABEL} 1.6 版；"
                        "请在项目目录运行 make setup 重新安装") from None

DESCRIPTION = f"{LABEL} {VERSION}"

__all__ = [
    "NAME", "LABEL", "LOGGER", "VERSION", "DESCRIPTION", "EngineMissing",
    "BasePlugin", "Config", "config_options", "event_priority", "File", "Files",
    "Abort", "ConfigurationError", "PluginError",
    "logger", "plugin_logger", "load_config", "build", "serve", "Page", "build_pages",
]


def logger() -> logging.Logger:
    return logging.getLogger(LOGGER)


def plugin_logger(name: str) -> logging.Logger:
    """The logger a plugin of this engine writes to ("mkdocs.plugins.kb", "properdocs.plugins.kb")."""
    return logging.getLogger(f"{LOGGER}.plugins.{name}")


def load_config(config_file: Path, **options):
    if NAME == "properdocs":
        from properdocs.config import load_config as load
    else:
        from mkdocs.config import load_config as load
    return load(str(config_file), **options)


def build(config) -> None:
    if NAME == "properdocs":
        from properdocs.commands.build import build as run
    else:
        from mkdocs.commands.build import build as run
    run(config)


def serve(config_file: Path, dev_addr: str) -> None:
    """The engine's development server with ``--dirty`` and live reload (returns on Ctrl-C)."""
    if NAME == "properdocs":
        from properdocs.commands.serve import serve as run
    else:
        from mkdocs.commands.serve import serve as run
    run(config_file=str(config_file), dev_addr=dev_addr, build_type="dirty", livereload=True)


def _build_module():
    if NAME == "properdocs":
        from properdocs.commands import build as module
    else:
        from mkdocs.commands import build as module
    return module


def Page(file, config):  # noqa: N802 — the engine's Page class, made for a file that has none
    if NAME == "properdocs":
        from properdocs.structure.pages import Page as page_class
    else:
        from mkdocs.structure.pages import Page as page_class
    return page_class(None, file, config)


def build_pages(pages: list, config, files, nav, env) -> None:
    """Convert and write just these pages, with the engine's own page and theme machinery — what
    ``build`` does for every page, done for the few an edit touched. Uses the engine's
    ``_populate_page`` and ``_build_page`` (the same in MkDocs 1.6 and ProperDocs 1.6): all pages
    are read first, then events that need every page (the tags listings) run, then all are written."""
    module = _build_module()
    for page in pages:
        module._populate_page(page, config, files)
    config.plugins.on_env(env, config=config, files=files)
    doc_files = files.documentation_pages()
    for page in pages:
        module._build_page(page, config, doc_files, nav, env)
