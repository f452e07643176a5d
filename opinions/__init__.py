"""主治医意見書 — requests to clinics, electronic submission, receipt by the municipality (issue: opinions)."""
