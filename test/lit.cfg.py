# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "sepnn"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtext", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sepnn_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

# Tools: ours first, then LLVM's FileCheck and not.
tools_dirs = [
    os.path.join(config.sepnn_obj_root, "tools", name)
    for name in ("sepnn-opt", "sepnn-translate", "sepnn")
]
for d in tools_dirs + [config.llvm_tools_dir]:
    llvm_config.with_environment("PATH", d, append_path=True)
# Sanitizer builds (scripts/sanitize.sh) set their options for every process.
llvm_config.with_system_environment(
    ["HOME", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"])

# Under AddressSanitizer (scripts/sanitize.sh) the allocator keeps freed memory
# (quarantine, per-size caches, allocation stacks), so resident memory grows by
# design: the soak's flat-memory check belongs to the plain build; the sanitized
# run still checks outputs, bytes and, at exit, leaks.
if "-fsanitize=address" in config.sepnn_cxx_flags:
    config.available_features.add("asan")
    config.substitutions.append(("%soak_rss_growth_kb", "none"))
else:
    config.substitutions.append(("%soak_rss_growth_kb", "512"))

# Debian's PyTorch and onnx live in the system Python, not the pyenv one.
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%sepnn_src", config.sepnn_src_root))
config.substitutions.append(
    ("%sepnn_bin", os.path.join(config.sepnn_obj_root, "tools", "sepnn")))
config.substitutions.append(("%sepnn_rt_tests", config.sepnn_rt_tests))
config.substitutions.append(
    ("%sepnn_rt_profile",
     os.path.join(config.sepnn_obj_root, "runtime", "sepnn_rt_profile")))
config.substitutions.append(
    ("%e2e", os.path.join(config.sepnn_src_root, "test", "e2e")))
