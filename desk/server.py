"""``pserve``'s server runner: waitress, with ``http_port=N`` on the command line honoured.

A ``[DEFAULT] http_port`` in the ini would override the command line's value (PasteDeploy
gives the file's defaults precedence), so the port is read here instead: the command line's
``http_port`` first, then the section's ``port``.
"""

import waitress


def serve(app, global_conf: dict, **settings) -> int:
    port = global_conf.get("http_port") or settings.pop("port", "8000")
    settings.pop("port", None)
    settings.setdefault("host", "localhost")
    waitress.serve(app, port=int(port), **settings)
    return 0
