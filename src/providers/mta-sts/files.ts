/**
 * Files-only MTA-STS hosting: snippets for the user's own web server, serving the policy text
 * at `https://mta-sts.<domain>/.well-known/mta-sts.txt` as `text/plain`, 404 elsewhere, no
 * redirect (RFC 8461 §3.3). The certificate for `mta-sts.<domain>` is the web server's business
 * (Caddy obtains one itself; the nginx snippet names the usual Let's Encrypt paths). Pure text.
 */

/** Where the snippets expect the policy file on the web server. */
export function mtaStsPolicyPath(domain: string): string {
  return `/var/www/mta-sts/${domain}/.well-known/mta-sts.txt`;
}

/** An nginx `server` block for `mta-sts.<domain>`. */
export function mtaStsNginxSnippet(domain: string): string {
  const host = `mta-sts.${domain}`;
  return [
    `# MTA-STS policy for ${domain} (RFC 8461): place the policy at ${mtaStsPolicyPath(domain)}.`,
    "server {",
    "    listen 443 ssl;",
    "    listen [::]:443 ssl;",
    `    server_name ${host};`,
    `    ssl_certificate /etc/letsencrypt/live/${host}/fullchain.pem;`,
    `    ssl_certificate_key /etc/letsencrypt/live/${host}/privkey.pem;`,
    `    root /var/www/mta-sts/${domain};`,
    "    location = /.well-known/mta-sts.txt {",
    "        default_type text/plain;",
    "        types { }",
    "        try_files $uri =404;",
    "    }",
    "    location / {",
    "        return 404;",
    "    }",
    "}",
    "",
  ].join("\n");
}

/** A Caddyfile site block for `mta-sts.<domain>` (Caddy obtains the certificate itself). */
export function mtaStsCaddySnippet(domain: string): string {
  const host = `mta-sts.${domain}`;
  return [
    `# MTA-STS policy for ${domain} (RFC 8461): place the policy at ${mtaStsPolicyPath(domain)}.`,
    `${host} {`,
    "    @policy path /.well-known/mta-sts.txt",
    "    handle @policy {",
    `        root * /var/www/mta-sts/${domain}`,
    '        header Content-Type "text/plain; charset=utf-8"',
    "        file_server",
    "    }",
    "    handle {",
    "        respond 404",
    "    }",
    "}",
    "",
  ].join("\n");
}
