"""``pserve``'s server runner: waitress, with ``http_port=N`` (and ``http_host=H``) on the
command line honoured.

A ``[DEFAULT] http_port`` in the ini would override the command line's value (PasteDeploy
gives the file's defaults precedence), so the port is read here instead: the command line's
``http_port`` first, then the section's ``port``.
"""

import waitress


def serve(app, global_conf: dict, **settings) -> int:
    """Serve ``app`` with waitress; command-line variables win over the ini's section."""
    port = global_conf.get("http_port") or settings.pop("port", "8000")
    host = global_conf.get("http_host") or settings.pop("host", "localhost")
    settings.pop("port", None)
    settings.pop("host", None)
    waitress.serve(app, host=host, port=int(port), **settings)
    return 0
