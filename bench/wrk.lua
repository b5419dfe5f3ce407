-- wrk script: GET each request path of the file given after "--", in turn, and print a JSON summary.
-- Usage: wrk -t2 -c8 -d60s -s bench/wrk.lua http://127.0.0.1:PORT -- paths.txt [STARTED]
-- With STARTED, each thread prints "WRKREACHED" (once, flushed) when it has started that many requests;
-- bench/run.py chooses STARTED = its share of the requests wanted + its connections + 1, so that by then
-- the thread has completed its share (wrk starts a request on a connection only once the previous answer
-- is in; thread 1 also calls request() once to check the script). Counting in request() costs nothing
-- per answer, unlike a response() function, which would make wrk copy every body into Lua.
local paths = {}
local index = 0
local started = 0
local wanted = nil

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(paths, line)
    end
  end
  index = math.random(#paths) - 1
  if args[2] then
    wanted = tonumber(args[2])
  end
end

function request()
  index = (index % #paths) + 1
  started = started + 1
  if wanted and started == wanted then
    io.stdout:write("WRKREACHED\n")
    io.stdout:flush()
  end
  return wrk.format("GET", paths[index], { ["Accept"] = "application/sparql-results+json" })
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, errors, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
