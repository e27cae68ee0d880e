import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic wall clock, nanoseconds.
@inline(__always)
public func wallNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// CPU time of the whole process (all threads), nanoseconds.
public func processCPUNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// CPU time all processes on the machine spent busy (user, nice, system,
/// irq, softirq, steal), nanoseconds, from /proc/stat; nil where unreadable.
public func machineBusyNs() -> UInt64? {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
          let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
    else { return nil }
    let f = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
    guard f.count >= 8 else { return nil }
    let busyTicks = f[0] + f[1] + f[2] + f[5] + f[6] + f[7]
    let hz = UInt64(sysconf(Int32(_SC_CLK_TCK)))
    return busyTicks * (1_000_000_000 / hz)
}

/// Runs `body` and reports how busy OTHER processes kept the machine
/// meanwhile, in percent of all cores (0 = the machine was ours alone).
public func measuringOtherLoad<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let m0 = machineBusyNs(), c0 = processCPUNs(), w0 = wallNs()
    let result = try body()
    let m1 = machineBusyNs(), c1 = processCPUNs(), w1 = wallNs()
    guard let m0, let m1 else { return (result, .nan) }
    let cores = Double(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    let others = max(0, Double(m1 - m0) - Double(c1 - c0))
    return (result, 100 * others / (Double(w1 - w0) * cores))
}

/// Waits until other processes use less than `maxPercent` of the cores over
/// half a second, or `timeout` seconds have passed. Returns the last reading.
@discardableResult
public func waitForQuietMachine(maxPercent: Double, timeout: Double) -> Double {
    let deadline = wallNs() + UInt64(timeout * 1e9)
    while true {
        let (_, load) = measuringOtherLoad { usleep(500_000) }
        if !(load >= maxPercent) || wallNs() >= deadline { return load }
    }
}
