import CPlatform
import Foundation

/// How many threads the engine computes on: `LORAKIT_THREADS`, else `OMP_NUM_THREADS`, else the
/// cores this process may run on (its affinity mask) shared among the ranks of an MPI job on this
/// machine, so that `mpirun -np 2` on two cores gives each rank one thread instead of four threads
/// spinning on two cores. `mpirun --bind-to core` narrows the mask itself; oversubscribed or unbound
/// ranks see every core and divide them by the local rank count (`OMPI_COMM_WORLD_LOCAL_SIZE`,
/// `MPI_LOCALNRANKS`, `SLURM_NTASKS_PER_NODE`).
public enum ThreadBudget {
    /// The width for an environment and machine; at least 1.
    public static func width(environment: [String: String], onlineCores: Int, allowedCores: Int) -> Int {
        for key in ["LORAKIT_THREADS", "OMP_NUM_THREADS"] {
            // OMP_NUM_THREADS may be a list ("4,2") for nested levels: the first is the outer one.
            if let text = environment[key]?.split(separator: ",").first, let threads = Int(text.trimmingCharacters(in: .whitespaces)), threads > 0 {
                return threads
            }
        }
        let cores = max(1, allowedCores > 0 ? min(allowedCores, onlineCores) : onlineCores)
        let localRanks = ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"]
            .lazy.compactMap { environment[$0].flatMap { Int($0) } }.first { $0 > 0 } ?? 1
        // A rank bound to fewer cores than the machine has was given its share already.
        let shared = allowedCores > 0 && allowedCores < onlineCores ? 1 : localRanks
        return max(1, cores / shared)
    }

    /// The width for this process.
    static func current() -> Int {
        width(environment: ProcessInfo.processInfo.environment,
              onlineCores: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), allowedCores: Int(lorakit_allowed_cores()))
    }
}
