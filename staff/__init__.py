"""Staff accounts (agent, supervisor, admin): argon2 passwords, cookie sessions with CSRF tokens, lockout."""
