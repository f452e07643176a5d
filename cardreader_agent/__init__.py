"""The local card-reader agent: PC/SC, JPKI APDUs, the portal HTTP client. Never imports Django."""
