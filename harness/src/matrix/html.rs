//! `replymatrix matrix --format html`: one self-contained page with the whole matrix.
//!
//! The page needs no network and no external asset: inline CSS, inline vanilla JS, and the
//! [`Matrix`] itself embedded as JSON in `<script type="application/json" id="matrix-data">`
//! (every `<` written as `\u003c`, so neither `</script>` nor `<!--` can end or confuse the
//! element; the JSON still parses to the same value). A Content-Security-Policy with
//! `default-src 'none'` and the script's SHA-256 hash keeps it that way.
//!
//! The tables are rendered here, in Rust, so the page is readable without JS and the same
//! matrix always gives the same bytes. The script adds the filters (profile select, client
//! checkboxes, family select, free text), the details panel a cell button opens, and the
//! `#selftest` hook: with that URL fragment the script exercises the filters and one cell
//! click and writes what it saw as JSON into `<pre id="selftest">`, which a headless browser
//! dumps (`tests/testsuite/html_browser.rs`).
//!
//! Glyphs are those of `MATRIX.md` ([`super::markdown`]): R read, P/S/E reply
//! plain/signed/encrypted; ✔ yes, ✘ no, ~ partial, with a warning, or signed with errors (the read), ? unknown.

use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::{ConfidenceCounts, Matrix, SampleRow, client_title, confidence_counts, percent};
use crate::corpus::Control;
use crate::evidence::Confidence;
use crate::verdict::{ClientVerdict, Reason, Status};

/// The `id` of the element that carries the matrix JSON.
pub const DATA_ELEMENT_ID: &str = "matrix-data";

/// The whole page.
pub fn page(matrix: &Matrix) -> String {
    let data = embed_json(&serde_json::to_string(matrix).unwrap_or_else(|_| "null".into()));
    let reasons: serde_json::Map<String, serde_json::Value> = Reason::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), r.describe().into()))
        .collect();
    let reasons = embed_json(&serde_json::Value::Object(reasons).to_string());
    let script_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));

    let mut out = String::with_capacity(data.len() * 2);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; base-uri 'none'; \
         form-action 'none'\">"
    );
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>replymatrix: who can read and reply, in which Microsoft client</title>\n");
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str(
        "<header>\n<h1>replymatrix: who can read and reply, in which Microsoft client</h1>\n",
    );
    out.push_str(
        "<p>Each cell: <b>R</b> read, <b>P</b> reply plain, <b>S</b> reply signed, \
         <b>E</b> reply encrypted. ✔ yes · ✘ no · ~ partial, with a warning, or signed with errors (read) · ? unknown \
         (not modelled or no evidence). Choose a cell for the reason, the client's words, the \
         confidence, the rules and their evidence.</p>\n",
    );
    filters(&mut out, matrix);
    out.push_str("</header>\n<main>\n");
    confidence_table(&mut out, matrix);
    for profile in &matrix.profiles {
        profile_table(
            &mut out,
            matrix,
            &profile.name,
            &profile.description,
            &profile.evaluation_time.to_string(),
        );
    }
    out.push_str(
        "<section id=\"details\" aria-live=\"polite\" hidden>\n<h2 id=\"details-title\" tabindex=\"-1\">Details</h2>\n\
         <button type=\"button\" id=\"details-close\">Close</button>\n\
         <div id=\"details-body\"></div>\n</section>\n",
    );
    out.push_str("<pre id=\"selftest\" hidden></pre>\n</main>\n");
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"{DATA_ELEMENT_ID}\">{data}</script>"
    );
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"reason-descriptions\">{reasons}</script>"
    );
    let _ = writeln!(out, "<script>{SCRIPT}</script>\n</body>\n</html>");
    out
}

/// The embedded JSON of a page made by [`page`], parsed back (for tests and tools).
pub fn embedded_matrix(page: &str) -> Option<Matrix> {
    let open = format!("<script type=\"application/json\" id=\"{DATA_ELEMENT_ID}\">");
    let start = page.find(&open)? + open.len();
    let len = page.get(start..)?.find("</script>")?;
    serde_json::from_str(page.get(start..start + len)?).ok()
}

/// JSON safe inside a `<script>` element: `<` becomes `\u003c` (valid only inside JSON
/// strings, which is the only place `serde_json` output can contain it), so `</script>` and
/// `<!--` never appear. U+2028/2029 are escaped too, for old JS parsers.
fn embed_json(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Escapes text for HTML element content and double-quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn filters(out: &mut String, matrix: &Matrix) {
    out.push_str("<form id=\"filters\" role=\"search\" aria-label=\"Filters\">\n");
    out.push_str(
        "<label>Profile <select id=\"profile-filter\">\n<option value=\"\">all profiles</option>\n",
    );
    for p in &matrix.profiles {
        let _ = writeln!(out, "<option value=\"{0}\">{0}</option>", esc(&p.name));
    }
    out.push_str("</select></label>\n<fieldset id=\"client-filter\"><legend>Clients</legend>\n");
    for c in &matrix.clients {
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" class=\"client-toggle\" value=\"{}\" checked> {}</label>",
            esc(c),
            esc(client_title(c))
        );
    }
    out.push_str(
        "</fieldset>\n<label>Family <select id=\"family-filter\">\n<option value=\"\">all families</option>\n",
    );
    let mut families: Vec<&str> = matrix.samples.iter().map(|s| s.family.as_str()).collect();
    families.dedup();
    families.sort_unstable();
    families.dedup();
    for f in families {
        let _ = writeln!(out, "<option value=\"{0}\">{0}</option>", esc(f));
    }
    out.push_str(
        "</select></label>\n<label>Text <input type=\"search\" id=\"text-filter\" \
         placeholder=\"sample id, title, sender\"></label>\n</form>\n",
    );
}

/// Per profile and client, how many decisions have each confidence (as in `MATRIX.md`).
fn confidence_table(out: &mut String, matrix: &Matrix) {
    out.push_str(
        "<section id=\"confidence\">\n<h2>How sure: the confidence of each decision</h2>\n\
         <p>Four decisions per sample, client and profile (read, reply plain, signed, \
         encrypted). <b>observed</b>: an observation in <code>corpora/observations/</code> saw a \
         real client do this; otherwise the weakest rule applied.</p>\n\
         <table>\n<caption>Decisions by confidence</caption>\n<thead><tr>\
         <th scope=\"col\">Profile</th><th scope=\"col\">Client</th>",
    );
    for c in Confidence::ALL {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(c.as_str()));
    }
    out.push_str("<th scope=\"col\">inferred share</th></tr></thead>\n<tbody>\n");
    let mut all = ConfidenceCounts::default();
    for (profile, client, counts) in confidence_counts(matrix) {
        let _ = write!(
            out,
            "<tr data-profile=\"{0}\" data-client=\"{1}\"><th scope=\"row\">{0}</th><td>{2}</td>",
            esc(&profile),
            esc(client.as_str()),
            esc(client_title(client.as_str()))
        );
        for c in Confidence::ALL {
            let _ = write!(out, "<td class=\"n\">{}</td>", counts.of(c));
        }
        let _ = writeln!(
            out,
            "<td class=\"n\">{}</td></tr>",
            percent(counts.of(Confidence::Inferred), counts.total())
        );
        all.add_all(&counts);
    }
    out.push_str("<tr class=\"total\"><th scope=\"row\">all</th><td></td>");
    for c in Confidence::ALL {
        let _ = write!(out, "<td class=\"n\">{}</td>", all.of(c));
    }
    let _ = writeln!(
        out,
        "<td class=\"n\">{}</td></tr>\n</tbody>\n</table>\n</section>",
        percent(all.of(Confidence::Inferred), all.total())
    );
}

fn profile_table(out: &mut String, matrix: &Matrix, name: &str, description: &str, at: &str) {
    let n = esc(name);
    let _ = writeln!(
        out,
        "<section class=\"profile\" data-profile=\"{n}\" id=\"profile-{n}\">\n<h2>Profile {n}</h2>\n\
         <p>{} Evaluated at {}.</p>",
        esc(description),
        esc(at)
    );
    let _ = writeln!(
        out,
        "<table>\n<caption>Profile {n}</caption>\n<thead><tr><th scope=\"col\">Sample</th>"
    );
    for c in &matrix.clients {
        let _ = writeln!(
            out,
            "<th scope=\"col\" data-client=\"{}\">{}</th>",
            esc(c),
            esc(client_title(c))
        );
    }
    out.push_str("</tr></thead>\n");
    let mut family: Option<&str> = None;
    for row in &matrix.samples {
        if family != Some(row.family.as_str()) {
            if family.is_some() {
                out.push_str("</tbody>\n");
            }
            family = Some(&row.family);
            let _ = writeln!(
                out,
                "<tbody data-family=\"{0}\"><tr class=\"family\"><th scope=\"rowgroup\" colspan=\"{1}\">{0}</th></tr>",
                esc(&row.family),
                matrix.clients.len() + 1
            );
        }
        sample_row(out, matrix, row, name);
    }
    if family.is_some() {
        out.push_str("</tbody>\n");
    }
    out.push_str("</table>\n</section>\n");
}

fn sample_row(out: &mut String, matrix: &Matrix, row: &SampleRow, profile: &str) {
    let control = if row.control == Control::Negative {
        " <span class=\"control\">(negative control)</span>"
    } else {
        ""
    };
    let search = format!(
        "{} {} {} {}",
        row.id, row.family, row.title, row.sender.product
    )
    .to_lowercase();
    let _ = writeln!(
        out,
        "<tr class=\"sample\" data-sample=\"{}\" data-family=\"{}\" data-search=\"{}\">\
         <th scope=\"row\"><code>{}</code>{control}<br><span class=\"title\">{}</span></th>",
        esc(&row.id),
        esc(&row.family),
        esc(&search),
        esc(&row.id),
        esc(&row.title)
    );
    for client in &matrix.clients {
        let cell = row
            .cells
            .iter()
            .find(|c| c.profile == profile && c.verdict.client.as_str() == client);
        let _ = write!(out, "<td data-client=\"{}\">", esc(client));
        if let Some(cell) = cell {
            let _ = write!(
                out,
                "<button type=\"button\" class=\"cell\" aria-expanded=\"false\" \
                 aria-controls=\"details\" data-sample=\"{}\" data-profile=\"{}\" \
                 data-client=\"{}\" aria-label=\"{} under {} in {}\">{}</button>",
                esc(&row.id),
                esc(profile),
                esc(client),
                esc(&row.id),
                esc(profile),
                esc(client_title(client)),
                glyphs(&cell.verdict)
            );
        } else {
            out.push('—');
        }
        out.push_str("</td>");
    }
    out.push_str("</tr>\n");
}

/// The four glyphs of a cell, each in a span whose class and title name the status.
fn glyphs(v: &ClientVerdict) -> String {
    let read = match super::read_mark(v) {
        "✔" => ("yes", '✔'),
        "~" => ("partial", '~'),
        "?" => ("unknown", '?'),
        _ => ("no", '✘'),
    };
    let mut s = format!(
        "<span class=\"g {}\" title=\"read: {}, signature {}\">R{}</span>",
        read.0,
        v.read.status.as_str(),
        v.read.signature_shown.as_str(),
        read.1
    );
    for (label, mode, o) in [
        ('P', "plain", &v.reply.plain),
        ('S', "signed", &v.reply.signed),
        ('E', "encrypted", &v.reply.encrypted),
    ] {
        let glyph = match o.status {
            Status::Yes => '✔',
            Status::No => '✘',
            Status::Partial => '~',
            Status::Unknown => '?',
        };
        let _ = write!(
            s,
            " <span class=\"g {0}\" title=\"reply {mode}: {0}\">{label}{glyph}</span>",
            o.status.as_str()
        );
    }
    s
}

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:0 1rem 2rem;color:#1b1b1b;background:#fff}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.3rem 0;z-index:2}
h1{font-size:1.3rem;margin:.3rem 0}
#filters{display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:center}
#filters fieldset{border:1px solid #ccc;padding:.1rem .5rem;margin:0}
#filters legend{font-size:.85em}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
caption{text-align:left;font-weight:600;position:absolute;left:-9999px}
th,td{border:1px solid #ddd;padding:.2rem .4rem;vertical-align:top;text-align:left}
thead th{background:#f3f3f3;position:sticky;top:0}
tr.family th{background:#eef3f8;font-weight:700}
th[scope=row]{font-weight:400}
th[scope=row] .title{color:#555;font-size:.85em}
.control{color:#8a4b00;font-size:.85em}
button.cell{font:inherit;font-family:ui-monospace,monospace;background:#fafafa;border:1px solid #bbb;border-radius:3px;cursor:pointer;white-space:nowrap;padding:.1rem .3rem}
button.cell[aria-expanded=true]{outline:2px solid #0b5cad}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total{font-weight:700}
.g.yes{color:#126b12}.g.no{color:#a31515}.g.partial{color:#8a5a00}.g.unknown{color:#555}
#details{position:fixed;top:0;right:0;bottom:0;width:min(38rem,38vw);box-sizing:border-box;overflow:auto;background:#fff;border-left:2px solid #0b5cad;padding:.5rem 1rem;box-shadow:0 2px 12px rgba(0,0,0,.25);z-index:3}
body.details-open{margin-right:calc(min(38rem,38vw) + 1rem)}
@media (max-width:60rem){#details{top:auto;left:0;width:auto;max-height:45vh;border-left:0;border-top:2px solid #0b5cad}body.details-open{margin-right:1rem;margin-bottom:calc(45vh + 1rem)}}
#details h2{font-size:1.1rem;margin:.2rem 0;padding-right:4rem}
#details h3{font-size:1rem;margin:.6rem 0 .2rem}
#details dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:0}
#details dt{font-weight:600}
#details dd{margin:0;overflow-wrap:anywhere}
#details ul{margin:0;padding-left:1.2rem}
#details-close{position:absolute;right:.5rem;top:.5rem}
"#;

/// The page's script. Kept free of `</` so it cannot end its element.
const SCRIPT: &str = r##"
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("matrix-data").textContent);
  var reasons = JSON.parse(document.getElementById("reason-descriptions").textContent);
  var profileSelect = document.getElementById("profile-filter");
  var familySelect = document.getElementById("family-filter");
  var textInput = document.getElementById("text-filter");
  var toggles = Array.prototype.slice.call(document.querySelectorAll("input.client-toggle"));
  var details = document.getElementById("details");
  var detailsTitle = document.getElementById("details-title");
  var detailsBody = document.getElementById("details-body");
  var samplesById = {};
  var lastButton = null;
  data.samples.forEach(function (s) { samplesById[s.id] = s; });

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }
  function visible(el) { return el.closest("[hidden]") === null; }

  function applyFilters() {
    var profile = profileSelect.value;
    var family = familySelect.value;
    var text = textInput.value.trim().toLowerCase();
    var shown = {};
    toggles.forEach(function (t) { shown[t.value] = t.checked; });
    all("section.profile").forEach(function (sec) {
      sec.hidden = profile !== "" && sec.getAttribute("data-profile") !== profile;
    });
    all("[data-client]").forEach(function (el) {
      if (el.tagName === "TH" || el.tagName === "TD") {
        el.hidden = !shown[el.getAttribute("data-client")];
      }
    });
    all("tr.sample").forEach(function (tr) {
      var okFamily = family === "" || tr.getAttribute("data-family") === family;
      var okText = text === "" || tr.getAttribute("data-search").indexOf(text) !== -1;
      tr.hidden = !(okFamily && okText);
    });
    all("tbody[data-family]").forEach(function (tb) {
      tb.hidden = all("tr.sample", tb).every(function (tr) { return tr.hidden; });
    });
  }

  function el(tag, text) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function row(dl, term, value) {
    dl.appendChild(el("dt", term));
    var dd = el("dd");
    if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = value; }
    dl.appendChild(dd);
  }
  function confidenceText(d) {
    return d.observed_by ? d.confidence + " (" + d.observed_by.join(", ") + ")" : d.confidence;
  }
  function withText(w) {
    if (!w) { return "—"; }
    var parts = [];
    if (w.cipher) { parts.push("cipher " + w.cipher); }
    if (w.digest) { parts.push("digest " + w.digest); }
    if (w.recipient_certificate_from) {
      parts.push("recipient certificate from " + w.recipient_certificate_from);
    }
    return parts.length ? parts.join(", ") : "—";
  }
  function evidenceList(urls) {
    var ul = el("ul");
    urls.forEach(function (u) {
      var li = el("li");
      if (/^https?:\/\//.test(u)) {
        var a = el("a", u);
        a.href = u;
        a.rel = "noreferrer";
        li.appendChild(a);
      } else {
        li.textContent = u;
      }
      ul.appendChild(li);
    });
    if (!urls.length) { ul.appendChild(el("li", "none")); }
    return ul;
  }

  // The remedies of a `no` or `partial` reply (matrix --remedies): each a numbered set of
  // actions with its actor and procedure, the resulting confidence and its evidence.
  function remediesList(o) {
    if (o.remedies === undefined || o.remedies === null) {
      return el("span", "not searched in this export (replymatrix matrix --format html --remedies)");
    }
    if (!o.remedies.length) {
      return el("span", "nothing of up to three actions: " + (o.no_remedy || ""));
    }
    var ol = el("ol");
    o.remedies.forEach(function (r) {
      var li = el("li");
      li.setAttribute("data-remedy", r.actions.map(function (a) { return a.id; }).join("+"));
      li.appendChild(el("span", r.actions.map(function (a) {
        return a.title + " (" + a.actor + ", " + a.id + ")";
      }).join(" then ") + "; confidence " + r.confidence + "."));
      var steps = el("ul");
      r.actions.forEach(function (a) {
        steps.appendChild(el("li", a.id + ": " + a.procedure));
      });
      li.appendChild(steps);
      var urls = [];
      r.actions.forEach(function (a) {
        (a.evidence || []).forEach(function (e) {
          var u = e.url || e;
          if (urls.indexOf(u) < 0) { urls.push(u); }
        });
      });
      li.appendChild(evidenceList(urls));
      ol.appendChild(li);
    });
    if (o.not_helping && o.not_helping.length) {
      var wrap = el("div");
      wrap.appendChild(ol);
      wrap.appendChild(el("p", "would not help: " + o.not_helping.join(", ")));
      return wrap;
    }
    return ol;
  }

  function findCell(sampleId, profile, client) {
    var s = samplesById[sampleId];
    if (!s) { return null; }
    for (var i = 0; i < s.cells.length; i++) {
      var c = s.cells[i];
      if (c.profile === profile && c.client === client) { return c; }
    }
    return null;
  }

  function openDetails(button) {
    var sampleId = button.getAttribute("data-sample");
    var profile = button.getAttribute("data-profile");
    var client = button.getAttribute("data-client");
    var cell = findCell(sampleId, profile, client);
    all("button.cell[aria-expanded=true]").forEach(function (b) {
      b.setAttribute("aria-expanded", "false");
    });
    if (!cell) { return; }
    button.setAttribute("aria-expanded", "true");
    detailsTitle.textContent = sampleId + " · " + profile + " · " + client;
    while (detailsBody.firstChild) { detailsBody.removeChild(detailsBody.firstChild); }
    var s = samplesById[sampleId];
    detailsBody.appendChild(el("p", s.title + " (" + s.sender.product + ", " + s.sender.version + ")"));
    detailsBody.appendChild(el("h3", "Read"));
    var dl = el("dl");
    row(dl, "status", cell.read.status);
    row(dl, "signature shown", cell.read.signature_shown);
    row(dl, "the client says", cell.read.user_sees || "—");
    row(dl, "confidence", confidenceText(cell.read));
    row(dl, "rules", cell.read.rules.join(", ") || "—");
    detailsBody.appendChild(dl);
    ["plain", "signed", "encrypted"].forEach(function (mode) {
      var o = cell.reply[mode];
      detailsBody.appendChild(el("h3", "Reply " + mode));
      var d = el("dl");
      d.setAttribute("data-mode", mode);
      row(d, "status", o.status);
      row(d, "reason", o.reason ? o.reason + ": " + (reasons[o.reason] || "") : "—");
      row(d, "with", withText(o["with"]));
      row(d, "the client says", o.user_sees || "—");
      row(d, "confidence", confidenceText(o));
      row(d, "rules", o.rules.join(", ") || "—");
      row(d, "evidence", evidenceList(o.evidence));
      if (o.status === "no" || o.status === "partial") {
        row(d, "what would make it work", remediesList(o));
      }
      detailsBody.appendChild(d);
    });
    var q = el("p", "Quotes the original: " + cell.quotes_original +
      "; quotes decrypted text: " + cell.quotes_decrypted +
      "; the quote keeps the original's styles: " +
      (cell.quote_keeps_styles === null ? "unknown" : cell.quote_keeps_styles) +
      "; weaker than the original: " + cell.weaker_than_original + ".");
    detailsBody.appendChild(q);
    details.hidden = false;
    // The panel takes its own space (body margin), so it never covers a column.
    document.body.classList.add("details-open");
    lastButton = button;
    detailsTitle.focus();
  }

  function closeDetails() {
    if (details.hidden) { return; }
    details.hidden = true;
    document.body.classList.remove("details-open");
    all("button.cell[aria-expanded=true]").forEach(function (b) {
      b.setAttribute("aria-expanded", "false");
    });
    if (lastButton) { lastButton.focus(); }
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button.cell") : null;
    if (b) { openDetails(b); }
  });
  document.getElementById("details-close").addEventListener("click", closeDetails);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { closeDetails(); }
  });
  profileSelect.addEventListener("change", applyFilters);
  familySelect.addEventListener("change", applyFilters);
  textInput.addEventListener("input", applyFilters);
  toggles.forEach(function (t) { t.addEventListener("change", applyFilters); });
  document.getElementById("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });

  // ---- #selftest: exercise the filters and a cell click, report what is visible ----
  function snapshot() {
    var cells = all("button.cell").filter(visible);
    var rows = all("tr.sample").filter(visible);
    var ids = [];
    rows.forEach(function (r) {
      var id = r.getAttribute("data-sample");
      if (ids.indexOf(id) === -1) { ids.push(id); }
    });
    var profiles = [];
    var clients = [];
    cells.forEach(function (c) {
      var p = c.getAttribute("data-profile");
      var k = c.getAttribute("data-client");
      if (profiles.indexOf(p) === -1) { profiles.push(p); }
      if (clients.indexOf(k) === -1) { clients.push(k); }
    });
    var tables = all("section.profile").filter(visible);
    var columns = tables.length ? all("thead th[data-client]", tables[0]).filter(visible).length : 0;
    return {
      tables: tables.length,
      columns: columns,
      rows: rows.length,
      sample_ids: ids,
      cells: cells.length,
      cell_profiles: profiles,
      cell_clients: clients
    };
  }
  function fire(node, type) { node.dispatchEvent(new Event(type, { bubbles: true })); }

  function selftest() {
    var report = { initial: snapshot(), profile: {}, without_client: {}, family: {}, text: {} };
    data.profiles.forEach(function (p) {
      profileSelect.value = p.name;
      fire(profileSelect, "change");
      report.profile[p.name] = snapshot();
    });
    profileSelect.value = "";
    fire(profileSelect, "change");
    toggles.forEach(function (t) {
      t.checked = false;
      fire(t, "change");
      report.without_client[t.value] = snapshot();
      t.checked = true;
      fire(t, "change");
    });
    all("option", familySelect).forEach(function (o) {
      if (o.value === "") { return; }
      familySelect.value = o.value;
      fire(familySelect, "change");
      report.family[o.value] = snapshot();
    });
    familySelect.value = "";
    fire(familySelect, "change");
    ["proton/", "no-such-sample"].forEach(function (t) {
      textInput.value = t;
      fire(textInput, "input");
      report.text[t] = snapshot();
    });
    textInput.value = "";
    fire(textInput, "input");
    report.after_reset = snapshot();
    // The first cell with a reply that has a reason and evidence.
    var target = null;
    all("button.cell").some(function (b) {
      var c = findCell(b.getAttribute("data-sample"), b.getAttribute("data-profile"), b.getAttribute("data-client"));
      var ok = c && ["plain", "signed", "encrypted"].some(function (m) {
        return c.reply[m].reason && c.reply[m].evidence.length;
      });
      if (ok) { target = b; }
      return ok;
    });
    if (target) {
      target.click();
      report.click = {
        sample: target.getAttribute("data-sample"),
        profile: target.getAttribute("data-profile"),
        client: target.getAttribute("data-client"),
        aria_expanded: target.getAttribute("aria-expanded"),
        details_visible: !details.hidden,
        // Cell buttons the open panel covers (none: it takes its own space).
        cells_under_details: all("button.cell").filter(function (b) {
          var r = b.getBoundingClientRect(), d = details.getBoundingClientRect();
          return r.width > 0 && r.right > d.left && r.left < d.right &&
            r.bottom > d.top && r.top < d.bottom;
        }).length,
        title: detailsTitle.textContent,
        text: detailsBody.textContent,
        links: all("a", detailsBody).map(function (a) {
          return { href: a.getAttribute("href"), rel: a.getAttribute("rel") };
        })
      };
    }
    var pre = document.getElementById("selftest");
    pre.textContent = JSON.stringify(report, null, 1);
    pre.hidden = false;
  }

  applyFilters();
  if (window.location.hash === "#selftest") { selftest(); }
})();
"##;
