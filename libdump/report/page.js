// page.js - the report's views, drawn from the JSON in #hs-data (schema
// heapsnap.report/1, doc/report.md).  Every string from the dump is put
// in the page as text (textContent), never as markup; the layout of the
// treemap is d3-hierarchy's (inlined before this script).
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('hs-data').textContent);
  var TN = D.type_names, OB = D.objects, NODES = D.tree.nodes, PATHS = D.paths;
  var S = D.snapshots[0], OLD = D.snapshots[1] || null;
  var HEAP = S.reachable_size || 1;

  // ---- helpers --------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return parent;
  }
  function human(b) {
    var u = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'], v = b, i = -1;
    if (b < 1024) return b + ' B';
    while (v >= 1024 && i < 4) { v /= 1024; i++; }
    return (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) + ' ' + u[i];
  }
  function commas(n) { return Number(n).toLocaleString('en-US'); }
  function pct(v, t) { return t ? (100 * v / t) : 0; }
  function pctText(v, t) { var p = pct(v, t); return (p >= 10 ? p.toFixed(1) : p.toFixed(2)) + '%'; }
  function signed(d, fmt) { return (d > 0 ? '+' : d < 0 ? '\u2212' : '\u00b1') + fmt(Math.abs(d)); }
  function tname(t) { return t === null || t === undefined ? '?' : TN[t]; }
  function typeHue(t) {
    var s = tname(t), h = 2166136261;
    for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    // mix the bits, so that names one letter apart get distant hues
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    return ((h >>> 0) % 360);
  }
  function typeColor(t, depth) {
    var l = Math.min(86, 70 + 4 * (depth || 0));
    return 'hsl(' + typeHue(t) + ',52%,' + l + '%)';
  }
  function pbar(v, t, cls) {
    var b = el('div', 'pbar' + (cls ? ' ' + cls : '')), s = el('span');
    s.style.width = Math.max(0, Math.min(100, pct(v, t))).toFixed(2) + '%';
    b.appendChild(s);
    return b;
  }
  function td(text, cls) { return el('td', cls, text); }
  function th(text, cls, key) {
    var h = el('th', cls, text);
    if (key) h.setAttribute('data-key', key);
    return h;
  }
  // an object of the report: [id, type, shallow, retained, preview, path, tree]
  function obj(i) {
    var o = OB[i];
    return { i: i, id: o[0], type: o[1], shallow: o[2], retained: o[3], preview: o[4], path: o[5], tree: o[6] };
  }

  // ---- header, banner, facts ------------------------------------------
  function fact(k, v, s, wide) {
    var f = el('div', 'fact' + (wide ? ' wide' : ''));
    add(f, el('div', 'k', k), el('div', 'v', v), s ? el('div', 's', s) : null);
    return f;
  }
  function header() {
    document.title = 'heapsnap report: ' + S.file + (OLD ? ' vs ' + OLD.file : '');
    var t = document.getElementById('title');
    t.textContent = (OLD ? OLD.file + ' \u2192 ' : '') + S.file;
    var facts = document.getElementById('facts');
    add(facts,
      fact('runtime', (S.runtime || '?') + ' ' + S.runtime_version, (S.pid ? 'pid ' + S.pid + ', ' : '') + 'reason ' + (S.reason || '-'), true),
      fact('captured', S.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), OLD ? 'before: ' + OLD.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : null, true),
      fact('objects', commas(S.objects), human(S.shallow) + ' shallow'),
      fact('reachable', human(S.reachable_size), commas(S.reachable) + ' objects'),
      fact('unreachable', human(S.unreachable_size), commas(S.unreachable) + ' objects'),
      fact('references', commas(S.references), commas(S.weak_references) + ' weak'),
      fact('roots', commas(S.roots), commas(S.types) + ' types'),
      fact('dominator tree', commas(S.dominator_depth) + ' deep', commas(NODES.length - 1) + ' in this page'),
      OLD ? fact('growth', signed(S.reachable_size - OLD.reachable_size, human), signed(S.objects - OLD.objects, commas) + ' objects') : null);
    var bad = D.snapshots.filter(function (s) { return s.integrity.status !== 'complete'; });
    var b = document.getElementById('banner');
    if (bad.length) {
      var s0 = bad[0], it = s0.integrity;
      b.className = 'banner ' + it.status;
      b.textContent = (D.snapshots.length > 1 ? s0.file + ': ' : '') + 'This dump is ' + it.status.toUpperCase() +
        ': ' + commas(it.frames_lost) + ' frame' + (it.frames_lost === 1 ? '' : 's') + ' (' + human(it.bytes_lost) + ') could not be read' +
        (it.objects_lost > 0 ? ', about ' + commas(it.objects_lost) + ' objects lost' : '') +
        '. Every figure below covers what was read.';
      if (it.problem) add(b, el('span', 'why', it.problem));
      b.hidden = false;
    } else {
      var warn = [];
      D.snapshots.forEach(function (s) {
        if (s.missing_references) warn.push(s.file + ': ' + commas(s.missing_references) + ' references to objects not in the dump (dropped)');
        if (s.duplicate_ids) warn.push(s.file + ': ' + commas(s.duplicate_ids) + ' objects repeat an id');
      });
      if (warn.length) { b.className = 'banner warning'; b.textContent = warn.join('; '); b.hidden = false; }
    }
  }

  // ---- tabs ------------------------------------------------------------
  var views = [], current = null;
  function tabs() {
    var nav = document.getElementById('tabs');
    var list = [['treemap', 'Dominator tree', null], ['types', 'Types', D.types.types],
      ['unreachable', 'Unreachable', D.unreachable.count]];
    if (D.sites) list.push(['sites', 'Allocation sites', D.sites.groups]);
    if (D.diff) list.push(['growth', 'Growth', null]);
    list.forEach(function (v) {
      var b = el('button', null, v[1]);
      b.setAttribute('role', 'tab');
      b.id = 'tab-' + v[0];
      if (v[2] !== null) add(b, el('span', 'n', commas(v[2])));
      b.addEventListener('click', function () { show(v[0]); });
      nav.appendChild(b);
      views.push(v[0]);
    });
  }
  function show(name) {
    if (views.indexOf(name) < 0) name = 'treemap';
    views.forEach(function (v) {
      document.getElementById('view-' + v).hidden = v !== name;
      document.getElementById('tab-' + v).setAttribute('aria-selected', v === name ? 'true' : 'false');
    });
    current = name;
    if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
    if (name === 'treemap') drawMap();
  }

  // ---- root paths -------------------------------------------------------
  function pathList(p) {
    var P = PATHS[p], ol = el('ol', 'path');
    P.steps.forEach(function (s, k) {
      if (P.left_out && k === 12) add(ol, el('li', 'gap', '\u2026 ' + commas(P.left_out) + ' steps left out \u2026'));
      var li = el('li', null, s[0]);
      add(li, el('span', 'to', k === 0 ? '(' + P.root_kind + ' root) \u2192 ' + tname(s[2]) + ' ' + s[1] : '\u2192 ' + tname(s[2]) + ' ' + s[1]));
      ol.appendChild(li);
    });
    return ol;
  }
  function pathBlock(o) {
    if (o.path === null) return el('div', 'hint', o.tree === null && o.retained === 0 ? 'unreachable: no root path' : 'root path not computed for this object (see dumppath ' + o.id + ')');
    return pathList(o.path);
  }

  // ---- treemap ----------------------------------------------------------
  var kids = NODES.map(function () { return []; });
  for (var i = 1; i < NODES.length; i++) kids[NODES[i][1]].push(i);
  kids.forEach(function (k) { k.sort(function (a, b) { return NODES[b][2] - NODES[a][2]; }); });
  var ownerAt = {}, ownerUnder = {};
  if (D.diff) D.diff.owners.rows.forEach(function (w) {
    if (w.obj === null || OB[w.obj][6] === null) return;
    var t = OB[w.obj][6];
    ownerAt[t] = w;
    for (var u = NODES[t][1]; u !== null; u = NODES[u][1]) ownerUnder[u] = true;
  });
  var focus = 0, selected = null, MAX_CELLS = 2500, MAX_DEPTH = 3;

  function nodeLabel(n) {
    if (n === 0) return 'all roots';
    var o = obj(NODES[n][0]);
    return tname(o.type) + ' ' + o.id;
  }
  // The focus and up to MAX_DEPTH levels under it, as d3 wants them; each
  // expanded node gets a pseudo-child for what is not drawn (its own
  // size and the children below the cut-off), so areas add up.
  function viewTree(f) {
    var root = { n: f, v: NODES[f][2], children: [] }, level = [root], count = 1;
    for (var depth = 0; depth < MAX_DEPTH && level.length && count < MAX_CELLS; depth++) {
      var next = [];
      level.forEach(function (d) {
        var ks = kids[d.n];
        if (!ks.length || count >= MAX_CELLS) { delete d.children; return; }
        var sum = 0;
        d.children = ks.map(function (k) { sum += NODES[k][2]; var c = { n: k, v: NODES[k][2], children: [] }; next.push(c); return c; });
        // what is not in the page: its children by type, and its own size
        var rest = d.v - sum;
        (NODES[d.n][6] || []).forEach(function (e) {
          if (e[2] > 0) { d.children.push({ n: -1, of: d.n, rt: e[0], rc: e[1], v: e[2] }); rest -= e[2]; }
        });
        if (rest > 0) d.children.push({ n: -1, of: d.n, v: rest });
        count += d.children.length;
      });
      level = next;
    }
    level.forEach(function (d) { delete d.children; });
    var h = d3.hierarchy(root, function (d) { return d.children; });
    h.each(function (x) { x.value = x.data.v; });
    h.sort(function (a, b) { return b.value - a.value; });
    return h;
  }
  function drawMap() {
    var box = document.getElementById('treemap');
    // the map fills the window below its top edge
    var h0 = Math.max(360, Math.floor(innerHeight - (box.getBoundingClientRect().top + scrollY) - 40));
    box.style.height = h0 + 'px';
    document.getElementById('detail').style.height = h0 + 'px';
    var W = box.clientWidth, H = box.clientHeight;
    if (!W || !H) return;
    box.textContent = '';
    if (NODES[focus][2] === 0) { add(box, el('div', 'empty', 'Nothing is reachable from a root.')); return; }
    var h = viewTree(focus);
    d3.treemap().size([W, H]).round(true).paddingInner(1).paddingOuter(2)
      .paddingTop(function (n) { return n.depth && (n.y1 - n.y0) > 34 && (n.x1 - n.x0) > 50 ? 16 : n.depth ? 2 : 0; })
      .tile(d3.treemapSquarify.ratio(1.2))(h);
    var frag = document.createDocumentFragment(), drawn = 0;
    h.each(function (x) {
      if (!x.depth) return;
      var w = x.x1 - x.x0, ht = x.y1 - x.y0;
      if (w < 3 || ht < 3) return;
      var n = x.data.n, c = el('div', 'cell');
      c.style.left = x.x0 + 'px'; c.style.top = x.y0 + 'px';
      c.style.width = w + 'px'; c.style.height = ht + 'px';
      if (n < 0) {
        c.className += ' rest';
        c.setAttribute('data-rest', x.data.of);
        if (x.data.rc) {
          c.setAttribute('data-rt', x.data.rt === null ? -1 : x.data.rt);
          c.setAttribute('data-rc', x.data.rc);
          c.setAttribute('data-rv', x.data.v);
          if (x.data.rt !== null) c.style.backgroundColor = typeColor(x.data.rt, x.depth - 1);
          if (w > 30 && ht > 13) {
            var rl = el('div', 'lb');
            add(rl, el('b', null, (x.data.rt === null ? 'other types' : tname(x.data.rt)) + ' \u00d7' + commas(x.data.rc)), el('i', null, human(x.data.v)));
            c.appendChild(rl);
          }
        }
      } else {
        var o = obj(NODES[n][0]);
        c.setAttribute('data-n', n);
        c.style.backgroundColor = typeColor(o.type, x.depth - 1);
        if (x.children) c.className += ' group';
        if (n === selected) c.className += ' sel';
        if (ownerAt[n]) {
          c.className += ' owner';
          if (w > 60 && ht > 28) add(c, el('span', 'badge', signed(ownerAt[n].bytes, human)));
        } else if (ownerUnder[n]) {
          c.className += ' has-owner';
        }
        if (w > 30 && ht > 13) {
          var lb = el('div', 'lb');
          add(lb, el('b', null, tname(o.type)), el('i', null, human(NODES[n][2])));
          c.appendChild(lb);
        }
      }
      frag.appendChild(c);
      drawn++;
    });
    box.appendChild(frag);
    crumbs();
    var f = NODES[focus];
    document.getElementById('map-note').textContent = human(f[2]) + ' retained (' + pctText(f[2], HEAP) + ' of the reachable heap); ' +
      commas(drawn) + ' boxes; click a box to zoom in, Backspace to zoom out.' +
      (D.tree.cut ? ' Objects retaining ' + human(D.tree.cut) + ' or less are summed (hatched).' : ' Hatched: what is too small to draw.');
    if (selected === null) detail(focus);
  }
  function crumbs() {
    var c = document.getElementById('crumbs'), chain = [];
    for (var n = focus; n !== null; n = NODES[n][1]) chain.unshift(n);
    c.textContent = '';
    chain.forEach(function (n, k) {
      if (k) add(c, el('span', 'sep', '\u203a'));
      var b = el('button', 'crumb' + (n === focus ? ' cur' : ''), nodeLabel(n));
      b.title = nodeLabel(n) + ': ' + human(NODES[n][2]);
      b.setAttribute('data-n', n);
      b.addEventListener('click', function () { zoom(n); });
      c.appendChild(b);
    });
  }
  function zoom(n) {
    if (n === null || n === undefined || n < 0) return;
    focus = kids[n].length ? n : (NODES[n][1] === null ? 0 : NODES[n][1]);
    selected = n === focus ? null : n;
    drawMap();
    detail(n);
  }
  function detail(n) {
    var d = document.getElementById('detail'), N = NODES[n];
    d.textContent = '';
    if (n === 0) {
      add(d, el('h3', null, 'All roots'));
      var kv0 = el('div', 'kv');
      add(kv0, el('div', 'k', 'reachable'), el('div', 'v', human(N[2]) + ' in ' + commas(S.reachable) + ' objects'),
        el('div', 'k', 'top level'), el('div', 'v', commas(N[3]) + ' objects dominated by the roots alone'));
      d.appendChild(kv0);
    } else {
      var o = obj(N[0]);
      add(d, el('h3', null, tname(o.type)));
      var kv = el('div', 'kv');
      add(kv, el('div', 'k', 'id'), el('div', 'v mono', o.id),
        el('div', 'k', 'retained'), el('div', 'v', human(o.retained) + ' (' + pctText(o.retained, HEAP) + ')'),
        el('div', 'k', 'shallow'), el('div', 'v', human(o.shallow)),
        el('div', 'k', 'dominates'), el('div', 'v', commas(N[3]) + ' objects directly'));
      if (o.preview !== null) add(kv, el('div', 'k', 'preview'), el('div', 'v preview', o.preview));
      if (ownerAt[n]) add(kv, el('div', 'k', 'growth'), el('div', 'v grow', signed(ownerAt[n].bytes, human) + ' in ' + commas(ownerAt[n].objects) + ' new objects'));
      d.appendChild(kv);
      add(d, el('div', 'k hint', 'Shortest path from a root:'), pathBlock(o));
    }
    var ks = kids[n];
    if (ks.length || N[4]) {
      var t = el('table', 'grid'), hd = el('tr'), tb = el('tbody');
      add(hd, th('retained'), th('%'), th('dominated object', 'l'));
      add(t, add(el('thead'), hd), tb);
      ks.slice(0, 12).forEach(function (k) {
        var r = el('tr', 'row'), ko = obj(NODES[k][0]);
        add(r, td(human(NODES[k][2])), td(pctText(NODES[k][2], N[2] || 1)), td(tname(ko.type) + ' ' + ko.id, 'l name'));
        r.addEventListener('click', function () { zoom(k); });
        tb.appendChild(r);
      });
      var more = ks.length > 12 ? ks.length - 12 : 0;
      if (more || N[4]) {
        var r2 = el('tr');
        var rest = N[5]; for (var j = 12; j < ks.length; j++) rest += NODES[ks[j]][2];
        add(r2, td(human(rest)), td(pctText(rest, N[2] || 1)), td('\u2026 ' + commas(more + N[4]) + ' more', 'l note'));
        tb.appendChild(r2);
      }
      add(d, el('div', 'k hint', 'Biggest objects it dominates:'), t);
    }
  }
  function tip(ev) {
    var t = document.getElementById('tip'), c = ev.target.closest('.cell');
    if (!c) { t.hidden = true; return; }
    t.textContent = '';
    if (c.hasAttribute('data-rc')) {
      var rt = +c.getAttribute('data-rt');
      add(t, el('div', 't', rt < 0 ? 'other types' : tname(rt)),
        el('div', 'r', commas(+c.getAttribute('data-rc')) + ' objects dominated directly by ' + nodeLabel(+c.getAttribute('data-rest')) + ', too small to list one by one' +
          (D.tree.cut ? ' (each retains ' + human(D.tree.cut) + ' or less)' : '')),
        el('div', 'r', human(+c.getAttribute('data-rv')) + ' retained in all'));
    } else if (c.hasAttribute('data-rest')) {
      add(t, el('div', 't', 'not drawn'), el('div', 'r', 'the own size of ' + nodeLabel(+c.getAttribute('data-rest')) + ', and boxes too small to draw'));
    } else {
      var n = +c.getAttribute('data-n'), o = obj(NODES[n][0]);
      add(t, el('div', 't', tname(o.type)), el('div', 'r', o.id),
        el('div', 'r', 'retained ' + human(o.retained) + ' (' + pctText(o.retained, HEAP) + ' of heap), shallow ' + human(o.shallow)),
        el('div', 'r', 'dominates ' + commas(NODES[n][3]) + ' objects directly'),
        o.preview !== null ? el('div', 'p', o.preview) : null,
        ownerAt[n] ? el('div', 'r', 'growth owner: ' + signed(ownerAt[n].bytes, human)) : null,
        el('div', 'h', kids[n].length ? 'click to zoom in' : 'click for details'));
    }
    t.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14, r = t.getBoundingClientRect();
    if (x + r.width > innerWidth - 4) x = ev.clientX - r.width - 10;
    if (y + r.height > innerHeight - 4) y = ev.clientY - r.height - 10;
    t.style.left = Math.max(4, x) + 'px'; t.style.top = Math.max(4, y) + 'px';
  }
  function mapEvents() {
    var box = document.getElementById('treemap');
    box.addEventListener('mousemove', tip);
    box.addEventListener('mouseleave', function () { document.getElementById('tip').hidden = true; });
    box.addEventListener('click', function (ev) {
      var c = ev.target.closest('.cell');
      if (!c || !c.hasAttribute('data-n')) return;
      document.getElementById('tip').hidden = true;
      zoom(+c.getAttribute('data-n'));
    });
    document.addEventListener('keydown', function (ev) {
      if (current !== 'treemap' || ev.target.tagName === 'INPUT') return;
      if ((ev.key === 'Backspace' || ev.key === 'Escape') && focus !== 0) { ev.preventDefault(); zoom(NODES[focus][1]); }
    });
    var timer = null;
    addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(function () { if (current === 'treemap') drawMap(); }, 120); });
  }
  // shows t inside its parent's box, selected (an owner is marked there)
  function showInMap(t) {
    show('treemap');
    focus = NODES[t][1] === null ? 0 : NODES[t][1];
    selected = t;
    drawMap();
    detail(t);
  }

  // ---- the type table ------------------------------------------------------
  var inst = {};
  D.instances.forEach(function (x) { inst[x[0]] = x[1]; });
  var typeSort = { key: 'retained', asc: false }, typeFilter = '';
  var TCOLS = { type: 0, count: 1, shallow: 2, retained: 3 };
  function instances(t) {
    var box = el('div'), list = inst[t];
    if (!list || !list.length) { add(box, el('div', 'hint', 'Instances are listed for the ' + D.instances.length + ' types of largest retained size.')); return box; }
    var tb = el('table', 'grid'), hd = el('tr'), body = el('tbody');
    add(hd, th('retained'), th('shallow'), th('id', 'l'), th('preview', 'l'), th('', 'l'));
    add(tb, add(el('thead'), hd), body);
    list.forEach(function (i) {
      var o = obj(i), r = el('tr', 'inst-row'), act = el('td', 'l');
      var pb = el('button', 'link path-btn', 'root path');
      var pr = el('tr', 'sub path-row'), pc = el('td');
      pc.colSpan = 5; pr.hidden = true; pr.appendChild(pc);
      pb.addEventListener('click', function (ev) {
        ev.stopPropagation();
        if (!pc.firstChild) pc.appendChild(pathBlock(o));
        pr.hidden = !pr.hidden;
      });
      act.appendChild(pb);
      if (o.tree !== null) {
        var mb = el('button', 'link', 'show in treemap');
        mb.style.marginLeft = '10px';
        mb.addEventListener('click', function (ev) { ev.stopPropagation(); showInMap(o.tree); });
        act.appendChild(mb);
      }
      add(r, td(human(o.retained)), td(human(o.shallow)), td(o.id, 'l mono'), td(o.preview === null ? '' : o.preview, 'l preview'), act);
      add(body, r, pr);
    });
    add(box, el('div', 'hint', 'Biggest instances by retained size:'), tb);
    return box;
  }
  function typesTable() {
    var table = document.getElementById('types-table');
    table.textContent = '';
    var hd = el('tr');
    add(hd, th('retained', null, 'retained'), th('% of heap', 'bar-cell'), th('shallow', null, 'shallow'), th('count', null, 'count'), th('type', 'l', 'type'));
    Array.prototype.forEach.call(hd.children, function (h) {
      var k = h.getAttribute('data-key');
      if (!k) return;
      if (k === typeSort.key) h.className += ' sorted' + (typeSort.asc ? ' asc' : '');
      h.addEventListener('click', function () {
        typeSort = { key: k, asc: k === typeSort.key ? !typeSort.asc : k === 'type' };
        typesTable();
      });
    });
    var body = el('tbody'), col = TCOLS[typeSort.key], f = typeFilter.toLowerCase();
    var rows = D.types.rows.filter(function (r) { return !f || TN[r[0]].toLowerCase().indexOf(f) >= 0; });
    rows.sort(function (a, b) {
      var x = col === 0 ? TN[a[0]] : a[col], y = col === 0 ? TN[b[0]] : b[col];
      var c = x < y ? -1 : x > y ? 1 : 0;
      return typeSort.asc ? c : -c;
    });
    var shown = rows.slice(0, 1000);
    shown.forEach(function (r) {
      var tr = el('tr', 'row'), bar = el('td', 'bar-cell');
      tr.setAttribute('data-type', r[0]);
      bar.appendChild(pbar(r[3], HEAP));
      add(tr, td(human(r[3])), bar, td(human(r[2])), td(commas(r[1])), td(tname(r[0]), 'l name'));
      var sub = null;
      tr.addEventListener('click', function () {
        if (sub) { sub.remove(); sub = null; tr.classList.remove('open'); return; }
        sub = el('tr', 'sub');
        var c = el('td');
        c.colSpan = 5;
        c.appendChild(instances(r[0]));
        sub.appendChild(c);
        tr.after(sub);
        tr.classList.add('open');
      });
      body.appendChild(tr);
    });
    add(table, add(el('thead'), hd), body);
    var note = commas(rows.length) + ' of ' + commas(D.types.types) + ' types' + (rows.length > shown.length ? ' (first ' + commas(shown.length) + ' shown)' : '');
    if (D.types.more[0]) note += '; ' + commas(D.types.more[0]) + ' smaller types left out of the report (' + commas(D.types.more[1]) + ' objects, ' + human(D.types.more[2]) + ' shallow)';
    note += '. Retained per type counts each object once (as Eclipse MAT does); types nest, so the column sums to more than the heap. Click a type for its biggest instances.';
    document.getElementById('types-note').textContent = note;
  }
  function typesView() {
    var f = document.getElementById('types-filter');
    f.addEventListener('input', function () { typeFilter = f.value; typesTable(); });
    typesTable();
  }

  // ---- unreachable, sites -------------------------------------------------
  function simpleTable(head, rows, total, cls) {
    var t = el('table', 'grid'), hd = el('tr'), body = el('tbody');
    head.forEach(function (h, k) { hd.appendChild(th(h, k === head.length - 1 ? 'l' : k === 2 ? 'bar-cell' : null)); });
    rows.forEach(function (r) {
      var bar = el('td', 'bar-cell');
      bar.appendChild(pbar(r[2], total, cls));
      add(body, add(el('tr'), td(human(r[2])), td(commas(r[1])), bar, td(r[0], 'l name')));
    });
    return add(t, add(el('thead'), hd), body);
  }
  function unreachableView() {
    var v = document.getElementById('view-unreachable'), U = D.unreachable;
    add(v, el('h2', null, 'Unreachable objects: ' + commas(U.count) + ' objects, ' + human(U.shallow)),
      el('p', 'note', 'Objects that no root reaches through strong references: garbage, or cycles awaiting collection. They retain nothing and are not part of the treemap.'));
    if (!U.rows.length) { add(v, el('div', 'empty', 'None: every object is reachable from a root.')); return; }
    add(v, simpleTable(['shallow', 'count', '% of unreachable', 'type'], U.rows.map(function (r) { return [tname(r[0]), r[1], r[2]]; }), U.shallow, 'unr'));
    if (U.more[0]) add(v, el('p', 'note', commas(U.more[0]) + ' more types (' + commas(U.more[1]) + ' objects, ' + human(U.more[2]) + ')'));
  }
  function sitesView() {
    if (!D.sites) return;
    var v = document.getElementById('view-sites'), s = D.sites, tot = 0;
    s.rows.forEach(function (r) { tot += r[2]; });
    add(v, el('h2', null, 'Reachable objects by allocation site'),
      el('p', 'note', commas(s.recorded) + ' sites recorded; grouped by the innermost frame; ' + commas(s.groups) + ' groups' + (s.groups > s.rows.length ? ', the ' + commas(s.rows.length) + ' largest shown' : '') + '. Objects allocated before tracing started have no site.'));
    add(v, simpleTable(['shallow', 'count', '% of shown', 'site'], s.rows, tot));
  }

  // ---- growth (two snapshots) ------------------------------------------
  function growthView() {
    if (!D.diff) return;
    var v = document.getElementById('view-growth'), G = D.diff, T = G.totals;
    add(v, el('h2', null, 'What grew from ' + OLD.file + ' to ' + S.file),
      el('p', 'note', G.matched_by === 'id' ? 'One process: objects are matched by id and type; new objects are grouped by their owner, the nearest dominator that already existed.'
        : 'Different processes: the largest retainers are matched by their root path and type; growth is the change of what each retains.'));
    var t = el('table', 'grid totals'), hd = el('tr'), body = el('tbody');
    add(hd, th(''), th('before'), th('after'), th('change'));
    [['objects', T.objects, commas], ['reachable size', T.reachable_size, human], ['reachable objects', T.reachable, commas],
      ['unreachable size', T.unreachable_size, human]].forEach(function (r) {
      var d = r[1][1] - r[1][0];
      add(body, add(el('tr'), td(r[0]), td(r[2](r[1][0])), td(r[2](r[1][1])), td(signed(d, r[2]), d > 0 ? 'grow' : d < 0 ? 'shrink' : null)));
    });
    if (G.matched_by === 'id') {
      add(body, add(el('tr'), td('new objects'), td(''), td(commas(T.new_objects)), td(human(T.new_bytes))),
        add(el('tr'), td('freed objects'), td(commas(T.freed_objects)), td(''), td(human(T.freed_bytes))));
    }
    t.style.width = 'auto';
    add(v, add(t, add(el('thead'), hd), body));

    add(v, el('h2', null, (G.matched_by === 'id' ? 'New objects by owner' : 'Retainers by growth') + ' (' + commas(G.owners.owners) + ')'));
    var ot = el('table', 'grid'), oh = el('tr'), ob = el('tbody');
    add(oh, th('growth'), th('objects'), th('owner retains'), th('owner and its root path', 'l'));
    G.owners.rows.forEach(function (w) {
      var r = el('tr', 'row owner-row'), who = el('td', 'l');
      var o = w.obj === null ? null : obj(w.obj);
      add(who, el('div', 'name', (w.type === null ? '' : tname(w.type) + ' ') + (o ? o.id : '') + (w.text ? ' ' + w.text : '')));
      if (o) {
        who.appendChild(pathBlock(o));
        if (o.tree !== null) {
          var b = el('button', 'link', 'show in treemap');
          b.addEventListener('click', function (ev) { ev.stopPropagation(); showInMap(o.tree); });
          who.appendChild(b);
        }
      }
      add(r, td(signed(w.bytes, human), w.bytes > 0 ? 'grow' : 'shrink'), td(signed(w.objects, commas)),
        td(human(w.retained[0]) + ' \u2192 ' + human(w.retained[1])), who);
      ob.appendChild(r);
    });
    add(v, add(ot, add(el('thead'), oh), ob));

    add(v, el('h2', null, 'Types by retained growth (' + commas(G.types.types) + ')'));
    var tt = el('table', 'grid'), th2 = el('tr'), tb = el('tbody'), maxg = 1;
    G.types.rows.forEach(function (r) { maxg = Math.max(maxg, Math.abs(r[6] - r[5])); });
    add(th2, th('retained \u0394'), th('', 'bar-cell'), th('count \u0394'), th('shallow \u0394'), th('retained now'), th('type', 'l'));
    G.types.rows.slice(0, 500).forEach(function (r) {
      var d = r[6] - r[5], bar = el('td', 'bar-cell');
      bar.appendChild(pbar(Math.abs(d), maxg, d > 0 ? 'grow' : null));
      var note = r[1] === 0 ? ' (new type)' : r[2] === 0 ? ' (gone)' : '';
      add(tb, add(el('tr'), td(signed(d, human), d > 0 ? 'grow' : d < 0 ? 'shrink' : null), bar,
        td(signed(r[2] - r[1], commas)), td(signed(r[4] - r[3], human)), td(human(r[6])), td(r[0] + note, 'l name')));
    });
    add(v, add(tt, add(el('thead'), th2), tb));
  }

  header();
  tabs();
  mapEvents();
  typesView();
  unreachableView();
  sitesView();
  growthView();
  show((location.hash || '#treemap').slice(1));
})();
