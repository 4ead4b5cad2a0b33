"""The Redis cache (sessions, rate limits), with one redis-py client per connection pool.

Django's client builds a new redis-py client for every call, and with it redis-py's table of some three hundred
reply parsers: about a third of a millisecond on each page that reads its session. A redis-py client is safe to
share between threads (each command takes a connection from the pool), so one per pool is enough.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
