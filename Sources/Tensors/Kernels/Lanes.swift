/// An element-wise kernel of up to three inputs, sixteen lanes at a time, for `Kernels.lanes`. It is
/// a type rather than a closure so that each loop is specialised for it and its arithmetic inlined:
/// passed as closures, the functions stayed out-of-line calls per sixteen elements, half the time.
protocol LaneKernel {
    typealias Lanes = SIMD16<Float>
    static func apply(_ a: Lanes, _ b: Lanes, _ c: Lanes) -> Lanes
}

extension Kernels {
    /// `K` over one to three tensors with equal element counts (a missing input reads as the one before it),
    /// split across cores for large tensors; the result has the last input's shape.
    static func lanes<K: LaneKernel>(_: K.Type, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil) -> Tensor {
        let b = b ?? a, c = c ?? b
        precondition(a.count == b.count && b.count == c.count, "element-wise kernels need equal element counts")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeBufferPointer { pc in
                    Tensor.make(shape: c.shape) { out in
                        let (a, b, c, out, count) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, out.baseAddress!, pa.count)
                        Parallel.forEachChunk((count + 15) / 16, costPerItem: 16) { blocks in
                            for block in blocks {
                                let i = block * 16, n = Swift.min(16, count - i)
                                storeLanes(K.apply(loadLanes(a + i, n), loadLanes(b + i, n), loadLanes(c + i, n)), out + i, n)
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func loadLanes(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
        if count == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>()
        for i in 0 ..< count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func storeLanes(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self); return }
        for i in 0 ..< count { p[i] = v[i] }
    }
}
