-- GET one path with a bearer token: profile and the list pages.
-- DESK_TOKEN: the access token (the path is wrk's URL).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("DESK_TOKEN")
