// Preloaded (`node --require`) into a child whose peak memory a test or benchmark measures: on exit
// it writes the process's peak resident set size (getrusage's ru_maxrss, in KiB on Linux) to the
// file named by DMS_MAX_RSS_FILE, so the measured program needs no change of its own.
"use strict";
const { writeFileSync } = require("node:fs");
const file = process.env.DMS_MAX_RSS_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
  });
}
