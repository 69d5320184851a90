import Foundation

/// Why a file could not be read or written, in words a user can act on: what every error message
/// about a user's file is built from, so none shows Foundation's "The operation could not be
/// completed" wording.
public enum FileProblem: Equatable, Sendable, CustomStringConvertible {
    case missing
    case isFolder
    case notAFolder
    case noReadPermission
    case noWritePermission
    case folderMissing
    case notUTF8
    case other(String)

    public var description: String {
        switch self {
        case .missing: "it does not exist"
        case .isFolder: "it is a folder, not a file"
        case .notAFolder: "a file is in the way where a folder should be"
        case .noReadPermission: "there is no permission to read it"
        case .noWritePermission: "there is no permission to write there"
        case .folderMissing: "the folder it goes in does not exist"
        case .notUTF8: "it is not UTF-8 text"
        case .other(let reason): reason
        }
    }

    /// Why reading `url` failed with `error`, from the file system's state and the error's POSIX code.
    public static func reading(_ url: URL, error: Error?) -> FileProblem {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return .missing }
        if isFolder.boolValue { return .isFolder }
        if !FileManager.default.isReadableFile(atPath: url.path) { return .noReadPermission }
        return error.map(posixReason) ?? .other("it could not be read")
    }

    /// Why writing `url` failed with `error`.
    public static func writing(_ url: URL, error: Error?) -> FileProblem {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue { return .isFolder }
        let parent = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isFolder) else { return .folderMissing }
        if !isFolder.boolValue { return .notAFolder }
        if !FileManager.default.isWritableFile(atPath: parent.path) { return .noWritePermission }
        return error.map(posixReason) ?? .other("it could not be written")
    }

    /// The POSIX reason under a Foundation error (`No space left on device`), or a plain fallback.
    private static func posixReason(_ error: Error) -> FileProblem {
        let nsError = error as NSError
        let posix = nsError.domain == NSPOSIXErrorDomain ? nsError : nsError.userInfo[NSUnderlyingErrorKey] as? NSError
        if let posix, posix.domain == NSPOSIXErrorDomain, let message = strerror(Int32(posix.code)) {
            return .other(String(cString: message).lowercased())
        }
        return .other("the system refused (\(nsError.domain) \(nsError.code))")
    }
}

/// A file that could not be read or written: which file, what its role is, and why.
public struct FileAccessError: Error, Equatable, CustomStringConvertible {
    /// What the file is to the user ("tokenizer file", "recipe").
    public var role: String
    public var path: String
    public var problem: FileProblem
    public var writing: Bool
    /// What to do about it, appended after a semicolon.
    public var advice: String?

    public init(role: String, path: String, problem: FileProblem, writing: Bool = false, advice: String? = nil) {
        self.role = role
        self.path = path
        self.problem = problem
        self.writing = writing
        self.advice = advice
    }

    public var description: String {
        "cannot \(writing ? "write" : "read") \(role) \(path): \(problem)" + (advice.map { "; \($0)" } ?? "")
    }
}

/// Reading and writing a user's files with `FileAccessError`s that say what went wrong.
public enum FileAccess {
    /// The bytes of `url`.
    public static func data(_ url: URL, role: String, advice: String? = nil) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw FileAccessError(role: role, path: url.path, problem: .reading(url, error: error), advice: advice)
        }
    }

    /// The UTF-8 text of `url`.
    public static func text(_ url: URL, role: String, advice: String? = nil) throws -> String {
        let bytes = try data(url, role: role, advice: advice)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw FileAccessError(role: role, path: url.path, problem: .notUTF8, advice: advice)
        }
        return text
    }

    /// The `FileAccessError` for a failed write of `url` with `error`.
    public static func writeError(_ url: URL, role: String, error: Error, advice: String? = nil) -> FileAccessError {
        FileAccessError(role: role, path: url.path, problem: .writing(url, error: error), writing: true, advice: advice)
    }
}
