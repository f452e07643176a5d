"""Pages of the subsidies app: the office's my-page and application (office.py), the operator's
review screens (review.py), and what both reach (common.py: receipts and PDFs)."""
