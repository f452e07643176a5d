"""Test tools: a throw-away JPKI PKI and a virtual My Number card for pcscd's vpcd driver. Test keys only."""
