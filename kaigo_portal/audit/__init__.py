"""The access log: one append-only, hash-chained row for every read of a person's data."""
