"""`python -m uomni_hf.corpus ...`: the `uomni-make-corpus` command.

Runs `build.main` from the package, which has already imported `build`: `python -m uomni_hf.corpus.build` would run
that module a second time as `__main__` (runpy warns about it, and its names would exist twice).
"""

from .build import main


main()
