-- POST /api/auth/login/ with the right password: one argon2id verification per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username": "' .. os.getenv("DESK_USERNAME") .. '", "password": "'
  .. os.getenv("DESK_PASSWORD") .. '"}'
