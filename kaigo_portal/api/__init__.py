"""The API foundation: API-key authentication, deny-by-default permissions, one error shape."""
