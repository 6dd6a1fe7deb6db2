# Mixed precision for CPU training, sourced by train_aut_tiny_en.sh and ablate_distillation.sh. bf16 autocast pays
# only where the CPU has bf16 instructions (AMX or AVX-512 BF16: recent Xeons and EPYCs); a CPU with AVX2 alone
# emulates it: on such a 2-core EPYC a step of the shipped recipe took about 7 s in bf16 and 1.6 s in fp32
# (2026-12-07). BF16=true|false overrides the guess; CPUINFO names another flags file (tests).
if [ -z "${BF16:-}" ]; then
    if grep -qwE "amx_bf16|avx512_bf16" "${CPUINFO:-/proc/cpuinfo}" 2>/dev/null; then BF16=true; else BF16=false; fi
fi
