"""gunicorn settings for E-City (scripts/serve.sh; `gunicorn -c scripts/gunicorn.conf.py gis.wsgi`).

Every value can be set from the environment, so a deployment changes none of this file:
  BIND             address to listen on (default 127.0.0.1:$PORT, PORT default 8000; behind nginx keep it local)
  WEB_CONCURRENCY  worker processes (default 2 × cores + 1, at most 9)
  WEB_THREADS      threads per worker (gthread; default 2). 1 gives plain sync workers.
  WEB_TIMEOUT      seconds a request may take before its worker is replaced (default 30)
  WEB_GRACEFUL_TIMEOUT  seconds a stopping worker may finish its requests (default 10)
"""

import multiprocessing
import os

bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))
threads = int(os.environ.get("WEB_THREADS", "2"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "10"))
keepalive = 5
# A worker is replaced after this many requests (with jitter, so not all at once): leaks stay bounded.
max_requests = 5000
max_requests_jitter = 500
# Import the app once in the master: workers fork ready, and a broken setting fails the start, not a request.
preload_app = True
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
# nginx in front sets X-Forwarded-For/-Proto; trust them from localhost only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (gunicornc) is one per user by default (~/.gunicorn/gunicorn.ctl): two servers of
# one user would share it. We stop and reload by pid (scripts/serve.sh), so it is off.
control_socket_disable = True
