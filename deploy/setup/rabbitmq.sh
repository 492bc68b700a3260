#!/bin/sh
# The demo's RabbitMQ user and virtual host, made once on the broker's machine, as root:
#   deploy/setup/rabbitmq.sh djangobin djangobin < password-file
# The password comes on standard input, so that no process list shows it.
set -eu
user=$1 vhost=$2
# A password file without a final newline still counts.
IFS= read -r password || [ -n "$password" ]
rabbitmqctl add_vhost "$vhost" </dev/null
printf '%s\n' "$password" | rabbitmqctl add_user "$user"
# Configure, write and read on every name in its own virtual host. Celery declares its
# queues and exchanges (celery, mail, maintenance, celeryev, the pidbox) as it needs them.
rabbitmqctl set_permissions -p "$vhost" "$user" '.*' '.*' '.*' </dev/null
