"""Gunicorn settings for Alliance: ``gunicorn -c config/gunicorn.conf.py``.

Every value can be set from the environment (see docs/DEPLOY.md). Logs, gunicorn's own and
the access log, go to standard output for the service manager or container runtime to keep.
"""

import multiprocessing
import os

from common.env import env_int, env_str

wsgi_app = "config.wsgi:application"

# Behind a reverse proxy on the same host, keep the default; in a container, bind 0.0.0.0:8000.
bind = [env_str("GUNICORN_BIND", "127.0.0.1:8000")]

# Synchronous workers behind a buffering proxy (nginx) are the simple, robust choice for a
# database-bound app; WEB_CONCURRENCY is the conventional name for their number.
workers = env_int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = env_int("GUNICORN_THREADS", 1)

# A worker stuck on one request for `timeout` seconds is replaced. The database's statement
# timeout (DATABASE_STATEMENT_TIMEOUT, 30 s) is shorter, so a slow query ends in the 503 page
# before it comes to that.
timeout = env_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = env_int("GUNICORN_KEEPALIVE", 5)

# Load the app once in the master: workers start fast and share memory, and a configuration
# error stops the server at once with its one-sentence message.
preload_app = True
# Recycle workers now and then, so that a slow leak cannot grow without bound.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max(1, max_requests // 10)

accesslog = "-"
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "info").lower()
# Client address (from the proxy's X-Forwarded-For when there is one), request, status, size, time.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# Trust X-Forwarded-Proto (https) only from these proxy addresses; the default is the local host.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Heartbeat files in memory, not on a disk that may stall (a container's overlay file system).
if os.path.isdir("/dev/shm"):  # noqa: S108 - a fixed system path, not a temporary file
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Gunicorn's control socket is not used; left on, two servers on one host would share its path.
control_socket_disable = True
