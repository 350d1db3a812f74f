// report.test.js - dumpreport's pages in Debian's chromium (headless),
// driven by playwright-core.  run.sh makes the pages; this opens each
// from file://, fails on any console error, page error, dialog or request
// that leaves the file, and works every view as a person would.  The
// hostile page must execute nothing and log nothing, and show the dump's
// strings literally.  One screenshot per view goes to OUT/*.png.
//   node report.test.js OUT
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require(path.join(__dirname, '..', '..', 'node_modules', 'playwright-core'));

const OUT = process.argv[2];
let passed = 0, failed = 0;
function check(cond, what) {
  if (cond) passed++;
  else { failed++; console.log('FAIL: ' + what); }
}

// Opens OUT/name.html in a fresh page; collects what must not happen.
async function open(ctx, name, strict) {
  const page = await ctx.newPage();
  const bad = [];
  page.on('console', (m) => { if (strict || m.type() === 'error' || m.type() === 'warning') bad.push('console ' + m.type() + ': ' + m.text()); });
  page.on('pageerror', (e) => bad.push('page error: ' + e.message));
  page.on('dialog', async (d) => { bad.push('dialog: ' + d.message()); await d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith('file://')) bad.push('request: ' + r.url()); });
  await page.setViewportSize({ width: 1400, height: 900 });
  const url = 'file://' + path.join(OUT, name + '.html');
  await page.goto(url);
  await page.waitForSelector('#treemap .cell', { timeout: 10000 }).catch(() => {});
  return { page, bad, url };
}

async function shot(page, file) {
  await page.screenshot({ path: path.join(OUT, file + '.png') });
}

async function tab(page, name) {
  await page.click('#tab-' + name);
  await page.waitForSelector('#view-' + name + ':not([hidden])');
}

// The views every report has: treemap, zoom and back, types table,
// an instance's path, unreachable.
async function common(page, name) {
  const cells = await page.$$eval('#treemap .cell', (c) => c.length);
  check(cells >= 5, name + ': the treemap draws (' + cells + ' boxes)');
  const labelled = await page.$$eval('#treemap .cell .lb', (c) => c.length);
  check(labelled >= 1, name + ': treemap boxes are labelled (' + labelled + ')');
  await shot(page, name + '-treemap');

  // zoom into the biggest subtree (the largest box that has children)
  const big = await page.$$eval('#treemap .cell.group', (cs) => {
    let best = null, area = -1;
    for (const c of cs) {
      const a = c.offsetWidth * c.offsetHeight;
      if (a > area) { area = a; best = c.getAttribute('data-n'); }
    }
    return best;
  });
  check(big !== null, name + ': a subtree to zoom into');
  if (big !== null) {
    await page.click('#treemap .cell.group[data-n="' + big + '"] >> nth=0', { position: { x: 6, y: 6 } });
    const crumbs = await page.$$eval('#crumbs .crumb', (c) => c.length);
    check(crumbs >= 2, name + ': zooming in adds a breadcrumb (' + crumbs + ')');
    const cur = await page.$eval('#crumbs .crumb.cur', (c) => c.getAttribute('data-n'));
    check(cur === big, name + ': the breadcrumb ends at the zoomed node');
    const inside = await page.$$eval('#treemap .cell', (c) => c.length);
    check(inside >= 1, name + ': the zoomed treemap draws');
    await shot(page, name + '-treemap-zoomed');
    // hover: the tooltip names a type and a size
    const cell = await page.$('#treemap .cell[data-n]');
    if (cell) {
      const b = await cell.boundingBox();
      await page.mouse.move(b.x + 4, b.y + 4);
      const tip = await page.$eval('#tip', (t) => !t.hidden && /retained/.test(t.textContent));
      check(tip, name + ': hovering shows a tooltip with the retained size');
    }
    await page.click('#crumbs .crumb >> nth=0');
    const back = await page.$$eval('#crumbs .crumb', (c) => c.length);
    check(back === 1, name + ': the first breadcrumb zooms back out');
  }

  // the type table: sort and filter
  await tab(page, 'types');
  const rows = await page.$$eval('#types-table tbody tr.row', (r) => r.length);
  check(rows >= 1, name + ': the type table has rows (' + rows + ')');
  const counts = async () => page.$$eval('#types-table tbody tr.row', (rs) => rs.map((r) => Number(r.children[3].textContent.replace(/,/g, ''))));
  await page.click('#types-table th[data-key="count"]');
  let c = await counts();
  check(c.every((v, i) => i === 0 || c[i - 1] >= v), name + ': sorting by count, largest first');
  await page.click('#types-table th[data-key="count"]');
  c = await counts();
  check(c.every((v, i) => i === 0 || c[i - 1] <= v), name + ': sorting by count again, smallest first');
  await page.click('#types-table th[data-key="retained"]');
  const first = await page.$eval('#types-table tbody tr.row td.name', (t) => t.textContent);
  const needle = first.slice(0, 3).toLowerCase();
  await page.fill('#types-filter', needle);
  const names = await page.$$eval('#types-table tbody tr.row td.name', (t) => t.map((x) => x.textContent.toLowerCase()));
  check(names.length >= 1 && names.every((n) => n.includes(needle)), name + ': filtering keeps only matching types');
  await page.fill('#types-filter', 'no type has this name \u00a7');
  check(await page.$$eval('#types-table tbody tr.row', (r) => r.length) === 0, name + ': a filter matching nothing empties the table');
  await page.fill('#types-filter', '');

  // click the biggest type: its instances; open the first one's path
  await page.click('#types-table tbody tr.row >> nth=0');
  const inst = await page.$$eval('tr.inst-row', (r) => r.length);
  check(inst >= 1, name + ': clicking a type lists its biggest instances (' + inst + ')');
  if (inst) {
    await page.click('tr.inst-row button.path-btn >> nth=0');
    const steps = await page.$$eval('tr.path-row:not([hidden]) ol.path li', (l) => l.length);
    check(steps >= 1, name + ': an instance\'s root path opens (' + steps + ' steps)');
  }
  await shot(page, name + '-types');

  await tab(page, 'unreachable');
  check(await page.$eval('#view-unreachable h2', (h) => /Unreachable objects/.test(h.textContent)), name + ': the unreachable view');
  await shot(page, name + '-unreachable');
  if (await page.$('#tab-sites')) {
    await tab(page, 'sites');
    check(await page.$$eval('#view-sites tbody tr', (r) => r.length) >= 1, name + ': allocation sites listed');
    await shot(page, name + '-sites');
  }
}

// Two snapshots: the growth view, and its owners in the treemap.
async function growth(page, name) {
  check(!!(await page.$('#tab-growth')), name + ': a growth tab');
  if (!(await page.$('#tab-growth'))) return;
  await tab(page, 'growth');
  const owners = await page.$$eval('#view-growth tr.owner-row', (r) => r.length);
  check(owners >= 1, name + ': owners of growth listed (' + owners + ')');
  const paths = await page.$$eval('#view-growth tr.owner-row ol.path li', (l) => l.length);
  check(paths >= 1, name + ': owners show their root paths');
  await shot(page, name + '-growth');
  const btn = await page.$('#view-growth tr.owner-row button.link');
  if (btn) {
    await btn.click();
    await page.waitForSelector('#view-treemap:not([hidden])');
    const marked = await page.$$eval('#treemap .cell.owner, #treemap .cell.has-owner', (c) => c.length);
    check(marked >= 1, name + ': the owner is marked in the treemap (' + marked + ')');
    await shot(page, name + '-treemap-owner');
  }
}

async function hostile(ctx) {
  const { page, bad } = await open(ctx, 'hostile', true);
  await common(page, 'hostile');
  // hover every box, open every instance path, visit every tab
  await tab(page, 'treemap');
  for (const c of await page.$$('#treemap .cell')) {
    const b = await c.boundingBox();
    if (b) await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  }
  await tab(page, 'types');
  const rows = await page.$$('#types-table tbody tr.row');
  for (const r of rows) await r.click();
  for (const b of await page.$$('button.path-btn')) await b.click();
  await shot(page, 'hostile-types-open');
  const text = await page.evaluate(() => document.body.innerText);
  check(text.includes('<script>alert("type")</script>'), 'hostile: a <script> type name shows as text');
  check(text.includes('</script><script>alert(2)</script>'), 'hostile: a </script> name shows as text');
  check(text.includes('<img src=x onerror=alert(3)>'), 'hostile: an <img onerror> name shows as text');
  check(text.includes('javascript:alert(4)'), 'hostile: a javascript: name shows as text');
  check(text.includes('"\'quoted\'" & <b>bold</b> <!-- comment'), 'hostile: quotes, & and <!-- show as text');
  check(text.includes('\\xe2\\x80\\xaegnp.exe'), 'hostile: bidi controls show escaped, not applied');
  check(!/[\u202a-\u202e\u2066-\u2069]/.test(text), 'hostile: no bidi control reaches the page');
  const title = await page.title();
  check(title.includes('hostile.snap'), 'hostile: the title is the file name');
  const injected = await page.evaluate(() => ({
    scripts: document.querySelectorAll('script').length,
    elems: document.querySelectorAll('img, svg, iframe, object, embed, a, [onerror], [onload]').length,
  }));
  check(injected.scripts === 2, 'hostile: no script element was added (' + injected.scripts + ')');
  check(injected.elems === 0, 'hostile: no element from the dump\'s markup (' + injected.elems + ')');
  await tab(page, 'unreachable');
  check((await page.evaluate(() => document.body.innerText)).includes('<svg onload=alert(5)>'), 'hostile: unreachable types show as text');
  check(bad.length === 0, 'hostile: nothing executed or logged: ' + bad.join('; '));
  await page.close();
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-chromium-'));
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(dir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    for (const name of ['sample', 'leak', 'demo']) {
      if (!fs.existsSync(path.join(OUT, name + '.html'))) {
        console.log('browser: ' + name + ': no report (the Python capture is not built): skipped');
        continue;
      }
      const { page, bad } = await open(ctx, name, false);
      await common(page, name);
      if (name !== 'sample') await growth(page, name);
      check(bad.length === 0, name + ': no console error, dialog or request: ' + bad.join('; '));
      await page.close();
    }
    // a tree cut at 30 nodes: the rest drawn by type
    {
      const { page, bad } = await open(ctx, 'cut', false);
      const rest = await page.$$eval('#treemap .cell.rest[data-rc]', (c) => c.length);
      check(rest >= 2, 'cut: what the tree leaves out is drawn by type (' + rest + ' boxes)');
      const box = await page.$('#treemap .cell.rest[data-rc]');
      if (box) {
        const b = await box.boundingBox();
        await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
        check(await page.$eval('#tip', (t) => !t.hidden && /too small to list/.test(t.textContent)), 'cut: its tooltip says what it sums');
      }
      await shot(page, 'cut-treemap');
      check(bad.length === 0, 'cut: no console error: ' + bad.join('; '));
      await page.close();
    }
    await hostile(ctx);
  } catch (e) {
    failed++;
    console.log('FAIL: ' + (e && e.stack || e));
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('browser: ' + passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
})();
