"""gunicorn settings shared by ``bin/demo`` and production (``gunicorn -c config/gunicorn.conf.py``).

Environment: KIEMDIEM_BIND (default 127.0.0.1:8000), KIEMDIEM_WORKERS (default 2 × cores + 1),
KIEMDIEM_THREADS (default 4). Behind the reverse proxy, bind to the loopback address or a socket.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("KIEMDIEM_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KIEMDIEM_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads serve slow clients and htmx polling without a process each; Django is thread-safe.
worker_class = "gthread"
threads = int(os.environ.get("KIEMDIEM_THREADS", 4))
# Long work (imports) runs in the background, never in a request: a request over a minute is a bug.
timeout = 60
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
