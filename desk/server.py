"""``pserve``'s server runner: waitress, with ``http_port=N`` (and ``http_host=H``) on the
command line honoured, and the trusted proxy from the environment.

A ``[DEFAULT] http_port`` in the ini would override the command line's value (PasteDeploy
gives the file's defaults precedence), so the port is read here instead: the command line's
``http_port`` first, then the section's ``port``.

``DESK_TRUSTED_PROXY`` (an address, as waitress's ``trusted_proxy``) wins over the section's
``trusted_proxy``. Without a trusted proxy the proxy-header settings mean nothing (waitress
refuses them), so they are dropped and every ``X-Forwarded-*`` header is ignored.
"""

import os

import waitress

PROXY_SETTINGS = (
    "trusted_proxy_headers",
    "trusted_proxy_count",
    "clear_untrusted_proxy_headers",
    "log_untrusted_proxy_headers",
)


def waitress_settings(settings: dict, environ=os.environ) -> dict:
    """The section's waitress settings with the trusted proxy resolved."""
    settings = dict(settings)
    proxy = environ.get("DESK_TRUSTED_PROXY") or settings.get("trusted_proxy")
    settings.pop("trusted_proxy", None)
    if proxy:
        settings["trusted_proxy"] = proxy
    else:
        for key in PROXY_SETTINGS:
            settings.pop(key, None)
    return settings


def serve(app, global_conf: dict, **settings) -> int:
    """Serve ``app`` with waitress; command-line variables win over the ini's section."""
    port = global_conf.get("http_port") or settings.pop("port", "8000")
    host = global_conf.get("http_host") or settings.pop("host", "localhost")
    settings.pop("port", None)
    settings.pop("host", None)
    waitress.serve(app, host=host, port=int(port), **waitress_settings(settings))
    return 0
