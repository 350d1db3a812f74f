'use strict';
/*
 * leaky_service.js - a request handler that leaks on purpose, for the V8
 * import's tests and benchmarks (bench/v8.sh, tests/cli/dumpconv_v8.sh).
 *
 *     node --expose-gc samples/leaky_service.js DIR [--filler N]
 *
 * writes three heap snapshots with v8.writeHeapSnapshot(), after a full
 * GC each, in memlab's three phases:
 *
 *   DIR/baseline.heapsnapshot  the service warmed up (100 requests)
 *   DIR/target.heapsnapshot    after 200 more requests
 *   DIR/final.heapsnapshot     after the "cleanup" that is meant to free
 *                              what the 200 requests made
 *
 * Every request makes a Session (with a Payload and a token string) and
 * a Scratch buffer.  The cleanup drops the Scratch buffers and the
 * Sessions of the RECENT list, but the SESSIONS map keeps every Session:
 * the 200 Sessions made between baseline and target, with their Payloads,
 * history arrays and tokens, are the leak, all retained by one Map.
 *
 * --filler N keeps N small objects alive from the start (a linked list of
 * records with a few fields and strings), to make snapshots of a given
 * size: N = 500000 gives about 2.5M nodes.  Everything is deterministic:
 * no clock, no randomness (V8's node ids and sizes still depend on the
 * Node version).
 */
const v8 = require('v8');
const path = require('path');

class Payload {
  constructor(n) {
    this.bytes = new Array(32).fill(n);
    this.note = 'payload of request ' + n;
  }
}

class Session {
  constructor(user, token, n) {
    this.user = user;
    this.token = token;
    this.payload = new Payload(n);
    this.history = [['login', n]];
  }
}

class User {
  constructor(name) {
    this.name = name;
    this.email = name + '@example.com';
  }
}

class Scratch {
  constructor(n) {
    this.buf = new Array(16).fill(n);
  }
}

class FillerRecord {
  constructor(i, next) {
    this.i = i;
    this.label = 'record-' + i;
    this.tags = [i, i + 1];
    this.next = next;
  }
}

const USERS = new Map();
const SESSIONS = new Map();  // token -> Session; never pruned: the leak
let RECENT = [];             // the sessions of the current batch
let SCRATCH = [];            // per-request buffers, freed by cleanup
let FILLER = null;

function token(n) {
  // a deterministic 40-character hex token
  let h = 2166136261 >>> 0;
  let s = '';
  for (let k = 0; k < 5; k++) {
    h = Math.imul(h ^ (n + k * 7919), 16777619) >>> 0;
    s += h.toString(16).padStart(8, '0');
  }
  return s;
}

function handle(n) {
  const name = 'user' + (n % 50);
  let user = USERS.get(name);
  if (!user) {
    user = new User(name);
    USERS.set(name, user);
  }
  const s = new Session(user, token(n), n);
  SESSIONS.set(s.token, s);
  RECENT.push(s);
  SCRATCH.push(new Scratch(n));
}

function cleanup() {
  RECENT = [];
  SCRATCH = [];
}

function snapshot(dir, name) {
  global.gc();
  global.gc();
  const file = path.join(dir, name + '.heapsnapshot');
  // no output: a first console.log() would allocate stdout's stream
  // between two snapshots and show up as a leak
  v8.writeHeapSnapshot(file);
}

function main() {
  const args = process.argv.slice(2);
  let dir = null;
  let filler = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--filler')
      filler = parseInt(args[++i], 10);
    else
      dir = args[i];
  }
  if (!dir || !(filler >= 0) || typeof global.gc !== 'function') {
    console.error('usage: node --expose-gc leaky_service.js DIR ' +
                  '[--filler N]');
    process.exit(2);
  }
  for (let i = 0; i < filler; i++)
    FILLER = new FillerRecord(i, FILLER);
  let n = 0;
  for (; n < 100; n++)
    handle(n);
  cleanup();
  snapshot(dir, 'baseline');
  for (; n < 300; n++)
    handle(n);
  snapshot(dir, 'target');
  cleanup();
  snapshot(dir, 'final');
}

main();
