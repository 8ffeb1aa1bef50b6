# Sourced by the benchmark scripts: nginx as the reference server, one worker,
# its config and logs in a temporary directory, on a free high port.
#   nginx_start DIR    starts it; sets nginx_port and nginx_pid, waits until it answers
#   nginx_stop         stops and reaps it (call from the script's EXIT trap)
# It answers every path with a 200 "Hello, World!" body.

nginx_start() {
  local dir=$1
  nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir;
  proxy_temp_path $dir;
  fastcgi_temp_path $dir;
  uwsgi_temp_path $dir;
  scgi_temp_path $dir;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type text/plain; return 200 "Hello, World!"; }
  }
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" &
  nginx_pid=$!
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$nginx_port/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "nginx did not start: $(tail -3 "$dir/error.log" 2>/dev/null)" >&2
  return 1
}

nginx_stop() {
  if [[ -n ${nginx_pid:-} ]]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=
  fi
}
