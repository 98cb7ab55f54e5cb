"""Per-client outcomes from the session table: time-to-event records and pre-post pairs."""
