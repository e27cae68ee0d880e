#ifndef MQLGATE_CSQLITE_WAL_BUFFER_H
#define MQLGATE_CSQLITE_WAL_BUFFER_H

#include <stdint.h>

// SQLite's default (unix) VFS, with the writes to write-ahead logs gathered
// into one system call per commit.
//
// Why: SQLite appends a commit to the WAL frame by frame, and each frame as
// two `pwrite` calls, its 24-byte header and then its page. A small commit
// of 16 pages is 32 system calls, each paying the kernel's entry, file
// locking and page-cache lookups; on single-event ingestion those calls were
// a fifth of the writer thread's time. This VFS keeps contiguous WAL writes
// in a buffer and hands them to the kernel in one write when the frame that
// ends a transaction is complete, which is before SQLite publishes the
// commit in the WAL index, so other connections never look for frames that
// are not in the file yet. Any other access to the WAL file (a read, a
// write elsewhere, a size query, truncation, sync, close) writes the buffer
// first, so the file's contents, in order, are what SQLite asked for.
// Durability does not change: the buffer is written before the commit
// returns, and only `fdatasync` makes anything durable, buffered or not.
// Files other than WAL files are the default VFS's own, untouched.

/// Registers the VFS as the default; call once, before the first
/// connection opens. Returns an SQLite result code.
int mqlgate_wal_buffer_install(void);

/// Writes SQLite asked for on WAL files, and the writes made to the files
/// for them (a write larger than the buffer goes through on its own).
typedef struct {
    uint64_t writes_requested;
    uint64_t writes_made;
} mqlgate_wal_buffer_statistics;

mqlgate_wal_buffer_statistics mqlgate_wal_buffer_stats(void);

#endif
