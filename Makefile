# Two commands on a fresh machine:  `make run` (install + start the chat)  `make test` (install + tests)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: install install-dev run test test-deps eval clean-index

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# CPU torch first and pinned: otherwise sentence-transformers pulls a multi-GB CUDA build.
	$(PIP) install torch==2.13.0
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Builds the index of kb/ on first start (with a progress bar), then serves http://127.0.0.1:7860
run: install
	$(VENV)/bin/kb serve

# Chinese font for the PDF loader tests (fpdf2 needs one to write Chinese); root machines only.
test-deps:
	@fc-list :lang=zh 2>/dev/null | grep -q . || ls /usr/share/fonts/truetype/wqy/wqy-microhei.ttc >/dev/null 2>&1 \
	  || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null) \
	  || echo "warning: fonts-wqy-microhei not installed; two PDF tests will be skipped"; }

test: install-dev test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Figures in the README: the sample report's gold set and the three dev sets in ../shared/eval-data,
# product vs. baselines (indexes cached under .cache/eval; the first run of a set embeds its corpus).
eval: install
	$(VENV)/bin/kb eval --qa eval/gold/qijiang-2021.jsonl --kb-dir kb --out eval-out/qijiang-2021
	for s in rgb_zh rgb_zh_int cmrc2018; do \
	  $(VENV)/bin/kb eval --qa ../shared/eval-data/$$s/qa_dev.jsonl \
	    --corpus ../shared/eval-data/$$s/corpus.jsonl --out eval-out/$$s || exit 1; done

clean-index:
	rm -rf .kb_index
