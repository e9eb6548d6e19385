//! The matrix exports agree (the JSON export's schema is checked in `schemas`):
//! - `MATRIX.md`, the JSON export and the HTML page (its embedded data and its rendered
//!   glyphs) give the same statuses for every sample × profile × client;
//! - `replymatrix diff` reports exactly the changed cells, in a stable order.

use std::collections::BTreeMap;
use std::process::Command;

use replymatrix::matrix::{self, Matrix};
use serde_json::{Value, json};

use crate::support::{differing, matrix_changes};

// ---------------------------------------------------------------- helpers

fn replymatrix(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_replymatrix"))
        .args(args)
        .output()
        .expect("replymatrix runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `replymatrix matrix --format FORMAT`, run once per format for the whole test binary: the
/// exports are deterministic (a test proves it for HTML), and building the matrix in a debug
/// binary is the slow part of this file.
fn export_text(format: &str) -> String {
    static EXPORTS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let mut exports = EXPORTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, out)) = exports.iter().find(|(f, _)| f == format) {
        return out.clone();
    }
    let (code, stdout, stderr) = replymatrix(&["matrix", "--format", format]);
    assert_eq!(code, 0, "matrix --format {format}: {stderr}");
    exports.push((format.to_owned(), stdout.clone()));
    stdout
}

fn export_json() -> Value {
    serde_json::from_str(&export_text("json")).expect("the export is JSON")
}

// ---------------------------------------------------------------- agreement

/// ✔ readable, ~ readable with a warning or a signature shown as signed with errors, ✘ not.
fn read_glyph(status: &str, signature: &str) -> char {
    match (status, signature) {
        ("readable", "signed-with-errors") | ("readable-with-warning", _) => '~',
        ("readable", _) => '✔',
        ("unknown", _) => '?',
        _ => '✘',
    }
}

fn reply_glyph(status: &str) -> char {
    match status {
        "yes" => '✔',
        "no" => '✘',
        "partial" => '~',
        _ => '?',
    }
}

/// (sample, profile, client) -> "R✔ P✔ S✘ E?".
type Glyphs = BTreeMap<(String, String, String), String>;

fn glyphs_of_value(m: &Value) -> Glyphs {
    let mut out = Glyphs::new();
    for row in m["samples"].as_array().expect("samples") {
        for cell in row["cells"].as_array().expect("cells") {
            let s = |mode: &str| cell["reply"][mode]["status"].as_str().expect("status");
            let g = format!(
                "R{} P{} S{} E{}",
                read_glyph(
                    cell["read"]["status"].as_str().expect("read status"),
                    cell["read"]["signature_shown"].as_str().expect("signature"),
                ),
                reply_glyph(s("plain")),
                reply_glyph(s("signed")),
                reply_glyph(s("encrypted"))
            );
            let key = (
                row["id"].as_str().expect("id").to_owned(),
                cell["profile"].as_str().expect("profile").to_owned(),
                cell["client"].as_str().expect("client").to_owned(),
            );
            assert!(out.insert(key, g).is_none(), "duplicate cell");
        }
    }
    out
}

/// Drops `<sup>…</sup>`, `(…)` and any other tag from a cell, leaving the glyph tokens.
fn strip_cell(cell: &str) -> String {
    let mut out = String::new();
    let mut depth_paren = 0u32;
    let mut in_tag = false;
    let mut in_sup = false;
    let mut tag = String::new();
    for c in cell.chars() {
        if in_tag {
            if c == '>' {
                in_tag = false;
                if tag == "sup" {
                    in_sup = true;
                } else if tag == "/sup" {
                    in_sup = false;
                }
            } else {
                tag.push(c);
            }
            continue;
        }
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '(' => depth_paren += 1,
            ')' => depth_paren = depth_paren.saturating_sub(1),
            _ if in_sup || depth_paren > 0 => {}
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn glyphs_of_markdown(md: &str, clients: &[String]) -> Glyphs {
    let mut out = Glyphs::new();
    let mut profile: Option<String> = None;
    for line in md.lines() {
        if let Some(p) = line.strip_prefix("## Profile ") {
            profile = Some(p.trim().to_owned());
            continue;
        }
        let (Some(p), Some(rest)) = (&profile, line.strip_prefix("| `")) else {
            continue;
        };
        let cols: Vec<&str> = rest.split(" |").collect();
        let id = cols[0].split('`').next().expect("id").to_owned();
        let cells: Vec<&str> = cols[1..]
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(cells.len(), clients.len(), "columns of {line}");
        for (client, cell) in clients.iter().zip(cells) {
            let key = (id.clone(), p.clone(), client.clone());
            assert!(
                out.insert(key, strip_cell(cell)).is_none(),
                "duplicate {line}"
            );
        }
    }
    out
}

/// The glyphs the page renders inside each cell button.
fn glyphs_of_html_buttons(page: &str) -> Glyphs {
    let mut out = Glyphs::new();
    let attr = |tag: &str, name: &str| -> String {
        let open = format!("{name}=\"");
        let start = tag.find(&open).expect("attribute") + open.len();
        tag[start..].split('"').next().expect("value").to_owned()
    };
    for chunk in page.split("<button type=\"button\" class=\"cell\"").skip(1) {
        let (tag, rest) = chunk.split_once('>').expect("tag end");
        let inner = rest.split("</button>").next().expect("button end");
        let key = (
            attr(tag, "data-sample"),
            attr(tag, "data-profile"),
            attr(tag, "data-client"),
        );
        assert!(
            out.insert(key, strip_cell(inner)).is_none(),
            "duplicate button"
        );
    }
    out
}

#[test]
fn markdown_json_and_html_agree_on_every_cell() {
    let json = export_json();
    let clients: Vec<String> = json["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .map(|c| c.as_str().expect("client").to_owned())
        .collect();
    let from_json = glyphs_of_value(&json);
    let n_samples = json["samples"].as_array().expect("samples").len();
    let n_profiles = json["profiles"].as_array().expect("profiles").len();
    assert_eq!(from_json.len(), n_samples * n_profiles * clients.len());

    let md_path = crate::support::root().join("MATRIX.md");
    let md = std::fs::read_to_string(md_path).expect("MATRIX.md");
    let from_md = glyphs_of_markdown(&md, &clients);
    assert!(
        from_md == from_json,
        "MATRIX.md and the JSON export disagree (MATRIX.md | export), (sample, profile, \
         client): {}\nWhen the export is right, MATRIX.md is stale: {}",
        differing(&from_md, &from_json, 10),
        replymatrix::curate::UPDATE_MATRIX
    );

    let page = export_text("html");
    let embedded = matrix::html::embedded_matrix(&page).expect("the page embeds the matrix");
    let exported: Matrix = serde_json::from_value(json.clone()).expect("the export reads back");
    assert!(
        embedded == exported,
        "the page embeds another matrix than the JSON export (export -> page):\n{}",
        matrix_changes(&exported, &embedded)
    );
    let from_buttons = glyphs_of_html_buttons(&page);
    assert!(
        from_buttons == from_json,
        "the page's rendered glyphs and the JSON export disagree (page | export): {}",
        differing(&from_buttons, &from_json, 10)
    );
}

#[test]
fn html_page_is_deterministic_self_contained_and_escapes_its_data() {
    let page = export_text("html");
    // Built a second time, in this process from its own matrix: same matrix, same bytes.
    let again = matrix::html::page(crate::support::bundled_matrix());
    assert_eq!(page, again, "same matrix, same bytes");
    let open = "<script type=\"application/json\" id=\"matrix-data\">";
    let start = page.find(open).expect("data element") + open.len();
    let data = &page[start..start + page[start..].find("</script>").expect("end")];
    assert!(!data.contains('<'), "the embedded JSON has no raw '<'");
    // The corpus does have '<' in its strings (sender formats quote <UUID> and the like), so
    // the escaping is exercised, not vacuous.
    assert!(
        data.contains("\\u003c"),
        "the escape is exercised by the corpus"
    );
    // No network: nothing loads from elsewhere.
    for needle in [
        "<link",
        "src=\"",
        "@import",
        "url(",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!page.contains(needle), "the page contains {needle:?}");
    }
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
}

/// A `<` inside the data (a hostile title) cannot close the script element.
#[test]
fn html_escapes_a_closing_script_tag_in_the_data() {
    let mut m: Matrix = crate::support::bundled_matrix().clone();
    m.samples[0].title = "</script><script>alert(1)</script><!--".into();
    let page = matrix::html::page(&m);
    assert!(!page.contains("<script>alert(1)"));
    assert_eq!(matrix::html::embedded_matrix(&page), Some(m));
}

// ---------------------------------------------------------------- diff

/// The export with only the samples at `keep` (in that order): the `diff` tests edit a few
/// cells, and parsing the whole corpus's export twice per `diff` run is most of their time.
fn only_samples(export: &Value, keep: &[usize]) -> Value {
    let mut small = export.clone();
    small["samples"] = Value::Array(keep.iter().map(|i| export["samples"][*i].clone()).collect());
    small
}

/// Writes two exports to a scratch folder and runs `replymatrix diff` on them.
fn run_diff(old: &Value, new: &Value, format: &str) -> (i32, String, String) {
    let tmp = crate::support::TempDir::new("diff");
    let (o, n) = (tmp.path("old.json"), tmp.path("new.json"));
    std::fs::write(&o, old.to_string()).expect("write");
    std::fs::write(&n, new.to_string()).expect("write");
    replymatrix(&[
        "diff",
        "--format",
        format,
        o.to_str().expect("utf-8"),
        n.to_str().expect("utf-8"),
    ])
}

/// The path of the cell `cell` of sample `sample` in an export, and its key.
fn cell_key(v: &Value, sample: usize, cell: usize) -> String {
    let row = &v["samples"][sample];
    let c = &row["cells"][cell];
    format!(
        "{} | {} | {}",
        row["id"].as_str().expect("id"),
        c["profile"].as_str().expect("profile"),
        c["client"].as_str().expect("client")
    )
}

/// Every field a reviewer should see is compared, not only the status: a cipher, a reason, a
/// confidence, the rules, the signature indicator, what the user sees, a reply flag, each
/// changed alone in one cell, is reported with old and new side by side.
#[test]
fn diff_reports_every_field_of_a_cell_old_and_new_side_by_side() {
    let whole = export_json();
    // Cells with an encrypted reply that says yes with a cipher, and one that says no.
    let cells: Vec<(usize, usize)> = (0..whole["samples"].as_array().expect("samples").len())
        .flat_map(|s| {
            (0..whole["samples"][s]["cells"]
                .as_array()
                .expect("cells")
                .len())
                .map(move |c| (s, c))
        })
        .collect();
    let yes_with_cipher = *cells
        .iter()
        .find(|(s, c)| {
            whole["samples"][*s]["cells"][*c]["reply"]["encrypted"]["with"]["cipher"]
                == "aes-256-cbc"
        })
        .expect("a cell replies encrypted with AES-256");
    let no_with_reason = *cells
        .iter()
        .find(|(s, c)| {
            whole["samples"][*s]["cells"][*c]["reply"]["encrypted"]["reason"]
                == "no-recipient-certificate"
        })
        .expect("a cell cannot reply encrypted");
    // The two samples, and a neighbour that stays the same, as a small export.
    let mut keep = vec![yes_with_cipher.0, no_with_reason.0];
    keep.dedup();
    let neighbour = (0..).find(|s| !keep.contains(s)).expect("a third sample");
    keep.push(neighbour);
    let old = only_samples(&whole, &keep);
    let at = |s: usize| keep.iter().position(|k| *k == s).expect("kept");
    let yes_with_cipher = (at(yes_with_cipher.0), yes_with_cipher.1);
    let no_with_reason = (at(no_with_reason.0), no_with_reason.1);
    type Edit = fn(&mut Value);
    let edits: [(&str, (usize, usize), Edit, &str); 7] = [
        (
            "cipher",
            yes_with_cipher,
            |c| c["reply"]["encrypted"]["with"]["cipher"] = json!("3des-cbc"),
            "encrypted.with.cipher  aes-256-cbc  ->  3des-cbc",
        ),
        (
            "reason",
            no_with_reason,
            |c| c["reply"]["encrypted"]["reason"] = json!("no-own-certificate"),
            "encrypted.reason  no-recipient-certificate  ->  no-own-certificate",
        ),
        (
            "confidence",
            no_with_reason,
            |c| c["reply"]["plain"]["confidence"] = json!("documented"),
            "plain.confidence",
        ),
        (
            "rules",
            no_with_reason,
            |c| {
                c["reply"]["signed"]["rules"]
                    .as_array_mut()
                    .expect("rules")
                    .push(json!("model.not-modelled"))
            },
            "signed.rules       -  ->  +model.not-modelled",
        ),
        (
            "signature indicator",
            no_with_reason,
            |c| c["read"]["signature_shown"] = json!("invalid"),
            "read.signature_shown",
        ),
        (
            "user sees",
            no_with_reason,
            |c| c["read"]["user_sees"] = json!("Something else."),
            "read.user_sees",
        ),
        (
            "reply flag",
            no_with_reason,
            |c| {
                let w = c["weaker_than_original"].as_bool().expect("flag");
                c["weaker_than_original"] = json!(!w)
            },
            "weaker_than_original",
        ),
    ];
    for (what, (s, c), edit, expected) in edits {
        let mut new = old.clone();
        edit(&mut new["samples"][s]["cells"][c]);
        let (code, stdout, stderr) = run_diff(&old, &new, "text");
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.starts_with("1 cell changed, in 1 change\n\nchange 1 of 1: 1 cell\n"),
            "{what}: {stdout}"
        );
        let squeezed: String = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        let expected: String = expected.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed.contains(&expected), "{what}: {stdout}");
        assert!(stdout.contains(&cell_key(&old, s, c)), "{what}: {stdout}");
    }
}

/// A rule change that moves many cells the same way reads as one change with all its cells,
/// in text and in Markdown; the order is stable; a removed sample and changed facts are
/// reported; the same export twice is "no changes"; a file that is not an export is exit 1.
#[test]
fn diff_groups_a_rule_change_into_one_change_with_its_cells() {
    // The first samples of the corpus are enough for a rule that moves many cells.
    let whole = export_json();
    let old = only_samples(&whole, &(0..24).collect::<Vec<_>>());
    let mut new = old.clone();
    // A rule change: every OWA "no recipient certificate" becomes a mail-contact yes.
    let mut moved = Vec::new();
    for (s, row) in new["samples"]
        .as_array_mut()
        .expect("samples")
        .iter_mut()
        .enumerate()
    {
        for (c, cell) in row["cells"]
            .as_array_mut()
            .expect("cells")
            .iter_mut()
            .enumerate()
        {
            let owa = cell["client"] == "owa";
            let e = &mut cell["reply"]["encrypted"];
            if owa && e["reason"] == "no-recipient-certificate" {
                let rules: Vec<Value> = e["rules"]
                    .as_array()
                    .expect("rules")
                    .iter()
                    .filter(|r| *r != "owa.encrypt.no-recipient-certificate")
                    .cloned()
                    .chain([json!("owa.encrypt.mail-contact")])
                    .collect();
                e["rules"] = json!(rules);
                e["status"] = json!("yes");
                e["reason"] = Value::Null;
                e["user_sees"] = Value::Null;
                moved.push((s, c));
            }
        }
    }
    assert!(
        moved.len() > 10,
        "the rule moves many cells ({})",
        moved.len()
    );
    // And one unrelated change elsewhere, in a sample's facts.
    let sample = moved[0].0;
    new["samples"][sample]["inspect"]["from"] = json!("someone@else.example");
    let removed = new["samples"][5]["id"].as_str().expect("id").to_owned();
    new["samples"].as_array_mut().expect("samples").remove(5);
    let moved: Vec<(usize, usize)> = moved.into_iter().filter(|(s, _)| *s != 5).collect();

    let (code, stdout, stderr) = run_diff(&old, &new, "text");
    assert_eq!(code, 0, "{stderr}");
    let head = format!(
        "samples removed: {removed}\nfacts of {} changed:\n",
        old["samples"][sample]["id"].as_str().expect("id")
    );
    assert!(stdout.starts_with(&head), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{} cells changed, in 1 change\n\nchange 1 of 1: {} cells\n",
            moved.len(),
            moved.len()
        )),
        "{stdout}"
    );
    // Every moved cell is listed once, in sample, profile, client order.
    let listed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("    ") && l.contains(" | "))
        .map(str::trim)
        .collect();
    let expected: Vec<String> = moved
        .iter()
        .map(|(s, c)| {
            let s = if *s > 5 { s - 1 } else { *s };
            cell_key(&new, s, *c)
        })
        .collect();
    assert_eq!(listed, expected);

    // Markdown: the same change as one table of fields and one list of cells.
    let (code, md, _) = run_diff(&old, &new, "md");
    assert_eq!(code, 0);
    assert!(
        md.contains(&format!("- samples removed: `{removed}`")),
        "{md}"
    );
    assert_eq!(md.matches("#### Change ").count(), 1, "{md}");
    assert!(md.contains("| `encrypted.status` | no | **yes** |"), "{md}");
    assert!(
        md.contains("| `encrypted.rules` | -owa.encrypt.no-recipient-certificate | **+owa.encrypt.mail-contact** |"),
        "{md}"
    );
    assert_eq!(
        md.lines()
            .filter(|l| l.starts_with("| `") && l.ends_with("| owa |"))
            .count(),
        moved.len()
    );

    // Same export twice: no changes, still exit 0.
    let (code, stdout, _) = run_diff(&old, &old, "text");
    assert_eq!((code, stdout.as_str()), (0, "no changes\n"));

    // Not a matrix: exit 1 with the file named.
    let (code, _, stderr) = run_diff(&old, &json!({"schema": 1}), "text");
    assert_eq!(code, 1);
    assert!(stderr.contains("new.json"), "{stderr}");
}
