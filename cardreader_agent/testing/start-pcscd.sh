#!/bin/sh
# Starts pcscd (with the vpcd driver from vsmartcard-vpcd) for the card integration tests, unless one is
# already running, and waits until it is ready ("daemon ready" in its log; vpcd then listens on
# 0.0.0.0:35963 and :35964, so run it only on an isolated machine: card.md §2.7.2). Prints pcscd's PID.
# Usage: cardreader_agent/testing/start-pcscd.sh [LOGFILE]     (no --apdu: pcscd would log PINs)
set -eu
LOG="${1:-${TMPDIR:-/tmp}/pcscd.log}"
if [ -S /run/pcscd/pcscd.comm ] && pgrep -x pcscd >/dev/null 2>&1; then
    pgrep -x pcscd | head -n 1
    exit 0
fi
rm -f /run/pcscd/pcscd.comm /run/pcscd/pcscd.pid
pcscd --foreground --debug >"$LOG" 2>&1 &
PID=$!
i=0
while ! grep -q "daemon ready" "$LOG" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
        echo "pcscd did not start; see $LOG" >&2
        exit 1
    fi
    sleep 0.1
done
echo "$PID"
