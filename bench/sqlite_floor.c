// The least a durable batched event costs SQLite on this machine, with
// nothing of mqlgate around it: no HTTP, JSON, scoring or Swift, one
// prepared INSERT in C. Commits of 1,000 events over 100 leads (the shape of
// bench/wrk/batch.lua), ids "run-<counter>", 150-byte bodies, WAL with
// synchronous=FULL (the commit syncs, as mqlgate's do before answering),
// a 64 MiB page cache. Three schemas:
//   0  events as mqlgate stores them: UNIQUE event_id and the per-lead
//      index (lead_key, occurred_at DESC, seq DESC)
//   1  without the per-lead index
//   2  without either secondary index (no dedupe: not a usable schema)
// It prints microseconds per event, split into the INSERTs and the COMMIT
// (WAL writes and fsync), for each tenth of the run: the cost grows with
// the tables.
//
//   cc -O2 -o /tmp/sqlite_floor bench/sqlite_floor.c -lsqlite3
//   /tmp/sqlite_floor SCHEMA [COMMITS]      default 1,000 commits
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void run(sqlite3 *db, const char *sql) {
    char *error = 0;
    if (sqlite3_exec(db, sql, 0, 0, &error) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, error);
        exit(1);
    }
}

int main(int argc, char **argv) {
    int schema = argc > 1 ? atoi(argv[1]) : 0;
    int commits = argc > 2 ? atoi(argv[2]) : 1000;
    char path[] = "/tmp/sqlite_floor_XXXXXX";
    if (!mkdtemp(path)) return 1;
    char file[64];
    snprintf(file, sizeof file, "%s/floor.sqlite3", path);
    sqlite3 *db;
    if (sqlite3_open(file, &db) != SQLITE_OK) return 1;
    run(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;"
            "PRAGMA journal_size_limit = 67108864");
    run(db, "CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, lead_key INTEGER NOT NULL,"
            " type TEXT, occurred_at INTEGER, received_at INTEGER, body BLOB)");
    if (schema <= 1) run(db, "CREATE UNIQUE INDEX events_id ON events(event_id)");
    if (schema == 0) run(db, "CREATE INDEX events_lead ON events(lead_key, occurred_at DESC, seq DESC)");
    sqlite3_stmt *insert;
    sqlite3_prepare_v3(db,
        "INSERT INTO events (seq, event_id, lead_key, type, occurred_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING", -1, SQLITE_PREPARE_PERSISTENT, &insert, 0);
    unsigned char body[150];
    memset(body, 'x', sizeof body);
    long long seq = 0, occurred = 1764720000000LL;
    double insert_us = 0, commit_us = 0;
    int per_report = commits / 10 > 0 ? commits / 10 : 1;
    printf("schema %d, %d commits of 1,000 events over 100 leads\n", schema, commits);
    printf("%10s %12s %12s %12s %10s\n", "events", "insert µs", "commit µs", "total µs", "events/s");
    for (int commit = 1; commit <= commits; commit++) {
        double started = now_us();
        run(db, "BEGIN IMMEDIATE");
        for (int i = 0; i < 1000; i++) {
            char id[32];
            seq++;
            int length = snprintf(id, sizeof id, "run-%lld", seq);
            sqlite3_bind_int64(insert, 1, seq);
            sqlite3_bind_text(insert, 2, id, length, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 3, 1 + (i % 100));
            sqlite3_bind_text(insert, 4, "page_view", 9, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 5, occurred + seq);
            sqlite3_bind_int64(insert, 6, occurred + seq);
            sqlite3_bind_blob(insert, 7, body, sizeof body, SQLITE_STATIC);
            if (sqlite3_step(insert) != SQLITE_DONE) {
                fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
                return 1;
            }
            sqlite3_reset(insert);
        }
        double inserted = now_us();
        run(db, "COMMIT");
        double committed = now_us();
        insert_us += inserted - started;
        commit_us += committed - inserted;
        // The service checkpoints beside the writer; here, between commits.
        if (commit % 16 == 0) run(db, "PRAGMA wal_checkpoint(PASSIVE)");
        if (commit % per_report == 0) {
            double events = per_report * 1000.0;
            printf("%10lld %12.2f %12.2f %12.2f %10.0f\n", seq, insert_us / events, commit_us / events,
                   (insert_us + commit_us) / events, events / ((insert_us + commit_us) / 1e6));
            insert_us = commit_us = 0;
        }
    }
    sqlite3_finalize(insert);
    sqlite3_close(db);
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", path);
    return system(command);
}
