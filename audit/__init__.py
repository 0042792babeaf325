"""The audit log: who did what to which record, from where; append-only in the database."""
