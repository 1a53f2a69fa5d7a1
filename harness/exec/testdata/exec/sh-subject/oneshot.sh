#!/bin/sh
# Appends a started event to the case's events file and prints the answer.
# case.json is indented, one field per line: "events": "/path/events.jsonl",
events=$(sed -n 's/^ *"events": "\(.*\)",*$/\1/p' "$FALLBACKGATE_CASE")
printf '%s\n' '{"event":"started","provider":"xai-oauth","model":"grok-4.3","landed_at":-1,"remaining":[]}' >> "$events"
printf '%s %s' "$GREETING" "$1"
