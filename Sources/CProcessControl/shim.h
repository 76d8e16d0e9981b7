#ifndef CLVBENCH_PROCESS_CONTROL_SHIM_H
#define CLVBENCH_PROCESS_CONTROL_SHIM_H
// prctl is variadic, so Swift cannot call it directly; this wrapper can be.
#ifdef __linux__
#include <sys/prctl.h>
static inline int clvbench_become_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
#else
static inline int clvbench_become_child_subreaper(void) { return -1; }
#endif
#endif
