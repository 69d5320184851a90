import Testing
import Training

/// Whether a process was started by an MPI launcher, read from its environment: a plain run never
/// loads MPI, and a bad timeout is refused with a message before MPI is touched.
@Suite struct LaunchEnvironmentTests {
    @Test func launchersAreRecognisedByTheirVariables() {
        #expect(Communicator.launchedSize(environment: [:]) == nil)
        #expect(Communicator.launchedSize(environment: ["OMPI_COMM_WORLD_SIZE": "4"]) == 4)
        #expect(Communicator.launchedSize(environment: ["PMI_SIZE": "8"]) == 8)
        #expect(Communicator.launchedSize(environment: ["PMIX_RANK": "0", "SLURM_NTASKS": "16"]) == 16)
        #expect(Communicator.launchedSize(environment: ["SLURM_NTASKS": "16"]) == nil)
    }

    @Test func aJobOfOneOrNoLauncherRunsAlone() throws {
        #expect(try Communicator.joinLaunchedJob(environment: [:]) == nil)
        #expect(try Communicator.joinLaunchedJob(environment: ["OMPI_COMM_WORLD_SIZE": "1"]) == nil)
    }

    @Test func aBadTimeoutIsRefusedWithTheVariableNamed() {
        for text in ["soon", "0", "-3"] {
            do {
                _ = try Communicator.joinLaunchedJob(environment: ["OMPI_COMM_WORLD_SIZE": "2", "LORAKIT_MPI_TIMEOUT": text])
                Issue.record("LORAKIT_MPI_TIMEOUT=\(text) was accepted")
            } catch let error as DistributedError {
                #expect(error.message.contains("LORAKIT_MPI_TIMEOUT=\(text)"))
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test func aMissingLibraryIsNamedWithHowToInstallIt() {
        do {
            _ = try Communicator.joinLaunchedJob(environment: ["OMPI_COMM_WORLD_SIZE": "2", "LORAKIT_LIBMPI": "/nonexistent/libmpi.so"])
            Issue.record("a missing libmpi was accepted")
        } catch let error as DistributedError {
            #expect(error.message.contains("apt-get install openmpi-bin libopenmpi-dev") && error.message.contains("LORAKIT_LIBMPI"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func mpirunsKillWindowIsTwiceItsSigkillTimeoutAndANoteSaysWhenItIsShort() {
        #expect(LauncherStop.window(environment: ["PMIX_RANK": "0", "SLURM_NTASKS": "2"]) == nil)
        #expect(LauncherStop.window(environment: ["OMPI_COMM_WORLD_SIZE": "2"]) == 2)
        #expect(LauncherStop.window(environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_MCA_odls_base_sigkill_timeout": "60"]) == 120)
        #expect(LauncherStop.shortWindowNote(environment: ["OMPI_COMM_WORLD_SIZE": "2"])?.contains("--mca odls_base_sigkill_timeout") == true)
        #expect(LauncherStop.shortWindowNote(environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_MCA_odls_base_sigkill_timeout": "60"]) == nil)
    }
}
