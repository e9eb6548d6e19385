//! The HTML matrix page in a real browser: Debian's chromium, headless, loads the page for a
//! part of the bundled corpus with `#selftest`; the page's script exercises the filters and a
//! cell click and writes what it saw into `<pre id="selftest">`, which `--dump-dom` prints. Every count
//! in that report is checked against the `Matrix` the page was made from.
//!
//! Without chromium the test fails when `CI` is set and otherwise prints a skip line.

use std::collections::HashMap;
use std::process::Command;

use replymatrix::matrix::{self, Matrix};
use serde_json::Value;

use crate::support::{TempDir, Tool, require_tool};

/// Undoes the escaping an HTML serializer applies to text content.
fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The JSON the page wrote into `<pre id="selftest">`.
fn selftest_report(dom: &str) -> Value {
    let open = "<pre id=\"selftest\">";
    let start = dom
        .find(open)
        .map(|i| i + open.len())
        .unwrap_or_else(|| panic!("no visible <pre id=\"selftest\"> in the dumped DOM"));
    let len = dom[start..].find("</pre>").expect("</pre>");
    serde_json::from_str(&unescape_html(&dom[start..start + len])).expect("selftest JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

#[test]
fn page_renders_filters_and_opens_details_in_headless_chromium() {
    if !require_tool(Tool::Chromium) {
        return;
    }
    let chromium = Tool::Chromium.command();
    // The export with remedies (`matrix --format html --remedies`), which the details panel
    // lists for every `no` and `partial` reply; two samples of every family under three
    // profiles, so that the browser loads a few megabytes rather than the whole corpus's 25
    // (the page's script does the same for any number of rows and tables, chromium's time
    // grows with the page, and `matrix_exports` checks every cell of the whole page's data).
    let whole = crate::support::bundled_matrix_with_remedies();
    let profiles = whole.profiles[..3].to_vec();
    let mut per_family: HashMap<&str, usize> = HashMap::new();
    let samples = whole
        .samples
        .iter()
        .filter(|s| {
            let n = per_family.entry(&s.family).or_default();
            *n += 1;
            *n <= 2
        })
        .map(|s| {
            let mut row = s.clone();
            row.cells
                .retain(|c| profiles.iter().any(|p| p.name == c.profile));
            row
        })
        .collect();
    let m = Matrix {
        schema: whole.schema.clone(),
        clients: whole.clients.clone(),
        profiles,
        samples,
    };
    let page = matrix::html::page(&m);
    let dir = TempDir::new("html-browser");
    std::fs::create_dir_all(dir.path("profile")).expect("temp dir");
    let file = dir.path("matrix.html");
    std::fs::write(&file, &page).expect("write page");
    let url = format!("file://{}#selftest", file.display());

    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", dir.path("profile").display()))
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            // A desktop window: the details panel docks at the right beside the tables.
            "--window-size=1400,900",
            "--dump-dom",
        ])
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium failed ({:?}): {stderr}",
        out.status
    );

    // No console output from the page at all (it logs nothing; an uncaught exception or a
    // Content-Security-Policy violation would show here). Chromium's own startup noise
    // (dbus, GPU) does not mention the page.
    let page_url = format!("file://{}", file.display());
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("Uncaught") || (l.contains(":CONSOLE") && l.contains(&page_url)))
        .collect();
    assert!(
        console.is_empty(),
        "console messages from the page: {console:#?}"
    );

    // It renders: the tables and every sample id.
    assert!(dom.contains("<table"), "no table in the dumped DOM");
    for row in &m.samples {
        assert!(
            dom.contains(&format!("data-sample=\"{}\"", row.id)),
            "sample {} missing from the DOM",
            row.id
        );
    }

    let report = selftest_report(&dom);
    let n_samples = m.samples.len() as u64;
    let n_profiles = m.profiles.len() as u64;
    let n_clients = m.clients.len() as u64;
    let all_ids: Vec<String> = m.samples.iter().map(|s| s.id.clone()).collect();
    let profile_names: Vec<String> = m.profiles.iter().map(|p| p.name.clone()).collect();

    // Nothing filtered: everything shows.
    for state in ["initial", "after_reset"] {
        let s = &report[state];
        assert_eq!(s["tables"], n_profiles, "{state}");
        assert_eq!(s["columns"], n_clients, "{state}");
        assert_eq!(s["rows"], n_samples * n_profiles, "{state}");
        assert_eq!(s["cells"], n_samples * n_profiles * n_clients, "{state}");
        assert_eq!(strings(&s["sample_ids"]), all_ids, "{state}");
        assert_eq!(strings(&s["cell_profiles"]), profile_names, "{state}");
        assert_eq!(strings(&s["cell_clients"]), m.clients, "{state}");
    }

    // Choosing a profile shows exactly that profile's cells.
    for p in &m.profiles {
        let s = &report["profile"][&p.name];
        let cells_in_data = m
            .samples
            .iter()
            .flat_map(|r| &r.cells)
            .filter(|c| c.profile == p.name)
            .count() as u64;
        assert_eq!(s["tables"], 1, "profile {}", p.name);
        assert_eq!(s["cells"], cells_in_data, "profile {}", p.name);
        assert_eq!(strings(&s["cell_profiles"]), vec![p.name.clone()]);
        assert_eq!(strings(&s["sample_ids"]), all_ids);
    }

    // Unticking a client hides its column in every table.
    for client in &m.clients {
        let s = &report["without_client"][client];
        let others: Vec<String> = m.clients.iter().filter(|c| *c != client).cloned().collect();
        assert_eq!(s["columns"], n_clients - 1, "without {client}");
        assert_eq!(
            s["cells"],
            n_samples * n_profiles * (n_clients - 1),
            "without {client}"
        );
        assert_eq!(strings(&s["cell_clients"]), others, "without {client}");
    }

    // The family select leaves exactly that family's rows.
    let mut families: Vec<String> = m.samples.iter().map(|s| s.family.clone()).collect();
    families.sort();
    families.dedup();
    assert_eq!(
        report["family"].as_object().expect("family").len(),
        families.len()
    );
    for f in &families {
        let expected: Vec<String> = m
            .samples
            .iter()
            .filter(|s| &s.family == f)
            .map(|s| s.id.clone())
            .collect();
        assert_eq!(
            strings(&report["family"][f]["sample_ids"]),
            expected,
            "family {f}"
        );
    }

    // The text filter `proton/` leaves exactly the proton rows; a text that matches nothing
    // leaves none.
    let proton: Vec<String> = m
        .samples
        .iter()
        .filter(|s| s.id.starts_with("proton/"))
        .map(|s| s.id.clone())
        .collect();
    assert!(!proton.is_empty(), "the corpus has proton samples");
    let s = &report["text"]["proton/"];
    assert_eq!(strings(&s["sample_ids"]), proton);
    assert_eq!(s["rows"], proton.len() as u64 * n_profiles);
    assert_eq!(s["cells"], proton.len() as u64 * n_profiles * n_clients);
    assert_eq!(report["text"]["no-such-sample"]["cells"], 0);

    // A cell click opens its details: the reason code and its description, the evidence as
    // links with rel=noreferrer, aria-expanded set.
    let click = &report["click"];
    assert_eq!(click["aria_expanded"], "true");
    assert_eq!(click["details_visible"], true);
    // The open panel covers no cell (it used to sit over the right-hand columns).
    assert_eq!(
        click["cells_under_details"], 0,
        "cells under the details panel"
    );
    let (sample, profile, client) = (
        click["sample"].as_str().expect("sample"),
        click["profile"].as_str().expect("profile"),
        click["client"].as_str().expect("client"),
    );
    let cell = m
        .samples
        .iter()
        .find(|r| r.id == sample)
        .and_then(|r| {
            r.cells
                .iter()
                .find(|c| c.profile == profile && c.verdict.client.as_str() == client)
        })
        .expect("the clicked cell exists in the matrix");
    let text = click["text"].as_str().expect("details text");
    assert!(text.contains(cell.verdict.read.status.as_str()));
    let links: Vec<(String, String)> = click["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["href"].as_str().unwrap_or_default().to_owned(),
                l["rel"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut reasons_seen = 0;
    for o in [
        &cell.verdict.reply.plain,
        &cell.verdict.reply.signed,
        &cell.verdict.reply.encrypted,
    ] {
        assert!(text.contains(o.status.as_str()));
        assert!(text.contains(&replymatrix::evidence::joined(&o.rules, ", ")));
        if let Some(r) = o.reason {
            reasons_seen += 1;
            assert!(text.contains(&format!("{}: {}", r.as_str(), r.describe())));
        }
        for url in &o.evidence {
            assert!(text.contains(url.as_str()), "evidence {url} in the details");
            assert!(
                links.iter().any(|(h, rel)| h == url && rel == "noreferrer"),
                "evidence {url} is a link with rel=noreferrer"
            );
        }
    }
    // Each no/partial reply lists its remedies: every action of the best one, by id, and
    // when nothing helps, the reason.
    for o in [
        &cell.verdict.reply.plain,
        &cell.verdict.reply.signed,
        &cell.verdict.reply.encrypted,
    ] {
        if !matches!(
            o.status,
            replymatrix::verdict::Status::No | replymatrix::verdict::Status::Partial
        ) {
            continue;
        }
        assert!(text.contains("what would make it work"), "{text}");
        match o.remedies.as_deref() {
            Some([best, ..]) => {
                for a in &best.actions {
                    assert!(text.contains(&a.procedure), "{} in the details", a.id);
                }
            }
            _ => assert!(
                text.contains(o.no_remedy.as_deref().unwrap_or("nothing of up to three")),
                "{text}"
            ),
        }
    }
    assert!(reasons_seen > 0, "the clicked cell has a reason code");
    assert!(!links.is_empty(), "the clicked cell has evidence links");
}
