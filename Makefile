# `make demo` runs the main job, `make test` the test suite; both set up .venv/ first (see scripts/setup.sh).
PY := .venv/bin/python
STAMP := .venv/.setup-done

.PHONY: setup demo test clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest -q tests

clean:
	rm -rf .venv outputs .pytest_cache
