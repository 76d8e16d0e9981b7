#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Lane-wise square root that compiles to one vector instruction per four lanes.
///
/// Swift's `SIMD.squareRoot()` goes lane by lane through `sqrtf` (which keeps `errno`), so a
/// vector loop around it runs at scalar speed. SSE's `sqrtps` is correctly rounded like
/// `sqrtss`, so the results are bit-identical to the scalar `Float.squareRoot()`. Always
/// inlined: as a call (what the optimiser chose across the module boundary) it cost AdamW's
/// element loop a call per eight lanes.
@inlinable @inline(__always)
public func laneSquareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
    #if arch(x86_64)
    return SIMD8(lowHalf: SIMD4<Float>(_mm_sqrt_ps(__m128(x.lowHalf))),
                 highHalf: SIMD4<Float>(_mm_sqrt_ps(__m128(x.highHalf))))
    #else
    return x.squareRoot()
    #endif
}
