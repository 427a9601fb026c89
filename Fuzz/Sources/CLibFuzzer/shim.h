// libFuzzer's driver, from the toolchain's libclang_rt.fuzzer_no_main (linked by scripts/fuzz). The fuzz
// executables have their own `main` (Swift's), so they start libFuzzer through this instead of libFuzzer's main.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test_one_input)(const uint8_t *data, size_t size));
