#ifndef CLVBENCH_ZLIB_SHIM_H
#define CLVBENCH_ZLIB_SHIM_H
#include <zlib.h>
// inflateInit2 is a macro; Swift cannot call it. 32 + MAX_WBITS accepts gzip and zlib headers.
static inline int clv_inflate_init_gzip(z_streamp strm) { return inflateInit2(strm, 32 + MAX_WBITS); }
#endif
