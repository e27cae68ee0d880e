import BenchCore
import Foundation
import GRDBStore
import RawStore

// Usage: SQLiteAccessBench [--runs N] [--seconds S] [--warmup S] [--producers N] [--dir PATH]
//                          [--quiet PERCENT] [--quick]
// Scenarios: 1. group commit with many producers, 2. bulk transactions,
// 3. CPU per statement with synchronous=OFF; then tables of medians.

struct Options {
    var runs = 3
    var seconds = 5.0
    var warmup = 1.0
    var producers = 64
    var leads = 5_000
    var failEvery = 100
    var bulkBatches = 40
    var bulkSize = 1_000
    var cpuInserts = 100_000
    var cpuJobs = 50_000
    var cpuJobBatch = 32
    var dir: String?
    /// Before each measurement, wait (up to 2 minutes) until other processes
    /// use less than this share of the cores; 0 = don't wait.
    var quietPercent = 0.0

    init(_ args: [String]) {
        var it = args.makeIterator()
        while let arg = it.next() {
            func value() -> String {
                guard let v = it.next() else { fatalError("missing value after \(arg)") }
                return v
            }
            switch arg {
            case "--runs": runs = Int(value())!
            case "--seconds": seconds = Double(value())!
            case "--warmup": warmup = Double(value())!
            case "--producers": producers = Int(value())!
            case "--dir": dir = value()
            case "--quiet": quietPercent = Double(value())!
            case "--quick":
                runs = 1; seconds = 1; warmup = 0.3; bulkBatches = 5; cpuInserts = 10_000; cpuJobs = 5_000
            default: fatalError("unknown argument \(arg)")
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
/// Prints a progress line at once, even through a pipe.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

let baseDir = URL(fileURLWithPath: options.dir ?? FileManager.default.temporaryDirectory.path)
    .appendingPathComponent("sqlite-access-\(getpid())")
try FileManager.default.createDirectory(at: baseDir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: baseDir) }

struct Variant {
    let key: String
    let label: String
    let open: StoreFactory
}
let raw = Variant(key: "raw", label: "raw libsqlite3") { try RawStore(path: $0, synchronous: $1) }
let grdb = Variant(key: "grdb", label: "GRDB 7.10.0") { try GRDBStore(path: $0, synchronous: $1) }
let grdbExec = Variant(key: "grdb-exec", label: "GRDB execute(sql:)") {
    try GRDBStore(path: $0, synchronous: $1, mode: .executeSQL)
}

let grdbTuned = Variant(key: "grdb-sp", label: "GRDB, cached SAVEPOINT") {
    try GRDBStore(path: $0, synchronous: $1, mode: .cachedStatementsAndSavepoints)
}

let cpuVariants = [raw, grdb, grdbTuned, grdbExec]

var fileCounter = 0
/// A new database file for each measurement.
@MainActor func withStore<T>(_ variant: Variant, _ synchronous: String, _ body: (any Store) throws -> T) throws -> T {
    fileCounter += 1
    let path = baseDir.appendingPathComponent("\(variant.key)-\(fileCounter).sqlite").path
    if options.quietPercent > 0 { waitForQuietMachine(maxPercent: options.quietPercent, timeout: 120) }
    let store = try variant.open(path, synchronous)
    defer {
        store.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    return try body(store)
}

var samples: [String: [Double]] = [:]  // "variant/metric" -> one value per run
@MainActor func record(_ variant: Variant, _ metric: String, _ value: Double) {
    samples["\(variant.key)/\(metric)", default: []].append(value)
}
@MainActor func median(_ key: String) -> Double? {
    guard let values = samples[key]?.sorted(), !values.isEmpty else { return nil }
    let n = values.count
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
}

let grdbVersion = try withStore(grdb, "FULL") { try ($0 as! GRDBStore).sqliteVersion() }
print("SQLite: libsqlite3 \(RawStore.libraryVersion) (raw), \(grdbVersion) (through GRDB)")
print("cores: \(ProcessInfo.processInfo.activeProcessorCount), database directory: \(baseDir.path)")
print("""
    runs: \(options.runs); group commit: \(options.producers) producers, \(options.warmup) s warm-up + \
    \(options.seconds) s, \(options.leads) leads, 1 job in \(options.failEvery) fails on purpose; \
    bulk: \(options.bulkBatches) x \(options.bulkSize) events; CPU: \(options.cpuInserts) inserts, \
    \(options.cpuJobs) jobs in batches of \(options.cpuJobBatch)\
    \(options.quietPercent > 0 ? "; each measurement waits for other load < \(options.quietPercent)%" : "")
    """)

var allConsistent = true
for run in 1...options.runs {
    // Alternate which variant goes first, so drift on the disk or load hits both alike.
    let pair = run % 2 == 1 ? [raw, grdb] : [grdb, raw]

    for v in pair {
        let (r, others) = try measuringOtherLoad {
            try withStore(v, "FULL") { store in
                try runGroupCommit(
                    store: store, producers: options.producers, warmup: options.warmup, seconds: options.seconds,
                    leadCount: options.leads, failEvery: options.failEvery, runTag: run)
            }
        }
        allConsistent = allConsistent && r.consistent
        record(v, "jobs/s", r.jobsPerSecond)
        record(v, "batch", r.meanBatch)
        record(v, "txms", r.meanTransactionMs)
        record(v, "commitms", r.meanCommitMs)
        record(v, "busy", r.writerBusy * 100)
        record(v, "p50", r.p50Ms)
        record(v, "p99", r.p99Ms)
        record(v, "others1", others)
        say(String(
            format: "run %d %-14@ group commit: %6.0f jobs/s  batch %4.1f  tx %5.2f ms (commit %5.2f)  writer busy %3.0f%%  p50 %6.2f ms  p99 %6.2f ms  failed %d/%d  other load %2.0f%%  check %@",
            run, v.label as NSString, r.jobsPerSecond, r.meanBatch, r.meanTransactionMs, r.meanCommitMs,
            r.writerBusy * 100, r.p50Ms, r.p99Ms, r.failedInWindow, r.jobsInWindow, others,
            (r.consistent ? "ok" : "MISMATCH events=\(r.eventsInDatabase) committed=\(r.committedJobs)") as NSString))
    }

    for v in pair {
        let (r, others) = try measuringOtherLoad {
            try withStore(v, "FULL") { store in
                try runBulk(store: store, batches: options.bulkBatches, perBatch: options.bulkSize, runTag: run)
            }
        }
        allConsistent = allConsistent && r.consistent
        record(v, "bulk", r.eventsPerSecond)
        record(v, "bulkms", r.medianBatchMs)
        record(v, "others2", others)
        say(String(
            format: "run %d %-14@ bulk: %7.0f events/s  %6.2f ms per %d-event transaction  other load %2.0f%%  check %@",
            run, v.label as NSString, r.eventsPerSecond, r.medianBatchMs, options.bulkSize, others,
            (r.consistent ? "ok" : "MISMATCH") as NSString))
    }

    for v in (run % 2 == 1 ? cpuVariants : cpuVariants.reversed()) {
        let (r, others) = try measuringOtherLoad {
            try withStore(v, "OFF") { store in
                try runCPU(
                    store: store, inserts: options.cpuInserts, perTransaction: 1_000, jobs: options.cpuJobs,
                    jobBatch: options.cpuJobBatch, leadCount: options.leads, runTag: run)
            }
        }
        record(v, "cpuins", r.cpuUsPerInsert)
        record(v, "wallins", r.wallUsPerInsert)
        record(v, "cpujob", r.cpuUsPerJob)
        record(v, "walljob", r.wallUsPerJob)
        record(v, "others3", others)
        say(String(
            format: "run %d %-21@ synchronous=OFF: insert %5.2f µs CPU (%5.2f wall); job %5.2f µs CPU (%5.2f wall)  other load %2.0f%%",
            run, v.label as NSString, r.cpuUsPerInsert, r.wallUsPerInsert, r.cpuUsPerJob, r.wallUsPerJob, others))
    }
}

// MARK: - Tables of medians

@MainActor func cell(_ key: String, _ format: String) -> String {
    median(key).map { String(format: format, $0) } ?? "-"
}
/// Median over runs of (variant / raw) within the same run.
@MainActor func ratio(_ metric: String, _ variant: Variant = grdb) -> String {
    guard let a = samples["raw/\(metric)"], let b = samples["\(variant.key)/\(metric)"], a.count == b.count,
          !a.isEmpty
    else { return "-" }
    let r = zip(a, b).map { $1 / $0 }.sorted()
    let n = r.count
    return String(format: "%.2f", n % 2 == 1 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2)
}
let cores = ProcessInfo.processInfo.activeProcessorCount
print("")
print("Medians of \(options.runs) runs, release build, \(cores) cores, SQLite \(RawStore.libraryVersion), WAL:")
print("")
print("| measurement (synchronous=FULL) | raw libsqlite3 | GRDB 7.10.0 | GRDB / raw, same run |")
print("| --- | ---: | ---: | ---: |")
let rows: [(String, String, String)] = [
    ("1. group commit, \(options.producers) producers: jobs/s", "jobs/s", "%.0f"),
    ("1. mean batch (jobs per transaction)", "batch", "%.1f"),
    ("1. transaction, BEGIN to COMMIT done (ms)", "txms", "%.2f"),
    ("1. of which COMMIT: WAL write + fsync (ms)", "commitms", "%.2f"),
    ("1. writer thread inside transactions (% of time)", "busy", "%.0f"),
    ("1. job latency p50, submit to ack (ms)", "p50", "%.2f"),
    ("1. job latency p99, submit to ack (ms)", "p99", "%.2f"),
    ("1. other processes' load during the run (% of cores)", "others1", "%.0f"),
    ("2. bulk, \(options.bulkSize) events per transaction: events/s", "bulk", "%.0f"),
    ("2. bulk: ms per transaction", "bulkms", "%.2f"),
    ("2. other processes' load during the run (% of cores)", "others2", "%.0f"),
]
for (label, metric, format) in rows {
    let r = metric.hasPrefix("others") ? "" : ratio(metric)
    print("| \(label) | \(cell("raw/\(metric)", format)) | \(cell("grdb/\(metric)", format)) | \(r) |")
}
print("")
print("| 3. synchronous=OFF | µs CPU per event INSERT | µs CPU per job | job / raw, same run | wall µs per INSERT | wall µs per job | other load |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for v in cpuVariants {
    print("| \(v.label) | \(cell("\(v.key)/cpuins", "%.2f")) | \(cell("\(v.key)/cpujob", "%.2f")) | \(ratio("cpujob", v)) | \(cell("\(v.key)/wallins", "%.2f")) | \(cell("\(v.key)/walljob", "%.2f")) | \(cell("\(v.key)/others3", "%.0f"))% |")
}
print("")
print("job = look up lead by email, insert it if absent, insert 1 event, update score + 200-byte state, inside its own savepoint")
print(allConsistent
    ? "checks: ok, every database held exactly the committed jobs' events and scores"
    : "checks: MISMATCH, see the lines above")
if !allConsistent { exit(1) }
