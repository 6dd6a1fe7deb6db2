#!/usr/bin/env bash
# Builds KenLM's `lmplz` (n-gram estimation) and `build_binary` into .venv/bin for `uomni-build-lm`. PyPI has no
# binaries of them; the source is PyPI's kenlm sdist (its setup.py builds only the Python module, not these tools).
# Called by scripts/setup.sh; safe to run again (does nothing when both tools are there).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/lmplz ] && [ -x .venv/bin/build_binary ] && exit 0

packages=(cmake g++ make libboost-program-options-dev libboost-system-dev libboost-thread-dev libboost-test-dev
          zlib1g-dev libbz2-dev liblzma-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo ">> installing apt packages for KenLM: ${missing[*]}"
    bash scripts/apt_install.sh "${missing[@]}"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/pip --disable-pip-version-check -q download --no-deps --no-binary kenlm -d "$work" "kenlm==0.3.0"
tar -xzf "$work"/kenlm-0.3.0.tar.gz -C "$work"
echo ">> building KenLM lmplz and build_binary (a few minutes)"
if ! { cmake -S "$work/kenlm-0.3.0" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DKENLM_MAX_ORDER=6 &&
        make -C "$work/build" -j"$(nproc)" lmplz build_binary; } > "$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log"
    exit 1
fi
cp "$work/build/bin/lmplz" "$work/build/bin/build_binary" .venv/bin/
