"""ケアプラン (第1〜3表) and LIFE excerpts (issue: care plans)."""
