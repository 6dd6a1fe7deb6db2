"""`python -m uomni_hf.training ...` (e.g. under `torchrun -m`): the `uomni-train` command."""

from .run import main


main()
