# Sourced by setup.sh, serve.sh and test.sh: run named steps and say what each one took.
# Usage: steps_tag=test; source scripts/steps.sh; step "name" command args...
# Each step prints its duration when it ends. The first script to source this (the one the
# user ran) owns the log: when it exits, also on failure, it prints every step's time,
# slowest first, and the total on its last line. Nested scripts (setup.sh) add to that log.

steps_bold() { printf '\033[1;34m[%s]\033[0m %s\n' "$steps_tag" "$*"; }

step() {
  local name=$1 start=$SECONDS
  shift
  echo
  steps_bold "$name"
  steps_current=$name
  "$@"
  local took=$((SECONDS - start))
  steps_current=
  printf '%s\t%s\t%s\n' "$took" "$steps_tag" "$name" >>"$GRAFT_STEP_LOG"
  steps_bold "$name: $took s"
}

steps_summary() {
  local status=$?
  trap - EXIT
  if [[ -s "$GRAFT_STEP_LOG" ]]; then
    echo
    steps_bold "where the time went (slowest first):"
    sort -rn "$GRAFT_STEP_LOG" | awk -F'\t' '{ printf "  %6d s  %-6s %s\n", $1, $2, $3 }'
  fi
  rm -f "$GRAFT_STEP_LOG"
  unset GRAFT_STEP_LOG
  if ((status == 0)); then
    steps_bold "done in $((SECONDS - steps_start)) s"
  else
    steps_bold "FAILED${steps_current:+ in step '$steps_current'} after $((SECONDS - steps_start)) s"
  fi
  return "$status"
}

if [[ -z "${GRAFT_STEP_LOG:-}" ]]; then
  GRAFT_STEP_LOG=$(mktemp)
  export GRAFT_STEP_LOG
  steps_start=$SECONDS
  trap steps_summary EXIT
fi
