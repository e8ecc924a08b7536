// bench/peer/dcap_qvl.js - the peer of the benchmark suite: @phala/dcap-qvl
// (pure JavaScript DCAP verification) verifying real SGX/TDX vector quotes
// offline, with the vectors' own collateral at the instant their MANIFEST
// names.  bench/suite.py installs the package into a temporary folder and
// runs:
//   node dcap_qvl.js MODULE_DIR SECONDS quote.dat:collateral.json:T ...
// Prints one JSON object: per quote the peer's result (ok + status, or the
// error it raised) and its rate, and the rate over all quotes together
// (round robin, as vouch's corpus is).  Every call verifies from scratch:
// the package keeps no cache between calls.
'use strict';
const fs = require('fs');
const path = require('path');

const [moduleDir, secondsArg, ...specs] = process.argv.slice(2);
if (!moduleDir || !secondsArg || specs.length === 0) {
  console.error('usage: node dcap_qvl.js MODULE_DIR SECONDS quote:collateral:T ...');
  process.exit(2);
}
const qvl = require(path.join(moduleDir, 'node_modules', '@phala', 'dcap-qvl'));
const seconds = Number(secondsArg);

const items = specs.map((s) => {
  const [quote, collateral, t] = s.split(':');
  return {
    name: path.basename(path.dirname(quote)),
    quote: fs.readFileSync(quote),
    collateral: JSON.parse(fs.readFileSync(collateral, 'utf8')),
    at: Number(t),
  };
});

function once(it) {
  try {
    const r = qvl.verify(it.quote, it.collateral, it.at);
    return { ok: true, status: r.status };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e) };
  }
}

// Runs fn until |budget| seconds passed (at least 3 calls); returns calls/s.
function rate(fn, budget) {
  const start = process.hrtime.bigint();
  let n = 0;
  for (;;) {
    fn();
    n++;
    const el = Number(process.hrtime.bigint() - start) / 1e9;
    if (n >= 3 && el >= budget) return n / el;
  }
}

const out = { package: '@phala/dcap-qvl', version: require(path.join(moduleDir, 'node_modules',
  '@phala', 'dcap-qvl', 'package.json')).version, node: process.version, quotes: [] };
for (const it of items) once(it); // warm the JIT
for (const it of items) {
  const r = once(it);
  out.quotes.push({ name: it.name, ...r, per_s: rate(() => once(it), seconds / (items.length + 1)) });
}
let i = 0;
out.all_per_s = rate(() => once(items[i++ % items.length]), seconds / (items.length + 1));
console.log(JSON.stringify(out));
