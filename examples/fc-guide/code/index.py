# -*- coding: utf-8 -*-
# The long-running job of FC's best-practice guide for asynchronous tasks: it logs its event and,
# when the event asks for a failure ({"failure": true}), works for longer than the function's
# timeout (s.yaml: 60 s), so the invocation times out and, after its one retry, the failure
# destination receives an InvocationError record. Any other event is returned as the result.
import json
import logging
import time

WORK_SECONDS = 65


def handler(event, context):
    evt = json.loads(event)
    logging.info(evt)
    if evt.get("failure"):
        time.sleep(WORK_SECONDS)
    return evt
