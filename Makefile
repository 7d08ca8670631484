# Two commands do all the set-up on a fresh machine (see README):
#   make site   — install, check the data and build the site into site/
#   make test   — install (with Debian's chromium), then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP  := $(VENV)/.installed

.PHONY: setup site test browser-deps serve check bench clean handouts-preview engines properdocs zensical

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

site: setup
	$(BIN)/kb build

check: setup
	$(BIN)/kb check

serve: setup
	$(BIN)/kb serve

# Browser tests use Debian's chromium (never a downloaded browser build) and CJK fonts; the
# handout tests open the .docx/.xlsx files in LibreOffice (headless) and read its PDFs with poppler.
SYSTEM_PACKAGES := chromium fonts-noto-cjk poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 \
		|| ! command -v soffice >/dev/null 2>&1 || ! dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 \
		|| ! fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(SYSTEM_PACKAGES) >/dev/null; \
	fi

# The other engines the tests build with (README, 引擎与维护): kb under ProperDocs instead of MkDocs
# (.venv-properdocs, same versions as .venv otherwise), and Zensical alone (.venv-zensical).
# Versions are pinned in tools/engine_venv.py; each is made once and kept (git-ignored).
PD_VENV := .venv-properdocs
ZS_VENV := .venv-zensical
$(PD_VENV)/.installed: $(STAMP) tools/engine_venv.py
	rm -f $@
	$(BIN)/python tools/engine_venv.py properdocs $(PD_VENV)
$(ZS_VENV)/.installed: tools/engine_venv.py | $(STAMP)
	rm -f $@
	$(BIN)/python tools/engine_venv.py zensical $(ZS_VENV)
properdocs: $(PD_VENV)/.installed
zensical: $(ZS_VENV)/.installed
engines: $(PD_VENV)/.installed $(ZS_VENV)/.installed

# --dist loadgroup: the LibreOffice handout tests share one conversion (one xdist group).
test: setup browser-deps engines
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

# The Word handouts laid out by LibreOffice, as PNG pages under review/handouts/ to look at.
handouts-preview: setup browser-deps
	$(BIN)/python -m generator.preview

# Scale benchmark (N = 1,000, 5,000, 20,000; about two and a half hours on two cores) and the search
# engine comparison. Figures are printed and saved under bench/results/.
bench: setup browser-deps
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.search_engines

clean:
	rm -rf site .site-build-* .cache/kb dist review .pytest_cache $(PD_VENV) $(ZS_VENV)
