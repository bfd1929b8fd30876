"""Gunicorn for the web process: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Every value can be changed through the environment (the systemd unit's EnvironmentFile),
so the file itself is the same on every web host. See docs/deploy.md.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"

# Behind the load balancer: listen on the host's private address (or all of them, with
# a firewall that lets only the balancer in). Nothing else may reach this port: Django
# trusts the X-Forwarded-Proto header the balancer sets (SECURE_PROXY_SSL_HEADER).
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Sync workers: each request holds one process and (CONN_MAX_AGE) one PostgreSQL
# connection. Count them when sizing PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Document uploads are 10 MB at most; 60 s covers a slow mobile link behind a buffering
# balancer. A worker silent for longer is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30  # on SIGTERM/HUP, running requests get this long to finish
# (Sync workers close each connection after its response: no keep-alive to tune.)

# Recycle workers now and then (memory growth in long-lived processes), never together:
# a new worker imports the whole application (about a second) before it answers, and
# workers started together under an even load reach the same count together, so each
# draws its own limit from a wide range (5,000 to 7,500 requests). With a 10% range both
# workers of a small host restarted in the same second and the host stopped answering for
# about a second every few thousand requests (bench/api_load.py, docs/benchmarks.md).
max_requests = 5000
max_requests_jitter = 2500

# The balancer's addresses, which may set X-Forwarded-Proto/-For for gunicorn itself
# (wsgi.url_scheme, access log). Gunicorn reads FORWARDED_ALLOW_IPS from the environment.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr: journald (systemd) or the platform collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No query string in the access log: family pages carry no personal data in URLs, and
# this keeps it that way should one ever do.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'

# The heartbeat file on tmpfs: a worker blocked on disk I/O is not mistaken for a hung one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "casework-web"
# Gunicorn's runtime control socket (gunicornc) under the service's runtime directory
# (systemd RuntimeDirectory=casework); off where there is none.
_runtime = os.environ.get("RUNTIME_DIRECTORY")
if _runtime:
    control_socket = os.path.join(_runtime, "gunicorn.ctl")
else:
    control_socket_disable = True
