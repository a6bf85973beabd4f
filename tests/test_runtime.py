"""Tests of ``informer_sk.runtime``'s helpers that the forecaster's tests do not reach."""

from informer_sk.runtime import cpu_bf16_support


def test_cpu_bf16_support_reads_the_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("model name\t: X\nflags\t\t: fpu avx2 avx512_bf16 amx_tile\n")
    assert cpu_bf16_support(cpuinfo) == ["avx512_bf16"]
    cpuinfo.write_text("flags\t\t: fpu avx2\n")
    assert cpu_bf16_support(cpuinfo) == []
