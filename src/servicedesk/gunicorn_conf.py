"""Gunicorn settings for servicedesk: `gunicorn -c python:servicedesk.gunicorn_conf servicedesk.wsgi`."""

import gc
import os

bind = os.environ.get("SERVICEDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threaded workers keep a client's connection open between its requests (a page and its static files; the
# portal's report and the list it leads to). The sync worker closes every connection and then waits for the
# client to close its end before it takes the next one. One thread per worker by default: the work is Python,
# and a worker's second thread would mostly wait for the first.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "1"))
keepalive = 5  # seconds an idle connection is kept
preload_app = True  # load Django once, before forking: workers share its memory and start fast


def post_fork(server, worker):
    # Everything loaded at start-up lives as long as the worker: keep it out of the cycle
    # collector's full passes, which otherwise walk all of Django on every gen-2 collection
    # and show up as the slowest requests.
    gc.freeze()
    gc.set_threshold(10_000, 20, 50)
