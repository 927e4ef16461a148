#!/bin/bash
# The command line as engines use it: --log/--log-format json (containerd and
# Docker read log.json), --version, --help, `--opt=value` and `--opt value`,
# signals by name and number, features JSON.
. "$(dirname "$0")/lib.sh"

t_version() {
  sh_run "$TONG" --version
  assert_ok "--version" || return
  assert_match "version line" "$OUT" '^tong version [0-9]+\.[0-9]+\.[0-9]+'
  assert_match "spec line" "$OUT" 'spec: 1\.[0-9]+\.[0-9]+'
  assert_match "libseccomp line" "$OUT" 'libseccomp: [0-9]+\.[0-9]+\.[0-9]+'
}

t_help() {
  sh_run "$TONG" --help
  assert_ok "tong --help" || return
  local v help=$OUT
  for v in create start state kill delete run exec list ps spec features; do
    assert_contains "--help lists $v" "$help" "$v"
    sh_run "$TONG" "$v" --help
    assert_ok "$v --help exits 0"
    assert_contains "$v --help prints its usage" "$OUT" "Usage: tong $v"
  done
  sh_run "$TONG" no-such-verb
  assert_exit "an unknown verb exits 1" 1
  assert_contains "it is named" "$ERR" no-such-verb
}

# The error goes to stderr and, as one JSON object per line with runc's
# keys, to --log.
t_log_json() {
  make_bundle "$B" /bin/tinit true || return
  cfg "$B" '.process.cwd = "relative"' || return
  sh_run "$TONG" --root "$ROOT" --log "$T/log.json" --log-format json create --bundle "$B" "$ID"
  assert_exit "create fails" 1 || return
  assert_contains "stderr has the error" "$ERR" process.cwd
  assert_true "log.json exists" test -s "$T/log.json" || return
  local line
  line=$(grep -m1 process.cwd "$T/log.json")
  assert_true "the line is JSON" jq -e . <<<"$line"
  assert_eq "level" "$(jq -r .level <<<"$line")" error
  assert_contains "msg" "$(jq -r .msg <<<"$line")" process.cwd
  assert_match "time is RFC 3339" "$(jq -r .time <<<"$line")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$'
}

t_log_text_debug() {
  make_bundle "$B" /bin/tinit true || return
  sh_run "$TONG" --root "$ROOT" --log "$T/log.txt" --debug run --bundle "$B" "$ID"
  assert_ok "run with --debug --log" || return
  assert_contains "per-phase timing is logged" "$(cat "$T/log.txt")" "phase clone"
  assert_contains "text lines carry level=debug" "$(cat "$T/log.txt")" "level=debug"
}

# containerd passes `--opt value`, podman often `--opt=value`.
t_option_forms() {
  make_bundle "$B" /bin/tinit sleep 100 || return
  sh_run "$TONG" "--root=$ROOT" create "--bundle=$B" "--pid-file=$T/pid" "$ID"
  assert_ok "create with --opt=value" || return
  assert_eq "the pid file holds the pid" "$(cat "$T/pid")" "$(pid_of)"
  tong kill "$ID" 9
  assert_ok "kill by number" || return
  assert_status "stopped after kill 9" stopped || return
  tong delete "$ID"
  assert_ok "delete" || return
  assert_clean "nothing left"
}

t_signal_names() {
  local s
  make_bundle "$B" /bin/tinit trap 100 || return
  for s in TERM SIGTERM sigterm 15; do
    tong run -d --bundle "$B" "$ID"
    assert_ok "run -d ($s)" || return
    wait_status running || { bail "running ($s)" "status $(state_of)"; return; }
    tong kill "$ID" "$s"
    assert_ok "kill $s" || return
    assert_status "$s stops the container" stopped || return
    tong delete "$ID"
    assert_ok "delete after $s"
  done
  args "$B" /bin/tinit sleep 100 || return
  tong run -d --bundle "$B" "$ID"
  tong kill "$ID" NOTASIGNAL
  assert_exit "an invalid signal name is refused" 1
  assert_eq "the container keeps running" "$(state_of)" running
  tong delete --force "$ID"
}

t_features() {
  sh_run "$TONG" features
  assert_ok "features" || return
  assert_true "features is JSON" jq -e . <<<"$OUT" || return
  assert_eq "ociVersionMax" "$(jq -r .ociVersionMax <<<"$OUT")" 1.3.0
  assert_eq "hooks" "$(jq -c .hooks <<<"$OUT")" '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]'
  assert_true "namespaces include time" jq -e '.linux.namespaces | index("time")' <<<"$OUT"
  assert_true "seccomp actions include SCMP_ACT_NOTIFY" jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY")' <<<"$OUT"
  assert_true "mount options include rro" jq -e '.mountOptions | index("rro")' <<<"$OUT"
  assert_true "capabilities include CAP_SYS_ADMIN" jq -e '.linux.capabilities | index("CAP_SYS_ADMIN")' <<<"$OUT"
}

run_test "version" t_version
run_test "help" t_help
run_test "log json" t_log_json
run_test "log text debug" t_log_text_debug
run_test "option forms" t_option_forms
run_test "signal names" t_signal_names
run_test "features" t_features
