"""FC's Python context and logging, for the shim (fc_python_shim.py): see its docstring.

A module of its own name (asyncfn_…) so that it cannot collide with a function's own modules.
"""
import datetime
import logging
import os
import sys
import threading

# The request id of the invocation (or hook) the current thread runs, for the root logger.
current = threading.local()


def _now_iso():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


class FcFormatter(logging.Formatter):
    """FC's line format; every line of a multi-line message (a traceback) carries the prefix, so
    the executor can attribute each line to its invocation when several run at once."""

    def __init__(self, request_id=None):
        super().__init__()
        self.fixed_request_id = request_id

    def format(self, record):
        request_id = self.fixed_request_id or getattr(current, "request_id", None) or "-"
        prefix = "%s %s [%s] " % (_now_iso(), request_id, record.levelname)
        text = super().format(record)
        return prefix + text.replace("\n", "\n" + prefix)


class _BelowWarning(logging.Filter):
    def filter(self, record):
        return record.levelno < logging.WARNING


def _add_handlers(logger, formatter):
    """INFO and DEBUG to stdout, WARNING and above to stderr (as the Node runtime's logger)."""
    out = logging.StreamHandler(sys.stdout)
    out.addFilter(_BelowWarning())
    out.setFormatter(formatter)
    err = logging.StreamHandler(sys.stderr)
    err.setLevel(logging.WARNING)
    err.setFormatter(formatter)
    logger.addHandler(out)
    logger.addHandler(err)


def setup_root_logger():
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    _add_handlers(root, FcFormatter())
    root.setLevel(logging.INFO)


def _request_logger(request_id):
    """A logging.Logger of its own per request (not registered with logging.getLogger, so
    nothing accumulates): the request id stays on its lines even from other threads."""
    logger = logging.Logger("fc", logging.INFO)
    logger.propagate = False
    _add_handlers(logger, FcFormatter(request_id))
    return logger


class Credentials(object):
    def __init__(self):
        # Locally there are no temporary keys to hand out; never the executor's own.
        self.access_key_id = ""
        self.access_key_secret = ""
        self.security_token = ""


class FunctionMeta(object):
    def __init__(self, headers, options):
        self.name = headers.get("x-fc-function-name", "")
        self.handler = headers.get("x-fc-function-handler", "") or options.handler
        self.memory = to_int(headers.get("x-fc-function-memory"))
        self.timeout = to_int(headers.get("x-fc-function-timeout"))
        self.initializer = options.initializer or ""
        self.initialization_timeout = self.timeout
        self.version_id = ""
        self.qualifier = "LATEST"


class ServiceMeta(object):
    def __init__(self):
        self.name = ""
        self.log_project = ""
        self.log_store = ""
        self.qualifier = "LATEST"
        self.version_id = ""


class FCContext(object):
    def __init__(self, request_id, headers, options):
        self.request_id = request_id
        self.credentials = Credentials()
        self.function = FunctionMeta(headers, options)
        self.service = ServiceMeta()
        self.region = os.environ.get("FC_REGION", "local")
        self.account_id = headers.get("x-fc-account-id", "")
        self.logger = _request_logger(request_id)
        self.log_project = ""
        self.log_store = ""
        self.tracing = None
        # asyncfn extensions
        self.task_id = headers.get("x-fc-async-task-id")
        self.attempt = to_int(headers.get("x-fc-async-task-attempt")) or 1
        self.traceparent = headers.get("traceparent")


def to_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
