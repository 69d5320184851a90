import Foundation
import Testing
@testable import Tensors

@Suite struct VectorMathTests {
    @Test func expIsWithinTwoULPsOfTheTrueValue() {
        var worst = 0.0
        var x: Float = -87
        while x < 88.3 {
            let lanes = VectorMath.exp(VectorMath.Lanes((0 ..< 16).map { x + Float($0) * 0.0037 }))
            for lane in 0 ..< 16 {
                let input = x + Float(lane) * 0.0037
                let truth = Foundation.exp(Double(input))
                worst = max(worst, abs(Double(lanes[lane]) - truth) / truth)
            }
            x += 0.2371
        }
        #expect(worst < 2.5e-7, "worst relative error \(worst)")
    }

    @Test func expClampsItsInputRange() {
        let x = VectorMath.Lanes([-.infinity, -100, -87.4, 0, 1, 88.7, 89, .infinity, -3.4e38, -1e-30, 1e-30, -0.0, 10, -10, 50, -50])
        let y = VectorMath.exp(x)
        #expect([0, 1, 2, 8].allSatisfy { y[$0] > 0 && y[$0] < 1.2e-38 }, "below the range: the smallest normal result")
        #expect(y[3] == 1 && abs(y[4] - 2.7182817) < 1e-6)
        #expect([5, 6, 7].allSatisfy { y[$0].isFinite && y[$0] > 2.3e38 }, "above the range: the largest result, finite")
        #expect(y[9] == 1 && y[10] == 1 && y[11] == 1)
    }

    @Test(arguments: [0, 5, 16, 37])
    func dotProductsCoverTails(count: Int) {
        let x: [Float] = (0 ..< count).map { Float($0) * 0.5 - 3 }, y: [Float] = (0 ..< count).map { Float($0 % 7) + 1 }
        let expected = zip(x, y).map { Double($0) * Double($1) }.reduce(0, +)
        #expect(abs(Double(VectorMath.dot(x, y, count)) - expected) < 1e-4)
    }

    @Test func shiftedSumsAndMaximaCoverTails() {
        let values: [Float] = (0 ..< 37).map { Float($0) * 0.25 - 4 }
        values.withUnsafeBufferPointer { x in
            var y = [Float](repeating: 0, count: 37)
            let sum = y.withUnsafeMutableBufferPointer { VectorMath.expShifted(x.baseAddress!, $0.baseAddress!, 37, shift: 1) }
            let expected = values.map { Foundation.exp(Double($0) - 1) }
            #expect(abs(Double(sum) - expected.reduce(0, +)) < 1e-4)
            #expect(zip(y, expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 * $1 })
            #expect(VectorMath.maximum(x.baseAddress!, 37) == 5)
        }
    }
}
