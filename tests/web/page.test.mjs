// page.test.mjs URL OUTDIR — the page of `kouan serve` in Debian's headless
// Chromium, driven by playwright-core: type a query, run it, see the rows
// and the graph, click a fact, read its sentence.  Exit 0 when all holds.
import { chromium } from "playwright-core";

const [url, outdir] = process.argv.slice(2);
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); else console.log("ok: " + what); };

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: flags });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => {   // the bad query below is answered 400 on purpose
  if (m.type() === "error" && !m.text().includes("status of 400")) problems.push("console error: " + m.text());
});
  await page.goto(url, { waitUntil: "load" });
  check((await page.title()).includes("kouan"), "the page loads");
  check((await page.locator("#examples option").count()) >= 3, "example queries are offered");

  // an example fills the editor
  await page.selectOption("#examples", { index: 3 });
  check((await page.inputValue("#query")).includes("COUNT"), "choosing an example fills the editor");

  // type a query and run it
  await page.fill("#query", "");
  await page.locator("#query").pressSequentially(
    'SELECT ?port ?province ?zone WHERE { ?province rdfs:label "西藏"@zh ; kouan:tradeZone ?zone .\n' +
    '  ?port kouan:province ?province ; a kouan:Port }', { delay: 2 });
  await page.click("#run");
  await page.waitForSelector("#results tbody tr", { timeout: 15000 });
  const rows = await page.locator("#results tbody tr").count();
  check(rows === 4, `four rows for the ports of 西藏 (got ${rows})`);
  check((await page.textContent("#results")).includes("port/樟木"), "the table shows port/樟木");
  check((await page.textContent("#status")).includes("4 rows"), "the status says 4 rows");

  // the graph: 4 ports, 西藏, 西南, coloured by class
  await page.waitForSelector("#graph .node", { timeout: 15000 });
  const classes = await page.$$eval("#graph .node", (ns) => ns.map((n) => n.getAttribute("class")));
  check(classes.filter((c) => c.includes("Port")).length === 4, "four Port nodes in the graph");
  check(classes.some((c) => c.includes("Province")) && classes.some((c) => c.includes("TradeZone")),
        "a Province and a TradeZone node");
  const fills = new Set(await page.$$eval("#graph .node circle", (cs) => cs.map((c) => getComputedStyle(c).fill)));
  check(fills.size >= 3, `nodes coloured by class (${fills.size} colours)`);
  const facts = await page.locator("#facts li").allTextContents();
  check(facts.some((f) => f.includes("樟木") && f.includes("province") && f.includes("西藏")),
        "the fact 樟木 —province→ 西藏 is listed");
  check(facts.some((f) => f.includes("tradeZone")), "the fact 西藏 —tradeZone→ 西南 is listed");

  // click a fact: its sentence
  await page.locator("#facts li", { hasText: "樟木" }).first().click();
  await page.waitForSelector("#evidence blockquote", { timeout: 15000 });
  const ev = await page.textContent("#evidence");
  check(ev.includes("樟木") && ev.includes("000_7180f7658f0f6251.md:"), "the evidence names the file and line and quotes 樟木");
  check((await page.locator("#evidence mark").count()) >= 1, "the names are marked in the sentence");

  // the same through the drawing: click an edge of the graph
  await page.locator("#graph .edge").last().dispatchEvent("click");
  await page.waitForFunction(() => document.querySelector("#graph .edge.chosen") !== null);
  await page.waitForSelector("#evidence blockquote", { timeout: 15000 });
  check(true, "clicking an edge of the drawing shows its evidence");

  // a bad query: the message, with its line
  await page.fill("#query", "SELECT ?x WHERE {\n ?x rdfs:label }");
  await page.click("#run");
  await page.waitForSelector("#status.error", { timeout: 15000 });
  check((await page.textContent("#status")).includes("400"), "a bad query shows the 400 and Rasqal's message");

  // back to the chain example for the screenshot
  await page.selectOption("#examples", { index: 1 });
  await page.click("#run");
  await page.waitForSelector("#graph .node", { timeout: 15000 });
  if (outdir) await page.screenshot({ path: `${outdir}/page.png`, fullPage: true });
} finally {
  await browser.close();
}
if (problems.length) {
  console.error("FAIL:\n  " + problems.join("\n  "));
  process.exit(1);
}
console.log("all good");
