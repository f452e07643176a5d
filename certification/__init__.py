"""要介護認定 — applications, progress steps, 認定調査票 and results (issue: certification)."""
