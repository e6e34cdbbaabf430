-- Operators assign NEW tickets and the executor finishes them: assign, execute, next ticket.
--
-- Run with as many threads as connections (-t N -c N): each thread then drives one
-- connection, whose requests wrk sends one after the other, so a ticket's execute always
-- follows its assign. Thread k takes the NEW tickets DESK_FIRST + DESK_STRIDE * (k + N * j),
-- j = 0, 1, ... (N = DESK_THREADS): no two threads touch the same ticket.
--
-- The step advances in response(), not in request(): wrk calls request() once more, on the
-- first thread, to check the script before it starts, and that call must not skip an assign.
local operator = "Bearer " .. os.getenv("DESK_OPERATOR_TOKEN")
local executor = "Bearer " .. os.getenv("DESK_EXECUTOR_TOKEN")
local executor_id = os.getenv("DESK_EXECUTOR_ID")
local first = tonumber(os.getenv("DESK_FIRST"))
local stride = tonumber(os.getenv("DESK_STRIDE"))
local count = tonumber(os.getenv("DESK_THREADS"))
local created = 0

function setup(thread)
  thread:set("index", created)
  created = created + 1
end

function init(args)
  step = 0
end

function request()
  local n = math.floor(step / 2)
  local id = first + stride * (index + count * n)
  local path = "/api/tickets/" .. id
  local headers = {["Content-Type"] = "application/json"}
  local body
  if step % 2 == 0 then
    headers["Authorization"] = operator
    path = path .. "/assign/"
    body = '{"executor_id": ' .. executor_id .. '}'
  else
    headers["Authorization"] = executor
    path = path .. "/execute/"
    body = '{"status": "DONE"}'
  end
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  step = step + 1
end
