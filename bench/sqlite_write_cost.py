#!/usr/bin/env python3
"""What mqlgate's event schema costs SQLite per stored event, without mqlgate.

A bare database (WAL, synchronous=OFF: CPU and WAL writes only, no syncs)
gets events in commits shaped like the service's two benchmark loads:
1,000 events over 100 leads (batched) and 20 events over 1,000 leads
(single events under 64 clients). It prints microseconds per event for
the event table alone and with the per-lead event index (text or integer
lead key), then, for the single-event shape, with the lead's row updated
after every event, with and without each of the two indexes that put a
random page into every commit. Figures include Python's own cost of
about 2 µs a statement; compare rows with each other, not with mqlgate.

    python3 bench/sqlite_write_cost.py [--quick]
"""
import atexit
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time

QUICK = "--quick" in sys.argv
BODY = ('{"email":"bulk1@acme.com","type":"page_view","event_id":"b-123456",'
        '"properties":{"path":"/docs/page-12"},"occurred_at":"2026-12-02T10:00:00Z"}')
EVENTS = ("CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, lead_id, "
          "type TEXT, occurred_at INT, received_at INT, body TEXT);")
EVENT_INDEX = "CREATE INDEX events_lead ON events(lead_id, occurred_at DESC, seq DESC);"
LEADS = ("CREATE TABLE leads (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, profile TEXT, stage TEXT, "
         "lifecycle TEXT, score REAL, score_state BLOB, model_fingerprint TEXT, created_at INT, updated_at INT);"
         "CREATE INDEX leads_stage ON leads(stage, id);")
LEADS_UPDATED = "CREATE INDEX leads_updated ON leads(updated_at, id);"


def lead_id(n):
    return "ld_01KPQ8ZJ3M4X%012d" % n


def database(schema):
    directory = tempfile.mkdtemp(prefix="sqlite-cost-")
    atexit.register(shutil.rmtree, directory, True)
    db = sqlite3.connect(os.path.join(directory, "cost.sqlite3"), isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-32768", "wal_autocheckpoint=16384"):
        db.execute("PRAGMA " + pragma)
    db.executescript(schema)
    return db


def events_only(schema, integer_key, leads, per_commit, commits):
    db = database(schema)
    seq, elapsed, counted = 0, 0.0, 0
    for commit in range(commits):
        rows = []
        for _ in range(per_commit):
            seq += 1
            lead = random.randrange(leads)
            rows.append((seq, "bench-%d" % seq, lead if integer_key else lead_id(lead), "page_view",
                         1764670000000 + seq, 1764670000000 + seq, BODY))
        started = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows)
        db.execute("COMMIT")
        if commit >= commits // 2:  # the second half, once the tables have grown
            elapsed += time.perf_counter() - started
            counted += per_commit
    return elapsed / counted * 1e6


def with_lead_updates(schema, leads, per_commit, commits):
    db = database(schema)
    ids = [lead_id(n) for n in range(leads)]
    db.execute("BEGIN")
    for n, id in enumerate(ids):
        db.execute("INSERT INTO leads VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (id, "lead%d@acme.com" % n, "p" * 400, "lead", "l" * 80, 10.0, b"s" * 400, "f" * 16, 1, 1))
    db.execute("COMMIT")
    seq, elapsed, counted = 0, 0.0, 0
    for commit in range(commits):
        started = time.perf_counter()
        db.execute("BEGIN")
        for _ in range(per_commit):
            seq += 1
            id = ids[random.randrange(leads)]
            db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                       (seq, "bench-%d" % seq, id, "page_view", 1764670000000 + seq, 1764670000000 + seq, BODY))
            db.execute("UPDATE leads SET lifecycle=?, score=?, score_state=?, model_fingerprint=?, updated_at=? WHERE id=?",
                       ("l" * 80, 11.0, b"t" * 400, "f" * 16, 1764670000000 + seq, id))
        db.execute("COMMIT")
        if commit >= commits // 3:
            elapsed += time.perf_counter() - started
            counted += per_commit
    return elapsed / counted * 1e6


def main():
    scale = 10 if QUICK else 1
    shapes = [("1,000 events over 100 leads", 100, 1000, 600 // scale),
              ("20 events over 1,000 leads", 1000, 20, 20000 // scale)]
    print("µs per event | events + event_id | + per-lead index, text key | + per-lead index, integer key")
    for name, leads, per_commit, commits in shapes:
        figures = [events_only(EVENTS, False, leads, per_commit, commits),
                   events_only(EVENTS + EVENT_INDEX, False, leads, per_commit, commits),
                   events_only(EVENTS + EVENT_INDEX, True, leads, per_commit, commits)]
        print("%-28s | %5.1f | %5.1f | %5.1f" % ((name,) + tuple(figures)))
    print()
    print("20 events over 1,000 leads, the lead's row updated after each event:")
    commits = 15000 // scale
    for name, schema in [("every index (as mqlgate)", EVENTS + EVENT_INDEX + LEADS + LEADS_UPDATED),
                         ("without leads_updated", EVENTS + EVENT_INDEX + LEADS),
                         ("without the per-lead event index", EVENTS + LEADS + LEADS_UPDATED),
                         ("without either", EVENTS + LEADS)]:
        print("  %-34s %5.1f µs" % (name, with_lead_updates(schema, 1000, 20, commits)))


if __name__ == "__main__":
    main()
