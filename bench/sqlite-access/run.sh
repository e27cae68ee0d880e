#!/usr/bin/env bash
# SQLite access benchmark: raw libsqlite3 vs GRDB 7.10.0 behind the same
# group-commit writer. Builds in release mode and prints the tables.
#
#   ./run.sh                      # 5 runs of every measurement, medians; each waits
#                                 # (up to 2 min) for other processes to use < 15% CPU
#   ./run.sh --runs 3 --seconds 5 # fewer runs / another window
#   ./run.sh --quick              # 1 short run, to check that it works
#   ./run.sh --dir /some/disk     # database directory (default: the temp directory)
#   ./run.sh --build-time         # clean release build times only
set -euo pipefail
cd "$(dirname "$0")"

if [[ "${1:-}" == "--build-time" ]]; then
    # Each build starts from an empty scratch folder (.build-* is git-ignored).
    TIMEFORMAT='%R s wall, %U s user, %S s sys'
    scratch=.build-clean
    for what in "RawStore target only (libsqlite3 module, no GRDB compiled)" \
                "GRDB target only" \
                "whole package (RawStore + GRDB + benchmark)"; do
        rm -rf "$scratch"
        case "$what" in
            RawStore*) args=(--target RawStore) ;;
            GRDB*) args=(--target GRDB) ;;
            *) args=() ;;
        esac
        echo "== time swift build -c release ${args[*]:-} (from clean): $what"
        { time swift build -c release --scratch-path "$scratch" "${args[@]}" >/dev/null; } 2>&1
    done
    rm -rf "$scratch"
    exit 0
fi

swift build -c release >&2
exec .build/release/SQLiteAccessBench --runs 5 --quiet 15 "$@"
