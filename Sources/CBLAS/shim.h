#ifndef CLVBENCH_CBLAS_SHIM_H
#define CLVBENCH_CBLAS_SHIM_H
// Debian's OpenBLAS puts cblas.h under an include path that pkg-config `openblas` provides.
#include <cblas.h>
// Declared by OpenBLAS (openblas_config.h) but repeated here so the shim does not depend on which header declares them.
char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
#endif
