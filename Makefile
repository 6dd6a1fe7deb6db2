# `make demo` runs the main job (the shipped model's four uses), `make test` the test suite; both set up .venv/ first (see scripts/setup.sh).
PY := .venv/bin/python
STAMP := .venv/.setup-done

.PHONY: setup demo pretrain-demo test clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

pretrain-demo: $(STAMP)
	$(PY) examples/pretrain_demo.py

test: $(STAMP)
	$(PY) -m pytest -q tests

clean:
	rm -rf .venv outputs .pytest_cache
