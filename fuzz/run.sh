#!/usr/bin/env bash
# Builds the request-parser fuzzer with libFuzzer + AddressSanitizer and runs it.
#   fuzz/run.sh [seconds]        default 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
out=.build-fuzz
mkdir -p "$out" fuzz/corpus fuzz/artifacts
sources=(
  Sources/HTTP1/RequestHeadParser.swift Sources/HTTP1/RequestHead.swift Sources/HTTP1/HTTPHeaders.swift
  Sources/HTTP1/HTTPParseError.swift Sources/HTTP1/HTTPStatus.swift Sources/HTTP1/BodyFraming.swift
  Sources/HTTP1/ChunkedBodyDecoder.swift
)
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name HTTPParserFuzz \
  fuzz/HTTPParserFuzzer.swift "${sources[@]}" -o "$out/http-parser-fuzzer"
# Seed with well-formed and hostile requests so coverage starts deep.
cp fuzz/seeds/* fuzz/corpus/ 2>/dev/null || true
"$out/http-parser-fuzzer" fuzz/corpus -max_total_time="$seconds" -max_len=4096 \
  -artifact_prefix=fuzz/artifacts/ -dict=fuzz/http.dict -print_final_stats=1
