-- Used by run.py when wrk is installed:
--   wrk -t1 -cCONCURRENCY -dSECONDS --timeout 30s -s benchmarks/wrk.lua URL
-- Sends the same headers as benchmarks/loadgen.py and prints the figures as one JSON line.

wrk.headers["Accept-Language"] = "en"
wrk.headers["User-Agent"] = "decide-bench"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "errors": %d, "seconds": %.6f, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
