#!/bin/bash
# tong-port: ports of containers run by tong, reached from the host through
# the userspace proxy.  Loopback only: the host side is 127.0.0.1 and the
# containers have nothing but their own loopback.
. "$(dirname "$0")/lib.sh"

TP=${TONG_PORT:-$TOP/tong-port}
PT=${PORTTEST:-$TOP/tools/port/porttest}
for f in "$TP" "$PT"; do
  if [ ! -x "$f" ]; then
    echo "not ok $AREA: $f not built"
    exit 1
  fi
done
for tool in curl nsenter sha256sum; do
  if ! command -v $tool >/dev/null 2>&1; then
    echo "not ok $AREA: missing tool $tool"
    exit 1
  fi
done
# Never a proxy between curl and loopback.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

# tp ARGS...: tong-port with this test's state dir and tong root.
tp() { TONG_PORT_STATE_DIR=$T/ports sh_run "$TP" "$@"; }

# Kill (by pid) any proxy this test left, at its cleanup.
stop_proxies() {
  local f p
  for f in "$T"/ports/*.json; do
    [ -e "$f" ] || continue
    p=$(jq -r .pid "$f" 2>/dev/null)
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null
  done
}

# start_ctr CMD...: create the container with CMD (porttest is /bin/porttest,
# /www holds big.bin), bring its loopback up from the host (the default
# capabilities have no CAP_NET_ADMIN), start it.  Sets CPID.
start_ctr() {
  make_bundle "$B" "$@" || return 1
  cp "$PT" "$B/rootfs/bin/porttest"
  if [ -n "${PRE_CREATE:-}" ]; then eval "$PRE_CREATE" || return 1; fi
  mkdir -p "$B/rootfs/www"
  if [ ! -e "$T/big.bin" ]; then head -c 4194304 /dev/urandom >"$T/big.bin"; fi
  cp "$T/big.bin" "$B/rootfs/www/big.bin"
  tong_to "$T/ctr.out" create --bundle "$B" "$ID" || { bail "create" "$ERR"; return 1; }
  CPID=$(pid_of)
  nsenter -t "$CPID" -n ip link set lo up || { bail "lo up" "nsenter failed"; return 1; }
  tong start "$ID" || { bail "start" "$ERR"; return 1; }
  defer stop_proxies
}

HTTPD=(/bin/httpd -f -p 127.0.0.1:8080 -h /www)

# host_port TEXT: the host port of the first "IP:PORT->..." line of TEXT.
host_port() { printf '%s\n' "$1" | sed -n '1s/^.*:\([0-9]*\)->.*$/\1/p'; }

# wait_http PORT: poll (bounded: 100 x 0.1 s) until the server answers.
wait_http() {
  local i
  for ((i = 0; i < 100; i++)); do
    curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$1/big.bin" && return 0
    sleep 0.1
  done
  return 1
}

# wait_gone PID: poll (bounded) until PID has exited.
wait_gone() {
  local i
  for ((i = 0; i < 100; i++)); do
    if [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; then return 0; fi
    sleep 0.1
  done
  return 1
}

t_http() {
  start_ctr "${HTTPD[@]}" || return
  tp publish --root "$ROOT" "$ID" 0:8080
  assert_ok "publish by container id" || return
  assert_match "prints the picked port" "$OUT" '^127\.0\.0\.1:[0-9]+->8080/tcp$'
  local port
  port=$(host_port "$OUT")
  assert_true "the server answers" wait_http "$port" || return
  local want got
  want=$(sha256sum <"$T/big.bin" | cut -d' ' -f1)
  got=$(curl -sf --max-time 20 "http://127.0.0.1:$port/big.bin" | sha256sum | cut -d' ' -f1)
  assert_eq "4 MiB through the proxy, checksum equal" "$got" "$want"
  tp ls
  assert_eq "ls line" "$OUT" "$ID 127.0.0.1:$port->8080/tcp"
  tp --root "$ROOT" ls
  assert_eq "options before the command, as tong-image and tong-volume take --root" "$OUT" "$ID 127.0.0.1:$port->8080/tcp"
  tp ls --format json
  assert_eq "ls json" "$(printf '%s' "$OUT" | jq -c '.[0] | [.container, .hostIp, .hostPort, .containerPort, .protocol]')" \
    "[\"$ID\",\"127.0.0.1\",$port,8080,\"tcp\"]"
  # Another loopback address, when asked: only there.
  tp publish --root "$ROOT" "$ID" 127.0.0.2:0:8080
  assert_ok "publish on 127.0.0.2" || return
  local p2
  p2=$(host_port "$OUT")
  got=$(curl -sf --max-time 20 "http://127.0.0.2:$p2/big.bin" | sha256sum | cut -d' ' -f1)
  assert_eq "served on 127.0.0.2" "$got" "$want"
  sh_run "$PT" bind-check 127.0.0.1 "$p2"
  assert_eq "not on 127.0.0.1" "$OUT" bind=ok
}

t_ipv6() {
  if ! ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
    echo "# $AREA: ipv6: no ::1 on the host's loopback, not checked"
    return
  fi
  start_ctr "${HTTPD[@]}" || return
  tp publish --root "$ROOT" "$ID" "[::1]:0:8080"
  assert_ok "publish on [::1]" || return
  assert_match "printed with brackets" "$OUT" '^\[::1\]:[0-9]+->8080/tcp$'
  local port i got=""
  port=$(host_port "$OUT")
  for ((i = 0; i < 100; i++)); do
    got=$(curl -sfg --max-time 10 "http://[::1]:$port/big.bin" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$(sha256sum <"$T/big.bin" | cut -d' ' -f1)" ] && break
    sleep 0.1
  done
  assert_eq "IPv6 host side, the container's IPv4 loopback inside" "$got" "$(sha256sum <"$T/big.bin" | cut -d' ' -f1)"
}

# sha_via URL: the checksum of what curl fetched (bounded polls: the proxy
# is ready, the server inside may still be starting).
sha_via() {
  local i got=""
  for ((i = 0; i < 100; i++)); do
    got=$(curl -sfg --max-time 10 "$1" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$(sha256sum <"$T/big.bin" | cut -d' ' -f1)" ] && break
    sleep 0.1
  done
  printf '%s' "$got"
}

# The inside address: the loopback of the published address's family first
# (a server bound to ::1 only), the other loopback when that one refuses
# (TCP), or --container-ip (a server bound to another address only).
t_inside_address() {
  if ! ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
    echo "# $AREA: inside_address: no ::1 on the host's loopback, not checked"
    return
  fi
  # Two servers: one on ::1 only, one on 192.0.2.10 only (an address put on
  # the loopback of the container's own network namespace, made for it).
  # The address comes after create: the second server retries its bind
  # (bounded: 100 x 0.1 s) until it is there.
  start_ctr /bin/sh -c 'for i in $(seq 100); do /bin/httpd -p 192.0.2.10:8081 -h /www 2>/dev/null && break; sleep 0.1; done &
    exec /bin/httpd -f -p "[::1]:8080" -h /www' || return
  nsenter -t "$CPID" -n ip addr add 192.0.2.10/32 dev lo || { bail "address" "ip addr add failed"; return; }
  local want port
  want=$(sha256sum <"$T/big.bin" | cut -d' ' -f1)
  tp publish --root "$ROOT" "$ID" "[::1]:0:8080"
  assert_ok "publish [::1]:0:8080" || return
  port=$(host_port "$OUT")
  assert_eq "IPv6 host address: the container's ::1" "$(sha_via "http://[::1]:$port/big.bin")" "$want"
  tp publish --root "$ROOT" "$ID" "127.0.0.1:0:8080"
  port=$(host_port "$OUT")
  assert_eq "IPv4 host address, a server on ::1 only: reached on the other loopback" \
    "$(sha_via "http://127.0.0.1:$port/big.bin")" "$want"
  tp publish --root "$ROOT" "$ID" "127.0.0.1:0:8081"
  port=$(host_port "$OUT")
  sh_run "$PT" tcp-send 127.0.0.1 "$port"
  assert_contains "a server on another address only: not on the loopback (reset)" "$OUT" "end=reset"
  tp publish --root "$ROOT" --container-ip 192.0.2.10 "$ID" "127.0.0.1:0:8081"
  assert_ok "publish --container-ip 192.0.2.10" || return
  port=$(host_port "$OUT")
  assert_eq "--container-ip: reached there" "$(sha_via "http://127.0.0.1:$port/big.bin")" "$want"
  tp ls --format json
  assert_eq "ls --format json shows the inside address" \
    "$(printf '%s' "$OUT" | jq -r --argjson p "$port" '.[] | select(.hostPort == $p) | .containerIp')" 192.0.2.10
  tp publish --root "$ROOT" --container-ip 999.1.1.1 "$ID" "127.0.0.1:0:8081"
  assert_fails "a bad --container-ip is refused"
  tp ls --container-ip 192.0.2.10
  assert_fails "--container-ip is refused outside publish"
}

# 0.0.0.0 when asked, and only then: in a network namespace of the test's
# own (its loopback only), so "any address" reaches nothing else.
t_any_address() {
  command -v unshare >/dev/null || { bail "tools" "unshare needed"; return; }
  start_ctr "${HTTPD[@]}" || return
  cat >"$T/ns.sh" <<NS
ip link set lo up || exit 1
export TONG_PORT_STATE_DIR='$T/ports'
'$TP' publish --pid $CPID 0.0.0.0:0:8080 >'$T/any.pub' 2>&1 || exit 1
port=\$(sed -n 's/^0\.0\.0\.0:\([0-9]*\)->.*/\1/p' '$T/any.pub')
for i in \$(seq 100); do
  curl -sf --max-time 10 "http://127.0.0.1:\$port/big.bin" | sha256sum | cut -d' ' -f1 >'$T/any.sum'
  [ "\$(cat '$T/any.sum')" = '$(sha256sum <"$T/big.bin" | cut -d' ' -f1)' ] && break
  sleep 0.1
done
'$TP' ls --format json >'$T/any.ls'
'$TP' unpublish --pid $CPID >'$T/any.unpub' 2>&1
echo \$? >'$T/any.rc'
NS
  timeout -k 5 120 unshare -n bash "$T/ns.sh" >"$T/ns.log" 2>&1 </dev/null
  assert_match "publish 0.0.0.0:0:8080 prints the address asked for" "$(cat "$T/any.pub" 2>&1)" '^0\.0\.0\.0:[0-9]+->8080/tcp$'
  assert_eq "reached through it" "$(cat "$T/any.sum" 2>&1)" "$(sha256sum <"$T/big.bin" | cut -d' ' -f1)"
  assert_eq "ls: hostIp 0.0.0.0" "$(jq -r '.[0].hostIp' "$T/any.ls" 2>&1)" 0.0.0.0
  assert_eq "unpublished" "$(cat "$T/any.rc" 2>&1)" 0
  tp ls
  assert_eq "nothing left" "$OUT" ""
}

t_concurrent() {
  start_ctr "${HTTPD[@]}" || return
  tp publish --root "$ROOT" "$ID" 0:8080
  assert_ok "publish" || return
  local port i want
  port=$(host_port "$OUT")
  wait_http "$port" || { bail "server" "no answer"; return; }
  want=$(sha256sum <"$T/big.bin" | cut -d' ' -f1)
  ls "/proc/$(jq -r .pid "$T"/ports/*.json)/fd" | wc -l >"$T/fds.base"
  for ((i = 0; i < 8; i++)); do
    (curl -sf --max-time 30 "http://127.0.0.1:$port/big.bin" | sha256sum | cut -d' ' -f1 >"$T/sum.$i") &
  done
  wait
  local ok=0
  for ((i = 0; i < 8; i++)); do [ "$(cat "$T/sum.$i")" = "$want" ] && ok=$((ok + 1)); done
  assert_eq "8 concurrent downloads, all intact" "$ok" 8
  # Every connection's two sockets are closed again: the proxy's fds come
  # back to what it had before (polled, bounded).
  local proxy base now
  proxy=$(jq -r .pid "$T"/ports/*.json)
  base=$(cat "$T/fds.base" 2>/dev/null)
  for ((i = 0; i < 100; i++)); do
    now=$(ls "/proc/$proxy/fd" | wc -l)
    [ "$now" = "$base" ] && break
    sleep 0.1
  done
  assert_eq "no fd left over after the connections" "$now" "$base"
}

t_half_close() {
  start_ctr /bin/porttest tcp-count 9000 || return
  tp publish --pid "$CPID" 0:9000
  assert_ok "publish --pid" || return
  local port i
  port=$(host_port "$OUT")
  # The server answers only after it read our EOF: the FIN crossed the proxy
  # while the way back stayed open.
  for ((i = 0; i < 50; i++)); do
    head -c 1048576 /dev/urandom >"$T/payload"
    timeout 20 "$PT" tcp-send 127.0.0.1 "$port" <"$T/payload" >"$T/reply" 2>&1
    grep -q '^bytes=' "$T/reply" && break
    sleep 0.1
  done
  assert_eq "the reply after our half-close" "$(cat "$T/reply")" "$(printf 'bytes=1048576\nend=eof')"
}

t_inherited_fds() {
  start_ctr /bin/tinit sleep 100 || return
  # A descriptor the caller leaves open must not live on in the proxy.
  TONG_PORT_STATE_DIR=$T/ports "$TP" publish --root "$ROOT" "$ID" 0:80 7>"$T/leak" >"$T/pub" 2>&1 </dev/null
  assert_eq "publish" "$?" 0 || return
  local proxy
  proxy=$(jq -r .pid "$T"/ports/*.json)
  assert_eq "the proxy did not keep the caller's fd" \
    "$(find "/proc/$proxy/fd" -lname "$T/leak" 2>/dev/null | wc -l)" 0
  assert_eq "nor its stdout" "$(find "/proc/$proxy/fd" -lname "$T/pub" 2>/dev/null | wc -l)" 0
}

t_refused() {
  start_ctr /bin/tinit sleep 100 || return
  tp publish --root "$ROOT" "$ID" 0:9999
  assert_ok "publish a port nothing listens on" || return
  local port
  port=$(host_port "$OUT")
  sh_run "$PT" tcp-send 127.0.0.1 "$port"
  assert_contains "the client gets a reset" "$OUT" "end=reset"
}

t_resets() {
  # Two servers in one container: an echo server that logs how each
  # connection ended (to the container's stdout, $T/ctr.out), and one that
  # resets every connection.
  start_ctr /bin/sh -c '/bin/porttest tcp-rst 9001 & exec /bin/porttest tcp-echo 9000' || return
  tp publish --root "$ROOT" "$ID" 0:9000 0:9001
  assert_ok "publish" || return
  local pe pr i
  pe=$(printf '%s\n' "$OUT" | sed -n 's/^.*:\([0-9]*\)->9000.*$/\1/p')
  pr=$(printf '%s\n' "$OUT" | sed -n 's/^.*:\([0-9]*\)->9001.*$/\1/p')
  for ((i = 0; i < 50; i++)); do
    sh_run "$PT" tcp-reset 127.0.0.1 "$pe" && break
    sleep 0.1
  done
  assert_eq "the echo came back" "$OUT" echoed=1 || return
  for ((i = 0; i < 100; i++)); do
    grep -q '^conn end=' "$T/ctr.out" && break
    sleep 0.1
  done
  assert_eq "the client's reset reached the server inside" "$(grep '^conn end=' "$T/ctr.out")" "conn end=reset"
  sh_run "$PT" tcp-hold 127.0.0.1 "$pr"
  assert_contains "the server's reset reached the client" "$OUT" "end=reset"
}

t_container_exits() {
  start_ctr /bin/porttest tcp-count 9000 || return
  tp publish --root "$ROOT" "$ID" 0:9000
  assert_ok "publish" || return
  local port proxy i
  port=$(host_port "$OUT")
  proxy=$(jq -r .pid "$T"/ports/*.json)
  for ((i = 0; i < 50; i++)); do
    timeout 20 "$PT" tcp-hold 127.0.0.1 "$port" >"$T/hold" 2>&1 &
    local cl=$!
    wait_file "$T/hold" 50
    grep -q connected=1 "$T/hold" && break
    wait $cl
  done
  assert_contains "a connection is open" "$(cat "$T/hold")" connected=1 || return
  tong kill "$ID" KILL
  assert_status "the container stopped" stopped
  wait $cl
  assert_match "the open connection ended" "$(cat "$T/hold")" 'end=(eof|reset)'
  assert_true "the proxy exited with the container" wait_gone "$proxy"
  assert_false "its record is gone" test -e "$T/ports/tcp-127.0.0.1-$port.json"
  sh_run "$PT" bind-check 127.0.0.1 "$port"
  assert_eq "the port is free" "$OUT" bind=ok
}

t_port_taken() {
  start_ctr /bin/tinit sleep 100 || return
  "$PT" hold 127.0.0.1 0 >"$T/hold" 2>&1 &
  local holder=$!
  defer "kill $holder"
  wait_file "$T/hold" || { bail "hold" "no port"; return; }
  local port
  port=$(sed -n 's/^holding=//p' "$T/hold")
  tp publish --root "$ROOT" "$ID" "127.0.0.1:$port:80"
  assert_fails "publish on a taken port fails" || return
  assert_contains "says why" "$ERR" "Address already in use"
  tp ls
  assert_eq "nothing recorded" "$OUT" ""
  tp publish --root "$ROOT" "$ID" 0:80 0:81
  assert_ok "publish two ports" || return
  local p2
  p2=$(host_port "$OUT")
  tp publish --root "$ROOT" "$ID" "127.0.0.1:$p2:82"
  assert_fails "a port our own proxy holds is taken too"
  tp publish --root "$ROOT" "$ID" 0:83 "127.0.0.1:$port:84"
  assert_fails "all or nothing: one taken port fails the lot"
  tp ls
  assert_eq "only the first two are published" "$(printf '%s\n' "$OUT" | wc -l)" 2
  TONG_PORT_STATE_DIR=$T/ports sh_run "$TP" ls --root "$T/elsewhere"
  assert_eq "ls --root of another tong root lists none of them" "$OUT" ""
  tp ls --root "$ROOT"
  assert_eq "ls --root of this one lists both" "$(printf '%s\n' "$OUT" | grep -c "^$ID ")" 2
}

t_unpublish() {
  start_ctr "${HTTPD[@]}" || return
  tp publish --root "$ROOT" "$ID" 0:8080
  local port proxy
  port=$(host_port "$OUT")
  proxy=$(jq -r .pid "$T"/ports/*.json)
  sh_run "$PT" bind-check 127.0.0.1 "$port"
  assert_eq "the port is held" "$OUT" bind=EADDRINUSE
  tp unpublish --root "$ROOT" "$ID" "127.0.0.1:$port:8080"
  assert_ok "unpublish" || return
  assert_true "the proxy is gone" wait_gone "$proxy"
  sh_run "$PT" bind-check 127.0.0.1 "$port"
  assert_eq "the port is free" "$OUT" bind=ok
  tp ls
  assert_eq "ls is empty" "$OUT" ""
  tp unpublish --root "$ROOT" "$ID" "127.0.0.1:$port:8080"
  assert_fails "unpublish again: not published"
  tp publish --root "$ROOT" "$ID" "127.0.0.1:$port:8080"
  assert_ok "the same port can be published again" || return
  assert_true "and it works" wait_http "$port"
  tp unpublish --root "$ROOT" "$ID"
  assert_ok "unpublish without a spec: all of the container's"
  tp ls
  assert_eq "ls is empty again" "$OUT" ""
}

t_udp() {
  start_ctr /bin/porttest udp-echo 5353 || return
  tp publish --udp-timeout 1 --root "$ROOT" "$ID" 0:5353/udp
  assert_ok "publish udp" || return
  assert_match "a udp mapping" "$OUT" '->5353/udp$'
  local port i
  port=$(host_port "$OUT")
  for ((i = 0; i < 50; i++)); do
    sh_run "$PT" udp-send 127.0.0.1 "$port" ping && break
    sleep 0.1
  done
  sh_run "$PT" udp-send 127.0.0.1 "$port" one two sleep:3 three
  assert_ok "three answers" || return
  local f1 f2 f3
  f1=$(printf '%s\n' "$OUT" | sed -n '1s/^reply=from=\([0-9]*\) one$/\1/p')
  f2=$(printf '%s\n' "$OUT" | sed -n '2s/^reply=from=\([0-9]*\) two$/\1/p')
  f3=$(printf '%s\n' "$OUT" | sed -n '3s/^reply=from=\([0-9]*\) three$/\1/p')
  assert_ne "echoed" "$f1" ""
  assert_eq "one client, one flow" "$f2" "$f1"
  assert_ne "after the idle timeout, a new flow" "$f3" "$f1"
  assert_ne "the new flow answered" "$f3" ""
  sh_run "$PT" udp-send 127.0.0.1 "$port" other
  local f4
  f4=$(printf '%s\n' "$OUT" | sed -n '1s/^reply=from=\([0-9]*\) other$/\1/p')
  assert_ne "another client, another flow" "$f4" ""
}

t_netns_path() {
  start_ctr "${HTTPD[@]}" || return
  touch "$T/netns"
  mount --bind "/proc/$CPID/ns/net" "$T/netns" || { bail "bind the netns" "mount failed"; return; }
  defer "umount '$T/netns'"
  tp publish --netns "$T/netns" 0:8080
  assert_ok "publish --netns" || return
  local port proxy
  port=$(host_port "$OUT")
  proxy=$(jq -r .pid "$T"/ports/*.json)
  assert_true "the server answers" wait_http "$port"
  tp ls
  assert_eq "ls names the netns" "$OUT" "$T/netns 127.0.0.1:$port->8080/tcp"
  umount "$T/netns"
  assert_true "the proxy stops when the netns file goes" wait_gone "$proxy"
}

t_hooks() {
  make_bundle "$B" "${HTTPD[@]}" || return
  cp "$PT" "$B/rootfs/bin/porttest"
  mkdir -p "$B/rootfs/www" && head -c 100000 /dev/urandom >"$B/rootfs/www/big.bin"
  cfg "$B" '.hooks = {
      createRuntime: [{path: $tp, args: ["tong-port", "publish", "--hook", "--state-dir", $sd, "0:8080"]}],
      poststop: [{path: $tp, args: ["tong-port", "unpublish", "--hook", "--state-dir", $sd]}]}' \
    --arg tp "$TP" --arg sd "$T/ports" || return
  defer stop_proxies
  tong_to "$T/ctr.out" create --bundle "$B" "$ID"
  assert_ok "create runs the createRuntime hook" || return
  nsenter -t "$(pid_of)" -n ip link set lo up
  tong start "$ID"
  tp ls --format json
  local port
  port=$(printf '%s' "$OUT" | jq -r '.[0].hostPort')
  assert_eq "published for the container" "$(printf '%s' "$OUT" | jq -r '.[0].container')" "$ID"
  assert_true "reachable" wait_http "$port"
  # What the hooks do, by hand while the container runs: unpublish --hook
  # stops the proxy; publish --hook from the state starts one again.
  local proxy
  proxy=$(printf '%s' "$OUT" | jq -r '.[0].proxyPid')
  timeout 10 "$TP" unpublish --state-dir "$T/ports" --hook < <(timeout 5 "$TONG" --root "$ROOT" state "$ID") >"$T/unpub" 2>&1
  assert_eq "unpublish --hook with the state on stdin" "$?" 0
  assert_true "stopped that proxy" wait_gone "$proxy"
  timeout 10 "$TP" publish --state-dir "$T/ports" --hook "127.0.0.1:$port:8080" \
    < <(timeout 5 "$TONG" --root "$ROOT" state "$ID") >"$T/pub" 2>&1
  assert_eq "publish --hook with the state on stdin" "$(cat "$T/pub")" "127.0.0.1:$port->8080/tcp"
  assert_true "reachable again" wait_http "$port"
  tong kill "$ID" KILL
  assert_status "stopped" stopped
  tong delete "$ID"
  assert_ok "delete runs the poststop hook" || return
  tp ls
  assert_eq "nothing published after delete" "$OUT" ""
  sh_run "$PT" bind-check 127.0.0.1 "$port"
  assert_eq "the port is free" "$OUT" bind=ok
}

add_exposed() { cfg "$B" '.annotations["org.opencontainers.image.exposedPorts"] = "8080/tcp,5353/udp"'; }

t_publish_all() {
  # What tong-image records from the image config's ExposedPorts.
  local cmd='/bin/porttest udp-echo 5353 & exec /bin/httpd -f -p 127.0.0.1:8080 -h /www'
  PRE_CREATE=add_exposed start_ctr /bin/sh -c "$cmd" || return
  tp publish --root "$ROOT" -P "$ID"
  assert_ok "publish --publish-all" || return
  local web udp i
  web=$(printf '%s\n' "$OUT" | sed -n 's/^127\.0\.0\.1:\([0-9]*\)->8080\/tcp$/\1/p')
  udp=$(printf '%s\n' "$OUT" | sed -n 's/^127\.0\.0\.1:\([0-9]*\)->5353\/udp$/\1/p')
  assert_ne "the exposed tcp port, on a free host port" "$web" ""
  assert_ne "the exposed udp port, on a free host port" "$udp" ""
  assert_true "http through it" wait_http "$web"
  for ((i = 0; i < 50; i++)); do
    sh_run "$PT" udp-send 127.0.0.1 "$udp" hi && break
    sleep 0.1
  done
  assert_match "udp through it" "$OUT" '^reply=from=[0-9]+ hi$'
}

# -P from a createRuntime hook: the exposed ports come from the annotations
# of the state on stdin.
t_publish_all_hook() {
  make_bundle "$B" "${HTTPD[@]}" || return
  mkdir -p "$B/rootfs/www" && head -c 100000 /dev/urandom >"$B/rootfs/www/big.bin"
  add_exposed || return
  cfg "$B" '.hooks = {
      createRuntime: [{path: $tp, args: ["tong-port", "publish", "--hook", "--state-dir", $sd, "-P"]}],
      poststop: [{path: $tp, args: ["tong-port", "unpublish", "--hook", "--state-dir", $sd]}]}' \
    --arg tp "$TP" --arg sd "$T/ports" || return
  defer stop_proxies
  tong_to "$T/ctr.out" create --bundle "$B" "$ID"
  assert_ok "create runs tong-port publish --hook -P" || return
  tong start "$ID"
  tp ls --format json
  assert_eq "both exposed ports published" \
    "$(printf '%s' "$OUT" | jq -c '[.[] | "\(.containerPort)/\(.protocol)"] | sort')" '["5353/udp","8080/tcp"]'
  local port
  port=$(printf '%s' "$OUT" | jq -r '.[] | select(.containerPort == 8080) | .hostPort')
  assert_true "reachable" wait_http "$port"
  tong delete --force "$ID"
  tp ls
  assert_eq "nothing published after delete" "$OUT" ""
}

t_publish_all_ip() {
  PRE_CREATE=add_exposed start_ctr "${HTTPD[@]}" || return
  tp publish --root "$ROOT" -P --ip 127.0.0.2 "$ID"
  assert_ok "publish -P --ip 127.0.0.2" || return
  local web
  web=$(printf '%s\n' "$OUT" | sed -n 's/^127\.0\.0\.2:\([0-9]*\)->8080\/tcp$/\1/p')
  assert_ne "on 127.0.0.2" "$web" ""
  local i ok=no
  for ((i = 0; i < 100; i++)); do
    curl -sf -o /dev/null --max-time 5 "http://127.0.0.2:$web/big.bin" && { ok=yes; break; }
    sleep 0.1
  done
  assert_eq "http on 127.0.0.2" "$ok" yes
  # Host port 0 in an unpublish spec: whichever port it got.
  tp unpublish --root "$ROOT" "$ID" 127.0.0.2:0:8080
  assert_ok "unpublish 127.0.0.2:0:8080" || return
  tp ls
  assert_match "only the udp port is left" "$OUT" "^$ID 127\.0\.0\.2:[0-9]+->5353/udp\$"
}

t_publish_all_none() {
  start_ctr /bin/tinit sleep 100 || return
  tp publish --root "$ROOT" -P "$ID"
  assert_fails "no annotation: nothing to publish"
  assert_contains "says so" "$ERR" "exposes no ports"
  tp publish --pid "$CPID" -P
  assert_fails "--publish-all needs a container target"
}

t_errors() {
  tp publish --root "$ROOT" nosuch 0:80
  assert_fails "a missing container"
  assert_contains "says so" "$ERR" "does not exist"
  make_bundle "$T/b2" /bin/tinit true || return
  tong run -d --bundle "$T/b2" "$ID-2"
  wait_status stopped "$ID-2"
  tp publish --root "$ROOT" "$ID-2" 0:80
  assert_fails "a stopped container"
  assert_contains "not running" "$ERR" "not running"
  start_ctr /bin/tinit sleep 100 || return
  local s
  for s in 80 0:0 "8080:80/sctp" "300.1.1.1:80:80" "0:65536"; do
    tp publish --root "$ROOT" "$ID" "$s"
    assert_fails "refused spec '$s'"
  done
  tp publish --pid "$CPID" --netns /proc/self/ns/net 0:80
  assert_fails "two targets refused"
  tp publish --pid "$CPID" --format json 0:80
  assert_fails "--format is refused outside ls"
  tp ls --udp-timeout 3
  assert_fails "--udp-timeout is refused outside publish"
  tp unpublish --root "$ROOT" "$ID" 0:80
  assert_fails "unpublish of what is not published"
  tp ls
  assert_eq "nothing was published" "$OUT" ""
}

run_test http t_http
run_test ipv6 t_ipv6
run_test inside_address t_inside_address
run_test any_address t_any_address
run_test concurrent t_concurrent
run_test half_close t_half_close
run_test inherited_fds t_inherited_fds
run_test refused t_refused
run_test resets t_resets
run_test container_exits t_container_exits
run_test port_taken t_port_taken
run_test unpublish t_unpublish
run_test udp t_udp
run_test netns_path t_netns_path
run_test hooks t_hooks
run_test publish_all t_publish_all
run_test publish_all_hook t_publish_all_hook
run_test publish_all_ip t_publish_all_ip
run_test publish_all_none t_publish_all_none
run_test errors t_errors
