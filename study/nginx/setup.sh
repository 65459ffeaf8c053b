#!/bin/sh
# Writes the nginx study's configuration to $work/nginx.conf: a master as root with two
# workers that drop to www-data, in the foreground, everything (pid, logs, temporary files)
# under $work; a site on 127.0.0.1:$port serving $in/www, and /backend/ proxied to the helper
# on 127.0.0.1:$backend.
set -eu
# The workers run as www-data: they must reach the content in the scratch directory.
chmod 755 "$work"
mkdir -p "$work/nginx-temp"
cat > "$work/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 2;
user www-data;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $work/access.log;
  client_body_temp_path $work/nginx-temp/body;
  proxy_temp_path $work/nginx-temp/proxy;
  fastcgi_temp_path $work/nginx-temp/fastcgi;
  uwsgi_temp_path $work/nginx-temp/uwsgi;
  scgi_temp_path $work/nginx-temp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 5;
  gzip on;
  gzip_types text/plain text/css;
  server {
    listen 127.0.0.1:$port;
    root $in/www;
    location /files/ { autoindex on; }
    location /backend/ {
      proxy_pass http://127.0.0.1:$backend/;
      proxy_connect_timeout 5s;
    }
  }
}
CONF
