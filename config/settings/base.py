"""Settings shared by every environment.

The environment is read here and only here (django-environ). Each store has an embedded default
so that `manage.py runserver` works with no environment at all:

| variable        | set                               | unset (embedded default)          |
|-----------------|-----------------------------------|-----------------------------------|
| DATABASE_URL    | PostgreSQL, psycopg 3, native pool | SQLite file `db.sqlite3`          |
| REDIS_URL       | Redis via django-redis, fail-open  | LocMemCache                       |
| NEO4J_BOLT_URL  | Neo4j via neomodel                 | graph on its SQL backend          |
| NEO4J_ENTERPRISE| existence constraints installed    | Community: none (verify reports)  |
"""

from ipaddress import ip_network
from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-only-never-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "common",
    "people",
    "school",
    "library",
    "blog",
    "delegation",
]

MIDDLEWARE = [
    # First, so that the Server-Timing header covers every query the other middleware makes.
    "common.telemetry.ServerTimingMiddleware",
    # Before anything reads the body or routes the path: hostile input is a 4xx here.
    "common.middleware.RequestHygieneMiddleware",
    "common.middleware.ApiNotFoundMiddleware",
    # A view's database outage is a 503 logged in one line, not an uncaught exception.
    "common.middleware.DatabaseOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Outside the views (a write's token is known once its transaction has committed), inside
    # the session (pages keep their token there): where the request's reads go, and its token.
    "common.middleware.ConsistencyTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.stores",
            ],
        },
    },
]


# --- Relational store -------------------------------------------------------------------------
def database_config(url: str) -> dict[str, Any]:
    """Django DATABASES entry for `url`; PostgreSQL gets psycopg 3's pool with a health check,
    behind the database circuit breaker (`common.db.postgresql`)."""
    config = env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["ENGINE"] = "common.db.postgresql"
        config["CONN_MAX_AGE"] = 0  # the pool owns connection lifetime; Django requires 0 with it
        # No per-request check round trip (psycopg's `check_connection`, which a hung server
        # never answers): the backend lends only connections whose socket shows no sign of
        # death, at no cost (`common.db.postgresql`), and keepalives find silent peers.
        config["CONN_HEALTH_CHECKS"] = False
        config["OPTIONS"] = {
            # libpq bounds a new connection, handshake included, by this (a hung server).
            "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=3),
            # An idle connection whose peer vanished without a reset (a dead host, a NAT that
            # forgot it) is found by TCP keepalives within idle + interval * count seconds,
            # and unacknowledged data gives up after tcp_user_timeout.
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "tcp_user_timeout": 10_000,
            # JIT compiles the plans of short recursive queries (the graph's CTEs) for ~80 ms
            # to save microseconds; an OLTP workload never gains from it.
            "options": "-c jit=off",
            "pool": {
                "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
                "max_size": env.int("DB_POOL_MAX_SIZE", default=24),
                # The longest a request waits for a connection. A sync gunicorn worker uses one
                # connection, so a wait this long means PostgreSQL is unreachable: the breaker
                # opens at once and later requests do not wait (a new connection takes ~10 ms).
                "timeout": env.float("DB_POOL_TIMEOUT", default=1.0),
                # Give up a reconnection after this long rather than retry with a back-off that
                # doubles to a minute; the next request (or the breaker's probe) starts afresh.
                "reconnect_timeout": env.float("DB_POOL_RECONNECT_TIMEOUT", default=2.0),
            },
        }
    return config


# The longest one query, COMMIT or ROLLBACK of a request waits for PostgreSQL before its socket
# is shut down and the database breaker opens (a hung server or network; 0 = no deadline).
# Outside requests (commands, seeds, migrations) queries have no client deadline.
DB_QUERY_DEADLINE = env.float("DB_QUERY_DEADLINE", default=3.0)
DATABASE_URL = env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_config(DATABASE_URL)}


# --- Read replica (common.db.replica, common.db.routers) --------------------------------------
def replica_config(url: str) -> dict[str, Any]:
    """The replica's DATABASES entry: the primary's options, a shorter query deadline (a replica
    that hangs costs a request this long, then its reads go to the primary), and, under tests,
    the test database's name (a streaming replica holds every database of its primary)."""
    config = database_config(url)
    config["QUERY_DEADLINE"] = env.float("DB_REPLICA_QUERY_DEADLINE", default=1.0)
    config["TEST"] = {"MIRROR": "default"}
    return config


# A PostgreSQL streaming replica of DATABASE_URL: request reads outside transactions go there,
# read-your-writes by consistency token. Unset: every read on the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = replica_config(DATABASE_REPLICA_URL)
    DATABASE_ROUTERS = ["common.db.routers.ReplicaRouter"]  # common.db.replica.ROUTER
# Seconds a read carrying a consistency token waits for the replica to replay it before the
# primary answers instead.
REPLICA_TOKEN_WAIT = env.float("REPLICA_TOKEN_WAIT", default=0.05)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Idempotency keys (common.idempotency) ---------------------------------------------------
# Seconds a stored answer is replayed for its key; older rows count as absent and
# `manage.py idempotency_prune` deletes them. A day, as Stripe keeps its keys.
IDEMPOTENCY_KEY_RETENTION = env.int("IDEMPOTENCY_KEY_RETENTION", default=86400)


# --- Circuit breakers (common.breaker): database, cache, graph ------------------------------
# Consecutive failures that open a store's breaker, and seconds before one probe may close it.
CIRCUIT_BREAKER_FAILURES = env.int("CIRCUIT_BREAKER_FAILURES", default=2)
CIRCUIT_BREAKER_COOLDOWN = env.float("CIRCUIT_BREAKER_COOLDOWN", default=0.5)


# --- Cache ------------------------------------------------------------------------------------
def cache_config(redis_url: str) -> dict[str, Any]:
    """Redis through django-redis when `redis_url` is set, else process-local memory."""
    if not redis_url:
        return {
            "BACKEND": "common.cache.backends.InstrumentedLocMemCache",
            "LOCATION": "campus",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    return {
        # Fails open: a Redis outage turns reads into misses (logged), never into errors.
        "BACKEND": "common.cache.backends.InstrumentedRedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.25),
            "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT", default=0.25),
        },
    }


CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="campus")
REDIS_URL = env("REDIS_URL", default="")
CACHES = {"default": cache_config(REDIS_URL)}
# Seconds a cached value of each data family lives; families are named by the code that caches.
CACHE_TTLS: dict[str, int] = {
    "default": env.int("CACHE_TTL_DEFAULT", default=300),
    # The directory (school.caching): org-chart facts and course data change only by writes,
    # which invalidate them; roles and permissions also lapse when a delegation expires, which
    # no write announces, so they live briefly.
    "directory.manager_chain": 900,
    "directory.roles": 60,
    "directory.permissions": 60,
    "directory.courses": 900,
    "directory.teaching": 900,
    "directory.course_list": 300,
    # Book search rankings (library.caching): every catalogue write invalidates them.
    "library.searches": 900,
    # The lab page's measurement per page size: anyone may reload it, each miss runs every
    # strategy several times; catalogue writes invalidate it.
    "library.lab": 600,
}
# Seconds without a word from the cache after which a process applies the invalidations other
# processes could not (an outage it slept through) before reading it again; None: never.
# The socket timeout: an outage shorter than that fails no invalidation.
CACHE_IDLE_RECHECK: float | None = env.float("REDIS_TIMEOUT", default=0.25)
# Seconds a worker remembers an API token's lookup (common.authentication); a revocation reaches
# the other workers within this (the writer's at once). 0: every request asks the database.
AUTH_TOKEN_LOCAL_TTL = env.float("AUTH_TOKEN_LOCAL_TTL", default=5.0)


# --- Metrics ----------------------------------------------------------------------------------
# /metrics answers staff and clients whose own address is in one of these networks: REMOTE_ADDR,
# or behind NUM_PROXIES proxies the entry the nearest one forwarded (never the proxy's address).
# prometheus_client reads PROMETHEUS_MULTIPROC_DIR itself, from the environment, before settings
# load; config/gunicorn.conf.py sets it for the workers.
METRICS_ALLOWED_NETWORKS = [
    ip_network(network)
    for network in env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
]


# --- Content-Security-Policy (django-csp) --------------------------------------------------
# Scripts, styles and everything else from this site only, nothing inline: the pages, the admin,
# Swagger UI (its split view loads its set-up as a file) and the toolbar (local settings) keep
# their code in static files; the explorer's pictures are inline SVG, markup no policy blocks.
# `data:` images are Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


# --- Internals ----------------------------------------------------------------------------
# Server-Timing headers and the query texts of graph answers, for every caller (local, tests:
# students watch them) or, when false, for staff only (production: they map the system).
INTERNALS_PUBLIC = True


# --- Graph ------------------------------------------------------------------------------------
NEO4J_BOLT_URL = env("NEO4J_BOLT_URL", default="")
GRAPH_BACKEND = "neo4j" if NEO4J_BOLT_URL else "sql"
# Neo4j Enterprise has property existence constraints (Community refuses them):
# graph_install_constraints installs one per required property only when this is true.
NEO4J_ENTERPRISE = env.bool("NEO4J_ENTERPRISE", default=False)
# Neo4j (neomodel's driver): a new connection, handshake included, and a free pooled connection
# are each waited for at most GRAPH_CONNECT_TIMEOUT; a request's graph query at most
# GRAPH_QUERY_DEADLINE, after which the graph breaker counts a failure and the caller falls
# back (user_can to SQL, the directory to a partial answer). Outside requests: no deadline.
GRAPH_CONNECT_TIMEOUT = env.float("GRAPH_CONNECT_TIMEOUT", default=1.0)
GRAPH_QUERY_DEADLINE = env.float("GRAPH_QUERY_DEADLINE", default=2.0)


# --- Auth, i18n, static -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Members sign in at /accounts/login/ (Django's auth views in the site's style).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "home"

# Brute-force protection on every login (member, admin, API token), by django-axes: after
# AXES_FAILURE_LIMIT failures a username is locked out whatever the address, and an address
# whatever the username, for AXES_COOLOFF_TIME hours. A success resets nothing: axes' reset
# deletes every failure matching the username *or* the address, so signing in to one's own
# account would wipe the address's guesses at other users; failures lapse with the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
# Usernames cut to the length axes stores (a longer one is nobody's; uncut, its insert fails).
AXES_USERNAME_CALLABLE = "common.throttling.login_username"
# The address a lockout counts is the throttles' (`NUM_PROXIES` trusted proxies), so a forged
# X-Forwarded-For neither escapes a lockout nor locks out someone else's address.
AXES_CLIENT_IP_CALLABLE = "common.throttling.client_ip"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]


# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its `WWW-Authenticate: Token` header makes anonymous calls 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.GuardedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.PageNumberPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=20),
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "common.throttling.AnonWindowThrottle",
        "common.throttling.UserWindowThrottle",
    ],
    # The client's address for throttling: REMOTE_ADDR with no proxy in front, else the entry
    # the nearest of NUM_PROXIES trusted proxies added to X-Forwarded-For. Never the whole
    # header (DRF's default), which a client rewrites to get a fresh budget per request.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
        # The lab pages (`/library/lab/`): each request runs every loading strategy.
        "lab": env("LAB_THROTTLE", default="30/minute"),
        # The token endpoint, per address: password guesses, beside axes' lockouts.
        "token": env("TOKEN_THROTTLE", default="20/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    "VIEW_DESCRIPTION_FUNCTION": "common.schema.view_description",
    "EXCEPTION_HANDLER": "common.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=100)
# Lists with a bounded count (searches) count exactly up to here, then report "at least".
API_COUNT_CAP = env.int("API_COUNT_CAP", default=10_000)

SPECTACULAR_SETTINGS = {
    "TITLE": "Campus API",
    "DESCRIPTION": "Library, blog, delegation and school directory of the campus monolith.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files, so /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name ("status") get component names of their own.
    "ENUM_NAME_OVERRIDES": {
        "PostStatusEnum": "blog.models.Post.Status",
        "CopyStatusEnum": "library.models.Copy.Status",
        "HoldStatusEnum": "library.models.Hold.Status",
        "EnrollmentStatusEnum": "school.models.Enrollment.Status",
    },
}

# Demo data: each step is a module with `seed(*, size: str, log: Callable[[str], None])`, run in
# this order because later steps refer to what earlier ones made.
SEED_DEMO_STEPS = [
    "common.seed",
    "people.seed",
    "delegation.seed",
    "library.seed",
    "blog.seed",
    "school.seed_courses",
    "config.demo_accounts",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print each record a second time.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        # The Neo4j server's notes on a statement (an index that already exists, a property no
        # element holds yet) are not faults; the driver logs them at INFO and WARNING.
        "neo4j.notifications": {"level": "ERROR"},
    },
}
# Password of the demo accounts `seed_demo` creates (`config/demo_accounts.py`); demo data only.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="campus-demo")
