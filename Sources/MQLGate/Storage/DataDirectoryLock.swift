import Foundation

/// Exclusive ownership of a data directory by one serving process.
///
/// The writer keeps lead states in memory on the premise that it is the
/// database's only writer; a second `mqlgate serve` on the same directory
/// would overwrite the first one's scores with its own stale copies. So the
/// serving store holds an `flock` on `mqlgate.lock` for its lifetime. The
/// kernel drops the lock when the process ends in any way, SIGKILL included,
/// so a restart after a crash never finds a stale lock. The file holds the
/// owner's pid, for the message a second process gets.
final class DataDirectoryLock {
    /// Why the directory could not be taken; the description is the whole message.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private var descriptor: Int32

    init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent("mqlgate.lock")
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var owner = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &owner, owner.count, 0)
            // Released here, and marked so: a throwing init still runs deinit,
            // and closing the number twice could close another thread's new descriptor.
            release()
            let pid = count > 0 ? String(decoding: owner[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
            if code == EWOULDBLOCK {
                throw Failure(description: "the data directory \(directory) is in use by another mqlgate process (pid \(pid)); each data directory serves one process")
            }
            throw Failure(description: "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
    }

    /// Gives the directory up; idempotent.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
