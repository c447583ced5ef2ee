#!/bin/sh
# An exec handler that greets, then closes its stdout and keeps running (issue #14, D1):
# sessionspec must give up on it within the call's timeout_ms instead of waiting for its exit.
read -r hello
printf '%s\n' '{"id":0,"ok":true,"result":{"protocol":"sessionspec-handler-protocol/1","methods":["open","close","read","write","destroy","gc"]}}'
exec >&-
sleep 120
