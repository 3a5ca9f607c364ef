"""Gunicorn settings for servicedesk: `gunicorn -c python:servicedesk.gunicorn_conf servicedesk.wsgi`."""

import gc
import os

bind = os.environ.get("SERVICEDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
preload_app = True  # load Django once, before forking: workers share its memory and start fast


def post_fork(server, worker):
    # Everything loaded at start-up lives as long as the worker: keep it out of the cycle
    # collector's full passes, which otherwise walk all of Django on every gen-2 collection
    # and show up as the slowest requests.
    gc.freeze()
    gc.set_threshold(10_000, 20, 50)
