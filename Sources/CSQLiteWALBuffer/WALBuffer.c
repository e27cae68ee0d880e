#include "CSQLiteWALBuffer.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>

// Enough for the largest common commit (a batch of 1,000 events writes
// about 450 frames); a bigger one is written in several parts.
#define BUFFER_CAPACITY (4 * 1024 * 1024)
// The unix VFS writes at most 128 KiB - 1 bytes per call (it masks larger
// sizes, silently), so the buffer goes to it in parts no larger than this.
#define WRITE_LIMIT 0x1F000
// The WAL format's frame header: a write of this size is one.
#define FRAME_HEADER_SIZE 24

typedef struct {
    sqlite3_file base;
    sqlite3_file *real;
    unsigned char *buffer;
    sqlite3_int64 start;   // file offset of buffer[0]
    int used;
    int commit_pending;    // the last write was the header of a commit frame
} WALFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs buffered_vfs;
static sqlite3_io_methods wal_methods;
static _Atomic uint64_t writes_requested;
static _Atomic uint64_t writes_made;

static int write_through(WALFile *file, const void *data, int amount, sqlite3_int64 offset) {
    const unsigned char *bytes = data;
    for (int done = 0; done < amount;) {
        int part = amount - done < WRITE_LIMIT ? amount - done : WRITE_LIMIT;
        atomic_fetch_add_explicit(&writes_made, 1, memory_order_relaxed);
        int status = file->real->pMethods->xWrite(file->real, bytes + done, part, offset + done);
        if (status != SQLITE_OK) return status;
        done += part;
    }
    return SQLITE_OK;
}

static int flush(WALFile *file) {
    if (file->used == 0) return SQLITE_OK;
    int used = file->used;
    file->used = 0;
    return write_through(file, file->buffer, used, file->start);
}

static int wal_write(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset) {
    WALFile *file = (WALFile *)f;
    atomic_fetch_add_explicit(&writes_requested, 1, memory_order_relaxed);
    int ends_commit = file->commit_pending;
    file->commit_pending = 0;
    if (amount == FRAME_HEADER_SIZE) {
        const unsigned char *header = data;
        // Bytes 4-7: the database size in pages after a commit, zero in other frames.
        file->commit_pending = (header[4] | header[5] | header[6] | header[7]) != 0;
    }
    if (file->used > 0 && (offset != file->start + file->used || file->used + amount > BUFFER_CAPACITY)) {
        int status = flush(file);
        if (status != SQLITE_OK) return status;
    }
    if (amount > BUFFER_CAPACITY) return write_through(file, data, amount, offset);
    if (!file->buffer) {
        file->buffer = sqlite3_malloc(BUFFER_CAPACITY);
        if (!file->buffer) return write_through(file, data, amount, offset);
    }
    if (file->used == 0) file->start = offset;
    memcpy(file->buffer + file->used, data, (size_t)amount);
    file->used += amount;
    // The page of a commit frame completes the transaction in the file:
    // SQLite publishes it to other connections as soon as this returns.
    return ends_commit ? flush(file) : SQLITE_OK;
}

static int wal_close(sqlite3_file *f) {
    WALFile *file = (WALFile *)f;
    int status = flush(file);
    int closed = file->real->pMethods->xClose(file->real);
    sqlite3_free(file->buffer);
    file->buffer = 0;
    return status != SQLITE_OK ? status : closed;
}

static int wal_read(sqlite3_file *f, void *data, int amount, sqlite3_int64 offset) {
    WALFile *file = (WALFile *)f;
    int status = flush(file);
    return status != SQLITE_OK ? status : file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int wal_truncate(sqlite3_file *f, sqlite3_int64 size) {
    WALFile *file = (WALFile *)f;
    int status = flush(file);
    return status != SQLITE_OK ? status : file->real->pMethods->xTruncate(file->real, size);
}

static int wal_sync(sqlite3_file *f, int flags) {
    WALFile *file = (WALFile *)f;
    int status = flush(file);
    return status != SQLITE_OK ? status : file->real->pMethods->xSync(file->real, flags);
}

static int wal_file_size(sqlite3_file *f, sqlite3_int64 *size) {
    WALFile *file = (WALFile *)f;
    int status = flush(file);
    return status != SQLITE_OK ? status : file->real->pMethods->xFileSize(file->real, size);
}

static int wal_lock(sqlite3_file *f, int level) {
    WALFile *file = (WALFile *)f;
    return file->real->pMethods->xLock(file->real, level);
}

static int wal_unlock(sqlite3_file *f, int level) {
    WALFile *file = (WALFile *)f;
    return file->real->pMethods->xUnlock(file->real, level);
}

static int wal_check_reserved_lock(sqlite3_file *f, int *reserved) {
    WALFile *file = (WALFile *)f;
    return file->real->pMethods->xCheckReservedLock(file->real, reserved);
}

static int wal_file_control(sqlite3_file *f, int op, void *argument) {
    WALFile *file = (WALFile *)f;
    int status = flush(file);
    return status != SQLITE_OK ? status : file->real->pMethods->xFileControl(file->real, op, argument);
}

static int wal_sector_size(sqlite3_file *f) {
    WALFile *file = (WALFile *)f;
    return file->real->pMethods->xSectorSize(file->real);
}

static int wal_device_characteristics(sqlite3_file *f) {
    WALFile *file = (WALFile *)f;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int wal_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **memory) {
    WALFile *file = (WALFile *)f;
    if (file->real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, memory);
}

static int wal_shm_lock(sqlite3_file *f, int offset, int count, int flags) {
    WALFile *file = (WALFile *)f;
    if (file->real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
    return file->real->pMethods->xShmLock(file->real, offset, count, flags);
}

static void wal_shm_barrier(sqlite3_file *f) {
    WALFile *file = (WALFile *)f;
    if (file->real->pMethods->iVersion >= 2) file->real->pMethods->xShmBarrier(file->real);
}

static int wal_shm_unmap(sqlite3_file *f, int delete_flag) {
    WALFile *file = (WALFile *)f;
    if (file->real->pMethods->iVersion < 2) return SQLITE_OK;
    return file->real->pMethods->xShmUnmap(file->real, delete_flag);
}

static int wal_fetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **pointer) {
    WALFile *file = (WALFile *)f;
    int status = flush(file);
    if (status != SQLITE_OK) return status;
    if (file->real->pMethods->iVersion < 3) {
        *pointer = 0;  // no memory map: SQLite reads instead
        return SQLITE_OK;
    }
    return file->real->pMethods->xFetch(file->real, offset, amount, pointer);
}

static int wal_unfetch(sqlite3_file *f, sqlite3_int64 offset, void *pointer) {
    WALFile *file = (WALFile *)f;
    if (file->real->pMethods->iVersion < 3) return SQLITE_OK;
    return file->real->pMethods->xUnfetch(file->real, offset, pointer);
}

static int buffered_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags) {
    (void)vfs;
    if (!(flags & SQLITE_OPEN_WAL)) return real_vfs->xOpen(real_vfs, name, f, flags, out_flags);
    WALFile *file = (WALFile *)f;
    memset(file, 0, sizeof(WALFile));
    file->real = (sqlite3_file *)(file + 1);
    int status = real_vfs->xOpen(real_vfs, name, file->real, flags, out_flags);
    if (status != SQLITE_OK || !file->real->pMethods) {
        file->base.pMethods = 0;
        return status != SQLITE_OK ? status : SQLITE_CANTOPEN;
    }
    file->base.pMethods = &wal_methods;
    return SQLITE_OK;
}

int mqlgate_wal_buffer_install(void) {
    if (real_vfs) return SQLITE_OK;
    sqlite3_vfs *found = sqlite3_vfs_find(0);
    if (!found) return SQLITE_ERROR;
    real_vfs = found;
    // Every method but xOpen is the default VFS's own, called with this
    // struct, which carries the default's settings and app data.
    buffered_vfs = *found;
    buffered_vfs.pNext = 0;
    buffered_vfs.zName = "mqlgate-wal-buffer";
    buffered_vfs.szOsFile = found->szOsFile + (int)sizeof(WALFile);
    buffered_vfs.xOpen = buffered_open;
    wal_methods = (sqlite3_io_methods){
        .iVersion = 3,
        .xClose = wal_close,
        .xRead = wal_read,
        .xWrite = wal_write,
        .xTruncate = wal_truncate,
        .xSync = wal_sync,
        .xFileSize = wal_file_size,
        .xLock = wal_lock,
        .xUnlock = wal_unlock,
        .xCheckReservedLock = wal_check_reserved_lock,
        .xFileControl = wal_file_control,
        .xSectorSize = wal_sector_size,
        .xDeviceCharacteristics = wal_device_characteristics,
        .xShmMap = wal_shm_map,
        .xShmLock = wal_shm_lock,
        .xShmBarrier = wal_shm_barrier,
        .xShmUnmap = wal_shm_unmap,
        .xFetch = wal_fetch,
        .xUnfetch = wal_unfetch,
    };
    return sqlite3_vfs_register(&buffered_vfs, 1);
}

mqlgate_wal_buffer_statistics mqlgate_wal_buffer_stats(void) {
    return (mqlgate_wal_buffer_statistics){
        .writes_requested = atomic_load_explicit(&writes_requested, memory_order_relaxed),
        .writes_made = atomic_load_explicit(&writes_made, memory_order_relaxed),
    };
}
