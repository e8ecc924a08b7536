# tests/integration/nginx_lib.sh - Debian's nginx as the TLS front of
# `vouch serve`, with the shipped configuration (tools/deploy/nginx/vouch.conf,
# included unchanged; only the site's own files, vouch/backends.conf and
# vouch/site.conf, are written here): a throwaway test CA and a server
# certificate for localhost and 127.0.0.1 made with openssl, nginx in the
# foreground with its pid, logs and temp files in $WORK/nginx.  Run as root,
# nginx drops to the user nobody (setpriv) so that it is unprivileged either
# way.  Source it after server_lib.sh (it needs WORK, ok and bad).
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
NGINX_PID=
NGINX_CONF_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/deploy/nginx" && pwd)/vouch.conf

# need_tools TOOL...: exit 77 (ctest's skip) naming what is absent.
need_tools() {
  local t missing=()
  for t in "$@"; do
    if [ "$t" = nginx ]; then [ -x "$NGINX" ] || missing+=(nginx); continue; fi
    command -v "$t" >/dev/null || missing+=("$t")
  done
  if [ ${#missing[@]} -ne 0 ]; then
    echo "SKIP: not installed: ${missing[*]} (scripts/install-deps.sh installs them)"
    exit 77
  fi
}

# free_port: a loopback TCP port nobody listens on now.
free_port() {
  "$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_test_pki: $WORK/ca.pem (the test CA clients trust), $WORK/nginx/tls.pem
# and tls.key (localhost, 127.0.0.1, signed by it).
make_test_pki() {
  mkdir -p "$WORK/nginx"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -subj "/CN=vouch test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2> "$WORK/openssl.err" || { cat "$WORK/openssl.err" >&2; exit 1; }
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/nginx/tls.key" -out "$WORK/tls.csr" -subj "/CN=localhost" \
    2> "$WORK/openssl.err" || { cat "$WORK/openssl.err" >&2; exit 1; }
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
    > "$WORK/tls.ext"
  openssl x509 -req -in "$WORK/tls.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
    -CAcreateserial -days 2 -extfile "$WORK/tls.ext" -out "$WORK/nginx/tls.pem" \
    2> "$WORK/openssl.err" || { cat "$WORK/openssl.err" >&2; exit 1; }
}

# start_nginx PORT BACKEND_PORT...: nginx on 127.0.0.1:PORT (https, HTTP/1.1
# and 2) balancing over the backends; NGINX_URL, NGINX_LOG (its access log).
start_nginx() {
  local port=$1 p d
  shift
  d=$WORK/nginx
  mkdir -p "$d/conf/vouch" "$d/logs" "$d/tmp"
  : > "$d/conf/vouch/backends.conf"
  for p in "$@"; do
    echo "server 127.0.0.1:$p max_fails=1 fail_timeout=5s;" >> "$d/conf/vouch/backends.conf"
  done
  cat > "$d/conf/vouch/site.conf" <<EOF
listen 127.0.0.1:$port ssl http2;
server_name localhost;
ssl_certificate $d/tls.pem;
ssl_certificate_key $d/tls.key;
access_log $d/logs/access.log vouch;
EOF
  cat > "$d/conf/nginx.conf" <<EOF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log info;
events { worker_connections 256; }
http {
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  include $NGINX_CONF_SRC;
}
EOF
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody:nogroup "$d"
    chmod o+x "$WORK"
    run=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
    # A checkout that nobody may not read: the master stays root and only
    # its workers drop to nobody (nginx's default), still on a high port.
    "${run[@]}" test -r "$NGINX_CONF_SRC" || run=()
  fi
  if ! "${run[@]}" "$NGINX" -p "$d" -c conf/nginx.conf -t > "$WORK/nginx-t.out" 2>&1; then
    bad "nginx -t refuses the configuration:"
    cat "$WORK/nginx-t.out" >&2
    exit 1
  fi
  ok "nginx -t accepts the shipped vouch.conf ($(head -c 200 "$WORK/nginx-t.out" | tr '\n' ' '))"
  # Its own session and process group: kill_nginx reaches the workers too.
  setsid "${run[@]}" "$NGINX" -p "$d" -c conf/nginx.conf -g 'daemon off;' 2> "$d/logs/stderr" &
  NGINX_PID=$!
  NGINX_URL=https://localhost:$port
  NGINX_LOG=$d/logs/access.log
  local i
  for i in $(seq 1 200); do
    if curl -s -o /dev/null --cacert "$WORK/ca.pem" "$NGINX_URL/healthz" 2>/dev/null; then return 0; fi
    if ! kill -0 "$NGINX_PID" 2>/dev/null; then
      echo "FAIL: nginx did not start:" >&2
      cat "$d/logs/stderr" "$d/logs/error.log" >&2 2>/dev/null
      exit 1
    fi
    sleep 0.05
  done
  echo "FAIL: nginx does not answer on $NGINX_URL" >&2
  cat "$d/logs/error.log" >&2
  exit 1
}

# kill_nginx: for traps: a fast stop (SIGTERM), then SIGKILL to its whole
# process group, so that no worker outlives the test.
kill_nginx() {
  [ -n "$NGINX_PID" ] || return 0
  kill -TERM "$NGINX_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 40); do
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL -- "-$NGINX_PID" 2>/dev/null || true
  NGINX_PID=
}

# stop_nginx: a graceful stop (SIGQUIT), then it must be gone within 10 s.
stop_nginx() {
  [ -n "$NGINX_PID" ] || return 0
  kill -QUIT "$NGINX_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 200); do
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$NGINX_PID" 2>/dev/null; then bad "nginx did not stop within 10 s of SIGQUIT"; fi
  kill -KILL -- "-$NGINX_PID" 2>/dev/null || true
  wait "$NGINX_PID" 2>/dev/null || true
  NGINX_PID=
}
