'use strict';
/*
 * v8_memlab.js - memlab's answers on V8 heap snapshots, for comparing
 * heapsnap's V8 import with them (bench/v8.sh, tests/cli/v8_memlab.sh's
 * reference files).
 *
 *   node bench/v8_memlab.js retained FILE      "id retained" for every node
 *                                              but the synthetic root, by id
 *   node bench/v8_memlab.js leaks B T F        memlab's leak candidates:
 *                                              "id name type self" of every
 *                                              object of F allocated after B
 *                                              and alive in T and F, by id
 *   node bench/v8_memlab.js classes FILE       DevTools' class rule: "count
 *                                              self class" per class
 *   node bench/v8_memlab.js analyse FILE       memlab's load and dominators
 *                                              alone, timed (bench/v8.sh)
 *
 * memlab is found in $MEMLAB_MODULES (a node_modules directory), else in
 * build/memlab/node_modules (where `make bench-deps` installs it).  The
 * classes mode does not need memlab: it reads the JSON itself (small
 * snapshots only: JSON.parse holds the whole file).
 */
const fs = require('fs');
const path = require('path');

function memlab(pkg) {
  const dirs = [process.env.MEMLAB_MODULES,
                path.join(__dirname, '..', 'build', 'memlab', 'node_modules')];
  for (const d of dirs) {
    if (d && fs.existsSync(path.join(d, pkg)))
      return require(path.join(d, pkg));
  }
  console.error('v8_memlab: ' + pkg + ' not found: run `make bench-deps` ' +
                'or set MEMLAB_MODULES');
  process.exit(2);
}

// A full heap with memlab's dominators and retained sizes, quietly.
async function load(file) {
  const core = memlab('@memlab/core');
  core.config.muteConsole = true;
  const heap = await memlab('@memlab/heap-analysis').getFullHeapFromFile(file);
  return heap;
}

async function retained(file) {
  const heap = await load(file);
  const rows = [];
  heap.nodes.forEach(node => {
    if (node.nodeIndex !== 0)
      rows.push([node.id, node.retainedSize]);
  });
  rows.sort((a, b) => a[0] - b[0]);
  process.stdout.write(rows.map(r => r[0] + ' ' + r[1]).join('\n') + '\n');
}

// memlab's diffSnapshots(): the ids of the target snapshot that the
// baseline lacks, kept when the final snapshot still has them.
async function leaks(b, t, f) {
  const core = memlab('@memlab/core');
  core.config.muteConsole = true;
  const utils = core.utils;
  const opt = { verbose: false };
  const base = await utils.getSnapshotNodeIdsFromFile(b, opt);
  const target = await utils.getSnapshotNodeIdsFromFile(t, opt);
  const fin = await utils.getSnapshotFromFile(f, opt);
  const rows = [];
  fin.nodes.forEach(node => {
    if (target.has(node.id) && !base.has(node.id))
      rows.push([node.id, node.name, node.type, node.self_size]);
  });
  rows.sort((x, y) => x[0] - y[0]);
  process.stdout.write(rows.map(r => r[0] + ' ' + JSON.stringify(r[1]) +
                                ' ' + JSON.stringify(r[2]) + ' ' + r[3])
                       .join('\n') + '\n');
}

// DevTools' HeapSnapshotNode.className(), from the raw JSON.
function classes(file) {
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = s.snapshot.meta;
  const nf = meta.node_fields.length;
  const types = meta.node_types[0];
  const ti = meta.node_fields.indexOf('type');
  const ni = meta.node_fields.indexOf('name');
  const si = meta.node_fields.indexOf('self_size');
  const root = s.snapshot.root_index || 0;
  const agg = new Map();
  for (let i = 0; i < s.nodes.length; i += nf) {
    if (i === root)
      continue;
    const type = types[s.nodes[i + ti]];
    let cls;
    if (type === 'hidden')
      cls = '(system)';
    else if (type === 'object' || type === 'native')
      cls = s.strings[s.nodes[i + ni]];
    else if (type === 'code')
      cls = '(compiled code)';
    else
      cls = '(' + type + ')';
    const a = agg.get(cls) || { count: 0, self: 0 };
    a.count++;
    a.self += s.nodes[i + si];
    agg.set(cls, a);
  }
  const rows = [...agg.entries()].sort((x, y) => x[0] < y[0] ? -1 :
                                                 x[0] > y[0] ? 1 : 0);
  process.stdout.write(rows.map(([c, a]) => a.count + ' ' + a.self + ' ' +
                                JSON.stringify(c)).join('\n') + '\n');
}

async function analyse(file) {
  const t0 = process.hrtime.bigint();
  const heap = await load(file);
  let top = null;
  heap.nodes.forEach(node => {
    if (node.nodeIndex !== 0 && (!top || node.retainedSize > top.retainedSize))
      top = node;
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log('memlab: ' + heap.nodes.length + ' nodes, largest retainer @' +
              (top ? top.id + ' ' + top.retainedSize : '-') + ', ' +
              ms.toFixed(0) + ' ms');
}

async function main() {
  const [mode, ...files] = process.argv.slice(2);
  const want = { retained: 1, leaks: 3, classes: 1, analyse: 1 };
  if (!(mode in want) || files.length !== want[mode]) {
    console.error('usage: node v8_memlab.js retained|classes|analyse FILE\n' +
                  '       node v8_memlab.js leaks BASE TARGET FINAL');
    process.exit(2);
  }
  if (mode === 'retained')
    await retained(files[0]);
  else if (mode === 'leaks')
    await leaks(...files);
  else if (mode === 'classes')
    classes(files[0]);
  else
    await analyse(files[0]);
}

main().catch(e => {
  console.error('v8_memlab: ' + (e && e.stack || e));
  process.exit(2);
});
