"""Consent, 本人確認, relationships and the access policy plugged into kaigo_portal.access (issue: consent)."""
