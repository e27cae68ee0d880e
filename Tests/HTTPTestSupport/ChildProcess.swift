import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, not Foundation's `Process`:
/// on this toolchain `Process.run()` now and then crashes while it lists
/// `/proc/self/fd` (it copies a whole 256-byte `d_name` out of a shorter
/// `dirent`, reading past glibc's buffer; swift-corelibs-foundation #5472),
/// and the suites start child processes in parallel.
public final class ChildProcess: @unchecked Sendable {
    /// What the child's standard stream is connected to.
    public enum Stream { case null, pipe }

    /// How the child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    public let pid: pid_t
    /// The parent's ends of the streams spawned as `.pipe`.
    public let standardInput: FileHandle?
    public let standardOutput: FileHandle?
    public let standardError: FileHandle?
    private let lock = NSLock()
    private var ended: Termination?

    public init(_ executable: String, _ arguments: [String], stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var childEnds: [Int32] = []
        var parentEnds: [Int32?] = []
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0)
                parentEnds.append(nil)
            case .pipe:
                var ends: [Int32] = [0, 0]
                // No O_CLOEXEC needed: every child spawned here closes all but its three streams.
                guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
                // The child reads its stdin and writes the others.
                let (child, parent) = target == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                posix_spawn_file_actions_adddup2(&actions, child, target)
                childEnds.append(child)
                parentEnds.append(parent)
            }
        }
        // Nothing else of this process (test servers' sockets, say) may live on in the child.
        guard let closeFrom = Self.addCloseFrom else { throw POSIXError(.ENOSYS) }
        _ = closeFrom(&actions, 3)
        var pid = pid_t()
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        childEnds.forEach { close($0) }
        guard status == 0 else {
            parentEnds.compactMap { $0 }.forEach { close($0) }
            throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO)
        }
        self.pid = pid
        standardInput = parentEnds[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardOutput = parentEnds[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardError = parentEnds[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// glibc has `posix_spawn_file_actions_addclosefrom_np` (2.34 and later),
    /// but the Swift Glibc module does not export it.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    public func signal(_ number: Int32) { _ = kill(pid, number) }

    /// Waits for the child to end (once; later calls return the same).
    @discardableResult
    public func wait() -> Termination {
        lock.lock()
        defer { lock.unlock() }
        if let ended { return ended }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let outcome: Termination = status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
        ended = outcome
        return outcome
    }
}
