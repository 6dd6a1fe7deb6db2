"""Train AuT-Tiny with CTC: the same program as the `uomni-train` console script (see `uomni_hf/training/`).

    python examples/train_ctc.py --data_dir corpus --output_dir out --do_train --do_eval --torch_compile ...
"""

from uomni_hf.training import main


if __name__ == "__main__":
    main()
