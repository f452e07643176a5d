"""API of the consent app: the claims feed (claims.py) and the card agent's identity endpoints (identity.py).
Mounted by consent/api_urls.py."""
