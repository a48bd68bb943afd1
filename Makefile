# One entry point for readers and CI. Every target creates .venv from the hashed lock if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
MATHJAX := _assets/mathjax/startup.js
MATHJAX_VERSION := 3.2.2
# The MathJax components a page loads (_config.yml's mathjax3_config lists them; startup.js, the loader,
# is the stamp and is copied last): TeX input with the two extensions the book uses (ams, boldsymbol),
# HTML-CSS output and its font data, the hidden MathML for screen readers. 0.75 MB instead of the
# 1.33 MB of tex-chtml-full.js (every extension and the context menu).
MATHJAX_COMPONENTS := core.js input/tex-base.js input/tex/extensions/ams.js input/tex/extensions/boldsymbol.js \
	output/chtml.js output/chtml/fonts/tex.js a11y/assistive-mml.js
JB_FLAGS ?= -W -n --keep-going

.PHONY: env lock data mathjax book book-fresh test test-fast lint format theory-check site-check run notebooks clean

# uv installs the lock's files (hash-checked) from the indexes pip is configured with; pip if uv fails.
env: $(STAMP)  ## .venv with every profile, from the hashed lock requirements.txt
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) .ci/install.py $(VENV) requirements.txt --editable
	rm -f $(VENV)/.installed-* && touch $@

# The locks: one universal resolution (Linux, macOS, Windows; CUDA wheels carry Linux-only markers)
# with the hash of every file. requirements.txt holds every profile, requirements-run.txt the theory
# and run profiles (no torch), constrained to the same versions. uv resolves from metadata only and
# keeps the versions already in the files; pass LOCK_FLAGS=--upgrade to move them (on machines whose
# pip is capped at torch 2.14.1, add --upgrade-package for the packages you mean instead).
LOCK_PYTHON := 3.11
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version $(LOCK_PYTHON) --generate-hashes \
	--custom-compile-command "make lock" --quiet $(LOCK_FLAGS)
lock:  ## regenerate requirements.txt and requirements-run.txt from pyproject.toml's profiles
	test -x $(BIN)/uv || $(MAKE) env
	$(UV_COMPILE) --all-extras -o requirements.txt
	$(UV_COMPILE) --extra run -c requirements.txt -o requirements-run.txt

data: env  ## fetch and verify MNIST into data/
	$(BIN)/python -m je_vs_rc.data mnist

# The HTML-CSS output (and the few web fonts a page uses) rather than SVG: the fonts go where MathJax
# looks for them, beside its components.
$(MATHJAX):  ## MathJax 3 from the npm registry, served locally so math renders offline
	mkdir -p _assets/mathjax/output/chtml/fonts && tmp=$$(mktemp -d) && \
	  (cd $$tmp && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null && tar xzf mathjax-$(MATHJAX_VERSION).tgz) && \
	  rm -rf _assets/mathjax/output/chtml/fonts/woff-v2 && \
	  cp -r $$tmp/package/es5/output/chtml/fonts/woff-v2 _assets/mathjax/output/chtml/fonts/ && \
	  for f in $(MATHJAX_COMPONENTS); do mkdir -p _assets/mathjax/$$(dirname $$f) && \
	    cp $$tmp/package/es5/$$f _assets/mathjax/$$f || exit 1; done && \
	  cp $$tmp/package/es5/startup.js $@.tmp && mv $@.tmp $@ && rm -rf $$tmp
mathjax: $(MATHJAX)

book: env data mathjax  ## build the whole book, executing every chapter (cached)
	$(BIN)/jupyter-book build . $(JB_FLAGS)

book-fresh:  ## rebuild from scratch: re-executes every chapter (use after editing src/)
	rm -rf _build
	$(MAKE) book

# hydra-core's and anyio's pytest plugins (installed with the deep profile) serve no test: not loading them
# spares about 0.8 s of CPU in each pytest process (here three: the controller and two workers).
test: env data  ## the full test suite (what CI runs), on every core (pytest-xdist)
	$(BIN)/python -m pytest -n auto --dist worksteal -p no:hydra_pytest -p no:anyio

site-check: env  ## open every page of _build/html in headless Chromium (needs `make book` first)
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium) || \
	  (echo "site-check needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)" && exit 1)
	$(PYTHON) .ci/install.py $(VENV) requirements-browser.txt
	$(BIN)/python .ci/browser_check.py

test-fast: env
	$(BIN)/python -m pytest -m "not slow and not data and not network"

lint: env  ## what CI checks: ruff's lint rules and formatting (configured in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: env  ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# THEORY_NICE: how much nicer the chapters run than the install (.ci/run: they take what the rest leaves).
THEORY_NICE ?= 0
theory-check:  ## a fresh venv with only the theory + run profiles runs every chapter but 08, 12 and 13
	$(PYTHON) .ci/theory_only.py --chapters-nice $(THEORY_NICE)

run: env data  ## make run CHAPTER=04_reconstruction PARAMS="-p ns '[100, 1000]'"
	$(BIN)/python -m je_vs_rc.run $(CHAPTER) $(PARAMS)

notebooks: env  ## write executable .ipynb copies of every chapter to _build/notebooks/
	$(BIN)/python -m je_vs_rc.run --export _build/notebooks

clean:
	rm -rf _build runs
