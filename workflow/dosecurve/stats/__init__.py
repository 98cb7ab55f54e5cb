"""The estimators, each module named for what it estimates."""
