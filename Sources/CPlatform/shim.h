// What the engine needs from the platform that Swift's Glibc module does not export:
// glibc's allocator tuning (mallopt), the CPU's spin-wait hint, the cores this process may run on,
// and on x86-64 the cpuid and xgetbv instructions that tell which vector instructions the CPU and
// the operating system support.
#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#endif
#include <malloc.h>
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/// Tells the CPU this thread is spin-waiting (x86 `pause`), so a sibling hyperthread runs faster.
static inline void lorakit_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// The cores this process is allowed to run on (its affinity mask, which `mpirun --bind-to`,
/// `taskset` and cgroups narrow); 0 where the platform cannot tell.
static inline int lorakit_allowed_cores(void) {
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
#else
    return 0;
#endif
}

/// Runs `cpuid` for `leaf`/`subleaf` into `registers` (eax, ebx, ecx, edx); returns 0 where the leaf
/// is above the CPU's highest leaf, or on a CPU without cpuid (then the registers are zero).
static inline int lorakit_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]) {
    registers[0] = registers[1] = registers[2] = registers[3] = 0;
#if defined(__x86_64__) || defined(__i386__)
    if (__get_cpuid_max(leaf & 0x80000000u, 0) < leaf) return 0;
    __cpuid_count(leaf, subleaf, registers[0], registers[1], registers[2], registers[3]);
    return 1;
#else
    (void)leaf; (void)subleaf;
    return 0;
#endif
}

/// The extended control register XCR0 (which register states the operating system saves), read with
/// `xgetbv`; the caller checks the OSXSAVE bit of cpuid leaf 1 first. Zero off x86.
static inline uint64_t lorakit_xgetbv0(void) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t eax, edx;
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
#else
    return 0;
#endif
}
