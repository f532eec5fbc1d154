#!/bin/bash
# spamassassin.learn: install the cron file as cron requires (root-owned, mode 0644).
install -o root -g root -m 0644 /tmp/docker-mailserver/cron/sa-learn /etc/cron.d/dms-sa-learn
# behindProxy: the public addresses the proxy receives mail on are Postfix's own.
postconf 'proxy_interfaces = 192.0.2.10, 2001:db8::10'
#!/bin/bash
set -euo pipefail
echo patched
