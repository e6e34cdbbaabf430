-- GET /api/tickets/{id}/ for ids spread over the whole table (no single hot row).
-- DESK_TOKEN: an operator's token; DESK_TICKETS: the highest seeded id.
local token = "Bearer " .. os.getenv("DESK_TOKEN")
local tickets = tonumber(os.getenv("DESK_TICKETS"))
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed * 7919)
end

function request()
  local id = math.random(1, tickets)
  return wrk.format("GET", "/api/tickets/" .. id .. "/", {["Authorization"] = token})
end
