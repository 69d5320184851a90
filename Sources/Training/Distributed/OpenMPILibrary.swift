import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Open MPI's `libmpi`, loaded when a job starts rather than linked: lorakit builds on a machine
/// without MPI and runs without `mpirun`, and only `mpirun -np N lorakit train` needs the library.
/// The functions are found with `dlsym` and called through their C signatures; the handles
/// (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`) are, in Open MPI's ABI, the addresses of its
/// predefined objects, also found with `dlsym`. MPICH's ABI (integer handles) is a different one;
/// a library without Open MPI's objects is refused with a message saying so.
final class OpenMPILibrary {
    typealias Handle = UnsafeMutableRawPointer
    typealias Request = UnsafeMutableRawPointer?

    let initialized: @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    let initialize: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
    let finalize: @convention(c) () -> Int32
    let commRank: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    let commSize: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    /// `MPI_Iallreduce(sendbuf, recvbuf, count, datatype, op, comm, request)`.
    let iallreduce: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle, UnsafeMutablePointer<Request>) -> Int32
    /// `MPI_Isend(buf, count, datatype, dest, tag, comm, request)`.
    let isend: @convention(c) (UnsafeRawPointer?, Int32, Handle, Int32, Int32, Handle, UnsafeMutablePointer<Request>) -> Int32
    /// `MPI_Irecv(buf, count, datatype, source, tag, comm, request)`.
    let irecv: @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Int32, Handle, UnsafeMutablePointer<Request>) -> Int32
    /// `MPI_Test(request, flag, status)`; the status is ignored (null).
    let test: @convention(c) (UnsafeMutablePointer<Request>, UnsafeMutablePointer<Int32>, UnsafeMutableRawPointer?) -> Int32
    let abort: @convention(c) (Handle, Int32) -> Int32
    let cancel: @convention(c) (UnsafeMutablePointer<Request>) -> Int32
    let requestFree: @convention(c) (UnsafeMutablePointer<Request>) -> Int32

    let commWorld: Handle, float: Handle, double: Handle, sum: Handle
    /// `MPI_IN_PLACE`, `(void *) 1` in Open MPI.
    let inPlace = UnsafeMutableRawPointer(bitPattern: 1)

    /// The library names tried in order; `LORAKIT_LIBMPI` names another.
    static let candidates = ["libmpi.so.40", "libmpi.so", "libmpi.dylib"]

    /// Loads Open MPI, or says what is missing and how to install it.
    init(environment: [String: String]) throws {
        let names = environment["LORAKIT_LIBMPI"].map { [$0] } ?? Self.candidates
        var handle: UnsafeMutableRawPointer?
        var reasons: [String] = []
        for name in names {
            // RTLD_GLOBAL: Open MPI's own plugins resolve libmpi's symbols through the global scope.
            handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
            if handle != nil { break }
            reasons.append(dlerror().map { String(cString: $0) } ?? name)
        }
        guard let handle else {
            throw DistributedError("lorakit runs under an MPI launcher but cannot load Open MPI's library (\(reasons.joined(separator: "; "))); install it (Debian: apt-get install openmpi-bin libopenmpi-dev) or name it with LORAKIT_LIBMPI=/path/to/libmpi.so")
        }
        func symbol<T>(_ name: String, as type: T.Type = T.self) throws -> T {
            guard let address = dlsym(handle, name) else {
                throw DistributedError("the MPI library lorakit loaded has no \(name); lorakit needs Open MPI (Debian: openmpi-bin libopenmpi-dev), or LORAKIT_LIBMPI naming Open MPI's libmpi.so")
            }
            return unsafeBitCast(address, to: type)
        }
        func object(_ name: String) throws -> Handle {
            guard let address = dlsym(handle, name) else {
                throw DistributedError("the MPI library lorakit loaded is not Open MPI (it has no \(name)); lorakit speaks Open MPI's ABI: install openmpi-bin libopenmpi-dev, or set LORAKIT_LIBMPI to Open MPI's libmpi.so")
            }
            return address
        }
        commWorld = try object("ompi_mpi_comm_world")
        float = try object("ompi_mpi_float")
        double = try object("ompi_mpi_double")
        sum = try object("ompi_mpi_op_sum")
        initialized = try symbol("MPI_Initialized")
        initialize = try symbol("MPI_Init")
        finalize = try symbol("MPI_Finalize")
        commRank = try symbol("MPI_Comm_rank")
        commSize = try symbol("MPI_Comm_size")
        iallreduce = try symbol("MPI_Iallreduce")
        isend = try symbol("MPI_Isend")
        irecv = try symbol("MPI_Irecv")
        test = try symbol("MPI_Test")
        abort = try symbol("MPI_Abort")
        cancel = try symbol("MPI_Cancel")
        requestFree = try symbol("MPI_Request_free")
    }
}
