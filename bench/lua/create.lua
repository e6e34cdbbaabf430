-- POST /api/tickets/ as a requester: one new ticket per request.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("DESK_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title": "Benchmark: projector in room 4 flickers", '
  .. '"description": "The image goes dark every few minutes.", "priority": "HIGH"}'
