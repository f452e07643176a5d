"""Card-reader and connection-support subsidy applications and their review (issue: subsidies)."""
