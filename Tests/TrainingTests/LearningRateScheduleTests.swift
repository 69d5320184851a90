import Testing
import Training

@Suite struct LearningRateScheduleTests {
    // Values of transformers' get_{constant,linear,cosine}_schedule_with_warmup lambdas,
    // computed by hand from their definitions.
    @Test func warmupRisesLinearlyFromZero() {
        let s = LearningRateSchedule(kind: .constant, warmupSteps: 10, totalSteps: 100)
        #expect(s.multiplier(atStep: 0) == 0)
        #expect(s.multiplier(atStep: 5) == 0.5)
        #expect(s.multiplier(atStep: 10) == 1)
        #expect(s.multiplier(atStep: 99) == 1)
    }

    @Test func linearDecaysToZeroAtTheEnd() {
        let s = LearningRateSchedule(kind: .linear, warmupSteps: 10, totalSteps: 110)
        #expect(s.multiplier(atStep: 60) == 0.5)
        #expect(s.multiplier(atStep: 110) == 0)
        #expect(s.multiplier(atStep: 200) == 0)
    }

    @Test func cosineIsHalfwayAtTheMidpoint() {
        let s = LearningRateSchedule(kind: .cosine, warmupSteps: 0, totalSteps: 100)
        #expect(s.multiplier(atStep: 0) == 1)
        #expect(abs(s.multiplier(atStep: 50) - 0.5) < 1e-12)
        #expect(abs(s.multiplier(atStep: 25) - (0.5 * (1 + 0.7071067811865476))) < 1e-12)
        #expect(s.multiplier(atStep: 100) < 1e-12)
    }
}
