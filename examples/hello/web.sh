#!/bin/sh
# Serves a page naming the running version on $PORT (loopback; containers use host networking).
mkdir -p /tmp/www
echo "Hello from $APP $CONTAINER_VERSION ($CONTAINER)" > /tmp/www/index.html
exec httpd -f -p "127.0.0.1:$PORT" -h /tmp/www
