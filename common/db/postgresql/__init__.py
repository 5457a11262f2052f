"""Django's PostgreSQL backend behind the database circuit breaker (`common.breaker`)."""
