# One entry point for readers and CI. Every target creates .venv from the pinned files if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
MATHJAX := _assets/mathjax/tex-svg-full.js
MATHJAX_VERSION := 3.2.2
JB_FLAGS ?= -W -n --keep-going

.PHONY: env data mathjax book book-fresh test test-fast site-check run notebooks clean

env: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

data: env  ## fetch and verify MNIST into data/
	$(BIN)/python -m je_vs_rc.data mnist

$(MATHJAX):  ## MathJax 3 from the npm registry, served locally so math renders offline
	mkdir -p _assets/mathjax && tmp=$$(mktemp -d) && \
	  (cd $$tmp && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null && tar xzf mathjax-$(MATHJAX_VERSION).tgz) && \
	  cp $$tmp/package/es5/tex-svg-full.js $@.tmp && mv $@.tmp $@ && rm -rf $$tmp
mathjax: $(MATHJAX)

book: env data mathjax  ## build the whole book, executing every chapter (cached)
	$(BIN)/jupyter-book build . $(JB_FLAGS)

book-fresh:  ## rebuild from scratch: re-executes every chapter (use after editing src/)
	rm -rf _build
	$(MAKE) book

test: env data  ## the full test suite (what CI runs)
	$(BIN)/python -m pytest

site-check: env  ## open every page of _build/html in headless Chromium (needs `make book` first)
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium) || \
	  (echo "site-check needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)" && exit 1)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	$(BIN)/python .ci/browser_check.py

test-fast: env
	$(BIN)/python -m pytest -m "not slow and not data"

run: env data  ## make run CHAPTER=04_reconstruction PARAMS="-p ns '[100, 1000]'"
	$(BIN)/python -m je_vs_rc.run $(CHAPTER) $(PARAMS)

notebooks: env  ## write executable .ipynb copies of every chapter to _build/notebooks/
	$(BIN)/python -m je_vs_rc.run --export _build/notebooks

clean:
	rm -rf _build runs
