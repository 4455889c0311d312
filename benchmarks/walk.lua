-- wrk script for benchmarks/bench.py; wrk runs it, nothing else should.
--
--   wrk [options] -s walk.lua URL -- TARGETS_FILE [HEADER_NAME HEADER_VALUE]...
--
-- Sends the request targets listed in TARGETS_FILE (one path?query a line) in that order, round
-- and round, each with the given headers. The requests are formatted once in init(), so the
-- per-request cost inside wrk stays at a table lookup. done() prints one JSON line after
-- RESULT_MARKER so the harness never has to parse wrk's human-readable report.

local RESULT_MARKER = "BENCH_RESULT "
local prepared = {}
local position = 0

function init(args)
  local targets_file = args[1]
  if targets_file == nil then
    error("walk.lua: pass the targets file after --")
  end
  local headers = {}
  for i = 2, #args - 1, 2 do
    headers[args[i]] = args[i + 1]
  end
  for target in io.lines(targets_file) do
    if target ~= "" then
      prepared[#prepared + 1] = wrk.format("GET", target, headers)
    end
  end
  if #prepared == 0 then
    error("walk.lua: no request targets in " .. targets_file)
  end
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(RESULT_MARKER, string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"status_errors": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    errors.status, errors.connect, errors.read, errors.write, errors.timeout
  ))
end
