/**
 * Readers of what Fail2ban and DMS's `setup fail2ban` print, for `dmsctl doctor` and `dmsctl
 * unban`: pure functions over text, checked against the real output of the 15.1.0 image
 * (Fail2ban 1.0.2; test/verify/fixtures/fail2ban-15.1.0/).
 */

/**
 * The last reason Fail2ban gave for not starting, from its supervisord log
 * (`... ERROR   Failed during configuration: Have not found any log file for sshd jail`): the
 * text after `Failed during configuration:`, else the last ERROR line's message.
 */
export function fail2banStartError(log: string): string | undefined {
  const errors = log
    .split("\n")
    .map((l) => /\bERROR\s+(.*\S)\s*$/.exec(l)?.[1])
    .filter((m): m is string => m !== undefined && m !== "Async configuration of server failed");
  return errors[errors.length - 1]?.replace(/^Failed during configuration:\s*/, "");
}

/**
 * The jails of `fail2ban-client status` (`` `- Jail list:\tcustom, dovecot, postfix``). The
 * list ends the line: `[ \t]*`, not `\s*`, so an empty list never reads the next line.
 */
export function parseFail2banJails(text: string): string[] {
  const m = /Jail list:[ \t]*(.*)$/m.exec(text);
  return m ? m[1]!.split(/[,\s]+/).filter((j) => j !== "") : [];
}

/** The banned IPs of `fail2ban-client status JAIL` (`` `- Banned IP list:\t1.2.3.4 5.6.7.8``). */
export function parseFail2banBanned(text: string): string[] {
  const m = /Banned IP list:[ \t]*(.*)$/m.exec(text);
  return m ? m[1]!.split(/\s+/).filter((ip) => ip !== "") : [];
}

/**
 * What `setup fail2ban unban IP` reports per jail: it runs `fail2ban-client set JAIL unbanip IP`
 * in every jail and prints `Unbanned IP from JAIL: N`, N being how many bans were lifted (0 where
 * the IP was not banned: Fail2ban's `unbanip` does not fail on an absent IP unless asked to).
 * Jails whose answer said "is not banned" or "NOK" are left out by `setup` itself.
 */
export function parseSetupUnban(text: string): { jail: string; lifted: number }[] {
  const out: { jail: string; lifted: number }[] = [];
  for (const m of text.matchAll(/^Unbanned IP from (\S+): (\d+)\s*$/gm))
    out.push({ jail: m[1]!, lifted: Number(m[2]) });
  return out;
}
