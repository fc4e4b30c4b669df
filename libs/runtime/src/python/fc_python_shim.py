"""One instance of a native Python function (FC's python3, python3.9, python3.10, python3.12).

Started by the executor (python-channel.ts) as `python3 -u -B fc_python_shim.py --handler
index.handler [--initializer m.f] [--pre-freeze m.f] [--pre-stop m.f]` with cwd = the code
directory. It loads the function's module and serves the custom runtime's HTTP protocol on
$FC_SERVER_PORT, so the executor drives it exactly like a custom-runtime instance:

  POST /initialize  load the handler and hooks, run `initializer(context)` if configured
  POST /invoke      `handler(event, context)`, event = the body's bytes; 200 + result bytes, or
                    a 500 with FC's error record {errorMessage, errorType, stackTrace}
  POST /pre-freeze  `pre_freeze(context)`        POST /pre-stop  `pre_stop(context)`

FC's Python contract: `context.request_id`, `context.function` (name, handler, memory, timeout,
...), `context.credentials` (empty strings: asyncfn hands functions no keys), `context.logger`
(a logging.Logger writing "<ISO time> <request id> [LEVEL] message"), `context.region`,
`context.account_id`. The root logger is set up the same way, as FC's runtime does, so
`logging.info(...)` in a handler is logged with the request id. A timeout or stop cannot be
signalled in-band: the executor kills the process, as FC does.

Standard library only, Python 3.6+ (FC's python3 is 3.6); keep it that way.
"""
import argparse
import importlib
import json
import logging
import os
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn

try:
    from http.server import ThreadingHTTPServer
except ImportError:  # Python 3.6, FC's own python3

    class ThreadingHTTPServer(ThreadingMixIn, HTTPServer):
        daemon_threads = True


from asyncfn_fc_context import FCContext, current, setup_root_logger, to_int  # noqa: E402


class LoadError(Exception):
    pass


def _load(spec, what):
    """'dir/module.function' or 'package.module.function' → the function."""
    module_name, dot, name = spec.rpartition(".")
    if not dot or not module_name or not name:
        raise LoadError("Invalid %s '%s': expected '<module>.<function>'" % (what, spec))
    module = importlib.import_module(module_name.replace("/", "."))
    found = getattr(module, name, None)
    if not callable(found):
        raise LoadError("%s '%s' is not a function of module '%s'" % (what, spec, module_name))
    return found


def _user_traceback(exc):
    """The exception's traceback without the shim's own frames (users see their code only)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


def _log_exception(logger, exc, what):
    """What happened, then the traceback, at ERROR (each line prefixed with the request id)."""
    lines = traceback.format_exception(type(exc), exc, _user_traceback(exc))
    logger.error("%s\n%s", what, "".join(lines).rstrip())


def _error_record(exc):
    """FC's error record: stackTrace is a list of [file, line, function, source] per frame."""
    frames = traceback.extract_tb(_user_traceback(exc))
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": [
            ['File "%s"' % f.filename, "line %d" % f.lineno, "in %s" % f.name, f.line or ""]
            for f in frames
        ],
    }


def _to_body(value):
    """FC's result: bytes and str as they are, None as empty, anything else as JSON."""
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


class Instance(object):
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.handler = None
        self.hooks = {}

    def load(self, request_id, headers):
        """Loads the handler and hooks once and runs the initializer; raises with FC's wording."""
        with self.lock:
            if self.handler is not None:
                return
            o = self.options
            stage = "Handler '%s' could not be loaded" % o.handler
            try:
                handler = _load(o.handler, "handler")
                for key, spec in (("preStop", o.pre_stop), ("preFreeze", o.pre_freeze)):
                    if spec:
                        stage = "%s '%s' could not be loaded" % (key[0].upper() + key[1:], spec)
                        self.hooks[key] = _load(spec, key)
                if o.initializer:
                    stage = "Initializer '%s' could not be loaded" % o.initializer
                    initializer = _load(o.initializer, "initializer")
                    stage = "Initializer '%s' failed" % o.initializer
                    initializer(FCContext(request_id, headers, o))
            except Exception as exc:  # noqa: BLE001 - any failure of user code is reported
                _log_exception(logging.getLogger(), exc, stage)
                record = _error_record(exc)
                record["errorMessage"] = "%s: %s: %s" % (stage, record["errorType"], record["errorMessage"])
                raise _Reported(record)
            self.handler = handler


class _Reported(Exception):
    def __init__(self, record):
        super().__init__(record["errorMessage"])
        self.record = record


def make_handler(instance):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # no access log: the function's output is its log
            pass

        def reply(self, status, body, content_type="application/octet-stream", headers=None):
            # Output written before the answer must reach the pipes first (the executor
            # attributes it to this invocation only until the answer arrives).
            sys.stdout.flush()
            sys.stderr.flush()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def fail(self, record):
            self.reply(
                500,
                json.dumps(record).encode("utf-8"),
                "application/json",
                {"x-fc-error-type": record["errorType"]},
            )

        def do_POST(self):
            length = to_int(self.headers.get("Content-Length"))
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            request_id = headers.get("x-fc-request-id", "")
            current.request_id = request_id
            try:
                if self.path == "/initialize":
                    instance.load(request_id, headers)
                    return self.reply(200, b"")
                if self.path == "/invoke":
                    instance.load(request_id, headers)
                    return self.invoke(request_id, headers, body)
                if self.path in ("/pre-freeze", "/pre-stop"):
                    return self.hook("preFreeze" if self.path == "/pre-freeze" else "preStop", request_id, headers)
                self.reply(404, b"")
            except _Reported as reported:
                self.fail(reported.record)
            finally:
                current.request_id = None

        def invoke(self, request_id, headers, event):
            context = FCContext(request_id, headers, instance.options)
            try:
                result = _to_body(instance.handler(event, context))
            except Exception as exc:  # noqa: BLE001
                record = _error_record(exc)
                _log_exception(context.logger, exc, "%s: %s" % (record["errorType"], record["errorMessage"]))
                return self.fail(record)
            self.reply(200, result)

        def hook(self, name, request_id, headers):
            hook = instance.hooks.get(name)
            if hook is not None:
                context = FCContext(request_id, headers, instance.options)
                try:
                    hook(context)
                except Exception as exc:  # noqa: BLE001
                    _log_exception(context.logger, exc, "%s failed" % name)
                    return self.fail(_error_record(exc))
            self.reply(200, b"")

    return Handler


def main():
    parser = argparse.ArgumentParser(description="asyncfn's native Python runtime instance")
    parser.add_argument("--handler", required=True)
    parser.add_argument("--initializer", default="")
    parser.add_argument("--pre-freeze", dest="pre_freeze", default="")
    parser.add_argument("--pre-stop", dest="pre_stop", default="")
    options = parser.parse_args()
    # The function's modules resolve from its code directory first, as in FC (/code).
    # ... and only from there: the shim's own directory leaves the search path.
    shim_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != shim_dir]
    code_dir = os.getcwd()
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    sys.argv = [sys.argv[0]]
    setup_root_logger()
    port = to_int(os.environ.get("FC_SERVER_PORT"))
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(Instance(options)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
