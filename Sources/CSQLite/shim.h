#ifndef MQLGATE_CSQLITE_SHIM_H
#define MQLGATE_CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import.
static inline sqlite3_destructor_type mqlgate_sqlite_transient(void) { return SQLITE_TRANSIENT; }

// Process-wide settings, before the first connection opens: no memory
// statistics, whose global mutex every allocation would otherwise take.
// (sqlite3_config is variadic, which Swift cannot call.)
static inline int mqlgate_sqlite_configure(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

// Syncs a connection's main database file through SQLite's own file handle
// (opening and closing a second descriptor would drop SQLite's POSIX locks).
static inline int mqlgate_sqlite_sync_main(sqlite3 *db) {
    sqlite3_file *file = 0;
    int status = sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
    if (status != SQLITE_OK) return status;
    if (!file || !file->pMethods) return SQLITE_ERROR;
    return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

// Records the WAL's size in frames after every commit of a connection into
// *frames (the hook runs on the committing thread). Replaces SQLite's own
// auto-checkpoint hook, which mqlgate turns off anyway.
static int mqlgate_sqlite_wal_frames_hook(void *frames, sqlite3 *db, const char *name, int count) {
    (void)db; (void)name;
    *(int *)frames = count;
    return SQLITE_OK;
}
static inline void mqlgate_sqlite_record_wal_frames(sqlite3 *db, int *frames) {
    sqlite3_wal_hook(db, frames ? mqlgate_sqlite_wal_frames_hook : 0, frames);
}

#endif
