#!/bin/bash
# What a Docker user does, with tong and its three helpers together, on
# loopback only: pull an image from a registry on 127.0.0.1 (its config:
# Cmd busybox httpd on port 80, a Volume, ExposedPorts), unpack it, attach
# its volume and a named one, create and start it with the built ./tong,
# publish its port, fetch a file through it, keep data in the named volume
# across a second container, then unpublish and clean everything up.
FIXTURES=base
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image-fixtures.sh"

TV=${TONG_VOLUME:-$TOP/tong-volume}
TP=${TONG_PORT:-$TOP/tong-port}
PT=${PORTTEST:-$TOP/tools/port/porttest}
for f in "$TV" "$TP" "$PT"; do
  if [ ! -x "$f" ]; then
    echo "not ok $AREA: $f not built"
    exit 1
  fi
done
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

# web: busybox (the fixtures' base layer) and a layer with /www, whose
# config runs httpd on port 80 with /www a volume and 80/tcp exposed.
build_web() {
  local L=$FIX/oci w=$FIX/web
  umoci unpack --image "$L:base" "$w" >/dev/null || return 1
  mkdir -p "$w/rootfs/www" "$w/rootfs/data"
  head -c 2097152 /dev/urandom >"$w/rootfs/www/big.bin"
  echo '<h1>tong</h1>' >"$w/rootfs/www/index.html"
  chmod 0755 "$w/rootfs/www"
  umoci repack --image "$L:web" "$w" >/dev/null || return 1
  umoci config --image "$L:web" --config.cmd /bin/httpd --config.cmd -f \
    --config.cmd -p --config.cmd 80 --config.cmd -h --config.cmd /www \
    --config.volume /www --config.exposedports 80/tcp >/dev/null || return 1
  WEB_SUM=$(sha256sum <"$w/rootfs/www/big.bin" | cut -d' ' -f1)
  skopeo copy -q --dest-tls-verify=false "oci:$L:web" "docker://$REG/e2e/web:v1"
}
if ! build_web >"$FIX/web.log" 2>&1; then
  echo "not ok $AREA: build the web image: $(tail -c 400 "$FIX/web.log" | tr '\n' ' ')"
  exit 1
fi

# Each tool with this test's own store, volume root, port state and tong root.
ti() { sh_run "$IMG" --root "$T/images" "$@"; }
tv() { sh_run "$TV" --root "$T/volumes" "$@"; }
tp() { TONG_PORT_STATE_DIR=$T/ports sh_run "$TP" --root "$ROOT" "$@"; }
tp_ls() { TONG_PORT_STATE_DIR=$T/ports sh_run "$TP" ls "$@"; }

# The proxies this test started, killed by pid if anything went wrong.
stop_proxies() {
  local f p
  for f in "$T"/ports/*.json; do
    [ -e "$f" ] || continue
    p=$(jq -r .pid "$f" 2>/dev/null)
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null
  done
}

# fetch_sum PORT: the checksum of /big.bin through the port (polled, bounded:
# the server inside may still be starting).
fetch_sum() {
  local i got=""
  for ((i = 0; i < 100; i++)); do
    got=$(curl -sf --max-time 10 "http://127.0.0.1:$1/big.bin" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$WEB_SUM" ] && break
    sleep 0.1
  done
  printf '%s' "$got"
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

t_docker_user() {
  defer stop_proxies
  local ref=$REG/e2e/web:v1 b1=$T/web1 b2=$T/web2 id2=$ID-2
  # docker pull
  ti pull "$ref"
  assert_ok "pull" || return
  assert_contains "pull: Status line" "$OUT" "Status: Downloaded newer image for $ref"
  ti images
  assert_match "images lists it" "$OUT" "^$REG/e2e/web +v1 "
  # docker create: unpack, the image's volume and a named one.
  ti unpack "$ref" "$b1"
  assert_ok "unpack" || return
  assert_eq "args from the image's Cmd" "$(jq -c .process.args "$b1/config.json")" \
    '["/bin/httpd","-f","-p","80","-h","/www"]'
  tv attach --image-volumes "$b1" appdata:/data
  assert_ok "attach --image-volumes and appdata:/data" || return
  local anon=$OUT
  assert_match "an anonymous volume for /www" "$anon" '^[0-9a-f]{64}$' || return
  assert_eq "/www is that volume" "$(jq -r '.mounts[] | select(.destination == "/www") | .source' "$b1/config.json")" \
    "$T/volumes/$anon/_data"
  assert_eq "seeded with the image's /www" "$(sha256sum <"$T/volumes/$anon/_data/big.bin" | cut -d' ' -f1)" "$WEB_SUM"
  assert_eq "/data is the named volume" "$(jq -r '.mounts[] | select(.destination == "/data") | .source' "$b1/config.json")" \
    "$T/volumes/appdata/_data"
  # docker start
  tong_to "$T/c1.out" create --bundle "$b1" "$ID"
  assert_ok "tong create" || return
  tong start "$ID"
  assert_ok "tong start" || return
  assert_status "running" running || return
  # docker run -P: the image's exposed port on a free loopback port.
  tp publish -P "$ID"
  assert_ok "tong-port publish -P" || return
  assert_match "the exposed port, published on loopback" "$OUT" '^127\.0\.0\.1:[0-9]+->80/tcp$' || return
  local port=${OUT%%->*}
  port=${port##*:}
  assert_eq "curl through the port: the image's file, checksum equal" "$(fetch_sum "$port")" "$WEB_SUM"
  local page
  page=$(curl -sf --max-time 10 "http://127.0.0.1:$port/")
  assert_eq "and its index page" "$page" '<h1>tong</h1>'
  tp_ls
  assert_eq "tong-port ls" "$OUT" "$ID 127.0.0.1:$port->80/tcp"
  # docker exec: write into the named volume.
  tong exec "$ID" /bin/sh -c 'echo kept-across-containers >/data/note'
  assert_ok "exec writes into /data" || return
  assert_eq "it is in the volume on the host" "$(cat "$T/volumes/appdata/_data/note" 2>&1)" kept-across-containers
  # docker rm -f: the proxy goes with the container.
  local proxy
  proxy=$(jq -r .pid "$T"/ports/*.json)
  tong delete --force "$ID"
  assert_ok "delete --force" || return
  assert_true "the proxy stopped with the container" wait_gone "$proxy"
  tp_ls
  assert_eq "nothing published" "$OUT" ""
  sh_run "$PT" bind-check 127.0.0.1 "$port"
  assert_eq "the host port is free again" "$OUT" bind=ok
  tv rm appdata
  assert_fails "the named volume is in use by the bundle"
  assert_contains "in Docker's words" "$ERR" "remove appdata: volume is in use - [$b1]"
  # The bundle goes (its anonymous volume is then unused): docker volume
  # prune takes the anonymous one and keeps the named one.
  rm -rf --one-file-system "$b1"
  tv prune
  assert_eq "volume prune removes the unused anonymous volume" "$OUT" "$anon"
  tv ls -q
  assert_eq "the named volume stays" "$OUT" appdata
  # docker run again, from a fresh unpack, with the same named volume.
  ti unpack "$ref" "$b2"
  assert_ok "a fresh unpack" || return
  tv attach --image-volumes "$b2" appdata:/data
  assert_ok "attach the same named volume" || return
  local anon2=$OUT
  tong_to "$T/c2.out" create --bundle "$b2" "$id2"
  tong start "$id2"
  assert_status "the second container runs" running "$id2" || return
  tong exec "$id2" /bin/cat /data/note
  assert_eq "it reads what the first container wrote" "$OUT" kept-across-containers
  tp publish "$id2" 127.0.0.1:0:80
  assert_ok "publish 127.0.0.1:0:80" || return
  port=${OUT%%->*}
  port=${port##*:}
  assert_eq "curl through the second container's port" "$(fetch_sum "$port")" "$WEB_SUM"
  proxy=$(jq -r .pid "$T"/ports/*.json)
  tp unpublish "$id2" "127.0.0.1:$port:80"
  assert_ok "unpublish" || return
  assert_true "the proxy is gone" wait_gone "$proxy"
  sh_run curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$port/"
  assert_fails "nothing answers on the port any more"
  # Clean up everything, as a user would.
  tong delete --force "$id2"
  assert_ok "delete the second container" || return
  tv detach "$b2" /data /www
  assert_ok "detach its volumes" || return
  tv rm appdata "$anon2"
  assert_ok "rm both volumes" || return
  tv ls -q
  assert_eq "no volume left" "$OUT" ""
  ti rmi "$ref"
  assert_ok "rmi" || return
  assert_eq "no blob left in the image store" "$(ls -A "$T/images/blobs/sha256" | wc -l)" 0
  tp_ls
  assert_eq "no port left" "$OUT" ""
  assert_clean "no container, mount or process left" "$id2"
}

run_test docker_user t_docker_user
