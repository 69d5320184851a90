// What the engine needs from the platform that Swift's Glibc module does not export:
// glibc's allocator tuning (mallopt) and the CPU's spin-wait hint.
#include <malloc.h>

/// Tells the CPU this thread is spin-waiting (x86 `pause`), so a sibling hyperthread runs faster.
static inline void lorakit_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
