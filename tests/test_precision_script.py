"""scripts/precision.sh: the training scripts ask for bf16 only where the CPU has bf16 instructions."""

import subprocess
from pathlib import Path

import pytest


SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "precision.sh"


def bf16_choice(tmp_path: Path, flags: str, preset: str | None = None) -> str:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    env = {"PATH": "/usr/bin:/bin", "CPUINFO": str(cpuinfo)} | ({"BF16": preset} if preset else {})
    command = f'set -euo pipefail; source "{SCRIPT}"; echo "$BF16"'
    return subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.parametrize(
    "flags, expected",
    [
        ("fpu sse2 avx avx2 fma f16c", "false"),  # an AVX2-only EPYC: bf16 would be emulated
        ("avx2 avx512f avx512_bf16 avx512_vnni", "true"),
        ("avx2 avx512f amx_bf16 amx_tile amx_int8", "true"),
        ("avx2 avx512f avx512_bf16x", "false"),  # a whole flag, not a prefix
    ],
)
def test_bf16_follows_the_cpu_flags(tmp_path, flags, expected):
    assert bf16_choice(tmp_path, flags) == expected


def test_a_preset_bf16_wins_over_the_guess(tmp_path):
    assert bf16_choice(tmp_path, "avx2", preset="true") == "true"
    assert bf16_choice(tmp_path, "amx_bf16", preset="false") == "false"
