"""Who is calling: service keys, end-customer tokens and staff sessions, turned into one verified Identity."""
