"""moto server with one request at a time.

moto checks a write's condition and applies the write in two steps, so two
requests served at once may both pass one condition. DynamoDB never lets
that happen, and the tests that race writes (one place left, one status
change) assert what DynamoDB guarantees: requests are served in turn here,
over connections kept alive as usual.
"""

import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

host, port = sys.argv[1], int(sys.argv[2])
app = DomainDispatcherApplication(create_backend_app)
turn = threading.Lock()


def one_at_a_time(environ, start_response):
    with turn:
        # The whole body is produced inside the turn: a lazy iterable
        # would run after the lock is released.
        return list(app(environ, start_response))


run_simple(host, port, one_at_a_time, threaded=True, request_handler=MotoRequestHandler)
