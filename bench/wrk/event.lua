-- One small engagement event per request, each with a fresh event_id, for
-- 1,000 different leads: the durable single-event ingestion path.
local counter = 0
-- event_ids must be new on every run: wrk's Lua starts with the same random
-- state each time, so the prefix comes from the command line (`-- PREFIX`),
-- else from the clock.
local prefix = tostring(os.time())
function init(args)
  if args[1] then prefix = args[1] end
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"email":"lead%d@acme.com","type":"page_view","event_id":"%s-%d","properties":{"path":"/pricing"}}',
    counter % 1000, prefix, counter)
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json"}, body)
end
