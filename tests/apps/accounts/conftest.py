from tests.redis_server import redis_cache, redis_url  # noqa: F401  (fixtures)
