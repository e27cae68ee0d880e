-- Batches of 1,000 events per request (the largest batch the API takes),
-- spread over 100 leads, each event with a fresh event_id.
local counter = 0
-- event_ids must be new on every run: wrk's Lua starts with the same random
-- state each time, so the prefix comes from the command line (`-- PREFIX`),
-- else from the clock.
local prefix = tostring(os.time())
function init(args)
  if args[1] then prefix = args[1] end
end
local types = {"page_view", "email_click", "content_download", "webinar_attended"}

request = function()
  local events = {}
  for i = 1, 1000 do
    counter = counter + 1
    events[i] = string.format(
      '{"email":"bulk%d@acme.com","type":"%s","event_id":"%s-%d","properties":{"path":"/docs/page-%d"}}',
      counter % 100, types[counter % 4 + 1], prefix, counter, counter % 50)
  end
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json"}, "[" .. table.concat(events, ",") .. "]")
end

done = function(summary, latency, requests)
  -- Events sent, not stored: duplicates and rejections are counted by mqlgate's /metrics.
  io.write(string.format("events sent/s: %.0f\n", summary.requests / (summary.duration / 1e6) * 1000))
end
