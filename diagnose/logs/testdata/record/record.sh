#!/bin/bash
# Records real Apache httpd and nginx logs for the mod-proxy causes into ../scenarios/CAUSE/PROXY/.
# Needs root (tcpdump), apache2, nginx, curl and python3; everything listens on 127.0.0.1 and every
# run is bounded.
# Usage: record.sh [CAUSE...]   (default: all)
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$here/../scenarios
work=$(mktemp -d /tmp/hopscope-record.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
BACKEND=18190 APACHE=18180 NGINX=18182
head -c 8000000 /dev/zero > "$work/body.bin"

apache_conf() { # $1 extra ProxyPass parameters
cat > "$work/apache.conf" <<CONF
ServerRoot $work
Listen 127.0.0.1:$APACHE
PidFile $work/apache.pid
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
ErrorLog $work/error.log
LogLevel warn
LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"" combined
CustomLog $work/access.log combined
ServerName localhost
ProxyTimeout 3
ProxyPass / http://127.0.0.1:$BACKEND/ connectiontimeout=2 $1
CONF
}

nginx_conf() {
cat > "$work/nginx.conf" <<CONF
user root;
pid $work/nginx.pid;
error_log $work/error.log warn;
events {}
http {
  access_log $work/access.log combined;
  client_body_temp_path $work/nb; proxy_temp_path $work/np;
  fastcgi_temp_path $work/nf; uwsgi_temp_path $work/nu; scgi_temp_path $work/ns;
  upstream backend { server 127.0.0.1:$BACKEND; keepalive 8; }
  server {
    listen 127.0.0.1:$NGINX;
    client_max_body_size 20m;
    proxy_connect_timeout 2s; proxy_read_timeout 3s; proxy_send_timeout 3s;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
}

get() { curl -s -o /dev/null -m 10 "http://127.0.0.1:$port$1"; }
form() { curl -s -o /dev/null -m 10 -d field=value "http://127.0.0.1:$port$1"; }
post() { curl -s -o /dev/null -m 10 -H 'Expect:' --data-binary @"$work/body.bin" "http://127.0.0.1:$port$1"; }

traffic() { # $1 cause
  case $1 in
  backend.down)
    for i in $(seq 12); do get /page/$((i % 3)); sleep 0.2; done ;;
  backend.overloaded)
    for round in 1 2; do
      for i in $(seq 8); do get /page/$i; sleep 0.2; done
      pids=""
      for i in $(seq 30); do get /page/$((i % 9)) & pids="$pids $!"; done
      wait $pids
      sleep 1
    done
    for i in $(seq 8); do get /page/$i; sleep 0.2; done ;;
  body.backend-closed|body.backend-stalled)
    for i in $(seq 4); do get /page/$i; get /home; post /upload; done
    get /home ;;
  keepalive.race)
    # Requests after an idle pause meet a connection the backend has just closed; nginx retries
    # a GET on another connection by itself, so the rounds start with a GET or a small POST.
    for i in $(seq 8); do
      sleep 1.3
      if [ $((i % 2)) = 1 ]; then form /form; get /page/$i; form /form; else get /page/$i; form /form; get /home; fi
    done ;;
  request.pattern)
    for i in $(seq 4); do get /page/$i; get /home; get /report/$i; get /about; done ;;
  esac
}

mode_of() {
  case $1 in
  backend.down) echo none ;;
  backend.overloaded) echo overloaded ;;
  body.backend-closed) echo close-body ;;
  body.backend-stalled) echo stall-body ;;
  keepalive.race) echo idle-close ;;
  request.pattern) echo fail-path ;;
  esac
}

record() { # $1 cause $2 proxy
  rm -f "$work"/error.log "$work"/access.log
  mode=$(mode_of "$1")
  if [ "$mode" != none ]; then
    timeout 160 python3 "$here/backend.py" "$mode" $BACKEND & bpid=$!
    sleep 0.5
  fi
  if [ "$2" = apache ]; then
    extra=""; [ "$1" = backend.overloaded ] && extra="retry=0"
    apache_conf "$extra"; port=$APACHE
    timeout 150 apache2 -f "$work/apache.conf" -D FOREGROUND & ppid=$!
  else
    nginx_conf; port=$NGINX
    timeout 150 nginx -c "$work/nginx.conf" -g 'daemon off;' & ppid=$!
  fi
  # The hop between proxy and backend, headers only (-s 200): bodies are zeros and would only
  # make the capture large.
  timeout 150 tcpdump -i lo -s 200 -U -w "$work/lo.pcap" "tcp port $BACKEND" 2>/dev/null & tpid=$!
  sleep 1
  traffic "$1"
  sleep 0.5
  kill $ppid 2>/dev/null; wait $ppid 2>/dev/null
  sleep 0.3; kill $tpid 2>/dev/null; wait $tpid 2>/dev/null
  [ "$mode" != none ] && { kill $bpid 2>/dev/null; wait $bpid 2>/dev/null; }
  mkdir -p "$out/$1/$2"
  cp "$work/error.log" "$out/$1/$2/error.log"
  cp "$work/access.log" "$out/$1/$2/access.log"
  gzip -9 -c "$work/lo.pcap" > "$out/$1/$2/lo.pcap.gz"
  echo "$1/$2: $(grep -c . "$work/error.log") error lines, $(grep -c . "$work/access.log") requests"
}

causes=${*:-backend.down backend.overloaded body.backend-closed body.backend-stalled keepalive.race request.pattern}
for c in $causes; do
  for p in apache nginx; do record "$c" "$p"; done
done
