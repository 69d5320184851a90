import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a launcher tells the ranks of a job to stop, and how long it leaves them.
///
/// Open MPI's `mpirun` keeps a Ctrl-C (SIGINT) to itself and then, in one blocking call, sends every
/// rank SIGCONT at once, SIGTERM `odls_base_sigkill_timeout` seconds later (1 by default) and
/// SIGKILL after as long again; its event loop sleeps meanwhile, so what the ranks print waits in
/// their terminal buffers until the end. SIGCONT is therefore the only early warning: every rank
/// takes it, like SIGTERM, SIGUSR1 (which `mpirun` forwards as it is) and SIGINT (which Slurm's
/// `srun` forwards), as the request to stop at the end of the step, and a second of these does not
/// end the rank (the SIGTERM that follows mpirun's SIGCONT is the same stop). A rank resumed by
/// hand after `kill -STOP` therefore stops too, with a checkpoint.
public enum LauncherStop {
    /// The signals that ask a rank to stop at the end of its step.
    public static let signals: [Int32] = [SIGCONT, SIGINT, SIGTERM, SIGUSR1]

    /// The seconds `mpirun` leaves the ranks between a Ctrl-C and SIGKILL, when Open MPI's `mpirun`
    /// started this process (it passes its `--mca` settings on as `OMPI_MCA_*`); nil under another launcher.
    public static func window(environment: [String: String]) -> Double? {
        guard environment["OMPI_COMM_WORLD_SIZE"] != nil else { return nil }
        let timeout = environment["OMPI_MCA_odls_base_sigkill_timeout"].flatMap(Double.init) ?? 1
        return 2 * timeout
    }

    /// A note for the start of the run when that window is short (under 20 s), saying how to widen it.
    public static func shortWindowNote(environment: [String: String]) -> String? {
        guard let window = window(environment: environment), window < 20 else { return nil }
        return "after a Ctrl-C, mpirun kills the ranks \(window == window.rounded() ? "\(Int(window))" : "\(window)") s later, "
            + "so a step that runs longer ends without a checkpoint; start mpirun with --mca odls_base_sigkill_timeout 60 "
            + "for 2 minutes, or stop with kill -USR1 <mpirun pid>, which has no limit"
    }
}
