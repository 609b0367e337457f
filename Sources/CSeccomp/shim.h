#ifndef CSECCOMP_SHIM_H
#define CSECCOMP_SHIM_H
// seccomp_rule_add is variadic and SCMP_ACT_ERRNO a macro: Swift can call neither, so the
// three operations the self-sandbox needs are wrapped here.
#include <seccomp.h>
#include <stdint.h>
#include <sys/swap.h>

static inline scmp_filter_ctx cseccomp_allow_by_default(void) {
    return seccomp_init(SCMP_ACT_ALLOW);
}

/// A rule that makes `syscall_nr` fail with `err` whatever its arguments.
static inline int cseccomp_deny(scmp_filter_ctx ctx, int syscall_nr, int err) {
    return seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)err), syscall_nr, 0);
}

/// The filter applies to every thread of the process, not only the caller (SECCOMP_FILTER_FLAG_TSYNC).
static inline int cseccomp_all_threads(scmp_filter_ctx ctx) {
    return seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
}

/// The probe call (Glibc's Swift module does not carry <sys/swap.h>).
static inline int cseccomp_swapoff(const char *path) {
    return swapoff(path);
}
#endif
