import Tensors
import Testing

/// How many threads the engine takes: what the user says, else its share of the cores it may use.
@Suite struct ThreadBudgetTests {
    @Test func lorakitThreadsThenOmpNumThreadsWin() {
        #expect(ThreadBudget.width(environment: ["LORAKIT_THREADS": "3", "OMP_NUM_THREADS": "5"], onlineCores: 8, allowedCores: 8) == 3)
        #expect(ThreadBudget.width(environment: ["OMP_NUM_THREADS": "5,2"], onlineCores: 8, allowedCores: 8) == 5)
        #expect(ThreadBudget.width(environment: ["LORAKIT_THREADS": "zero", "OMP_NUM_THREADS": "0"], onlineCores: 8, allowedCores: 8) == 8)
    }

    @Test func ranksOnOneMachineShareItsCores() {
        #expect(ThreadBudget.width(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], onlineCores: 2, allowedCores: 2) == 1)
        #expect(ThreadBudget.width(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "4"], onlineCores: 2, allowedCores: 2) == 1)
        #expect(ThreadBudget.width(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], onlineCores: 16, allowedCores: 16) == 8)
    }

    @Test func aBoundRankUsesTheCoresItIsBoundTo() {
        #expect(ThreadBudget.width(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "4"], onlineCores: 16, allowedCores: 4) == 4)
        #expect(ThreadBudget.width(environment: [:], onlineCores: 16, allowedCores: 0) == 16)
    }
}
